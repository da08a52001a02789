import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { globsOverlap, Scheduler, type Decision, type PlannedGate, type PlannedTask, type SchedulePlan, type TaskExit } from '../../src/core/coordinator/scheduler';
import type { EventDraft, JournalEvent } from '../../src/core/session/events';
import { applyEvent, emptySessionState, replay, type SessionState } from '../../src/core/session/state';
import { EventFactory } from './helpers';

const SESSION = 'sched-20250101-100000-abcd';

function plan(tasks: PlannedTask[], extra: Partial<SchedulePlan> = {}): SchedulePlan {
  return { tasks, gates: [], priority: new Map(tasks.map((t) => [t.id, 1])), onFailure: 'continue', retryBaseMs: 100, quotaBaseMs: 1000, ...extra };
}

const t = (id: string, dependsOn: string[] = [], retries = 0): PlannedTask => ({ id, dependsOn, retries });

const exit = (task: string, outcome: TaskExit['outcome'], attempt = 1): TaskExit => ({
  task,
  agent: 'executor-1',
  attempt,
  outcome,
  exitCode: outcome === 'completed' ? 0 : outcome === 'failed' ? 1 : null,
  signal: null,
  durationMs: 10,
  message: outcome,
});

const events = (ds: readonly Decision[]): EventDraft[] => ds.flatMap((d) => (d.kind === 'record' ? [d.event] : []));
const types = (ds: readonly Decision[]): string[] => ds.map((d) => (d.kind === 'record' ? `${d.event.type}:${'task' in d.event.data ? String(d.event.data.task) : ''}` : `${d.kind}:${'task' in d ? d.task : d.gate}`));

/** Runs a task to completion and releases it, as the coordinator does without git. */
function complete(s: Scheduler, task: string): Decision[] {
  return [...s.exited(exit(task, 'completed')), ...s.release(task)];
}

function startedEvent(f: EventFactory, p: SchedulePlan): JournalEvent {
  return f.make('session_started', {
    milestone_id: 'sched',
    milestone_file: '/ws/.milestones/sched.yaml',
    workspace: '/ws',
    title: 'Scheduling',
    type: 'custom',
    complexity: 'medium',
    tasks: p.tasks.map((x) => ({ id: x.id, title: x.id, depends_on: [...x.dependsOn], kind: 'run' as const, command: 'true', retries: x.retries })),
    gates: p.gates.map((g) => ({ id: g.id, title: g.id, after: [...g.after], blocking: true })),
    executors: { min: 1, max: 2 },
    on_failure: p.onFailure,
    pid: 1,
    host: 'h',
  });
}

describe('coordinator/scheduler', () => {
  describe('decisions', () => {
    it('queues the tasks without dependencies, best path first, and starts nothing before begin', () => {
      const p = plan([t('a'), t('b', ['a']), t('c')], { priority: new Map([['a', 2], ['b', 1], ['c', 1]]) });
      const s = new Scheduler(p);
      assert.equal(s.take(), undefined);
      assert.deepEqual(types(s.begin()), ['task_queued:a', 'task_queued:c']);
      assert.deepEqual(s.take(), { task: 'a', attempt: 1 });
      assert.deepEqual(s.take(), { task: 'c', attempt: 1 });
      assert.equal(s.take(), undefined, 'b waits for a');
    });

    it('holds a completed task until it is released: its dependents and gates wait for that', () => {
      const s = new Scheduler(plan([t('a'), t('b', ['a'])], { gates: [{ id: 'g', after: ['a'] }] }));
      s.begin();
      s.take();
      assert.deepEqual(types(s.exited(exit('a', 'completed'))), ['task_completed:a']);
      assert.equal(s.verdict().kind, 'busy', 'a held task keeps the session open');
      assert.deepEqual(types(s.release('a')), ['task_queued:b', 'run_gate:g']);
      assert.deepEqual(s.release('a'), [], 'released once');
    });

    it('retries with exponential backoff, then fails for good and skips the dependents', () => {
      const s = new Scheduler(plan([t('flaky', [], 2), t('after', ['flaky'])]));
      s.begin();
      s.take();
      const first = s.exited(exit('flaky', 'failed', 1));
      assert.deepEqual(types(first), ['task_failed:flaky', 'task_retrying:flaky', 'wake:flaky']);
      assert.deepEqual(first[2], { kind: 'wake', task: 'flaky', afterMs: 100 });
      assert.equal(s.verdict().kind, 'busy', 'a retry is pending');
      assert.deepEqual(types(s.retryDue('flaky')), ['task_queued:flaky']);
      assert.deepEqual(s.take(), { task: 'flaky', attempt: 2 });
      assert.deepEqual(s.exited(exit('flaky', 'failed', 2)).find((d) => d.kind === 'wake'), { kind: 'wake', task: 'flaky', afterMs: 200 });
      s.retryDue('flaky');
      s.take();
      const last = s.exited(exit('flaky', 'timeout', 3));
      assert.deepEqual(types(last), ['task_failed:flaky', 'task_skipped:after']);
      const failed = events(last)[0]!;
      assert.ok(failed.type === 'task_failed' && failed.data.final && failed.data.reason === 'timeout');
      const v = s.verdict();
      assert.equal(v.kind, 'done');
      assert.ok(v.kind === 'done' && !v.outcome.ok && v.outcome.reason === 'task flaky failed');
    });

    it('an agent out of quota waits, not fails: dependents wait, no retry is spent, the wait doubles, and it runs again', () => {
      const s = new Scheduler(plan([t('agent'), t('after', ['agent'])], { onFailure: 'stop' }));
      s.begin();
      s.take();
      const first = s.exited(exit('agent', 'quota', 1));
      assert.deepEqual(types(first), ['task_waiting_quota:agent', 'wake:agent']);
      assert.deepEqual(first[1], { kind: 'wake', task: 'agent', afterMs: 1000 });
      assert.equal(s.statusOf('agent'), 'waiting_quota');
      assert.equal(s.statusOf('after'), 'pending', 'not skipped');
      assert.equal(s.verdict().kind, 'busy', 'a task waiting for quota keeps the session open');
      assert.deepEqual(types(s.retryDue('agent')), ['task_queued:agent']);
      assert.deepEqual(s.take(), { task: 'agent', attempt: 2 });
      assert.deepEqual(s.exited(exit('agent', 'quota', 2)).find((d) => d.kind === 'wake'), { kind: 'wake', task: 'agent', afterMs: 2000 });
      s.retryDue('agent');
      s.take();
      assert.deepEqual(types(complete(s, 'agent')), ['task_completed:agent', 'task_queued:after']);
    });

    it('an agent out of quota while the session stops waits for the resume (no wake)', () => {
      const s = new Scheduler(plan([t('agent')]));
      s.begin();
      s.take();
      s.stop();
      assert.deepEqual(types(s.exited(exit('agent', 'quota', 1))), ['task_waiting_quota:agent']);
    });

    it('on_failure: stop skips what waits, cancels what runs, and starts no gate', () => {
      const s = new Scheduler(plan([t('bad'), t('sibling'), t('waiting'), t('dep', ['bad'])], { onFailure: 'stop', gates: [{ id: 'end', after: [] }] }));
      s.begin();
      s.take();
      s.take();
      const out = s.exited(exit('bad', 'failed'));
      assert.deepEqual(types(out), ['task_failed:bad', 'task_skipped:waiting', 'task_skipped:dep', 'cancel:sibling']);
      assert.deepEqual(types(s.exited(exit('sibling', 'cancelled'))), ['task_cancelled:sibling']);
      const v = s.verdict();
      assert.ok(v.kind === 'done', 'no end gate after a fail-fast');
      assert.deepEqual(v.outcome.notRun, ['sibling', 'waiting', 'dep']);
    });

    it('cancels a waiting task at once and a running one through its executor', () => {
      const s = new Scheduler(plan([t('run'), t('wait'), t('next', ['wait'])]));
      s.begin();
      s.take();
      assert.deepEqual(types(s.cancel('wait', 'by hand') ?? []), ['task_cancelled:wait', 'task_skipped:next']);
      assert.deepEqual(s.cancel('run', 'by hand'), [{ kind: 'cancel', task: 'run', reason: 'by hand' }]);
      const cancelled = events(s.exited(exit('run', 'cancelled')))[0]!;
      assert.ok(cancelled.type === 'task_cancelled' && cancelled.data.reason === 'by hand');
      assert.equal(s.cancel('run', 'again'), undefined, 'nothing left to cancel');
    });

    it('a user retry resets the task and the dependents it blocked, and clears a fail-fast', () => {
      const s = new Scheduler(plan([t('fix'), t('down', ['fix'])], { onFailure: 'stop' }));
      s.begin();
      s.take();
      s.exited(exit('fix', 'failed'));
      assert.equal(s.retry('nothing'), undefined, 'an unknown task');
      assert.equal(s.statusOf('down'), 'skipped');
      assert.deepEqual(types(s.retry('fix') ?? []), ['task_reset:fix', 'task_reset:down', 'task_queued:fix']);
      assert.equal(s.retry('fix'), undefined, 'only a finished task can be retried');
      s.take();
      assert.deepEqual(types(complete(s, 'fix')), ['task_completed:fix', 'task_queued:down']);
    });

    it('re-queues the task of a lost executor, counting the attempt again when it restarts', () => {
      const s = new Scheduler(plan([t('victim')]));
      s.begin();
      s.take();
      assert.deepEqual(types(s.lost('victim')), ['task_queued:victim']);
      assert.deepEqual(s.take(), { task: 'victim', attempt: 2 });
    });

    it('runs the end gates once every task completed, and fails on a failed blocking gate', () => {
      const s = new Scheduler(plan([t('a')], { gates: [{ id: 'soft', after: [] }, { id: 'hard', after: [] }] }));
      s.begin();
      s.take();
      complete(s, 'a');
      const v = s.verdict();
      assert.ok(v.kind === 'busy');
      assert.deepEqual(types(v.decisions), ['run_gate:soft', 'run_gate:hard']);
      assert.equal(s.idle, false, 'gates run');
      s.gateEnded('soft', false, false);
      s.gateEnded('hard', false, true);
      const end = s.verdict();
      assert.ok(end.kind === 'done');
      assert.deepEqual(end.outcome, { ok: false, failed: [], notRun: [], gatesFailed: ['hard'], reason: 'quality gate hard failed' });
    });

    it('skips, and says why, the tasks whose dependency will never complete', () => {
      const s = new Scheduler(plan([t('a'), t('b', ['a']), t('c', ['b'])]));
      s.begin();
      s.take();
      assert.deepEqual(types(s.cancel('a', 'no') ?? []), ['cancel:a']);
      s.exited(exit('a', 'cancelled'));
      const v = s.verdict();
      assert.ok(v.kind === 'done');
      assert.deepEqual(v.outcome.notRun, ['a', 'b', 'c']);
      assert.equal(v.outcome.reason, 'tasks a, b, c did not run');
    });

    it('resumes from a journal: completed tasks stay done, the interrupted one runs again as its next attempt', () => {
      const f = new EventFactory(SESSION);
      const p = plan([t('done'), t('was-running', ['done']), t('later', ['was-running'])]);
      const journal: JournalEvent[] = [
        startedEvent(f, p),
        f.make('task_queued', { task: 'done', attempt: 1, priority: 1 }),
        f.make('task_started', { task: 'done', agent: 'executor-1', attempt: 1, pid: 10, command: 'true' }),
        f.make('task_completed', { task: 'done', agent: 'executor-1', attempt: 1, duration_ms: 5 }),
        f.make('task_queued', { task: 'was-running', attempt: 1, priority: 1 }),
        f.make('task_started', { task: 'was-running', agent: 'executor-1', attempt: 1, pid: 11, command: 'true' }),
        f.make('session_resumed', { by: 'recovery', pid: 2, requeued: ['was-running'], reset: [] }),
      ];
      const s = Scheduler.fromState(p, replay(SESSION, journal));
      assert.deepEqual(types(s.begin()), ['task_queued:was-running']);
      assert.deepEqual(s.take(), { task: 'was-running', attempt: 2 });
      assert.equal(s.statusOf('done'), 'completed');
    });

    it('stop drops the queue and cancels what runs, and skips nothing', () => {
      const s = new Scheduler(plan([t('a'), t('b'), t('c', ['a'])]));
      s.begin();
      s.take();
      assert.deepEqual(types(s.stop()), ['cancel:a']);
      assert.equal(s.take(), undefined);
      assert.deepEqual(types(s.exited(exit('a', 'cancelled'))), ['task_cancelled:a'], 'c is not skipped: the session stays resumable');
      assert.deepEqual(s.exited(exit('b', 'failed')), [], 'b was not running');
    });
  });

  describe('properties (fast-check)', () => {
    interface World {
      p: SchedulePlan;
      executors: number;
      /** Per task, the outcomes of its attempts in turn; the last one repeats. */
      outcomes: Map<string, ('completed' | 'failed')[]>;
      gateOutcomes: Map<string, boolean>;
      holdCommits: boolean;
      cancelAt: number | undefined;
    }

    const world = fc
      .record({
        n: fc.integer({ min: 1, max: 14 }),
        edges: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 30 }),
        retries: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 14, maxLength: 14 }),
        attempts: fc.array(fc.array(fc.constantFrom<'completed' | 'failed'>('completed', 'completed', 'failed'), { minLength: 1, maxLength: 3 }), { minLength: 14, maxLength: 14 }),
        gates: fc.array(fc.record({ after: fc.array(fc.nat(), { maxLength: 2 }), passes: fc.boolean() }), { maxLength: 3 }),
        onFailure: fc.constantFrom<'continue' | 'stop'>('continue', 'stop'),
        executors: fc.integer({ min: 1, max: 4 }),
        holdCommits: fc.boolean(),
        cancelAt: fc.option(fc.nat({ max: 40 }), { nil: undefined }),
      })
      .map((r): World => {
        const ids = Array.from({ length: r.n }, (_, i) => `t${i}`);
        // Edges only from a later task to an earlier one: a DAG, as validation guarantees.
        const deps = ids.map(() => new Set<string>());
        for (const [a, b] of r.edges) {
          const x = a % r.n;
          const y = b % r.n;
          if (x > y) deps[x]!.add(ids[y]!);
        }
        const tasks = ids.map((id, i) => ({ id, dependsOn: [...deps[i]!], retries: r.retries[i]! }));
        const gates: PlannedGate[] = r.gates.map((g, i) => ({ id: `g${i}`, after: [...new Set(g.after.map((a) => ids[a % r.n]!))] }));
        return {
          p: { tasks, gates, priority: new Map(ids.map((id, i) => [id, r.n - i])), onFailure: r.onFailure, retryBaseMs: 10, quotaBaseMs: 10 },
          executors: r.executors,
          outcomes: new Map(ids.map((id, i) => [id, r.attempts[i]!])),
          gateOutcomes: new Map(r.gates.map((g, i) => [`g${i}`, g.passes])),
          holdCommits: r.holdCommits,
          cancelAt: r.cancelAt,
        };
      });

    /**
     * Plays a whole session against the scheduler, choosing among the things that could
     * happen next with `pick` (fast-check's randomness): an idle executor takes a task, a
     * task exits, a commit lands, a retry delay runs out, a gate ends, the user cancels.
     */
    function simulate(w: World, pick: (n: number) => number): { s: Scheduler; state: SessionState; starts: string[]; outcome: ReturnType<Scheduler['verdict']> } {
      const s = new Scheduler(w.p);
      const f = new EventFactory(SESSION);
      const state = emptySessionState(SESSION);
      applyEvent(state, startedEvent(f, w.p));
      const running = new Map<string, number>();
      const wakes = new Set<string>();
      const held: string[] = [];
      const gates = new Set<string>();
      const starts: string[] = [];
      const tries = new Map<string, number>();
      const apply = (ds: readonly Decision[]): void => {
        for (const d of ds) {
          if (d.kind === 'record') applyEvent(state, f.make(d.event.type, d.event.data));
          else if (d.kind === 'wake') wakes.add(d.task);
          else if (d.kind === 'run_gate') gates.add(d.gate);
          // `cancel` reaches a running task, which exits as cancelled at one of the next steps.
          else if (d.kind === 'cancel') running.set(d.task, -1);
        }
      };
      apply(s.begin());
      for (let step = 0; step < 10_000; step++) {
        const moves: (() => void)[] = [];
        if (running.size < w.executors && s.readyCount > 0) {
          moves.push(() => {
            const next = s.take()!;
            const task = w.p.tasks.find((x) => x.id === next.task)!;
            for (const d of task.dependsOn) assert.equal(state.tasks.get(d)?.status, 'completed', `${next.task} started before its dependency ${d} completed`);
            assert.ok(!held.includes(next.task));
            for (const d of task.dependsOn) assert.ok(!held.includes(d), `${next.task} started before ${d} was released`);
            starts.push(next.task);
            running.set(next.task, next.attempt);
            applyEvent(state, f.make('task_started', { task: next.task, agent: 'executor-1', attempt: next.attempt, pid: 1, command: 'true' }));
          });
        }
        for (const [task, attempt] of running) {
          moves.push(() => {
            running.delete(task);
            let outcome: TaskExit['outcome'];
            if (attempt === -1) outcome = 'cancelled';
            else {
              const n = tries.get(task) ?? 0;
              tries.set(task, n + 1);
              const list = w.outcomes.get(task)!;
              outcome = list[Math.min(n, list.length - 1)]!;
            }
            apply(s.exited({ ...exit(task, outcome, attempt === -1 ? 1 : attempt) }));
            if (outcome === 'completed') {
              if (w.holdCommits) held.push(task);
              else apply(s.release(task));
            }
          });
        }
        if (held.length) moves.push(() => apply(s.release(held.shift()!)));
        for (const task of wakes) moves.push(() => {
          wakes.delete(task);
          apply(s.retryDue(task));
        });
        for (const gate of gates) moves.push(() => {
          gates.delete(gate);
          apply(s.gateEnded(gate, w.gateOutcomes.get(gate)!, true));
        });
        if (w.cancelAt === step) {
          const victim = w.p.tasks[step % w.p.tasks.length]!.id;
          moves.push(() => apply(s.cancel(victim, 'by the user') ?? []));
        }
        if (moves.length === 0) {
          const v = s.verdict();
          apply(v.decisions);
          if (v.kind === 'done') return { s, state, starts, outcome: v };
          assert.ok(gates.size > 0, `deadlock: nothing can happen and the scheduler says busy (${[...state.tasks.values()].map((x) => `${x.id}=${x.status}`).join(' ')})`);
          continue;
        }
        moves[pick(moves.length)]!();
      }
      assert.fail('the session did not end within 10,000 steps');
    }

    it('never deadlocks, never starts a task before its dependencies, and always finishes or says why', () => {
      fc.assert(
        fc.property(world, fc.infiniteStream(fc.nat()), (w, stream) => {
          const it = stream[Symbol.iterator]();
          const { s, state, outcome } = simulate(w, (n) => (it.next().value as number) % n);
          assert.ok(outcome.kind === 'done');
          for (const x of w.p.tasks) assert.ok(['completed', 'failed', 'skipped', 'cancelled'].includes(s.statusOf(x.id)!), `${x.id} ended ${s.statusOf(x.id)}`);
          const o = outcome.outcome;
          const allDone = w.p.tasks.every((x) => s.statusOf(x.id) === 'completed');
          assert.equal(o.ok, allDone && o.gatesFailed.length === 0);
          if (!o.ok) assert.ok([...o.failed, ...o.notRun, ...o.gatesFailed].some((id) => o.reason.includes(id)), `the reason names what went wrong: ${o.reason}`);
          else assert.equal(o.reason, 'all tasks completed');
          // The journal the scheduler wrote replays into the statuses it holds.
          for (const x of w.p.tasks) assert.equal(state.tasks.get(x.id)?.status, s.statusOf(x.id), `journal and scheduler agree on ${x.id}`);
        }),
        { numRuns: 300 },
      );
    });

    it('runs no task more often than its retries allow, and no dependent of a task that failed', () => {
      fc.assert(
        fc.property(world, fc.infiniteStream(fc.nat()), (w, stream) => {
          const it = stream[Symbol.iterator]();
          const { s, starts } = simulate({ ...w, cancelAt: undefined }, (n) => (it.next().value as number) % n);
          for (const x of w.p.tasks) {
            const runs = starts.filter((id) => id === x.id).length;
            assert.ok(runs <= x.retries + 1, `${x.id} ran ${runs} times with ${x.retries} retries`);
            if (s.statusOf(x.id) === 'failed') {
              for (const other of w.p.tasks) if (other.dependsOn.includes(x.id)) assert.notEqual(s.statusOf(other.id), 'completed');
            }
          }
        }),
        { numRuns: 200 },
      );
    });
  });
  describe('merges and touches', () => {
    const zero = { files: 0, added: 0, removed: 0 };
    const conflict = (task: string): Extract<EventDraft, { type: 'merge_conflict' }> => ({ type: 'merge_conflict', data: { task, branch: `b/${task}`, files: ['x'], changes: zero } });
    const merged = (task: string): Extract<EventDraft, { type: 'task_merged' }> => ({ type: 'task_merged', data: { task, sha: 'f'.repeat(40), strategy: 'fast-forward', changes: zero } });

    it('a conflict keeps the task held and its dependents waiting; the rest goes on; then it is blocked, and a merge lets the dependents go', () => {
      const s = new Scheduler(plan([t('a'), t('b', ['a']), t('c')]));
      s.begin();
      s.take();
      s.take();
      s.exited(exit('a', 'completed'));
      assert.deepEqual(types(s.awaitUser('a', conflict('a'))), ['merge_conflict:a']);
      assert.equal(s.statusOf('a'), 'needs_merge');
      assert.equal(s.verdict().kind, 'busy', 'c still runs');
      complete(s, 'c');
      const v = s.verdict();
      assert.equal(v.kind, 'blocked');
      assert.deepEqual(v.kind === 'blocked' && v.tasks, ['a']);
      assert.equal(s.statusOf('b'), 'pending');
      assert.deepEqual(types(s.resolving('a', { type: 'merge_resolution', data: { task: 'a', how: 'by_hand' } })), ['merge_resolution:a']);
      assert.equal(s.verdict().kind, 'busy', 'the merge is under way');
      assert.deepEqual(types(s.merged('a', merged('a'))), ['task_merged:a', 'task_queued:b']);
    });

    it('an agent run to resolve a conflict queues the task again, still held; if it fails, the hold ends', () => {
      const s = new Scheduler(plan([t('a'), t('b', ['a'])]));
      s.begin();
      s.take();
      s.exited(exit('a', 'completed'));
      s.awaitUser('a', conflict('a'));
      assert.deepEqual(types(s.rerun('a', { type: 'merge_resolution', data: { task: 'a', how: 'agent' } })), ['merge_resolution:a', 'task_queued:a']);
      assert.deepEqual(s.take(), { task: 'a', attempt: 2 });
      s.exited(exit('a', 'failed', 2));
      assert.deepEqual(s.heldTasks(), []);
      assert.equal(s.statusOf('b'), 'skipped');
    });

    it('a resumed session keeps a task that needs a merge held, and an unmerged completed one too', () => {
      const s = new Scheduler(plan([t('a'), t('b', ['a']), t('c'), t('d', ['c'])]), { status: new Map([['a', 'needs_merge'], ['c', 'completed']]), held: new Set(['c']) });
      assert.deepEqual(types(s.begin()), []);
      assert.deepEqual(s.heldTasks().sort(), ['a', 'c']);
      assert.equal(s.verdict().kind, 'busy', 'c merges first');
      assert.deepEqual(types(s.merged('c', merged('c'))), ['task_merged:c', 'task_queued:d']);
    });

    it('does not take a task whose touches overlap a running one, and takes it once that one ended', () => {
      const s = new Scheduler(plan([{ ...t('a'), touches: ['src/**'] }, { ...t('b'), touches: ['src/api.ts'] }, { ...t('c'), touches: ['docs/**'] }]));
      s.begin();
      assert.equal(s.take()?.task, 'a');
      assert.equal(s.take()?.task, 'c');
      assert.equal(s.take(), undefined);
      complete(s, 'a');
      assert.equal(s.take()?.task, 'b');
    });

    it('tells which globs can name the same path', () => {
      assert.equal(globsOverlap(['src/**'], ['src/api/x.ts']), true);
      assert.equal(globsOverlap(['src/a/**'], ['src/b/**']), false);
      assert.equal(globsOverlap(['src/*.ts'], ['src/a.css']), false);
      assert.equal(globsOverlap(['src/*.ts'], ['src/**/*.css']), true, 'two globs under one folder: assumed to overlap');
      assert.equal(globsOverlap(['./docs/'], ['docs/readme.md']), true);
      assert.equal(globsOverlap(['**/*.md'], ['src/x.ts']), false);
      assert.equal(globsOverlap(['a.txt'], ['b.txt']), false);
    });
  });
});
