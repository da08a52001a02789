// What the dashboard draws, derived from a session's state: one pure function, shared by
// the webview and the unit tests.
import type { AgentKind, AgentStatus, EventData, Tokens } from '../core/session/events';
import { WORK_UNIT } from '../core/session/agentWork';
import { countTasks, type SessionState, type SessionStatus, type TaskState, type TaskStatus } from '../core/session/state';
import { agentLimitText, agentNowText, agentsReported, denialText, hasResult, spendText, tokensText, usdText } from './agentPresentation';
import { byAgentOrder, changesText, completedPercent, mergeStateText, taskStatusLabel } from './presentation';

/** What an agent task's coding agent does and has cost, as the dashboard's agents panel shows it. */
export interface AgentRow {
  /** What it does now (`Write src/login.ts`), why it waits (`rate limited, retry 3/10 in 2.3s`), or ''. */
  now: string;
  /** It waits: on its own API retry, or for quota (the task runs again by itself). */
  waiting: 'retry' | 'quota' | null;
  model: string | null;
  sessionId: string | null;
  continued: boolean;
  turns: number | null;
  /** `$0.0123`, `cost unknown`, or '' before the agent reported. */
  cost: string;
  /** `1,234 in · 567 out`, or '' before any token was counted. */
  tokens: string;
  /** Tool calls seen. */
  actions: number;
  /** The latest result's subtype (`success`, `error_max_budget_usd`), or null. */
  subtype: string | null;
  /** `Bash: git push origin main`, one per permission refused. */
  denials: string[];
}

/** A task's isolation, worktree and merge, as the dashboard's table shows them. */
export interface TaskRow {
  id: string;
  title: string;
  status: TaskStatus | 'interrupted';
  /** The status in words ("needs merge", "in review"). */
  statusText: string;
  kind: 'run' | 'agent';
  isolation: 'worktree' | 'shared';
  review: boolean;
  branch: string | null;
  /** The task's worktree while it exists. */
  worktree: string | null;
  changes: string;
  merge: string;
  conflicts: string[];
  /** Its result waits for the user: needs merge, or in review. */
  awaiting: 'merge' | 'review' | null;
  /** Its coding agent, once one started (agent tasks). */
  agent: AgentRow | null;
}

/** What the session's agents spent; null while none has reported. */
export interface Spend {
  /** `$0.0421`, `≥ $0.0421` (some cost unknown), `cost unknown`. */
  text: string;
  costUsd: number;
  costUnknown: boolean;
  tokens: Tokens;
  /** `12,345 in · 678 out`. */
  tokensText: string;
}

/** Why a session paused, as its journal says (the state keeps the reason only). */
export type PauseCause = EventData['session_paused']['by'];

export interface DashboardModel {
  title: string;
  milestoneId: string;
  /** As shown: interrupted when the model is drawn halted. */
  status: SessionStatus;
  pauseReason: string | null;
  /** Who paused the session: the user, a conflict, dependency issues, or the milestone's budget. */
  pausedBy: PauseCause | null;
  progress: { done: number; failed: number; skipped: number; running: number; total: number; percent: number; etaMs: number | null };
  /** `doing`: what the coding agent of the task it runs does now. */
  agents: { id: string; kind: AgentKind; status: AgentStatus; task: string | null; doing: string | null; workDone: number; workUnit: string; errors: number; restarts: number }[];
  graph: { nodes: { id: string; label: string; status: TaskStatus | 'interrupted'; attempts: number; durationMs: number | null }[]; edges: { from: string; to: string }[] };
  timeline: { start: number; end: number; lanes: { agent: string; runs: { task: string; start: number; end: number; status: RunRecord['status'] }[] }[] };
  gates: { id: string; status: string; blocking: boolean; message: string | null }[];
  alerts: { kind: string; message: string; at: string }[];
  branch: string | null;
  commits: number;
  /** Results of isolated tasks merged into the milestone branch (each a commit or more of its own). */
  merged: number;
  tasks: TaskRow[];
  /** Worktrees that exist now: the integration worktree and the tasks' own. */
  worktrees: { live: number; paths: string[]; integration: string | null };
  awaiting: { merge: number; review: number };
  spend: Spend | null;
  /** `2 agent tasks at once (…)`: the limit a rate limit set; '' when there is none. */
  agentLimit: string;
  /** Agent tasks waiting for quota. */
  waitingQuota: number;
}

export interface RunRecord {
  task: string;
  agent: string;
  start: number;
  end: number | null;
  /** `waiting_quota`: the run ended on a rate limit; the task runs again by itself. */
  status: 'completed' | 'failed' | 'running' | 'cancelled' | 'waiting_quota';
}

/**
 * Task runs per executor, from the events (the state keeps only each task's latest run).
 * Feed every event in order; `runs` is the timeline's raw material.
 */
export class RunLog {
  readonly runs: RunRecord[] = [];
  private readonly open = new Map<string, RunRecord>();
  /** Who paused the session, while it is paused. */
  pausedBy: PauseCause | null = null;

  add(e: { type: string; timestamp: string; data: unknown }): void {
    const d = e.data as { task?: string; agent?: string | null; by?: PauseCause };
    const at = Date.parse(e.timestamp);
    if (e.type === 'session_paused') this.pausedBy = d.by ?? null;
    else if (e.type === 'session_resumed' || e.type === 'session_started') this.pausedBy = null;
    if (e.type === 'task_started' && d.task && d.agent) {
      const run: RunRecord = { task: d.task, agent: d.agent, start: at, end: null, status: 'running' };
      this.runs.push(run);
      this.open.set(d.task, run);
    } else if ((e.type === 'task_completed' || e.type === 'task_failed' || e.type === 'task_cancelled' || e.type === 'task_waiting_quota') && d.task) {
      const run = this.open.get(d.task);
      if (!run) return;
      run.end = at;
      run.status = e.type === 'task_completed' ? 'completed' : e.type === 'task_failed' ? 'failed' : e.type === 'task_waiting_quota' ? 'waiting_quota' : 'cancelled';
      this.open.delete(d.task);
    } else if (e.type === 'session_resumed' || e.type === 'session_interrupted') {
      // Runs cut short by a crash or a stop have no end event: they end here.
      for (const run of this.open.values()) {
        run.end = at;
        run.status = 'cancelled';
      }
      this.open.clear();
    }
  }
}

/**
 * `halted`: the session is interrupted (see isInterrupted), though its journal may still
 * say that tasks run and agents work: they are drawn as they are, stopped at the last
 * event, not growing with the clock.
 */
export function toDashboardModel(s: SessionState, runs: readonly RunRecord[], now: number, halted = false, pausedBy: PauseCause | null = null): DashboardModel {
  const c = countTasks(s);
  const tasks = s.taskOrder.map((id) => s.tasks.get(id)).filter((t) => t !== undefined);
  const starts = runs.map((r) => r.start);
  const start = starts.length ? Math.min(...starts) : s.startedAt ? Date.parse(s.startedAt) : now;
  const end = s.endedAt ? Date.parse(s.endedAt) : halted && s.lastEventAt ? Date.parse(s.lastEventAt) : now;
  const lanes = new Map<string, DashboardModel['timeline']['lanes'][number]>();
  for (const r of runs) {
    const lane = lanes.get(r.agent) ?? { agent: r.agent, runs: [] };
    lane.runs.push({ task: r.task, start: r.start, end: r.end ?? end, status: halted && r.status === 'running' ? 'cancelled' : r.status });
    lanes.set(r.agent, lane);
  }
  const known = new Set(tasks.map((t) => t.id));
  return {
    title: s.title || s.milestoneId,
    milestoneId: s.milestoneId,
    status: halted ? 'interrupted' : s.status,
    pauseReason: s.pauseReason,
    pausedBy: s.status === 'paused' ? pausedBy : null,
    progress: {
      done: c.completed,
      failed: c.failed,
      skipped: c.skipped + c.cancelled,
      running: halted ? 0 : c.running,
      total: c.total,
      percent: completedPercent(c),
      etaMs: s.status === 'completed' || s.status === 'failed' || halted ? 0 : (s.progress?.eta_ms ?? null),
    },
    agents: [...s.agents.values()].sort(byAgentOrder).map((a) => {
      const task = !halted && a.status === 'busy' && a.currentTask ? s.tasks.get(a.currentTask) : undefined;
      return { id: a.id, kind: a.kind, status: halted ? 'terminated' : a.status, task: halted ? null : a.currentTask, doing: task ? agentNowText(task, now) : null, workDone: a.workDone, workUnit: WORK_UNIT[a.kind], errors: a.errors, restarts: a.restarts };
    }),
    graph: {
      nodes: tasks.map((t) => ({ id: t.id, label: t.title, status: halted && t.status === 'running' ? 'interrupted' : t.status, attempts: t.attempts, durationMs: t.durationMs })),
      edges: tasks.flatMap((t) => t.dependsOn.filter((d) => known.has(d)).map((d) => ({ from: d, to: t.id }))),
    },
    timeline: { start, end: Math.max(end, start + 1), lanes: [...lanes.values()].sort((a, b) => a.agent.localeCompare(b.agent, undefined, { numeric: true })) },
    gates: [...s.gates.values()].map((g) => ({ id: g.id, status: g.status, blocking: g.blocking, message: g.message })),
    alerts: s.alerts.slice(-20).map((a) => ({ kind: a.kind, message: a.message, at: a.at })),
    branch: s.branch,
    commits: s.commits.length,
    merged: tasks.filter((t) => t.merge?.state === 'merged' && (t.merge.changes?.files ?? 1) > 0).length,
    tasks: tasks.map((t): TaskRow => {
      const status = halted && t.status === 'running' ? 'interrupted' : t.status;
      return {
        id: t.id,
        title: t.title,
        status,
        statusText: taskStatusLabel(status),
        kind: t.kind,
        isolation: t.isolation,
        review: t.review,
        branch: t.worktree?.branch ?? null,
        worktree: t.worktree && !t.worktree.removed ? t.worktree.path : null,
        changes: changesText(t.merge?.changes),
        merge: mergeStateText(t.merge),
        conflicts: t.status === 'needs_merge' && t.merge?.state === 'conflict' ? [...t.merge.files] : [],
        awaiting: t.status === 'needs_merge' ? 'merge' : t.status === 'in_review' ? 'review' : null,
        agent: agentRow(t, now, halted),
      };
    }),
    worktrees: liveWorktrees(s),
    awaiting: {
      merge: tasks.filter((t) => t.status === 'needs_merge').length,
      review: tasks.filter((t) => t.status === 'in_review').length,
    },
    spend: spendOf(s),
    agentLimit: agentLimitText(s.agentLimit),
    waitingQuota: tasks.filter((t) => t.status === 'waiting_quota').length,
  };
}

function agentRow(t: TaskState, now: number, halted: boolean): AgentRow | null {
  const run = t.agentRun;
  if (!run) return null;
  const waiting = t.status === 'waiting_quota' ? 'quota' : t.status === 'running' && run.retry ? 'retry' : null;
  const tokens = run.tokens.input || run.tokens.output ? tokensText(run.tokens) : '';
  return {
    now: (halted && t.status === 'running' ? null : agentNowText(t, now)) ?? '',
    waiting: halted && waiting === 'retry' ? null : waiting,
    model: run.model,
    sessionId: run.sessionId,
    continued: run.continued,
    turns: run.turns,
    cost: hasResult(run) ? usdText(run.costUsd) : '',
    tokens,
    actions: run.actions,
    subtype: run.subtype,
    denials: run.denials.map(denialText),
  };
}

function spendOf(s: SessionState): Spend | null {
  const text = spendText(s);
  if (text === null || !agentsReported(s)) return null;
  const t = s.agentTotals;
  return { text, costUsd: t.costUsd, costUnknown: t.costUnknown, tokens: { ...t.tokens }, tokensText: tokensText(t.tokens) };
}

/** The worktrees of a session that exist now (by its journal): what the dashboard counts and measures. */
export function liveWorktrees(s: SessionState): DashboardModel['worktrees'] {
  const integration = s.integration && !s.integration.removed ? s.integration.path : null;
  const tasks = [...s.tasks.values()].flatMap((t) => (t.worktree && !t.worktree.removed ? [t.worktree.path] : []));
  const paths = [...new Set([...(integration ? [integration] : []), ...tasks])];
  return { live: paths.length, paths, integration };
}
