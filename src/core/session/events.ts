import type { Denial } from '../agents/adapters/signals';
import type { Diagnostic } from '../milestone/diagnostics';
import type { AdapterKind } from '../milestone/model';

export interface TaskSummary {
  id: string;
  title: string;
  depends_on: string[];
  kind: 'run' | 'agent';
  /** What runs: the shell command, or the agent profile name. */
  command: string;
  retries: number;
  /** Absent in journals written before worktrees: those tasks ran shared. */
  isolation?: 'worktree' | 'shared';
  review?: boolean;
}

/** What a task's branch changes against its base. */
export interface DiffStat {
  files: number;
  added: number;
  removed: number;
}

/** How a task's result left its `needs merge` (or `in review`) state. */
export type MergeResolution = 'by_hand' | 'agent' | 'discard' | 'approve' | 'reject';

export interface GateSummary {
  id: string;
  title: string;
  after: string[];
  blocking: boolean;
}

export type AgentKind = 'executor' | 'workflow' | 'monitor' | 'validator' | 'git' | 'quality' | 'safety';
export type AgentStatus = 'idle' | 'busy' | 'terminated';
export type AlertKind = 'stalled_task' | 'unresponsive_agent' | 'resource_pressure' | 'agent_crashed' | 'torn_journal' | 'uncommitted_changes' | 'overlapping_changes' | 'resolution_refused';
/**
 * `budget`: the agent spent its `budget_usd`; `agent_error`: the agent exited 0 but said it
 * failed; `verify`: the task's `verify` command failed; `no_changes`: `expect_changes` and
 * the agent changed nothing.
 */
export type TaskFailureReason = 'exit' | 'timeout' | 'spawn_error' | 'budget' | 'agent_error' | 'verify' | 'no_changes';

/** Tokens as the journal records them. */
export interface Tokens {
  input: number;
  output: number;
  cache_read: number;
  cache_creation: number;
}

/** Payload of every journal event, by type. Task events carry the task id as `task`. */
export interface EventData {
  session_started: {
    milestone_id: string;
    milestone_file: string;
    workspace: string;
    title: string;
    type: string;
    complexity: string;
    tasks: TaskSummary[];
    gates: GateSummary[];
    executors: { min: number; max: number };
    on_failure: 'continue' | 'stop';
    pid: number;
    host: string;
  };
  session_paused: { reason: string; by: 'user' | 'git_conflict' | 'dependency_issues' | 'budget' };
  /**
   * `recovery`: a new coordinator took over an interrupted or finished session; `tasks` is
   * the task list re-read from the milestone file (completed tasks that are still in it
   * stay completed). `user`: a paused session goes on.
   */
  session_resumed: { by: 'user' | 'recovery'; pid: number; requeued: string[]; reset: string[]; tasks?: TaskSummary[]; gates?: GateSummary[]; torn_line?: number };
  /** `needs_merge`: nothing more can run until the user resolves a task's merge (or review). */
  session_interrupted: { reason: 'stopped' | 'signal' | 'journal_failure' | 'paused' | 'needs_merge'; detail?: string };
  agent_registered: { agent: string; kind: AgentKind; startup_ms: number; subscriptions: string[] };
  agent_state_changed: { agent: string; status: AgentStatus; current_task: string | null };
  agent_terminated: { agent: string; reason: 'scaled_down' | 'crashed' | 'unresponsive'; detail?: string };
  agent_recovered: { agent: string; kind: AgentKind; requeued: string[]; recovery_ms: number };
  task_queued: { task: string; attempt: number; priority: number };
  task_started: { task: string; agent: string; attempt: number; pid: number; command: string };
  task_completed: { task: string; agent: string; attempt: number; duration_ms: number };
  task_failed: {
    task: string;
    agent: string | null;
    attempt: number;
    duration_ms: number;
    exit_code: number | null;
    signal: string | null;
    reason: TaskFailureReason;
    message: string;
    /** No retry follows. */
    final: boolean;
  };
  task_retrying: { task: string; attempt: number; delay_ms: number };
  /**
   * The agent ended rate-limited or overloaded once its own retries were spent: not a
   * failure. The task runs again after `delay_ms`; its dependents wait.
   */
  task_waiting_quota: { task: string; attempt: number; delay_ms: number; message: string };
  /** How many agent tasks may run at once: halved by a rate limit, up by one per success; null: no limit but the executors. */
  agent_limit_changed: { limit: number | null; reason: string };
  /**
   * The conversation an agent task runs (or continues), journaled before its process starts.
   * `session_id` null: the agent names none (generic adapters). `continued`: this attempt
   * continues an interrupted one's conversation.
   */
  agent_session: { task: string; attempt: number; adapter: AdapterKind; session_id: string | null; continued: boolean; note?: string };
  /** The agent started; `session_id`: the conversation, when the agent picks it (Codex). */
  agent_init: { task: string; model: string | null; cwd: string | null; tools: number; session_id: string | null };
  /** What the agent does now (sampled: `actions` counts the tool calls since the last one). */
  agent_activity: { task: string; action: string; actions: number };
  agent_retry: { task: string; attempt: number; max_retries: number; delay_ms: number; status: number | null; error: string };
  /**
   * How the agent's run ended, as it reports it. `cost_usd` is what its conversation has cost
   * so far (a continued conversation reports the total of its runs); null when unknown.
   */
  agent_result: {
    task: string;
    attempt: number;
    session_id: string | null;
    subtype: string;
    is_error: boolean;
    turns: number | null;
    cost_usd: number | null;
    tokens: Tokens | null;
    denials: Denial[];
    api_status: number | null;
  };
  task_cancelled: { task: string; reason: string };
  task_skipped: { task: string; because: string; reason: string };
  /** Back to pending, e.g. a dependent skipped because of a task the user retries. */
  task_reset: { task: string; reason: string };
  dependency_issues: { source: 'start' | 'file_changed' | 'task_failed' | 'tool_check'; critical: boolean; issues: Diagnostic[] };
  quality_gate_started: { gate: string; pid: number };
  quality_gate_passed: { gate: string; duration_ms: number };
  quality_gate_failed: { gate: string; duration_ms: number; exit_code: number | null; blocking: boolean; message: string };
  /**
   * `worktree`: where the milestone branch is checked out and integrated (absent in place,
   * where it is the user's own working tree).
   */
  git_branch_ready: { branch: string; base_commit: string; created: boolean; repository: string; worktree?: string };
  /** A worktree for a task (or `task: null`, the integration worktree) exists; `reused`: a resume found it. */
  worktree_created: { task: string | null; path: string; branch: string; base: string; reused: boolean; port: number | null; duration_ms: number };
  worktree_removed: { task: string | null; path: string; branch: string };
  /** The task's result is on the milestone branch. `none`: it changed nothing. */
  task_merged: { task: string; sha: string; strategy: 'fast-forward' | 'rebase' | 'merge' | 'none'; changes: DiffStat };
  /** Merging the task's branch conflicts: nothing of either side is lost, the task needs a merge. */
  merge_conflict: { task: string; branch: string; files: string[]; changes: DiffStat };
  /** The task's result waits for the user's approval (`review: true`). */
  review_requested: { task: string; branch: string; changes: DiffStat };
  merge_resolution: { task: string; how: MergeResolution };
  /** The result was discarded; its commits stay reachable from `ref`. */
  merge_discarded: { task: string; ref: string; sha: string };
  git_unavailable: { reason: string };
  auto_commit: { sha: string; files: number; message: string; reason: 'task' | 'threshold' | 'final'; task?: string };
  git_conflict: { kind: 'unmerged' | 'merge' | 'rebase' | 'diverged' | 'branch_moved'; detail: string };
  git_pushed: { remote: string; branch: string };
  git_error: { operation: string; message: string };
  safety_warning: { kind: 'complexity' | 'over_engineering'; message: string; task?: string };
  alert: { kind: AlertKind; message: string; task?: string; agent?: string };
  progress: { done: number; failed: number; skipped: number; running: number; total: number; percent: number; eta_ms: number | null };
  rollback_started: { tasks: string[] };
  rollback_step: { task: string; ok: boolean; exit_code: number | null };
  rollback_completed: { ok: boolean };
  milestone_completed: { duration_ms: number; tasks: number };
  milestone_failed: { duration_ms: number; failed: string[]; skipped: string[]; gates_failed: string[]; reason: string };
}

export type EventType = keyof EventData;

export interface JournalEventOf<K extends EventType> {
  seq: number;
  timestamp: string;
  type: K;
  data: EventData[K];
  session: string;
}

/** Discriminated union over `type`: narrowing on it types `data`. */
export type JournalEvent = { [K in EventType]: JournalEventOf<K> }[EventType];

/** An event before the journal numbers and stamps it: what agents and the scheduler propose. */
export type EventDraft = { [K in EventType]: { type: K; data: EventData[K] } }[EventType];

export const EVENT_TYPES: readonly EventType[] = [
  'session_started', 'session_paused', 'session_resumed', 'session_interrupted',
  'agent_registered', 'agent_state_changed', 'agent_terminated', 'agent_recovered',
  'task_queued', 'task_started', 'task_completed', 'task_failed', 'task_retrying', 'task_cancelled', 'task_skipped', 'task_reset',
  'task_waiting_quota', 'agent_limit_changed', 'agent_session', 'agent_init', 'agent_activity', 'agent_retry', 'agent_result',
  'dependency_issues', 'quality_gate_started', 'quality_gate_passed', 'quality_gate_failed',
  'git_branch_ready', 'git_unavailable', 'auto_commit', 'git_conflict', 'git_pushed', 'git_error',
  'worktree_created', 'worktree_removed', 'task_merged', 'merge_conflict', 'review_requested', 'merge_resolution', 'merge_discarded',
  'safety_warning', 'alert', 'progress', 'rollback_started', 'rollback_step', 'rollback_completed',
  'milestone_completed', 'milestone_failed',
];

const KNOWN = new Set<string>(EVENT_TYPES);

/** Shape check for a line read back from disk (or from another process). */
export function isJournalEvent(value: unknown): value is JournalEvent {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.seq === 'number' &&
    Number.isInteger(v.seq) &&
    typeof v.timestamp === 'string' &&
    typeof v.type === 'string' &&
    KNOWN.has(v.type) &&
    typeof v.session === 'string' &&
    typeof v.data === 'object' &&
    v.data !== null
  );
}

export const TERMINAL_EVENTS: ReadonlySet<EventType> = new Set(['milestone_completed', 'milestone_failed', 'session_interrupted']);
