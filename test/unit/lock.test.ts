import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SessionPaths } from '../../src/core/session/layout';
import { acquireSessionLock, isProcessAlive, isSessionLive, readLockOwner, SessionLockedError, type SessionLock } from '../../src/core/session/lock';
import { REPO_ROOT, TempDirs } from './helpers';

const SESSION = 'demo-20250101-100000-abcd';

/** Runs a real Node process (with tsx) that takes the session lock and then kills itself with SIGKILL. */
async function lockAndDie(dir: string, workspace: string): Promise<{ pid: number; signal: string | null }> {
  const script = path.join(dir, 'lock-and-die.mjs');
  await fs.writeFile(
    script,
    [
      `const { acquireSessionLock } = await import(${JSON.stringify(path.join(REPO_ROOT, 'src/core/session/lock.ts'))});`,
      `const { SessionPaths } = await import(${JSON.stringify(path.join(REPO_ROOT, 'src/core/session/layout.ts'))});`,
      `await acquireSessionLock(new SessionPaths(${JSON.stringify(workspace)}, ${JSON.stringify(SESSION)}), 'doomed child', () => {});`,
      `process.stdout.write(String(process.pid));`,
      `process.kill(process.pid, 'SIGKILL');`,
    ].join('\n'),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      if (!/^\d+$/.test(out)) reject(new Error(`the child did not take the lock: ${err}`));
      else resolve({ pid: Number(out), signal });
    });
  });
}

describe('session/lock', () => {
  const temp = new TempDirs();
  let paths: SessionPaths;
  const held: SessionLock[] = [];

  beforeEach(async () => {
    paths = new SessionPaths(await temp.make('ma-lock-'), SESSION);
  });
  afterEach(async () => {
    for (const l of held.splice(0)) await l.release();
    await temp.cleanup();
  });

  it('refuses a second coordinator in the same process, naming the owner', async () => {
    const lock = await acquireSessionLock(paths, 'milestone-agents run', () => undefined);
    held.push(lock);
    const owner = await readLockOwner(paths);
    assert.equal(owner?.pid, process.pid);
    assert.equal(owner?.host, os.hostname());
    assert.equal(owner?.by, 'milestone-agents run');
    await assert.rejects(acquireSessionLock(paths, 'second', () => undefined), (err: unknown) => {
      assert.ok(err instanceof SessionLockedError);
      assert.equal(err.sessionId, SESSION);
      assert.equal(err.owner?.pid, process.pid);
      assert.ok(err.message.includes(`process ${process.pid} on ${os.hostname()}`), err.message);
      assert.match(err.message, new RegExp(`^Session ${SESSION} is already being run by milestone-agents run`));
      return true;
    });
  });

  it('is live while held and not after release, which removes the owner record', async () => {
    assert.equal(await isSessionLive(paths), false);
    const lock = await acquireSessionLock(paths, 'test', () => undefined);
    assert.equal(await isSessionLive(paths), true);
    await lock.release();
    assert.equal(await isSessionLive(paths), false);
    assert.equal(await readLockOwner(paths), undefined);
    // Released means it can be taken again.
    held.push(await acquireSessionLock(paths, 'again', () => undefined));
  });

  it('takes over at once a lock whose owner was killed with SIGKILL', async () => {
    const child = await lockAndDie(await temp.make('ma-lock-script-'), paths.workspace);
    assert.equal(child.signal, 'SIGKILL');
    assert.equal(isProcessAlive(child.pid), false);
    // The dead owner's lock is still on disk and fresh...
    assert.equal((await readLockOwner(paths))?.pid, child.pid);
    await fs.stat(`${paths.lockTarget}.lock`);
    // ...but a dead owner on this host does not make the session live,
    assert.equal(await isSessionLive(paths), false);
    // and the lock is taken over without waiting for it to go stale.
    const lock = await acquireSessionLock(paths, 'successor', () => undefined);
    held.push(lock);
    assert.equal((await readLockOwner(paths))?.pid, process.pid);
    assert.equal(await isSessionLive(paths), true);
  });

  it('does not take over a lock owned by a process on another host', async () => {
    await fs.mkdir(`${paths.lockTarget}.lock`, { recursive: true });
    const owner = { pid: 999_999, host: 'elsewhere.invalid', since: '2025-01-01T10:00:00.000Z', by: 'remote run' };
    await fs.writeFile(paths.lockOwner, JSON.stringify(owner));
    assert.equal(await isSessionLive(paths), true);
    await assert.rejects(acquireSessionLock(paths, 'here', () => undefined), (err: unknown) => {
      assert.ok(err instanceof SessionLockedError);
      assert.deepEqual(err.owner, owner);
      assert.match(err.message, /process 999999 on elsewhere\.invalid, since 2025-01-01T10:00:00\.000Z/);
      return true;
    });
  });

  it('explains a lock without an owner record, and when it will be free if nobody runs it', async () => {
    await fs.mkdir(`${paths.lockTarget}.lock`, { recursive: true });
    // Touched 4 s ago: stale, and free, 6 s from now.
    const touched = new Date(Date.now() - 4_000);
    await fs.utimes(`${paths.lockTarget}.lock`, touched, touched);
    await assert.rejects(acquireSessionLock(paths, 'here', () => undefined), (err: unknown) => {
      assert.ok(err instanceof SessionLockedError);
      assert.match(err.message, new RegExp(`^Session ${SESSION} is locked by another coordinator\\. Stop it first; the session can be watched read-only meanwhile\\. If no coordinator is running it, the lock is free in [67] s \\(it has no owner record\\); try again then\\.$`));
      return true;
    });
  });

  it('isProcessAlive knows this process', () => {
    assert.equal(isProcessAlive(process.pid), true);
  });
});
