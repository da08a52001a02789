import { strict as assert } from 'node:assert';
import type { EventData, EventType, JournalEvent, TaskSummary } from '../../src/core/session/events';
import { replay } from '../../src/core/session/state';
import { children, type TreeNode } from '../../src/extension/model/treeModel';
import { agentNowText, hasCountdown, quotaText, resultText, spendText, tokensText, usdText } from '../../src/shared/agentPresentation';
import { RunLog, toDashboardModel } from '../../src/shared/dashboardModel';
import { isToWebview } from '../../src/shared/dashboardProtocol';
import { taskStatusLabel, type Liveness } from '../../src/shared/presentation';
import { AGENT_SESSION, agentsRun, agentsStarted } from './agentRunFixture';

// The views of coding-agent tasks, from journals replayed through the engine's own reducer:
// what the agent does now, its API retries, its quota waits, its result and cost.

const SESSION = 'agents-20261126-120000-abcd';
const T0 = Date.parse('2026-11-26T12:00:00.000Z');
const UUID = '4f1c2d3e-0000-4000-8000-000000000001';
let seq = 0;

function ev<K extends EventType>(type: K, data: EventData[K], atMs: number): JournalEvent {
  seq++;
  return { seq, timestamp: new Date(T0 + atMs).toISOString(), type, data, session: SESSION } as JournalEvent;
}

const agentTask = (id: string, deps: string[] = [], adapter: 'claude' | 'codex' = 'claude'): TaskSummary => ({ id, title: id, depends_on: deps, kind: 'agent', command: adapter, retries: 0, isolation: 'worktree' });
const tokens = (input: number, output: number) => ({ input, output, cache_read: 0, cache_creation: 0 });

/** The start of a session with the agent tasks given and one executor, running the first until `action`. */
function started(tasks: TaskSummary[]): JournalEvent[] {
  seq = 0;
  return [
    ev('session_started', { milestone_id: 'agents', milestone_file: '/w/.milestones/agents.yaml', workspace: '/w', title: 'Agents', type: 'development', complexity: 'medium', tasks, gates: [], executors: { min: 1, max: 1 }, on_failure: 'continue', pid: 1, host: 'h' }, 0),
    ev('agent_registered', { agent: 'executor-1', kind: 'executor', startup_ms: 40, subscriptions: [] }, 10),
  ];
}

/** `api` starts: its conversation, the model, one action. */
function apiRunning(): JournalEvent[] {
  return [
    ...started([agentTask('api'), agentTask('docs', ['api'])]),
    ev('task_queued', { task: 'api', attempt: 1, priority: 2 }, 20),
    ev('agent_state_changed', { agent: 'executor-1', status: 'busy', current_task: 'api' }, 25),
    ev('agent_session', { task: 'api', attempt: 1, adapter: 'claude', session_id: UUID, continued: false }, 28),
    ev('task_started', { task: 'api', agent: 'executor-1', attempt: 1, pid: 100, command: 'claude' }, 30),
    ev('agent_init', { task: 'api', model: 'claude-sonnet-4-5', cwd: '/wt/api', tools: 17, session_id: UUID }, 400),
    ev('agent_activity', { task: 'api', action: 'Read src/users.ts', actions: 1 }, 900),
    ev('agent_activity', { task: 'api', action: 'Write src/login.ts', actions: 2 }, 1500),
  ];
}

function tasksOf(events: JournalEvent[], now: number, liveness: Liveness = 'here') {
  const s = replay(SESSION, events);
  const entry = [{ state: s, liveness }];
  const [root] = children(entry, undefined, now);
  const kids = children(entry, root, now);
  const group = kids.find((k) => k.kind === 'group')!;
  const tasks = children(entry, group, now) as Extract<TreeNode, { kind: 'task' }>[];
  const task = (id: string) => tasks.find((t) => t.taskId === id)!;
  return { s, root: root as Extract<TreeNode, { kind: 'session' }>, kids, group, task };
}

function dashboard(events: JournalEvent[], now: number, halted = false) {
  const s = replay(SESSION, events);
  const runs = new RunLog();
  for (const e of events) runs.add(e);
  return toDashboardModel(s, runs.runs, now, halted, runs.pausedBy);
}

describe('coding agents in the views', () => {
  it('words costs, tokens and waits the same everywhere, and never shows an unknown cost as $0', () => {
    assert.equal(usdText(0.0123), '$0.0123');
    assert.equal(usdText(12.3456), '$12.35');
    assert.equal(usdText(null), 'cost unknown');
    assert.equal(tokensText({ input: 12345, output: 678, cache_read: 0, cache_creation: 0 }), '12,345 in · 678 out');
    assert.equal(tokensText({ input: 1, output: 2, cache_read: 3000, cache_creation: 4 }), '1 in · 2 out · 3,000 cache read · 4 cache written');
    assert.equal(quotaText(new Date(T0 + 40_000).toISOString(), T0), 'waiting for quota, next try in 40s');
    assert.equal(quotaText(new Date(T0).toISOString(), T0 + 1), 'waiting for quota, next try now');
    assert.equal(taskStatusLabel('waiting_quota'), 'waiting for quota');
    assert.equal(resultText(null), '');
  });

  describe('the Agents tree', () => {
    it("shows a running agent task's current action, and the executor running it says it too", () => {
      const { task, kids } = tasksOf(apiRunning(), T0 + 3030);
      const api = task('api');
      assert.equal(api.description, 'Write src/login.ts · 3.0s');
      assert.equal(api.status, 'running');
      assert.equal(api.apiRetry, false);
      assert.match(api.tooltip, /^Model: claude-sonnet-4-5$/m);
      assert.match(api.tooltip, new RegExp(`^Conversation: ${UUID}$`, 'm'));
      assert.match(api.tooltip, /^Now: Write src\/login\.ts \(3 tool calls in all\)$/m);
      assert.doesNotMatch(api.tooltip, /Tokens|Result|\$/, 'nothing about cost before the agent reports it');
      assert.equal(api.contextValue, 'task.running.live.agent');
      const executor = kids.find((k) => k.kind === 'agent')!;
      assert.equal(executor.description, 'running api · Write src/login.ts');
      assert.equal(task('docs').description, 'pending');
    });

    it("shows Claude Code's own API retry as a countdown, until its next action", () => {
      const events = [...apiRunning(), ev('agent_retry', { task: 'api', attempt: 3, max_retries: 10, delay_ms: 2300, status: 429, error: 'rate_limit_error' }, 2000)];
      const during = tasksOf(events, T0 + 2000);
      assert.equal(during.task('api').description, 'rate limited, retry 3/10 in 2.3s · 2.0s');
      assert.equal(during.task('api').apiRetry, true);
      assert.match(during.task('api').tooltip, /^Retrying: rate limited, retry 3\/10 in 2\.3s — rate_limit_error$/m);
      assert.ok(hasCountdown(during.s, T0 + 2000), 'the tree redraws the countdown');
      const later = tasksOf(events, T0 + 5000);
      assert.equal(later.task('api').description, 'rate limited, retry 3/10 · 5.0s');
      assert.ok(!hasCountdown(later.s, T0 + 5000), 'no countdown once the delay is over');
      const overloaded = [...apiRunning(), ev('agent_retry', { task: 'api', attempt: 1, max_retries: 10, delay_ms: 500, status: 529, error: 'overloaded_error' }, 2000)];
      assert.match(tasksOf(overloaded, T0 + 2000).task('api').description, /^API overloaded, retry 1\/10 in 500ms/);
      const resumed = tasksOf([...events, ev('agent_activity', { task: 'api', action: 'Bash: npm test', actions: 1 }, 6000)], T0 + 6000);
      assert.equal(resumed.task('api').description, 'Bash: npm test · 6.0s');
      assert.equal(resumed.task('api').apiRetry, false);
    });

    it('shows turns and cost once the agent reported, and the permissions it was refused', () => {
      const events = [
        ...apiRunning(),
        ev('agent_result', { task: 'api', attempt: 1, session_id: UUID, subtype: 'success', is_error: false, turns: 3, cost_usd: 0.0123, tokens: tokens(1234, 567), denials: [{ tool: 'Bash', target: 'git push origin main' }], api_status: null }, 4000),
        ev('task_completed', { task: 'api', agent: 'executor-1', attempt: 1, duration_ms: 3970 }, 4000),
        ev('agent_state_changed', { agent: 'executor-1', status: 'idle', current_task: null }, 4001),
      ];
      const { task, kids, root } = tasksOf(events, T0 + 60_000);
      const api = task('api');
      assert.equal(api.description, 'completed · 4.0s · 3 turns · $0.0123 · ⚠ 1 permission denied');
      assert.match(api.tooltip, /^Last action: Write src\/login\.ts \(3 tool calls in all\)$/m);
      assert.match(api.tooltip, /^Result: success · 3 turns · \$0\.0123$/m);
      assert.match(api.tooltip, /^Tokens: 1,234 in · 567 out$/m);
      assert.match(api.tooltip, /^1 permission denied:\n {2}Bash: git push origin main$/m);
      assert.equal(kids.find((k) => k.kind === 'agent')!.description, 'idle');
      assert.match(root.tooltip, /^Agents spent: \$0\.0123 \(tokens: 1,234 in · 567 out\)$/m);
      assert.equal(spendText(replay(SESSION, events)), '$0.0123');
    });

    it('says "cost unknown" for an agent that does not report its cost, never $0, and a total with an unknown part as a lower bound', () => {
      const events = [
        ...started([agentTask('cx', [], 'codex'), agentTask('cl')]),
        ev('agent_session', { task: 'cx', attempt: 1, adapter: 'codex', session_id: null, continued: false }, 20),
        ev('task_started', { task: 'cx', agent: 'executor-1', attempt: 1, pid: 100, command: 'codex' }, 21),
        ev('agent_result', { task: 'cx', attempt: 1, session_id: 'thread-1', subtype: 'success', is_error: false, turns: null, cost_usd: null, tokens: tokens(100, 20), denials: [], api_status: null }, 500),
        ev('task_completed', { task: 'cx', agent: 'executor-1', attempt: 1, duration_ms: 479 }, 500),
      ];
      const first = tasksOf(events, T0 + 600);
      assert.equal(first.task('cx').description, 'completed · 479ms · cost unknown');
      assert.equal(spendText(first.s), 'cost unknown');
      const both = [
        ...events,
        ev('agent_session', { task: 'cl', attempt: 1, adapter: 'claude', session_id: UUID, continued: false }, 600),
        ev('task_started', { task: 'cl', agent: 'executor-1', attempt: 1, pid: 101, command: 'claude' }, 601),
        ev('agent_result', { task: 'cl', attempt: 1, session_id: UUID, subtype: 'success', is_error: false, turns: 1, cost_usd: 0.5, tokens: tokens(10, 5), denials: [], api_status: null }, 900),
        ev('task_completed', { task: 'cl', agent: 'executor-1', attempt: 1, duration_ms: 299 }, 900),
      ];
      const second = tasksOf(both, T0 + 1000);
      assert.equal(second.task('cl').description, 'completed · 299ms · 1 turn · $0.5000');
      assert.equal(spendText(second.s), '≥ $0.5000');
      assert.match(second.root.tooltip, /some agent does not report its cost/);
    });

    it('shows a task waiting for quota with when it runs again, apart from failures, and the lowered agent limit', () => {
      const events = [
        ...apiRunning(),
        ev('agent_result', { task: 'api', attempt: 1, session_id: UUID, subtype: 'error_during_execution', is_error: true, turns: 2, cost_usd: 0.004, tokens: tokens(300, 40), denials: [], api_status: 429 }, 2500),
        ev('task_waiting_quota', { task: 'api', attempt: 1, delay_ms: 40_000, message: 'rate limited (429): next try in 40s' }, 2600),
        ev('agent_limit_changed', { limit: 1, reason: 'rate limited' }, 2600),
        ev('agent_state_changed', { agent: 'executor-1', status: 'idle', current_task: null }, 2601),
      ];
      const { task, group, root, s } = tasksOf(events, T0 + 2600);
      const api = task('api');
      assert.equal(api.status, 'waiting_quota');
      assert.equal(api.description, 'waiting for quota, next try in 40s');
      assert.equal(api.contextValue, 'task.waiting_quota.live.agent');
      assert.match(api.tooltip, /^Status: waiting for quota$/m);
      assert.match(api.tooltip, /^Waiting for quota: next try at \d\d:\d\d:\d\d$/m);
      assert.equal(group.description, '0/2 completed · 1 waiting for quota', 'neither failed nor running');
      assert.match(root.tooltip, /^Waiting for quota after a rate limit: 1 agent task, which runs again by itself$/m);
      assert.match(root.tooltip, /^Agent limit: 1 agent task at once/m);
      assert.ok(hasCountdown(s, T0 + 2600));
      assert.equal(tasksOf(events, T0 + 32_600).task('api').description, 'waiting for quota, next try in 10s');
      // Its next attempt continues the conversation and runs as before.
      const again = [
        ...events,
        ev('agent_session', { task: 'api', attempt: 2, adapter: 'claude', session_id: UUID, continued: true }, 42_600),
        ev('task_started', { task: 'api', agent: 'executor-1', attempt: 2, pid: 102, command: 'claude' }, 42_610),
        ev('agent_activity', { task: 'api', action: 'Edit src/login.ts', actions: 1 }, 43_000),
      ];
      const running = tasksOf(again, T0 + 43_610).task('api');
      assert.equal(running.description, 'Edit src/login.ts · 1.0s · attempt 2');
      assert.match(running.tooltip, new RegExp(`^Conversation: ${UUID} \\(continued\\)$`, 'm'));
    });

    it("shows an agent task of a session whose process died as interrupted, without its agent's last action", () => {
      const { task } = tasksOf(apiRunning(), T0 + 3030, 'none');
      assert.equal(task('api').description, 'interrupted');
    });
  });

  describe('the dashboard', () => {
    it("lists each agent task's action, turns, cost and tokens, and the session's spend", () => {
      const events = [
        ...apiRunning(),
        ev('agent_result', { task: 'api', attempt: 1, session_id: UUID, subtype: 'success', is_error: false, turns: 3, cost_usd: 0.0123, tokens: tokens(1234, 567), denials: [{ tool: 'Write', target: '/etc/hosts' }], api_status: null }, 4000),
        ev('task_completed', { task: 'api', agent: 'executor-1', attempt: 1, duration_ms: 3970 }, 4000),
        ev('agent_state_changed', { agent: 'executor-1', status: 'busy', current_task: 'docs' }, 4100),
        ev('agent_session', { task: 'docs', attempt: 1, adapter: 'claude', session_id: null, continued: false }, 4100),
        ev('task_started', { task: 'docs', agent: 'executor-1', attempt: 1, pid: 101, command: 'claude' }, 4110),
        ev('agent_activity', { task: 'docs', action: 'Write docs/login.md', actions: 1 }, 4500),
      ];
      assert.ok(isToWebview({ type: 'session', sessionId: SESSION, events, liveness: 'here' }), 'the agent events reach the webview');
      const m = dashboard(events, T0 + 5000);
      const api = m.tasks.find((t) => t.id === 'api')!.agent!;
      assert.deepEqual({ now: api.now, waiting: api.waiting, turns: api.turns, cost: api.cost, tokens: api.tokens, denials: api.denials, model: api.model }, { now: '', waiting: null, turns: 3, cost: '$0.0123', tokens: '1,234 in · 567 out', denials: ['Write: /etc/hosts'], model: 'claude-sonnet-4-5' });
      const docs = m.tasks.find((t) => t.id === 'docs')!.agent!;
      assert.deepEqual([docs.now, docs.cost, docs.tokens], ['Write docs/login.md', '', '']);
      assert.equal(m.agents[0]?.doing, 'Write docs/login.md');
      assert.deepEqual(m.spend && { text: m.spend.text, tokens: m.spend.tokensText }, { text: '$0.0123', tokens: '1,234 in · 567 out' });
      assert.equal(m.agentLimit, '');
      assert.equal(m.waitingQuota, 0);
    });

    it('shows retries and quota waits as such, the agent limit, and a pause for the budget', () => {
      const events = [
        ...apiRunning(),
        ev('agent_retry', { task: 'api', attempt: 2, max_retries: 10, delay_ms: 1200, status: 429, error: 'rate_limit_error' }, 2000),
      ];
      const retrying = dashboard(events, T0 + 2000).tasks.find((t) => t.id === 'api')!.agent!;
      assert.deepEqual([retrying.now, retrying.waiting], ['rate limited, retry 2/10 in 1.2s', 'retry']);
      const waiting = [
        ...events,
        ev('task_waiting_quota', { task: 'api', attempt: 1, delay_ms: 40_000, message: 'rate limited' }, 3000),
        ev('agent_limit_changed', { limit: 2, reason: 'rate limited' }, 3000),
      ];
      const m = dashboard(waiting, T0 + 3000);
      const api = m.tasks.find((t) => t.id === 'api')!;
      assert.deepEqual([api.statusText, api.agent!.now, api.agent!.waiting], ['waiting for quota', 'waiting for quota, next try in 40s', 'quota']);
      assert.equal(m.waitingQuota, 1);
      assert.equal(m.agentLimit, '2 agent tasks at once (lowered after a rate limit)');
      assert.equal(m.graph.nodes.find((n) => n.id === 'api')?.status, 'waiting_quota');
      assert.deepEqual(m.timeline.lanes.map((l) => l.runs.map((r) => `${r.task}:${r.status}:${r.end - r.start}`)), [['api:waiting_quota:2970']], 'the run ends where the quota wait begins');
      assert.equal(m.spend, null, 'no cost while no agent reported one');

      const paused = [
        ...apiRunning(),
        ev('agent_result', { task: 'api', attempt: 1, session_id: UUID, subtype: 'success', is_error: false, turns: 3, cost_usd: 1.5, tokens: tokens(10, 10), denials: [], api_status: null }, 4000),
        ev('task_completed', { task: 'api', agent: 'executor-1', attempt: 1, duration_ms: 3970 }, 4000),
        ev('session_paused', { reason: 'the milestone has spent $1.50 of its $1.00 budget', by: 'budget' }, 4001),
      ];
      const pm = dashboard(paused, T0 + 5000);
      assert.deepEqual([pm.status, pm.pausedBy, pm.pauseReason, pm.spend?.text], ['paused', 'budget', 'the milestone has spent $1.50 of its $1.00 budget', '$1.50']);
      const resumed = dashboard([...paused, ev('session_resumed', { by: 'user', pid: 1, requeued: [], reset: [] }, 6000)], T0 + 6000);
      assert.equal(resumed.pausedBy, null);
    });

    it('draws the agent of a session whose process died without its action or retry', () => {
      const events = [...apiRunning(), ev('agent_retry', { task: 'api', attempt: 2, max_retries: 10, delay_ms: 1200, status: 429, error: 'x' }, 2000)];
      const m = dashboard(events, T0 + 2000, true);
      const api = m.tasks.find((t) => t.id === 'api')!;
      assert.deepEqual([api.status, api.agent!.now, api.agent!.waiting], ['interrupted', '', null]);
      assert.equal(m.agents[0]?.doing, null);
    });
  });

  describe('the session the CLI tests show too (agentRunFixture)', () => {
    const START = Date.parse('2025-01-01T10:00:00.000Z');
    const view = (events: JournalEvent[], now: number) => {
      const s = replay(AGENT_SESSION, events);
      const entry = [{ state: s, liveness: 'here' as const }];
      const group = children(entry, children(entry, undefined, now)[0], now).find((k) => k.kind === 'group')!;
      const rows = children(entry, group, now) as Extract<TreeNode, { kind: 'task' }>[];
      return { s, group, row: (id: string) => rows.find((r) => r.taskId === id)! };
    };

    it('while agents work: a retry counts down, and an action with terminal escapes reads as plain text', () => {
      const { row } = view(agentsStarted(), START + 1000);
      assert.equal(row('login').description, 'rate limited, retry 3/10 in 1.3s · 1.0s');
      assert.equal(row('deploy').description, 'Bash: npm run deploy · 1.0s');
      assert.ok(!row('deploy').tooltip.includes('\u001b'), row('deploy').tooltip);
    });

    it('once they reported: cost and turns, refused permissions, a budget failure, a Codex task waiting for quota at an unknown cost', () => {
      const { row, group, s } = view(agentsRun(), START + 2000);
      assert.equal(row('login').description, 'completed · 1.0s · 7 turns · $0.5000 · ⚠ 2 permissions denied');
      assert.match(row('login').tooltip, /^2 permissions denied:\n {2}Bash: git push origin main\n {2}Write: \/etc\/hosts$/m);
      assert.equal(row('deploy').description, 'failed · 1.0s · over budget · 3 turns · $1.25');
      assert.match(row('deploy').tooltip, /^Result: error_max_budget_usd · 3 turns · \$1\.25$/m);
      assert.match(row('deploy').tooltip, /^Last: Claude Code spent \$1\.25, over its budget of \$1\.00$/m);
      assert.equal(row('docs').description, 'waiting for quota, next try in 59s');
      assert.equal(row('lint').description, 'pending');
      assert.equal(group.description, '1/4 completed · 1 failed · 1 waiting for quota');
      assert.equal(spendText(s), '≥ $1.75');
      const runs = new RunLog();
      const m = toDashboardModel(s, runs.runs, START + 2000);
      assert.deepEqual(m.tasks.map((t) => [t.id, t.agent?.cost ?? null]), [['login', '$0.5000'], ['deploy', '$1.25'], ['docs', 'cost unknown'], ['lint', null]]);
      assert.deepEqual([m.spend?.text, m.spend?.costUnknown, m.waitingQuota, m.agentLimit], ['≥ $1.75', true, 1, '1 agent task at once (lowered after a rate limit)']);
    });
  });

  it('agentNowText says nothing for a task that neither runs nor waits', () => {
    const s = replay(SESSION, apiRunning());
    assert.equal(agentNowText(s.tasks.get('docs')!, T0), null);
  });
});
