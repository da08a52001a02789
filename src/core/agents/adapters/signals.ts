// What an adapter reads from a coding agent's output stream, one line at a time: the same
// few facts whichever agent it is (Claude Code's stream-json, Codex's JSON events), so the
// executor, the journal and every view handle one shape.

/** One permission the agent was refused: the tool and what it wanted it for (a path, a command). */
export interface Denial {
  tool: string;
  target: string;
}

export interface TokenUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
}

export type AgentSignal =
  /** The agent started: its model and working folder, and the conversation's id when it says it. */
  | { kind: 'init'; model: string | null; tools: number; cwd: string | null; sessionId: string | null }
  /** A tool call, shown as e.g. `Write src/login.ts` or `Bash: npm test`. */
  | { kind: 'action'; action: string }
  /** The agent's own retry of a failed API request (a rate limit, an overload). */
  | { kind: 'retry'; attempt: number; maxRetries: number; delayMs: number; status: number | null; error: string }
  /** How the run ended, as the agent reports it. `costUsd` null: the agent does not say (never 0 for unknown). */
  | {
      kind: 'result';
      subtype: string;
      isError: boolean;
      turns: number | null;
      costUsd: number | null;
      usage: TokenUsage | null;
      denials: Denial[];
      sessionId: string | null;
      /** The HTTP status of the API error that ended the run, when one did (429, 529, …). */
      apiStatus: number | null;
      /** What the agent said last (its answer, or its error). */
      message: string | null;
    };

/** Reads one agent's output: each complete line in, what it meant out (nothing for a line it does not know). */
export interface StreamReader {
  line(text: string): AgentSignal[];
}
