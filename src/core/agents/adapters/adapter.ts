// An adapter knows one coding agent's command line and output: how to ask it for a
// machine-readable stream, how to name (or continue) its conversation, and how to read
// what it prints. The generic adapter knows nothing: the exit code decides, as before.
import type { AdapterKind } from '../../milestone/model';
import type { StreamReader } from './signals';

export interface AdapterRun {
  /** The prompt with which this attempt starts (the task's, or a short "continue"). */
  prompt: string;
  /** The conversation this attempt runs under, when the engine names it. */
  sessionId: string | null;
  /** Continue `sessionId`'s conversation instead of starting it. */
  continued: boolean;
  budgetUsd?: number;
  allowedTools: readonly string[];
}

export interface Adapter {
  kind: AdapterKind;
  /**
   * The id for a new conversation, chosen by the engine so that it can be journaled before
   * the agent starts; null when the agent picks its own (and says it in its first line).
   */
  newSessionId(): string | null;
  /** The argument vector of one attempt, from the profile's (with `{prompt}`). */
  argv(profile: readonly string[], run: AdapterRun): string[];
  /** A reader of one run's output, line by line; none for the generic adapter. */
  reader(): StreamReader | undefined;
}

/** What a continued conversation is told: the work so far is in the conversation and in the folder. */
export const CONTINUE_PROMPT =
  'You were interrupted before you finished. Your earlier work in this conversation and in the working folder is kept: check where you stopped, then carry on with the task until it is done.';
