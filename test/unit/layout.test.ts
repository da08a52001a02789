import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { isValidId } from '../../src/core/ids';
import { MILESTONES_DIR, newSessionId, SessionPaths, sessionsRoot, SESSIONS_DIR } from '../../src/core/session/layout';

describe('session/layout', () => {
  describe('newSessionId', () => {
    it('is <milestone>-<yyyymmdd>-<hhmmss>-<4 hex> in UTC', () => {
      assert.equal(newSessionId('demo', new Date(Date.UTC(2025, 0, 2, 3, 4, 5)), () => 0.5), 'demo-20250102-030405-8000');
      assert.equal(newSessionId('demo', new Date(Date.UTC(2025, 11, 31, 23, 59, 59)), () => 0), 'demo-20251231-235959-0000');
      assert.equal(newSessionId('demo', new Date(Date.UTC(2025, 11, 31, 23, 59, 59)), () => 0.99999), 'demo-20251231-235959-ffff');
    });

    it('is a valid id, also for the longest milestone ids', () => {
      const now = new Date(Date.UTC(2025, 5, 6, 7, 8, 9));
      for (const id of ['a', 'demo', 'x'.repeat(64), `${'y'.repeat(42)}-z`, `${'w'.repeat(43)}.z`]) {
        const s = newSessionId(id, now, () => 0.25);
        assert.ok(isValidId(s), s);
        assert.ok(s.length <= 64, `${s.length}`);
        assert.ok(s.endsWith('-20250606-070809-4000'), s);
      }
      // The cut does not leave a separator before the date.
      assert.equal(newSessionId(`${'y'.repeat(42)}-z`, now, () => 0.25), `${'y'.repeat(42)}-20250606-070809-4000`);
    });

    it('sorts by start time', () => {
      const times = [Date.UTC(2024, 11, 31, 23, 59, 59), Date.UTC(2025, 0, 1, 0, 0, 0), Date.UTC(2025, 0, 1, 0, 0, 1), Date.UTC(2025, 0, 10, 9, 0, 0), Date.UTC(2025, 9, 1, 0, 0, 0)];
      const ids = times.map((t, i) => newSessionId('demo', new Date(t), () => (5 - i) / 6));
      assert.deepEqual([...ids].sort(), ids);
    });

    it('uses Math.random by default', () => {
      const a = newSessionId('demo');
      assert.match(a, /^demo-\d{8}-\d{6}-[0-9a-f]{4}$/);
    });
  });

  describe('SessionPaths', () => {
    const ws = '/work/project';
    const p = new SessionPaths(ws, 'demo-20250102-030405-8000');

    it('lays out the session under .milestones/sessions', () => {
      const root = path.join(ws, '.milestones', 'sessions');
      assert.equal(MILESTONES_DIR, '.milestones');
      assert.equal(SESSIONS_DIR, 'sessions');
      assert.equal(sessionsRoot(ws), root);
      const dir = path.join(root, 'demo-20250102-030405-8000');
      assert.deepEqual(
        { root: p.root, dir: p.dir, sessionFile: p.sessionFile, events: p.events, subscriptions: p.subscriptions, activeAgents: p.activeAgents, agentsDir: p.agentsDir, logsDir: p.logsDir, metrics: p.metrics, lockTarget: p.lockTarget, lockOwner: p.lockOwner },
        {
          root,
          dir,
          sessionFile: path.join(root, 'demo-20250102-030405-8000.yaml'),
          events: path.join(dir, 'events.jsonl'),
          subscriptions: path.join(dir, 'subscriptions.txt'),
          activeAgents: path.join(dir, 'active_agents.txt'),
          agentsDir: path.join(dir, 'agents'),
          logsDir: path.join(dir, 'logs'),
          metrics: path.join(dir, 'metrics.json'),
          lockTarget: path.join(dir, 'coordinator'),
          lockOwner: path.join(dir, 'coordinator.json'),
        },
      );
      assert.equal(p.agentFile('executor-1'), path.join(dir, 'agents', 'executor-1.yaml'));
      assert.equal(p.logFile('build'), path.join(dir, 'logs', 'build.log'));
    });

    it('refuses session ids that are not valid ids', () => {
      for (const bad of ['../x', '..', 'a/b', 'Upper', '', '.hidden']) {
        assert.throws(() => new SessionPaths(ws, bad), { message: new RegExp(`^Invalid session id ${JSON.stringify(bad).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: use `) }, bad);
      }
    });

    it('refuses agent and task ids that would leave their folders', () => {
      assert.throws(() => p.agentFile('../../evil'), /^Error: Invalid agent id "..\/..\/evil"/);
      assert.throws(() => p.logFile('../x'), /Invalid task id "..\/x"/);
      assert.throws(() => p.logFile('a/b'), /Invalid task id/);
    });
  });
});
