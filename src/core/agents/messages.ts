// Every message between the coordinator and an agent worker. Agents never share memory
// with the coordinator and never write the journal: they receive commands and the events
// they subscribe to, and they answer with reports.
import type { AgentKind, EventDraft, EventType, JournalEvent, TaskFailureReason } from '../session/events';
import type { AgentSignal } from './adapters/signals';
import type { ProcessSpec } from '../process/processSpec';
import type { CloseResult, MergeResult } from '../git/worktrees';

export type { AgentRunSpec, ProcessSpec } from '../process/processSpec';

/** The session an agent works for: where it lives, and its milestone. */
export interface AgentSession {
  id: string;
  workspace: string;
  /** The session folder, `.milestones/sessions/<id>`. */
  dir: string;
  milestoneFile: string;
  milestoneId: string;
}

export interface WorkerData {
  kind: AgentKind;
  agent: string;
}

export interface GitConfig {
  binary?: string;
  /** The repository's root as the editor's Git extension reports it; else found from the workspace. */
  repository?: string;
  branch: string;
  autoCommit: 'task' | 'threshold' | 'off';
  threshold: number;
  push: boolean;
  allowDirty: boolean;
  milestoneId: string;
  /** Known from the journal when a session is resumed. */
  baseCommit?: string;
  /**
   * The session's worktree folder (outside the workspace): the milestone branch is
   * integrated in `<worktrees>/integration`, each isolated task works in `<worktrees>/<task>`.
   * Absent in place: the milestone branch is checked out in the user's own working tree.
   */
  worktrees?: string;
}

/** What the git agent does for the merge queue and the worktrees, each answered by a `git_reply` with the same `ref`. */
export type GitRequest =
  | { op: 'worktree_open'; task: string; dir: string; branch: string }
  | { op: 'merge'; task: string; dir: string; branch: string; message: string; commitOnly: boolean }
  | { op: 'close'; task: string; dir: string; branch: string; mode: 'merged' | 'park' | 'discard'; message: string; ref?: string }
  | { op: 'describe_conflict'; task: string; dir: string }
  | { op: 'changed_files'; task: string; dir: string }
  | { op: 'close_integration' };

export type GitAnswer =
  | { op: 'worktree_open'; path: string; branch: string; base: string; reused: boolean; durationMs: number }
  | { op: 'merge'; result: MergeResult }
  | { op: 'close'; result: CloseResult }
  | { op: 'describe_conflict'; files: string[]; text: string }
  | { op: 'changed_files'; files: string[] }
  | { op: 'close_integration'; result: CloseResult }
  /** `agentLost`: the git agent died before answering (the coordinator says so, not the agent). */
  | { op: 'error'; message: string; agentLost?: boolean };

export interface AgentInit {
  type: 'init';
  session: AgentSession;
  heartbeatMs: number;
  /**
   * Events journaled before this agent started, for the kinds that keep a model of the
   * session: a replacement rebuilds its state from them, as the journal is the truth.
   */
  history?: JournalEvent[];
  settings: {
    stallAfterMs: number;
    profiles?: Record<string, readonly string[]>;
    complexity: 'simple' | 'medium' | 'complex';
    maxExecutors: number;
    git?: GitConfig;
  };
}

export type CoordinatorToAgent =
  | AgentInit
  | { type: 'event'; event: JournalEvent }
  /** Output seen from a running task; not journaled (too many), used for stall alerts. */
  | { type: 'activity'; task: string }
  | { type: 'run_task'; task: string; attempt: number; spec: ProcessSpec }
  | { type: 'cancel_task'; task: string; reason: string }
  | { type: 'run_gate'; gate: string; blocking: boolean; spec: ProcessSpec }
  | { type: 'git_prepare' }
  | { type: 'git_commit'; reason: 'task' | 'threshold'; task: string; title: string }
  | { type: 'git_finish'; message: string }
  | { type: 'git_request'; ref: number; request: GitRequest }
  | { type: 'rollback'; steps: { task: string; spec: ProcessSpec }[] }
  | { type: 'shutdown' };

export type EmittedEvent = EventDraft;

/** `quota`: the agent ended rate-limited or overloaded once its own retries were spent (not a failure). */
export type TaskOutcome = 'completed' | 'failed' | 'timeout' | 'cancelled' | 'spawn_error' | 'quota';

export type AgentToCoordinator =
  | { type: 'ready' }
  | { type: 'heartbeat' }
  | { type: 'task_started'; task: string; attempt: number; pid: number }
  | { type: 'task_output'; task: string; line: string }
  /**
   * What the task's coding agent reported (its adapter read it from the output). Actions
   * are sampled, a few a second: `actions` counts the tool calls since the last one sent.
   */
  | { type: 'agent_signal'; task: string; attempt: number; signal: AgentSignal; actions?: number }
  | {
      type: 'task_exit';
      task: string;
      attempt: number;
      outcome: TaskOutcome;
      exitCode: number | null;
      signal: string | null;
      durationMs: number;
      message: string;
      /** Why a failed task failed, when its exit code does not say (a budget, `verify`, `expect_changes`). */
      reason?: TaskFailureReason;
    }
  /**
   * `available: false`: there is no repository, said in `reason`. `root`: the repository's
   * top folder; `integration`: where the milestone branch is checked out (absent in place).
   */
  | { type: 'git_prepared'; ok: boolean; available: boolean; error?: string; reason?: string; root?: string; integration?: string }
  | { type: 'git_reply'; ref: number; answer: GitAnswer }
  | { type: 'git_done'; operation: 'commit' | 'finish'; ok: boolean; error?: string; task?: string }
  | { type: 'rollback_done'; ok: boolean }
  /** Ask the coordinator to journal an event this agent observed (alerts, git, safety, issues). */
  | { type: 'emit'; event: EmittedEvent }
  /** The agent cannot go on (e.g. bad init); the coordinator replaces or stops it. */
  | { type: 'fatal'; message: string };

/**
 * Which journal events each kind of agent receives (recorded in subscriptions.txt). A kind
 * that takes its orders as commands, or reads the history it starts with, subscribes to
 * nothing; the others handle exactly these types (`SubscribedEvent` types their handler).
 */
export const SUBSCRIPTIONS = {
  executor: [],
  workflow: [],
  git: [],
  quality: [],
  monitor: ['session_started', 'session_resumed', 'session_paused', 'agent_registered', 'agent_state_changed', 'agent_terminated', 'agent_recovered', 'task_queued', 'task_started', 'task_completed', 'task_failed', 'task_retrying', 'task_cancelled', 'task_skipped', 'task_reset', 'quality_gate_passed', 'quality_gate_failed', 'alert', 'session_interrupted', 'milestone_completed', 'milestone_failed'],
  validator: ['task_failed', 'session_resumed'],
  safety: ['git_branch_ready', 'task_completed'],
} as const satisfies Readonly<Record<AgentKind, readonly EventType[]>>;

/** The events an agent of kind K receives. */
export type SubscribedEvent<K extends AgentKind> = Extract<JournalEvent, { type: (typeof SUBSCRIPTIONS)[K][number] }>;

/** Which events an agent may ask the coordinator to journal: anything else is refused. */
export const MAY_EMIT: Readonly<Record<AgentKind, readonly EventType[]>> = {
  executor: [],
  workflow: ['rollback_started', 'rollback_step', 'rollback_completed'],
  monitor: ['progress', 'alert'],
  validator: ['dependency_issues'],
  git: ['git_branch_ready', 'auto_commit', 'git_conflict', 'git_pushed', 'git_error'],
  quality: ['quality_gate_started', 'quality_gate_passed', 'quality_gate_failed'],
  safety: ['safety_warning'],
};
