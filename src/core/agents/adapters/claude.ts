// Claude Code in headless mode (`claude -p`): its stream-json output, one JSON object a
// line, says what the agent does (tool calls), when the API makes it wait (api_retry), and
// how the run ended (result: cost, turns, tokens, permission denials). Its conversation is
// named by the engine (`--session-id`) and continued with `--resume`.
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { agentArgv, passesPrompt } from '../../milestone/profiles';
import type { Adapter, AdapterRun } from './adapter';
import { ACTION_LENGTH, jsonEvent, num, obj, shortLine, text, type Obj } from './jsonLines';
import type { AgentSignal, Denial, StreamReader, TokenUsage } from './signals';

/** Flags the adapter sets itself; a profile's own (with their values) are dropped. */
const OWN_FLAGS: Readonly<Record<string, number>> = {
  '--output-format': 1,
  '--verbose': 0,
  '--session-id': 1,
  '--resume': 1,
  '-r': 1,
  '--continue': 0,
  '-c': 0,
  '--max-budget-usd': 1,
  '--fork-session': 0,
};

export const claudeAdapter: Adapter = {
  kind: 'claude',
  newSessionId: () => randomUUID(),
  argv(profile: readonly string[], run: AdapterRun): string[] {
    const given = agentArgv(profile, run.prompt);
    const argv: string[] = [];
    for (let i = 0; i < given.length; i++) {
      const arg = given[i]!;
      const [flag] = arg.split('=', 1) as [string];
      const takes = OWN_FLAGS[flag];
      if (takes === undefined || i === 0) argv.push(arg);
      else if (!arg.includes('=')) i += takes;
    }
    // -p is a switch and the prompt the first positional argument: a profile that places the
    // prompt itself only needs the switch. (The CLI keeps the first of two positionals and drops
    // the other unsaid, so adding the prompt again would lose the profile's own wording.)
    if (!argv.includes('-p') && !argv.includes('--print')) argv.splice(1, 0, ...(passesPrompt(profile) ? ['-p'] : ['-p', run.prompt]));
    argv.push('--output-format', 'stream-json', '--verbose');
    if (run.sessionId) argv.push(run.continued ? '--resume' : '--session-id', run.sessionId);
    if (run.budgetUsd !== undefined) argv.push('--max-budget-usd', String(run.budgetUsd));
    for (const tool of run.allowedTools) argv.push('--allowedTools', tool);
    return argv;
  },
  reader: () => new ClaudeStreamReader(),
};


export class ClaudeStreamReader implements StreamReader {
  private cwd: string | null = null;

  line(raw: string): AgentSignal[] {
    const message = jsonEvent(raw);
    if (!message) return [];
    switch (message.type) {
      case 'system':
        return this.system(message);
      case 'assistant':
        return this.assistant(message);
      case 'result':
        return [result(message, this.cwd)];
      default:
        return [];
    }
  }

  private system(m: Obj): AgentSignal[] {
    if (m.subtype === 'init') {
      this.cwd = text(m.cwd);
      return [{ kind: 'init', model: text(m.model), tools: Array.isArray(m.tools) ? m.tools.length : 0, cwd: this.cwd, sessionId: text(m.session_id) }];
    }
    if (m.subtype === 'api_retry') {
      return [{ kind: 'retry', attempt: num(m.attempt) ?? 0, maxRetries: num(m.max_retries) ?? 0, delayMs: num(m.retry_delay_ms) ?? 0, status: num(m.error_status), error: text(m.error) ?? 'error' }];
    }
    return [];
  }

  private assistant(m: Obj): AgentSignal[] {
    const content = obj(m.message)?.content;
    if (!Array.isArray(content)) return [];
    const out: AgentSignal[] = [];
    for (const block of content) {
      const b = obj(block);
      if (b?.type === 'tool_use' && typeof b.name === 'string') out.push({ kind: 'action', action: describeToolUse(b.name, obj(b.input) ?? {}, this.cwd) });
    }
    return out;
  }
}

function result(m: Obj, cwd: string | null): AgentSignal {
  const u = obj(m.usage);
  const usage: TokenUsage | null = u
    ? { input: num(u.input_tokens) ?? 0, output: num(u.output_tokens) ?? 0, cacheRead: num(u.cache_read_input_tokens) ?? 0, cacheCreation: num(u.cache_creation_input_tokens) ?? 0 }
    : null;
  const denials: Denial[] = (Array.isArray(m.permission_denials) ? m.permission_denials : []).flatMap((d) => {
    const o = obj(d);
    return o && typeof o.tool_name === 'string' ? [{ tool: o.tool_name, target: targetOf(obj(o.tool_input) ?? {}, cwd) }] : [];
  });
  const errors = Array.isArray(m.errors) ? m.errors.filter((e): e is string => typeof e === 'string') : [];
  return {
    kind: 'result',
    subtype: text(m.subtype) ?? 'unknown',
    isError: m.is_error === true,
    turns: num(m.num_turns),
    costUsd: num(m.total_cost_usd),
    usage,
    denials,
    sessionId: text(m.session_id),
    apiStatus: num(m.api_error_status),
    message: text(m.result) ?? errors[0] ?? null,
  };
}

/** What a tool call was for: its file, command, pattern or address. */
function targetOf(input: Obj, cwd: string | null = null): string {
  const file = text(input.file_path) ?? text(input.notebook_path) ?? text(input.path);
  if (file) return cwd && path.isAbsolute(file) && !path.relative(cwd, file).startsWith('..') ? path.relative(cwd, file) || '.' : file;
  const other = text(input.command) ?? text(input.pattern) ?? text(input.url) ?? text(input.description) ?? text(input.query) ?? text(input.prompt);
  if (other) return other;
  const json = JSON.stringify(input);
  return json === '{}' ? '' : json;
}

/** `Write src/login.ts`, `Bash: npm test`: one line, short enough for a tree item. */
export function describeToolUse(tool: string, input: Obj, cwd: string | null): string {
  const shown = shortLine(targetOf(input, cwd), ACTION_LENGTH);
  if (!shown) return tool;
  return tool === 'Bash' ? `Bash: ${shown}` : `${tool} ${shown}`;
}
