import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { toStatusDocument } from '../../src/cli/statusDocument';
import type { JournalEvent, TaskSummary } from '../../src/core/session/events';
import { replay } from '../../src/core/session/state';
import { STATUS_SCHEMA_PATH, statusSchemaText } from '../../scripts/statusSchema';
import { schemaProblems } from '../support/schemaCheck';
import { EventFactory, REPO_ROOT } from './helpers';

const SESSION = 'demo-20250101-100000-abcd';
const task = (id: string, depends_on: string[] = []): TaskSummary => ({ id, title: `Task ${id}`, depends_on, kind: 'run', command: `make ${id}`, retries: 0 });

/** A session with something in every part of the document: tasks, gates, agents, commits, alerts, warnings, issues. */
function fullRun(): { f: EventFactory; events: JournalEvent[] } {
  const f = new EventFactory(SESSION);
  const events = [
    f.make('session_started', {
      milestone_id: 'demo', milestone_file: '/ws/.milestones/demo.yaml', workspace: '/ws', title: 'Demo', type: 'development', complexity: 'medium',
      tasks: [task('a'), task('b', ['a']), task('c', ['b'])], gates: [{ id: 'unit', title: 'Unit tests', after: ['a'], blocking: true }],
      executors: { min: 1, max: 2 }, on_failure: 'continue', pid: 1111, host: 'host-a',
    }),
    f.make('agent_registered', { agent: 'executor-1', kind: 'executor', startup_ms: 5, subscriptions: [] }),
    f.make('git_branch_ready', { branch: 'milestone/demo', base_commit: 'abc123', created: true, repository: '/ws' }),
    f.make('agent_state_changed', { agent: 'executor-1', status: 'busy', current_task: 'a' }),
    f.make('task_started', { task: 'a', agent: 'executor-1', attempt: 1, pid: 10, command: 'make a' }),
    f.advance(1000).make('task_completed', { task: 'a', agent: 'executor-1', attempt: 1, duration_ms: 1000 }),
    f.make('auto_commit', { sha: 'f00ba4', files: 2, message: 'demo: Task a [a]', reason: 'task', task: 'a' }),
    f.make('auto_commit', { sha: 'f00ba5', files: 1, message: 'demo: more', reason: 'threshold' }),
    f.make('quality_gate_failed', { gate: 'unit', duration_ms: 300, exit_code: 1, blocking: true, message: 'exit code 1' }),
    f.make('task_started', { task: 'b', agent: 'executor-1', attempt: 1, pid: 11, command: 'make b' }),
    f.make('alert', { kind: 'stalled_task', message: 'Task b has printed nothing for 300s', task: 'b' }),
    f.make('safety_warning', { kind: 'complexity', message: 'Over budget' }),
    f.make('dependency_issues', {
      source: 'file_changed', critical: false,
      issues: [{ file: '/ws/.milestones/demo.yaml', range: { start: { line: 4, character: 2 }, end: { line: 4, character: 8 } }, severity: 'error', code: 'unknown-dependency', message: 'Task "c" depends on "zz"', data: { from: 'c' } }],
    }),
    f.make('progress', { done: 1, failed: 0, skipped: 0, running: 1, total: 3, percent: 33, eta_ms: 2000 }),
    f.make('session_paused', { reason: 'paused from VS Code', by: 'user' }),
  ];
  return { f, events };
}

const torn = { file: '.milestones/sessions/x/events.jsonl', line: 17, bytes: 30, reason: 'no newline', message: 'the last line is incomplete' };

function snakeCaseKeys(value: unknown, at = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => snakeCaseKeys(v, `${at}[${i}]`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => [...(/^[a-z][a-z0-9_]*$/.test(k) ? [] : [`${at}.${k}`]), ...snakeCaseKeys(v, `${at}.${k}`)]);
}

describe('status --json', () => {
  describe('the document', () => {
    it('is snake_case throughout and carries every part of the session', () => {
      const doc = toStatusDocument(replay(SESSION, fullRun().events), true, torn);
      assert.deepEqual(snakeCaseKeys(doc), []);
      assert.deepEqual(doc.tasks.map((t) => [t.id, t.status, t.depends_on]), [['a', 'completed', []], ['b', 'running', ['a']], ['c', 'pending', ['b']]]);
      assert.deepEqual(doc.tasks[0], { id: 'a', title: 'Task a', depends_on: [], kind: 'run', command: 'make a', status: 'completed', attempts: 1, agent: 'executor-1', pid: null, started_at: '2025-01-01T10:00:00.000Z', ended_at: '2025-01-01T10:00:01.000Z', duration_ms: 1000, exit_code: 0, message: null, blocked_by: null });
      assert.deepEqual(doc.gates, [{ id: 'unit', title: 'Unit tests', after: ['a'], blocking: true, status: 'failed', duration_ms: 300, message: 'exit code 1' }]);
      assert.deepEqual(doc.commits.map((c) => c.task), ['a', null]);
      assert.deepEqual([doc.alerts[0]?.task, doc.alerts[0]?.agent, doc.warnings[0]?.task], ['b', null, null]);
      assert.deepEqual(Object.keys(doc.issues[0]!), ['file', 'range', 'severity', 'code', 'message'], 'quick-fix data stays inside the engine');
      assert.equal(doc.agents[0]?.busy_since, '2025-01-01T10:00:00.000Z');
      assert.deepEqual(doc.torn_line, torn);
    });

    it('says interrupted for a session the journal says is paused, running or starting, when no live process runs it', () => {
      const s = replay(SESSION, fullRun().events);
      assert.deepEqual([toStatusDocument(s, true).status, toStatusDocument(s, true).journal_status], ['paused', 'paused']);
      assert.deepEqual([toStatusDocument(s, false).status, toStatusDocument(s, false).journal_status], ['interrupted', 'paused']);
      const running = replay(SESSION, fullRun().events.slice(0, -1));
      assert.equal(toStatusDocument(running, false).status, 'interrupted');
      assert.equal(toStatusDocument(replay(SESSION, []), false).status, 'interrupted');
      const { f, events } = fullRun();
      const failed = replay(SESSION, [...events, f.make('milestone_failed', { duration_ms: 5000, failed: ['b'], skipped: [], gates_failed: ['unit'], reason: 'gate unit failed' })]);
      assert.equal(toStatusDocument(failed, false).status, 'failed', 'a finished session stays as it finished');
    });
  });

  describe('schemas/status.schema.json', function () {
    // The generator compiles the TypeScript sources.
    this.timeout(60_000);
    const committed = JSON.parse(readFileSync(path.join(REPO_ROOT, STATUS_SCHEMA_PATH), 'utf8')) as Record<string, unknown>;

    it('is committed exactly as the types of src/cli/statusDocument.ts generate it (run `npm run schema` to update)', () => {
      assert.equal(readFileSync(path.join(REPO_ROOT, STATUS_SCHEMA_PATH), 'utf8'), statusSchemaText(REPO_ROOT));
    });

    it('accepts a real status document, and null for a workspace without sessions', () => {
      const doc = toStatusDocument(replay(SESSION, fullRun().events), false, torn);
      assert.deepEqual(schemaProblems(committed, JSON.parse(JSON.stringify(doc))), []);
      assert.deepEqual(schemaProblems(committed, JSON.parse(JSON.stringify(toStatusDocument(replay(SESSION, []), false)))), []);
      assert.deepEqual(schemaProblems(committed, null), []);
    });

    it('names every key of the document as required, and rejects other keys and wrong values', () => {
      const doc = JSON.parse(JSON.stringify(toStatusDocument(replay(SESSION, fullRun().events), false, torn))) as Record<string, unknown>;
      const definitions = committed.definitions as Record<string, { required: string[] }>;
      assert.deepEqual([...definitions.StatusDocument!.required].sort(), Object.keys(doc).sort());
      assert.deepEqual([...definitions.StatusTask!.required].sort(), Object.keys((doc.tasks as object[])[0]!).sort());
      const camel: Record<string, unknown> = { ...doc, startedAt: doc.started_at };
      delete camel.started_at;
      const problems = schemaProblems({ ...committed, $ref: '#/definitions/StatusDocument' }, camel);
      assert.ok(problems.includes('$: lacks "started_at"'), problems.join('\n'));
      assert.ok(problems.includes('$: has "startedAt", which the schema does not name'), problems.join('\n'));
      const wrong = schemaProblems({ ...committed, $ref: '#/definitions/StatusDocument' }, { ...doc, status: 'halted', live: 'no' });
      assert.equal(wrong.length, 2, wrong.join('\n'));
    });
  });
});
