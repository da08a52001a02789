// Every message between the coordinator and an agent worker. Agents never share memory
// with the coordinator and never write the journal: they receive commands and the events
// they subscribe to, and they answer with reports.
import type { AgentRecord } from '../session/store';
import type { AgentKind, EventDraft, EventType, JournalEvent } from '../session/events';
import type { ProcessSpec } from '../process/processSpec';

export type { ProcessSpec } from '../process/processSpec';

export interface SessionInfo {
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
}

export interface AgentInit {
  type: 'init';
  session: SessionInfo;
  heartbeatMs: number;
  /** Restored from `agents/<id>.yaml` when this worker replaces a crashed one. */
  restored?: AgentRecord;
  /** Events journaled before this agent started, for agents that keep a model of the session. */
  history?: JournalEvent[];
  settings: {
    stallAfterMs: number;
    resourceCeiling: number;
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
  | { type: 'rollback'; steps: { task: string; spec: ProcessSpec }[] }
  | { type: 'shutdown' };

export type EmittedEvent = EventDraft;

export type TaskOutcome = 'completed' | 'failed' | 'timeout' | 'cancelled' | 'spawn_error';

export type AgentToCoordinator =
  | { type: 'ready' }
  | { type: 'heartbeat' }
  | { type: 'task_started'; task: string; attempt: number; pid: number }
  | { type: 'task_output'; task: string; line: string }
  | {
      type: 'task_exit';
      task: string;
      attempt: number;
      outcome: TaskOutcome;
      exitCode: number | null;
      signal: string | null;
      durationMs: number;
      message: string;
    }
  | { type: 'git_prepared'; ok: boolean; available: boolean; error?: string }
  | { type: 'git_done'; operation: 'commit' | 'finish'; ok: boolean; error?: string; task?: string }
  | { type: 'rollback_done'; ok: boolean }
  /** Ask the coordinator to journal an event this agent observed (alerts, git, safety, issues). */
  | { type: 'emit'; event: EmittedEvent }
  /** The agent cannot go on (e.g. bad init); the coordinator replaces or stops it. */
  | { type: 'fatal'; message: string };

/** Which journal events each kind of agent receives (recorded in subscriptions.txt). */
export const SUBSCRIPTIONS: Readonly<Record<AgentKind, readonly EventType[]>> = {
  executor: ['session_paused', 'session_resumed'],
  workflow: ['task_completed', 'milestone_failed'],
  monitor: ['session_started', 'session_resumed', 'session_paused', 'agent_registered', 'agent_state_changed', 'agent_terminated', 'agent_recovered', 'task_queued', 'task_started', 'task_completed', 'task_failed', 'task_retrying', 'task_cancelled', 'task_skipped', 'task_reset', 'quality_gate_passed', 'quality_gate_failed', 'alert', 'session_interrupted', 'milestone_completed', 'milestone_failed'],
  validator: ['task_failed', 'task_skipped', 'session_resumed'],
  git: ['task_completed'],
  quality: ['task_completed'],
  safety: ['git_branch_ready', 'task_completed'],
};

/** Which events an agent may ask the coordinator to journal: anything else is refused. */
export const MAY_EMIT: Readonly<Record<AgentKind, readonly EventType[]>> = {
  executor: [],
  workflow: ['rollback_started', 'rollback_step', 'rollback_completed'],
  monitor: ['progress', 'alert'],
  validator: ['dependency_issues'],
  git: ['git_branch_ready', 'git_unavailable', 'auto_commit', 'git_conflict', 'git_pushed', 'git_error'],
  quality: ['quality_gate_started', 'quality_gate_passed', 'quality_gate_failed'],
  safety: ['safety_warning'],
};
