import { strict as assert } from 'node:assert';
import { agentVerdict } from '../../src/core/agents/adapters/verdict';
import type { AgentSignal } from '../../src/core/agents/adapters/signals';
import { AgentLimit } from '../../src/core/coordinator/agentLimit';
import { Budget } from '../../src/core/coordinator/budget';
import type { EventData } from '../../src/core/session/events';
import { replay } from '../../src/core/session/state';
import { EventFactory } from './helpers';

type Result = Extract<AgentSignal, { kind: 'result' }>;
const result = (over: Partial<Result> = {}): Result => ({ kind: 'result', subtype: 'success', isError: false, turns: 2, costUsd: 0.02, usage: null, denials: [], sessionId: 's', apiStatus: null, message: 'Done.', ...over });
const ok = { outcome: 'completed' as const, message: 'exit code 0', exitCode: 0 };
const okVerdict = { outcome: 'completed', message: 'exit code 0' };
const exit1 = { outcome: 'failed' as const, message: 'exit code 1', exitCode: 1 };
const claude = { adapter: 'claude' as const };

describe('agent decisions', () => {
  describe('agentVerdict: "done" means done', () => {
    it('completes only when the process exits 0 and the agent says success', () => {
      assert.deepEqual(agentVerdict(ok, { result: result() }, claude), okVerdict);
      assert.deepEqual(agentVerdict(ok, { result: result({ isError: true, subtype: 'success', message: 'API Error: 500' }) }, claude), { outcome: 'failed', reason: 'agent_error', message: 'the agent reported an error (success): API Error: 500' });
      assert.deepEqual(agentVerdict(ok, { result: result({ subtype: 'error_max_turns', message: null }) }, claude), { outcome: 'failed', reason: 'agent_error', message: 'the agent reported an error (error_max_turns)' });
      assert.deepEqual(agentVerdict(ok, {}, claude), { outcome: 'failed', reason: 'agent_error', message: 'the agent exited without reporting a result: see the log' });
      // A generic agent has no result to report: its exit code decides.
      assert.deepEqual(agentVerdict(ok, {}, { adapter: 'generic' }), okVerdict);
    });

    it('says what a budget stopped, instead of "exit code 1"', () => {
      const r = result({ subtype: 'error_max_budget_usd', isError: true, costUsd: 0.008 });
      assert.deepEqual(agentVerdict(exit1, { result: r }, { adapter: 'claude', budgetUsd: 0.001 }), { outcome: 'failed', reason: 'budget', message: 'budget exceeded: spent $0.0080 of $0.0010' });
      assert.deepEqual(agentVerdict(exit1, { result: { ...r, costUsd: null } }, claude), { outcome: 'failed', reason: 'budget', message: 'budget exceeded' });
    });

    it('turns a rate limit or an overload after the agent\'s own retries into waiting for quota', () => {
      const retry: Extract<AgentSignal, { kind: 'retry' }> = { kind: 'retry', attempt: 10, maxRetries: 10, delayMs: 2300, status: 529, error: 'overloaded' };
      assert.deepEqual(agentVerdict(exit1, { result: result({ isError: true, apiStatus: 429 }), lastRetry: { ...retry, attempt: 1, status: 429 } }, claude), { outcome: 'quota', message: 'rate limited (HTTP 429) after 1 retry: waiting for quota' });
      assert.deepEqual(agentVerdict(exit1, { lastRetry: retry }, claude), { outcome: 'quota', message: 'overloaded (HTTP 529) after 10 retries: waiting for quota' });
      // Another error status is a failure, with what the agent said.
      assert.deepEqual(agentVerdict(exit1, { result: result({ isError: true, apiStatus: 401, message: 'Invalid API key' }) }, claude), { outcome: 'failed', message: 'exit code 1: Invalid API key' });
    });

    it('leaves cancelled, timed-out and unstartable runs as they are', () => {
      for (const outcome of ['cancelled', 'timeout', 'spawn_error'] as const) {
        const base = { outcome, message: outcome, exitCode: null };
        assert.deepEqual(agentVerdict(base, { result: result({ isError: true, apiStatus: 429 }) }, claude), { outcome, message: outcome });
      }
    });
  });

  describe('AgentLimit: additive increase, multiplicative decrease', () => {
    it('halves what ran when a task is rate limited, adds one per success, and lifts the limit at the executors', () => {
      const changes: (number | null)[] = [];
      const limit = new AgentLimit(null, { max: () => 8, changed: (l) => changes.push(l) });
      assert.equal(limit.allows(100), true);
      limit.rateLimited(6, 'a');
      assert.equal(limit.current, 3);
      assert.equal(limit.allows(2), true);
      assert.equal(limit.allows(3), false);
      limit.rateLimited(3, 'b');
      limit.rateLimited(1, 'c');
      limit.rateLimited(1, 'd');
      assert.equal(limit.current, 1, 'never below one');
      for (const t of ['e', 'f', 'g', 'h', 'i', 'j', 'k']) limit.succeeded(t);
      assert.equal(limit.current, null);
      assert.deepEqual(changes, [3, 1, 2, 3, 4, 5, 6, 7, null], 'each change once (one at the floor is not a change)');
    });
  });

  describe('Budget', () => {
    it('lets agent tasks start while the spending is under the budget, then pauses once, and again after a reload that is still too low', () => {
      let spent = 0;
      const pauses: string[] = [];
      const budget = new Budget(1, { spent: () => spent, file: '.milestones/m.yaml', pause: (r) => pauses.push(r) });
      budget.check();
      assert.equal(budget.allows(), true);
      spent = 1.25;
      assert.equal(budget.allows(), false);
      budget.check();
      budget.check();
      assert.deepEqual(pauses, ["the milestone's budget of $1.0000 is spent ($1.2500 so far): no new agent task starts. Raise budget_usd in .milestones/m.yaml, then resume"]);
      budget.reload(1.2);
      budget.check();
      assert.equal(pauses.length, 2);
      budget.reload(5);
      assert.equal(budget.allows(), true);
      budget.reload(undefined);
      assert.equal(budget.allows(), true, 'no budget, no limit');
    });
  });

  describe('the journal\'s account of an agent run', () => {
    const result = (task: string, attempt: number, session: string | null, cost: number | null): EventData['agent_result'] => ({ task, attempt, session_id: session, subtype: 'success', is_error: false, turns: 2, cost_usd: cost, tokens: { input: 100, output: 10, cache_read: 0, cache_creation: 0 }, denials: [], api_status: null });

    it('counts a continued conversation\'s cost once (its report includes its earlier runs) and sums tasks and conversations', () => {
      const f = new EventFactory('cost-20250101-100000-abcd');
      const tasks = ['a', 'b'].map((id) => ({ id, title: id, depends_on: [], kind: 'agent' as const, command: 'claude: x', retries: 0 }));
      const events = [
        f.make('session_started', { milestone_id: 'cost', milestone_file: '/ws/.milestones/cost.yaml', workspace: '/ws', title: 'Cost', type: 'custom', complexity: 'medium', tasks, gates: [], executors: { min: 1, max: 2 }, on_failure: 'continue', pid: 1, host: 'h' }),
        f.make('agent_session', { task: 'a', attempt: 1, adapter: 'claude', session_id: 's1', continued: false }),
        f.make('agent_activity', { task: 'a', action: 'Write a.txt', actions: 3 }),
        f.make('agent_result', { ...result('a', 1, 's1', 0.02), subtype: 'success', is_error: true, api_status: 429 }),
        f.make('task_waiting_quota', { task: 'a', attempt: 1, delay_ms: 30_000, message: 'rate limited' }),
        f.make('agent_session', { task: 'a', attempt: 2, adapter: 'claude', session_id: 's1', continued: true }),
        f.make('agent_result', result('a', 2, 's1', 0.05)),
        f.make('agent_session', { task: 'b', attempt: 1, adapter: 'codex', session_id: null, continued: false }),
        f.make('agent_result', result('b', 1, null, null)),
      ];
      const state = replay('cost-20250101-100000-abcd', events.slice(0, 5));
      assert.equal(state.tasks.get('a')!.status, 'waiting_quota');
      assert.equal(state.tasks.get('a')!.agentRun!.ended, false, 'stopped by the API: the next attempt continues');
      assert.equal(state.tasks.get('a')!.agentRun!.lastAction, 'Write a.txt');
      const after = replay('cost-20250101-100000-abcd', events);
      const a = after.tasks.get('a')!.agentRun!;
      assert.equal(a.costUsd, 0.05, 'the continued conversation reported its total: not 0.02 + 0.05');
      assert.equal(a.lastAction, null, 'a new attempt starts with no action of its own yet');
      assert.equal(a.continued, true);
      assert.equal(a.tokens.input, 200, 'tokens are per run: they add up');
      assert.equal(after.tasks.get('b')!.agentRun!.costUsd, null, 'unknown, not 0');
      assert.equal(after.agentTotals.costUsd, 0.05);
      assert.equal(after.agentTotals.costUnknown, true);
      assert.equal(after.agentTotals.tokens.input, 300);
    });
  });
});
