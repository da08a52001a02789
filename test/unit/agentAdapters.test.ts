import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CONTINUE_PROMPT, type AdapterRun } from '../../src/core/agents/adapters/adapter';
import { claudeAdapter, ClaudeStreamReader } from '../../src/core/agents/adapters/claude';
import { codexAdapter, codexErrorStatus, CodexStreamReader } from '../../src/core/agents/adapters/codex';
import { adapterFor } from '../../src/core/agents/adapters/index';
import type { AgentSignal, StreamReader } from '../../src/core/agents/adapters/signals';
import { DEFAULT_AGENT_PROFILES } from '../../src/core/milestone/profiles';

const FIXTURES = path.join(__dirname, '..', 'fixtures');

/** A fixture's lines (an empty last line left out). */
function lines(dir: string, name: string): string[] {
  const text = readFileSync(path.join(FIXTURES, dir, name), 'utf8');
  return text.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1);
}

function read(reader: StreamReader, input: readonly string[]): AgentSignal[] {
  return input.flatMap((l) => reader.line(l));
}

type Kind = AgentSignal['kind'];
function of<K extends Kind>(signals: readonly AgentSignal[], kind: K): Array<Extract<AgentSignal, { kind: K }>> {
  return signals.filter((s): s is Extract<AgentSignal, { kind: K }> => s.kind === kind);
}

function only<K extends Kind>(signals: readonly AgentSignal[], kind: K): Extract<AgentSignal, { kind: K }> {
  const found = of(signals, kind);
  assert.equal(found.length, 1, `one ${kind} signal: ${JSON.stringify(signals)}`);
  return found[0]!;
}

/** Lines that are no event: each must yield nothing, and none may throw. */
const GARBAGE = [
  '',
  '   ',
  'not json at all',
  '{',
  '{"type":"result","subtype":"success","is_error":fal',
  '[1,2,3]',
  '"a string"',
  'null',
  '42',
  'true',
  '{}',
  '{"type":"no_such_type"}',
  '{"type":null}',
  '{"type":"assistant","message":null}',
  '{"type":"assistant","message":{"content":"text, not blocks"}}',
  '{"type":"assistant","message":{"content":[null,42,{"type":"tool_use"}]}}',
  '{"type":"system","subtype":"something_new"}',
  '{"type":"item.completed","item":null}',
  '{"type":"item.started","item":{"id":"x","type":"no_such_item"}}',
  '{"type":"item.completed","item":{"id":"y","type":"file_change","changes":"not a list"}}',
  '\u0000\u0001 binary',
];

const run = (over: Partial<AdapterRun> = {}): AdapterRun => ({ prompt: 'Do it', sessionId: null, continued: false, allowedTools: [], ...over });

describe('agent adapters', () => {
  it('are found by kind', () => {
    assert.equal(adapterFor('claude'), claudeAdapter);
    assert.equal(adapterFor('codex'), codexAdapter);
    assert.equal(adapterFor('generic').reader(), undefined);
  });

  describe('Claude Code: the stream-json reader on the real CLI\'s output (test/fixtures/claude-stream)', () => {
    const claude = (name: string): { signals: AgentSignal[]; raw: Array<Record<string, unknown>> } => {
      const input = lines('claude-stream', `${name}.jsonl`);
      return { signals: read(new ClaudeStreamReader(), input), raw: input.map((l) => JSON.parse(l) as Record<string, unknown>) };
    };
    const rawResult = (raw: Array<Record<string, unknown>>): Record<string, unknown> => raw.find((l) => l.type === 'result')!;

    it('a Write, then end_turn: init, the action relative to the working folder, the result with cost, turns and tokens', () => {
      const { signals, raw } = claude('write-success');
      const init = only(signals, 'init');
      assert.equal(init.model, 'claude-opus-5-5');
      assert.equal(init.sessionId, '00000000-0000-4000-8000-000000000001');
      assert.ok(init.cwd && path.isAbsolute(init.cwd) && init.cwd.endsWith('/work'), String(init.cwd));
      assert.ok(init.tools > 0);
      assert.deepEqual(
        of(signals, 'action').map((a) => a.action),
        ['Write a.txt'],
      );
      const result = only(signals, 'result');
      const expected = rawResult(raw);
      const usage = expected.usage as Record<string, number>;
      assert.deepEqual(result, {
        kind: 'result',
        subtype: 'success',
        isError: false,
        turns: 2,
        costUsd: expected.total_cost_usd,
        usage: { input: usage.input_tokens, output: usage.output_tokens, cacheRead: usage.cache_read_input_tokens, cacheCreation: usage.cache_creation_input_tokens },
        denials: [],
        sessionId: '00000000-0000-4000-8000-000000000001',
        apiStatus: null,
        message: 'Done: a.txt is written.',
      });
      assert.ok((result.costUsd ?? 0) > 0 && (result.usage?.input ?? 0) > 0 && (result.usage?.output ?? 0) > 0, JSON.stringify(result));
      // The signals come in the stream's order: init first, the result last.
      assert.equal(signals[0]!.kind, 'init');
      assert.equal(signals.at(-1)!.kind, 'result');
    });

    it('--max-budget-usd: error_max_budget_usd, is_error, the message from errors[]', () => {
      const { signals } = claude('budget-exceeded');
      const result = only(signals, 'result');
      assert.equal(result.subtype, 'error_max_budget_usd');
      assert.equal(result.isError, true);
      assert.equal(result.message, 'Reached maximum budget ($0.0001)');
      assert.equal(result.turns, 1);
      assert.ok(result.costUsd! > 0.0001, String(result.costUsd));
      assert.equal(result.apiStatus, null);
      // Claude Code 2.1.332 reports this run's tokens as 0 although it reports its cost.
      assert.deepEqual(result.usage, { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 });
    });

    it('429 twice, then success: two retries with attempt, max, delay and status', () => {
      const { signals, raw } = claude('retry-then-success');
      const retries = of(signals, 'retry');
      const rawRetries = raw.filter((l) => l.subtype === 'api_retry');
      assert.deepEqual(
        retries,
        rawRetries.map((r) => ({ kind: 'retry', attempt: r.attempt, maxRetries: 2, delayMs: r.retry_delay_ms, status: 429, error: 'rate_limit' })),
      );
      assert.deepEqual(
        retries.map((r) => r.attempt),
        [1, 2],
      );
      assert.ok(retries.every((r) => r.delayMs > 0));
      const result = only(signals, 'result');
      assert.equal(result.isError, false);
      assert.equal(result.apiStatus, null);
      assert.equal(result.message, 'Hello after retrying.');
    });

    it('a 429 storm that exhausts the retries: is_error with api_error_status 429 (the subtype still says success)', () => {
      const { signals } = claude('rate-limited');
      assert.equal(of(signals, 'retry').length, 2);
      const result = only(signals, 'result');
      assert.equal(result.isError, true);
      assert.equal(result.apiStatus, 429);
      assert.equal(result.subtype, 'success');
      assert.match(result.message ?? '', /429/);
      assert.deepEqual(of(signals, 'action'), []);
    });

    it('a refused Bash call: the action and the denial with its command', () => {
      const { signals } = claude('permission-denied');
      assert.deepEqual(
        of(signals, 'action').map((a) => a.action),
        ['Bash: git push origin main'],
      );
      const result = only(signals, 'result');
      assert.deepEqual(result.denials, [{ tool: 'Bash', target: 'git push origin main' }]);
      assert.equal(result.isError, false);
    });

    it('--allowedTools Write --allowedTools "Bash(git push:*)": both tools ran, nothing was refused', () => {
      const { signals, raw } = claude('allowed-tools');
      assert.deepEqual(
        of(signals, 'action').map((a) => a.action),
        ['Write b.txt', 'Bash: git push origin main'],
      );
      assert.deepEqual(only(signals, 'result').denials, []);
      // The command ran (git answered), it was not refused.
      const toolResults = JSON.stringify(raw.filter((l) => l.type === 'user'));
      assert.match(toolResults, /not a git repository/);
    });

    it('a resumed conversation: the same session id; usage is the run\'s own while the cost is the conversation\'s', () => {
      const { signals, raw } = claude('resumed');
      assert.equal(only(signals, 'init').sessionId, '00000000-0000-4000-8000-000000000007');
      const result = only(signals, 'result');
      assert.equal(result.sessionId, '00000000-0000-4000-8000-000000000007');
      assert.equal(result.turns, 1);
      const modelUsage = Object.values(rawResult(raw).modelUsage as Record<string, { inputTokens: number; costUSD: number }>)[0]!;
      // modelUsage (and total_cost_usd) cover both runs; usage only this one.
      assert.ok(result.usage!.input < modelUsage.inputTokens, `${result.usage!.input} < ${modelUsage.inputTokens}`);
      assert.equal(result.costUsd, modelUsage.costUSD);
    });

    it('garbage, a truncated line, JSON that is no object and unknown types yield nothing and never throw', () => {
      const reader = new ClaudeStreamReader();
      for (const line of GARBAGE) assert.deepEqual(reader.line(line), [], line);
      const real = lines('claude-stream', 'write-success.jsonl');
      for (const line of real) {
        assert.deepEqual(reader.line(line.slice(0, Math.floor(line.length / 2))), [], 'a truncated line');
        assert.deepEqual(reader.line(line.slice(1)), [], 'a line without its first character');
      }
    });

    it('reads the same signals with garbage between the lines', () => {
      const real = lines('claude-stream', 'permission-denied.jsonl');
      const mixed = real.flatMap((l, i) => [GARBAGE[i % GARBAGE.length]!, l]);
      assert.deepEqual(read(new ClaudeStreamReader(), mixed), read(new ClaudeStreamReader(), real));
    });
  });

  describe('Claude Code: argv', () => {
    const PROFILE = ['claude', '-p', '{prompt}', '--output-format', 'text', '--permission-mode', 'acceptEdits'];

    it('asks for stream-json and names the conversation; the profile\'s own output format is dropped', () => {
      assert.deepEqual(claudeAdapter.argv(PROFILE, run({ sessionId: 'S1' })), [
        'claude',
        '-p',
        'Do it',
        '--permission-mode',
        'acceptEdits',
        '--output-format',
        'stream-json',
        '--verbose',
        '--session-id',
        'S1',
      ]);
    });

    it('continues a conversation with --resume', () => {
      const argv = claudeAdapter.argv(PROFILE, run({ prompt: CONTINUE_PROMPT, sessionId: 'S1', continued: true }));
      assert.deepEqual(argv.slice(-2), ['--resume', 'S1']);
      assert.equal(argv[2], CONTINUE_PROMPT);
      assert.ok(!argv.includes('--session-id'));
    });

    it('a budget adds --max-budget-usd, each allowed tool one --allowedTools', () => {
      const argv = claudeAdapter.argv(PROFILE, run({ sessionId: 'S1', budgetUsd: 0.25, allowedTools: ['Write', 'Bash(git push:*)'] }));
      assert.deepEqual(argv.slice(-6), ['--max-budget-usd', '0.25', '--allowedTools', 'Write', '--allowedTools', 'Bash(git push:*)']);
    });

    it('drops the profile\'s own session, resume and budget flags (both spellings)', () => {
      const argv = claudeAdapter.argv(['claude', '-p', '{prompt}', '--resume', 'OLD', '--max-budget-usd=9', '--verbose', '--output-format=json'], run({ sessionId: 'S1' }));
      assert.deepEqual(argv, ['claude', '-p', 'Do it', '--output-format', 'stream-json', '--verbose', '--session-id', 'S1']);
    });

    it('a profile without -p gets -p and the prompt', () => {
      assert.deepEqual(claudeAdapter.argv(['claude', '--permission-mode', 'acceptEdits'], run()), [
        'claude',
        '-p',
        'Do it',
        '--permission-mode',
        'acceptEdits',
        '--output-format',
        'stream-json',
        '--verbose',
      ]);
    });

    it('a profile without -p that places the prompt itself gets only -p (the CLI would drop a second prompt)', () => {
      assert.deepEqual(claudeAdapter.argv(['/usr/local/bin/claude', 'Context first. {prompt}'], run()), [
        '/usr/local/bin/claude',
        '-p',
        'Context first. Do it',
        '--output-format',
        'stream-json',
        '--verbose',
      ]);
    });

    it('the engine names each new conversation with a fresh UUID', () => {
      const a = claudeAdapter.newSessionId();
      const b = claudeAdapter.newSessionId();
      assert.match(a ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.notEqual(a, b);
    });
  });

  describe('Codex: the exec --json reader (test/fixtures/codex-stream, from the documented shapes)', () => {
    const codex = (name: string): AgentSignal[] => read(new CodexStreamReader(), lines('codex-stream', `${name}.jsonl`));

    it('docs/exec.md\'s sample: init with the thread id, one action per command, the result on turn.completed', () => {
      const signals = codex('docs-sample');
      assert.deepEqual(signals, [
        { kind: 'init', model: null, tools: 0, cwd: null, sessionId: '0199a213-81c0-7800-8aa1-bbab2a035a53' },
        { kind: 'action', action: 'Bash: bash -lc ls' },
        {
          kind: 'result',
          subtype: 'success',
          isError: false,
          turns: 1,
          costUsd: null,
          // input_tokens includes the cached ones: 24763 - 24448.
          usage: { input: 315, output: 122, cacheRead: 24448, cacheCreation: 0 },
          denials: [],
          sessionId: '0199a213-81c0-7800-8aa1-bbab2a035a53',
          apiStatus: null,
          message: 'Yep — there’s a `README.md` in the repository root.',
        },
      ]);
    });

    it('every item type: file changes per path, commands, MCP tools, web searches; declined commands are denials', () => {
      const signals = codex('items');
      assert.deepEqual(
        of(signals, 'action').map((a) => a.action),
        [
          'Write src/login.ts',
          'Edit src/app.ts',
          'Delete src/old-login.ts',
          "Bash: bash -lc 'npm test'",
          'docs.search',
          'WebSearch password field autocomplete attribute',
          "Bash: bash -lc 'git push origin main'",
        ],
      );
      const result = only(signals, 'result');
      assert.deepEqual(result.denials, [{ tool: 'Bash', target: "bash -lc 'git push origin main'" }]);
      assert.equal(result.isError, false);
      assert.equal(result.costUsd, null);
      assert.deepEqual(result.usage, { input: 10240, output: 2048, cacheRead: 40960, cacheCreation: 0 });
      assert.equal(result.message, 'The login form is in src/login.ts and the tests pass. I did not push: that was declined.');
    });

    it('a failed turn: reconnects are retries, the turn\'s error is the result, a 429 is apiStatus 429', () => {
      const signals = codex('turn-failed');
      assert.deepEqual(of(signals, 'retry'), [
        {
          kind: 'retry',
          attempt: 1,
          maxRetries: 5,
          delayMs: 0,
          status: null,
          error: 'Reconnecting... 1/5 (stream disconnected before completion: error sending request for url (https://api.openai.com/v1/responses))',
        },
        {
          kind: 'retry',
          attempt: 2,
          maxRetries: 5,
          delayMs: 0,
          status: null,
          error: 'Reconnecting... 2/5 (stream disconnected before completion: error sending request for url (https://api.openai.com/v1/responses))',
        },
      ]);
      assert.deepEqual(
        of(signals, 'action').map((a) => a.action),
        ['Bash: bash -lc ls'],
      );
      // One result: the `error` during the turn waits for the turn's end.
      assert.deepEqual(only(signals, 'result'), {
        kind: 'result',
        subtype: 'error',
        isError: true,
        turns: 1,
        costUsd: null,
        usage: null,
        denials: [],
        sessionId: '0199a300-0000-7000-8000-000000000002',
        apiStatus: 429,
        message: 'exceeded retry limit, last status: 429 Too Many Requests',
      });
      assert.equal(signals.at(-1)!.kind, 'result');
    });

    it('an error outside a turn is the result at once; turn.failed without a message takes the turn\'s error', () => {
      const early = read(new CodexStreamReader(), ['{"type":"error","message":"You\'ve hit your usage limit. Try again at 3:00 PM."}']);
      assert.deepEqual(early, [
        { kind: 'result', subtype: 'error', isError: true, turns: 0, costUsd: null, usage: null, denials: [], sessionId: null, apiStatus: 429, message: "You've hit your usage limit. Try again at 3:00 PM." },
      ]);
      const late = read(new CodexStreamReader(), [
        '{"type":"thread.started","thread_id":"T"}',
        '{"type":"turn.started"}',
        '{"type":"error","message":"unexpected status 503 Service Unavailable: busy"}',
        '{"type":"turn.failed","error":{}}',
      ]);
      const result = only(late, 'result');
      assert.equal(result.message, 'unexpected status 503 Service Unavailable: busy');
      assert.equal(result.apiStatus, 503);
      assert.equal(result.sessionId, 'T');
    });

    it('a turn that recovers from an error ends as a success', () => {
      const signals = read(new CodexStreamReader(), [
        '{"type":"thread.started","thread_id":"T"}',
        '{"type":"turn.started"}',
        '{"type":"error","message":"something went wrong, retrying"}',
        '{"type":"item.completed","item":{"id":"item_0","type":"agent_message","text":"Done."}}',
        '{"type":"turn.completed","usage":{"input_tokens":10,"cached_input_tokens":0,"output_tokens":2}}',
      ]);
      const result = only(signals, 'result');
      assert.equal(result.isError, false);
      assert.equal(result.message, 'Done.');
    });

    it('turn.completed reports the thread\'s running total: a second turn\'s result carries only what it added', () => {
      const signals = read(new CodexStreamReader(), [
        '{"type":"thread.started","thread_id":"T"}',
        '{"type":"turn.started"}',
        '{"type":"turn.completed","usage":{"input_tokens":100,"cached_input_tokens":40,"output_tokens":10}}',
        '{"type":"turn.started"}',
        '{"type":"turn.completed","usage":{"input_tokens":250,"cached_input_tokens":140,"output_tokens":25}}',
      ]);
      assert.deepEqual(
        of(signals, 'result').map((r) => [r.turns, r.usage]),
        [
          [1, { input: 60, output: 10, cacheRead: 40, cacheCreation: 0 }],
          [2, { input: 50, output: 15, cacheRead: 100, cacheCreation: 0 }],
        ],
      );
    });

    it('garbage, a truncated line, JSON that is no object and unknown types yield nothing and never throw', () => {
      const reader = new CodexStreamReader();
      for (const line of GARBAGE) assert.deepEqual(reader.line(line), [], line);
      for (const line of lines('codex-stream', 'docs-sample.jsonl')) {
        assert.deepEqual(new CodexStreamReader().line(line.slice(0, Math.floor(line.length / 2))), [], 'a truncated line');
      }
    });

    it('reads through a stream mixed with log lines and broken events', () => {
      const signals = codex('with-garbage');
      assert.deepEqual(
        signals.map((s) => s.kind),
        ['init', 'action', 'result'],
      );
      assert.deepEqual(only(signals, 'action').action, 'Bash: bash -lc ls');
      assert.equal(only(signals, 'result').message, 'Yep — there’s a `README.md` in the repository root.');
    });

    it('names the HTTP status of an error message: 429 for rate and usage limits', () => {
      assert.equal(codexErrorStatus('exceeded retry limit, last status: 429 Too Many Requests'), 429);
      assert.equal(codexErrorStatus("You've hit your usage limit. Upgrade to Pro (https://openai.com/chatgpt/pricing) or try again at 3:00 PM."), 429);
      assert.equal(codexErrorStatus('Rate limit reached for gpt-5 in organization org-x on tokens per min'), 429);
      assert.equal(codexErrorStatus('exceeded retry limit, last status: 500 Internal Server Error'), 500);
      assert.equal(codexErrorStatus('unexpected status 401 Unauthorized: bad key'), 401);
      assert.equal(codexErrorStatus('Quota exceeded. Check your plan and billing details.'), null);
      assert.equal(codexErrorStatus('stream disconnected before completion'), null);
    });
  });

  describe('Codex: argv', () => {
    const PROFILE = DEFAULT_AGENT_PROFILES.codex!;

    it('adds --json right after exec and fills in the prompt', () => {
      assert.deepEqual(PROFILE, ['codex', 'exec', '--full-auto', '{prompt}']);
      assert.deepEqual(codexAdapter.argv(PROFILE, run()), ['codex', 'exec', '--json', '--full-auto', 'Do it']);
    });

    it('keeps a profile\'s own --json (or its alias) and the exec alias e', () => {
      assert.deepEqual(codexAdapter.argv(['codex', 'exec', '--json', '{prompt}'], run()), ['codex', 'exec', '--json', 'Do it']);
      assert.deepEqual(codexAdapter.argv(['codex', 'exec', '{prompt}', '--experimental-json'], run()), ['codex', 'exec', 'Do it', '--experimental-json']);
      assert.deepEqual(codexAdapter.argv(['/opt/codex/bin/codex', 'e', '{prompt}'], run()), ['/opt/codex/bin/codex', 'e', '--json', 'Do it']);
    });

    it('a profile without exec gets it after the program', () => {
      assert.deepEqual(codexAdapter.argv(['codex', '--model', 'gpt-5', '{prompt}'], run()), ['codex', 'exec', '--json', '--model', 'gpt-5', 'Do it']);
      // Top-level options before exec stay there.
      assert.deepEqual(codexAdapter.argv(['codex', '-c', 'model="o3"', 'exec', '{prompt}'], run()), ['codex', '-c', 'model="o3"', 'exec', '--json', 'Do it']);
      // An "exec" inside the prompt is no subcommand.
      assert.deepEqual(codexAdapter.argv(['codex', '{prompt}', 'exec'], run()), ['codex', 'exec', '--json', 'Do it', 'exec']);
    });

    it('continues a thread with exec resume <id> <prompt>, the flags before resume', () => {
      assert.deepEqual(codexAdapter.argv(PROFILE, run({ prompt: CONTINUE_PROMPT, sessionId: 'T1', continued: true })), [
        'codex',
        'exec',
        '--json',
        '--full-auto',
        'resume',
        'T1',
        CONTINUE_PROMPT,
      ]);
      // Without a thread id there is nothing to resume: a new run.
      assert.deepEqual(codexAdapter.argv(PROFILE, run({ continued: true })), ['codex', 'exec', '--json', '--full-auto', 'Do it']);
    });

    it('ignores budgets and allowed tools, which Codex does not have', () => {
      assert.deepEqual(codexAdapter.argv(PROFILE, run({ budgetUsd: 1, allowedTools: ['Write'] })), codexAdapter.argv(PROFILE, run()));
    });

    it('lets Codex name its thread, and reads its stream', () => {
      assert.equal(codexAdapter.newSessionId(), null);
      assert.ok(codexAdapter.reader() instanceof CodexStreamReader);
    });
  });
});
