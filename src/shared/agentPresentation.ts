// How a coding agent's run is worded, the same in the tree, the status bar and the
// dashboard: what it does now, why it waits, what it cost. Costs are never shown as $0 when
// they are unknown, and countdowns are computed against the `now` they are drawn at.
import { formatDuration } from '../core/duration';
import type { Denial } from '../core/agents/adapters/signals';
import type { AgentRunState, AgentTotals } from '../core/session/agentRuns';
import type { AdapterKind } from '../core/milestone/model';
import type { Tokens } from '../core/session/events';
import type { SessionState, TaskState } from '../core/session/state';
import { plainText } from './terminalText';

/** Text from an agent's stream (a command, a path, an error) as one plain line. */
export { plainText } from './terminalText';

/** `$0.0123` (four decimals below a dollar, two above), or `cost unknown`. */
export function usdText(cost: number | null): string {
  if (cost === null || !Number.isFinite(cost)) return 'cost unknown';
  return `$${cost.toFixed(cost >= 1 ? 2 : 4)}`;
}

const count = (n: number): string => Math.round(n).toLocaleString('en-US');

/** `1,234 in · 567 out`, with the cache's share when there is one. */
export function tokensText(t: Tokens): string {
  return [`${count(t.input)} in`, `${count(t.output)} out`, t.cache_read ? `${count(t.cache_read)} cache read` : '', t.cache_creation ? `${count(t.cache_creation)} cache written` : ''].filter(Boolean).join(' · ');
}

/** `Bash: git push origin main`: one permission the agent was refused. */
export function denialText(d: Denial): string {
  const target = plainText(d.target);
  return target ? `${plainText(d.tool)}: ${target}` : plainText(d.tool);
}

/** `1 permission denied`, `2 permissions denied`. */
export function denialsText(n: number): string {
  return `${n} permission${n === 1 ? '' : 's'} denied`;
}

/** Why the API made the agent retry: its status in words. */
function retryCause(status: number | null): string {
  if (status === 429) return 'rate limited';
  if (status === 529 || status === 503) return 'API overloaded';
  return status === null ? 'API error' : `API error ${status}`;
}

/** What is left of a wait that started at `from` (ISO) and lasts `ms`, at `now`; 0 once over. */
function left(from: string, ms: number, now: number): number {
  return Math.max(0, Date.parse(from) + ms - now);
}

/** `rate limited, retry 3/10 in 2.3s`: the agent's own retry of an API request, under way. */
export function retryText(retry: NonNullable<AgentRunState['retry']>, now: number): string {
  const wait = left(retry.at, retry.delayMs, now);
  return `${retryCause(retry.status)}, retry ${retry.attempt}/${retry.max}${wait > 0 ? ` in ${formatDuration(wait)}` : ''}`;
}

/** `waiting for quota, next try in 40s`: the task stopped for a rate limit and runs again by itself. */
export function quotaText(until: string | null, now: number): string {
  const wait = until ? Math.max(0, Date.parse(until) - now) : 0;
  return `waiting for quota, ${wait > 0 ? `next try in ${formatDuration(wait)}` : 'next try now'}`;
}

/** The agent reported how its run ended (or its cost): there are turns and a cost to show. */
export function hasResult(run: AgentRunState | null): boolean {
  return run !== null && (run.subtype !== null || run.costUsd !== null);
}

/** Claude Code's ways of ending a run unfinished, in words. */
const STOPPED_BY: Readonly<Record<string, string>> = {
  error_max_budget_usd: 'over budget',
  error_max_turns: 'out of turns',
  error_during_execution: 'agent error',
};

/** Why the agent stopped short (`over budget`), from its result's subtype; '' when it did not. */
export function stoppedText(run: AgentRunState | null): string {
  return run?.subtype ? (STOPPED_BY[run.subtype] ?? '') : '';
}

/** `3 turns · $0.0123`, `cost unknown` when the agent does not say; empty before any result. */
export function resultText(run: AgentRunState | null): string {
  if (!run || !hasResult(run)) return '';
  return [run.turns !== null ? `${run.turns} turn${run.turns === 1 ? '' : 's'}` : '', usdText(run.costUsd)].filter(Boolean).join(' · ');
}

/**
 * What a task's agent does now, in a few words, while its task runs or waits: its API
 * retry, its quota wait, or its current action. Null when there is nothing to say.
 */
export function agentNowText(t: TaskState, now: number): string | null {
  const run = t.agentRun;
  if (t.status === 'waiting_quota') return quotaText(run?.quotaUntil ?? null, now);
  if (t.status !== 'running' || !run) return null;
  if (run.retry) return retryText(run.retry, now);
  return run.lastAction === null ? null : plainText(run.lastAction);
}

/** A countdown is on screen (a quota wait, an API retry): its text changes with the clock. */
export function hasCountdown(s: SessionState, now: number): boolean {
  for (const t of s.tasks.values()) {
    const run = t.agentRun;
    if (t.status === 'waiting_quota' && run?.quotaUntil && Date.parse(run.quotaUntil) > now) return true;
    if (t.status === 'running' && run?.retry && left(run.retry.at, run.retry.delayMs, now) > 0) return true;
  }
  return false;
}

/** The lines a tooltip gives about a task's agent: model, conversation, activity, result, tokens, denials. */
export function agentTooltipLines(t: TaskState, now: number): string[] {
  const run = t.agentRun;
  if (!run) return [];
  const retry = t.status === 'running' && run.retry ? `${retryText(run.retry, now)}${run.retry.error ? ` — ${plainText(run.retry.error)}` : ''}` : '';
  const quota = t.status === 'waiting_quota' && run.quotaUntil ? `Waiting for quota: next try at ${new Date(run.quotaUntil).toLocaleTimeString('en-GB')}` : '';
  return [
    `Model: ${run.model === null ? 'not reported yet' : plainText(run.model)}`,
    run.sessionId ? `Conversation: ${plainText(run.sessionId)}${run.continued ? ' (continued)' : ''}` : '',
    run.lastAction ? `${t.status === 'running' ? 'Now' : 'Last action'}: ${plainText(run.lastAction)} (${run.actions} tool call${run.actions === 1 ? '' : 's'} in all)` : '',
    retry ? `Retrying: ${retry}` : '',
    quota,
    hasResult(run) ? `Result: ${[plainText(run.subtype ?? ''), resultText(run)].filter(Boolean).join(' · ')}` : '',
    hasResult(run) || run.tokens.input || run.tokens.output ? `Tokens: ${tokensText(run.tokens)}` : '',
    ...(run.denials.length ? [`${denialsText(run.denials.length)}:`, ...run.denials.map((d) => `  ${denialText(d)}`)] : []),
  ].filter(Boolean);
}

/** Some agent of the session reported what it cost (or that it does not know). */
export function agentsReported(s: SessionState): boolean {
  if (s.agentTotals.costUsd > 0 || s.agentTotals.costUnknown) return true;
  for (const t of s.tasks.values()) if (hasResult(t.agentRun)) return true;
  return false;
}

/**
 * What the session's agents have spent: `$0.0421`, `≥ $0.0421` when some agent's cost is
 * unknown, `cost unknown` when none is known. Null while no agent has reported.
 */
export function spendText(s: SessionState): string | null {
  if (!agentsReported(s)) return null;
  const t: AgentTotals = s.agentTotals;
  const known = [...s.tasks.values()].some((task) => task.agentRun?.costUsd != null);
  if (!known) return 'cost unknown';
  return `${t.costUnknown ? '≥ ' : ''}${usdText(t.costUsd)}`;
}

/** `2 agent tasks at once (lowered after a rate limit)`; empty when there is no limit but the executors. */
export function agentLimitText(limit: number | null): string {
  if (limit === null) return '';
  return `${limit} agent task${limit === 1 ? '' : 's'} at once (lowered after a rate limit)`;
}

/** What each adapter's agent is called in a sentence ("Claude Code was refused …"). */
export const AGENT_NAMES: Readonly<Record<AdapterKind, string>> = { claude: 'Claude Code', codex: 'Codex', generic: 'the agent' };
