import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as lockfile from 'proper-lockfile';
import { assertValidId } from '../ids';
import { writeFileAtomic } from './atomic';
import { sessionsRoot, type SessionPaths } from './layout';

/** A lock left untouched this long belongs to nobody (proper-lockfile touches it every 2 s). */
export const LOCK_STALE_MS = 10_000;

export interface LockOwner {
  pid: number;
  host: string;
  since: string;
  by: string;
  /** The session and milestone the owner runs (in the run locks of a workspace). */
  session?: string;
  milestone?: string;
}

/** Who holds a lock, as the messages name them. */
function holder(owner: LockOwner): string {
  return `${owner.by} (process ${owner.pid} on ${owner.host}, since ${owner.since})`;
}

export class SessionLockedError extends Error {
  constructor(
    readonly sessionId: string,
    readonly owner: LockOwner | undefined,
    message?: string,
  ) {
    super(
      message ??
        (owner
          ? `Session ${sessionId} is already being run by ${holder(owner)}. Stop that process first; the session can be watched read-only meanwhile.`
          : `Session ${sessionId} is locked by another coordinator. Stop it first; the session can be watched read-only meanwhile.`),
    );
  }
}

/**
 * A workspace-wide run lock is taken: the error names the milestone that could not start,
 * and the session that holds the lock (from the owner record, when there is one).
 */
abstract class RunLockedError extends SessionLockedError {
  constructor(
    readonly milestoneId: string,
    owner: LockOwner | undefined,
    message: string,
  ) {
    super(owner?.session ?? '', owner, message);
  }
}

/** Another session of the same milestone runs in this workspace (its branch, its files). */
export class MilestoneRunningError extends RunLockedError {
  constructor(milestoneId: string, owner: LockOwner | undefined) {
    const who = owner ? `: session ${owner.session ?? '?'} by ${holder(owner)}` : '';
    super(milestoneId, owner, `Milestone "${milestoneId}" is already running in this workspace${who}. Watch that session, or stop it before starting another run.`);
  }
}

/** Another milestone with git runs in this workspace: starting would switch its branch. */
export class WorkingTreeBusyError extends RunLockedError {
  constructor(milestoneId: string, owner: LockOwner | undefined) {
    const other = owner?.milestone ? `milestone "${owner.milestone}"` : 'another milestone';
    const who = owner ? ` (session ${owner.session ?? '?'} by ${owner.by}, process ${owner.pid})` : '';
    super(
      milestoneId,
      owner,
      `Milestone "${milestoneId}" cannot start: ${other} is running in this workspace on its own git branch${who}, and starting would switch branches under it. Wait for it to finish or stop it, or run this milestone in another clone or git worktree.`,
    );
  }
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function readLockOwner(paths: SessionPaths): Promise<LockOwner | undefined> {
  return readOwner(paths.lockOwner);
}

async function readOwner(file: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

/** Is a live coordinator running this session right now (judged from its lock)? */
export async function isSessionLive(paths: SessionPaths): Promise<boolean> {
  const locked = await lockfile.check(paths.lockTarget, { realpath: false, stale: LOCK_STALE_MS }).catch(() => false);
  if (!locked) return false;
  const owner = await readLockOwner(paths);
  return !(owner && owner.host === os.hostname() && !isProcessAlive(owner.pid));
}

export interface SessionLock {
  release(): Promise<void>;
}

/** What a lock consists of: proper-lockfile's target (it locks `<target>.lock`) and the owner record next to it. */
interface LockFiles {
  target: string;
  owner: string;
}

/**
 * One live coordinator per session. proper-lockfile keeps the lock fresh by touching it;
 * a lock whose owner process is gone (kill -9) is taken over at once instead of after the
 * staleness timeout, because the owner record names a pid that can be checked.
 */
export function acquireSessionLock(paths: SessionPaths, by: string, onCompromised: (err: Error) => void): Promise<SessionLock> {
  return acquire({ target: paths.lockTarget, owner: paths.lockOwner }, { by }, onCompromised, (owner) => new SessionLockedError(paths.sessionId, owner));
}

/**
 * One running session per milestone and workspace: two runs of one milestone would share
 * its branch and working tree, and each commit the other's files.
 */
export function acquireMilestoneLock(workspace: string, milestoneId: string, sessionId: string, by: string, onCompromised: (err: Error) => void): Promise<SessionLock> {
  return acquire(runLockFiles(workspace, assertValidId(milestoneId, 'milestone id')), { by, session: sessionId, milestone: milestoneId }, onCompromised, (owner) => new MilestoneRunningError(milestoneId, owner));
}

/**
 * One milestone with git per workspace at a time: each checks out its own branch, and a
 * second would switch branches under the first one's running tasks and commits.
 */
export function acquireWorkingTreeLock(workspace: string, milestoneId: string, sessionId: string, by: string, onCompromised: (err: Error) => void): Promise<SessionLock> {
  // Not a valid milestone id, so it cannot collide with one.
  return acquire(runLockFiles(workspace, '.git-branch'), { by, session: sessionId, milestone: milestoneId }, onCompromised, (owner) => new WorkingTreeBusyError(milestoneId, owner));
}

/**
 * A lock without an owner record: a coordinator between taking the lock and writing the
 * record, or one that died in that moment. Say when it is free if nobody refreshes it.
 */
async function withAge(err: Error, lockDir: string): Promise<Error> {
  const mtime = await fs.stat(lockDir).then((st) => st.mtimeMs, () => undefined);
  if (mtime === undefined) return err;
  const left = Math.max(1, Math.ceil((mtime + LOCK_STALE_MS - Date.now()) / 1000));
  err.message += ` If no coordinator is running it, the lock is free in ${left} s (it has no owner record); try again then.`;
  return err;
}

function runLockFiles(workspace: string, name: string): LockFiles {
  const dir = path.join(sessionsRoot(workspace), '.running');
  return { target: path.join(dir, name), owner: path.join(dir, `${name}.json`) };
}

async function acquire(files: LockFiles, who: Pick<LockOwner, 'by' | 'session' | 'milestone'>, onCompromised: (err: Error) => void, locked: (owner: LockOwner | undefined) => Error): Promise<SessionLock> {
  await fs.mkdir(path.dirname(files.target), { recursive: true });
  const options = { realpath: false, stale: LOCK_STALE_MS, update: 2_000, onCompromised };
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(files.target, options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
    const owner = await readOwner(files.owner);
    const deadHere = owner && owner.host === os.hostname() && !isProcessAlive(owner.pid);
    if (!deadHere) throw owner ? locked(owner) : await withAge(locked(undefined), `${files.target}.lock`);
    // Age the dead owner's lock so proper-lockfile's own stale takeover removes it.
    await fs.utimes(`${files.target}.lock`, new Date(0), new Date(0)).catch(() => undefined);
    try {
      release = await lockfile.lock(files.target, options);
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code === 'ELOCKED') throw locked(await readOwner(files.owner));
      throw again;
    }
  }
  const owner: LockOwner = { pid: process.pid, host: os.hostname(), since: new Date().toISOString(), ...who };
  await writeFileAtomic(files.owner, `${JSON.stringify(owner)}\n`);
  return {
    async release() {
      // After a compromised lock the record may be a new owner's: remove only our own.
      const current = await readOwner(files.owner);
      if (current?.pid === owner.pid && current.since === owner.since && current.host === owner.host) await fs.rm(files.owner, { force: true });
      await release().catch(() => undefined);
    },
  };
}
