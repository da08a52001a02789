// What `milestone-agents status --json` prints: a contract users script against, so it is
// declared here field by field, all snake_case, and built from the session state without
// passing internal objects through. schemas/status.schema.json is generated from these
// types (`npm run schema`), and a unit test fails when the two differ.
import type { DiagnosticCode, Range, Severity } from '../core/milestone/diagnostics';
import type { AdapterKind } from '../core/milestone/model';
import type { AgentRunState } from '../core/session/agentRuns';
import type { AgentKind, AgentStatus, AlertKind, EventData, Tokens } from '../core/session/events';
import type { GateStatus, SessionState, SessionStatus, TaskMerge, TaskState } from '../core/session/state';
import { shownStatus } from '../shared/presentation';

/** `status --json` of a workspace without sessions prints null. */
export type StatusOutput = StatusDocument | null;

/** One session, as its journal says, with the liveness of the process running it. */
export interface StatusDocument {
  /** The session id. */
  id: string;
  /** The milestone's id. */
  milestone: string;
  /** The milestone file the session runs, as the session recorded it. */
  milestone_file: string;
  title: string;
  /** The milestone's type: development, testing, deployment or custom. */
  type: string;
  /**
   * The status the editor shows too: the journal's, or `interrupted` when the journal says
   * starting, running or paused and no live process runs the session (`resume` goes on).
   */
  status: SessionStatus;
  /** The status as the journal last recorded it. */
  journal_status: SessionStatus;
  /** A live process runs the session now. */
  live: boolean;
  /** Why the session is paused, while it is. */
  pause_reason: string | null;
  /** When the session started (ISO 8601, like every time in this document). */
  started_at: string | null;
  /** When it completed, failed or was interrupted; null while it has not ended. */
  ended_at: string | null;
  result: StatusResult | null;
  /** The milestone branch, once the git agent has prepared it. */
  branch: string | null;
  base_commit: string | null;
  /**
   * The worktree outside the workspace where the milestone branch is integrated; null when
   * the session runs in the user's own checkout (`git.in_place`) or without git.
   */
  integration_worktree: StatusIntegration | null;
  /** The progress monitor's latest report. */
  progress: StatusProgress | null;
  /** In the milestone file's order. */
  tasks: StatusTask[];
  gates: StatusGate[];
  agents: StatusAgent[];
  commits: StatusCommit[];
  alerts: StatusAlert[];
  warnings: StatusWarning[];
  /** Dependency issues found during the run. */
  issues: StatusIssue[];
  /** An incomplete last journal line that a crash left, which this status leaves out. */
  torn_line: StatusTornLine | null;
  /**
   * What the session's coding agents have spent so far, in US dollars: the sum of every
   * agent task's `agent_run.cost_usd` (0 before any reported a cost).
   */
  cost_usd: number;
  /** Some agent does not report its cost (Codex): `cost_usd` is then a lower bound. */
  cost_unknown: boolean;
  /** The tokens the session's coding agents used, summed over their results. */
  tokens: StatusTokens;
  /**
   * How many agent tasks may run at once: lowered when the API rate-limits the agents,
   * raised again as they succeed; null when only the number of executors limits them.
   */
  agent_limit: number | null;
}

export interface StatusTokens {
  input: number;
  output: number;
  cache_read: number;
  cache_creation: number;
}

export interface StatusResult {
  ok: boolean;
  reason: string;
}

export interface StatusProgress {
  done: number;
  failed: number;
  skipped: number;
  running: number;
  total: number;
  percent: number;
  /** Estimated milliseconds left, when there is an estimate. */
  eta_ms: number | null;
}

/**
 * A task. The engine's facts whose names need no change keep the engine's types: `kind`
 * (`run`, a shell command, or `agent`, a coding agent with a prompt), `command` (the shell
 * command, or the agent profile's name), `status`, `attempts` (started so far, the running
 * one included), `agent` (the executor of the latest attempt), `pid` (of the running
 * attempt) and `message` (why the latest attempt failed, was cancelled or skipped).
 */
export interface StatusTask extends Pick<TaskState, 'id' | 'title' | 'kind' | 'command' | 'status' | 'attempts' | 'agent' | 'pid' | 'message'> {
  depends_on: string[];
  /** When the latest attempt started. */
  started_at: string | null;
  /** When the latest attempt ended. */
  ended_at: string | null;
  duration_ms: number | null;
  exit_code: number | null;
  /** The failed dependency that made this task skip. */
  blocked_by: string | null;
  /** `worktree`: the task runs in a worktree of its own and its result is merged; `shared`: in the milestone's worktree. */
  isolation: 'worktree' | 'shared';
  /** The task's result is merged only once the user approves it. */
  review: boolean;
  /** The task's own worktree, once made (it stays listed, `removed`, after it is cleaned up). */
  worktree: StatusWorktree | null;
  /** The port given to the task's worktree, when it has one. */
  port: number | null;
  /** What became of the task's result: null until it is merged, conflicts or waits for review. */
  merge: StatusMerge | null;
  /**
   * The task's coding agent (Claude Code, Codex, ...): its conversation, what it does now and
   * what it has cost. Null for shell tasks and for agent tasks whose agent has not started.
   * (`agent`, above, is the executor that ran the task.)
   */
  agent_run: StatusAgentRun | null;
}

/** A task's coding agent, as the journal reports it. */
export interface StatusAgentRun {
  /** How its output is read: `claude`, `codex` or `generic`. */
  adapter: AdapterKind;
  /** The conversation of the latest attempt (Claude Code's `--session-id`); null when the agent names none. */
  session_id: string | null;
  /** The latest attempt continues an interrupted attempt's conversation (`--resume`). */
  continued: boolean;
  /** The model the agent said it uses. */
  model: string | null;
  /** Turns of the latest result; null before one. */
  turns: number | null;
  /** What the task's conversations have cost so far, in US dollars; null when unknown (Codex, or no result yet). */
  cost_usd: number | null;
  /** Tokens of the task's results, summed. */
  tokens: StatusTokens;
  /** What the agent did last, e.g. `Write src/login.ts` or `Bash: npm test`. */
  last_action: string | null;
  /** Tool calls seen so far. */
  actions: number;
  /** The agent's own retry of a failed API request, while one is under way. */
  retry: StatusAgentRetry | null;
  /** Tool uses the latest result says were refused: add them to the task's `allowed_tools` to allow them. */
  permission_denials: StatusDenial[];
  /** How the latest run ended, as the agent says (e.g. `success`, `error_max_turns`, `error_max_budget_usd`); null before it ends. */
  result: string | null;
  /** A task waiting for quota (`status` `waiting_quota`): when it runs again. */
  quota_until: string | null;
}

export interface StatusAgentRetry {
  /** This retry's number, of `max_retries`. */
  attempt: number;
  max_retries: number;
  /** How long the agent waits before it, in milliseconds, from `at`. */
  delay_ms: number;
  /** The HTTP status of the failed request (429 rate limited, 529 overloaded), when known. */
  status: number | null;
  error: string;
  at: string;
}

export interface StatusDenial {
  /** The tool, e.g. `Bash`, `Write`. */
  tool: string;
  /** What it was for: the command, the path. */
  target: string;
}

export interface StatusIntegration {
  path: string;
  /** The worktree was cleaned up. */
  removed: boolean;
}

export interface StatusWorktree {
  path: string;
  /** The task's branch, e.g. `milestone/<id>-tasks/<task>`. */
  branch: string;
  /** The commit of the milestone branch the worktree started from. */
  base: string;
  removed: boolean;
}

/**
 * `merged`: on the milestone branch; `conflict`: merging conflicts, the task needs a merge
 * (`milestone-agents resolve`); `review`: waits for approval (`milestone-agents review`);
 * `resolving`: a resolution is being carried out; `discarded`: not merged, its commits kept
 * at `ref`.
 */
export interface StatusMerge {
  state: TaskMerge['state'];
  /** Files the task's result changes, and the lines it adds and removes; null when not known. */
  files_changed: number | null;
  lines_added: number | null;
  lines_removed: number | null;
  /** The files whose merge conflicts, while the state is `conflict`. */
  conflicting_files: string[];
  /** The merged commit (or the discarded one). */
  sha: string | null;
  /** Where a discarded result's commits stay reachable. */
  ref: string | null;
}

export interface StatusGate {
  id: string;
  title: string;
  /** The tasks the gate waits for. */
  after: string[];
  blocking: boolean;
  status: GateStatus;
  duration_ms: number | null;
  message: string | null;
}

export interface StatusAgent {
  id: string;
  kind: AgentKind;
  status: AgentStatus;
  current_task: string | null;
  registered_at: string;
  terminated_at: string | null;
  /** Units of the agent's own work (tasks for an executor, commits for git, ...). */
  work_done: number;
  errors: number;
  /** Milliseconds spent busy, up to the agent's last change of status. */
  busy_ms: number;
  /** Since when a busy agent has been busy. */
  busy_since: string | null;
  /** How often the agent was replaced after a crash or silence. */
  restarts: number;
}

export interface StatusCommit {
  sha: string;
  message: string;
  files: number;
  /** The task whose work the commit holds, when it holds one task's. */
  task: string | null;
}

export interface StatusAlert {
  kind: AlertKind;
  message: string;
  task: string | null;
  agent: string | null;
  at: string;
}

export interface StatusWarning {
  kind: EventData['safety_warning']['kind'];
  message: string;
  task: string | null;
  at: string;
}

export interface StatusIssue {
  file: string;
  /** Zero-based lines and characters, as in `validate --json`. */
  range: Range;
  severity: Severity;
  code: DiagnosticCode;
  message: string;
}

export interface StatusTornLine {
  /** The journal, relative to the current folder when below it. */
  file: string;
  /** One-based line number of the dropped line. */
  line: number;
  bytes: number;
  reason: string;
  message: string;
}

export function toStatusDocument(s: SessionState, live: boolean, torn?: StatusTornLine): StatusDocument {
  return {
    id: s.id,
    milestone: s.milestoneId,
    milestone_file: s.milestoneFile,
    title: s.title,
    type: s.type,
    // The status command runs nothing itself: a live session is run elsewhere.
    status: shownStatus(s.status, live ? 'elsewhere' : 'none'),
    journal_status: s.status,
    live,
    pause_reason: s.pauseReason,
    started_at: s.startedAt,
    ended_at: s.endedAt,
    result: s.result ? { ok: s.result.ok, reason: s.result.reason } : null,
    branch: s.branch,
    base_commit: s.baseCommit,
    integration_worktree: s.integration ? { path: s.integration.path, removed: s.integration.removed } : null,
    progress: s.progress ? { done: s.progress.done, failed: s.progress.failed, skipped: s.progress.skipped, running: s.progress.running, total: s.progress.total, percent: s.progress.percent, eta_ms: s.progress.eta_ms } : null,
    tasks: s.taskOrder.flatMap((id) => {
      const t = s.tasks.get(id);
      return t ? [statusTask(t)] : [];
    }),
    gates: [...s.gates.values()].map((g) => ({ id: g.id, title: g.title, after: [...g.after], blocking: g.blocking, status: g.status, duration_ms: g.durationMs, message: g.message })),
    agents: [...s.agents.values()].map((a) => ({
      id: a.id,
      kind: a.kind,
      status: a.status,
      current_task: a.currentTask,
      registered_at: a.registeredAt,
      terminated_at: a.terminatedAt,
      work_done: a.workDone,
      errors: a.errors,
      busy_ms: a.busyMs,
      busy_since: a.busySince,
      restarts: a.restarts,
    })),
    commits: s.commits.map((c) => ({ sha: c.sha, message: c.message, files: c.files, task: c.task ?? null })),
    alerts: s.alerts.map((a) => ({ kind: a.kind, message: a.message, task: a.task ?? null, agent: a.agent ?? null, at: a.at })),
    warnings: s.warnings.map((w) => ({ kind: w.kind, message: w.message, task: w.task ?? null, at: w.at })),
    issues: s.issues.map((d) => ({ file: d.file, range: { start: { ...d.range.start }, end: { ...d.range.end } }, severity: d.severity, code: d.code, message: d.message })),
    torn_line: torn ? { file: torn.file, line: torn.line, bytes: torn.bytes, reason: torn.reason, message: torn.message } : null,
    cost_usd: s.agentTotals.costUsd,
    cost_unknown: s.agentTotals.costUnknown,
    tokens: statusTokens(s.agentTotals.tokens),
    agent_limit: s.agentLimit,
  };
}

function statusTokens(t: Tokens): StatusTokens {
  return { input: t.input, output: t.output, cache_read: t.cache_read, cache_creation: t.cache_creation };
}

function statusAgentRun(r: AgentRunState): StatusAgentRun {
  return {
    adapter: r.adapter,
    session_id: r.sessionId,
    continued: r.continued,
    model: r.model,
    turns: r.turns,
    cost_usd: r.costUsd,
    tokens: statusTokens(r.tokens),
    last_action: r.lastAction,
    actions: r.actions,
    retry: r.retry ? { attempt: r.retry.attempt, max_retries: r.retry.max, delay_ms: r.retry.delayMs, status: r.retry.status, error: r.retry.error, at: r.retry.at } : null,
    permission_denials: r.denials.map((d) => ({ tool: d.tool, target: d.target })),
    result: r.subtype,
    quota_until: r.quotaUntil,
  };
}

function statusTask(t: TaskState): StatusTask {
  const wt = t.worktree;
  const m = t.merge;
  return {
    id: t.id,
    title: t.title,
    depends_on: [...t.dependsOn],
    kind: t.kind,
    command: t.command,
    status: t.status,
    attempts: t.attempts,
    agent: t.agent,
    pid: t.pid,
    started_at: t.startedAt,
    ended_at: t.endedAt,
    duration_ms: t.durationMs,
    exit_code: t.exitCode,
    message: t.message,
    blocked_by: t.blockedBy,
    isolation: t.isolation,
    review: t.review,
    worktree: wt ? { path: wt.path, branch: wt.branch, base: wt.base, removed: wt.removed } : null,
    port: wt?.port ?? null,
    merge: m
      ? {
          state: m.state,
          files_changed: m.changes?.files ?? null,
          lines_added: m.changes?.added ?? null,
          lines_removed: m.changes?.removed ?? null,
          conflicting_files: m.state === 'conflict' ? [...m.files] : [],
          sha: m.sha,
          ref: m.ref,
        }
      : null,
    agent_run: t.agentRun ? statusAgentRun(t.agentRun) : null,
  };
}
