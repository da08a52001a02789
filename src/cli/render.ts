import * as path from 'node:path';
import { formatDuration } from '../core/duration';
import type { JournalEvent, MergeResolution } from '../core/session/events';
import { countTasks, type SessionState, type TaskState } from '../core/session/state';
import { AGENT_NAMES, agentLimitText, agentNowText, denialText, quotaText, retryText, spendText, tokensText, usdText } from '../shared/agentPresentation';
import { completedPercent } from '../shared/presentation';
import { awaitingLines, integrateOffer } from './nextSteps';
import { agentText, branchContents, changesText, filesText, printable } from './text';

const useColor = (stream: NodeJS.WriteStream): boolean => stream.isTTY === true && !process.env.NO_COLOR;

export interface Palette {
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  cyan(s: string): string;
}

export function palette(stream: NodeJS.WriteStream): Palette {
  const wrap = (open: number, close: number) => (s: string) => (useColor(stream) ? `\x1b[${open}m${s}\x1b[${close}m` : s);
  return { green: wrap(32, 39), red: wrap(31, 39), yellow: wrap(33, 39), dim: wrap(2, 22), bold: wrap(1, 22), cyan: wrap(36, 39) };
}

export function progressBar(fraction: number, width: number): string {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

/** A word in a column of its own, so the task ids after it line up (`merged   api`). */
const col = (word: string): string => word.padEnd(8);

const RESOLUTION_TEXT: Record<MergeResolution, (t: TaskState | undefined) => string> = {
  by_hand: (t) => `merging what you resolved by hand${t?.worktree ? ` in ${printable(t.worktree.path)}` : ''}`,
  agent: (t) => `its agent resolves the conflict${t?.worktree ? ` in ${printable(t.worktree.path)}` : ''}`,
  discard: () => 'discarding its result',
  approve: () => 'approved: merging it',
  reject: () => 'rejected: its result is not merged',
};

/**
 * Events that matter in a log but would only scroll a terminal's live view: there, what an
 * agent does shows on its task's line instead.
 */
const PLAIN_ONLY: ReadonlySet<JournalEvent['type']> = new Set(['worktree_created', 'worktree_removed', 'agent_session', 'agent_init', 'agent_activity', 'agent_retry']);

/** The coding agent an adapter reads, by name. */
export { AGENT_NAMES } from '../shared/agentPresentation';

/** `$0.5000`: what the task's agent has cost, when it said. */
function taskCost(t: TaskState | undefined): string {
  const cost = t?.agentRun?.costUsd;
  return cost === null || cost === undefined ? '' : usdText(cost);
}

/** One line for the events a person watching a run wants to see; undefined for the rest. */
export function describeEvent(e: JournalEvent, c: Palette, s: SessionState): string | undefined {
  const title = (id: string): string => printable(s.tasks.get(id)?.title ?? id);
  switch (e.type) {
    case 'session_started':
      return c.bold(`▶ ${printable(e.data.title)} (${e.data.milestone_id}): ${e.data.tasks.length} tasks, up to ${e.data.executors.max} executors, session ${e.session}`);
    case 'session_resumed':
      return e.data.by === 'recovery'
        ? c.bold(`▶ resuming session ${e.session}: ${e.data.requeued.length} interrupted task(s) run again${e.data.reset.length ? `, ${e.data.reset.length} retried` : ''}`)
        : c.bold('▶ resumed');
    case 'task_started':
      return c.dim(`  … ${e.data.task} started on ${e.data.agent}${e.data.attempt > 1 ? ` (attempt ${e.data.attempt})` : ''}`);
    case 'task_completed': {
      const cost = taskCost(s.tasks.get(e.data.task));
      return `${c.green('✓')} ${e.data.task} ${c.dim(`${title(e.data.task)} · ${formatDuration(e.data.duration_ms)}${cost ? ` · ${cost}` : ''}`)}`;
    }
    case 'task_failed': {
      // The message says why (`budget exceeded: spent $0.52 of $0.50`, `verify failed ...`); the cost is said once.
      const cost = e.data.reason === 'budget' ? '' : taskCost(s.tasks.get(e.data.task));
      return `${c.red('✗')} ${e.data.task} ${c.red(printable(e.data.message))}${cost ? c.dim(` · ${cost}`) : ''}${e.data.final ? '' : c.yellow(' · will retry')}`;
    }
    case 'task_waiting_quota':
      return c.yellow(`◷ ${e.data.task} ${quotaText(new Date(Date.parse(e.timestamp) + e.data.delay_ms).toISOString(), Date.parse(e.timestamp))}: ${printable(e.data.message)}`);
    case 'agent_limit_changed':
      return e.data.limit === null ? c.dim(`  agents: no limit on agent tasks at once any more (${printable(e.data.reason)})`) : c.yellow(`! agents: ${agentLimitText(e.data.limit)}: ${printable(e.data.reason)}`);
    case 'agent_session': {
      const d = e.data;
      const conversation = d.session_id ? ` ${d.continued ? 'continues' : 'starts'} conversation ${agentText(d.session_id)}` : ' starts';
      return c.dim(`  … ${d.task}: ${AGENT_NAMES[d.adapter]}${conversation}${d.note ? ` (${agentText(d.note)})` : ''}`);
    }
    case 'agent_init':
      return c.dim(`  … ${e.data.task}: model ${agentText(e.data.model ?? 'not named')}`);
    case 'agent_activity':
      return c.dim(`  … ${e.data.task}: ${agentText(e.data.action)}`);
    case 'agent_retry': {
      const d = e.data;
      const retry = { attempt: d.attempt, max: d.max_retries, delayMs: d.delay_ms, status: d.status, error: d.error, at: e.timestamp };
      return c.yellow(`↻ ${d.task}: ${retryText(retry, Date.parse(e.timestamp))}${d.error ? ` (${agentText(d.error)})` : ''}`);
    }
    case 'agent_result':
      return agentResultLine(e.data, s, c);
    case 'task_retrying':
      return c.yellow(`↻ ${e.data.task} retrying in ${formatDuration(e.data.delay_ms)} (attempt ${e.data.attempt})`);
    case 'task_skipped':
      return c.yellow(`⊘ ${e.data.task} skipped: ${printable(e.data.reason)}`);
    case 'task_cancelled':
      return c.yellow(`⊘ ${e.data.task} cancelled: ${printable(e.data.reason)}`);
    case 'quality_gate_passed':
      return `${c.green('✓')} gate ${e.data.gate} passed ${c.dim(formatDuration(e.data.duration_ms))}`;
    case 'quality_gate_failed':
      return `${c.red('✗')} gate ${e.data.gate} failed: ${printable(e.data.message)}${e.data.blocking ? '' : c.dim(' (not blocking)')}`;
    case 'git_branch_ready':
      return e.data.worktree
        ? c.dim(`  git: milestone branch ${printable(e.data.branch)}${e.data.created ? ' (created)' : ''}, integrated in ${printable(e.data.worktree)}`)
        : c.dim(`  git: on branch ${printable(e.data.branch)}${e.data.created ? ' (created)' : ''}`);
    case 'worktree_created': {
      const d = e.data;
      const extra = [d.reused ? 'reused' : '', d.port !== null ? `port ${d.port}` : ''].filter(Boolean).join(', ');
      return c.dim(`  worktree ${d.task ?? 'integration'}: ${printable(d.path)} on ${printable(d.branch)}${extra ? ` (${extra})` : ''}`);
    }
    case 'worktree_removed':
      return c.dim(`  worktree ${e.data.task ?? 'integration'} removed: ${printable(e.data.path)}`);
    case 'task_merged': {
      const d = e.data;
      const how = d.strategy === 'none' ? 'no changes' : `${d.strategy}, ${changesText(d.changes)}`;
      return `${c.green(col('merged'))} ${d.task}  ${c.dim(`(${how})`)}`;
    }
    case 'merge_conflict': {
      // A shell task has no agent to ask.
      const ways = s.tasks.get(e.data.task)?.kind === 'run' ? '--by-hand|--discard' : '--by-hand|--agent|--discard';
      return c.red(`CONFLICT ${e.data.task} needs merge: ${filesText(e.data.files)} — resolve: milestone-agents resolve ${e.data.task} ${ways}`);
    }
    case 'review_requested':
      return `${c.cyan(col('review'))} ${e.data.task} waits for approval ${c.dim(`(${changesText(e.data.changes)})`)}: milestone-agents review ${e.data.task} --approve|--reject`;
    case 'merge_resolution': {
      const word = e.data.how === 'approve' || e.data.how === 'reject' ? 'review' : 'resolve';
      return `${c.cyan(col(word))} ${e.data.task}: ${RESOLUTION_TEXT[e.data.how](s.tasks.get(e.data.task))}`;
    }
    case 'merge_discarded':
      return `${c.yellow(col('discard'))} ${e.data.task}: its result is not merged; its commits stay at ${printable(e.data.ref)}${e.data.sha ? ` (${e.data.sha.slice(0, 7)})` : ''}`;
    case 'git_unavailable':
      return c.yellow(`! git: ${printable(e.data.reason)}`);
    case 'auto_commit':
      return c.dim(`  git: ${e.data.sha.slice(0, 7)} ${printable(e.data.message)} (${e.data.files} file${e.data.files === 1 ? '' : 's'})`);
    case 'git_pushed':
      return c.dim(`  git: pushed ${e.data.branch} to ${e.data.remote}`);
    case 'git_conflict':
      return c.red(`! git conflict: ${printable(e.data.detail)}`);
    case 'git_error':
      return c.red(`! git ${e.data.operation}: ${printable(e.data.message)}`);
    case 'safety_warning':
      return c.yellow(`! safety: ${printable(e.data.message)}`);
    case 'alert':
      return c.yellow(`! ${printable(e.data.message)}`);
    case 'dependency_issues':
      return e.data.issues.length && e.data.source !== 'start' ? c.yellow(`! ${e.data.issues.length} dependency issue(s): ${printable(e.data.issues[0]?.message ?? '')}`) : undefined;
    case 'session_paused':
      return c.yellow(`⏸ paused: ${printable(e.data.reason)}`);
    case 'agent_recovered':
      return c.yellow(`↻ agent ${e.data.agent} replaced in ${formatDuration(e.data.recovery_ms)}${e.data.requeued.length ? `; re-queued ${e.data.requeued.join(', ')}` : ''}`);
    case 'rollback_step':
      return `${e.data.ok ? c.green('↶') : c.red('↶')} rolled back ${e.data.task}${e.data.ok ? '' : ` (exit code ${e.data.exit_code})`}`;
    default:
      return undefined;
  }
}

/** How an agent's run ended; a warning when it was refused permissions (they need the user: `allowed_tools`). */
function agentResultLine(d: Extract<JournalEvent, { type: 'agent_result' }>['data'], s: SessionState, c: Palette): string {
  const name = AGENT_NAMES[s.tasks.get(d.task)?.agentRun?.adapter ?? 'generic'];
  const facts = [agentText(d.subtype), d.turns !== null ? `${d.turns} turn${d.turns === 1 ? '' : 's'}` : '', usdText(d.cost_usd)].filter(Boolean).join(' · ');
  if (!d.denials.length) return c.dim(`  … ${d.task}: ${name} ended: ${facts}`);
  const refused = d.denials.map((x) => agentText(denialText(x))).join(', ');
  return c.yellow(`! ${d.task}: ${name} ended (${facts}), refused ${refused} — allow with allowed_tools, or change the prompt`);
}

/** In the live view, an agent's result says something of its own only when it was refused something: its cost shows when its task ends. */
const quietInLiveView = (e: JournalEvent): boolean => PLAIN_ONLY.has(e.type) || (e.type === 'agent_result' && e.data.denials.length === 0);

/**
 * The terminal view: finished things scroll by as lines, and below them a live block with
 * the overall bar and one line per running task, redrawn in place.
 */
export class LiveView {
  private readonly c: Palette;
  private drawn = 0;
  private readonly lastLine = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private scheduled = false;
  private progressAt = Date.now();

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly state: SessionState,
  ) {
    this.c = palette(out);
    // The elapsed times tick while nothing else happens.
    this.timer = setInterval(() => this.redraw(), 1000);
    this.timer.unref();
  }

  event(e: JournalEvent): void {
    if (e.type === 'progress') this.progressAt = Date.now();
    const line = describeEvent(e, this.c, this.state);
    if (e.type === 'task_started' || quietInLiveView(e)) return this.schedule();
    if (line) this.print(line);
    else this.schedule();
  }

  output(task: string, line: string): void {
    this.lastLine.set(task, line);
    this.schedule();
  }

  print(line: string): void {
    this.clear();
    this.out.write(`${line}\n`);
    this.draw();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      this.redraw();
    }, 50).unref();
  }

  private redraw(): void {
    this.clear();
    this.draw();
  }

  private clear(): void {
    if (this.drawn) this.out.write(`\x1b[${this.drawn}A\x1b[0J`);
    this.drawn = 0;
  }

  private draw(): void {
    const s = this.state;
    if (!s.tasks.size) return;
    const counts = countTasks(s);
    const finished = counts.completed + counts.failed + counts.skipped + counts.cancelled;
    const width = Math.max(10, Math.min(30, (this.out.columns ?? 80) - 50));
    const left = s.progress?.eta_ms ? s.progress.eta_ms - (Date.now() - this.progressAt) : 0;
    const eta = left > 0 ? ` · ETA ${formatDuration(left)}` : '';
    // The bar is how far the run got; the text, as in the editor, how much of it completed.
    const notRun = counts.skipped + counts.cancelled;
    const tasks = [...s.tasks.values()];
    const needsMerge = tasks.filter((t) => t.status === 'needs_merge');
    const inReview = tasks.filter((t) => t.status === 'in_review');
    const waiting = `${needsMerge.length ? this.c.red(` · ${needsMerge.length} need${needsMerge.length === 1 ? 's' : ''} merge`) : ''}${inReview.length ? this.c.cyan(` · ${inReview.length} in review`) : ''}`;
    const quota = tasks.filter((t) => t.status === 'waiting_quota');
    const spent = spendText(s);
    const agents = `${quota.length ? this.c.yellow(` · ${quota.length} waiting for quota`) : ''}${spent ? ` · ${spent}` : ''}`;
    const lines = [`${progressBar(finished / counts.total, width)} ${counts.completed}/${counts.total} completed · ${completedPercent(counts)}%${counts.failed ? this.c.red(` · ${counts.failed} failed`) : ''}${notRun ? ` · ${notRun} not run` : ''}${waiting}${agents}${eta}`];
    const cols = this.out.columns || 100;
    // Only the free text at the end is shortened, by its visible length, so a line never wraps.
    const fit = (text: string, used: number): string => {
      const room = Math.max(0, cols - used);
      return text.length > room ? `${text.slice(0, Math.max(0, room - 1))}…` : text;
    };
    const now = Date.now();
    for (const t of tasks) {
      if (t.status !== 'running') continue;
      const elapsed = t.startedAt ? formatDuration(now - Date.parse(t.startedAt)) : '';
      // An agent's current action (or its API retry) says more than its last line of output.
      const doing = t.agentRun ? agentNowText(t, now) : null;
      const shown = fit(agentText(doing ?? this.lastLine.get(t.id) ?? ''), t.id.length + elapsed.length + 8);
      lines.push(`  ${this.c.cyan('▸')} ${t.id} ${this.c.dim(elapsed)} ${t.agentRun?.retry ? this.c.yellow(shown) : this.c.dim(shown)}`);
    }
    for (const t of quota) lines.push(`  ${this.c.yellow('◷')} ${t.id} ${this.c.yellow(fit(agentNowText(t, now) ?? '', t.id.length + 6))}`);
    // The tasks that wait for the user stay in view until the run ends: nothing else will bring them back.
    for (const t of needsMerge) {
      lines.push(`  ${this.c.red('⚠')} ${t.id} ${this.c.red('needs merge')} ${this.c.dim(fit(filesText(t.merge?.files ?? []), t.id.length + 18))}`);
    }
    for (const t of inReview) {
      const changes = t.merge?.changes ? changesText(t.merge.changes) : '';
      lines.push(`  ${this.c.cyan('◆')} ${t.id} ${this.c.cyan('in review')} ${this.c.dim(fit(changes, t.id.length + 16))}`);
    }
    this.out.write(`${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }
}

/** Plain lines for logs and pipes: no cursor movement, a time offset on each line. */
export class PlainView {
  private readonly c: Palette;
  private readonly start = Date.now();
  private lastFinished = -1;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly state: SessionState,
  ) {
    this.c = palette(out);
  }

  event(e: JournalEvent): void {
    const line = describeEvent(e, this.c, this.state);
    if (line) this.out.write(`[${formatDuration(Date.now() - this.start).padStart(6)}] ${line.trimStart()}\n`);
    if (e.type === 'progress' && e.data.done + e.data.failed + e.data.skipped !== this.lastFinished) {
      this.lastFinished = e.data.done + e.data.failed + e.data.skipped;
      this.out.write(`[${formatDuration(Date.now() - this.start).padStart(6)}] progress ${e.data.done}/${e.data.total} completed (${completedPercent({ completed: e.data.done, total: e.data.total })}%)${e.data.failed ? `, ${e.data.failed} failed` : ''}${e.data.skipped ? `, ${e.data.skipped} not run` : ''}\n`);
    }
  }

  output(): void {}

  print(line: string): void {
    this.out.write(`${line}\n`);
  }

  close(): void {}
}

export function summaryLines(s: SessionState, c: Palette, workspace: string): string[] {
  const counts = countTasks(s);
  const dur = s.startedAt ? formatDuration((s.endedAt ? Date.parse(s.endedAt) : Date.now()) - Date.parse(s.startedAt)) : '';
  const head =
    s.status === 'completed'
      ? c.green(`✓ ${s.title}: completed ${counts.completed}/${counts.total} tasks in ${dur}`)
      : s.status === 'failed'
        ? c.red(`✗ ${s.title}: failed (${s.result?.reason ?? ''}) — ${counts.completed}/${counts.total} tasks completed in ${dur}`)
        : c.yellow(`⏸ ${s.title}: ${s.status} (${s.result?.reason ?? s.pauseReason ?? ''}) — ${counts.completed}/${counts.total} tasks completed`);
  const rel = (p: string): string => path.relative(process.cwd(), p) || '.';
  const dir = path.join(workspace, '.milestones', 'sessions', s.id);
  const lines = [head, `  session state: ${rel(dir)}`, `  task logs:     ${rel(path.join(dir, 'logs'))}`];
  const contents = branchContents(s);
  if (s.branch) lines.push(`  git branch:    ${printable(s.branch)}${contents.length ? ` (${contents.join(', ')})` : ''}`);
  const spent = spendText(s);
  if (spent) lines.push(`  agents spent:  ${spent}${s.agentTotals.costUnknown && spent !== 'cost unknown' ? ' (not every agent reports its cost)' : ''} · tokens: ${tokensText(s.agentTotals.tokens)}`);
  const awaiting = awaitingLines(s, c, workspace);
  // Resolving a task resumes the session: a plain resume would stop at the same place.
  if (s.status === 'failed' || (s.status === 'interrupted' && !awaiting.length)) lines.push(`  resume with:   milestone-agents resume ${s.id}${workspace !== process.cwd() ? ` --cwd ${rel(workspace)}` : ''}`);
  lines.push(...awaiting, ...integrateOffer(s, c, workspace));
  return lines;
}
