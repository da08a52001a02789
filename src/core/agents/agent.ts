import type { AgentKind } from '../session/events';
import type { AgentInit, AgentToCoordinator, CoordinatorToAgent, EmittedEvent, SubscribedEvent } from './messages';

/** What an agent module gets from the worker runtime. */
export interface AgentContext {
  agent: string;
  kind: AgentKind;
  init: AgentInit;
  send(message: AgentToCoordinator): void;
  emit(event: EmittedEvent): void;
}

/** The coordinator's orders to an agent: everything but the start, the events and the end. */
export type AgentCommand = Exclude<CoordinatorToAgent, AgentInit | { type: 'event' } | { type: 'shutdown' }>;

/** One kind of agent: carries out the coordinator's commands and follows the events it subscribes to. */
export interface Agent<K extends AgentKind = AgentKind> {
  handle?(command: AgentCommand): void | Promise<void>;
  /** Only the types in SUBSCRIPTIONS[K] arrive here: a kind that subscribes to nothing has no `observe`. */
  observe?(event: SubscribedEvent<K>): void;
  dispose(): Promise<void>;
}
