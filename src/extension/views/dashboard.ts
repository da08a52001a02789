import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { diskUsage } from '../../core/git/review';
import { isValidId } from '../../core/ids';
import type { JournalEvent, MergeResolution } from '../../core/session/events';
import { liveWorktrees } from '../../shared/dashboardModel';
import { isFromWebview, type FromWebview, type ToWebview } from '../../shared/dashboardProtocol';
import { livenessOf } from '../../shared/presentation';
import { Disposable } from '../lifecycle';
import type { SessionEntry, SessionManager } from '../sessionManager';

export const DASHBOARD_VIEW_TYPE = 'milestones.dashboard';
const LOG_TAIL_BYTES = 64 * 1024;

export interface DashboardActions {
  openLog(session: SessionEntry, task: string): Promise<void>;
  retryTask(session: SessionEntry, task: string): Promise<void>;
  cancelTask(session: SessionEntry, task: string): void;
  resolve(session: SessionEntry, task: string, how: MergeResolution): Promise<void>;
  openConflict(session: SessionEntry, task: string): Promise<void>;
  reviewChanges(session: SessionEntry, task: string): Promise<void>;
}

/** Events after which the worktrees on disk are counted and measured again. */
const WORKTREE_EVENTS: ReadonlySet<string> = new Set(['worktree_created', 'worktree_removed', 'task_completed', 'task_merged', 'merge_conflict', 'merge_discarded', 'git_branch_ready']);
const MEASURE_EVERY_MS = 3_000;

/**
 * The dashboard panel. One at a time; it follows one session. It sends the session's
 * events once, then batched new ones as they become durable (never polled); the webview
 * replays them through the engine's own reducer. Revived after a reload by the serializer.
 */
export class Dashboard extends Disposable {
  private static current: Dashboard | undefined;
  private session: SessionEntry | undefined;
  private ready = false;
  private selected: string | undefined;
  private logOffset = 0;
  private readonly watchers: vscode.Disposable[] = [];
  private measureTimer: NodeJS.Timeout | undefined;
  private lastMeasured = 0;

  static show(ctx: { extensionUri: vscode.Uri; sessions: SessionManager; actions: DashboardActions }, session: SessionEntry | undefined): Dashboard {
    if (Dashboard.current) {
      Dashboard.current.panel.reveal(vscode.ViewColumn.Active);
      if (session) Dashboard.current.follow(session);
      return Dashboard.current;
    }
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, 'Milestone Dashboard', vscode.ViewColumn.Active, Dashboard.options(ctx.extensionUri));
    return new Dashboard(panel, ctx, session);
  }

  static revive(panel: vscode.WebviewPanel, ctx: { extensionUri: vscode.Uri; sessions: SessionManager; actions: DashboardActions }, state: unknown): Dashboard {
    Dashboard.current?.dispose();
    const id = typeof state === 'object' && state && 'sessionId' in state ? state.sessionId : undefined;
    const session = typeof id === 'string' && isValidId(id) ? ctx.sessions.get(id) : undefined;
    panel.webview.options = Dashboard.options(ctx.extensionUri);
    return new Dashboard(panel, ctx, session ?? ctx.sessions.current());
  }

  private static options(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media'), vscode.Uri.joinPath(extensionUri, 'dist')],
    };
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly ctx: { extensionUri: vscode.Uri; sessions: SessionManager; actions: DashboardActions },
    session: SessionEntry | undefined,
  ) {
    super();
    Dashboard.current = this;
    this.session = session;
    panel.iconPath = vscode.Uri.joinPath(ctx.extensionUri, 'media', 'milestones.svg');
    panel.webview.html = this.html();
    this._register(panel.onDidDispose(() => this.dispose()));
    this._register(panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)));
    this._register(ctx.sessions.onDidChange((change) => {
      if (!this.ready || change.session !== this.session) return;
      if (change.reset) this.sendSession();
      else {
        if (change.events.length) this.post({ type: 'events', sessionId: change.session.id, events: [...change.events] });
        this.post({ type: 'liveness', sessionId: change.session.id, liveness: livenessOf(change.session) });
        if (change.events.some((e: JournalEvent) => WORKTREE_EVENTS.has(e.type))) this.measureSoon();
      }
    }));
    this._register(ctx.sessions.onDidChangeSessions(() => {
      // A new session started here takes over the dashboard.
      const current = ctx.sessions.current();
      if (current && current !== this.session && current.coordinator) this.follow(current);
    }));
    this._register({ dispose: () => this.unwatch() });
    this._register({ dispose: () => this.measureTimer && clearTimeout(this.measureTimer) });
  }

  /** Measures the worktrees again, at most once every few seconds: a walk of them is not free. */
  private measureSoon(): void {
    if (this.measureTimer) return;
    const wait = Math.max(0, this.lastMeasured + MEASURE_EVERY_MS - Date.now());
    this.measureTimer = setTimeout(() => {
      this.measureTimer = undefined;
      void this.measureWorktrees();
    }, wait);
  }

  private async measureWorktrees(): Promise<void> {
    const s = this.session;
    if (!s) return;
    this.lastMeasured = Date.now();
    const { paths } = liveWorktrees(s.state);
    const usage = await diskUsage(paths, { maxEntries: 100_000, timeoutMs: 2_000 });
    if (s === this.session) this.post({ type: 'worktrees', sessionId: s.id, count: paths.length, bytes: usage.bytes, complete: usage.complete });
  }

  follow(session: SessionEntry): void {
    if (session === this.session) return;
    this.session = session;
    this.selected = undefined;
    if (this.ready) this.sendSession();
  }

  private post(message: ToWebview): void {
    void this.panel.webview.postMessage(message);
  }

  private sendSession(): void {
    const s = this.session;
    this.unwatch();
    if (!s) {
      this.post({ type: 'empty' });
      return;
    }
    this.panel.title = `Milestone: ${s.state.title || s.state.milestoneId}`;
    this.post({ type: 'session', sessionId: s.id, events: [...s.events], liveness: livenessOf(s) });
    const metricsWatcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(s.paths.dir), 'metrics.json'));
    const sendMetrics = (): void => void this.sendMetrics(s);
    this.watchers.push(metricsWatcher, metricsWatcher.onDidChange(sendMetrics), metricsWatcher.onDidCreate(sendMetrics));
    sendMetrics();
    this.measureSoon();
  }

  private async sendMetrics(s: SessionEntry): Promise<void> {
    try {
      const metrics = JSON.parse(await fs.readFile(s.paths.metrics, 'utf8')) as Record<string, unknown>;
      if (s === this.session) this.post({ type: 'metrics', sessionId: s.id, metrics });
    } catch {
      // not written yet, or being replaced: the next change brings it
    }
  }

  private unwatch(): void {
    while (this.watchers.length) this.watchers.pop()?.dispose();
    this.logWatcher?.dispose();
    this.logWatcher = undefined;
  }

  private logWatcher: vscode.Disposable | undefined;

  /** Follows one task's log: its tail first, then what gets appended. */
  private tailLog(task: string): void {
    const s = this.session;
    if (!s) return;
    this.selected = task;
    this.logWatcher?.dispose();
    const file = s.paths.logFile(task);
    this.logOffset = 0;
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(s.paths.logsDir), `${task}.log`));
    const read = (): void => void this.readLog(s, task, file);
    const subs = [watcher, watcher.onDidChange(read), watcher.onDidCreate(read)];
    this.logWatcher = {
      dispose: () => {
        for (const d of subs) d.dispose();
      },
    };
    read();
  }

  private async readLog(s: SessionEntry, task: string, file: string): Promise<void> {
    let handle: fs.FileHandle | undefined;
    try {
      handle = await fs.open(file, 'r');
      const { size } = await handle.stat();
      const reset = this.logOffset === 0 || size < this.logOffset;
      const from = reset ? Math.max(0, size - LOG_TAIL_BYTES) : this.logOffset;
      if (size === from && !reset) return;
      const buffer = Buffer.alloc(size - from);
      await handle.read(buffer, 0, buffer.length, from);
      this.logOffset = size;
      if (s === this.session && task === this.selected) this.post({ type: 'log', sessionId: s.id, task, text: buffer.toString('utf8'), reset });
    } catch {
      if (s === this.session && task === this.selected && this.logOffset === 0) this.post({ type: 'log', sessionId: s.id, task, text: '', reset: true });
    } finally {
      await handle?.close();
    }
  }

  private onMessage(raw: unknown): void {
    if (!isFromWebview(raw)) return;
    const m: FromWebview = raw;
    const s = this.session;
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.sendSession();
        return;
      case 'selectTask':
        if (s?.state.tasks.has(m.task)) this.tailLog(m.task);
        return;
      case 'openLog':
        if (s?.state.tasks.has(m.task)) void this.ctx.actions.openLog(s, m.task);
        return;
      case 'retryTask':
        if (s?.state.tasks.has(m.task)) void this.ctx.actions.retryTask(s, m.task);
        return;
      case 'cancelTask':
        if (s?.state.tasks.has(m.task)) this.ctx.actions.cancelTask(s, m.task);
        return;
      case 'resolve':
        if (s?.state.tasks.has(m.task)) void this.ctx.actions.resolve(s, m.task, m.how);
        return;
      case 'openConflict':
        if (s?.state.tasks.has(m.task)) void this.ctx.actions.openConflict(s, m.task);
        return;
      case 'reviewChanges':
        if (s?.state.tasks.has(m.task)) void this.ctx.actions.reviewChanges(s, m.task);
        return;
    }
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.ctx.extensionUri, 'dist', 'webview', 'dashboard.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(this.ctx.extensionUri, 'media', 'dashboard.css'));
    const csp = [`default-src 'none'`, `img-src ${webview.cspSource} data:`, `style-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`, `font-src ${webview.cspSource}`].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link href="${style.toString()}" rel="stylesheet">
<title>Milestone Dashboard</title>
</head>
<body>
<p id="empty" class="muted">No session yet. Run <strong>Milestone Agents: Start Milestone</strong> to start one.</p>
<main id="main" hidden>
  <header>
    <h1 id="title"></h1>
    <span id="status" class="badge" role="status"></span>
    <span id="branch" class="muted"></span>
  </header>
  <p id="pause-reason" class="warning"></p>
  <section class="card" aria-label="Progress">
    <div id="progressbar" class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="0"><div id="bar" class="bar"></div></div>
    <p id="progress-text"></p>
  </section>
  <section class="card" id="attention" aria-label="Waiting for you" hidden><h2>Waiting for you</h2><div id="attention-list"></div></section>
  <section class="card" id="coding-card" aria-label="Coding agents" hidden><h2>Coding agents</h2><p id="coding-spend" class="muted"></p><table id="coding-tasks"></table></section>
  <section class="row">
    <div class="card grow"><h2>Agents</h2><div id="agents" class="agents"></div></div>
    <div class="card" id="gates-card"><h2>Quality gates</h2><div id="gates"></div></div>
  </section>
  <section class="card"><h2>Task graph</h2>
    <svg id="graph" class="graph" role="group" aria-label="Task graph: each task is a button">
      <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z"></path></marker></defs>
    </svg>
  </section>
  <section class="card"><h2>Timeline</h2><svg id="timeline" class="timeline" aria-label="Task runs per executor"></svg></section>
  <section class="card" id="isolation-card" hidden><h2>Worktrees and merges</h2><p id="worktrees-text" class="muted"></p><table id="isolation"></table></section>
  <section class="row">
    <div class="card grow"><h2>Metrics</h2><table id="metrics"></table></div>
    <div class="card grow"><h2>Alerts</h2><ul id="alerts" class="alerts"></ul></div>
  </section>
  <section class="card">
    <div class="log-head"><h2 id="log-title">Log</h2>
      <span class="actions"><button id="open-log">Open in Editor</button><button id="retry">Retry</button><button id="cancel">Cancel</button></span></div>
    <pre id="log" class="log" tabindex="0"></pre>
  </section>
</main>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
  }

  override dispose(): void {
    if (Dashboard.current === this) Dashboard.current = undefined;
    super.dispose();
    this.panel.dispose();
  }
}
