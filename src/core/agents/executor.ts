import type { Agent, AgentCommand, AgentContext } from './agent';
import { failpoint } from '../failpoints';
import { workingTreeId } from '../git/treeFingerprint';
import type { AgentRunSpec, ProcessSpec, TaskOutcome } from './messages';
import { RunningProcess, type ProcessResult } from '../process/runningProcess';
import { AgentStream } from './agentStream';
import { Sampler } from './sampler';
import { agentVerdict, type Verdict } from './adapters/verdict';

const OUTPUT_INTERVAL_MS = 250;

/** How a process ended, by its exit code alone. */
function processVerdict(r: ProcessResult, spec: ProcessSpec): Verdict {
  if (r.spawnError !== undefined) return { outcome: 'spawn_error', message: `could not start: ${r.spawnError}` };
  if (r.cancelled) return { outcome: 'cancelled', message: 'cancelled' };
  if (r.timedOut) return { outcome: 'timeout', message: `timed out after ${spec.timeoutMs}ms` };
  if (r.exitCode === 0) return { outcome: 'completed', message: 'exit code 0' };
  return { outcome: 'failed', message: r.signal ? `killed by ${r.signal}` : r.exitCode === 127 ? 'exit code 127 (command not found)' : `exit code ${r.exitCode}` };
}

/**
 * Runs one task at a time as a child process and reports its life: start, output, exit.
 * An agent task's output is also read by its adapter (what the agent does, its retries, its
 * result), and "done" is checked: the agent's own verdict, `expect_changes`, `verify`.
 */
export class ExecutorAgent implements Agent<'executor'> {
  private running: { task: string; process: RunningProcess | undefined; cancelled: boolean } | undefined;
  /** Live output is sampled (latest line, at most 4 a second): the log file has all of it. */
  private readonly lines = new Sampler<{ task: string; line: string }>(OUTPUT_INTERVAL_MS, ({ task, line }) => this.ctx.send({ type: 'task_output', task, line }));

  constructor(private readonly ctx: AgentContext) {}

  handle(m: AgentCommand): void {
    if (m.type === 'run_task') this.run(m.task, m.attempt, m.spec);
    else if (m.type === 'cancel_task' && this.running?.task === m.task) {
      this.running.cancelled = true;
      this.running.process?.cancel();
    }
  }

  private run(task: string, attempt: number, spec: ProcessSpec): void {
    if (this.running) {
      this.ctx.send({ type: 'task_exit', task, attempt, outcome: 'spawn_error', exitCode: null, signal: null, durationMs: 0, message: `executor ${this.ctx.agent} is already running ${this.running.task}` });
      return;
    }
    this.running = { task, process: undefined, cancelled: false };
    void this.execute(task, attempt, spec).then((end) => {
      this.running = undefined;
      this.ctx.send({ type: 'task_exit', task, attempt, ...end });
    });
  }

  private async execute(task: string, attempt: number, spec: ProcessSpec): Promise<{ outcome: TaskOutcome; exitCode: number | null; signal: string | null; durationMs: number; message: string; reason?: Verdict['reason'] }> {
    const started = Date.now();
    if (spec.setup) {
      const r = await this.child(task, { ...spec, command: { shell: spec.setup.shell }, logFile: spec.setup.logFile, header: `--- ${new Date().toISOString()} setup of ${task}: $ ${spec.setup.shell}` }, { onLine: (line) => this.output(task, `setup: ${line}`) });
      if (r.exitCode !== 0 || r.cancelled) {
        const outcome: TaskOutcome = r.cancelled ? 'cancelled' : r.timedOut ? 'timeout' : r.spawnError !== undefined ? 'spawn_error' : 'failed';
        const why = r.cancelled ? 'cancelled during setup' : `setup failed (${r.spawnError ?? (r.signal ? `killed by ${r.signal}` : `exit code ${r.exitCode}`)}): see ${spec.setup.logFile}`;
        return { outcome, exitCode: r.exitCode, signal: r.signal, durationMs: r.durationMs, message: why };
      }
    }
    const agent = spec.agent;
    const before = agent?.expectChanges ? await workingTreeId(spec.cwd).catch(() => undefined) : undefined;
    const stream = agent ? new AgentStream(agent.adapter, (signal, actions) => this.ctx.send({ type: 'agent_signal', task, attempt, signal, ...(actions !== undefined ? { actions } : {}) })) : undefined;
    const r = await this.child(task, spec, {
      onLine: (line) => this.output(task, line),
      ...(stream ? { onStdoutLine: (line: string) => stream.line(line) } : {}),
      onSpawn: () => {
        if (attempt === 1 && failpoint('executor.crash_on') === task) setImmediate(() => { throw new Error(`failpoint executor.crash_on=${task}`); });
        if (attempt === 1 && failpoint('executor.hang_on') === task) setImmediate(() => { for (;;) { /* blocks the thread: no heartbeats */ } });
      },
    }, attempt);
    this.lines.flush();
    stream?.flush();
    const base = processVerdict(r, spec);
    let verdict: Verdict = agent && stream ? agentVerdict({ ...base, exitCode: r.exitCode }, stream, agent) : base;
    if (verdict.outcome === 'completed' && agent) verdict = await this.checkDone(task, spec, agent, before);
    return { outcome: verdict.outcome, exitCode: r.exitCode, signal: r.signal, durationMs: Date.now() - started, message: verdict.message, ...(verdict.reason ? { reason: verdict.reason } : {}) };
  }

  /** The agent says it succeeded: it must also have changed something (if asked) and pass `verify`. */
  private async checkDone(task: string, spec: ProcessSpec, agent: AgentRunSpec, before: string | undefined): Promise<Verdict> {
    if (agent.expectChanges) {
      const after = await workingTreeId(spec.cwd).catch(() => undefined);
      if (before !== undefined && after === before) return { outcome: 'failed', reason: 'no_changes', message: 'the agent changed no file, and the task has expect_changes: true' };
    }
    if (agent.verify !== undefined) {
      const r = await this.child(task, { ...spec, command: { shell: agent.verify }, header: `--- ${new Date().toISOString()} verify ${task}: $ ${agent.verify}` }, { onLine: (line) => this.output(task, `verify: ${line}`) });
      const v = processVerdict(r, spec);
      if (v.outcome === 'cancelled' || v.outcome === 'timeout') return v;
      if (v.outcome !== 'completed') return { outcome: 'failed', reason: 'verify', message: `verify failed (${v.message.replace(/^could not start: /, '')}): ${agent.verify}` };
    }
    return { outcome: 'completed', message: 'exit code 0' };
  }

  /** One child process of the task (setup, the task, verify), cancellable through `running`. */
  private async child(task: string, spec: ProcessSpec, hooks: ConstructorParameters<typeof RunningProcess>[1], attempt?: number): Promise<ProcessResult> {
    const run = this.running;
    if (!run || run.cancelled) return { exitCode: null, signal: null, timedOut: false, cancelled: true, durationMs: 0 };
    const proc = new RunningProcess(spec, {
      ...hooks,
      onSpawn: (pid) => {
        // The task's process group: the coordinator kills it if this executor dies.
        if (attempt !== undefined) this.ctx.send({ type: 'task_started', task, attempt, pid });
        hooks?.onSpawn?.(pid);
      },
    });
    run.process = proc;
    return proc.done;
  }

  private output(task: string, line: string): void {
    this.lines.push({ task, line: line.length > 300 ? `${line.slice(0, 297)}...` : line });
  }

  async dispose(): Promise<void> {
    const r = this.running;
    if (r) {
      r.cancelled = true;
      r.process?.cancel();
      await r.process?.done;
    }
  }
}
