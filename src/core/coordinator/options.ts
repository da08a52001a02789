// What a front end (the CLI, the editor) can ask of a run, and what it gets back.
import type { MergeResolution } from '../session/events';

export interface CoordinatorOptions {
  /** dist/worker.js: resolved by the caller relative to its own install, never the workspace. */
  workerScript: string;
  /** Root the tasks run in; defaults to the folder holding `.milestones/`. */
  workspace?: string;
  /** Upper limit of executors, overriding the file's `executors.max`. */
  executors?: number;
  /** Stop everything at the first failure, whatever `on_failure` says. */
  failFast?: boolean;
  /** Run the `rollback` commands of completed tasks when the milestone fails. */
  rollback?: boolean;
  /** Start even when the working tree has changes this milestone did not make. */
  allowDirty?: boolean;
  /** Overrides the file's `git.auto_commit` (the editor's setting). */
  autoCommit?: 'task' | 'threshold' | 'off';
  /** The git binary (the editor passes the one its Git extension uses). */
  gitBinary?: string;
  /** The repository holding the workspace, as the editor's Git extension reports it. */
  gitRepository?: string;
  /** Extra agent profiles (from the editor's settings). */
  profiles?: Record<string, readonly string[]>;
  /** Who runs the session, for the lock owner record (e.g. "milestone-agents CLI"). */
  owner?: string;
  /** End the run (resumable, exit code 3) once it is paused and nothing is running: the CLI wants this. */
  exitWhenPaused?: boolean;
  /** Environment for tasks; defaults to this process's. */
  env?: Record<string, string | undefined>;
  /** Overrides the file's `git.in_place`: the milestone branch is checked out in the working tree and every task runs there. */
  inPlace?: boolean;
  /** Where task worktrees go (default: ~/.cache/milestone-agents/worktrees/<repository>); never inside the workspace. */
  worktreesDir?: string;
  /** A resumed session first resolves these tasks' merges (or reviews), as `resolveMerge` would. */
  resolutions?: readonly { task: string; how: MergeResolution }[];
  /** How often, at most, a running isolated task's changes are compared with the others' (default 2 s). */
  overlapCheckMs?: number;
  heartbeatMs?: number;
  unresponsiveAfterMs?: number;
  retryBaseMs?: number;
  /** The first wait of an agent task that ran out of API quota (default 30 s; doubled each time). */
  quotaRetryMs?: number;
  graceMs?: number;
  idleExecutorMs?: number;
  resourceCeiling?: number;
  stallAfterMs?: number;
}

export interface SessionOutcome {
  sessionId: string;
  status: 'completed' | 'failed' | 'interrupted';
  /** 0 done, 1 a task or blocking gate failed, 3 interrupted or paused. */
  exitCode: 0 | 1 | 3;
  reason: string;
}

/** The answer to a resolution: refused ones say why, in a sentence for the user. */
export type ResolveAnswer = { ok: true } | { ok: false; message: string };
