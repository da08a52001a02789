import type { AgentKind } from '../session/events';
import type { AgentInit, AgentToCoordinator, CoordinatorToAgent, EmittedEvent } from './messages';

/** What an agent module gets from the worker runtime. */
export interface AgentContext {
  agent: string;
  kind: AgentKind;
  init: AgentInit;
  send(message: AgentToCoordinator): void;
  emit(event: EmittedEvent): void;
}

/** One kind of agent: handles the commands and events the coordinator sends it. */
export interface Agent {
  handle(message: CoordinatorToAgent): void | Promise<void>;
  dispose(): Promise<void>;
}

/**
 * Test-only fault injection, read from MILESTONE_AGENTS_FAILPOINTS (e.g.
 * `executor.crash_on=build,executor.hang_on=test`): it lets the integration tests make a
 * real worker crash or hang at a chosen point, which nothing else can do on demand.
 */
export function failpoint(name: string): string | undefined {
  const spec = process.env.MILESTONE_AGENTS_FAILPOINTS;
  if (!spec) return undefined;
  for (const part of spec.split(',')) {
    const [k, v] = part.split('=');
    if (k?.trim() === name) return (v ?? '').trim();
  }
  return undefined;
}
