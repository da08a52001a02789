import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import { SessionPaths } from '../../src/core/session/layout';
import { isSessionLive } from '../../src/core/session/lock';
import { LOCK_STALE_MS } from '../../src/core/session/lock';
import { LockExpiryTimers, lockRecheckDelay } from '../../src/extension/lockExpiry';
import { TempDirs } from './helpers';

describe('looking again at a session lock when it would go stale', () => {
  const temp = new TempDirs();
  after(() => temp.cleanup());

  it('waits until just after the lock would turn stale, within bounds', () => {
    const now = 1_000_000;
    assert.equal(lockRecheckDelay(now, now), LOCK_STALE_MS + 500, 'a lock touched just now');
    assert.equal(lockRecheckDelay(now - 9_000, now), 1_500, 'a lock touched 9 s ago');
    assert.equal(lockRecheckDelay(now - 60_000, now), 1_000, 'an old lock: soon, but not in a busy loop');
    assert.equal(lockRecheckDelay(now + 60_000, now), LOCK_STALE_MS + 500, 'a lock dated in the future: no later than a fresh one');
    assert.equal(lockRecheckDelay(undefined, now), 1_000, 'no lock any more: soon');
  });

  it('calls back once the lock nobody touches any more is stale, and not sooner', async () => {
    const workspace = await temp.make();
    const paths = new SessionPaths(workspace, 'demo-20250101-100000-abcd');
    const lockDir = `${paths.lockTarget}.lock`;
    await fs.mkdir(lockDir, { recursive: true });
    // Last touched long enough ago that it turns stale in about a second.
    const touched = new Date(Date.now() - LOCK_STALE_MS + 1_000);
    await fs.utimes(lockDir, touched, touched);
    assert.equal(await isSessionLive(paths), true);

    const timers = new LockExpiryTimers();
    try {
      const called = new Promise<number>((resolve) => void timers.arm(paths, () => resolve(Date.now())));
      const at = await called;
      assert.ok(at >= touched.getTime() + LOCK_STALE_MS, `called ${touched.getTime() + LOCK_STALE_MS - at} ms before the lock went stale`);
      assert.equal(await isSessionLive(paths), false);
    } finally {
      timers.dispose();
    }
  });
});
