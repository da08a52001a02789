import { strict as assert } from 'node:assert';
import type { GateSummary, JournalEvent, TaskSummary } from '../../src/core/session/events';
import { applyEvent, awaitsMerge, countTasks, emptySessionState, replay, resumeRefusal } from '../../src/core/session/state';
import { EventFactory } from './helpers';

const SESSION = 'demo-20250101-100000-abcd';

const task = (id: string, depends_on: string[] = [], kind: 'run' | 'agent' = 'run'): TaskSummary => ({
  id,
  title: `Task ${id}`,
  depends_on,
  kind,
  command: kind === 'run' ? `make ${id}` : 'claude',
  retries: 1,
});
const gate = (id: string, after: string[] = []): GateSummary => ({ id, title: `Gate ${id}`, after, blocking: true });

function started(f: EventFactory, tasks: TaskSummary[], gates: GateSummary[] = []): JournalEvent {
  return f.make('session_started', {
    milestone_id: 'demo',
    milestone_file: '/ws/.milestones/demo.yaml',
    workspace: '/ws',
    title: 'Demo milestone',
    type: 'development',
    complexity: 'medium',
    tasks,
    gates,
    executors: { min: 1, max: 2 },
    on_failure: 'continue',
    pid: 1111,
    host: 'host-a',
  });
}

/** A whole run: a completes, b fails twice (retry), c is cancelled, d is skipped, the gate fails. */
function failedRun(): { f: EventFactory; events: JournalEvent[] } {
  const f = new EventFactory(SESSION);
  const ev: JournalEvent[] = [];
  ev.push(started(f, [task('a'), task('b', ['a'], 'agent'), task('c', ['a']), task('d', ['b', 'c'])], [gate('unit', ['a'])]));
  ev.push(f.make('agent_registered', { agent: 'executor-1', kind: 'executor', startup_ms: 12, subscriptions: ['run_task'] }));
  ev.push(f.make('agent_registered', { agent: 'executor-2', kind: 'executor', startup_ms: 15, subscriptions: ['run_task'] }));
  ev.push(f.make('git_branch_ready', { branch: 'milestone/demo', base_commit: 'abc123', created: true, repository: '/ws' }));
  ev.push(f.advance(1000).make('task_queued', { task: 'a', attempt: 1, priority: 3 }));
  ev.push(f.make('agent_state_changed', { agent: 'executor-1', status: 'busy', current_task: 'a' }));
  ev.push(f.make('task_started', { task: 'a', agent: 'executor-1', attempt: 1, pid: 200, command: 'make a' }));
  ev.push(f.advance(2000).make('task_completed', { task: 'a', agent: 'executor-1', attempt: 1, duration_ms: 2000 }));
  ev.push(f.make('agent_state_changed', { agent: 'executor-1', status: 'idle', current_task: null }));
  ev.push(f.make('auto_commit', { sha: 'def456', files: 3, message: 'demo: Task a [a]', reason: 'task', task: 'a' }));
  ev.push(f.make('task_queued', { task: 'b', attempt: 1, priority: 2 }));
  ev.push(f.make('task_queued', { task: 'c', attempt: 1, priority: 2 }));
  ev.push(f.make('agent_state_changed', { agent: 'executor-2', status: 'busy', current_task: 'b' }));
  ev.push(f.make('task_started', { task: 'b', agent: 'executor-2', attempt: 1, pid: 201, command: 'claude' }));
  ev.push(f.make('quality_gate_started', { gate: 'unit', pid: 300 }));
  ev.push(f.advance(500).make('task_failed', { task: 'b', agent: 'executor-2', attempt: 1, duration_ms: 500, exit_code: 1, signal: null, reason: 'exit', message: 'exit code 1', final: false }));
  ev.push(f.make('task_retrying', { task: 'b', attempt: 2, delay_ms: 1000 }));
  ev.push(f.advance(1000).make('task_started', { task: 'b', agent: 'executor-2', attempt: 2, pid: 202, command: 'claude' }));
  ev.push(f.make('agent_state_changed', { agent: 'executor-1', status: 'busy', current_task: 'c' }));
  ev.push(f.make('task_started', { task: 'c', agent: 'executor-1', attempt: 1, pid: 203, command: 'make c' }));
  ev.push(f.make('progress', { done: 1, failed: 0, skipped: 0, running: 2, total: 4, percent: 25, eta_ms: 4000 }));
  ev.push(f.advance(1500).make('task_failed', { task: 'b', agent: 'executor-2', attempt: 2, duration_ms: 1500, exit_code: 2, signal: null, reason: 'exit', message: 'exit code 2', final: true }));
  ev.push(f.make('agent_state_changed', { agent: 'executor-2', status: 'idle', current_task: null }));
  ev.push(f.make('task_skipped', { task: 'd', because: 'b', reason: 'dependency b failed' }));
  ev.push(f.make('quality_gate_failed', { gate: 'unit', duration_ms: 900, exit_code: 1, blocking: true, message: '2 tests failed' }));
  ev.push(f.advance(500).make('task_cancelled', { task: 'c', reason: 'milestone stopped' }));
  ev.push(f.make('agent_state_changed', { agent: 'executor-1', status: 'idle', current_task: null }));
  ev.push(f.make('alert', { kind: 'stalled_task', message: 'c printed nothing for 5m', task: 'c' }));
  ev.push(f.make('safety_warning', { kind: 'complexity', message: '12 files changed' }));
  ev.push(f.make('milestone_failed', { duration_ms: 6500, failed: ['b'], skipped: ['d'], gates_failed: ['unit'], reason: 'task b failed' }));
  return { f, events: ev };
}

describe('session/state', () => {
  it('starts empty', () => {
    const s = emptySessionState(SESSION);
    assert.equal(s.id, SESSION);
    assert.equal(s.status, 'starting');
    assert.equal(s.lastSeq, 0);
    assert.deepEqual(countTasks(s), { total: 0, completed: 0, failed: 0, skipped: 0, cancelled: 0, running: 0, pending: 0 });
  });

  it('resumeRefusal: a failed run can be resumed, a completed one or one that never started cannot', () => {
    const failed = replay(SESSION, failedRun().events);
    assert.equal(resumeRefusal(failed), undefined);
    assert.equal(resumeRefusal(emptySessionState(SESSION)), 'never_started');
    assert.equal(resumeRefusal({ ...failed, status: 'completed' }), 'completed');
  });

  describe('replay of a failed run', () => {
    const { events } = failedRun();
    const s = replay(SESSION, events);
    const t0 = Date.parse('2025-01-01T10:00:00.000Z');
    const at = (ms: number): string => new Date(t0 + ms).toISOString();

    it('takes the session facts from session_started', () => {
      assert.equal(s.milestoneId, 'demo');
      assert.equal(s.milestoneFile, '/ws/.milestones/demo.yaml');
      assert.equal(s.workspace, '/ws');
      assert.equal(s.title, 'Demo milestone');
      assert.equal(s.type, 'development');
      assert.equal(s.pid, 1111);
      assert.equal(s.startedAt, at(0));
      assert.deepEqual(s.taskOrder, ['a', 'b', 'c', 'd']);
    });

    it('ends failed, with the reason, the last seq and the time of the last event', () => {
      assert.equal(s.status, 'failed');
      assert.deepEqual(s.result, { ok: false, reason: 'task b failed' });
      assert.equal(s.endedAt, at(6500));
      assert.equal(s.lastSeq, events.length);
      assert.equal(s.lastEventAt, at(6500));
    });

    it('records a completed task', () => {
      assert.deepEqual(s.tasks.get('a'), {
        id: 'a', title: 'Task a', dependsOn: [], kind: 'run', command: 'make a', status: 'completed', attempts: 1, agent: 'executor-1', pid: null,
        startedAt: at(1000), endedAt: at(3000), durationMs: 2000, exitCode: 0, message: null, blockedBy: null, isolation: 'shared', review: false, worktree: null, merge: null, agentRun: null,
      });
    });

    it('records a task that failed after a retry', () => {
      const b = s.tasks.get('b')!;
      assert.equal(b.status, 'failed');
      assert.equal(b.attempts, 2);
      assert.equal(b.exitCode, 2);
      assert.equal(b.message, 'exit code 2');
      assert.equal(b.durationMs, 1500);
      assert.equal(b.startedAt, at(4500));
      assert.equal(b.endedAt, at(6000));
      assert.equal(b.kind, 'agent');
    });

    it('records cancelled and skipped tasks', () => {
      const c = s.tasks.get('c')!;
      assert.equal(c.status, 'cancelled');
      assert.equal(c.message, 'milestone stopped');
      assert.equal(c.pid, null);
      assert.equal(c.endedAt, at(6500));
      const d = s.tasks.get('d')!;
      assert.equal(d.status, 'skipped');
      assert.equal(d.blockedBy, 'b');
      assert.equal(d.message, 'dependency b failed');
    });

    it('counts tasks by status', () => {
      assert.deepEqual(countTasks(s), { total: 4, completed: 1, failed: 1, skipped: 1, cancelled: 1, running: 0, pending: 0 });
    });

    it('adds up the busy time, completed tasks and errors of each agent', () => {
      const e1 = s.agents.get('executor-1')!;
      // Busy 1000..3000 with a, then 4500..6500 with c.
      assert.equal(e1.busyMs, 4000);
      assert.equal(e1.workDone, 1);
      assert.equal(e1.errors, 0);
      // Agents end with their session.
      assert.equal(e1.status, 'terminated');
      assert.equal(e1.terminatedAt, at(6500));
      assert.equal(e1.currentTask, null);
      const e2 = s.agents.get('executor-2')!;
      // Busy from 3000 until 6000: the failure and retry do not interrupt it.
      assert.equal(e2.busyMs, 3000);
      assert.equal(e2.errors, 2);
      assert.equal(e2.workDone, 0);
      assert.equal(e2.registeredAt, at(0));
      assert.equal(e2.status, 'terminated');
    });

    it('keeps gates, git facts, commits, progress, alerts and warnings', () => {
      assert.deepEqual(s.gates.get('unit'), { id: 'unit', title: 'Gate unit', after: ['a'], blocking: true, status: 'failed', durationMs: 900, message: '2 tests failed' });
      assert.equal(s.branch, 'milestone/demo');
      assert.equal(s.baseCommit, 'abc123');
      assert.deepEqual(s.commits, [{ sha: 'def456', message: 'demo: Task a [a]', files: 3, task: 'a' }]);
      assert.deepEqual(s.progress, { done: 1, failed: 0, skipped: 0, running: 2, total: 4, percent: 25, eta_ms: 4000 });
      assert.deepEqual(s.alerts, [{ kind: 'stalled_task', message: 'c printed nothing for 5m', task: 'c', at: at(6500) }]);
      assert.deepEqual(s.warnings, [{ kind: 'complexity', message: '12 files changed', at: at(6500) }]);
    });

    it('gives the same state when the events are applied one by one', () => {
      const one = emptySessionState(SESSION);
      for (const e of events) applyEvent(one, e);
      assert.deepEqual(one, s);
    });
  });

  describe('intermediate states', () => {
    it('shows queued, running and retrying tasks, counted as running or pending', () => {
      const { events } = failedRun();
      // Up to and including the first failure of b (not final).
      const upTo = events.findIndex((e) => e.type === 'task_failed');
      const s = replay(SESSION, events.slice(0, upTo + 1));
      assert.equal(s.status, 'running');
      assert.equal(s.tasks.get('b')!.status, 'retrying');
      assert.equal(s.tasks.get('b')!.exitCode, 1);
      assert.equal(s.tasks.get('c')!.status, 'queued');
      assert.equal(s.tasks.get('d')!.status, 'pending');
      assert.equal(s.gates.get('unit')!.status, 'running');
      assert.deepEqual(countTasks(s), { total: 4, completed: 1, failed: 0, skipped: 0, cancelled: 0, running: 0, pending: 3 });
      const running = replay(SESSION, events.slice(0, events.findIndex((e) => e.type === 'task_started' && e.data.task === 'b') + 1));
      assert.equal(running.tasks.get('b')!.status, 'running');
      assert.equal(running.tasks.get('b')!.pid, 201);
      assert.equal(countTasks(running).running, 1);
    });
  });

  describe('pause, resume and interruption', () => {
    it('pauses and resumes by user', () => {
      const f = new EventFactory(SESSION);
      const s = replay(SESSION, [
        started(f, [task('a')]),
        f.make('session_paused', { reason: 'git conflict in src/x.ts', by: 'git_conflict' }),
      ]);
      assert.equal(s.status, 'paused');
      assert.equal(s.pauseReason, 'git conflict in src/x.ts');
      applyEvent(s, f.make('session_resumed', { by: 'user', pid: 1111, requeued: [], reset: [] }));
      assert.equal(s.status, 'running');
      assert.equal(s.pauseReason, null);
    });

    it('an interruption ends the session and terminates its agents', () => {
      const f = new EventFactory(SESSION);
      const s = replay(SESSION, [
        started(f, [task('a')]),
        f.make('agent_registered', { agent: 'executor-1', kind: 'executor', startup_ms: 5, subscriptions: [] }),
        f.advance(100).make('session_interrupted', { reason: 'signal', detail: 'SIGTERM received' }),
      ]);
      assert.equal(s.status, 'interrupted');
      assert.deepEqual(s.result, { ok: false, reason: 'SIGTERM received' });
      assert.equal(s.endedAt, f.at());
      assert.equal(s.agents.get('executor-1')!.status, 'terminated');
      const plain = replay(SESSION, [started(new EventFactory(SESSION), [task('a')])]);
      applyEvent(plain, { ...f.make('session_interrupted', { reason: 'stopped' }), seq: 2 });
      assert.deepEqual(plain.result, { ok: false, reason: 'stopped' });
    });

    it('a recovery re-defines the tasks and keeps the completed ones completed', () => {
      const f = new EventFactory(SESSION);
      const events: JournalEvent[] = [
        started(f, [task('a'), task('b', ['a']), task('d', ['a'])], [gate('lint'), gate('unit')]),
        f.make('agent_registered', { agent: 'executor-1', kind: 'executor', startup_ms: 5, subscriptions: [] }),
        f.make('task_started', { task: 'a', agent: 'executor-1', attempt: 1, pid: 10, command: 'make a' }),
        f.advance(1000).make('task_completed', { task: 'a', agent: 'executor-1', attempt: 1, duration_ms: 1000 }),
        f.make('quality_gate_passed', { gate: 'lint', duration_ms: 300 }),
        f.make('quality_gate_failed', { gate: 'unit', duration_ms: 200, exit_code: 1, blocking: true, message: 'failed' }),
        f.make('task_started', { task: 'b', agent: 'executor-1', attempt: 1, pid: 11, command: 'make b' }),
        f.make('session_interrupted', { reason: 'signal' }),
        f.advance(5000).make('session_resumed', {
          by: 'recovery',
          pid: 2222,
          requeued: ['b'],
          reset: [],
          tasks: [{ ...task('a'), title: 'Renamed a' }, task('b', ['a']), task('e', ['b'])],
          gates: [gate('lint'), gate('unit')],
          torn_line: 9,
        }),
      ];
      const s = replay(SESSION, events);
      assert.equal(s.status, 'running');
      assert.equal(s.pid, 2222);
      assert.equal(s.result, null);
      assert.equal(s.endedAt, null);
      assert.deepEqual(s.taskOrder, ['a', 'b', 'e']);
      assert.deepEqual([...s.tasks.keys()], ['a', 'b', 'e']);
      const a = s.tasks.get('a')!;
      assert.equal(a.status, 'completed');
      assert.equal(a.title, 'Renamed a');
      assert.equal(a.durationMs, 1000);
      const b = s.tasks.get('b')!;
      assert.equal(b.status, 'pending');
      assert.equal(b.pid, null);
      assert.equal(b.agent, null);
      assert.equal(b.attempts, 1, 'the attempt count survives a requeue');
      assert.equal(s.tasks.get('e')!.status, 'pending');
      assert.equal(s.tasks.has('d'), false);
      assert.equal(s.gates.get('lint')!.status, 'passed');
      assert.equal(s.gates.get('lint')!.durationMs, 300);
      assert.deepEqual(s.gates.get('unit'), { ...gate('unit'), status: 'pending', durationMs: null, message: null });
      assert.equal(s.agents.get('executor-1')!.status, 'terminated');
      assert.deepEqual(countTasks(s), { total: 3, completed: 1, failed: 0, skipped: 0, cancelled: 0, running: 0, pending: 2 });
    });

    it('a recovery without a task list resets the requeued and reset tasks in place', () => {
      const f = new EventFactory(SESSION);
      const s = replay(SESSION, [
        started(f, [task('a'), task('b', ['a'])]),
        f.make('task_started', { task: 'a', agent: 'x', attempt: 1, pid: 1, command: 'make a' }),
        f.make('task_failed', { task: 'a', agent: 'x', attempt: 1, duration_ms: 5, exit_code: 1, signal: null, reason: 'exit', message: 'boom', final: true }),
        f.make('task_skipped', { task: 'b', because: 'a', reason: 'a failed' }),
        f.make('milestone_failed', { duration_ms: 5, failed: ['a'], skipped: ['b'], gates_failed: [], reason: 'task a failed' }),
        f.make('session_resumed', { by: 'recovery', pid: 3, requeued: [], reset: ['a', 'b'] }),
      ]);
      assert.equal(s.status, 'running');
      assert.deepEqual(countTasks(s), { total: 2, completed: 0, failed: 0, skipped: 0, cancelled: 0, running: 0, pending: 2 });
      assert.equal(s.tasks.get('a')!.message, null);
      assert.equal(s.tasks.get('b')!.blockedBy, null);
    });
  });

  describe('worktrees and merges', () => {
    it('follows a task through its worktree, a conflict, its resolution, the merge and the cleanup', () => {
      const f = new EventFactory(SESSION);
      const changes = { files: 2, added: 10, removed: 1 };
      const s = replay(SESSION, [
        started(f, [{ ...task('a', [], 'agent'), isolation: 'worktree' }]),
        f.make('git_branch_ready', { branch: 'milestone/demo', base_commit: 'b'.repeat(40), created: true, repository: '/ws', worktree: '/wt/integration' }),
        f.make('worktree_created', { task: 'a', path: '/wt/a', branch: 'milestone/demo-tasks/a', base: 'b'.repeat(40), reused: false, port: 4100, duration_ms: 30 }),
        f.make('task_completed', { task: 'a', agent: 'executor-1', attempt: 1, duration_ms: 5 }),
      ]);
      const a = s.tasks.get('a')!;
      assert.equal(a.isolation, 'worktree');
      assert.deepEqual(s.integration, { path: '/wt/integration', removed: false });
      assert.deepEqual(a.worktree, { path: '/wt/a', branch: 'milestone/demo-tasks/a', base: 'b'.repeat(40), port: 4100, removed: false });
      assert.equal(awaitsMerge(a), true, 'completed, not merged yet');
      applyEvent(s, f.make('merge_conflict', { task: 'a', branch: 'milestone/demo-tasks/a', files: ['x.ts'], changes }));
      assert.equal(a.status, 'needs_merge');
      assert.deepEqual(a.merge, { state: 'conflict', changes, files: ['x.ts'], sha: null, ref: null });
      assert.deepEqual(countTasks(s).pending, 1, 'a task that needs a merge is not done');
      applyEvent(s, f.make('merge_resolution', { task: 'a', how: 'by_hand' }));
      assert.equal(a.status, 'completed');
      assert.equal(awaitsMerge(a), true, 'resolved, still to merge');
      applyEvent(s, f.make('task_merged', { task: 'a', sha: 'c'.repeat(40), strategy: 'merge', changes }));
      applyEvent(s, f.make('worktree_removed', { task: 'a', path: '/wt/a', branch: 'milestone/demo-tasks/a' }));
      applyEvent(s, f.make('worktree_removed', { task: null, path: '/wt/integration', branch: 'milestone/demo' }));
      assert.deepEqual([a.status, a.merge?.state, a.merge?.sha, a.merge?.files, a.worktree?.removed, s.integration?.removed], ['completed', 'merged', 'c'.repeat(40), [], true, true]);
      assert.equal(awaitsMerge(a), false);
    });

    it('a review waits for the user; a discard keeps the ref', () => {
      const f = new EventFactory(SESSION);
      const changes = { files: 1, added: 1, removed: 0 };
      const s = replay(SESSION, [started(f, [task('r')]), f.make('review_requested', { task: 'r', branch: 'b', changes })]);
      assert.equal(s.tasks.get('r')!.status, 'in_review');
      applyEvent(s, f.make('merge_discarded', { task: 'r', ref: 'refs/milestones/demo/discarded/r', sha: 'd'.repeat(40) }));
      assert.deepEqual([s.tasks.get('r')!.status, s.tasks.get('r')!.merge?.ref], ['completed', 'refs/milestones/demo/discarded/r']);
    });
  });

  describe('single events', () => {
    it('task_reset puts a skipped task back to pending', () => {
      const f = new EventFactory(SESSION);
      const s = replay(SESSION, [started(f, [task('a'), task('b', ['a'])]), f.make('task_skipped', { task: 'b', because: 'a', reason: 'a failed' })]);
      applyEvent(s, f.make('task_reset', { task: 'b', reason: 'a is retried' }));
      const b = s.tasks.get('b')!;
      assert.equal(b.status, 'pending');
      assert.equal(b.blockedBy, null);
      assert.equal(b.message, null);
    });

    it('task_queued clears what a skip left', () => {
      const f = new EventFactory(SESSION);
      const s = replay(SESSION, [started(f, [task('a')]), f.make('task_skipped', { task: 'a', because: 'x', reason: 'r' }), f.make('task_queued', { task: 'a', attempt: 1, priority: 1 })]);
      assert.equal(s.tasks.get('a')!.status, 'queued');
      assert.equal(s.tasks.get('a')!.blockedBy, null);
    });

    it('a crashed agent counts an error and its busy time; a recovered one a restart, keeping its counts', () => {
      const f = new EventFactory(SESSION);
      const s = replay(SESSION, [
        started(f, [task('a')]),
        f.make('agent_registered', { agent: 'executor-1', kind: 'executor', startup_ms: 5, subscriptions: [] }),
        f.make('agent_state_changed', { agent: 'executor-1', status: 'busy', current_task: 'a' }),
        f.advance(700).make('agent_terminated', { agent: 'executor-1', reason: 'crashed', detail: 'exit 137' }),
      ]);
      const a = s.agents.get('executor-1')!;
      assert.equal(a.status, 'terminated');
      assert.equal(a.busyMs, 700);
      assert.equal(a.errors, 1);
      assert.equal(a.currentTask, null);
      assert.equal(a.terminatedAt, f.at());
      applyEvent(s, f.make('agent_recovered', { agent: 'executor-1', kind: 'executor', requeued: ['a'], recovery_ms: 40 }));
      applyEvent(s, f.advance(10).make('agent_registered', { agent: 'executor-1', kind: 'executor', startup_ms: 6, subscriptions: [] }));
      const again = s.agents.get('executor-1')!;
      assert.deepEqual(
        { status: again.status, errors: again.errors, busyMs: again.busyMs, restarts: again.restarts, terminatedAt: again.terminatedAt, registeredAt: again.registeredAt },
        { status: 'idle', errors: 1, busyMs: 700, restarts: 1, terminatedAt: null, registeredAt: f.at() },
      );
    });

    it('a scaled-down agent is not counted as an error', () => {
      const f = new EventFactory(SESSION);
      const s = replay(SESSION, [
        started(f, [task('a')]),
        f.make('agent_registered', { agent: 'executor-2', kind: 'executor', startup_ms: 5, subscriptions: [] }),
        f.make('agent_terminated', { agent: 'executor-2', reason: 'scaled_down' }),
      ]);
      assert.equal(s.agents.get('executor-2')!.errors, 0);
      assert.equal(s.agents.get('executor-2')!.status, 'terminated');
    });

    it('dependency_issues replaces the issue list', () => {
      const f = new EventFactory(SESSION);
      const issue = { file: '/ws/.milestones/demo.yaml', range: { start: { line: 1, character: 0 }, end: { line: 1, character: 4 } }, severity: 'error' as const, code: 'tool-missing' as const, message: 'no node' };
      const s = replay(SESSION, [started(f, [task('a')]), f.make('dependency_issues', { source: 'tool_check', critical: true, issues: [issue] })]);
      assert.deepEqual(s.issues, [issue]);
      applyEvent(s, f.make('dependency_issues', { source: 'file_changed', critical: false, issues: [] }));
      assert.deepEqual(s.issues, []);
    });

    it('milestone_completed ends the session successfully and ends its agents, counting busy time', () => {
      const f = new EventFactory(SESSION);
      const s = replay(SESSION, [
        started(f, [task('a')]),
        f.make('agent_registered', { agent: 'executor-1', kind: 'executor', startup_ms: 5, subscriptions: [] }),
        f.make('agent_registered', { agent: 'monitor', kind: 'monitor', startup_ms: 5, subscriptions: [] }),
        f.advance(20).make('agent_state_changed', { agent: 'executor-1', status: 'busy', current_task: 'a' }),
        f.advance(30).make('milestone_completed', { duration_ms: 50, tasks: 1 }),
      ]);
      assert.equal(s.status, 'completed');
      assert.deepEqual(s.result, { ok: true, reason: 'all tasks completed' });
      assert.equal(s.endedAt, f.at());
      const e = s.agents.get('executor-1')!;
      assert.deepEqual({ status: e.status, busyMs: e.busyMs, terminatedAt: e.terminatedAt, currentTask: e.currentTask }, { status: 'terminated', busyMs: 30, terminatedAt: f.at(), currentTask: null });
      assert.equal(s.agents.get('monitor')!.status, 'terminated');
      assert.equal(s.agents.get('monitor')!.busyMs, 0);
    });

    it('ignores events about unknown tasks, agents and gates', () => {
      const f = new EventFactory(SESSION);
      const s = replay(SESSION, [
        started(f, [task('a')]),
        f.make('task_started', { task: 'ghost', agent: 'nobody', attempt: 1, pid: 1, command: 'x' }),
        f.make('task_completed', { task: 'ghost', agent: 'nobody', attempt: 1, duration_ms: 1 }),
        f.make('agent_state_changed', { agent: 'nobody', status: 'busy', current_task: 'ghost' }),
        f.make('quality_gate_passed', { gate: 'nope', duration_ms: 1 }),
      ]);
      assert.deepEqual([...s.tasks.keys()], ['a']);
      assert.equal(s.agents.size, 0);
      assert.equal(s.gates.size, 0);
      assert.equal(s.lastSeq, 5);
    });
  });
});
