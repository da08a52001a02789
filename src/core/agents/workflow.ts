import type { Agent, AgentContext } from './agent';
import type { CoordinatorToAgent } from './messages';
import { RunningProcess } from '../process/runningProcess';

/**
 * Undoes a failed milestone: runs the `rollback` commands of completed tasks one by one,
 * in the reverse of the order the tasks completed (the coordinator gives that order).
 */
export class WorkflowAgent implements Agent {
  private current: RunningProcess | undefined;
  private stopped = false;

  constructor(private readonly ctx: AgentContext) {}

  async handle(m: CoordinatorToAgent): Promise<void> {
    if (m.type !== 'rollback') return;
    this.ctx.emit({ type: 'rollback_started', data: { tasks: m.steps.map((s) => s.task) } });
    let ok = true;
    for (const step of m.steps) {
      if (this.stopped) break;
      const proc = new RunningProcess(step.spec);
      this.current = proc;
      const r = await proc.done;
      this.current = undefined;
      const stepOk = r.exitCode === 0 && !r.timedOut;
      ok &&= stepOk;
      this.ctx.emit({ type: 'rollback_step', data: { task: step.task, ok: stepOk, exit_code: r.exitCode } });
    }
    this.ctx.emit({ type: 'rollback_completed', data: { ok } });
    this.ctx.send({ type: 'rollback_done', ok });
  }

  async dispose(): Promise<void> {
    this.stopped = true;
    this.current?.cancel();
    await this.current?.done;
  }
}
