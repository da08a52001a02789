// Where a coordinator is in its life, as one value with the moves allowed from each: a
// move that is not allowed is a bug, and throws, instead of leaving a flag half set.
//
//   starting ──▶ running ◀──▶ paused
//      │            │            │
//      └────────────┴─────┬──────┘
//                         ▼
//   finishing ──▶ stopping ──▶ closed      (finishing ──▶ closed too)
import { formatDiagnostic } from '../milestone/diagnostics';
import type { EventData, EventDraft } from '../session/events';

export type Phase = 'starting' | 'running' | 'paused' | 'stopping' | 'finishing' | 'closed';

const NEXT: Readonly<Record<Phase, readonly Phase[]>> = {
  // Paused before the branch is ready: the tasks wait for a resume once it is.
  starting: ['running', 'paused', 'stopping'],
  running: ['paused', 'stopping', 'finishing'],
  paused: ['running', 'stopping'],
  stopping: ['closed'],
  // A halt (the journal failed, the lock was lost) can come while the end is written.
  finishing: ['stopping', 'closed'],
  closed: [],
};

export class Lifecycle {
  private current: Phase = 'starting';

  get phase(): Phase {
    return this.current;
  }

  can(next: Phase): boolean {
    return NEXT[this.current].includes(next);
  }

  to(next: Phase): void {
    if (!this.can(next)) throw new Error(`coordinator phase ${this.current} → ${next} is not allowed`);
    this.current = next;
  }

  /** Tasks may start, executors may grow, and the end may be decided. */
  get running(): boolean {
    return this.current === 'running';
  }

  /** Stopped or stopping: no agent is deployed or replaced any more. */
  get stopping(): boolean {
    return this.current === 'stopping' || this.current === 'closed';
  }

  /** The session is ending, however: no task is started, paused or retried any more. */
  get over(): boolean {
    return this.current === 'stopping' || this.current === 'finishing' || this.current === 'closed';
  }
}

/**
 * What pauses a running session by itself: a git conflict (nothing more may be committed
 * until it is resolved), and a critical dependency issue found during the run (the file
 * was edited into a cycle, a tool went away). Issues found at the start are the
 * validation's, which refused the run already if they were critical.
 */
export function pauseFor(ev: EventDraft): { reason: string; by: EventData['session_paused']['by'] } | undefined {
  if (ev.type === 'git_conflict') return { reason: `git conflict: ${ev.data.detail}`, by: 'git_conflict' };
  if (ev.type !== 'dependency_issues' || !ev.data.critical || ev.data.source === 'start') return undefined;
  const first = ev.data.issues.find((d) => d.severity === 'error');
  return { reason: `dependency issue: ${first ? formatDiagnostic(first) : 'see the Problems panel'}`, by: 'dependency_issues' };
}
