export type MilestoneType = 'development' | 'testing' | 'deployment' | 'custom';
export type Complexity = 'simple' | 'medium' | 'complex';
export type AutoCommitMode = 'task' | 'threshold' | 'off';
export type FailurePolicy = 'continue' | 'stop';
/** `worktree`: the task runs in a worktree of its own and its result is merged; `shared`: in the milestone's integration worktree. */
export type Isolation = 'worktree' | 'shared';

export interface ToolRequirement {
  raw: string;
  name: string;
  range?: string;
}

export interface Task {
  id: string;
  title: string;
  description?: string;
  run?: string;
  agent?: string;
  prompt?: string;
  dependsOn: string[];
  requires: ToolRequirement[];
  cwd?: string;
  env: Record<string, string>;
  timeoutMs?: number;
  retries: number;
  rollback?: string;
  allowRisky: boolean;
  /** Where the task runs; resolved from the task, the milestone's default, and the task's kind. */
  isolation: Isolation;
  /** Globs of the paths the task expects to change: two tasks whose globs overlap never run at once. */
  touches: string[];
  /** Run in a fresh worktree before the task (e.g. `npm ci`); the milestone's `setup` unless the task has its own. */
  setup?: string;
  /** The task's merge waits for the user's approval. */
  review: boolean;
  /** An agent run stops (and the task fails) once it has spent this much (Claude Code's `--max-budget-usd`). */
  budgetUsd?: number;
  /** Tools the agent may use without asking (Claude Code's `--allowedTools`), e.g. `Bash(npm test:*)`. */
  allowedTools: string[];
  /** Shell command that must pass after the agent, in the task's working tree, for the task to complete. */
  verify?: string;
  /** The task fails when its agent changed no file. */
  expectChanges: boolean;
  /** After an interruption (a crash, a stop), `continue` the agent's conversation or `restart` it. */
  onResume: OnResume;
}

export type OnResume = 'continue' | 'restart';

/** How the engine reads an agent's output: Claude Code's and Codex's JSON streams, or plain text. */
export type AdapterKind = 'claude' | 'codex' | 'generic';

/** An agent profile: the argument vector (with `{prompt}`), and the adapter that reads its output. */
export interface AgentProfile {
  adapter: AdapterKind;
  command: string[];
}

export interface QualityGate {
  id: string;
  title: string;
  run: string;
  after: string[];
  blocking: boolean;
  timeoutMs?: number;
}

export interface Milestone {
  /** Absolute path of the file it came from. */
  file: string;
  id: string;
  title: string;
  description?: string;
  type: MilestoneType;
  complexity: Complexity;
  branch: string;
  executors: { min: number; max: number };
  /** `configured`: the file has a `git:` block (custom and testing milestones use git only then). */
  /** `inPlace`: the milestone branch is checked out in the user's own working tree (and every task shares it). */
  git: { autoCommit: AutoCommitMode; threshold: number; push: boolean; configured: boolean; inPlace: boolean };
  requires: ToolRequirement[];
  quality: QualityGate[];
  agents: Record<string, AgentProfile>;
  tasks: Task[];
  /** No new agent task starts once the session's agents have spent this much. */
  budgetUsd?: number;
  onFailure: FailurePolicy;
  stallAfterMs: number;
}

export const DEFAULT_STALL_AFTER_MS = 5 * 60_000;
export const DEFAULT_GIT_THRESHOLD = 10;

/** Development and deployment milestones work on a branch; others when they configure git. */
export function usesGit(m: Milestone): boolean {
  return m.type === 'development' || m.type === 'deployment' || m.git.configured;
}
