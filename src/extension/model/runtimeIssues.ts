// What the Problems panel says about a milestone file because of a run, derived from the
// sessions' states whenever they change: the validator reports a blocked dependent once,
// when its dependency fails, and nothing when the user retries that dependency, so only
// the current task statuses can tell whether the report still holds. The permissions a
// task's coding agent was refused are placed on the task's id in the file as it reads now,
// and hold until the task's `allowed_tools` allows them or its agent runs again.
import type { Denial } from '../../core/agents/adapters/signals';
import type { Diagnostic } from '../../core/milestone/diagnostics';
import { parseMilestoneText, type ParsedMilestone } from '../../core/milestone/parse';
import type { SessionState } from '../../core/session/state';
import { AGENT_NAMES } from '../../shared/agentPresentation';
import { isAllowed } from './allowedTools';

const capitalized = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

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



/** What `denialIssue` puts on a permission-denied diagnostic, for its quick fix. */
export interface DenialData {
  task: string;
  tool: string;
  target: string;
}

export function isDenialData(v: unknown): v is DenialData {
  const d = v as Partial<DenialData> | null | undefined;
  return typeof d === 'object' && d !== null && typeof d.task === 'string' && typeof d.tool === 'string' && typeof d.target === 'string';
}

/** `Bash: git push origin main`. */
const denialText = (d: Denial): string => (d.target ? `${d.tool}: ${d.target}` : d.tool);

/**
 * A warning on the task's `id:` for each permission its agent's latest run was refused,
 * that the task's `allowed_tools` in the file (as `parsed` reads it now) does not allow
 * yet. A task no longer in the file gets none: there is no line to put them on.
 */
export function denialIssues(s: SessionState, parsed: ParsedMilestone): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const id of s.taskOrder) {
    const run = s.tasks.get(id)?.agentRun;
    if (!run?.denials.length) continue;
    const index = parsed.milestone.tasks.findIndex((t) => t.id === id);
    const range = index === -1 ? undefined : parsed.rangeOf(['tasks', index, 'id']);
    if (!range) continue;
    const allowed = parsed.milestone.tasks[index]!.allowedTools;
    const said = new Set<string>();
    for (const d of run.denials) {
      const key = `${d.tool}\u0000${d.target}`;
      if (said.has(key) || isAllowed(allowed, d)) continue;
      said.add(key);
      out.push({
        file: parsed.file,
        range,
        severity: 'warning',
        code: 'permission-denied',
        message: `${capitalized(AGENT_NAMES[run.adapter])} was refused ${denialText(d)} in task "${id}" — allow it with allowed_tools, or change the prompt`,
        data: { task: id, tool: d.tool, target: d.target } satisfies DenialData,
      });
    }
  }
  return out;
}

/** Some task of the session has refused permissions to show: the milestone file's text is needed. */
export function hasDenials(s: SessionState): boolean {
  for (const t of s.tasks.values()) if (t.agentRun?.denials.length) return true;
  return false;
}

/**
 * The runtime findings per milestone file. Only the newest session of a file speaks for
 * it, so `sessions` comes newest first; a file whose newest session has nothing to say maps
 * to an empty list. `textOf` gives a milestone file's text as it reads now (the open
 * editor's, else the disk's), where refused permissions are placed; undefined when it
 * cannot be read, and then they are left out.
 */
export function runtimeIssuesByFile(sessions: readonly SessionState[], textOf: (file: string) => string | undefined = () => undefined): Map<string, Diagnostic[]> {
  const byFile = new Map<string, Diagnostic[]>();
  for (const s of sessions) {
    if (!s.milestoneFile || byFile.has(s.milestoneFile)) continue;
    const text = hasDenials(s) ? textOf(s.milestoneFile) : undefined;
    // Refused permissions stay true after the session ends: the next run would be refused again.
    byFile.set(s.milestoneFile, [...currentIssues(s), ...(text === undefined ? [] : denialIssues(s, parseMilestoneText(text, s.milestoneFile)))]);
  }
  return byFile;
}
