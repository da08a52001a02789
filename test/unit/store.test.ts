import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { SessionPaths, sessionsRoot } from '../../src/core/session/layout';
import { listSessions, readSessionRecord, SessionStore, type AgentRecord, type SessionRecord } from '../../src/core/session/store';
import { TempDirs } from './helpers';

const record = (id: string, startedAt: string, extra: Partial<SessionRecord['session']> = {}): SessionRecord => ({
  session: {
    id,
    milestone_id: 'demo',
    milestone_file: '/ws/.milestones/demo.yaml',
    status: 'completed',
    started_at: startedAt,
    updated_at: startedAt,
    ended_at: null,
    pid: 123,
    workspace: '/ws',
    ...extra,
  },
});

describe('session/store', () => {
  const temp = new TempDirs();
  let ws: string;

  beforeEach(async () => {
    ws = await temp.make('ma-store-');
  });
  afterEach(() => temp.cleanup());

  describe('SessionStore', () => {
    it('writes the session record, agent records and text files', async () => {
      const paths = new SessionPaths(ws, 'demo-20250101-100000-abcd');
      const store = new SessionStore(paths);
      await store.init();
      assert.ok((await fs.stat(paths.agentsDir)).isDirectory());
      assert.ok((await fs.stat(paths.logsDir)).isDirectory());

      const rec = record('demo-20250101-100000-abcd', '2025-01-01T10:00:00.000Z', { status: 'running' });
      const agent: AgentRecord = {
        agent: { id: 'executor-1', type: 'executor', session_id: rec.session.id, status: 'busy', started_at: '2025-01-01T10:00:01.000Z', terminated_at: null },
        state: { current_task: 'build', health: 'healthy' },
        metrics: { work_done: 2, work_unit: 'tasks', errors_encountered: 0, restarts: 0, execution_time: 1234 },
      };
      void store.writeSession(rec);
      void store.writeAgent(agent);
      void store.writeActiveAgents(['executor-1', 'monitor']);
      void store.writeSubscriptions(new Map([['executor-1', ['run_task', 'cancel_task']], ['monitor', ['*']]]));
      await store.flush();

      assert.deepEqual(await readSessionRecord(paths.sessionFile), rec);
      assert.deepEqual(parseYaml(await fs.readFile(paths.sessionFile, 'utf8')), rec);
      assert.deepEqual(parseYaml(await fs.readFile(paths.agentFile('executor-1'), 'utf8')), agent);
      assert.equal(await fs.readFile(paths.activeAgents, 'utf8'), 'executor-1\nmonitor\n');
      assert.equal(await fs.readFile(paths.subscriptions, 'utf8'), 'executor-1:run_task,cancel_task\nmonitor:*\n');

      await store.writeActiveAgents([]);
      await store.writeSubscriptions(new Map());
      assert.equal(await fs.readFile(paths.activeAgents, 'utf8'), '');
      assert.equal(await fs.readFile(paths.subscriptions, 'utf8'), '');
    });

    it('keeps the newest of a burst of session states', async () => {
      const paths = new SessionPaths(ws, 'demo-20250101-100000-abcd');
      const store = new SessionStore(paths);
      for (const status of ['starting', 'running', 'paused', 'running', 'completed']) {
        void store.writeSession(record(paths.sessionId, '2025-01-01T10:00:00.000Z', { status }));
      }
      await store.flush();
      assert.equal((await readSessionRecord(paths.sessionFile))?.session.status, 'completed');
    });

    it('answers undefined for a session record that is missing or unreadable', async () => {
      assert.equal(await readSessionRecord(path.join(ws, 'none.yaml')), undefined);
    });
  });

  describe('listSessions', () => {
    it('is empty for a workspace without sessions', async () => {
      assert.deepEqual(await listSessions(ws), []);
    });

    it('lists sessions newest first and ignores junk', async () => {
      const root = sessionsRoot(ws);
      await fs.mkdir(root, { recursive: true });
      const write = (name: string, content: string) => fs.writeFile(path.join(root, name), content);
      const { stringify } = await import('yaml');
      await write('demo-20250101-100000-aaaa.yaml', stringify(record('demo-20250101-100000-aaaa', '2025-01-01T10:00:00.000Z')));
      await write('demo-20250301-100000-bbbb.yaml', stringify(record('demo-20250301-100000-bbbb', '2025-03-01T10:00:00.000Z')));
      await write('demo-20250201-100000-cccc.yaml', stringify(record('demo-20250201-100000-cccc', '2025-02-01T10:00:00.000Z')));
      // Same start: the larger id first.
      await write('other-20250201-100000-dddd.yaml', stringify(record('other-20250201-100000-dddd', '2025-02-01T10:00:00.000Z')));
      // Junk: not YAML, an invalid name, YAML that is not a record, a record with a bad id, broken YAML, a folder.
      await write('notes.txt', 'hello');
      await write('Bad Name.yaml', stringify(record('demo-20250401-100000-eeee', '2025-04-01T10:00:00.000Z')));
      await write('list.yaml', '- 1\n- 2\n');
      await write('evil.yaml', stringify(record('../evil', '2025-05-01T10:00:00.000Z')));
      await write('broken.yaml', 'session: [unclosed\n');
      await fs.mkdir(path.join(root, 'demo-20250101-100000-aaaa'));

      const ids = (await listSessions(ws)).map((r) => r.session.id);
      assert.deepEqual(ids, ['demo-20250301-100000-bbbb', 'other-20250201-100000-dddd', 'demo-20250201-100000-cccc', 'demo-20250101-100000-aaaa']);
    });
  });
});
