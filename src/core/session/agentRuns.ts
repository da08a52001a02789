// What the journal says about a task's coding agent: its conversation, what it does now,
// what it has cost. The reducer in state.ts hands these events here, so the rules for cost
// (a continued conversation reports its runs' total) live in one place.
import type { Denial } from '../agents/adapters/signals';
import type { AdapterKind } from '../milestone/model';
import type { EventData, JournalEvent, Tokens } from './events';

export interface AgentRunState {
  adapter: AdapterKind;
  /** The conversation of the latest attempt (null: the agent names none). */
  sessionId: string | null;
  /** The latest attempt continues an interrupted one's conversation. */
  continued: boolean;
  /**
   * The latest attempt is over (its result arrived, or it failed): the next one starts
   * afresh. False while it runs, once interrupted, or once stopped by a rate limit: the next
   * one continues the conversation.
   */
  ended: boolean;
  model: string | null;
  /** Turns of the latest result. */
  turns: number | null;
  /** Spent by every conversation of the task, in USD; null while nothing is known. */
  costUsd: number | null;
  /** The latest cost each conversation reported (each report includes the conversation's earlier runs). */
  costBySession: Record<string, number>;
  /** Cost reported by runs without a session id (they add up). */
  unattributedUsd: number;
  tokens: Tokens;
  lastAction: string | null;
  /** Tool calls seen. */
  actions: number;
  /** The agent's own API retry under way, until its next action or result. */
  retry: { attempt: number; max: number; delayMs: number; status: number | null; error: string; at: string } | null;
  /** Tool uses refused by the latest result (each names the tool and the path or command). */
  denials: Denial[];
  /** The latest result's subtype, e.g. `success`, `error_max_budget_usd`. */
  subtype: string | null;
  /** Waiting for quota: when it runs again. */
  quotaUntil: string | null;
}

export function newAgentRun(adapter: AdapterKind): AgentRunState {
  return {
    adapter,
    sessionId: null,
    continued: false,
    ended: false,
    model: null,
    turns: null,
    costUsd: null,
    costBySession: {},
    unattributedUsd: 0,
    tokens: { input: 0, output: 0, cache_read: 0, cache_creation: 0 },
    lastAction: null,
    actions: 0,
    retry: null,
    denials: [],
    subtype: null,
    quotaUntil: null,
  };
}

/** The session's agents' spending, kept in step with each task's. */
export interface AgentTotals {
  costUsd: number;
  /** Some agent's cost is unknown (Codex): the total is a lower bound. */
  costUnknown: boolean;
  tokens: Tokens;
}

export function emptyTotals(): AgentTotals {
  return { costUsd: 0, costUnknown: false, tokens: { input: 0, output: 0, cache_read: 0, cache_creation: 0 } };
}

type AgentEvent = Extract<JournalEvent, { type: 'agent_session' | 'agent_init' | 'agent_activity' | 'agent_retry' | 'agent_result' | 'task_waiting_quota' }>;

export const AGENT_EVENT_TYPES: ReadonlySet<string> = new Set(['agent_session', 'agent_init', 'agent_activity', 'agent_retry', 'agent_result', 'task_waiting_quota']);

export function isAgentEvent(e: JournalEvent): e is AgentEvent {
  return AGENT_EVENT_TYPES.has(e.type);
}

/** Folds one agent event into the task's run (made when missing) and the session's totals. */
export function applyAgentEvent(holder: { agentRun: AgentRunState | null }, totals: AgentTotals, e: AgentEvent): void {
  if (e.type === 'agent_session') {
    const run = holder.agentRun ?? newAgentRun(e.data.adapter);
    // A new attempt: what the last one did, and how it ended, no longer describes the task.
    Object.assign(run, { adapter: e.data.adapter, sessionId: e.data.session_id, continued: e.data.continued, ended: false, lastAction: null, retry: null, denials: [], subtype: null, quotaUntil: null });
    holder.agentRun = run;
    return;
  }
  const run = (holder.agentRun ??= newAgentRun('generic'));
  switch (e.type) {
    case 'agent_init':
      run.model = e.data.model ?? run.model;
      run.sessionId ??= e.data.session_id;
      break;
    case 'agent_activity':
      run.lastAction = e.data.action;
      run.actions += e.data.actions;
      run.retry = null;
      break;
    case 'agent_retry':
      run.retry = { attempt: e.data.attempt, max: e.data.max_retries, delayMs: e.data.delay_ms, status: e.data.status, error: e.data.error, at: e.timestamp };
      break;
    case 'agent_result':
      addResult(run, totals, e.data);
      break;
    case 'task_waiting_quota':
      run.quotaUntil = new Date(Date.parse(e.timestamp) + e.data.delay_ms).toISOString();
      run.retry = null;
      // Stopped by the API, not by its own choice: the next attempt continues the conversation.
      run.ended = false;
      break;
  }
}

function addResult(run: AgentRunState, totals: AgentTotals, d: EventData['agent_result']): void {
  run.ended = true;
  run.retry = null;
  run.subtype = d.subtype;
  run.turns = d.turns;
  run.denials = d.denials;
  if (d.session_id) run.sessionId = d.session_id;
  const before = run.costUsd ?? 0;
  if (d.cost_usd === null) {
    totals.costUnknown = true;
  } else if (d.session_id) {
    run.costBySession[d.session_id] = d.cost_usd;
  } else {
    run.unattributedUsd += d.cost_usd;
  }
  const known = Object.values(run.costBySession).reduce((a, b) => a + b, run.unattributedUsd);
  if (d.cost_usd !== null || run.costUsd !== null) run.costUsd = known;
  totals.costUsd += (run.costUsd ?? 0) - before;
  if (d.tokens) {
    for (const k of ['input', 'output', 'cache_read', 'cache_creation'] as const) {
      run.tokens[k] += d.tokens[k];
      totals.tokens[k] += d.tokens[k];
    }
  }
}
