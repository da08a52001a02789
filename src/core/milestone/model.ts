export type MilestoneType = 'development' | 'testing' | 'deployment' | 'custom';
export type Complexity = 'simple' | 'medium' | 'complex';
export type AutoCommitMode = 'task' | 'threshold' | 'off';
export type FailurePolicy = 'continue' | 'stop';

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
  git: { autoCommit: AutoCommitMode; threshold: number; push: boolean; configured: boolean };
  requires: ToolRequirement[];
  quality: QualityGate[];
  agents: Record<string, string[]>;
  tasks: Task[];
  onFailure: FailurePolicy;
  stallAfterMs: number;
}

export const DEFAULT_STALL_AFTER_MS = 5 * 60_000;
export const DEFAULT_GIT_THRESHOLD = 10;
