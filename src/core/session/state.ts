// The session as its journal says it is: the state's types, the one reducer that folds
// every event into it, and the few questions asked of the result (counts, whether it can
// be resumed, whether a result still waits to merge).
//
// Over 400 lines on purpose: the types and the reducer change together with every new
// event, and the engine, the CLI and the editor must read sessions through this one place;
// split, a new event would span files that could drift apart.
import type { Diagnostic } from '../milestone/diagnostics';
import { creditsOf } from './agentWork';
import { applyAgentEvent, emptyTotals, isAgentEvent, type AgentRunState, type AgentTotals } from './agentRuns';
import type { AgentKind, AgentStatus, DiffStat, EventData, GateSummary, JournalEvent, TaskSummary } from './events';

/**
 * `needs_merge`: the task completed but its result conflicts with the milestone branch;
 * `in_review`: it completed and its merge waits for the user's approval. Neither is over:
 * the task's dependents wait until its result is merged (or discarded).
 */
export type TaskStatus = 'pending' | 'queued' | 'running' | 'retrying' | 'waiting_quota' | 'completed' | 'failed' | 'skipped' | 'cancelled' | 'needs_merge' | 'in_review';

/** The task's result waits for the user. */
export const AWAITING_USER_STATUSES: ReadonlySet<TaskStatus> = new Set(['needs_merge', 'in_review']);

/** A task in one of these statuses is over: nothing runs it unless it is retried. */
export const FINISHED_TASK_STATUSES: ReadonlySet<TaskStatus> = new Set(['completed', 'failed', 'skipped', 'cancelled']);

export function isTaskFinished(status: TaskStatus): boolean {
  return FINISHED_TASK_STATUSES.has(status);
}
export type SessionStatus = 'starting' | 'running' | 'paused' | 'completed' | 'failed' | 'interrupted';
export type GateStatus = 'pending' | 'running' | 'passed' | 'failed';

export interface TaskState {
  id: string;
  title: string;
  dependsOn: string[];
  kind: 'run' | 'agent';
  command: string;
  status: TaskStatus;
  attempts: number;
  agent: string | null;
  pid: number | null;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  exitCode: number | null;
  message: string | null;
  /** The failed dependency that made this task skip. */
  blockedBy: string | null;
  isolation: 'worktree' | 'shared';
  review: boolean;
  /** The task's own worktree while it exists (`removed` once cleaned up). */
  worktree: { path: string; branch: string; base: string; port: number | null; removed: boolean } | null;
  /** What became of the task's result. */
  merge: TaskMerge | null;
  /** Its coding agent's conversation, activity and cost (agent tasks, once one started). */
  agentRun: AgentRunState | null;
}

export interface TaskMerge {
  state: 'merged' | 'conflict' | 'review' | 'discarded' | 'resolving';
  changes: DiffStat | null;
  /** Conflicting files, while the state is `conflict`. */
  files: string[];
  sha: string | null;
  /** Where a discarded result's commits stay reachable. */
  ref: string | null;
}

export interface AgentState {
  id: string;
  kind: AgentKind;
  status: AgentStatus;
  currentTask: string | null;
  registeredAt: string;
  terminatedAt: string | null;
  /** Units of this agent's own work (see WORK_UNIT): tasks, commits, gates, ... */
  workDone: number;
  errors: number;
  busyMs: number;
  busySince: string | null;
  restarts: number;
}

export interface GateState extends GateSummary {
  status: GateStatus;
  durationMs: number | null;
  message: string | null;
}

export interface SessionState {
  id: string;
  milestoneId: string;
  milestoneFile: string;
  workspace: string;
  title: string;
  type: string;
  status: SessionStatus;
  pauseReason: string | null;
  startedAt: string | null;
  endedAt: string | null;
  pid: number | null;
  tasks: Map<string, TaskState>;
  taskOrder: string[];
  agents: Map<string, AgentState>;
  gates: Map<string, GateState>;
  branch: string | null;
  baseCommit: string | null;
  /** Where the milestone branch is integrated; null in place or without git. */
  integration: { path: string; removed: boolean } | null;
  commits: { sha: string; message: string; files: number; task?: string }[];
  issues: Diagnostic[];
  alerts: (EventData['alert'] & { at: string })[];
  warnings: (EventData['safety_warning'] & { at: string })[];
  progress: EventData['progress'] | null;
  /** What the session's agents have spent. */
  agentTotals: AgentTotals;
  /** Agent tasks that may run at once after a rate limit; null: as many as executors. */
  agentLimit: number | null;
  lastSeq: number;
  lastEventAt: string | null;
  result: { ok: boolean; reason: string } | null;
}

export function emptySessionState(id: string): SessionState {
  return {
    id,
    milestoneId: '',
    milestoneFile: '',
    workspace: '',
    title: '',
    type: 'development',
    status: 'starting',
    pauseReason: null,
    startedAt: null,
    endedAt: null,
    pid: null,
    tasks: new Map(),
    taskOrder: [],
    agents: new Map(),
    gates: new Map(),
    branch: null,
    baseCommit: null,
    integration: null,
    commits: [],
    issues: [],
    alerts: [],
    warnings: [],
    progress: null,
    agentTotals: emptyTotals(),
    agentLimit: null,
    lastSeq: 0,
    lastEventAt: null,
    result: null,
  };
}

function newTask(t: TaskSummary): TaskState {
  return {
    id: t.id,
    title: t.title,
    dependsOn: t.depends_on,
    kind: t.kind,
    command: t.command,
    status: 'pending',
    attempts: 0,
    agent: null,
    pid: null,
    startedAt: null,
    endedAt: null,
    durationMs: null,
    exitCode: null,
    message: null,
    blockedBy: null,
    isolation: t.isolation ?? 'shared',
    review: t.review === true,
    worktree: null,
    merge: null,
    agentRun: null,
  };
}

/** What became of a task's result, and the status that goes with it. */
function setMerge(task: TaskState | undefined, status: TaskStatus, merge: Partial<TaskMerge> & { state: TaskMerge['state'] }): void {
  if (!task) return;
  task.status = status;
  task.merge = { changes: task.merge?.changes ?? null, files: [], sha: null, ref: null, ...merge };
}

const since = (from: string | null, to: string): number => (from ? Math.max(0, Date.parse(to) - Date.parse(from)) : 0);

/**
 * The session as the journal says it is. Replaying every event through this gives the
 * same state the coordinator had; the CLI's status, resume, and the editor's views all
 * read the session through it.
 */
export function applyEvent(s: SessionState, e: JournalEvent): SessionState {
  s.lastSeq = e.seq;
  s.lastEventAt = e.timestamp;
  const task = 'task' in e.data && typeof e.data.task === 'string' ? s.tasks.get(e.data.task) : undefined;
  switch (e.type) {
    case 'session_started': {
      const d = e.data;
      s.milestoneId = d.milestone_id;
      s.milestoneFile = d.milestone_file;
      s.workspace = d.workspace;
      s.title = d.title;
      s.type = d.type;
      s.status = 'running';
      s.startedAt = e.timestamp;
      s.pid = d.pid;
      s.tasks = new Map(d.tasks.map((t) => [t.id, newTask(t)]));
      s.taskOrder = d.tasks.map((t) => t.id);
      s.gates = new Map(d.gates.map((g) => [g.id, { ...g, status: 'pending', durationMs: null, message: null }]));
      break;
    }
    case 'session_paused':
      s.status = 'paused';
      s.pauseReason = e.data.reason;
      break;
    case 'session_resumed':
      s.status = 'running';
      s.pauseReason = null;
      s.endedAt = null;
      s.result = null;
      s.pid = e.data.pid;
      if (e.data.tasks) {
        const old = s.tasks;
        s.tasks = new Map(e.data.tasks.map((t) => {
          const prev = old.get(t.id);
          return [t.id, prev ? { ...prev, title: t.title, dependsOn: t.depends_on, kind: t.kind, command: t.command, isolation: t.isolation ?? 'shared', review: t.review === true } : newTask(t)];
        }));
        s.taskOrder = e.data.tasks.map((t) => t.id);
      }
      if (e.data.gates) {
        const old = s.gates;
        s.gates = new Map(e.data.gates.map((g) => [g.id, old.get(g.id)?.status === 'passed' ? { ...old.get(g.id)!, ...g } : { ...g, status: 'pending', durationMs: null, message: null }]));
      }
      for (const id of [...e.data.requeued, ...e.data.reset]) {
        const t = s.tasks.get(id);
        if (t) Object.assign(t, { status: 'pending', pid: null, agent: null, blockedBy: null, message: null, endedAt: null });
      }
      if (e.data.by === 'recovery') {
        for (const a of s.agents.values()) a.status = 'terminated';
        for (const g of s.gates.values()) if (g.status !== 'passed') Object.assign(g, { status: 'pending', message: null });
      }
      break;
    case 'session_interrupted':
      s.status = 'interrupted';
      s.endedAt = e.timestamp;
      s.result = { ok: false, reason: e.data.detail ?? e.data.reason };
      endAgents(s, e.timestamp);
      break;
    case 'agent_registered': {
      const prev = s.agents.get(e.data.agent);
      s.agents.set(e.data.agent, {
        id: e.data.agent,
        kind: e.data.kind,
        status: 'idle',
        currentTask: null,
        registeredAt: e.timestamp,
        terminatedAt: null,
        workDone: prev?.workDone ?? 0,
        errors: prev?.errors ?? 0,
        busyMs: prev?.busyMs ?? 0,
        busySince: null,
        restarts: prev?.restarts ?? 0,
      });
      break;
    }
    case 'agent_state_changed': {
      const a = s.agents.get(e.data.agent);
      if (!a) break;
      if (a.status === 'busy' && e.data.status !== 'busy') a.busyMs += since(a.busySince, e.timestamp);
      if (e.data.status === 'busy' && a.status !== 'busy') a.busySince = e.timestamp;
      a.status = e.data.status;
      a.currentTask = e.data.current_task;
      break;
    }
    case 'agent_terminated': {
      const a = s.agents.get(e.data.agent);
      if (a) {
        if (a.status === 'busy') a.busyMs += since(a.busySince, e.timestamp);
        a.status = 'terminated';
        a.terminatedAt = e.timestamp;
        a.currentTask = null;
        if (e.data.reason === 'crashed' || e.data.reason === 'unresponsive') a.errors++;
      }
      break;
    }
    case 'agent_recovered': {
      const a = s.agents.get(e.data.agent);
      if (a) a.restarts++;
      break;
    }
    case 'task_queued':
      if (task) Object.assign(task, { status: 'queued', blockedBy: null, message: null });
      break;
    case 'task_started':
      if (task) Object.assign(task, { status: 'running', attempts: e.data.attempt, agent: e.data.agent, pid: e.data.pid, startedAt: e.timestamp, endedAt: null, exitCode: null, message: null });
      break;
    case 'task_completed':
      if (task) Object.assign(task, { status: 'completed', endedAt: e.timestamp, durationMs: e.data.duration_ms, exitCode: 0, pid: null });
      break;
    case 'task_failed':
      // A retry after a failure starts the agent afresh; only an interrupted run is continued.
      if (task?.agentRun) task.agentRun.ended = true;
      if (task) Object.assign(task, { status: e.data.final ? 'failed' : 'retrying', endedAt: e.timestamp, durationMs: e.data.duration_ms, exitCode: e.data.exit_code, message: e.data.message, pid: null, attempts: Math.max(task.attempts, e.data.attempt) });
      break;
    case 'task_retrying':
      if (task) task.status = 'retrying';
      break;
    case 'task_waiting_quota':
      if (task) Object.assign(task, { status: 'waiting_quota', endedAt: e.timestamp, message: e.data.message, pid: null, attempts: Math.max(task.attempts, e.data.attempt) });
      break;
    case 'agent_limit_changed':
      s.agentLimit = e.data.limit;
      break;
    case 'task_cancelled':
      if (task) Object.assign(task, { status: 'cancelled', endedAt: e.timestamp, message: e.data.reason, pid: null });
      break;
    case 'task_reset':
      if (task) Object.assign(task, { status: 'pending', blockedBy: null, message: null, endedAt: null, pid: null });
      break;
    case 'task_skipped':
      if (task) Object.assign(task, { status: 'skipped', blockedBy: e.data.because, message: e.data.reason });
      break;
    case 'dependency_issues':
      s.issues = e.data.issues;
      break;
    case 'quality_gate_started': {
      const g = s.gates.get(e.data.gate);
      if (g) g.status = 'running';
      break;
    }
    case 'quality_gate_passed':
    case 'quality_gate_failed': {
      const g = s.gates.get(e.data.gate);
      if (g) Object.assign(g, { status: e.type === 'quality_gate_passed' ? 'passed' : 'failed', durationMs: e.data.duration_ms, message: e.type === 'quality_gate_failed' ? e.data.message : null });
      break;
    }
    case 'git_branch_ready':
      s.branch = e.data.branch;
      s.baseCommit = e.data.base_commit;
      s.integration = e.data.worktree ? { path: e.data.worktree, removed: false } : null;
      break;
    case 'worktree_created':
      if (e.data.task === null) s.integration = { path: e.data.path, removed: false };
      else if (task) task.worktree = { path: e.data.path, branch: e.data.branch, base: e.data.base, port: e.data.port, removed: false };
      break;
    case 'worktree_removed':
      if (e.data.task === null && s.integration) s.integration.removed = true;
      else if (task?.worktree) task.worktree.removed = true;
      break;
    case 'task_merged':
      setMerge(task, 'completed', { state: 'merged', changes: e.data.changes, sha: e.data.sha });
      break;
    case 'merge_conflict':
      setMerge(task, 'needs_merge', { state: 'conflict', changes: e.data.changes, files: e.data.files });
      break;
    case 'review_requested':
      setMerge(task, 'in_review', { state: 'review', changes: e.data.changes });
      break;
    case 'merge_resolution':
      // The agent's run shows as its own task events; the other ways merge (or discard) next.
      if (e.data.how !== 'agent') setMerge(task, 'completed', { state: 'resolving' });
      break;
    case 'merge_discarded':
      setMerge(task, 'completed', { state: 'discarded', ref: e.data.ref, sha: e.data.sha });
      break;
    case 'auto_commit':
      s.commits.push({ sha: e.data.sha, message: e.data.message, files: e.data.files, ...(e.data.task ? { task: e.data.task } : {}) });
      break;
    case 'alert':
      s.alerts.push({ ...e.data, at: e.timestamp });
      break;
    case 'safety_warning':
      s.warnings.push({ ...e.data, at: e.timestamp });
      break;
    case 'progress':
      s.progress = e.data;
      break;
    case 'milestone_completed':
      s.status = 'completed';
      s.endedAt = e.timestamp;
      s.result = { ok: true, reason: 'all tasks completed' };
      endAgents(s, e.timestamp);
      break;
    case 'milestone_failed':
      s.status = 'failed';
      s.endedAt = e.timestamp;
      s.result = { ok: false, reason: e.data.reason };
      endAgents(s, e.timestamp);
      break;
    default:
      break;
  }
  if (task && isAgentEvent(e)) applyAgentEvent(task, s.agentTotals, e);
  for (const c of creditsOf(e)) {
    const a = s.agents.get(c.agent);
    if (a) a[c.field]++;
  }
  return s;
}

/** Agents end with their session. */
function endAgents(s: SessionState, at: string): void {
  for (const a of s.agents.values()) {
    if (a.status === 'terminated') continue;
    if (a.status === 'busy') a.busyMs += since(a.busySince, at);
    a.status = 'terminated';
    a.terminatedAt = at;
    a.currentTask = null;
  }
}

/**
 * A completed isolated task whose result is not on the milestone branch yet (a crash came
 * between its end and its merge, or the merge was resolved but not made): it merges before
 * anything that depends on it runs.
 */
export function awaitsMerge(t: TaskState): boolean {
  if (AWAITING_USER_STATUSES.has(t.status)) return true;
  return t.status === 'completed' && t.worktree !== null && (t.merge === null || t.merge.state === 'resolving');
}

/**
 * Applies the events past the state's last seq and returns them. Following a journal can
 * see an event twice (two readers sharing one read, a tail restarted after a truncation);
 * applied twice, an event would count a task twice.
 */
export function applyNewEvents(s: SessionState, events: readonly JournalEvent[]): JournalEvent[] {
  const added = events.filter((e) => e.seq > s.lastSeq);
  for (const e of added) applyEvent(s, e);
  return added;
}

/**
 * Why a session cannot be resumed, or undefined when it can: it completed, or its process
 * died before the first event, which leaves nothing to resume from.
 */
export function resumeRefusal(s: SessionState): 'completed' | 'never_started' | undefined {
  if (s.status === 'completed') return 'completed';
  return s.milestoneFile ? undefined : 'never_started';
}

export function replay(sessionId: string, events: readonly JournalEvent[]): SessionState {
  const s = emptySessionState(sessionId);
  for (const e of events) applyEvent(s, e);
  return s;
}

export interface TaskCounts {
  total: number;
  completed: number;
  failed: number;
  skipped: number;
  cancelled: number;
  running: number;
  pending: number;
}

export function countTasks(s: SessionState): TaskCounts {
  const c: TaskCounts = { total: s.tasks.size, completed: 0, failed: 0, skipped: 0, cancelled: 0, running: 0, pending: 0 };
  for (const t of s.tasks.values()) {
    if (t.status === 'completed') c.completed++;
    else if (t.status === 'failed') c.failed++;
    else if (t.status === 'skipped') c.skipped++;
    else if (t.status === 'cancelled') c.cancelled++;
    else if (t.status === 'running') c.running++;
    else c.pending++;
  }
  return c;
}
