// What `milestone-agents status` prints for a person: the session, one line per task (and
// where an isolated task's worktree and result are), gates, recent alerts, and what to do
// about the tasks that wait for the user.
import { formatDuration } from '../core/duration';
import type { SessionState, TaskState } from '../core/session/state';
import { shownStatus } from '../shared/presentation';
import { agentLimitText, agentNowText, denialText, resultText, spendText, tokensText } from '../shared/agentPresentation';
import { awaitingLines, integrateOffer } from './nextSteps';
import { AGENT_NAMES, type Palette } from './render';
import type { StatusTornLine } from './statusDocument';
import { agentText, branchContents, changesText, filesText, printable } from './text';

export interface StatusTextInput {
  state: SessionState;
  /** A live process runs the session. */
  live: boolean;
  torn: StatusTornLine | undefined;
  workspace: string;
}

export function statusLines({ state, live, torn, workspace }: StatusTextInput, c: Palette): string[] {
  // The status command runs nothing itself: a live session is run elsewhere.
  const shown = shownStatus(state.status, live ? 'elsewhere' : 'none');
  const now = Date.now();
  const statusText = shown !== state.status ? `${shown} (the journal says ${state.status}, but no coordinator is running it: resume it)` : state.status;
  const lines = [c.bold(`${printable(state.title)} (${state.milestoneId}) — session ${state.id}`), `  status: ${statusText}${live ? ' (live)' : ''}`];
  // Without worktrees the count of commits is always said, as before (0 included).
  if (state.branch) lines.push(`  branch: ${printable(state.branch)}, ${state.integration ? branchContents(state).join(', ') : `${state.commits.length} commit(s)`}`);
  if (state.integration) lines.push(`  integrated in: ${printable(state.integration.path)}${state.integration.removed ? ' (removed)' : ''}`);
  const icon: Record<string, string> = {
    completed: c.green('✓'),
    failed: c.red('✗'),
    running: c.cyan('▸'),
    skipped: c.yellow('⊘'),
    cancelled: c.yellow('⊘'),
    retrying: c.yellow('↻'),
    waiting_quota: c.yellow('◷'),
    needs_merge: c.red('⚠'),
    in_review: c.cyan('◆'),
    queued: '·',
    pending: '·',
  };
  for (const id of state.taskOrder) {
    const t = state.tasks.get(id);
    if (!t) continue;
    const extra = [t.durationMs !== null ? formatDuration(t.durationMs) : '', t.attempts > 1 ? `${t.attempts} attempts` : '', t.message && t.status !== 'completed' ? printable(t.message) : ''].filter(Boolean).join(' · ');
    lines.push(`  ${icon[t.status] ?? '·'} ${t.id.padEnd(20)} ${t.status.padEnd(13)} ${c.dim(extra)}`);
    lines.push(...agentLines(t, c, live ? now : undefined), ...isolationLines(t, c));
  }
  const spent = spendText(state);
  if (spent) lines.push(`  agents spent: ${spent} · tokens: ${tokensText(state.agentTotals.tokens)}${state.agentLimit !== null ? ` · ${agentLimitText(state.agentLimit)}` : ''}`);
  for (const g of state.gates.values()) lines.push(`  ${g.status === 'passed' ? c.green('✓') : g.status === 'failed' ? c.red('✗') : '·'} gate ${g.id} ${g.status}`);
  for (const a of state.alerts.slice(-5)) lines.push(c.yellow(`  ! ${printable(a.message)}`));
  if (torn) lines.push(c.yellow(`  ! ${printable(torn.message)}`));
  // A live session is resolved by the process that runs it; the commands would be refused.
  if (!live) lines.push(...awaitingLines(state, c, workspace));
  if (!live && state.status === 'completed') lines.push(...integrateOffer(state, c, workspace));
  return lines;
}

/**
 * Under an agent task: its agent, model and what it cost, what it does now (`now` is given
 * while a live process runs the session), and the permissions it was refused.
 */
function agentLines(t: TaskState, c: Palette, now: number | undefined): string[] {
  const run = t.agentRun;
  if (!run) return [];
  const indent = '      ';
  const result = resultText(run);
  const head = [AGENT_NAMES[run.adapter], run.model ? agentText(run.model) : '', result, run.continued ? 'continued conversation' : ''].filter(Boolean).join(' · ');
  const lines = [c.dim(`${indent}agent: ${head}`)];
  const doing = now === undefined ? null : agentNowText(t, now);
  if (doing) lines.push(c.dim(`${indent}now: ${agentText(doing)}`));
  for (const d of run.denials) lines.push(c.yellow(`${indent}refused ${agentText(denialText(d))} — allow it with allowed_tools`));
  return lines;
}

/** Under an isolated task: its worktree (branch, port) and what became of its result. */
function isolationLines(t: TaskState, c: Palette): string[] {
  const lines: string[] = [];
  const indent = '      ';
  if (t.worktree) {
    const wt = t.worktree;
    lines.push(c.dim(`${indent}worktree ${printable(wt.path)}${wt.removed ? ' (removed)' : ''} · branch ${printable(wt.branch)}${wt.port !== null ? ` · port ${wt.port}` : ''}`));
  }
  const m = t.merge;
  if (m) {
    const changes = m.changes ? ` · ${changesText(m.changes)}` : '';
    const what: Record<typeof m.state, string> = {
      merged: `merged${m.sha ? ` ${m.sha.slice(0, 7)}` : ''}`,
      conflict: `conflicts in ${filesText(m.files)}`,
      review: 'waits for review',
      resolving: 'being resolved',
      discarded: `discarded${m.ref ? `, its commits kept at ${printable(m.ref)}` : ''}`,
    };
    lines.push(c.dim(`${indent}result: ${what[m.state]}${changes}`));
  }
  return lines;
}
