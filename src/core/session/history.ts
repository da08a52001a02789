import { readJournal } from './journal';
import { SessionPaths } from './layout';
import { replay, type SessionState } from './state';
import { listSessions } from './store';

/** How many past sessions of a milestone are read for estimates: enough to cover most tasks. */
const SESSIONS_READ = 5;

/**
 * How long each task of a milestone took when it last completed, from the newest sessions of
 * that milestone in the workspace (the one being resumed included). A session that cannot
 * be read gives nothing: estimates are an optimisation, never a reason to refuse a run.
 */
export async function recentTaskDurations(workspace: string, milestoneId: string, resumed?: SessionState): Promise<Map<string, number>> {
  const durations = new Map<string, number>();
  const take = (state: SessionState): void => {
    for (const t of state.tasks.values()) {
      if (t.status === 'completed' && t.durationMs !== null && !durations.has(t.id)) durations.set(t.id, t.durationMs);
    }
  };
  const records = (await listSessions(workspace)).filter((r) => r.session.milestone_id === milestoneId).slice(0, SESSIONS_READ);
  for (const { session } of records) {
    // The session being resumed was just replayed by the caller: not read a second time.
    if (resumed && session.id === resumed.id) {
      take(resumed);
      continue;
    }
    try {
      take(replay(session.id, (await readJournal(new SessionPaths(workspace, session.id).events, session.id)).events));
    } catch {
      continue;
    }
  }
  return durations;
}

/**
 * Task weights for the critical path: the known duration, and for a task never seen to
 * complete the median of the known ones, so it ranks neither first nor last. Without any
 * history every task weighs the same, which ranks by the number of tasks left on the path.
 */
export function durationWeights(known: ReadonlyMap<string, number>): (id: string) => number {
  const sorted = [...known.values()].sort((a, b) => a - b);
  // At least 1 ms: a task that took no measurable time still counts on the path.
  const fallback = Math.max(1, sorted[Math.floor(sorted.length / 2)] ?? 1);
  return (id) => Math.max(1, known.get(id) ?? fallback);
}
