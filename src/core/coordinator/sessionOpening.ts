// Everything before a coordinator exists: the milestone validated, the locks taken, the
// working tree checked, the journal opened (new, or replayed for a resume), and what a
// crashed coordinator left running killed. A refused start leaves nothing behind.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { excludeSessionState, findConflict, openRepository, uncommittedChanges } from '../git/repository';
import { worktreesBase } from '../git/worktrees';
import { hasErrors } from '../milestone/diagnostics';
import type { Milestone } from '../milestone/model';
import { validateMilestoneFile } from '../milestone/validate';
import { workspaceOf } from '../milestone/workspace';
import { killGroup } from '../process/runningProcess';
import type { EventDraft, JournalEvent } from '../session/events';
import { recentTaskDurations } from '../session/history';
import { Journal } from '../session/journal';
import { newSessionId, SessionPaths, sessionsRoot } from '../session/layout';
import { acquireMilestoneLock, acquireSessionLock, acquireWorkingTreeLock, isSessionLive, type SessionLock } from '../session/lock';
import { AWAITING_USER_STATUSES, emptySessionState, replay, resumeRefusal, type SessionState } from '../session/state';
import { listSessions, SessionStore } from '../session/store';
import { DirtyWorkingTreeError, listed, MilestoneInvalidError, PreconditionError, NoSuchSessionError, NothingToResumeError, RepositoryConflictError, SessionNotResumableError } from './errors';
import { usesGit } from './gitSteward';
import type { CoordinatorOptions } from './options';
import { gateSummaries, taskSummaries } from './processSpecs';

export interface OpenedSession {
  milestone: Milestone;
  paths: SessionPaths;
  /** The session as its journal says (empty for a new one). */
  state: SessionState;
  history: JournalEvent[];
  journal: Journal;
  store: SessionStore;
  locks: HeldLocks;
  lockLoss: LockLoss;
  /** How long each task took in recent sessions: the critical path's weights. */
  estimates: ReadonlyMap<string, number>;
  executors: { min: number; max: number };
  /** The first events to record: `session_started`, or `session_resumed` and what it found. */
  opening: EventDraft[];
  /** The session's worktree folder; absent in place or without git. */
  worktrees?: string;
}

/** Validates the milestone and creates its session. */
export async function openNewSession(file: string, options: CoordinatorOptions): Promise<OpenedSession> {
  const milestoneFile = path.resolve(file);
  const workspace = path.resolve(options.workspace ?? workspaceOf(milestoneFile));
  const milestone = await validated(milestoneFile, workspace, options);
  const paths = new SessionPaths(workspace, newSessionId(milestone.id));
  const estimates = await recentTaskDurations(workspace, milestone.id);
  const lockLoss = new LockLoss();
  const owner = options.owner ?? 'milestone-agents';
  const locks = new HeldLocks();
  try {
    locks.add(await acquireMilestoneLock(workspace, milestone.id, paths.sessionId, owner, lockLoss.report));
    if (inPlace(milestone, options)) locks.add(await acquireWorkingTreeLock(workspace, milestone.id, paths.sessionId, owner, lockLoss.report));
    // Checked under the locks: a run of this milestone (or another on a branch) that
    // started meanwhile is reported as such, not as changes in the working tree.
    const { worktrees } = await preflightGit(workspace, milestone, options, false, paths.sessionId);
    locks.add(await acquireSessionLock(paths, owner, lockLoss.report));
    const store = new SessionStore(paths);
    await store.init();
    const { journal } = await Journal.open(paths.events, paths.sessionId, { create: true });
    const executors = executorLimits(milestone, options);
    const started: EventDraft = {
      type: 'session_started',
      data: {
        milestone_id: milestone.id,
        milestone_file: milestoneFile,
        workspace,
        title: milestone.title,
        type: milestone.type,
        complexity: milestone.complexity,
        tasks: taskSummaries(milestone),
        gates: gateSummaries(milestone),
        executors,
        on_failure: options.failFast ? 'stop' : milestone.onFailure,
        pid: process.pid,
        host: os.hostname(),
      },
    };
    return { milestone, paths, state: emptySessionState(paths.sessionId), history: [], journal, store, locks, lockLoss, estimates, executors, opening: [started], ...(worktrees ? { worktrees } : {}) };
  } catch (err) {
    await locks.release();
    await removeEmptyRunFolders(workspace);
    throw err;
  }
}

/**
 * Takes over an interrupted (or failed) session: completed tasks stay done, tasks that
 * were running run again, everything else is pending again. The milestone file is read
 * afresh, so a fix made since the failure is used.
 */
export async function openResumedSession(workspaceDir: string, sessionId: string | undefined, options: CoordinatorOptions): Promise<OpenedSession> {
  const workspace = path.resolve(workspaceDir);
  const id = sessionId ?? (await findResumableSession(workspace));
  const paths = new SessionPaths(workspace, id);
  if (!(await fs.access(paths.events).then(() => true, () => false))) throw new NoSuchSessionError(workspace, id);
  const lockLoss = new LockLoss();
  const owner = options.owner ?? 'milestone-agents';
  const locks = new HeldLocks();
  locks.add(await acquireSessionLock(paths, owner, lockLoss.report));
  let opened: Journal | undefined;
  try {
    const { journal, contents } = await Journal.open(paths.events, id, { create: false });
    opened = journal;
    const state = replay(id, contents.events);
    const refusal = resumeRefusal(state);
    if (refusal) throw new SessionNotResumableError(id, refusal);
    locks.add(await acquireMilestoneLock(workspace, state.milestoneId, id, owner, lockLoss.report));
    const milestone = await validated(state.milestoneFile, workspace, options);
    if (inPlace(milestone, options)) locks.add(await acquireWorkingTreeLock(workspace, milestone.id, id, owner, lockLoss.report));
    const { leftOver, worktrees } = await preflightGit(workspace, milestone, options, true, id);
    const store = new SessionStore(paths);
    await store.init();
    const known = new Set(milestone.tasks.map((t) => t.id));
    const requeued: string[] = [];
    const reset: string[] = [];
    for (const t of state.tasks.values()) {
      // A result that waits for the user (a merge, a review) keeps waiting.
      if (!known.has(t.id) || t.status === 'completed' || AWAITING_USER_STATUSES.has(t.status)) continue;
      if (t.status === 'running') requeued.push(t.id);
      else if (t.status !== 'pending') reset.push(t.id);
    }
    await killLeftovers(state, id);
    const opening: EventDraft[] = [
      {
        type: 'session_resumed',
        data: { by: 'recovery', pid: process.pid, requeued, reset, tasks: taskSummaries(milestone), gates: gateSummaries(milestone), ...(contents.torn ? { torn_line: contents.torn.line } : {}) },
      },
    ];
    if (leftOver.length) {
      opening.push({ type: 'alert', data: { kind: 'uncommitted_changes', message: `The working tree has uncommitted changes from before the resume (${listed(leftOver)}): the interrupted task may have left them, and the next commit will include them. Stash any that are not the milestone's.` } });
    }
    if (contents.torn) {
      opening.push({ type: 'alert', data: { kind: 'torn_journal', message: `The last line of the journal (line ${contents.torn.line}) was cut off by a crash (${contents.torn.reason}); it was dropped. Nothing else was lost.` } });
    }
    const estimates = await recentTaskDurations(workspace, milestone.id, state);
    return { milestone, paths, state, history: contents.events, journal, store, locks, lockLoss, estimates, executors: executorLimits(milestone, options), opening, ...(worktrees ? { worktrees } : {}) };
  } catch (err) {
    await opened?.close();
    await locks.release();
    throw err;
  }
}

/** Newest session that did not complete and that no live coordinator is running. */
export async function findResumableSession(workspace: string): Promise<string> {
  for (const rec of await listSessions(workspace)) {
    if (rec.session.status === 'completed') continue;
    if (await isSessionLive(new SessionPaths(workspace, rec.session.id))) continue;
    return rec.session.id;
  }
  throw new NothingToResumeError(workspace);
}

function executorLimits(milestone: Milestone, options: CoordinatorOptions): { min: number; max: number } {
  const max = Math.max(1, options.executors ?? milestone.executors.max);
  return { min: Math.min(max, milestone.executors.min), max };
}

async function validated(file: string, workspace: string, options: CoordinatorOptions): Promise<Milestone> {
  const result = await validateMilestoneFile(file, { workspace, ...(options.profiles ? { profiles: options.profiles } : {}) });
  if (hasErrors(result.diagnostics)) throw new MilestoneInvalidError(file, result.diagnostics);
  return result.milestone;
}

/** The milestone branch is checked out in the user's own working tree (`git.in_place`). */
function inPlace(milestone: Milestone, options: CoordinatorOptions): boolean {
  return usesGit(milestone) && (options.inPlace ?? milestone.git.inPlace);
}

/**
 * By default the user's working tree is never touched: the milestone works in worktrees
 * of its own (returned: the session's folder for them, which must be outside the
 * workspace). In place, the working tree must be clean (or allowed) and free of conflicts
 * before a run begins; a resume accepts changes (the interrupted task's half-written files
 * are expected) and returns them, so they can be named before the next commit takes them.
 */
async function preflightGit(workspace: string, milestone: Milestone, options: CoordinatorOptions, resumed: boolean, sessionId: string): Promise<{ leftOver: string[]; worktrees?: string }> {
  const repo = await openRepository(options.gitRepository ?? workspace, options.gitBinary);
  if (!repo) return { leftOver: [] };
  // Whatever the milestone type, its session files must not show up as changes.
  await excludeSessionState(repo.git, repo.root, workspace);
  if (!usesGit(milestone)) return { leftOver: [] };
  if (!inPlace(milestone, options)) {
    const base = worktreesBase(repo.root, options.worktreesDir, options.env ?? process.env);
    const rel = path.relative(workspace, base);
    if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
      throw new PreconditionError(`The worktrees folder ${base} is inside the workspace ${workspace}: file watchers, search and git would see every task's copy. Choose a folder outside it (--worktrees, or the milestones.worktreesDirectory setting).`);
    }
    return { leftOver: [], worktrees: path.join(base, sessionId) };
  }
  const conflict = await findConflict(repo.git, repo.root);
  if (conflict) throw new RepositoryConflictError(repo.root, conflict);
  if (options.allowDirty) return { leftOver: [] };
  const changes = await uncommittedChanges(repo.git, repo.root, workspace);
  if (resumed) return { leftOver: changes };
  if (changes.length) throw new DirtyWorkingTreeError(repo.root, changes);
  return { leftOver: [] };
}

/**
 * Task processes of a coordinator that died (kill -9) keep running in their own process
 * groups. Before running those tasks again, end them, but only when /proc confirms the
 * process still belongs to this session and task (a pid can be reused).
 */
async function killLeftovers(state: SessionState, sessionId: string): Promise<void> {
  for (const t of state.tasks.values()) {
    if (t.status !== 'running' || !t.pid) continue;
    const environ = await fs.readFile(`/proc/${t.pid}/environ`, 'latin1').catch(() => '');
    const vars = new Set(environ.split('\0'));
    if (vars.has(`MILESTONE_SESSION=${sessionId}`) && vars.has(`MILESTONE_TASK=${t.id}`)) killGroup(t.pid, 'SIGKILL');
  }
}

/** A start that was refused leaves nothing behind: the lock folders it made, if still empty. */
async function removeEmptyRunFolders(workspace: string): Promise<void> {
  const root = sessionsRoot(workspace);
  for (const dir of [path.join(root, '.running'), root]) {
    // rmdir removes only an empty folder: another run's locks or sessions stay.
    if (!(await fs.rmdir(dir).then(() => true, () => false))) return;
  }
}

/** Locks are taken before the coordinator exists: a loss goes to whoever is bound by then. */
export class LockLoss {
  private handler: (err: Error) => void = (err) => process.emitWarning(`milestone-agents: a lock was lost while starting: ${err.message}`);
  readonly report = (err: Error): void => this.handler(err);
  bind(handler: (err: Error) => void): void {
    this.handler = handler;
  }
}

/** The locks a coordinator holds (its milestone's run lock, its session's lock), released together. */
export class HeldLocks implements SessionLock {
  private readonly locks: SessionLock[] = [];
  add(lock: SessionLock): void {
    this.locks.push(lock);
  }
  async release(): Promise<void> {
    await Promise.all(this.locks.splice(0).map((l) => l.release()));
  }
}
