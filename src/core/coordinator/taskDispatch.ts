// The executors' side of running tasks: hands the scheduler's next tasks to idle
// executors, knows which executor (and which process group) runs each task, and turns
// what executors report into journal events and facts for the scheduler.
import type { AgentToCoordinator } from '../agents/messages';
import type { Task } from '../milestone/model';
import type { ProcessSpec } from '../process/processSpec';
import { killGroup } from '../process/runningProcess';
import type { AgentHandle, AgentPool } from './agentPool';
import type { Recorder } from './recorder';
import type { Scheduler, TaskExit } from './scheduler';

export interface DispatchDeps {
  pool: AgentPool;
  recorder: Recorder;
  scheduler: Scheduler;
  tasks: ReadonlyMap<string, Task>;
  /** Where the task runs (its worktree is made first), and how; or why it cannot start. */
  prepare(task: Task, attempt: number): Promise<ProcessSpec | { error: string }>;
  /** The task may start now (a shared task waits while a merge is under way). */
  mayStart(task: Task): boolean;
  /** The executor has work now: it is not idle. */
  busy(executor: string): void;
  /** A task ended before its process started, reported as its executor would. */
  onExit(agent: AgentHandle, m: Extract<AgentToCoordinator, { type: 'task_exit' }>): void;
}

/** `pid: 0`: the task's process is not started yet (its worktree is being made). */
interface Run {
  agent: string;
  pid: number;
  /** Cancelled before its process started: it never starts. */
  cancelled?: string;
}

export class TaskDispatch {
  private readonly running = new Map<string, Run>();

  constructor(private readonly deps: DispatchDeps) {}

  get size(): number {
    return this.running.size;
  }

  /** The tasks running now (or having their worktree made). */
  runningTasks(): IterableIterator<string> {
    return this.running.keys();
  }

  /** Idle executors take the best ready tasks. */
  assign(): void {
    const { pool, scheduler, recorder } = this.deps;
    for (const ex of pool.ofKind('executor')) {
      if (scheduler.readyCount === 0) return;
      if (!ex.ready || ex.task || ex.retiring) continue;
      const next = scheduler.take((id) => this.deps.mayStart(this.deps.tasks.get(id)!));
      if (!next) return;
      const task = this.deps.tasks.get(next.task)!;
      this.deps.busy(ex.id);
      ex.task = task.id;
      const run: Run = { agent: ex.id, pid: 0 };
      this.running.set(task.id, run);
      recorder.record('agent_state_changed', { agent: ex.id, status: 'busy', current_task: task.id });
      void this.deps.prepare(task, next.attempt).then((spec) => {
        if (this.running.get(task.id) !== run) return;
        const gone = this.deps.pool.get(ex.id) !== ex;
        // Cancelled, or the executor died, while the worktree was being made: the task
        // ends here as its executor would have reported it.
        if (run.cancelled !== undefined || 'error' in spec || gone) {
          const outcome = run.cancelled !== undefined ? 'cancelled' : 'spawn_error';
          const message = run.cancelled ?? ('error' in spec ? spec.error : 'its executor is gone');
          this.deps.onExit(ex, { type: 'task_exit', task: task.id, attempt: next.attempt, outcome, exitCode: null, signal: null, durationMs: 0, message });
          return;
        }
        pool.send(ex, { type: 'run_task', task: task.id, attempt: next.attempt, spec });
      });
    }
  }

  /** The task's process exists: its group is known (and killable) from now on. */
  started(agent: AgentHandle, m: Extract<AgentToCoordinator, { type: 'task_started' }>): void {
    const run = this.running.get(m.task);
    if (!run || run.agent !== agent.id) return;
    run.pid = m.pid;
    const task = this.deps.tasks.get(m.task);
    this.deps.recorder.record('task_started', { task: m.task, agent: agent.id, attempt: m.attempt, pid: m.pid, command: task?.agent ? `${task.agent}: ${task.prompt ?? ''}` : (task?.run ?? '') });
  }

  /** The executor is free again; the exit, for the scheduler (undefined if it was not this executor's task). */
  exited(agent: AgentHandle, m: Extract<AgentToCoordinator, { type: 'task_exit' }>): TaskExit | undefined {
    const run = this.running.get(m.task);
    if (!run || run.agent !== agent.id) return undefined;
    this.running.delete(m.task);
    agent.task = undefined;
    this.deps.recorder.record('agent_state_changed', { agent: agent.id, status: 'idle', current_task: null });
    return { task: m.task, agent: agent.id, attempt: m.attempt, outcome: m.outcome, exitCode: m.exitCode, signal: m.signal, durationMs: m.durationMs, message: m.message, ...(m.reason ? { reason: m.reason } : {}) };
  }

  /** Asks the executor running the task to kill its process tree. */
  cancel(task: string, reason: string): void {
    const run = this.running.get(task);
    if (run && run.pid === 0) run.cancelled = reason;
    const agent = run && this.deps.pool.get(run.agent);
    if (agent) this.deps.pool.send(agent, { type: 'cancel_task', task, reason });
  }

  /** The executor died: its task's process group goes with it. Returns the task it ran. */
  lost(agent: AgentHandle): string | undefined {
    const task = agent.task;
    if (!task) return undefined;
    const run = this.running.get(task);
    this.running.delete(task);
    if (run?.pid) killGroup(run.pid, 'SIGKILL');
    return task;
  }

  /** Kills every running task's process group at once (the session halts). */
  killAll(): void {
    for (const run of this.running.values()) if (run.pid) killGroup(run.pid, 'SIGKILL');
  }

  /** Resolves once no task runs, killing what still runs after `timeoutMs`. */
  async allEnded(timeoutMs: number): Promise<void> {
    if (this.running.size === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.killAll();
        resolve();
      }, timeoutMs);
      const check = this.deps.recorder.onEvent(() => {
        if (this.running.size > 0) return;
        clearTimeout(timer);
        check.dispose();
        resolve();
      });
    });
  }
}
