// The Agents tree as plain data, built from a session's state: the provider only turns
// these nodes into TreeItems, and the unit tests check the model without an editor.
import { formatDuration } from '../../core/duration';
import type { AgentKind, AgentStatus } from '../../core/session/events';
import { WORK_UNIT } from '../../core/session/agentWork';
import { AWAITING_USER_STATUSES, countTasks, type AgentState, type SessionState, type SessionStatus, type TaskState, type TaskStatus } from '../../core/session/state';
import { agentLimitText, agentNowText, agentTooltipLines, denialsText, hasResult, resultText, spendText, stoppedText, tokensText } from '../../shared/agentPresentation';
import { byAgentOrder, changesText, completedPercent, isInterrupted, mergeStateText, shownStatus, taskStatusLabel, type Liveness } from '../../shared/presentation';

export type { Liveness } from '../../shared/presentation';

export interface SessionNode {
  kind: 'session';
  key: string;
  sessionId: string;
  label: string;
  description: string;
  tooltip: string;
  status: SessionStatus;
  liveness: Liveness;
  /**
   * `session.<status>.<liveness>`, and `.take` once a session that integrated its branch in
   * a worktree of its own has ended: its branch can be checked out or merged.
   */
  contextValue: string;
}

export interface AgentNode {
  kind: 'agent';
  key: string;
  sessionId: string;
  agentId: string;
  agentKind: AgentKind;
  status: AgentStatus;
  label: string;
  description: string;
  tooltip: string;
  health: 'healthy' | 'degraded' | 'terminated';
}

export interface GroupNode {
  kind: 'group';
  key: string;
  sessionId: string;
  label: string;
  description: string;
}

export interface TaskNode {
  kind: 'task';
  key: string;
  sessionId: string;
  taskId: string;
  /** The journal's status, or `interrupted` for a task that was running when its session died. */
  status: TaskStatus | 'interrupted';
  label: string;
  description: string;
  tooltip: string;
  /**
   * Drives the inline actions through `viewItem`: `task.<status>`, then `.live` when this
   * window runs the session, `.merge` when its result waits for the user and this window
   * may resolve it (it does not run elsewhere), `.agent` for an agent task, `.diff` when
   * there are changes to review.
   */
  contextValue: string;
  /** Files that conflict, shown under the task while its merge waits. */
  conflicts: string[];
  /** Its coding agent retries an API request (a rate limit, an overload): the task runs, but waits. */
  apiRetry: boolean;
}

/** A file whose merge conflicts, under its task. */
export interface ConflictNode {
  kind: 'conflict';
  key: string;
  sessionId: string;
  taskId: string;
  /** Relative to the task's worktree. */
  file: string;
  label: string;
  description: string;
  tooltip: string;
  /** `conflict`, and `.merge` when this window may resolve it. */
  contextValue: string;
}

export type TreeNode = SessionNode | AgentNode | GroupNode | TaskNode | ConflictNode;

/** The session ended (not only stopped for now) and its branch lives in an integration worktree: the user can take it. */
export function canTakeBranch(s: SessionState, liveness: Liveness): boolean {
  return liveness !== 'here' && liveness !== 'elsewhere' && s.integration !== null && s.branch !== null && (s.status === 'completed' || s.status === 'failed' || s.status === 'interrupted');
}

/** Tasks whose result waits for the user, by state. */
function awaiting(s: SessionState): { merge: number; review: number } {
  let merge = 0;
  let review = 0;
  for (const t of s.tasks.values()) {
    if (t.status === 'needs_merge') merge++;
    else if (t.status === 'in_review') review++;
  }
  return { merge, review };
}

function awaitingText(s: SessionState): string {
  const a = awaiting(s);
  return [a.merge ? `${a.merge} need${a.merge === 1 ? 's' : ''} merge` : '', a.review ? `${a.review} in review` : ''].filter(Boolean).join(' · ');
}

/** Agent tasks stopped by a rate limit: they run again by themselves. */
function waitingForQuota(s: SessionState): number {
  let n = 0;
  for (const t of s.tasks.values()) if (t.status === 'waiting_quota') n++;
  return n;
}

/** `1 waiting for quota`, or nothing. */
function quotaCountText(s: SessionState): string {
  const n = waitingForQuota(s);
  return n ? `${n} waiting for quota` : '';
}

/** What the session's agents spent, and the limit a rate limit set, for its tooltip. */
function spendLines(s: SessionState): string[] {
  const spent = spendText(s);
  return [
    spent ? `Agents spent: ${spent} (tokens: ${tokensText(s.agentTotals.tokens)})${s.agentTotals.costUnknown ? ' — some agent does not report its cost' : ''}` : '',
    s.agentLimit !== null ? `Agent limit: ${agentLimitText(s.agentLimit)}` : '',
  ];
}

export function sessionNode(s: SessionState, liveness: Liveness): SessionNode {
  const c = countTasks(s);
  const percent = completedPercent(c);
  const status = shownStatus(s.status, liveness);
  const statusText = liveness === 'elsewhere' ? `${status} (read-only: run by another process)` : status;
  const tooltip = [
    `${s.title} (${s.milestoneId})`,
    `Session ${s.id}`,
    `Status: ${statusText}${s.pauseReason ? ` — ${s.pauseReason}` : ''}`,
    `Tasks: ${c.completed} completed, ${c.failed} failed, ${c.skipped + c.cancelled} not run, ${c.running} running, of ${c.total}`,
    s.branch ? `Branch: ${s.branch} (${s.commits.length} commit${s.commits.length === 1 ? '' : 's'})` : '',
    s.integration ? `Integrated in: ${s.integration.path}${s.integration.removed ? ' (removed)' : ''}` : '',
    awaitingText(s) ? `Waiting for you: ${awaitingText(s)}` : '',
    waitingForQuota(s) ? `Waiting for quota after a rate limit: ${waitingForQuota(s) === 1 ? '1 agent task, which runs again by itself' : `${waitingForQuota(s)} agent tasks, which run again by themselves`}` : '',
    ...spendLines(s),
    s.result ? `Result: ${s.result.reason}` : '',
  ].filter(Boolean);
  const waiting = awaitingText(s);
  return {
    kind: 'session',
    key: `session:${s.id}`,
    sessionId: s.id,
    label: s.title || s.milestoneId || s.id,
    description: `${statusText} · ${c.completed}/${c.total} · ${percent}%${waiting ? ` · ${waiting}` : ''}${s.branch ? ` · ${s.branch}` : ''}`,
    tooltip: tooltip.join('\n'),
    status,
    liveness,
    contextValue: `session.${status}.${liveness}${canTakeBranch(s, liveness) ? '.take' : ''}`,
  };
}

function agentHealth(a: AgentState): AgentNode['health'] {
  if (a.status === 'terminated') return 'terminated';
  return a.restarts > 0 ? 'degraded' : 'healthy';
}

/**
 * An interrupted session (see isInterrupted) may still say in its journal that its agents
 * work and its tasks run: show them as they are, gone and interrupted.
 */
export function agentNode(s: SessionState, live: AgentState, halted = false, now = Date.now()): AgentNode {
  const a: AgentState = halted && live.status !== 'terminated' ? { ...live, status: 'terminated', currentTask: null, busySince: null } : live;
  const busy = a.busyMs + (a.status === 'busy' && a.busySince ? Math.max(0, now - Date.parse(a.busySince)) : 0);
  const health = agentHealth(a);
  const task = a.currentTask ? s.tasks.get(a.currentTask) : undefined;
  const doing = task ? agentNowText(task, now) : null;
  return {
    kind: 'agent',
    key: `agent:${s.id}:${a.id}`,
    sessionId: s.id,
    agentId: a.id,
    agentKind: a.kind,
    status: a.status,
    health,
    label: a.id,
    description: [a.status === 'busy' && task ? `running ${task.id}` : a.status, a.status === 'busy' ? (doing ?? '') : '', health !== 'healthy' && health !== 'terminated' ? health : ''].filter(Boolean).join(' · '),
    tooltip: [
      `${a.id} — ${a.kind} agent`,
      `Status: ${a.status}${a.currentTask ? ` (${a.currentTask})` : ''}`,
      `Health: ${health}${a.restarts ? `, replaced ${a.restarts} time${a.restarts === 1 ? '' : 's'}` : ''}`,
      `Work done: ${a.workDone} ${WORK_UNIT[a.kind]}`,
      `Errors: ${a.errors}`,
      `Busy: ${formatDuration(busy)}`,
    ].join('\n'),
  };
}

/** There is something to compare: a branch or a commit the task's result is on. */
export function hasChanges(t: TaskState): boolean {
  if (t.merge?.changes?.files === 0) return false;
  return t.merge?.sha != null || (t.worktree !== null && (AWAITING_USER_STATUSES.has(t.status) || t.merge !== null));
}

/** Statuses in which a task's agent has not (yet) reported on its latest attempt. */
const BEFORE_RESULT: ReadonlySet<string> = new Set(['running', 'waiting_quota', 'queued', 'pending']);

/**
 * A task's row. An agent task says what its agent does while it runs (`Write src/login.ts`,
 * or `rate limited, retry 3/10 in 2.3s` while the agent retries), when it runs again while
 * it waits for quota, and its turns and cost once its agent reported (`3 turns · $0.0123`).
 */
export function taskNode(s: SessionState, t: TaskState, liveness: Liveness, halted = false, now = Date.now()): TaskNode {
  const live = liveness === 'here';
  const status = halted && t.status === 'running' ? 'interrupted' : t.status;
  const running = status === 'running' && t.startedAt ? now - Date.parse(t.startedAt) : undefined;
  const duration = running !== undefined ? formatDuration(running) : t.durationMs !== null ? formatDuration(t.durationMs) : '';
  const waits = AWAITING_USER_STATUSES.has(t.status);
  const merged = t.status === 'completed' && t.merge?.state === 'discarded' ? 'discarded' : t.status === 'completed' && t.merge?.state === 'resolving' ? 'merging' : '';
  const doing = status === 'interrupted' ? null : agentNowText(t, now);
  const run = t.agentRun;
  const parts = [
    doing ?? taskStatusLabel(status),
    waits || status === 'waiting_quota' ? '' : duration,
    t.attempts > 1 ? `attempt ${t.attempts}` : '',
    t.status === 'skipped' && t.blockedBy ? `blocked by ${t.blockedBy}` : '',
    t.status === 'failed' ? stoppedText(run) : '',
    // Before the merge's words: a narrow side bar cuts the end of the row, and cost matters more.
    hasResult(run) && !BEFORE_RESULT.has(status) ? resultText(run) : '',
    run?.denials.length ? `⚠ ${denialsText(run.denials.length)}` : '',
    merged,
    t.merge?.changes && t.merge.changes.files > 0 ? changesText(t.merge.changes) : '',
  ].filter(Boolean);
  const tooltip = [
    `${t.title} (${t.id})`,
    `Status: ${taskStatusLabel(status)}`,
    t.command ? `${t.kind === 'agent' ? 'Agent' : 'Runs'}: ${t.command}` : '',
    ...agentTooltipLines(t, now),
    t.dependsOn.length ? `Depends on: ${t.dependsOn.join(', ')}` : '',
    t.agent ? `Executor: ${t.agent}` : '',
    t.attempts ? `Attempts: ${t.attempts}` : '',
    `Isolation: ${t.isolation === 'worktree' ? 'a worktree of its own' : 'shared'}${t.review ? ', reviewed before merge' : ''}`,
    t.worktree ? `Branch: ${t.worktree.branch}` : '',
    t.worktree ? `Worktree: ${t.worktree.path}${t.worktree.removed ? ' (removed)' : ''}` : '',
    t.merge?.changes ? `Changes: ${changesText(t.merge.changes)}` : '',
    t.merge ? `Merge: ${mergeStateText(t.merge)}` : '',
    t.message && t.status !== 'completed' ? `Last: ${t.message}` : '',
  ].filter(Boolean);
  const resolvable = waits && liveness !== 'elsewhere';
  const conflicts = t.status === 'needs_merge' && t.merge?.state === 'conflict' ? t.merge.files : [];
  return {
    kind: 'task',
    key: `task:${s.id}:${t.id}`,
    sessionId: s.id,
    taskId: t.id,
    status,
    label: t.id === t.title ? t.id : `${t.id} — ${t.title}`,
    description: parts.join(' · '),
    tooltip: tooltip.join('\n'),
    contextValue: `task.${status}${live ? '.live' : ''}${resolvable ? '.merge' : ''}${t.kind === 'agent' ? '.agent' : ''}${hasChanges(t) ? '.diff' : ''}`,
    conflicts,
    apiRetry: status === 'running' && run?.retry != null,
  };
}

function conflictNode(s: SessionState, t: TaskState, file: string, liveness: Liveness): ConflictNode {
  const slash = file.lastIndexOf('/');
  return {
    kind: 'conflict',
    key: `conflict:${s.id}:${t.id}:${file}`,
    sessionId: s.id,
    taskId: t.id,
    file,
    label: slash >= 0 ? file.slice(slash + 1) : file,
    description: slash >= 0 ? `${file.slice(0, slash)} · conflict` : 'conflict',
    tooltip: `${file} conflicts between task "${t.id}" (${t.worktree?.branch ?? 'its branch'}) and ${s.branch ?? 'the milestone branch'}.\nOpen it in the merge editor, save the result, then Mark Resolved.`,
    contextValue: `conflict${liveness !== 'elsewhere' ? '.merge' : ''}`,
  };
}

/** The tasks waiting for the user first (they hold up their dependents), then the others in file order. */
function tasksInOrder(s: SessionState): TaskState[] {
  const all = s.taskOrder.map((id) => s.tasks.get(id)).filter((t): t is TaskState => t !== undefined);
  return [...all.filter((t) => AWAITING_USER_STATUSES.has(t.status)), ...all.filter((t) => !AWAITING_USER_STATUSES.has(t.status))];
}

/** Children of a node; the roots when `parent` is undefined. `now`: the clock that durations and countdowns are drawn at. */
export function children(sessions: readonly { state: SessionState; liveness: Liveness }[], parent?: TreeNode, now = Date.now()): TreeNode[] {
  if (!parent) return sessions.map((s) => sessionNode(s.state, s.liveness));
  const entry = sessions.find((s) => s.state.id === parent.sessionId);
  if (!entry) return [];
  const s = entry.state;
  const halted = isInterrupted(s.status, entry.liveness);
  switch (parent.kind) {
    case 'session': {
      const agents = [...s.agents.values()].sort(byAgentOrder);
      const c = countTasks(s);
      return [
        ...agents.map((a) => agentNode(s, a, halted, now)),
        { kind: 'group', key: `tasks:${s.id}`, sessionId: s.id, label: 'Tasks', description: [`${c.completed}/${c.total} completed`, c.failed ? `${c.failed} failed` : '', c.running ? `${c.running} running` : '', quotaCountText(s), awaitingText(s)].filter(Boolean).join(' · ') },
      ];
    }
    case 'agent':
      return s.taskOrder.map((id) => s.tasks.get(id)).filter((t): t is TaskState => t?.agent === parent.agentId).map((t) => taskNode(s, t, entry.liveness, halted, now));
    case 'group':
      return tasksInOrder(s).map((t) => taskNode(s, t, entry.liveness, halted, now));
    case 'task': {
      const t = s.tasks.get(parent.taskId);
      return t && t.status === 'needs_merge' && t.merge?.state === 'conflict' ? t.merge.files.map((f) => conflictNode(s, t, f, entry.liveness)) : [];
    }
    default:
      return [];
  }
}
