import { CoalescingWriter } from '../session/atomic';
import { SessionPaths } from '../session/layout';
import { applyEvent, countTasks, emptySessionState, type SessionState } from '../session/state';
import type { JournalEvent } from '../session/events';
import type { Agent, AgentContext } from './agent';
import type { CoordinatorToAgent } from './messages';
import { CpuSampler, memoryPressure } from '../resources';
import { computeMetrics, estimateRemainingMs, MetricsCollector } from '../session/metrics';

const RESOURCE_SAMPLE_MS = 5000;
const RESOURCE_ALERT_EVERY_MS = 60_000;

/**
 * Watches the session: progress and ETA after every task transition, metrics.json, and
 * alerts for a task that has printed nothing for `stall_after` and for CPU or memory
 * above the ceiling.
 */
export class MonitorAgent implements Agent {
  private readonly state: SessionState;
  private readonly collector = new MetricsCollector();
  private readonly writer = new CoalescingWriter();
  private readonly paths: SessionPaths;
  private readonly stallTimers = new Map<string, NodeJS.Timeout>();
  private readonly resourceTimer: NodeJS.Timeout;
  private readonly cpu = new CpuSampler();
  private lastResourceAlert = 0;
  private lastProgress = '';

  constructor(private readonly ctx: AgentContext) {
    const { session } = ctx.init;
    this.paths = new SessionPaths(session.workspace, session.id);
    this.state = emptySessionState(session.id);
    for (const e of ctx.init.history ?? []) {
      applyEvent(this.state, e);
      this.collector.observe(e, Date.parse(e.timestamp));
    }
    for (const t of this.state.tasks.values()) if (t.status === 'running') this.armStall(t.id);
    this.resourceTimer = setInterval(() => this.checkResources(), RESOURCE_SAMPLE_MS);
  }

  handle(m: CoordinatorToAgent): void {
    if (m.type === 'activity') {
      if (this.stallTimers.has(m.task)) this.armStall(m.task);
      return;
    }
    if (m.type !== 'event') return;
    this.observe(m.event);
  }

  private observe(e: JournalEvent): void {
    applyEvent(this.state, e);
    this.collector.observe(e, Date.now());
    switch (e.type) {
      case 'task_started':
        this.armStall(e.data.task);
        break;
      case 'task_completed':
      case 'task_failed':
      case 'task_cancelled':
        this.clearStall(e.data.task);
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

  private armStall(task: string): void {
    this.clearStall(task);
    const after = this.ctx.init.settings.stallAfterMs;
    this.stallTimers.set(
      task,
      setTimeout(() => {
        this.ctx.emit({ type: 'alert', data: { kind: 'stalled_task', task, message: `Task ${task} has printed nothing for ${Math.round(after / 1000)}s: it may be waiting for input or stuck. Open its log, or cancel it.` } });
      }, after),
    );
  }

  private clearStall(task: string): void {
    const t = this.stallTimers.get(task);
    if (t) clearTimeout(t);
    this.stallTimers.delete(task);
  }

  private checkResources(): void {
    const ceiling = this.ctx.init.settings.resourceCeiling;
    const cpu = this.cpu.sample();
    const mem = memoryPressure();
    if ((cpu > ceiling || mem > ceiling) && Date.now() - this.lastResourceAlert > RESOURCE_ALERT_EVERY_MS) {
      this.lastResourceAlert = Date.now();
      const what = cpu > ceiling ? `CPU at ${Math.round(cpu * 100)}%` : `memory at ${Math.round(mem * 100)}%`;
      this.ctx.emit({ type: 'alert', data: { kind: 'resource_pressure', message: `The machine is under pressure (${what}, ceiling ${Math.round(ceiling * 100)}%): no more executors are started until it eases.` } });
    }
  }

  private writeMetrics(): void {
    void this.writer.set(this.paths.metrics, `${JSON.stringify(computeMetrics(this.state, this.collector, Date.now(), this.ctx.init.settings.maxExecutors), null, 2)}\n`);
  }

  async dispose(): Promise<void> {
    clearInterval(this.resourceTimer);
    for (const t of this.stallTimers.values()) clearTimeout(t);
    this.writeMetrics();
    await this.writer.flush();
  }
}
