import { promises as fs } from 'node:fs';
import type * as vscode from 'vscode';
import type { SessionPaths } from '../core/session/layout';
import { LOCK_STALE_MS } from '../core/session/lock';

/** Looks a little past the moment the lock turns stale, so the check lands on the far side. */
const MARGIN_MS = 500;
/** A lock dated in the future (another machine's clock) must not cause a busy loop. */
const MIN_DELAY_MS = 1_000;

/** How long to wait before looking again at a lock last touched at `mtimeMs`. */
export function lockRecheckDelay(mtimeMs: number | undefined, now: number): number {
  const longest = LOCK_STALE_MS + MARGIN_MS;
  if (mtimeMs === undefined) return MIN_DELAY_MS;
  return Math.min(longest, Math.max(MIN_DELAY_MS, mtimeMs + longest - now));
}

/** proper-lockfile's lock is a directory named after its target. */
const lockDirOf = (paths: SessionPaths): string => `${paths.lockTarget}.lock`;

/**
 * One timer per session that another process runs, set for when that session's lock will
 * be stale unless the process touches it again. A process killed with SIGKILL writes no
 * more journal lines, so the ageing of its lock is the only sign left; looking then, and
 * again after each touch, replaces polling on a fixed period.
 */
export class LockExpiryTimers implements vscode.Disposable {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private disposed = false;

  /** Calls `recheck` once the session's lock may have gone stale; a timer already set stays. */
  async arm(paths: SessionPaths, recheck: () => void): Promise<void> {
    const id = paths.sessionId;
    if (this.disposed || this.timers.has(id)) return;
    const mtime = await fs.stat(lockDirOf(paths)).then((st) => st.mtimeMs, () => undefined);
    if (this.disposed || this.timers.has(id)) return;
    const timer = setTimeout(() => {
      this.timers.delete(id);
      recheck();
    }, lockRecheckDelay(mtime, Date.now()));
    this.timers.set(id, timer);
  }

  cancel(sessionId: string): void {
    const timer = this.timers.get(sessionId);
    if (!timer) return;
    clearTimeout(timer);
    this.timers.delete(sessionId);
  }

  dispose(): void {
    this.disposed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
