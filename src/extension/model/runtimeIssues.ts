// What the Problems panel says about a milestone file because of a run, derived from the
// sessions' states whenever they change: the validator reports a blocked dependent once,
// when its dependency fails, and nothing when the user retries that dependency, so only
// the current task statuses can tell whether the report still holds.
import type { Diagnostic } from '../../core/milestone/diagnostics';
import type { SessionState } from '../../core/session/state';

/** A "blocked by a failure" report holds while the task it names is failed. */
function stillHolds(s: SessionState, d: Diagnostic): boolean {
  if (d.code !== 'blocked-by-failure') return true;
  const failed = d.data?.failed;
  // A report that names no task cannot be checked against the state: it stands.
  if (typeof failed !== 'string') return true;
  return s.tasks.get(failed)?.status === 'failed';
}

/** The session's runtime findings that are still true; none once it completed. */
export function currentIssues(s: SessionState): Diagnostic[] {
  if (s.status === 'completed') return [];
  return s.issues.filter((d) => stillHolds(s, d));
}

/**
 * The runtime findings per milestone file. Only the newest session of a file speaks for
 * it, so `sessions` comes newest first; a file whose newest session has nothing to say maps
 * to an empty list.
 */
export function runtimeIssuesByFile(sessions: readonly SessionState[]): Map<string, Diagnostic[]> {
  const byFile = new Map<string, Diagnostic[]>();
  for (const s of sessions) {
    if (!s.milestoneFile || byFile.has(s.milestoneFile)) continue;
    byFile.set(s.milestoneFile, currentIssues(s));
  }
  return byFile;
}
