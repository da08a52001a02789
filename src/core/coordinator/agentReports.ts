// What an executor reads from a coding agent's output, as journal events. The executor
// already samples tool calls (a few a second), so each report is one event.
import type { AgentSignal } from '../agents/adapters/signals';
import type { EventDraft } from '../session/events';

export function agentEvent(task: string, attempt: number, signal: AgentSignal, actions = 1): EventDraft {
  switch (signal.kind) {
    case 'init':
      return { type: 'agent_init', data: { task, model: signal.model, cwd: signal.cwd, tools: signal.tools, session_id: signal.sessionId } };
    case 'action':
      return { type: 'agent_activity', data: { task, action: signal.action, actions } };
    case 'retry':
      return { type: 'agent_retry', data: { task, attempt: signal.attempt, max_retries: signal.maxRetries, delay_ms: signal.delayMs, status: signal.status, error: signal.error } };
    case 'result':
      return {
        type: 'agent_result',
        data: {
          task,
          attempt,
          session_id: signal.sessionId,
          subtype: signal.subtype,
          is_error: signal.isError,
          turns: signal.turns,
          cost_usd: signal.costUsd,
          tokens: signal.usage ? { input: signal.usage.input, output: signal.usage.output, cache_read: signal.usage.cacheRead, cache_creation: signal.usage.cacheCreation } : null,
          denials: signal.denials,
          api_status: signal.apiStatus,
        },
      };
  }
}
