import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PreparedClaude } from '../../scripts/claude/prepare.mjs' with { 'resolution-mode': 'import' };
import { claudeArgv, claudeEnv, FAKE_API_KEY, runClaude, startNetworkTrap, type ClaudeRun, type NetworkTrap, type StreamJsonLine } from '../support/claudeCode';
import { startFakeAnthropic, toolResults, type FakeAnthropic, type FakeAnthropicOptions, type MessagesBody } from '../support/fakeAnthropic';

const CONTENT = 'hello from the fake model\nsecond line\n';

describe('the real Claude Code CLI, offline against a fake Anthropic API', function () {
  let cli: PreparedClaude;
  let tmp: string;
  let fake: FakeAnthropic | undefined;
  let trap: NetworkTrap;
  let abort: AbortController;

  before(async function () {
    // A cold install downloads a ~400 MB binary from the npm registry.
    this.timeout(10 * 60_000);
    const { prepareClaude } = await import('../../scripts/claude/prepare.mjs');
    cli = await prepareClaude({ log: (m) => process.stderr.write(`[prepare-claude] ${m}\n`) });
  });

  beforeEach(async () => {
    tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ma-claude-')));
    await fs.mkdir(path.join(tmp, 'work'));
    trap = await startNetworkTrap();
    abort = new AbortController();
  });

  afterEach(async () => {
    // Kills a CLI still running after a timeout, before its servers go away.
    abort.abort();
    await fake?.close();
    fake = undefined;
    await trap.close();
    await fs.rm(tmp, { recursive: true, force: true });
  });

  async function run(prompt: string, script: FakeAnthropicOptions['script']): Promise<ClaudeRun> {
    fake = await startFakeAnthropic({ script });
    const env = claudeEnv(fake.url, path.join(tmp, 'home'), { proxy: trap.url });
    return runClaude(claudeArgv(prompt, cli), { cwd: path.join(tmp, 'work'), env, signal: abort.signal });
  }

  function describeRun(r: ClaudeRun): string {
    return `exit ${r.code ?? r.signal}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
  }

  function resultOf(r: ClaudeRun): StreamJsonLine {
    const result = r.lines.find((l) => l.type === 'result');
    assert.ok(result, `no result line:\n${describeRun(r)}`);
    return result;
  }

  it('runs a scripted Write tool call for real and reports the result in stream-json', async () => {
    const target = path.join(tmp, 'work', 'hello.txt');
    const r = await run('Create hello.txt', (_request, turn) => {
      if (turn === 1) {
        return [
          { type: 'text', text: 'I will write the file.' },
          { type: 'tool_use', name: 'Write', input: { file_path: target, content: CONTENT } },
        ];
      }
      return [{ type: 'text', text: 'Done: hello.txt is written.' }];
    });
    assert.ok(fake);

    assert.equal(r.code, 0, describeRun(r));
    assert.equal(await fs.readFile(target, 'utf8'), CONTENT);

    const init = r.lines.find((l) => l.type === 'system' && l.subtype === 'init');
    assert.ok(init, `no system/init line:\n${describeRun(r)}`);
    assert.equal(init['claude_code_version'], cli.version);

    const toolUse = r.lines
      .filter((l) => l.type === 'assistant')
      .flatMap((l) => (l['message'] as { content: Array<{ type: string; id?: string; name?: string; input?: unknown }> }).content)
      .find((b) => b.type === 'tool_use');
    assert.ok(toolUse, `no assistant tool_use line:\n${describeRun(r)}`);
    assert.equal(toolUse.name, 'Write');
    assert.deepEqual(toolUse.input, { file_path: target, content: CONTENT });

    const result = resultOf(r);
    assert.equal(result.subtype, 'success');
    // The subtype says "success" after an API error too; is_error is what tells.
    assert.equal(result['is_error'], false);
    assert.equal(result['result'], 'Done: hello.txt is written.');
    assert.equal(result['num_turns'], 2);
    assert.equal(typeof result['total_cost_usd'], 'number');

    const turns = fake.conversation();
    assert.deepEqual(
      turns.map((t) => [t.turn, t.status]),
      [
        [1, 200],
        [2, 200],
      ],
    );
    const [toolResult, ...more] = toolResults(turns[1]!.body as MessagesBody);
    assert.equal(more.length, 0);
    assert.equal(toolResult?.tool_use_id, toolUse.id);
    assert.notEqual(toolResult?.is_error, true, JSON.stringify(toolResult));
    assert.deepEqual(fake.errors, []);
    // The key reached the fake: the CLI used the configured base URL, not a default one.
    assert.equal(turns[0]!.headers['x-api-key'], FAKE_API_KEY);

    assert.deepEqual(trap.attempts, [], 'the CLI tried to reach the network');
  });

  it('retries a turn answered with 429 (retry-after) and then 529 overloaded', async () => {
    const r = await run('Say hello', ({ attempt }) => {
      if (attempt === 1) return { error: { status: 429, retryAfterSeconds: 0 } };
      if (attempt === 2) return { error: { status: 529 } };
      return [{ type: 'text', text: 'Hello after retrying.' }];
    });
    assert.ok(fake);

    assert.equal(r.code, 0, describeRun(r));
    const result = resultOf(r);
    assert.equal(result.subtype, 'success');
    assert.equal(result['is_error'], false);
    assert.equal(result['result'], 'Hello after retrying.');
    assert.deepEqual(
      fake.conversation().map((t) => [t.turn, t.attempt, t.status]),
      [
        [1, 1, 429],
        [1, 2, 529],
        [1, 3, 200],
      ],
    );
    assert.deepEqual(trap.attempts, [], 'the CLI tried to reach the network');
  });
});
