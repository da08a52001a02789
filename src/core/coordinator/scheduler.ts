// What runs next, decided from what happened: a pure state machine with no timers and no
// I/O. The coordinator feeds it the facts (a task exited, a commit landed, a gate ended,
// the user retried) and carries out the decisions it returns, in order: journal this event,
// wake me after a delay, kill that running task, run that gate. Every task event it decides
// replays through the session reducer into the statuses it holds itself.
//
// Over 400 lines on purpose: it is one state machine over one map of statuses, and its
// invariants (counts, holds, the queue, fail-fast) hold only if every change goes through
// this class; split, they would span files.
import picomatch from 'picomatch';
import { buildGraph, criticalPathLengths, transitiveDependents, type TaskGraph } from '../milestone/graph';
import type { FailurePolicy, Milestone } from '../milestone/model';
import { durationWeights } from '../session/history';
import type { EventDraft, TaskFailureReason } from '../session/events';
import type { TaskOutcome } from '../agents/messages';
import { AWAITING_USER_STATUSES, awaitsMerge, isTaskFinished, type SessionState, type TaskStatus } from '../session/state';
import { ReadyQueue } from './readyQueue';

export interface PlannedTask {
  id: string;
  dependsOn: readonly string[];
  retries: number;
  /** Globs of what the task changes: tasks whose globs overlap never run at once. */
  touches?: readonly string[];
}

export interface PlannedGate {
  id: string;
  /** Empty: the gate runs once every task completed. */
  after: readonly string[];
}

export interface SchedulePlan {
  /** In file order: ties in priority go to the task written first. */
  tasks: readonly PlannedTask[];
  gates: readonly PlannedGate[];
  /** Longest remaining path from each task (larger runs first). */
  priority: ReadonlyMap<string, number>;
  onFailure: FailurePolicy;
  /** The first retry waits this long; each further one twice as long, up to a minute. */
  retryBaseMs: number;
  /** The first wait of a task that ran out of API quota; doubled each time, up to 10 minutes. */
  quotaBaseMs: number;
}

export type Decision =
  | { kind: 'record'; event: EventDraft }
  /** Call `retryDue(task)` after `afterMs`. */
  | { kind: 'wake'; task: string; afterMs: number }
  /** Kill the running task; its exit comes back as `cancelled`. */
  | { kind: 'cancel'; task: string; reason: string }
  | { kind: 'run_gate'; gate: string };

/** How a task attempt ended, as its executor reported it. */
export interface TaskExit {
  task: string;
  agent: string;
  attempt: number;
  outcome: TaskOutcome;
  /** Why a failed task failed, when the exit code does not say. */
  reason?: TaskFailureReason;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  message: string;
}

export interface Outcome {
  ok: boolean;
  failed: string[];
  /** Skipped or cancelled: they did not run to the end. */
  notRun: string[];
  gatesFailed: string[];
  reason: string;
}

/**
 * `busy`: something is still under way; `done`: the milestone is over, and why; `blocked`:
 * nothing more can run until the user resolves these tasks' merges (or reviews).
 */
export type Verdict = { kind: 'busy'; decisions: Decision[] } | { kind: 'done'; decisions: Decision[]; outcome: Outcome } | { kind: 'blocked'; decisions: Decision[]; tasks: string[] };

const MAX_RETRY_DELAY_MS = 60_000;
const MAX_QUOTA_DELAY_MS = 10 * 60_000;

/** The plan of a milestone: its graph, its gates, and its tasks ranked by their remaining path, in time where known. */
export function schedulePlan(milestone: Milestone, estimates: ReadonlyMap<string, number>, options: { failFast?: boolean; retryBaseMs?: number; quotaRetryMs?: number }): SchedulePlan {
  return {
    tasks: milestone.tasks,
    gates: milestone.quality,
    priority: criticalPathLengths(buildGraph(milestone.tasks), durationWeights(estimates)),
    onFailure: options.failFast ? 'stop' : milestone.onFailure,
    retryBaseMs: options.retryBaseMs ?? 1000,
    quotaBaseMs: options.quotaRetryMs ?? 30_000,
  };
}

export class Scheduler {
  private readonly graph: TaskGraph;
  private readonly byId: ReadonlyMap<string, PlannedTask>;
  private readonly order: ReadonlyMap<string, number>;
  private readonly status = new Map<string, TaskStatus>();
  private readonly counts = new Map<TaskStatus, number>();
  private readonly attempts = new Map<string, number>();
  private readonly failures = new Map<string, number>();
  /** Times each task ran out of quota in a row: its next wait doubles. */
  private readonly quotaWaits = new Map<string, number>();
  /** Unfinished dependencies of each task; a completed one counts until it is released. */
  private readonly remaining = new Map<string, number>();
  private readonly queue = new ReadyQueue();
  /** Completed, but what follows waits (for its commit) until `release`. */
  private readonly held = new Set<string>();
  private readonly cancelReasons = new Map<string, string>();
  private readonly gatesRunning = new Set<string>();
  private readonly gateResults = new Map<string, { passed: boolean; blocking: boolean }>();
  private failFastReason: string | undefined;
  private begun = false;
  /** The session is winding down: nothing new is planned, nothing more is skipped. */
  private stopped = false;

  constructor(
    private readonly plan: SchedulePlan,
    initial: { status?: ReadonlyMap<string, TaskStatus>; attempts?: ReadonlyMap<string, number>; gatesPassed?: ReadonlySet<string>; held?: ReadonlySet<string> } = {},
  ) {
    this.graph = buildGraph(plan.tasks);
    this.byId = new Map(plan.tasks.map((t) => [t.id, t]));
    this.order = new Map(plan.tasks.map((t, i) => [t.id, i]));
    for (const t of plan.tasks) {
      // What was running or queued when a session stopped is waiting again; a result that
      // waits for the user still does.
      const s = initial.status?.get(t.id) ?? 'pending';
      this.setStatus(t.id, isTaskFinished(s) || AWAITING_USER_STATUSES.has(s) ? s : 'pending');
      if (AWAITING_USER_STATUSES.has(s) || initial.held?.has(t.id)) this.held.add(t.id);
      this.attempts.set(t.id, initial.attempts?.get(t.id) ?? 0);
    }
    for (const g of initial.gatesPassed ?? []) {
      this.gateResults.set(g, { passed: true, blocking: false });
    }
  }

  /** A resumed session: statuses and attempts as its journal left them. */
  static fromState(plan: SchedulePlan, state: SessionState): Scheduler {
    const status = new Map<string, TaskStatus>();
    const attempts = new Map<string, number>();
    for (const t of state.tasks.values()) {
      status.set(t.id, t.status);
      attempts.set(t.id, t.attempts);
    }
    const gatesPassed = new Set([...state.gates.values()].filter((g) => g.status === 'passed').map((g) => g.id));
    const held = new Set([...state.tasks.values()].filter(awaitsMerge).map((t) => t.id));
    return new Scheduler(plan, { status, attempts, gatesPassed, held });
  }

  // ------------------------------------------------------------------ reading

  statusOf(task: string): TaskStatus | undefined {
    return this.status.get(task);
  }

  /** The ready queue exists: the branch was ready and `begin` ran. */
  get started(): boolean {
    return this.begun;
  }

  get readyCount(): number {
    return this.queue.size;
  }

  /** Tasks that want an executor: running or ready. */
  get demand(): number {
    return this.count('running') + this.queue.size;
  }

  /** Nothing runs: no task and no gate. */
  get idle(): boolean {
    return this.count('running') === 0 && this.gatesRunning.size === 0;
  }

  runningGates(): string[] {
    return [...this.gatesRunning];
  }

  /** Completed tasks whose dependents still wait (for a commit, a merge, or the user). */
  heldTasks(): string[] {
    return [...this.held];
  }

  /** Tasks ready before anything has run (how many executors the start wants). */
  initiallyReady(): number {
    return this.plan.tasks.filter((t) => !isTaskFinished(this.status.get(t.id)!) && t.dependsOn.every((d) => this.status.get(d) === 'completed')).length;
  }

  // ------------------------------------------------------------------ inputs

  /** Counts what each task waits for, queues the ready ones and runs the gates now due. */
  begin(): Decision[] {
    if (this.begun) return [];
    this.begun = true;
    const out: Decision[] = [];
    for (const t of this.plan.tasks) {
      const left = this.deps(t.id).filter((d) => this.status.get(d) !== 'completed' || this.held.has(d)).length;
      this.remaining.set(t.id, left);
      if (this.status.get(t.id) === 'pending' && left === 0) this.enqueue(t.id, out);
    }
    for (const g of this.plan.gates) if (g.after.length) this.gateIfDue(g, out);
    return out;
  }

  /**
   * The next task for an idle executor, best first; it counts as running from now. A task
   * whose `touches` overlap a running task's, or that `mayStart` holds back, stays queued.
   */
  take(mayStart: (task: string) => boolean = () => true): { task: string; attempt: number } | undefined {
    if (!this.begun || this.stopped) return undefined;
    const passed: string[] = [];
    let task: string | undefined;
    while ((task = this.queue.pop()) !== undefined) {
      if (!this.touchesRunning(task) && mayStart(task)) break;
      passed.push(task);
    }
    for (const p of passed) this.queue.push(p, this.plan.priority.get(p) ?? 1, this.order.get(p) ?? 0);
    if (task === undefined) return undefined;
    const attempt = (this.attempts.get(task) ?? 0) + 1;
    this.attempts.set(task, attempt);
    this.setStatus(task, 'running');
    return { task, attempt };
  }

  /**
   * A completed task's result is not merged: it needs a merge (a conflict) or the user's
   * review. It stays held: what depends on it waits.
   */
  awaitUser(task: string, event: Extract<EventDraft, { type: 'merge_conflict' | 'review_requested' }>): Decision[] {
    const s = this.status.get(task);
    if (!this.held.has(task) || (s !== 'completed' && !AWAITING_USER_STATUSES.has(s!))) return [];
    this.setStatus(task, event.type === 'merge_conflict' ? 'needs_merge' : 'in_review');
    return [record(event)];
  }

  /** The user resolved it one way or another: the result is on its way to the branch again (or discarded). */
  resolving(task: string, event: Extract<EventDraft, { type: 'merge_resolution' }>): Decision[] {
    if (!AWAITING_USER_STATUSES.has(this.status.get(task)!)) return [];
    this.setStatus(task, 'completed');
    return [record(event)];
  }

  /** Runs a task that needs a merge again (its agent resolves the conflict); it stays held until merged. */
  rerun(task: string, event: Extract<EventDraft, { type: 'merge_resolution' }>): Decision[] {
    if (this.status.get(task) !== 'needs_merge') return [];
    this.setStatus(task, 'pending');
    const out: Decision[] = [record(event)];
    this.enqueue(task, out);
    return out;
  }

  /** The task's result is on the milestone branch (or was discarded): what waited for it may go. */
  merged(task: string, event: Extract<EventDraft, { type: 'task_merged' | 'merge_discarded' }>): Decision[] {
    if (!this.held.has(task)) return [];
    this.setStatus(task, 'completed');
    return [record(event), ...this.release(task)];
  }

  /**
   * A task's process ended. A completed task is held: what follows it waits for `release`
   * (the coordinator releases it at once, or once its work is committed).
   */
  exited(exit: TaskExit): Decision[] {
    if (this.status.get(exit.task) !== 'running') return [];
    const out: Decision[] = [];
    const { task } = exit;
    if (exit.outcome === 'completed') {
      this.setStatus(task, 'completed');
      this.held.add(task);
      this.quotaWaits.delete(task);
      out.push(record({ type: 'task_completed', data: { task, agent: exit.agent, attempt: exit.attempt, duration_ms: exit.durationMs } }));
      return out;
    }
    if (exit.outcome === 'quota') {
      // Not a failure: the task runs again later (a stopping session's, on resume), and its dependents wait for it.
      this.held.delete(task);
      const waits = (this.quotaWaits.get(task) ?? 0) + 1;
      this.quotaWaits.set(task, waits);
      const delay = Math.min(MAX_QUOTA_DELAY_MS, this.plan.quotaBaseMs * 2 ** (waits - 1));
      this.setStatus(task, 'waiting_quota');
      out.push(record({ type: 'task_waiting_quota', data: { task, attempt: exit.attempt, delay_ms: delay, message: exit.message } }));
      if (!this.stopped) out.push({ kind: 'wake', task, afterMs: delay });
      return out;
    }
    if (exit.outcome === 'cancelled') {
      this.held.delete(task);
      const reason = this.cancelReasons.get(task) ?? 'cancelled';
      this.cancelReasons.delete(task);
      this.setStatus(task, 'cancelled');
      out.push(record({ type: 'task_cancelled', data: { task, reason } }));
      if (!this.stopped) this.skipDependents(task, `depends on "${task}", which was cancelled`, out);
      return out;
    }
    // A run that was to resolve a conflict failed: the task is no longer a result waiting to merge.
    this.held.delete(task);
    const failures = (this.failures.get(task) ?? 0) + 1;
    this.failures.set(task, failures);
    const retry = failures <= (this.byId.get(task)?.retries ?? 0) && !this.stopped && this.failFastReason === undefined;
    this.setStatus(task, retry ? 'retrying' : 'failed');
    out.push(
      record({
        type: 'task_failed',
        data: {
          task,
          agent: exit.agent,
          attempt: exit.attempt,
          duration_ms: exit.durationMs,
          exit_code: exit.exitCode,
          signal: exit.signal,
          reason: exit.reason ?? (exit.outcome === 'timeout' ? 'timeout' : exit.outcome === 'spawn_error' ? 'spawn_error' : 'exit'),
          message: exit.message,
          final: !retry,
        },
      }),
    );
    if (retry) {
      const delay = Math.min(MAX_RETRY_DELAY_MS, this.plan.retryBaseMs * 2 ** (failures - 1));
      out.push(record({ type: 'task_retrying', data: { task, attempt: exit.attempt + 1, delay_ms: delay } }), { kind: 'wake', task, afterMs: delay });
    } else if (this.stopped) {
      // Stopping: the session stays resumable, nothing is decided about the rest.
    } else if (this.plan.onFailure === 'stop') {
      this.failFast(`task "${task}" failed`, out);
    } else {
      this.skipDependents(task, `depends on "${task}", which failed`, out);
    }
    return out;
  }

  /** What waited for a completed task may go: its dependents, and the gates after it. */
  release(task: string): Decision[] {
    if (!this.held.delete(task)) return [];
    const out: Decision[] = [];
    for (const d of this.graph.dependents.get(task) ?? []) {
      const left = (this.remaining.get(d) ?? 1) - 1;
      this.remaining.set(d, left);
      if (left === 0 && this.status.get(d) === 'pending') this.enqueue(d, out);
    }
    for (const g of this.plan.gates) if (g.after.includes(task)) this.gateIfDue(g, out);
    return out;
  }

  /** The executor running the task died: the task waits for another one. */
  lost(task: string): Decision[] {
    if (this.status.get(task) !== 'running') return [];
    this.setStatus(task, 'pending');
    this.cancelReasons.delete(task);
    const out: Decision[] = [];
    if (!this.stopped) this.enqueue(task, out);
    return out;
  }

  /** A retry delay ran out. */
  retryDue(task: string): Decision[] {
    const s = this.status.get(task);
    if ((s !== 'retrying' && s !== 'waiting_quota') || this.stopped) return [];
    const out: Decision[] = [];
    this.enqueue(task, out);
    return out;
  }

  /**
   * Cancel one task: a running one is killed (a `cancel` decision; its exit records the
   * cancellation), a waiting one is dropped at once. Undefined when there is nothing to cancel.
   */
  cancel(task: string, reason: string): Decision[] | undefined {
    const s = this.status.get(task);
    if (s === undefined || isTaskFinished(s)) return undefined;
    if (s === 'running') {
      this.cancelReasons.set(task, reason);
      return [{ kind: 'cancel', task, reason }];
    }
    this.queue.remove(task);
    this.setStatus(task, 'cancelled');
    const out: Decision[] = [record({ type: 'task_cancelled', data: { task, reason } })];
    this.skipDependents(task, `depends on "${task}", which was cancelled`, out);
    return out;
  }

  /** Run a failed, cancelled or skipped task again, and put back the dependents it blocked. */
  retry(task: string): Decision[] | undefined {
    const s = this.status.get(task);
    if (s !== 'failed' && s !== 'cancelled' && s !== 'skipped') return undefined;
    const out: Decision[] = [];
    this.failures.delete(task);
    this.reset(task, 'retried by the user', out);
    for (const d of transitiveDependents(this.graph, task)) {
      const ds = this.status.get(d);
      if (ds === 'skipped' || ds === 'cancelled') this.reset(d, `"${task}" is being retried`, out);
    }
    this.failFastReason = undefined;
    const left = this.deps(task).filter((d) => this.status.get(d) !== 'completed' || this.held.has(d)).length;
    this.remaining.set(task, left);
    if (left === 0) this.enqueue(task, out);
    return out;
  }

  gateEnded(gate: string, passed: boolean, blocking: boolean): Decision[] {
    this.gatesRunning.delete(gate);
    this.gateResults.set(gate, { passed, blocking });
    const out: Decision[] = [];
    if (!passed && blocking && this.plan.onFailure === 'stop' && !this.stopped) this.failFast(`gate "${gate}" failed`, out);
    return out;
  }

  /** The session winds down: the ready queue and the retry waits are dropped, unrecorded. */
  stop(): Decision[] {
    this.stopped = true;
    for (const id of this.queue.clear()) this.setStatus(id, 'pending');
    const out: Decision[] = [];
    for (const [task, s] of this.status) if (s === 'running') out.push(...(this.cancel(task, 'session stopped') ?? []));
    return out;
  }

  /** Whether the milestone is over, with what is left to do first when it is not. */
  verdict(): Verdict {
    const out: Decision[] = [];
    if (!this.begun || this.count('running') || this.count('retrying') || this.count('waiting_quota') || this.queue.size || this.gatesRunning.size) return { kind: 'busy', decisions: out };
    if (this.held.size) {
      const waiting = [...this.held].filter((t) => AWAITING_USER_STATUSES.has(this.status.get(t)!));
      // A commit or a merge is under way: wait for it. Otherwise only the user can go on.
      return waiting.length === this.held.size ? { kind: 'blocked', decisions: out, tasks: waiting } : { kind: 'busy', decisions: out };
    }
    const open = this.plan.tasks.filter((t) => !isTaskFinished(this.status.get(t.id)!));
    if (open.length) {
      // Nothing can start them any more: a dependency of each will never complete.
      if (!open.every((t) => this.status.get(t.id) === 'pending' && (this.remaining.get(t.id) ?? 0) > 0)) return { kind: 'busy', decisions: out };
      for (const t of open) {
        this.setStatus(t.id, 'skipped');
        out.push(record({ type: 'task_skipped', data: { task: t.id, because: t.dependsOn.find((d) => this.status.get(d) !== 'completed') ?? '', reason: 'a dependency did not complete' } }));
      }
    }
    const allCompleted = this.plan.tasks.every((t) => this.status.get(t.id) === 'completed');
    if (allCompleted && this.failFastReason === undefined) {
      const endGates = this.plan.gates.filter((g) => !this.gateStarted(g.id));
      if (endGates.length) {
        for (const g of endGates) this.startGate(g.id, out);
        return { kind: 'busy', decisions: out };
      }
    }
    return { kind: 'done', decisions: out, outcome: this.outcome() };
  }

  // ------------------------------------------------------------------ internals

  private outcome(): Outcome {
    const ids = this.plan.tasks.map((t) => t.id);
    const failed = ids.filter((id) => this.status.get(id) === 'failed');
    const notRun = ids.filter((id) => this.status.get(id) === 'skipped' || this.status.get(id) === 'cancelled');
    const gatesFailed = this.plan.gates.filter((g) => this.gateResults.get(g.id)?.passed === false && this.gateResults.get(g.id)?.blocking).map((g) => g.id);
    const plural = (n: number): string => (n > 1 ? 's' : '');
    const reason = failed.length
      ? `task${plural(failed.length)} ${failed.join(', ')} failed`
      : gatesFailed.length
        ? `quality gate${plural(gatesFailed.length)} ${gatesFailed.join(', ')} failed`
        : notRun.length
          ? `task${plural(notRun.length)} ${notRun.join(', ')} did not run`
          : 'all tasks completed';
    return { ok: failed.length === 0 && notRun.length === 0 && gatesFailed.length === 0, failed, notRun, gatesFailed, reason };
  }

  private deps(task: string): string[] {
    return this.graph.deps.get(task) ?? [];
  }

  /** The task's `touches` overlap those of a task running now. */
  private touchesRunning(task: string): boolean {
    const mine = this.byId.get(task)?.touches;
    if (!mine?.length) return false;
    for (const [other, s] of this.status) {
      if (s !== 'running' || other === task) continue;
      const theirs = this.byId.get(other)?.touches;
      if (theirs?.length && globsOverlap(mine, theirs)) return true;
    }
    return false;
  }

  private count(status: TaskStatus): number {
    return this.counts.get(status) ?? 0;
  }

  /** Every status change goes through here, so the counts stay exact at O(1) a change. */
  private setStatus(task: string, status: TaskStatus): void {
    const was = this.status.get(task);
    if (was === status) return;
    if (was !== undefined) this.counts.set(was, this.count(was) - 1);
    this.counts.set(status, this.count(status) + 1);
    this.status.set(task, status);
  }

  private enqueue(task: string, out: Decision[]): void {
    // Once stopping, what became ready stays pending: the resume queues it.
    if (this.stopped || this.queue.has(task) || this.status.get(task) === 'running') return;
    const priority = this.plan.priority.get(task) ?? 1;
    this.setStatus(task, 'queued');
    out.push(record({ type: 'task_queued', data: { task, attempt: (this.attempts.get(task) ?? 0) + 1, priority } }));
    this.queue.push(task, priority, this.order.get(task) ?? 0);
  }

  private reset(task: string, reason: string, out: Decision[]): void {
    this.setStatus(task, 'pending');
    out.push(record({ type: 'task_reset', data: { task, reason } }));
  }

  private skipDependents(task: string, reason: string, out: Decision[]): void {
    for (const d of transitiveDependents(this.graph, task)) {
      const s = this.status.get(d);
      if (s !== 'pending' && s !== 'queued') continue;
      this.queue.remove(d);
      this.setStatus(d, 'skipped');
      out.push(record({ type: 'task_skipped', data: { task: d, because: task, reason } }));
    }
  }

  /** on_failure: stop — nothing new starts, what waits is skipped, what runs is cancelled. */
  private failFast(why: string, out: Decision[]): void {
    this.failFastReason = why;
    const reason = `not started: ${why} and on_failure is stop`;
    for (const id of this.queue.clear()) {
      this.setStatus(id, 'skipped');
      out.push(record({ type: 'task_skipped', data: { task: id, because: why, reason } }));
    }
    for (const [id, s] of this.status) {
      if (s !== 'pending' && s !== 'retrying' && s !== 'waiting_quota') continue;
      this.setStatus(id, 'skipped');
      out.push(record({ type: 'task_skipped', data: { task: id, because: why, reason } }));
    }
    for (const [id, s] of this.status) if (s === 'running') out.push(...(this.cancel(id, `${why} and on_failure is stop`) ?? []));
  }

  private gateIfDue(gate: PlannedGate, out: Decision[]): void {
    if (gate.after.every((d) => this.status.get(d) === 'completed' && !this.held.has(d))) this.startGate(gate.id, out);
  }

  /** A gate runs once: it runs now, or it has a result (this session's, or a pass before a resume). */
  private gateStarted(gate: string): boolean {
    return this.gatesRunning.has(gate) || this.gateResults.has(gate);
  }

  private startGate(gate: string, out: Decision[]): void {
    if (this.gateStarted(gate) || this.failFastReason !== undefined || this.stopped) return;
    this.gatesRunning.add(gate);
    out.push({ kind: 'run_gate', gate });
  }
}

/**
 * Whether two lists of globs can name the same path. Exact for a glob against a plain
 * path; for two globs, they overlap unless their fixed leading folders diverge (`src/a/**`
 * and `src/b/**` do not). When unsure, they overlap: serializing is the safe mistake.
 */
export function globsOverlap(a: readonly string[], b: readonly string[]): boolean {
  const norm = (g: string): string => g.replace(/^\.\//, '').replace(/\/+$/, '');
  return a.some((x) => b.some((y) => globPairOverlaps(norm(x), norm(y))));
}

function globPairOverlaps(x: string, y: string): boolean {
  if (x === y) return true;
  const sx = picomatch.scan(x);
  const sy = picomatch.scan(y);
  if (!sx.isGlob && !sy.isGlob) return x === y || y.startsWith(`${x}/`) || x.startsWith(`${y}/`);
  if (!sx.isGlob) return picomatch(y, { dot: true })(x) || y.startsWith(`${x}/`);
  if (!sy.isGlob) return picomatch(x, { dot: true })(y) || x.startsWith(`${y}/`);
  const bx = sx.base;
  const by = sy.base;
  return bx === '' || by === '' || bx === by || bx.startsWith(`${by}/`) || by.startsWith(`${bx}/`);
}

function record(event: EventDraft): Decision {
  return { kind: 'record', event };
}
