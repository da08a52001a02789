// Codex CLI in non-interactive mode (`codex exec --json`), to the extent its documentation
// describes it. Sources, all in the openai/codex repository:
//  - docs/exec.md, "JSON output mode": the JSON Lines events (`thread.started`, `turn.started`,
//    `turn.completed` with token usage, `turn.failed` with error details,
//    `item.started`/`item.updated`/`item.completed`) and item types (`agent_message`,
//    `reasoning`, `command_execution`, `file_change`, `mcp_tool_call`, `web_search`), with a
//    sample run; "Resuming non-interactive sessions": `codex exec resume <SESSION_ID> <prompt>`,
//    the exec flags written before `resume` (`codex exec --model gpt-5 --json resume --last …`).
//  - codex-rs/exec/src/exec_events.rs: the exact shapes (ThreadEvent, ThreadItemDetails):
//    `thread.started` {thread_id}; `turn.completed` {usage: {input_tokens, cached_input_tokens,
//    output_tokens}}; `turn.failed` {error: {message}}; `error` {message}; items {id, type, …}:
//    command_execution {command, aggregated_output, exit_code, status: in_progress | completed |
//    failed | declined}, file_change {changes: [{path, kind: add | delete | update}], status},
//    mcp_tool_call {server, tool, arguments, status}, web_search {query}, agent_message {text},
//    reasoning {text}, todo_list {items}, error {message} (a warning).
//  - codex-rs/exec/src/event_processor_with_jsonl_output.rs, the printer: `turn.completed`'s
//    usage is the thread's running total (usage_from_last_total), not the turn's own; an `error`
//    event does not end the run (the turn goes on, and `turn.failed` falls back to its message).
//  - codex-rs/exec/src/cli.rs: `--json` (alias `--experimental-json`), the `resume` subcommand
//    (SESSION_ID, then PROMPT); codex-rs/cli: `e` is an alias of `exec`.
//  - Issue openai/codex#32984: a retried stream error is printed as
//    `{"type":"error","message":"Reconnecting... 1/5 (…)"}`, the same shape as a fatal one; its
//    text is the only way to tell.
//  - codex-rs/core/src/error.rs: the messages of rate limits ("exceeded retry limit, last status:
//    429 Too Many Requests", "You've hit your usage limit. … Try again at …").
//
// What Codex does not report: its model (init says null), its cost (costUsd null: unknown, never
// 0), a budget or a tool allowlist (the adapter ignores budgetUsd and allowedTools; validation
// warns about them). Codex names its thread itself (newSessionId null) and says it in
// `thread.started`. It prints no result line: the end of the turn (`turn.completed`,
// `turn.failed`) is the result.
import { PROMPT_SLOT, agentArgv } from '../../milestone/profiles';
import type { Adapter, AdapterRun } from './adapter';
import { ACTION_LENGTH, jsonEvent, num, obj, shortLine, text, type Obj } from './jsonLines';
import type { AgentSignal, Denial, StreamReader, TokenUsage } from './signals';

const EXEC = new Set(['exec', 'e']);
const JSON_FLAGS = new Set(['--json', '--experimental-json']);

export const codexAdapter: Adapter = {
  kind: 'codex',
  newSessionId: () => null,
  argv: codexArgv,
  reader: () => new CodexStreamReader(),
};

/**
 * The profile's arguments with `{prompt}` filled in, `exec` (after the program, when the profile
 * has no `exec` or `e` subcommand) and `--json` right after it (unless the profile has it).
 * Continuing a thread: `codex exec --json <the profile's other arguments> resume <id> <prompt>`:
 * the arguments carrying `{prompt}` are left out (so a `{prompt}` given as a flag's value is not
 * supported there) and the prompt follows the thread id, as docs/exec.md writes it.
 */
export function codexArgv(profile: readonly string[], run: AdapterRun): string[] {
  const [program, ...rest] = profile;
  if (program === undefined) return [];
  const slot = rest.findIndex((a) => a.includes(PROMPT_SLOT));
  let at = rest.findIndex((a, i) => EXEC.has(a) && (slot < 0 || i < slot));
  const args = [...rest];
  if (at < 0) {
    args.unshift('exec');
    at = 0;
  }
  if (!args.some((a) => JSON_FLAGS.has(a))) args.splice(at + 1, 0, '--json');
  if (run.continued && run.sessionId) {
    return [program, ...args.filter((a) => !a.includes(PROMPT_SLOT)), 'resume', run.sessionId, run.prompt];
  }
  return agentArgv([program, ...args], run.prompt);
}


/** `Reconnecting... 2/5 (stream disconnected before completion: …)`: Codex retries the turn. */
const RECONNECTING = /^Reconnecting\.\.\.\s*(\d+)\s*\/\s*(\d+)/;

/**
 * The HTTP status an error message names: 429 for a rate or usage limit (so the engine waits for
 * quota), else the status of "unexpected status 503 …" or "last status: 500 …". "Quota exceeded"
 * (billing) is not a wait and names none.
 */
export function codexErrorStatus(message: string): number | null {
  if (/\b429\b|rate[ _-]?limit|too many requests|usage limit/i.test(message)) return 429;
  const status = /\bstatus(?: code)?:?\s+(\d{3})\b/i.exec(message);
  return status ? Number(status[1]) : null;
}

export class CodexStreamReader implements StreamReader {
  private threadId: string | null = null;
  private turns = 0;
  private inTurn = false;
  /** The thread's running total at the last result: each result carries what was added since. */
  private reported: TokenUsage = { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 };
  private lastMessage: string | null = null;
  /** An `error` seen during the turn: the turn may still recover; its end decides. */
  private turnError: string | null = null;
  private denials: Denial[] = [];
  /** Item ids (and, for file changes, id + path) already shown as an action. */
  private shown = new Set<string>();

  line(raw: string): AgentSignal[] {
    const event = jsonEvent(raw);
    if (!event) return [];
    switch (event.type) {
      case 'thread.started':
        this.threadId = text(event.thread_id) ?? this.threadId;
        return [{ kind: 'init', model: null, tools: 0, cwd: null, sessionId: this.threadId }];
      case 'turn.started':
        this.turns++;
        this.inTurn = true;
        this.turnError = null;
        return [];
      case 'item.started':
      case 'item.updated':
      case 'item.completed':
        return this.item(obj(event.item), event.type === 'item.completed');
      case 'turn.completed':
        this.inTurn = false;
        return [this.result(false, this.lastMessage, null, obj(event.usage))];
      case 'turn.failed': {
        this.inTurn = false;
        const message = text(obj(event.error)?.message) ?? this.turnError ?? 'turn failed';
        return [this.result(true, message, codexErrorStatus(message) ?? (this.turnError ? codexErrorStatus(this.turnError) : null))];
      }
      case 'error':
        return this.error(text(event.message) ?? 'error');
      default:
        return [];
    }
  }

  private error(message: string): AgentSignal[] {
    const retry = RECONNECTING.exec(message);
    if (retry) {
      // Codex does not say how long it waits before reconnecting.
      return [{ kind: 'retry', attempt: Number(retry[1]), maxRetries: Number(retry[2]), delayMs: 0, status: codexErrorStatus(message), error: message }];
    }
    if (this.inTurn) {
      this.turnError = message;
      return [];
    }
    return [this.result(true, message, codexErrorStatus(message))];
  }

  private item(item: Obj | undefined, completed: boolean): AgentSignal[] {
    if (!item) return [];
    const id = text(item.id) ?? '';
    const action = (key: string, shown: string | null): AgentSignal[] => {
      if (shown === null || this.shown.has(key)) return [];
      this.shown.add(key);
      return [{ kind: 'action', action: shortLine(shown, ACTION_LENGTH) }];
    };
    switch (item.type) {
      case 'agent_message':
        if (completed) this.lastMessage = text(item.text) ?? this.lastMessage;
        return [];
      case 'command_execution': {
        const command = text(item.command) ?? '';
        if (completed && item.status === 'declined') this.denials.push({ tool: 'Bash', target: command });
        return action(id, command ? `Bash: ${command}` : 'Bash');
      }
      case 'file_change': {
        const changes = Array.isArray(item.changes) ? item.changes : [];
        return changes.flatMap((c) => {
          const change = obj(c);
          const file = text(change?.path);
          if (!file) return [];
          const verb = change?.kind === 'add' ? 'Write' : change?.kind === 'delete' ? 'Delete' : 'Edit';
          return action(`${id}\u0000${file}`, `${verb} ${file}`);
        });
      }
      case 'mcp_tool_call': {
        const server = text(item.server);
        const tool = text(item.tool);
        return action(id, server && tool ? `${server}.${tool}` : (tool ?? server ?? 'mcp'));
      }
      case 'web_search': {
        // The search may start before its query is known: shown once it is, or when it ends.
        const query = text(item.query)?.trim() ?? '';
        return query || completed ? action(id, query ? `WebSearch ${query}` : 'WebSearch') : [];
      }
      default:
        return [];
    }
  }

  private result(isError: boolean, message: string | null, apiStatus: number | null, u?: Obj): AgentSignal {
    let usage: TokenUsage | null = null;
    if (u) {
      // cached_input_tokens is part of input_tokens (OpenAI's usage); TokenUsage keeps them apart, as Claude's does.
      const input = num(u.input_tokens) ?? 0;
      const cached = num(u.cached_input_tokens) ?? 0;
      const total: TokenUsage = { input: Math.max(0, input - cached), output: num(u.output_tokens) ?? 0, cacheRead: cached, cacheCreation: 0 };
      usage = {
        input: Math.max(0, total.input - this.reported.input),
        output: Math.max(0, total.output - this.reported.output),
        cacheRead: Math.max(0, total.cacheRead - this.reported.cacheRead),
        cacheCreation: 0,
      };
      this.reported = total;
    }
    return {
      kind: 'result',
      subtype: isError ? 'error' : 'success',
      isError,
      turns: this.turns,
      costUsd: null,
      usage,
      denials: [...this.denials],
      sessionId: this.threadId,
      apiStatus,
      message,
    };
  }
}
