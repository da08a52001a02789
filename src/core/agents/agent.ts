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

