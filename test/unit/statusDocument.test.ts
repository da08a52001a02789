import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { toStatusDocument } from '../../src/cli/statusDocument';
import type { JournalEvent, TaskSummary } from '../../src/core/session/events';
import { replay } from '../../src/core/session/state';
import { STATUS_SCHEMA_PATH, statusSchemaText } from '../../scripts/statusSchema';
import { schemaProblems } from '../support/schemaCheck';
import { AGENT_SESSION, agentsRun, agentsStarted, TOKENS } from './agentRunFixture';
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

const WT = '/cache/worktrees/ws-1a2b3c4d';

/** A session with worktrees: the integration worktree, a merged task, one in conflict, one in review, one discarded. */
function worktreeRun(): JournalEvent[] {
  const f = new EventFactory(SESSION);
  const isolated = (id: string, review = false): TaskSummary => ({ ...task(id), kind: 'agent', command: 'claude', isolation: 'worktree', review });
  const created = (t: string, port: number | null) => f.make('worktree_created', { task: t, path: `${WT}/${t}`, branch: `milestone/demo-tasks/${t}`, base: 'abc123', reused: false, port, duration_ms: 40 });
  return [
    f.make('session_started', {
      milestone_id: 'demo', milestone_file: '/ws/.milestones/demo.yaml', workspace: '/ws', title: 'Demo', type: 'development', complexity: 'medium',
      tasks: [isolated('api'), isolated('beta'), isolated('ui', true), isolated('docs'), task('lint')], gates: [],
      executors: { min: 1, max: 4 }, on_failure: 'continue', pid: 1111, host: 'host-a',
    }),
    f.make('git_branch_ready', { branch: 'milestone/demo', base_commit: 'abc123', created: true, repository: '/ws', worktree: `${WT}/milestone` }),
    created('api', null),
    created('beta', 3101),
    created('ui', null),
    created('docs', null),
    f.make('task_merged', { task: 'api', sha: 'feed01', strategy: 'rebase', changes: { files: 3, added: 40, removed: 2 } }),
    f.make('worktree_removed', { task: 'api', path: `${WT}/api`, branch: 'milestone/demo-tasks/api' }),
    f.make('merge_conflict', { task: 'beta', branch: 'milestone/demo-tasks/beta', files: ['shared.txt', 'src/b.ts'], changes: { files: 2, added: 5, removed: 1 } }),
    f.make('review_requested', { task: 'ui', branch: 'milestone/demo-tasks/ui', changes: { files: 1, added: 7, removed: 0 } }),
    f.make('merge_conflict', { task: 'docs', branch: 'milestone/demo-tasks/docs', files: ['README.md'], changes: { files: 1, added: 1, removed: 1 } }),
    f.make('merge_resolution', { task: 'docs', how: 'discard' }),
    f.make('merge_discarded', { task: 'docs', ref: 'refs/milestones/demo/discarded/docs', sha: 'dead01' }),
    f.make('session_interrupted', { reason: 'needs_merge' }),
  ];
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
      assert.deepEqual(doc.tasks[0], {
        id: 'a', title: 'Task a', depends_on: [], kind: 'run', command: 'make a', status: 'completed', attempts: 1, agent: 'executor-1', pid: null,
        started_at: '2025-01-01T10:00:00.000Z', ended_at: '2025-01-01T10:00:01.000Z', duration_ms: 1000, exit_code: 0, message: null, blocked_by: null,
        isolation: 'shared', review: false, worktree: null, port: null, merge: null, agent_run: null,
      });
      assert.equal(doc.integration_worktree, null, 'the branch was checked out in place');
      assert.deepEqual(doc.gates, [{ id: 'unit', title: 'Unit tests', after: ['a'], blocking: true, status: 'failed', duration_ms: 300, message: 'exit code 1' }]);
      assert.deepEqual(doc.commits.map((c) => c.task), ['a', null]);
      assert.deepEqual([doc.alerts[0]?.task, doc.alerts[0]?.agent, doc.warnings[0]?.task], ['b', null, null]);
      assert.deepEqual(Object.keys(doc.issues[0]!), ['file', 'range', 'severity', 'code', 'message'], 'quick-fix data stays inside the engine');
      assert.equal(doc.agents[0]?.busy_since, '2025-01-01T10:00:00.000Z');
      assert.deepEqual(doc.torn_line, torn);
      assert.deepEqual([doc.cost_usd, doc.cost_unknown, doc.tokens, doc.agent_limit], [0, false, { input: 0, output: 0, cache_read: 0, cache_creation: 0 }, null], 'no agent has run');
    });

    it('carries each agent task\'s conversation, model, turns, cost, tokens, last action and refusals, and the session\'s total cost', () => {
      const doc = toStatusDocument(replay(AGENT_SESSION, agentsRun()), false);
      assert.deepEqual(snakeCaseKeys(doc), []);
      const byId = new Map(doc.tasks.map((t) => [t.id, t]));
      assert.deepEqual(byId.get('login')?.agent_run, {
        adapter: 'claude', session_id: 'sess-login', continued: false, model: 'claude-sonnet-4-5', turns: 7, cost_usd: 0.5, tokens: TOKENS,
        last_action: 'Bash: npm test', actions: 5, retry: null,
        permission_denials: [{ tool: 'Bash', target: 'git push origin main' }, { tool: 'Write', target: '/etc/hosts' }],
        result: 'success', quota_until: null,
      });
      assert.equal(byId.get('login')?.agent, 'executor-1', '`agent` stays the executor that ran the task');
      const deploy = byId.get('deploy')!;
      assert.deepEqual([deploy.status, deploy.agent_run?.cost_usd, deploy.agent_run?.result, deploy.message], ['failed', 1.25, 'error_max_budget_usd', 'Claude Code spent $1.25, over its budget of $1.00']);
      const docs = byId.get('docs')!;
      assert.equal(docs.status, 'waiting_quota');
      assert.deepEqual([docs.agent_run?.adapter, docs.agent_run?.cost_usd, docs.agent_run?.session_id], ['codex', null, 'thread-docs'], 'Codex does not say what it cost');
      assert.equal(docs.agent_run?.quota_until, new Date(Date.parse(docs.ended_at!) + 60_000).toISOString());
      assert.equal(byId.get('lint')?.agent_run, null, 'a shell task has no agent');
      assert.deepEqual([doc.cost_usd, doc.cost_unknown, doc.agent_limit], [1.75, true, 1]);
      assert.deepEqual(doc.tokens, { input: 3600, output: 1020, cache_read: 15000, cache_creation: 2400 });
    });

    it('shows the agent\'s own retry while it waits, with what the API said', () => {
      const doc = toStatusDocument(replay(AGENT_SESSION, agentsStarted()), true);
      const login = doc.tasks.find((t) => t.id === 'login')!;
      assert.deepEqual(login.agent_run?.retry, { attempt: 3, max_retries: 10, delay_ms: 2300, status: 429, error: 'rate_limit', at: '2025-01-01T10:00:00.000Z' });
      assert.deepEqual([login.agent_run?.cost_usd, login.agent_run?.turns, login.agent_run?.last_action], [null, null, 'Write src/login.ts'], 'nothing is known of the cost before a result');
      assert.equal(doc.cost_usd, 0);
    });

    it('shows each task\'s isolation, worktree, port and result, and the session\'s integration worktree', () => {
      const doc = toStatusDocument(replay(SESSION, worktreeRun()), false);
      assert.deepEqual(snakeCaseKeys(doc), []);
      assert.deepEqual(doc.integration_worktree, { path: `${WT}/milestone`, removed: false });
      assert.equal(doc.branch, 'milestone/demo');
      const byId = new Map(doc.tasks.map((t) => [t.id, t]));
      assert.deepEqual(doc.tasks.map((t) => [t.id, t.status, t.isolation, t.review]), [
        ['api', 'completed', 'worktree', false],
        ['beta', 'needs_merge', 'worktree', false],
        ['ui', 'in_review', 'worktree', true],
        ['docs', 'completed', 'worktree', false],
        ['lint', 'pending', 'shared', false],
      ]);
      const api = byId.get('api')!;
      assert.deepEqual(api.worktree, { path: `${WT}/api`, branch: 'milestone/demo-tasks/api', base: 'abc123', removed: true });
      assert.deepEqual(api.merge, { state: 'merged', files_changed: 3, lines_added: 40, lines_removed: 2, conflicting_files: [], sha: 'feed01', ref: null });
      const beta = byId.get('beta')!;
      assert.equal(beta.port, 3101);
      assert.deepEqual(beta.merge, { state: 'conflict', files_changed: 2, lines_added: 5, lines_removed: 1, conflicting_files: ['shared.txt', 'src/b.ts'], sha: null, ref: null });
      assert.deepEqual(byId.get('ui')!.merge, { state: 'review', files_changed: 1, lines_added: 7, lines_removed: 0, conflicting_files: [], sha: null, ref: null });
      assert.deepEqual(byId.get('docs')!.merge, { state: 'discarded', files_changed: 1, lines_added: 1, lines_removed: 1, conflicting_files: [], sha: 'dead01', ref: 'refs/milestones/demo/discarded/docs' });
      assert.deepEqual([byId.get('lint')!.worktree, byId.get('lint')!.port, byId.get('lint')!.merge], [null, null, null]);
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
      assert.deepEqual(schemaProblems(committed, JSON.parse(JSON.stringify(toStatusDocument(replay(SESSION, worktreeRun()), false)))), [], 'worktrees and merges');
      assert.deepEqual(schemaProblems(committed, JSON.parse(JSON.stringify(toStatusDocument(replay(AGENT_SESSION, agentsRun()), false)))), [], 'coding agents');
      assert.deepEqual(schemaProblems(committed, JSON.parse(JSON.stringify(toStatusDocument(replay(AGENT_SESSION, agentsStarted()), true)))), [], 'an agent retrying');
    });

    it('names every key of the document as required, and rejects other keys and wrong values', () => {
      const doc = JSON.parse(JSON.stringify(toStatusDocument(replay(SESSION, fullRun().events), false, torn))) as Record<string, unknown>;
      const definitions = committed.definitions as Record<string, { required: string[] }>;
      assert.deepEqual([...definitions.StatusDocument!.required].sort(), Object.keys(doc).sort());
      assert.deepEqual([...definitions.StatusTask!.required].sort(), Object.keys((doc.tasks as object[])[0]!).sort());
      const isolated = JSON.parse(JSON.stringify(toStatusDocument(replay(SESSION, worktreeRun()), false))) as { integration_worktree: object; tasks: { worktree: object; merge: object }[] };
      assert.deepEqual([...definitions.StatusIntegration!.required].sort(), Object.keys(isolated.integration_worktree).sort());
      assert.deepEqual([...definitions.StatusWorktree!.required].sort(), Object.keys(isolated.tasks[0]!.worktree).sort());
      assert.deepEqual([...definitions.StatusMerge!.required].sort(), Object.keys(isolated.tasks[0]!.merge).sort());
      const agents = JSON.parse(JSON.stringify(toStatusDocument(replay(AGENT_SESSION, agentsStarted()), true))) as { tasks: { agent_run: { retry: object; tokens: object } }[] };
      const run = agents.tasks[0]!.agent_run;
      assert.deepEqual([...definitions.StatusAgentRun!.required].sort(), Object.keys(run).sort());
      assert.deepEqual([...definitions.StatusAgentRetry!.required].sort(), Object.keys(run.retry).sort());
      assert.deepEqual([...definitions.StatusTokens!.required].sort(), Object.keys(run.tokens).sort());
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
