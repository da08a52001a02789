// How a session and its agents are shown, the same in the tree, the status bar and the
// dashboard.
import type { AgentKind } from '../core/session/events';
import type { SessionStatus } from '../core/session/state';

export type Liveness = 'here' | 'elsewhere' | 'none';

export const AGENT_ORDER: readonly AgentKind[] = ['executor', 'monitor', 'validator', 'git', 'quality', 'safety', 'workflow'];

/** Executors first (numbered naturally), then the other kinds in a fixed order. */
export function byAgentOrder(a: { kind: AgentKind; id: string }, b: { kind: AgentKind; id: string }): number {
  return AGENT_ORDER.indexOf(a.kind) - AGENT_ORDER.indexOf(b.kind) || a.id.localeCompare(b.id, undefined, { numeric: true });
}

/**
 * The process running the session died without writing its end: the journal says
 * "running", and nothing runs it.
 */
export function diedMidRun(status: SessionStatus, liveness: Liveness): boolean {
  return status === 'running' && liveness === 'none';
}

/** A session whose process died mid-run is shown as interrupted. */
export function shownStatus(status: SessionStatus, liveness: Liveness): SessionStatus {
  return diedMidRun(status, liveness) ? 'interrupted' : status;
}

/**
 * The percentage shown next to "<completed>/<total>": of the tasks, the share completed.
 * Failed and skipped tasks are finished but not done, so "0/3 · 67%" cannot appear.
 */
export function completedPercent(c: { completed: number; total: number }): number {
  return c.total ? Math.round((c.completed / c.total) * 100) : 0;
}
