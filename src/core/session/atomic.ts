import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import * as lockfile from 'proper-lockfile';

/** fsync of a directory makes a rename in it durable; write-file-atomic and friends skip it. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replace a file so a reader sees the old or the new content, never a mix, even after a crash. */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await fs.open(tmp, 'wx', 0o644);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(dir);
}

/**
 * How long a writer waits for a held lock: quick retries first, since a holder keeps it
 * only for one fsync'd replace, then 250 ms apart, about 7 s in all before giving up.
 */
const LOCK_RETRY = { retries: 40, factor: 1.3, minTimeout: 5, maxTimeout: 250 };

export interface LockedWriteHooks {
  /**
   * Told each time the lock is found held by a live writer, before the wait to retry: it
   * is how a test knows the write has reached the lock and been refused, without guessing
   * how long that takes.
   */
  onLockHeld?: (attempt: number) => void;
}

/**
 * Atomic replace under a proper-lockfile lock on the target, so two processes never
 * interleave their replacements. A lock left by a dead writer goes stale after 2s and is
 * taken over.
 */
export async function writeLockedFile(file: string, content: string, hooks: LockedWriteHooks = {}): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const release = await lockRetrying(file, hooks);
  try {
    await writeFileAtomic(file, content);
  } finally {
    await release();
  }
}

// The retries are ours rather than proper-lockfile's (the same schedule), because its
// retry loop has no way to report a refused attempt.
async function lockRetrying(file: string, hooks: LockedWriteHooks): Promise<() => Promise<void>> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await lockfile.lock(file, { realpath: false, stale: 2000 });
    } catch (err) {
      if (attempt >= LOCK_RETRY.retries) throw err;
      if ((err as NodeJS.ErrnoException).code === 'ELOCKED') hooks.onLockHeld?.(attempt + 1);
      await delay(Math.min(Math.round(LOCK_RETRY.minTimeout * LOCK_RETRY.factor ** attempt), LOCK_RETRY.maxTimeout));
    }
  }
}

/**
 * Serialises writes per file and coalesces bursts: while one write of a file is in
 * flight, only the newest pending content is kept, so a flurry of state changes costs
 * at most two writes.
 */
export class CoalescingWriter {
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly next = new Map<string, string>();
  private readonly errors: ((file: string, err: unknown) => void)[] = [];

  constructor(private readonly write: (file: string, content: string) => Promise<void> = writeLockedFile) {}

  onError(listener: (file: string, err: unknown) => void): void {
    this.errors.push(listener);
  }

  set(file: string, content: string): Promise<void> {
    this.next.set(file, content);
    return this.inFlight.get(file) ?? this.drain(file);
  }

  private drain(file: string): Promise<void> {
    const run = (async () => {
      for (let content = this.next.get(file); content !== undefined; content = this.next.get(file)) {
        this.next.delete(file);
        try {
          await this.write(file, content);
        } catch (err) {
          for (const l of this.errors) l(file, err);
        }
      }
    })().finally(() => this.inFlight.delete(file));
    this.inFlight.set(file, run);
    return run;
  }

  /** Resolves when everything handed in so far is on disk. */
  async flush(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight.values()]);
  }
}
