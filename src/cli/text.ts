// Text from outside the program (milestone files, task output, git) made safe and short for
// a terminal line.
import { listed } from '../core/coordinator/errors';
import type { DiffStat } from '../core/session/events';
import type { SessionState } from '../core/session/state';
import { UNSAFE_CHARACTER, withoutEscapes } from '../shared/terminalText';

/**
 * Text from files, tasks and git (titles, messages, file names, paths) as one harmless line:
 * control characters (an escape sequence would drive the terminal, a newline fake a line)
 * and the bidirectional overrides that reorder what is shown become visible escapes.
 */
export function printable(text: string): string {
  return text.replace(UNSAFE_CHARACTER, (ch) => NAMED_ESCAPES[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const NAMED_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `3 files +40 -2`: what a task's result changes. */
export function changesText(d: DiffStat): string {
  return `${d.files} file${d.files === 1 ? '' : 's'} +${d.added} -${d.removed}`;
}

/** The conflicting files of a merge, the first few by name. */
export function filesText(files: readonly string[]): string {
  return files.length ? listed(files.map(printable)) : 'files not named';
}

/** A line of a task's output without its terminal sequences, before `printable` makes the rest visible. */
export { withoutEscapes } from '../shared/terminalText';

/**
 * Text a coding agent sent (its actions, errors, model, the commands it was refused): its
 * terminal sequences dropped, as a task's output, and the rest made harmless by `printable`.
 */
export function agentText(text: string): string {
  return printable(withoutEscapes(text));
}

/**
 * What the milestone branch holds: the git agent's commits, and with worktrees the task
 * results merged into it (those are the tasks' own commits, not the git agent's).
 */
export function branchContents(s: SessionState): string[] {
  const parts = s.commits.length ? [`${s.commits.length} commit${s.commits.length === 1 ? '' : 's'}`] : [];
  const merged = [...s.tasks.values()].filter((t) => t.merge?.state === 'merged').length;
  if (s.integration) parts.push(`${merged} task result${merged === 1 ? '' : 's'} merged`);
  return parts;
}
