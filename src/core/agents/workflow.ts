import type { JournalEvent } from '../session/events';
import { RunningProcess } from '../process/runningProcess';
import type { Agent, AgentCommand, AgentContext } from './agent';
import type { ProcessSpec } from './messages';

/**
 * Undoes a failed milestone. The coordinator says which completed tasks have a `rollback`
 * command; this agent decides the order from the history it starts with: the reverse of
 * the order in which the tasks completed, the last one first. The steps run one by one.
 */
export class WorkflowAgent implements Agent<'workflow'> {
  private current: RunningProcess | undefined;
  private stopped = false;

  constructor(private readonly ctx: AgentContext) {}

  async handle(m: AgentCommand): Promise<void> {
    if (m.type !== 'rollback') return;
    const steps = rollbackOrder(m.steps, this.ctx.init.history ?? []);
    this.ctx.emit({ type: 'rollback_started', data: { tasks: steps.map((s) => s.task) } });
    let ok = true;
    for (const step of steps) {
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

/**
 * Last completed, first undone: each task ranks by its latest completion in the journal.
 * A task the history does not show completing (its event was not yet written when this
 * agent started) counts as the latest of all.
 */
export function rollbackOrder<S extends { task: string; spec: ProcessSpec }>(steps: readonly S[], history: readonly JournalEvent[]): S[] {
  const completedAt = new Map<string, number>();
  for (const e of history) if (e.type === 'task_completed') completedAt.set(e.data.task, e.seq);
  const rank = (task: string): number => completedAt.get(task) ?? Number.POSITIVE_INFINITY;
  return [...steps].sort((a, b) => (rank(a.task) === rank(b.task) ? 0 : rank(a.task) < rank(b.task) ? 1 : -1));
}
