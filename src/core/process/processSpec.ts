/** A child process to run: a task, a gate, or a rollback step. */
export interface ProcessSpec {
  /** Shell script for `/bin/sh -c`, or an argument vector run without a shell. */
  command: { shell: string } | { argv: string[] };
  cwd: string;
  /** The folder `cwd` must really be inside (symbolic links resolved) when the process starts. */
  within?: string;
  env: Record<string, string>;
  logFile: string;
  timeoutMs?: number;
  /** Time between SIGTERM and SIGKILL. */
  graceMs: number;
  /** A header written to the log before the output, e.g. `$ npm test (attempt 2)`. */
  header: string;
  /** Runs first, in the same folder with the same environment, into its own log (a fresh worktree's `npm ci`). */
  setup?: { shell: string; logFile: string };
  /** A coding agent: how its output is read and what makes its run "done". */
  agent?: AgentRunSpec;
}

export interface AgentRunSpec {
  /** Which reader of the output; `generic`: the exit code alone decides. */
  adapter: 'claude' | 'codex' | 'generic';
  /** The task's `budget_usd`, to say what was spent of it. */
  budgetUsd?: number;
  /** Run after a successful agent, in its folder: the task completes only if it passes. */
  verify?: string;
  /** The agent must change at least one file. */
  expectChanges?: boolean;
}

