import { buildGraph, criticalPathLengths } from '../milestone/graph';
import type { JournalEvent } from './events';
import { countTasks, isTaskFinished, type SessionState } from './state';

export interface Summary {
  count: number;
  mean: number;
  p95: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { count: 0, mean: 0, p95: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] ?? 0;
  return { count: sorted.length, mean: round(mean), p95: round(p95), max: round(sorted[sorted.length - 1] ?? 0) };
}

const round = (n: number): number => Math.round(n * 100) / 100;

/** Facts the monitor collects from the event stream that the session state does not keep. */
export class MetricsCollector {
  readonly eventLatencyMs: number[] = [];
  readonly dispatchLatencyMs: number[] = [];
  readonly startupMs: number[] = [];
  readonly recoveryMs: number[] = [];
  private readonly queuedAt = new Map<string, number>();
  attempts = 0;
  failedAttempts = 0;

  observe(e: JournalEvent, receivedAt: number): void {
    const at = Date.parse(e.timestamp);
    this.eventLatencyMs.push(Math.max(0, receivedAt - at));
    if (this.eventLatencyMs.length > 5000) this.eventLatencyMs.splice(0, 1000);
    switch (e.type) {
      case 'task_queued':
        this.queuedAt.set(e.data.task, at);
        break;
      case 'task_started': {
        this.attempts++;
        const q = this.queuedAt.get(e.data.task);
        if (q !== undefined) this.dispatchLatencyMs.push(at - q);
        this.queuedAt.delete(e.data.task);
        break;
      }
      case 'task_failed':
        this.failedAttempts++;
        break;
      case 'agent_registered':
        this.startupMs.push(e.data.startup_ms);
        break;
      case 'agent_recovered':
        this.recoveryMs.push(e.data.recovery_ms);
        break;
      default:
        break;
    }
  }
}

/** Estimated time left: the longer of the remaining critical path and the remaining work spread over the executors. */
export function estimateRemainingMs(s: SessionState, maxExecutors: number): number | null {
  const done = [...s.tasks.values()].filter((t) => t.status === 'completed' && t.durationMs !== null);
  if (done.length === 0) return null;
  const avg = done.reduce((a, t) => a + (t.durationMs ?? 0), 0) / done.length;
  const open = [...s.tasks.values()].filter((t) => !isTaskFinished(t.status));
  if (open.length === 0) return 0;
  const openIds = new Set(open.map((t) => t.id));
  const graph = buildGraph(open.map((t) => ({ id: t.id, dependsOn: t.dependsOn.filter((d) => openIds.has(d)) })));
  const cp = Math.max(0, ...criticalPathLengths(graph).values());
  return Math.round(avg * Math.max(cp, open.length / Math.max(1, maxExecutors)));
}

export function computeMetrics(s: SessionState, c: MetricsCollector, now: number, maxExecutors: number): Record<string, unknown> {
  const counts = countTasks(s);
  const started = s.startedAt ? Date.parse(s.startedAt) : now;
  const end = s.endedAt ? Date.parse(s.endedAt) : now;
  const elapsedMs = Math.max(1, end - started);
  const executors = [...s.agents.values()].filter((a) => a.kind === 'executor');
  let busy = 0;
  let alive = 0;
  for (const a of executors) {
    const from = Date.parse(a.registeredAt);
    const to = a.terminatedAt ? Date.parse(a.terminatedAt) : end;
    alive += Math.max(0, to - from);
    busy += a.busyMs + (a.status === 'busy' && a.busySince ? Math.max(0, end - Date.parse(a.busySince)) : 0);
  }
  const work = [...s.tasks.values()].reduce((sum, t) => sum + (t.status === 'completed' || t.status === 'failed' ? (t.durationMs ?? 0) : 0), 0);
  const finished = counts.completed + counts.failed + counts.skipped + counts.cancelled;
  return {
    updated_at: new Date(now).toISOString(),
    session: s.id,
    milestone: s.milestoneId,
    status: s.status,
    elapsed_ms: elapsedMs,
    tasks: counts,
    progress_percent: counts.total ? Math.round((finished / counts.total) * 1000) / 10 : 100,
    eta_ms: s.endedAt ? 0 : estimateRemainingMs(s, maxExecutors),
    task_completion_rate_per_min: round((counts.completed / elapsedMs) * 60_000),
    agent_utilization: alive ? round(busy / alive) : 0,
    error_rate: c.attempts ? round(c.failedAttempts / c.attempts) : 0,
    parallel_efficiency: round(work / (elapsedMs * Math.max(1, maxExecutors))),
    coordination_overhead_ms: summarize(c.dispatchLatencyMs),
    event_latency_ms: summarize(c.eventLatencyMs),
    agent_startup_ms: summarize(c.startupMs),
    recovery_time_ms: summarize(c.recoveryMs),
    alerts: s.alerts.length,
  };
}
