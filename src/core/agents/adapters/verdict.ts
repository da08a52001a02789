// "Done" means done: an agent task completes only if its process exits 0 AND the agent says
// it succeeded. A run the API stopped (rate limit, overload) is not a failure of the task:
// it waits for quota. A run over its budget fails saying so, not "exit code 1".
import type { TaskFailureReason } from '../../session/events';
import type { TaskOutcome } from '../messages';
import { shortLine } from './jsonLines';
import type { AgentSignal } from './signals';

type Result = Extract<AgentSignal, { kind: 'result' }>;
type Retry = Extract<AgentSignal, { kind: 'retry' }>;

export interface Verdict {
  outcome: TaskOutcome;
  message: string;
  reason?: TaskFailureReason;
}

/** HTTP statuses that mean "not now" rather than "no": rate limited, overloaded. */
const QUOTA_STATUSES: ReadonlySet<number> = new Set([429, 529]);

const usd = (n: number): string => `$${n.toFixed(4)}`;

/**
 * The verdict on an agent's run, from what its process did (`base`, decided by the exit
 * code) and what the agent reported. Cancelled, timed-out and unstartable runs stay so.
 */
export function agentVerdict(
  base: Verdict & { exitCode: number | null },
  seen: { result?: Result; lastRetry?: Retry },
  agent: { adapter: 'claude' | 'codex' | 'generic'; budgetUsd?: number },
): Verdict {
  const { exitCode, ...plain } = base;
  if (plain.outcome !== 'completed' && plain.outcome !== 'failed') return plain;
  const { result, lastRetry } = seen;
  if (result?.subtype === 'error_max_budget_usd') {
    const spent = result.costUsd;
    const of = agent.budgetUsd !== undefined ? ` of ${usd(agent.budgetUsd)}` : '';
    return { outcome: 'failed', reason: 'budget', message: spent !== null ? `budget exceeded: spent ${usd(spent)}${of}` : `budget exceeded${of}` };
  }
  const status = result?.isError ? result.apiStatus : !result && exitCode !== 0 ? (lastRetry?.status ?? null) : null;
  if (status !== null && QUOTA_STATUSES.has(status)) {
    const what = status === 429 ? 'rate limited' : 'overloaded';
    const retries = lastRetry ? ` after ${lastRetry.attempt} ${lastRetry.attempt === 1 ? 'retry' : 'retries'}` : '';
    return { outcome: 'quota', message: `${what} (HTTP ${status})${retries}: waiting for quota` };
  }
  if (plain.outcome === 'failed') return result?.message ? { ...plain, message: `${plain.message}: ${shortLine(result.message, 200)}` } : plain;
  if (agent.adapter === 'generic') return plain;
  if (!result) return { outcome: 'failed', reason: 'agent_error', message: 'the agent exited without reporting a result: see the log' };
  if (result.isError || result.subtype !== 'success') {
    return { outcome: 'failed', reason: 'agent_error', message: `the agent reported an error (${result.subtype})${result.message ? `: ${shortLine(result.message, 200)}` : ''}` };
  }
  return plain;
}
