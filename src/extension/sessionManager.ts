import * as path from 'node:path';
import * as vscode from 'vscode';
import { Coordinator, type CoordinatorOptions, type SessionOutcome } from '../core/coordinator/coordinator';
import { workspaceOf } from '../core/milestone/workspace';
import { isValidId } from '../core/ids';
import { TERMINAL_EVENTS, type JournalEvent } from '../core/session/events';
import { SessionPaths } from '../core/session/layout';
import { isSessionLive } from '../core/session/lock';
import { applyNewEvents, replay, resumeRefusal, type SessionState } from '../core/session/state';
import { listSessions } from '../core/session/store';
import { JournalTail } from '../core/session/tail';
import { isInterrupted, livenessOf } from '../shared/presentation';
import type { GitLink } from './gitLink';
import { Disposable } from './lifecycle';
import { LockExpiryTimers } from './lockExpiry';
import { Settings } from './settings';

export interface SessionEntry {
  readonly id: string;
  readonly workspace: string;
  readonly paths: SessionPaths;
  state: SessionState;
  /** Every durable event so far, in order: what a dashboard replays. */
  events: JournalEvent[];
  /** Set while this window runs the session. */
  coordinator: Coordinator | undefined;
  /** Another process (the CLI, another window) runs it: this window only watches. */
  liveElsewhere: boolean;
  tail: JournalTail | undefined;
}

export interface SessionChange {
  session: SessionEntry;
  /** The new events, or all of them when `reset` (the state was rebuilt from the journal). */
  events: readonly JournalEvent[];
  reset: boolean;
}

const BATCH_MS = 40;

/**
 * Every session of the workspace, whoever runs it: the ones this window runs (through
 * their coordinator's events) and the ones it only watches (following their journal from
 * the last offset whenever the file watcher reports an append, and looking at their lock
 * again when it would go stale, in case the process running them died without a word).
 */
export class SessionManager extends Disposable {
  private readonly entries = new Map<string, SessionEntry>();
  private readonly changed = this._register(new vscode.EventEmitter<SessionChange>());
  private readonly listChanged = this._register(new vscode.EventEmitter<void>());
  private readonly output = this._register(new vscode.EventEmitter<{ session: SessionEntry; task: string; line: string }>());
  private readonly finished = this._register(new vscode.EventEmitter<{ session: SessionEntry; outcome: SessionOutcome }>());
  private readonly pending = new Map<string, { events: JournalEvent[]; reset: boolean }>();
  /** Sessions run elsewhere are looked at again when their lock would go stale. */
  private readonly lockExpiry = this._register(new LockExpiryTimers());
  private flushTimer: NodeJS.Timeout | undefined;
  private markScanned!: () => void;
  /** Resolves once the sessions on disk are known (a revived dashboard waits for it). */
  readonly scanned = new Promise<void>((resolve) => (this.markScanned = resolve));

  readonly onDidChange = this.changed.event;
  readonly onDidChangeSessions = this.listChanged.event;
  readonly onDidOutput = this.output.event;
  readonly onDidFinish = this.finished.event;

  constructor(
    private readonly extensionPath: string,
    private readonly log: vscode.LogOutputChannel,
    private readonly git: GitLink,
  ) {
    super();
    this._register({ dispose: () => this.flushTimer && clearTimeout(this.flushTimer) });
  }

  /** Finds the sessions of the workspace folders and watches for new ones and appends. */
  async scan(folders: readonly vscode.WorkspaceFolder[]): Promise<void> {
    for (const folder of folders) {
      const watcher = this._register(vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, '.milestones/sessions/*/events.jsonl')));
      const onFile = (uri: vscode.Uri): void => void this.onJournalChanged(folder.uri.fsPath, uri.fsPath);
      this._register(watcher.onDidCreate(onFile));
      this._register(watcher.onDidChange(onFile));
      for (const rec of await listSessions(folder.uri.fsPath)) {
        await this.follow(this.entry(folder.uri.fsPath, rec.session.id));
      }
    }
    this.markScanned();
    this.listChanged.fire();
  }

  sessions(): SessionEntry[] {
    return [...this.entries.values()].sort((a, b) => (b.state.startedAt ?? b.id).localeCompare(a.state.startedAt ?? a.id));
  }

  get(id: string): SessionEntry | undefined {
    return this.entries.get(id);
  }

  /** The session the status bar and the dashboard show: the one running here, else the newest. */
  current(): SessionEntry | undefined {
    const all = this.sessions();
    return all.find((s) => s.coordinator) ?? all.find((s) => s.liveElsewhere) ?? all[0];
  }

  running(): SessionEntry[] {
    return this.sessions().filter((s) => s.coordinator);
  }

  /** Sessions that stopped without finishing and that nothing runs now: the ones to offer for resume. */
  interrupted(): SessionEntry[] {
    // One that died before its first event shows as interrupted, but has nothing to resume from.
    return this.sessions().filter((s) => isInterrupted(s.state.status, livenessOf(s)) && resumeRefusal(s.state) === undefined);
  }

  async start(file: vscode.Uri, extra: Partial<CoordinatorOptions> = {}): Promise<SessionEntry> {
    const workspace = workspaceOf(file.fsPath);
    const coordinator = await Coordinator.start(file.fsPath, { ...this.options(file), ...extra });
    this.log.info(`Started session ${coordinator.sessionId} of ${path.relative(workspace, file.fsPath)}`);
    return this.adopt(workspace, coordinator);
  }

  /** `extra`: e.g. the `resolutions` of tasks the session waited for the user on. */
  async resume(entry: SessionEntry, extra: Partial<CoordinatorOptions> = {}): Promise<SessionEntry> {
    const coordinator = await Coordinator.resume(entry.workspace, entry.id, { ...this.options(vscode.Uri.file(entry.state.milestoneFile || entry.workspace)), ...extra });
    const resolved = extra.resolutions?.map((r) => `${r.task}: ${r.how}`).join(', ');
    this.log.info(`Resumed session ${entry.id}${resolved ? ` resolving ${resolved}` : ''}`);
    return this.adopt(entry.workspace, coordinator);
  }

  private options(scope: vscode.Uri): CoordinatorOptions {
    const settings = new Settings(scope);
    const executors = settings.maxExecutors;
    const autoCommit = settings.autoCommit;
    const stall = settings.stallAlertMs;
    const gitBinary = settings.gitPath ?? this.git.gitPath;
    const worktreesDir = settings.worktreesDirectory;
    // The repository Source Control shows for this folder is the one the git agent commits to.
    const gitRepository = this.git.repository(vscode.Uri.file(workspaceOf(scope.fsPath)))?.rootUri.fsPath;
    return {
      workerScript: path.join(this.extensionPath, 'dist', 'worker.js'),
      owner: `VS Code (window of ${vscode.env.appName})`,
      profiles: settings.agentProfiles,
      ...(executors !== undefined ? { executors } : {}),
      ...(autoCommit ? { autoCommit } : {}),
      ...(stall !== undefined ? { stallAfterMs: stall } : {}),
      ...(gitBinary ? { gitBinary } : {}),
      ...(gitRepository ? { gitRepository } : {}),
      ...(worktreesDir ? { worktreesDir } : {}),
    };
  }

  private adopt(workspace: string, coordinator: Coordinator): SessionEntry {
    const entry = this.entry(workspace, coordinator.sessionId);
    entry.coordinator = coordinator;
    entry.liveElsewhere = false;
    this.lockExpiry.cancel(entry.id);
    entry.state = coordinator.state;
    entry.events = [...coordinator.history()];
    this.queue(entry, entry.events, true);
    const subscription = coordinator.onEvent((e) => {
      if (e.seq <= (entry.events[entry.events.length - 1]?.seq ?? 0)) return;
      entry.events.push(e);
      this.queue(entry, [e], false);
      if (e.type === 'auto_commit') void this.git.refresh(vscode.Uri.file(workspace));
    });
    const output = coordinator.onOutput((o) => this.output.fire({ session: entry, ...o }));
    void coordinator.done.then((outcome) => {
      subscription.dispose();
      output.dispose();
      entry.coordinator = undefined;
      this.log.info(`Session ${entry.id} ended: ${outcome.status} (${outcome.reason})`);
      this.queue(entry, [], false);
      this.finished.fire({ session: entry, outcome });
    });
    this.listChanged.fire();
    return entry;
  }

  private entry(workspace: string, id: string): SessionEntry {
    let e = this.entries.get(id);
    if (!e) {
      e = { id, workspace, paths: new SessionPaths(workspace, id), state: replay(id, []), events: [], coordinator: undefined, liveElsewhere: false, tail: undefined };
      this.entries.set(id, e);
    }
    return e;
  }

  private async onJournalChanged(workspace: string, file: string): Promise<void> {
    const id = path.basename(path.dirname(file));
    if (!isValidId(id)) return;
    const isNew = !this.entries.has(id);
    const entry = this.entry(workspace, id);
    if (entry.coordinator) return;
    await this.follow(entry);
    if (isNew) this.listChanged.fire();
  }

  /**
   * Reads what the journal gained. Watcher events overlap (a create and a change, a read
   * still under way), so only events past the state's last seq are taken.
   */
  private async follow(entry: SessionEntry): Promise<void> {
    try {
      entry.tail ??= new JournalTail(entry.paths.events);
      const read = await entry.tail.read();
      // A coordinator of this window may have taken the session over during the read
      // (its journal appears before start() returns): its state is the live one, keep it.
      if (entry.coordinator) return;
      const reset = entry.state.lastSeq === 0;
      const added = applyNewEvents(entry.state, read);
      entry.events.push(...added);
      // After its terminal event a session is over, whatever its lock says in the moment
      // before the other process releases it.
      const last = entry.events[entry.events.length - 1];
      const ended = last !== undefined && TERMINAL_EVENTS.has(last.type);
      const live = !ended && (await isSessionLive(entry.paths));
      if (entry.coordinator) return;
      const wasLive = entry.liveElsewhere;
      entry.liveElsewhere = live;
      // A process killed outright appends nothing more: only its lock's ageing tells.
      if (live) void this.lockExpiry.arm(entry.paths, () => void this.follow(entry));
      else this.lockExpiry.cancel(entry.id);
      if (wasLive && !live && !ended) this.log.info(`Session ${entry.id}: the process that ran it is gone; it can be resumed.`);
      if (added.length || reset || wasLive !== live) this.queue(entry, added, reset);
    } catch (err) {
      this.log.warn(`Could not read session ${entry.id}: ${(err as Error).message}`);
    }
  }

  /** Coalesces bursts of events into one change per session every few tens of milliseconds. */
  private queue(entry: SessionEntry, events: readonly JournalEvent[], reset: boolean): void {
    const p = this.pending.get(entry.id);
    if (reset || !p) this.pending.set(entry.id, { events: [...(reset ? entry.events : events)], reset: reset || (p?.reset ?? false) });
    else p.events.push(...events);
    this.flushTimer ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  private flush(): void {
    this.flushTimer = undefined;
    const batch = [...this.pending];
    this.pending.clear();
    for (const [id, p] of batch) {
      const session = this.entries.get(id);
      if (session) this.changed.fire({ session, events: p.events, reset: p.reset });
    }
  }

  /** Stops the sessions this window runs, leaving them resumable (window closing, reload). */
  async stopAll(): Promise<void> {
    await Promise.all(this.running().map((s) => (s.coordinator ? s.coordinator.stop('stopped', 'the VS Code window closed') : Promise.resolve())));
  }
}
