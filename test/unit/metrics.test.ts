import { strict as assert } from 'node:assert';
import { computeMetrics, estimateRemainingMs, MetricsCollector, summarize } from '../../src/core/session/metrics';
import type { JournalEvent, TaskSummary } from '../../src/core/session/events';
import { replay } from '../../src/core/session/state';
import { EventFactory } from './helpers';

const SESSION = 'demo-20250101-100000-abcd';
const task = (id: string, ...depends_on: string[]): TaskSummary => ({ id, title: id, depends_on, kind: 'run', command: `make ${id}`, retries: 0 });

function startedEvent(f: EventFactory, tasks: TaskSummary[]): JournalEvent {
  return f.make('session_started', {
    milestone_id: 'demo', milestone_file: '/ws/.milestones/demo.yaml', workspace: '/ws', title: 'Demo', type: 'development', complexity: 'medium',
    tasks, gates: [], executors: { min: 1, max: 2 }, on_failure: 'continue', pid: 1, host: 'h',
  });
}

describe('session/metrics', () => {
  describe('summarize', () => {
    it('is all zeros for no values', () => {
      assert.deepEqual(summarize([]), { count: 0, mean: 0, p95: 0, max: 0 });
    });

    it('gives count, mean, 95th percentile and max', () => {
      assert.deepEqual(summarize([7]), { count: 1, mean: 7, p95: 7, max: 7 });
      const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
      assert.deepEqual(summarize(hundred), { count: 100, mean: 50.5, p95: 95, max: 100 });
      assert.deepEqual(summarize([1, 2, 3, 4, 1000]), { count: 5, mean: 202, p95: 1000, max: 1000 });
      assert.equal(hundred[0], 100, 'the input is not sorted in place');
    });

    it('rounds to two decimals', () => {
      assert.deepEqual(summarize([0.123, 0.456]), { count: 2, mean: 0.29, p95: 0.46, max: 0.46 });
    });
  });

  describe('estimateRemainingMs', () => {
    /** a (2s) and b (4s) done; c depends on a, d on c, e is free. */
    function state(extra: (f: EventFactory) => JournalEvent[] = () => []) {
      const f = new EventFactory(SESSION);
      const events = [
        startedEvent(f, [task('a'), task('b'), task('c', 'a'), task('d', 'c'), task('e')]),
        f.make('task_started', { task: 'a', agent: 'x', attempt: 1, pid: 1, command: 'make a' }),
        f.advance(2000).make('task_completed', { task: 'a', agent: 'x', attempt: 1, duration_ms: 2000 }),
        f.make('task_started', { task: 'b', agent: 'x', attempt: 1, pid: 2, command: 'make b' }),
        f.advance(4000).make('task_completed', { task: 'b', agent: 'x', attempt: 1, duration_ms: 4000 }),
      ];
      return replay(SESSION, [...events, ...extra(f)]);
    }

    it('is null before any task has completed', () => {
      const f = new EventFactory(SESSION);
      assert.equal(estimateRemainingMs(replay(SESSION, [startedEvent(f, [task('a')])]), 4), null);
    });

    it('takes the longer of the critical path and the work spread over the executors', () => {
      // Average 3s; open c → d (path of 2) and e: 3 tasks.
      assert.equal(estimateRemainingMs(state(), 2), 6000, 'path 2 beats 3 tasks / 2 executors');
      assert.equal(estimateRemainingMs(state(), 1), 9000, '3 tasks / 1 executor beats path 2');
      assert.equal(estimateRemainingMs(state(), 0), 9000, 'zero executors counts as one');
    });

    it('leaves failed and skipped tasks out', () => {
      const s = state((f) => [
        f.make('task_failed', { task: 'c', agent: 'x', attempt: 1, duration_ms: 10, exit_code: 1, signal: null, reason: 'exit', message: 'x', final: true }),
        f.make('task_skipped', { task: 'd', because: 'c', reason: 'c failed' }),
      ]);
      // Only e is open.
      assert.equal(estimateRemainingMs(s, 2), 3000);
    });

    it('counts running and queued tasks as open, and is 0 when nothing is open', () => {
      const running = state((f) => [f.make('task_started', { task: 'c', agent: 'x', attempt: 1, pid: 3, command: 'make c' }), f.make('task_queued', { task: 'e', attempt: 1, priority: 1 })]);
      assert.equal(estimateRemainingMs(running, 2), 6000);
      const done = state((f) =>
        ['c', 'd', 'e'].flatMap((id) => [
          f.make('task_started', { task: id, agent: 'x', attempt: 1, pid: 3, command: `make ${id}` }),
          f.make('task_completed', { task: id, agent: 'x', attempt: 1, duration_ms: 1000 }),
        ]),
      );
      assert.equal(estimateRemainingMs(done, 2), 0);
    });
  });

  describe('MetricsCollector and computeMetrics', () => {
    it('computes the session metrics from a replayed run', () => {
      const f = new EventFactory(SESSION);
      const events: JournalEvent[] = [
        startedEvent(f, [task('a'), task('b', 'a')]),
        f.make('agent_registered', { agent: 'executor-1', kind: 'executor', startup_ms: 12, subscriptions: [] }),
        f.make('agent_registered', { agent: 'monitor', kind: 'monitor', startup_ms: 3, subscriptions: [] }),
        f.make('task_queued', { task: 'a', attempt: 1, priority: 2 }),
        f.make('agent_state_changed', { agent: 'executor-1', status: 'busy', current_task: 'a' }),
        f.make('task_started', { task: 'a', agent: 'executor-1', attempt: 1, pid: 1, command: 'make a' }),
        f.advance(1000).make('task_completed', { task: 'a', agent: 'executor-1', attempt: 1, duration_ms: 1000 }),
        f.make('agent_state_changed', { agent: 'executor-1', status: 'idle', current_task: null }),
        f.make('task_queued', { task: 'b', attempt: 1, priority: 1 }),
        f.advance(100).make('agent_state_changed', { agent: 'executor-1', status: 'busy', current_task: 'b' }),
        f.make('task_started', { task: 'b', agent: 'executor-1', attempt: 1, pid: 2, command: 'make b' }),
        f.make('alert', { kind: 'stalled_task', message: 'quiet', task: 'b' }),
        f.advance(400).make('task_failed', { task: 'b', agent: 'executor-1', attempt: 1, duration_ms: 400, exit_code: 1, signal: null, reason: 'exit', message: 'exit 1', final: true }),
        f.make('agent_state_changed', { agent: 'executor-1', status: 'idle', current_task: null }),
        f.advance(500).make('milestone_failed', { duration_ms: 2000, failed: ['b'], skipped: [], gates_failed: [], reason: 'task b failed' }),
      ];
      const s = replay(SESSION, events);
      const c = new MetricsCollector();
      for (const e of events) c.observe(e, Date.parse(e.timestamp) + 5);
      assert.equal(c.attempts, 2);
      assert.equal(c.failedAttempts, 1);
      assert.deepEqual(c.dispatchLatencyMs, [0, 100]);
      assert.deepEqual(c.startupMs, [12, 3]);

      const now = Date.parse('2025-01-01T12:00:00.000Z');
      const m = computeMetrics(s, c, now, 1);
      assert.deepEqual(m, {
        updated_at: '2025-01-01T12:00:00.000Z',
        session: SESSION,
        milestone: 'demo',
        status: 'failed',
        elapsed_ms: 2000,
        tasks: { total: 2, completed: 1, failed: 1, skipped: 0, cancelled: 0, running: 0, pending: 0 },
        progress_percent: 100,
        eta_ms: 0,
        task_completion_rate_per_min: 30,
        // executor-1 lived 2000ms and was busy 1000 + 400.
        agent_utilization: 0.7,
        error_rate: 0.5,
        // 1400ms of task work in 2000ms on one executor.
        parallel_efficiency: 0.7,
        coordination_overhead_ms: { count: 2, mean: 50, p95: 100, max: 100 },
        event_latency_ms: { count: events.length, mean: 5, p95: 5, max: 5 },
        agent_startup_ms: { count: 2, mean: 7.5, p95: 12, max: 12 },
        recovery_time_ms: { count: 0, mean: 0, p95: 0, max: 0 },
        alerts: 1,
      });
    });

    it('keeps a bounded window of event latencies', () => {
      const c = new MetricsCollector();
      const e = new EventFactory(SESSION).make('alert', { kind: 'stalled_task', message: 'x' });
      for (let i = 0; i < 5001; i++) c.observe(e, Date.parse(e.timestamp) + 1);
      assert.equal(c.eventLatencyMs.length, 4001);
      c.observe({ ...e, timestamp: new Date(Date.parse(e.timestamp) + 1000).toISOString() }, Date.parse(e.timestamp));
      assert.equal(c.eventLatencyMs[c.eventLatencyMs.length - 1], 0, 'a clock skew never gives a negative latency');
    });
  });
});
