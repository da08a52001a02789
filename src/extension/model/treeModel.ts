// The Agents tree as plain data, built from a session's state: the provider only turns
// these nodes into TreeItems, and the unit tests check the model without an editor.
import { formatDuration } from '../../core/duration';
import type { AgentKind, AgentStatus } from '../../core/session/events';
import { WORK_UNIT } from '../../core/session/agentWork';
import { countTasks, type AgentState, type SessionState, type SessionStatus, type TaskState, type TaskStatus } from '../../core/session/state';
import { byAgentOrder, completedPercent, isInterrupted, shownStatus, type Liveness } from '../../shared/presentation';

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
  /** Drives the inline actions through `viewItem`: `task.<status>.live` or `task.<status>`. */
  contextValue: string;
}

export type TreeNode = SessionNode | AgentNode | GroupNode | TaskNode;

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
    s.result ? `Result: ${s.result.reason}` : '',
  ].filter(Boolean);
  return {
    kind: 'session',
    key: `session:${s.id}`,
    sessionId: s.id,
    label: s.title || s.milestoneId || s.id,
    description: `${statusText} · ${c.completed}/${c.total} · ${percent}%${s.branch ? ` · ${s.branch}` : ''}`,
    tooltip: tooltip.join('\n'),
    status,
    liveness,
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
export function agentNode(s: SessionState, live: AgentState, halted = false): AgentNode {
  const a: AgentState = halted && live.status !== 'terminated' ? { ...live, status: 'terminated', currentTask: null, busySince: null } : live;
  const busy = a.busyMs + (a.status === 'busy' && a.busySince ? Math.max(0, Date.now() - Date.parse(a.busySince)) : 0);
  const health = agentHealth(a);
  const task = a.currentTask ? s.tasks.get(a.currentTask) : undefined;
  return {
    kind: 'agent',
    key: `agent:${s.id}:${a.id}`,
    sessionId: s.id,
    agentId: a.id,
    agentKind: a.kind,
    status: a.status,
    health,
    label: a.id,
    description: [a.status === 'busy' && task ? `running ${task.id}` : a.status, health !== 'healthy' && health !== 'terminated' ? health : ''].filter(Boolean).join(' · '),
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

export function taskNode(s: SessionState, t: TaskState, live: boolean, halted = false): TaskNode {
  const status = halted && t.status === 'running' ? 'interrupted' : t.status;
  const running = status === 'running' && t.startedAt ? Date.now() - Date.parse(t.startedAt) : undefined;
  const duration = running !== undefined ? formatDuration(running) : t.durationMs !== null ? formatDuration(t.durationMs) : '';
  const parts = [status, duration, t.attempts > 1 ? `attempt ${t.attempts}` : '', t.status === 'skipped' && t.blockedBy ? `blocked by ${t.blockedBy}` : ''].filter(Boolean);
  const tooltip = [
    `${t.title} (${t.id})`,
    `Status: ${status}`,
    t.command ? `${t.kind === 'agent' ? 'Agent' : 'Runs'}: ${t.command}` : '',
    t.dependsOn.length ? `Depends on: ${t.dependsOn.join(', ')}` : '',
    t.agent ? `Executor: ${t.agent}` : '',
    t.attempts ? `Attempts: ${t.attempts}` : '',
    t.message && t.status !== 'completed' ? `Last: ${t.message}` : '',
  ].filter(Boolean);
  return {
    kind: 'task',
    key: `task:${s.id}:${t.id}`,
    sessionId: s.id,
    taskId: t.id,
    status,
    label: t.id === t.title ? t.id : `${t.id} — ${t.title}`,
    description: parts.join(' · '),
    tooltip: tooltip.join('\n'),
    contextValue: `task.${status}${live ? '.live' : ''}`,
  };
}

/** Children of a node; the roots when `parent` is undefined. */
export function children(sessions: readonly { state: SessionState; liveness: Liveness }[], parent?: TreeNode): TreeNode[] {
  if (!parent) return sessions.map((s) => sessionNode(s.state, s.liveness));
  const entry = sessions.find((s) => s.state.id === parent.sessionId);
  if (!entry) return [];
  const s = entry.state;
  const live = entry.liveness === 'here';
  const halted = isInterrupted(s.status, entry.liveness);
  switch (parent.kind) {
    case 'session': {
      const agents = [...s.agents.values()].sort(byAgentOrder);
      const c = countTasks(s);
      return [
        ...agents.map((a) => agentNode(s, a, halted)),
        { kind: 'group', key: `tasks:${s.id}`, sessionId: s.id, label: 'Tasks', description: `${c.completed}/${c.total} completed${c.failed ? ` · ${c.failed} failed` : ''}${c.running ? ` · ${c.running} running` : ''}` },
      ];
    }
    case 'agent':
      return s.taskOrder.map((id) => s.tasks.get(id)).filter((t): t is TaskState => t?.agent === parent.agentId).map((t) => taskNode(s, t, live, halted));
    case 'group':
      return s.taskOrder.map((id) => s.tasks.get(id)).filter((t): t is TaskState => t !== undefined).map((t) => taskNode(s, t, live, halted));
    default:
      return [];
  }
}
