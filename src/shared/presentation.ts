// How a session and its agents are shown, the same in the tree, the status bar and the
// dashboard.
import type { AgentKind } from '../core/session/events';
import type { SessionStatus } from '../core/session/state';

/** Who runs a session: this process (this window), another live process, or nobody. */
export type Liveness = 'here' | 'elsewhere' | 'none';

/**
 * Who runs a session, derived once for every view: a session with a coordinator in this
 * process is run here; one whose lock another live process holds, elsewhere.
 */
export function livenessOf(session: { coordinator: unknown; liveElsewhere: boolean }): Liveness {
  return session.coordinator ? 'here' : session.liveElsewhere ? 'elsewhere' : 'none';
}

export const AGENT_ORDER: readonly AgentKind[] = ['executor', 'monitor', 'validator', 'git', 'quality', 'safety', 'workflow'];

/** Executors first (numbered naturally), then the other kinds in a fixed order. */
export function byAgentOrder(a: { kind: AgentKind; id: string }, b: { kind: AgentKind; id: string }): number {
  return AGENT_ORDER.indexOf(a.kind) - AGENT_ORDER.indexOf(b.kind) || a.id.localeCompare(b.id, undefined, { numeric: true });
}

/** The journal's statuses of a session that has not ended: a live process should be running it. */
const UNENDED: ReadonlySet<SessionStatus> = new Set<SessionStatus>(['starting', 'running', 'paused']);

/**
 * Nothing goes on with the session until someone resumes it: its journal says so, or says
 * it has not ended (starting, running or paused) while no live process runs it, because
 * that process died without writing its end (kill -9, a crash, a machine switched off).
 * The one rule behind "interrupted" in the tree, the status bar, the dashboard and the
 * CLI's `status`; its tasks that the journal says run are shown interrupted and its agents
 * gone.
 */
export function isInterrupted(status: SessionStatus, liveness: Liveness): boolean {
  return status === 'interrupted' || (liveness === 'none' && UNENDED.has(status));
}

/** The session's status as every surface shows it: the journal's, or interrupted by the rule above. */
export function shownStatus(status: SessionStatus, liveness: Liveness): SessionStatus {
  return isInterrupted(status, liveness) ? 'interrupted' : status;
}

/**
 * The percentage shown next to "<completed>/<total>": of the tasks, the share completed.
 * Failed and skipped tasks are finished but not done, so "0/3 · 67%" cannot appear.
 */
export function completedPercent(c: { completed: number; total: number }): number {
  return c.total ? Math.round((c.completed / c.total) * 100) : 0;
}

const STATUS_WORDS: Readonly<Record<string, string>> = { needs_merge: 'needs merge', in_review: 'in review', waiting_quota: 'waiting for quota' };

/** A task's status in words: `needs merge`, `in review`, `waiting for quota`, or the status itself. */
export function taskStatusLabel(status: string): string {
  return STATUS_WORDS[status] ?? status;
}

/** `3 files +12 −4`: what a task's branch changes against its base. */
export function changesText(c: { files: number; added: number; removed: number } | null | undefined): string {
  if (!c) return '';
  return `${c.files} file${c.files === 1 ? '' : 's'} +${c.added} −${c.removed}`;
}

/** Where a task's result is, in a few words, for tooltips and the dashboard. */
export function mergeStateText(merge: { state: string; files: readonly string[]; sha: string | null; ref: string | null } | null | undefined): string {
  if (!merge) return '';
  switch (merge.state) {
    case 'merged':
      return merge.sha ? `merged (${merge.sha.slice(0, 7)})` : 'merged';
    case 'conflict':
      return merge.files.length ? `conflicts in ${merge.files.join(', ')}` : 'conflicts with the milestone branch';
    case 'review':
      return 'waits for review';
    case 'resolving':
      return 'being merged';
    case 'discarded':
      return merge.ref ? `discarded (kept at ${merge.ref})` : 'discarded';
    default:
      return merge.state;
  }
}
