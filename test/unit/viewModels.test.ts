import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { EventData, EventType, JournalEvent } from '../../src/core/session/events';
import { applyNewEvents, emptySessionState, replay, type SessionStatus } from '../../src/core/session/state';
import { JournalTail } from '../../src/core/session/tail';
import { canTakeBranch, children, sessionNode, type TreeNode } from '../../src/extension/model/treeModel';
import { isFromWebview, isToWebview } from '../../src/shared/dashboardProtocol';
import { RunLog, toDashboardModel } from '../../src/shared/dashboardModel';
import { changesText, isInterrupted, livenessOf, mergeStateText, shownStatus, taskStatusLabel, type Liveness } from '../../src/shared/presentation';
import { TempDirs } from './helpers';

const SESSION = 'demo-20261125-120000-abcd';
let seq = 0;
const T0 = Date.parse('2026-11-25T12:00:00.000Z');
function ev<K extends EventType>(type: K, data: EventData[K], atMs = seq * 100): JournalEvent {
  seq++;
  return { seq, timestamp: new Date(T0 + atMs).toISOString(), type, data, session: SESSION } as JournalEvent;
}

/** A small run: two executors, a diamond a → (b, c) → d where c fails and d is skipped. */
function run(): JournalEvent[] {
  seq = 0;
  const task = (id: string, deps: string[] = []) => ({ id, title: `Task ${id}`, depends_on: deps, kind: 'run' as const, command: `echo ${id}`, retries: 0 });
  return [
    ev('session_started', { milestone_id: 'demo', milestone_file: '/w/.milestones/demo.yaml', workspace: '/w', title: 'Demo', type: 'development', complexity: 'medium', tasks: [task('a'), task('b', ['a']), task('c', ['a']), task('d', ['b', 'c'])], gates: [{ id: 'unit', title: 'unit', after: [], blocking: true }], executors: { min: 1, max: 2 }, on_failure: 'continue', pid: 1, host: 'h' }, 0),
    ev('agent_registered', { agent: 'executor-1', kind: 'executor', startup_ms: 50, subscriptions: [] }, 10),
    ev('agent_registered', { agent: 'monitor', kind: 'monitor', startup_ms: 50, subscriptions: [] }, 11),
    ev('agent_registered', { agent: 'executor-2', kind: 'executor', startup_ms: 60, subscriptions: [] }, 12),
    ev('git_branch_ready', { branch: 'milestone/demo', base_commit: 'abc', created: true, repository: '/w' }, 15),
    ev('task_queued', { task: 'a', attempt: 1, priority: 3 }, 20),
    ev('agent_state_changed', { agent: 'executor-1', status: 'busy', current_task: 'a' }, 20),
    ev('task_started', { task: 'a', agent: 'executor-1', attempt: 1, pid: 10, command: 'echo a' }, 25),
    ev('task_completed', { task: 'a', agent: 'executor-1', attempt: 1, duration_ms: 1000 }, 1025),
    ev('agent_state_changed', { agent: 'executor-1', status: 'idle', current_task: null }, 1025),
    ev('agent_state_changed', { agent: 'executor-1', status: 'busy', current_task: 'b' }, 1030),
    ev('task_started', { task: 'b', agent: 'executor-1', attempt: 1, pid: 11, command: 'echo b' }, 1030),
    ev('task_started', { task: 'c', agent: 'executor-2', attempt: 1, pid: 12, command: 'echo c' }, 1030),
    ev('agent_state_changed', { agent: 'executor-2', status: 'busy', current_task: 'c' }, 1030),
    ev('task_failed', { task: 'c', agent: 'executor-2', attempt: 1, duration_ms: 500, exit_code: 2, signal: null, reason: 'exit', message: 'exit code 2', final: true }, 1530),
    ev('task_skipped', { task: 'd', because: 'c', reason: 'depends on "c", which failed' }, 1531),
    ev('alert', { kind: 'stalled_task', task: 'b', message: 'Task b has printed nothing for 300s' }, 1600),
    ev('auto_commit', { sha: 'f00', files: 1, message: 'demo: Task a [a]', reason: 'task', task: 'a' }, 1700),
  ];
}


/**
 * Isolated tasks: "left" merged, "right" conflicts in shared.txt, "after" (shared, after
 * right) waits, "check" (review: true) waits for review; the session stopped for the user.
 */
function isolatedRun(): JournalEvent[] {
  seq = 0;
  const task = (id: string, kind: 'run' | 'agent', deps: string[] = [], extra: { review?: boolean; isolation?: 'worktree' | 'shared' } = {}) => ({ id, title: id, depends_on: deps, kind, command: kind === 'agent' ? 'fake' : `echo ${id}`, retries: 0, isolation: extra.isolation ?? (kind === 'agent' ? 'worktree' as const : 'shared' as const), ...(extra.review ? { review: true } : {}) });
  const wt = (t: string) => ({ task: t, path: `/wt/${t}`, branch: `milestone/iso-tasks/${t}`, base: 'b0', reused: false, port: null, duration_ms: 30 });
  const changes = { files: 2, added: 5, removed: 1 };
  return [
    ev('session_started', { milestone_id: 'iso', milestone_file: '/w/.milestones/iso.yaml', workspace: '/w', title: 'Iso', type: 'development', complexity: 'medium', tasks: [task('left', 'agent'), task('right', 'agent'), task('after', 'run', ['right']), task('check', 'agent', [], { review: true })], gates: [], executors: { min: 1, max: 2 }, on_failure: 'continue', pid: 1, host: 'h' }, 0),
    ev('git_branch_ready', { branch: 'milestone/iso', base_commit: 'b0', created: true, repository: '/w', worktree: '/wt/integration' }, 5),
    ev('worktree_created', { task: null, path: '/wt/integration', branch: 'milestone/iso', base: 'b0', reused: false, port: null, duration_ms: 20 }, 6),
    ev('worktree_created', wt('left'), 10),
    ev('worktree_created', wt('right'), 11),
    ev('worktree_created', wt('check'), 12),
    ev('task_started', { task: 'left', agent: 'executor-1', attempt: 1, pid: 10, command: 'fake' }, 20),
    ev('task_started', { task: 'right', agent: 'executor-2', attempt: 1, pid: 11, command: 'fake' }, 20),
    ev('task_completed', { task: 'left', agent: 'executor-1', attempt: 1, duration_ms: 500 }, 520),
    ev('task_merged', { task: 'left', sha: 'a'.repeat(40), strategy: 'fast-forward', changes: { files: 1, added: 1, removed: 1 } }, 530),
    ev('worktree_removed', { task: 'left', path: '/wt/left', branch: 'milestone/iso-tasks/left' }, 540),
    ev('task_completed', { task: 'right', agent: 'executor-2', attempt: 1, duration_ms: 900 }, 920),
    ev('merge_conflict', { task: 'right', branch: 'milestone/iso-tasks/right', files: ['shared.txt', 'docs/notes.md'], changes }, 930),
    ev('task_started', { task: 'check', agent: 'executor-1', attempt: 1, pid: 12, command: 'fake' }, 940),
    ev('task_completed', { task: 'check', agent: 'executor-1', attempt: 1, duration_ms: 100 }, 1040),
    ev('review_requested', { task: 'check', branch: 'milestone/iso-tasks/check', changes: { files: 1, added: 3, removed: 0 } }, 1050),
    ev('session_interrupted', { reason: 'needs_merge', detail: 'a task needs a merge' }, 1100),
  ];
}

describe('view models', () => {
  describe('Agents tree model', () => {
    it('puts a session at the root with status, counts and percent, and read-only when another process runs it', () => {
      const s = replay(SESSION, run());
      const [root] = children([{ state: s, liveness: 'elsewhere' }]);
      assert.ok(root && root.kind === 'session');
      assert.equal(root.label, 'Demo');
      assert.equal(root.description, 'running (read-only: run by another process) · 1/4 · 25% · milestone/demo');
      assert.match(root.tooltip, /Tasks: 1 completed, 1 failed, 1 not run, 1 running, of 4/);
      assert.match(root.tooltip, /Branch: milestone\/demo \(1 commit\)/);
      assert.equal(sessionNode(s, 'none').status, 'interrupted', 'running in the journal with nobody running it means interrupted');
    });

    it('lists agents (executors first) and a Tasks group under the session', () => {
      const s = replay(SESSION, run());
      const [root] = children([{ state: s, liveness: 'here' }]);
      const kids = children([{ state: s, liveness: 'here' }], root);
      assert.deepEqual(kids.map((k) => `${k.kind}:${k.label}`), ['agent:executor-1', 'agent:executor-2', 'agent:monitor', 'group:Tasks']);
      const ex1 = kids[0] as Extract<TreeNode, { kind: 'agent' }>;
      assert.equal(ex1.description, 'running b');
      assert.match(ex1.tooltip, /Work done: 1 tasks/);
      const ex2 = kids[1] as Extract<TreeNode, { kind: 'agent' }>;
      assert.match(ex2.tooltip, /Errors: 1/);
      assert.equal((kids[3] as Extract<TreeNode, { kind: 'group' }>).description, '1/4 completed · 1 failed · 1 running');
    });

    it('shows the running tasks of a session whose process died as interrupted, and its agents as gone', () => {
      const s = replay(SESSION, run());
      const entry = [{ state: s, liveness: 'none' as const }];
      const kids = children(entry, children(entry)[0]);
      assert.deepEqual(kids.filter((k) => k.kind === 'agent').map((k) => k.description), ['terminated', 'terminated', 'terminated']);
      const tasks = children(entry, kids.find((k) => k.kind === 'group')) as Extract<TreeNode, { kind: 'task' }>[];
      assert.deepEqual(tasks.map((t) => t.status), ['completed', 'interrupted', 'failed', 'skipped']);
      assert.equal(tasks[1]!.description, 'interrupted');
      const elsewhere = [{ state: s, liveness: 'elsewhere' as const }];
      const watched = children(elsewhere, children(elsewhere, children(elsewhere)[0]).find((k) => k.kind === 'group')) as Extract<TreeNode, { kind: 'task' }>[];
      assert.equal(watched[1]!.status, 'running', 'a session another process runs is shown as it runs');
    });

    it('shows a paused session whose process died as interrupted, as the CLI does, and a paused live one as paused', () => {
      const events = run();
      events.push(ev('session_paused', { reason: 'paused from VS Code', by: 'user' }, 1800));
      const s = replay(SESSION, events);
      assert.equal(s.status, 'paused');
      const dead = [{ state: s, liveness: 'none' as const }];
      const [root] = children(dead);
      assert.ok(root && root.kind === 'session');
      assert.equal(root.status, 'interrupted');
      assert.match(root.description, /^interrupted · 1\/4/);
      const kids = children(dead, root);
      assert.deepEqual(kids.filter((k) => k.kind === 'agent').map((k) => k.description), ['terminated', 'terminated', 'terminated']);
      const tasks = children(dead, kids.find((k) => k.kind === 'group')) as Extract<TreeNode, { kind: 'task' }>[];
      assert.equal(tasks[1]!.status, 'interrupted');
      for (const liveness of ['here', 'elsewhere'] as const) assert.equal(sessionNode(s, liveness).status, 'paused', liveness);
    });

    it('gives tasks a status, duration, blocked-by, and a contextValue for the inline actions', () => {
      const s = replay(SESSION, run());
      const entry = [{ state: s, liveness: 'here' as const }];
      const group = children(entry, children(entry)[0]).find((k) => k.kind === 'group')!;
      const tasks = children(entry, group) as Extract<TreeNode, { kind: 'task' }>[];
      assert.deepEqual(tasks.map((t) => t.contextValue), ['task.completed.live', 'task.running.live', 'task.failed.live', 'task.skipped.live']);
      assert.equal(tasks[0]!.label, 'a — Task a');
      assert.equal(tasks[0]!.description, 'completed · 1.0s');
      assert.equal(tasks[3]!.description, 'skipped · blocked by c');
      assert.match(tasks[2]!.tooltip, /Last: exit code 2/);
      const watched = children([{ state: s, liveness: 'elsewhere' }], group) as Extract<TreeNode, { kind: 'task' }>[];
      assert.equal(watched[1]!.contextValue, 'task.running', 'no live actions on a session run elsewhere');
    });

    it('lists under an executor the tasks it ran', () => {
      const s = replay(SESSION, run());
      const entry = [{ state: s, liveness: 'here' as const }];
      const ex2 = children(entry, children(entry)[0]).find((k) => k.kind === 'agent' && k.agentId === 'executor-2')!;
      assert.deepEqual(children(entry, ex2).map((t) => (t.kind === 'task' ? t.taskId : '')), ['c']);
    });
  });

  describe('dashboard model', () => {
    it('derives progress, agents, the graph, the timeline lanes, gates and alerts from the events', () => {
      const events = run();
      const s = replay(SESSION, events);
      const runs = new RunLog();
      for (const e of events) runs.add(e);
      const m = toDashboardModel(s, runs.runs, T0 + 2000);
      assert.deepEqual(m.progress, { done: 1, failed: 1, skipped: 1, running: 1, total: 4, percent: 25, etaMs: null });
      assert.deepEqual(m.agents.map((a) => a.id), ['executor-1', 'executor-2', 'monitor']);
      assert.deepEqual(m.graph.edges, [{ from: 'a', to: 'b' }, { from: 'a', to: 'c' }, { from: 'b', to: 'd' }, { from: 'c', to: 'd' }]);
      assert.deepEqual(m.graph.nodes.map((n) => n.status), ['completed', 'running', 'failed', 'skipped']);
      assert.deepEqual(
        m.timeline.lanes.map((l) => [l.agent, l.runs.map((r) => `${r.task}:${r.status}:${r.end - r.start}`)]),
        [['executor-1', ['a:completed:1000', 'b:running:970']], ['executor-2', ['c:failed:500']]],
      );
      assert.deepEqual(m.gates, [{ id: 'unit', status: 'pending', blocking: true, message: null }]);
      assert.equal(m.alerts[0]?.kind, 'stalled_task');
      assert.equal(m.branch, 'milestone/demo');
      assert.equal(m.commits, 1);
    });

    it('ends runs cut short by an interruption at the interruption', () => {
      const events = run();
      events.push(ev('session_interrupted', { reason: 'signal' }, 1800));
      const runs = new RunLog();
      for (const e of events) runs.add(e);
      const b = runs.runs.find((r) => r.task === 'b')!;
      assert.equal(b.status, 'cancelled');
      assert.equal(b.end, T0 + 1800);
    });

    it('draws a session whose process died as stopped at its last event, not as still running', () => {
      const events = run();
      const s = replay(SESSION, events);
      const runs = new RunLog();
      for (const e of events) runs.add(e);
      const last = Date.parse(events[events.length - 1]!.timestamp);
      const m = toDashboardModel(s, runs.runs, last + 60_000, true);
      assert.equal(m.graph.nodes.find((n) => n.id === 'b')?.status, 'interrupted');
      assert.deepEqual([...new Set(m.agents.map((a) => a.status))], ['terminated']);
      assert.equal(m.progress.running, 0);
      assert.equal(m.progress.etaMs, 0);
      assert.equal(m.timeline.end, last, 'the timeline stops at the last event');
      const b = m.timeline.lanes.flatMap((l) => l.runs).find((r) => r.task === 'b');
      assert.deepEqual([b?.status, b?.end], ['cancelled', last]);
      assert.equal(m.status, 'interrupted');
      const live = toDashboardModel(s, runs.runs, last + 60_000);
      assert.equal(live.graph.nodes.find((n) => n.id === 'b')?.status, 'running', 'a live session is drawn as it runs');
      assert.equal(live.status, 'running');
    });
  });

  describe('the interrupted and liveness rules (shared/presentation)', () => {
    it('calls a session interrupted when its journal says so, or says it has not ended and nobody runs it', () => {
      const statuses: SessionStatus[] = ['starting', 'running', 'paused', 'completed', 'failed', 'interrupted'];
      const shown = (liveness: Liveness): string[] => statuses.map((st) => `${st}:${String(isInterrupted(st, liveness))}:${shownStatus(st, liveness)}`);
      assert.deepEqual(shown('none'), ['starting:true:interrupted', 'running:true:interrupted', 'paused:true:interrupted', 'completed:false:completed', 'failed:false:failed', 'interrupted:true:interrupted']);
      for (const liveness of ['here', 'elsewhere'] as const) {
        assert.deepEqual(shown(liveness), ['starting:false:starting', 'running:false:running', 'paused:false:paused', 'completed:false:completed', 'failed:false:failed', 'interrupted:true:interrupted'], liveness);
      }
    });

    it('derives liveness from the session entry: a coordinator here, else a live process elsewhere, else none', () => {
      assert.equal(livenessOf({ coordinator: {}, liveElsewhere: false }), 'here');
      assert.equal(livenessOf({ coordinator: {}, liveElsewhere: true }), 'here');
      assert.equal(livenessOf({ coordinator: undefined, liveElsewhere: true }), 'elsewhere');
      assert.equal(livenessOf({ coordinator: undefined, liveElsewhere: false }), 'none');
    });
  });

  describe('dashboard messages', () => {
    it('accepts only well-formed messages from the webview, with valid task ids', () => {
      assert.ok(isFromWebview({ type: 'ready' }));
      assert.ok(isFromWebview({ type: 'retryTask', task: 'build-1' }));
      assert.ok(!isFromWebview({ type: 'retryTask', task: '../../etc/passwd' }));
      assert.ok(!isFromWebview({ type: 'openLog' }));
      assert.ok(!isFromWebview({ type: 'runShell', command: 'rm -rf /' }));
      assert.ok(!isFromWebview('ready'));
      assert.ok(!isFromWebview(null));
    });

    it('checks what the extension sends to the webview', () => {
      const events = run();
      assert.ok(isToWebview({ type: 'session', sessionId: SESSION, events, liveness: 'here' }));
      assert.ok(!isToWebview({ type: 'session', sessionId: SESSION, events: [{ seq: 'x' }], liveness: 'here' }));
      assert.ok(!isToWebview({ type: 'session', sessionId: SESSION, events, liveness: 'everywhere' }));
      assert.ok(isToWebview({ type: 'log', sessionId: SESSION, task: 'a', text: 'hi', reset: true }));
      assert.ok(!isToWebview({ type: 'log', sessionId: SESSION, task: 'A B', text: 'hi', reset: true }));
    });
  });

  describe('worktrees and merges', () => {
    const tasksOf = (liveness: Liveness, events = isolatedRun()) => {
      const s = replay(SESSION, events);
      const entry = [{ state: s, liveness }];
      const group = children(entry, children(entry)[0]).find((k) => k.kind === 'group')!;
      return { s, entry, group, tasks: children(entry, group) as Extract<TreeNode, { kind: 'task' }>[] };
    };

    it('words a merge the same everywhere', () => {
      assert.deepEqual(['needs_merge', 'in_review', 'failed'].map(taskStatusLabel), ['needs merge', 'in review', 'failed']);
      assert.equal(changesText({ files: 1, added: 3, removed: 0 }), '1 file +3 −0');
      assert.equal(changesText(null), '');
      assert.equal(mergeStateText({ state: 'conflict', files: ['a', 'b'], sha: null, ref: null }), 'conflicts in a, b');
      assert.equal(mergeStateText({ state: 'merged', files: [], sha: 'abcdef0123', ref: null }), 'merged (abcdef0)');
      assert.equal(mergeStateText({ state: 'discarded', files: [], sha: 'x', ref: 'refs/milestones/m/discarded/t' }), 'discarded (kept at refs/milestones/m/discarded/t)');
    });

    it('puts the tasks waiting for the user first in the Tasks group, worded, with what they change', () => {
      const { tasks, group } = tasksOf('none');
      assert.deepEqual(tasks.map((t) => `${t.taskId}:${t.status}`), ['right:needs_merge', 'check:in_review', 'left:completed', 'after:pending']);
      assert.equal(tasks[0]!.description, 'needs merge · 2 files +5 −1');
      assert.equal(tasks[1]!.description, 'in review · 1 file +3 −0');
      assert.equal(tasks[2]!.description, 'completed · 500ms · 1 file +1 −1');
      assert.match(tasks[0]!.tooltip, /Branch: milestone\/iso-tasks\/right/);
      assert.match(tasks[0]!.tooltip, /Worktree: \/wt\/right$/m);
      assert.match(tasks[0]!.tooltip, /Changes: 2 files \+5 −1/);
      assert.match(tasks[0]!.tooltip, /Merge: conflicts in shared\.txt, docs\/notes\.md/);
      assert.match(tasks[2]!.tooltip, /Worktree: \/wt\/left \(removed\)/);
      assert.match(tasks[1]!.tooltip, /Isolation: a worktree of its own, reviewed before merge/);
      assert.match(tasks[3]!.tooltip, /Isolation: shared/);
      assert.equal(group.description, '1/4 completed · 1 needs merge · 1 in review');
    });

    it('gives merge actions their context values: resolvable unless another process runs the session, .agent for agent tasks, .diff when there is something to review', () => {
      assert.deepEqual(tasksOf('here').tasks.map((t) => t.contextValue), ['task.needs_merge.live.merge.agent.diff', 'task.in_review.live.merge.agent.diff', 'task.completed.live.agent.diff', 'task.pending.live']);
      assert.deepEqual(tasksOf('none').tasks.map((t) => t.contextValue), ['task.needs_merge.merge.agent.diff', 'task.in_review.merge.agent.diff', 'task.completed.agent.diff', 'task.pending']);
      assert.deepEqual(tasksOf('elsewhere').tasks.map((t) => t.contextValue), ['task.needs_merge.agent.diff', 'task.in_review.agent.diff', 'task.completed.agent.diff', 'task.pending']);
    });

    it('lists the conflicting files under the task, each opening the merge editor', () => {
      const { entry, tasks } = tasksOf('none');
      assert.deepEqual(tasks[0]!.conflicts, ['shared.txt', 'docs/notes.md']);
      const files = children(entry, tasks[0]) as Extract<TreeNode, { kind: 'conflict' }>[];
      assert.deepEqual(files.map((f) => [f.label, f.description, f.file, f.contextValue]), [
        ['shared.txt', 'conflict', 'shared.txt', 'conflict.merge'],
        ['notes.md', 'docs · conflict', 'docs/notes.md', 'conflict.merge'],
      ]);
      assert.deepEqual(children(entry, tasks[1]), [], 'a review has no conflicts');
      const watched = tasksOf('elsewhere');
      assert.equal((children(watched.entry, watched.tasks[0]) as Extract<TreeNode, { kind: 'conflict' }>[])[0]?.contextValue, 'conflict');
    });

    it('says on the session row what waits, and lets the branch be taken once the session has ended', () => {
      const { s } = tasksOf('none');
      const root = sessionNode(s, 'none');
      assert.equal(root.description, 'interrupted · 1/4 · 25% · 1 needs merge · 1 in review · milestone/iso');
      assert.match(root.tooltip, /Integrated in: \/wt\/integration/);
      assert.match(root.tooltip, /Waiting for you: 1 needs merge · 1 in review/);
      assert.equal(root.contextValue, 'session.interrupted.none.take');
      assert.equal(sessionNode(s, 'here').contextValue, 'session.interrupted.here', 'not while it runs here');
      assert.equal(canTakeBranch(s, 'elsewhere'), false);
      const inPlace = replay(SESSION, run());
      inPlace.status = 'completed';
      assert.equal(canTakeBranch(inPlace, 'none'), false, 'a session in place has its branch checked out already');
    });

    it('follows a resolution: discarded and merged results read as such', () => {
      const events = isolatedRun();
      events.pop();
      events.push(
        ev('merge_resolution', { task: 'right', how: 'discard' }, 1200),
        ev('merge_discarded', { task: 'right', ref: 'refs/milestones/iso/discarded/right', sha: 'c'.repeat(40) }, 1210),
        ev('merge_resolution', { task: 'check', how: 'approve' }, 1220),
      );
      const { tasks } = tasksOf('here', events);
      const byId = Object.fromEntries(tasks.map((t) => [t.taskId, t]));
      assert.equal(byId.right!.description, 'completed · 900ms · discarded · 2 files +5 −1');
      assert.equal(byId.check!.description, 'completed · 100ms · merging · 1 file +3 −0');
      assert.deepEqual(byId.right!.conflicts, []);
    });

    it('gives the dashboard each task’s isolation, branch, changes and merge, and the live worktrees', () => {
      const events = isolatedRun();
      const s = replay(SESSION, events);
      const m = toDashboardModel(s, [], T0 + 2000);
      const right = m.tasks.find((t) => t.id === 'right');
      assert.deepEqual(right, { id: 'right', title: 'right', status: 'needs_merge', statusText: 'needs merge', kind: 'agent', isolation: 'worktree', review: false, branch: 'milestone/iso-tasks/right', worktree: '/wt/right', changes: '2 files +5 −1', merge: 'conflicts in shared.txt, docs/notes.md', conflicts: ['shared.txt', 'docs/notes.md'], awaiting: 'merge', agent: null });
      assert.equal(m.tasks.find((t) => t.id === 'left')?.worktree, null, 'removed');
      assert.equal(m.tasks.find((t) => t.id === 'check')?.awaiting, 'review');
      assert.deepEqual(m.worktrees, { live: 3, paths: ['/wt/integration', '/wt/right', '/wt/check'], integration: '/wt/integration' });
      assert.deepEqual(m.awaiting, { merge: 1, review: 1 });
      assert.equal(m.merged, 1, 'left');
    });

    it('checks the merge messages between the dashboard and the extension', () => {
      assert.ok(isFromWebview({ type: 'resolve', task: 'right', how: 'by_hand' }));
      assert.ok(isFromWebview({ type: 'resolve', task: 'check', how: 'approve' }));
      assert.ok(!isFromWebview({ type: 'resolve', task: 'right', how: 'force' }));
      assert.ok(!isFromWebview({ type: 'resolve', task: '../x', how: 'discard' }));
      assert.ok(isFromWebview({ type: 'openConflict', task: 'right' }));
      assert.ok(isFromWebview({ type: 'reviewChanges', task: 'check' }));
      assert.ok(isToWebview({ type: 'worktrees', sessionId: SESSION, count: 3, bytes: 123456, complete: true }));
      assert.ok(!isToWebview({ type: 'worktrees', sessionId: SESSION, count: -1, bytes: 1, complete: true }));
      assert.ok(!isToWebview({ type: 'worktrees', sessionId: SESSION, count: 1, bytes: 1.5, complete: true }));
    });
  });

  describe('JournalTail (following a journal another process writes)', () => {
    const temps = new TempDirs();
    after(() => temps.cleanup());

    it('returns complete lines since the last read, keeps a half-written line for later, and restarts after truncation', async () => {
      const dir = await temps.make();
      const file = path.join(dir, 'events.jsonl');
      const events = run();
      const line = (e: JournalEvent): string => `${JSON.stringify(e)}\n`;
      const tail = new JournalTail(file);
      assert.deepEqual(await tail.read(), [], 'no file yet is no events');
      await fs.writeFile(file, line(events[0]!) + line(events[1]!));
      assert.deepEqual((await tail.read()).map((e) => e.seq), [1, 2]);
      assert.deepEqual(await tail.read(), []);
      const third = line(events[2]!);
      await fs.appendFile(file, third.slice(0, 20));
      assert.deepEqual(await tail.read(), [], 'half a line waits');
      await fs.appendFile(file, third.slice(20) + line(events[3]!));
      assert.deepEqual((await tail.read()).map((e) => e.seq), [3, 4]);
      await fs.writeFile(file, line(events[0]!));
      assert.deepEqual((await tail.read()).map((e) => e.seq), [1], 'a truncated file is read again from the start');
    });

    it('decodes a multi-byte character whose bytes arrive in two appends intact', async () => {
      const dir = await temps.make();
      const file = path.join(dir, 'events.jsonl');
      seq = 0;
      const alert = ev('alert', { kind: 'stalled_task', task: 'b', message: 'héllo — naïve 日本 ✓' });
      const bytes = Buffer.from(`${JSON.stringify(alert)}\n`, 'utf8');
      // Cut between the two bytes of "é", so the first read ends inside the character.
      const cut = bytes.indexOf(Buffer.from('é', 'utf8')) + 1;
      assert.ok(cut > 0 && (bytes[cut]! & 0xc0) === 0x80, 'the cut is inside a multi-byte character');
      const tail = new JournalTail(file);
      await fs.writeFile(file, bytes.subarray(0, cut));
      assert.deepEqual(await tail.read(), [], 'half a line waits');
      await fs.appendFile(file, bytes.subarray(cut));
      const [read] = await tail.read();
      assert.ok(read && read.type === 'alert');
      assert.equal(read.data.message, 'héllo — naïve 日本 ✓');
    });

    it('shares one read among concurrent callers and reads again for a call made meanwhile', async () => {
      const dir = await temps.make();
      const file = path.join(dir, 'events.jsonl');
      const events = run();
      await fs.writeFile(file, events.slice(0, 5).map((e) => `${JSON.stringify(e)}\n`).join(''));
      const tail = new JournalTail(file);
      const [a, b] = await Promise.all([tail.read(), tail.read()]);
      assert.equal(a, b);
      assert.deepEqual(a.map((e) => e.seq), [1, 2, 3, 4, 5]);
    });

    it('a follower applies each event once, whoever shares the read and however often the tail restarts', async () => {
      const dir = await temps.make();
      const file = path.join(dir, 'events.jsonl');
      const events = run();
      const lines = (from: number, to: number): string => events.slice(from, to).map((e) => `${JSON.stringify(e)}\n`).join('');
      await fs.writeFile(file, lines(0, 12));
      const tail = new JournalTail(file);
      const state = emptySessionState(SESSION);
      // Two watcher events at once: both callers get the same events; only the first applies them.
      const [a, b] = await Promise.all([tail.read(), tail.read()]);
      assert.equal(applyNewEvents(state, a).length, 12);
      assert.deepEqual(applyNewEvents(state, b), []);
      await fs.appendFile(file, lines(12, events.length));
      assert.deepEqual(applyNewEvents(state, await tail.read()).map((e) => e.seq), events.slice(12).map((e) => e.seq));
      // A truncation restarts the tail from the first line, which was applied long ago.
      await fs.writeFile(file, lines(0, 3));
      assert.deepEqual(applyNewEvents(state, await tail.read()), []);
      assert.deepEqual(state, replay(SESSION, events), 'the same state as one replay of the whole journal');
    });
  });
});
