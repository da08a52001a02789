import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as lockfile from 'proper-lockfile';
import { writeFileAtomic } from './atomic';
import type { SessionPaths } from './layout';

export interface LockOwner {
  pid: number;
  host: string;
  since: string;
  by: string;
}

export class SessionLockedError extends Error {
  constructor(
    readonly sessionId: string,
    readonly owner: LockOwner | undefined,
  ) {
    super(
      owner
        ? `Session ${sessionId} is already being run by ${owner.by} (process ${owner.pid} on ${owner.host}, since ${owner.since}). Stop that process first; the session can be watched read-only meanwhile.`
        : `Session ${sessionId} is locked by another coordinator. Stop it first; the session can be watched read-only meanwhile.`,
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
  try {
    return JSON.parse(await fs.readFile(paths.lockOwner, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

/** Is a live coordinator running this session right now (judged from its lock)? */
export async function isSessionLive(paths: SessionPaths): Promise<boolean> {
  const locked = await lockfile.check(paths.lockTarget, { realpath: false, stale: 10_000 }).catch(() => false);
  if (!locked) return false;
  const owner = await readLockOwner(paths);
  return !(owner && owner.host === os.hostname() && !isProcessAlive(owner.pid));
}

export interface SessionLock {
  release(): Promise<void>;
}

/**
 * One live coordinator per session. proper-lockfile keeps the lock fresh by touching it;
 * a lock whose owner process is gone (kill -9) is taken over at once instead of after the
 * staleness timeout, because the owner record names a pid that can be checked.
 */
export async function acquireSessionLock(paths: SessionPaths, by: string, onCompromised: (err: Error) => void): Promise<SessionLock> {
  await fs.mkdir(paths.dir, { recursive: true });
  const options = { realpath: false, stale: 10_000, update: 2_000, onCompromised };
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(paths.lockTarget, options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
    const owner = await readLockOwner(paths);
    const deadHere = owner && owner.host === os.hostname() && !isProcessAlive(owner.pid);
    if (!deadHere) throw new SessionLockedError(paths.sessionId, owner);
    // Age the dead owner's lock so proper-lockfile's own stale takeover removes it.
    const lockDir = `${paths.lockTarget}.lock`;
    await fs.utimes(lockDir, new Date(0), new Date(0)).catch(() => undefined);
    try {
      release = await lockfile.lock(paths.lockTarget, options);
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code === 'ELOCKED') throw new SessionLockedError(paths.sessionId, await readLockOwner(paths));
      throw again;
    }
  }
  const owner: LockOwner = { pid: process.pid, host: os.hostname(), since: new Date().toISOString(), by };
  await writeFileAtomic(paths.lockOwner, `${JSON.stringify(owner)}\n`);
  return {
    async release() {
      await fs.rm(paths.lockOwner, { force: true });
      await release().catch(() => undefined);
    },
  };
}
