import type { Agent, AgentCommand, AgentContext } from './agent';
import type { ProcessSpec } from './messages';
import { RunningProcess } from '../process/runningProcess';

/** Runs quality gates (one at a time, in the order asked) and journals their results. */
export class QualityGateAgent implements Agent<'quality'> {
  private queue: Promise<void> = Promise.resolve();
  private current: RunningProcess | undefined;

  constructor(private readonly ctx: AgentContext) {}

  handle(m: AgentCommand): void {
    if (m.type === 'run_gate') this.queue = this.queue.then(() => this.run(m.gate, m.blocking, m.spec));
  }

  private async run(gate: string, blocking: boolean, spec: ProcessSpec): Promise<void> {
    const proc = new RunningProcess(spec, { onSpawn: (pid) => this.ctx.emit({ type: 'quality_gate_started', data: { gate, pid } }) });
    this.current = proc;
    const r = await proc.done;
    this.current = undefined;
    if (r.exitCode === 0 && !r.timedOut) {
      this.ctx.emit({ type: 'quality_gate_passed', data: { gate, duration_ms: r.durationMs } });
      return;
    }
    const message = r.spawnError ? `could not start: ${r.spawnError}` : r.timedOut ? `timed out after ${spec.timeoutMs}ms` : r.signal ? `killed by ${r.signal}` : `exit code ${r.exitCode}`;
    this.ctx.emit({ type: 'quality_gate_failed', data: { gate, duration_ms: r.durationMs, exit_code: r.exitCode, blocking, message } });
  }

  async dispose(): Promise<void> {
    this.current?.cancel();
    await this.current?.done;
  }
}
