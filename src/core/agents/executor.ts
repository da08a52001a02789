import type { Agent, AgentCommand, AgentContext } from './agent';
import { failpoint } from '../failpoints';
import type { ProcessSpec, TaskOutcome } from './messages';
import { RunningProcess } from '../process/runningProcess';

const OUTPUT_INTERVAL_MS = 250;

/** Runs one task at a time as a child process and reports its life: start, output, exit. */
export class ExecutorAgent implements Agent<'executor'> {
  private running: { task: string; process: RunningProcess } | undefined;
  private lastOutputAt = 0;
  private pendingLine: string | undefined;
  private outputTimer: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: AgentContext) {}

  handle(m: AgentCommand): void {
    if (m.type === 'run_task') this.run(m.task, m.attempt, m.spec);
    else if (m.type === 'cancel_task' && this.running?.task === m.task) this.running.process.cancel();
  }

  private run(task: string, attempt: number, spec: ProcessSpec): void {
    if (this.running) {
      this.ctx.send({ type: 'task_exit', task, attempt, outcome: 'spawn_error', exitCode: null, signal: null, durationMs: 0, message: `executor ${this.ctx.agent} is already running ${this.running.task}` });
      return;
    }
    if (spec.setup) {
      this.setUp(task, attempt, spec, spec.setup);
      return;
    }
    const proc = new RunningProcess(spec, {
      onLine: (line) => this.output(task, line),
      onSpawn: (pid) => {
        this.ctx.send({ type: 'task_started', task, attempt, pid });
        if (attempt === 1 && failpoint('executor.crash_on') === task) setImmediate(() => { throw new Error(`failpoint executor.crash_on=${task}`); });
        if (attempt === 1 && failpoint('executor.hang_on') === task) setImmediate(() => { for (;;) { /* blocks the thread: no heartbeats */ } });
      },
    });
    this.running = { task, process: proc };
    void proc.done.then((r) => {
      this.flushOutput(task);
      this.running = undefined;
      let outcome: TaskOutcome;
      let message: string;
      if (r.spawnError !== undefined) {
        outcome = 'spawn_error';
        message = `could not start: ${r.spawnError}`;
      } else if (r.cancelled) {
        outcome = 'cancelled';
        message = 'cancelled';
      } else if (r.timedOut) {
        outcome = 'timeout';
        message = `timed out after ${spec.timeoutMs}ms`;
      } else if (r.exitCode === 0) {
        outcome = 'completed';
        message = 'exit code 0';
      } else {
        outcome = 'failed';
        message = r.signal ? `killed by ${r.signal}` : r.exitCode === 127 ? 'exit code 127 (command not found)' : `exit code ${r.exitCode}`;
      }
      this.ctx.send({ type: 'task_exit', task, attempt, outcome, exitCode: r.exitCode, signal: r.signal, durationMs: r.durationMs, message });
    });
  }

  /**
   * A fresh worktree's `setup` (e.g. `npm ci`) runs first, into its own log; the task runs
   * only if it succeeds. Cancelling the task cancels the setup.
   */
  private setUp(task: string, attempt: number, spec: ProcessSpec, setup: NonNullable<ProcessSpec['setup']>): void {
    const { setup: _omit, ...rest } = spec;
    void _omit;
    const proc = new RunningProcess(
      { ...rest, command: { shell: setup.shell }, logFile: setup.logFile, header: `--- ${new Date().toISOString()} setup of ${task}: $ ${setup.shell}` },
      { onLine: (line) => this.output(task, `setup: ${line}`) },
    );
    this.running = { task, process: proc };
    void proc.done.then((r) => {
      this.running = undefined;
      if (r.exitCode === 0 && !r.cancelled) {
        this.run(task, attempt, rest);
        return;
      }
      const outcome: TaskOutcome = r.cancelled ? 'cancelled' : r.timedOut ? 'timeout' : r.spawnError !== undefined ? 'spawn_error' : 'failed';
      const why = r.cancelled ? 'cancelled during setup' : `setup failed (${r.spawnError ?? (r.signal ? `killed by ${r.signal}` : `exit code ${r.exitCode}`)}): see ${setup.logFile}`;
      this.ctx.send({ type: 'task_exit', task, attempt, outcome, exitCode: r.exitCode, signal: r.signal, durationMs: r.durationMs, message: why });
    });
  }

  /** Live output is sampled (latest line, at most 4 a second): the log file has all of it. */
  private output(task: string, line: string): void {
    this.pendingLine = line.length > 300 ? `${line.slice(0, 297)}...` : line;
    const wait = this.lastOutputAt + OUTPUT_INTERVAL_MS - Date.now();
    if (wait <= 0) this.flushOutput(task);
    else this.outputTimer ??= setTimeout(() => this.flushOutput(task), wait);
  }

  private flushOutput(task: string): void {
    if (this.outputTimer) clearTimeout(this.outputTimer);
    this.outputTimer = undefined;
    if (this.pendingLine === undefined) return;
    this.ctx.send({ type: 'task_output', task, line: this.pendingLine });
    this.pendingLine = undefined;
    this.lastOutputAt = Date.now();
  }

  async dispose(): Promise<void> {
    const r = this.running;
    if (r) {
      r.process.cancel();
      await r.process.done;
    }
  }
}
