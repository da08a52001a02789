import { CoalescingWriter } from '../session/atomic';
import { SessionPaths } from '../session/layout';
import { applyEvent, countTasks, emptySessionState, type SessionState } from '../session/state';
import type { Agent, AgentCommand, AgentContext } from './agent';
import type { SubscribedEvent } from './messages';
import { computeMetrics, estimateRemainingMs, MetricsCollector } from '../session/metrics';
import type { Timers } from '../timers';
import { formatDuration } from '../duration';
import { StallWatch } from './stallWatch';

/**
 * Watches the session: progress and ETA after every task transition, metrics.json, and
 * alerts for a task that has printed nothing for `stall_after`. A replacement rebuilds
 * all of it from the history it starts with.
 */
export class MonitorAgent implements Agent<'monitor'> {
  private readonly state: SessionState;
  private readonly collector = new MetricsCollector();
  private readonly writer = new CoalescingWriter();
  private readonly paths: SessionPaths;
  private readonly stalls: StallWatch;
  private lastProgress = '';

  constructor(
    private readonly ctx: AgentContext,
    timers?: Timers,
  ) {
    const { session, settings } = ctx.init;
    const after = settings.stallAfterMs;
    this.stalls = new StallWatch(
      after,
      (task) => ctx.emit({ type: 'alert', data: { kind: 'stalled_task', task, message: `Task ${task} has printed nothing for ${formatDuration(after)}: it may be waiting for input or stuck. Open its log, or cancel it.` } }),
      timers,
    );
    this.paths = new SessionPaths(session.workspace, session.id);
    this.state = emptySessionState(session.id);
    for (const e of ctx.init.history ?? []) {
      applyEvent(this.state, e);
      this.collector.observe(e, Date.parse(e.timestamp));
    }
    for (const t of this.state.tasks.values()) if (t.status === 'running') this.stalls.arm(t.id);
  }

  handle(m: AgentCommand): void {
    if (m.type === 'activity') this.stalls.activity(m.task);
  }

  observe(e: SubscribedEvent<'monitor'>): void {
    applyEvent(this.state, e);
    this.collector.observe(e, Date.now());
    switch (e.type) {
      case 'task_started':
        this.stalls.arm(e.data.task);
        break;
      case 'task_completed':
      case 'task_failed':
      case 'task_cancelled':
        this.stalls.clear(e.data.task);
        break;
      default:
        break;
    }
    if (e.type.startsWith('task_') || e.type.startsWith('milestone_')) this.reportProgress();
    this.writeMetrics();
  }

  private reportProgress(): void {
    const c = countTasks(this.state);
    const finished = c.completed + c.failed + c.skipped + c.cancelled;
    const percent = c.total ? Math.round((finished / c.total) * 100) : 100;
    const data = { done: c.completed, failed: c.failed, skipped: c.skipped, running: c.running, total: c.total, percent, eta_ms: estimateRemainingMs(this.state, this.ctx.init.settings.maxExecutors) };
    const key = `${data.done}/${data.failed}/${data.skipped}/${data.running}/${data.total}`;
    if (key === this.lastProgress) return;
    this.lastProgress = key;
    this.ctx.emit({ type: 'progress', data });
  }

  private writeMetrics(): void {
    void this.writer.set(this.paths.metrics, `${JSON.stringify(computeMetrics(this.state, this.collector, Date.now(), this.ctx.init.settings.maxExecutors), null, 2)}\n`);
  }

  async dispose(): Promise<void> {
    this.stalls.dispose();
    this.writeMetrics();
    await this.writer.flush();
  }
}
