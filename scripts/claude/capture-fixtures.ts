// Records real stream-json from the real Claude Code CLI into test/fixtures/claude-stream/, for
// the unit tests of the Claude adapter's reader (test/unit/agentAdapters.test.ts).
//
//   npx tsx scripts/claude/capture-fixtures.ts
//
// Each scenario runs the CLI pinned by prepare.mjs offline against the loopback fake of the
// Anthropic API (test/support/fakeAnthropic.ts), with the command line the adapter itself
// builds (claudeAdapter.argv), and writes the CLI's stdout unchanged, one file per scenario.
// The fake scripts the model's replies; the CLI runs the tools for real. README.md next to
// the fixtures says which CLI version wrote them and with which arguments. The script checks
// what each scenario must show and fails (writing nothing for it) when the CLI did otherwise.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CONTINUE_PROMPT } from '../../src/core/agents/adapters/adapter';
import { claudeAdapter } from '../../src/core/agents/adapters/claude';
import { PROMPT_SLOT } from '../../src/core/milestone/profiles';
import { claudeEnv, runClaude, type ClaudeRun, type StreamJsonLine } from '../../test/support/claudeCode';
import { startFakeAnthropic, toolResults, type FakeAnthropicOptions, type MessagesBody } from '../../test/support/fakeAnthropic';

const OUT = path.resolve(__dirname, '../../test/fixtures/claude-stream');

/** Fixed conversation ids, so that the fixtures (and the tests reading them) are stable. */
const SESSION = (n: number): string => `00000000-0000-4000-8000-00000000000${n}`;

interface Scenario {
  name: string;
  what: string;
  prompt: string;
  permissionMode: string;
  budgetUsd?: number;
  allowedTools?: string[];
  env?: Record<string, string>;
  script: (work: string) => FakeAnthropicOptions['script'];
  /** Run first with the same conversation id (and home), not continued: this run continues it. */
  resumes?: string;
  /** A control: checked, not written (it shows that another scenario's outcome is not a given). */
  control?: boolean;
  /** Throws when the run did not show what the scenario is for. */
  check: (r: ClaudeRun, work: string, conversation: MessagesBody[], sessionId: string) => Promise<void> | void;
}

const resultOf = (r: ClaudeRun): StreamJsonLine => {
  const result = r.lines.find((l) => l.type === 'result');
  if (!result) throw new Error('no result line');
  return result;
};

function expect(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

const SCENARIOS: Scenario[] = [
  {
    name: 'write-success',
    what: 'a Write tool call, then end_turn',
    prompt: 'Create a.txt',
    permissionMode: 'acceptEdits',
    script: (work) => (_request, turn) =>
      turn === 1
        ? [
            { type: 'text', text: 'I will write the file.' },
            { type: 'tool_use', name: 'Write', input: { file_path: path.join(work, 'a.txt'), content: 'hello\n' } },
          ]
        : [{ type: 'text', text: 'Done: a.txt is written.' }],
    check: async (r, work) => {
      expect(r.code === 0, `exit ${r.code}`);
      expect((await fs.readFile(path.join(work, 'a.txt'), 'utf8')) === 'hello\n', 'a.txt not written');
      const result = resultOf(r);
      expect(result.subtype === 'success' && result['is_error'] === false, 'result is not a success');
    },
  },
  {
    name: 'budget-exceeded',
    what: '--max-budget-usd 0.0001: the first turn already costs more',
    prompt: 'Create a.txt',
    permissionMode: 'acceptEdits',
    budgetUsd: 0.0001,
    script: (work) => (_request, turn) =>
      turn === 1
        ? [{ type: 'tool_use', name: 'Write', input: { file_path: path.join(work, 'a.txt'), content: 'hello\n' } }]
        : [{ type: 'text', text: 'Done.' }],
    check: (r) => {
      const result = resultOf(r);
      expect(result.subtype === 'error_max_budget_usd', `subtype ${String(result.subtype)}`);
      expect(result['is_error'] === true, 'is_error is not true');
    },
  },
  {
    name: 'retry-then-success',
    what: 'a turn answered 429 twice (retry-after 0), then success; CLAUDE_CODE_MAX_RETRIES=2',
    prompt: 'Say hello',
    permissionMode: 'acceptEdits',
    env: { CLAUDE_CODE_MAX_RETRIES: '2' },
    script: () => ({ attempt }) => (attempt <= 2 ? { error: { status: 429, retryAfterSeconds: 0 } } : [{ type: 'text', text: 'Hello after retrying.' }]),
    check: (r) => {
      const retries = r.lines.filter((l) => l.type === 'system' && l.subtype === 'api_retry');
      expect(retries.length === 2, `${retries.length} api_retry lines`);
      const result = resultOf(r);
      expect(result['is_error'] === false, 'the run failed');
    },
  },
  {
    name: 'rate-limited',
    what: 'every request answered 429 (retry-after 0): the retries run out; CLAUDE_CODE_MAX_RETRIES=2',
    prompt: 'Say hello',
    permissionMode: 'acceptEdits',
    env: { CLAUDE_CODE_MAX_RETRIES: '2' },
    script: () => () => ({ error: { status: 429, retryAfterSeconds: 0 } }),
    check: (r) => {
      const result = resultOf(r);
      expect(result['is_error'] === true, 'is_error is not true');
      expect(result['api_error_status'] === 429, `api_error_status ${String(result['api_error_status'])}`);
    },
  },
  {
    name: 'permission-denied',
    what: '--permission-mode default: a Bash `git push origin main` is refused (nobody to ask in -p mode)',
    prompt: 'Push the branch',
    permissionMode: 'default',
    script: () => (_request, turn) =>
      turn === 1
        ? [{ type: 'tool_use', name: 'Bash', input: { command: 'git push origin main', description: 'Push main' } }]
        : [{ type: 'text', text: 'I was not allowed to push.' }],
    check: (r) => {
      const denials = resultOf(r)['permission_denials'];
      expect(Array.isArray(denials) && denials.length === 1, `permission_denials ${JSON.stringify(denials)}`);
    },
  },
  {
    name: 'allowed-tools',
    what: 'as permission-denied, with a Write as well, and `--allowedTools Write --allowedTools "Bash(git push:*)"` (one flag a tool): both run',
    prompt: 'Write b.txt and push the branch',
    permissionMode: 'default',
    allowedTools: ['Write', 'Bash(git push:*)'],
    script: (work) => (_request, turn) =>
      turn === 1
        ? [
            { type: 'tool_use', name: 'Write', input: { file_path: path.join(work, 'b.txt'), content: 'allowed\n' } },
            { type: 'tool_use', name: 'Bash', input: { command: 'git push origin main', description: 'Push main' } },
          ]
        : [{ type: 'text', text: 'Written and pushed (or tried to).' }],
    check: async (r, work, conversation) => {
      const denials = resultOf(r)['permission_denials'];
      expect(Array.isArray(denials) && denials.length === 0, `permission_denials ${JSON.stringify(denials)}`);
      expect((await fs.readFile(path.join(work, 'b.txt'), 'utf8')) === 'allowed\n', 'b.txt not written: Write was not allowed');
      // git itself answered (there is no remote), not the permission check.
      const second = conversation[1];
      expect(second !== undefined, 'no second turn');
      const results = JSON.stringify(toolResults(second!));
      expect(/fatal|origin/i.test(results) && !/permission|approv/i.test(results), `the Bash tool result: ${results}`);
    },
  },
  {
    name: 'resumed',
    what: 'write-success\'s conversation continued with --resume and the engine\'s continue prompt',
    prompt: CONTINUE_PROMPT,
    permissionMode: 'acceptEdits',
    resumes: 'Create a.txt',
    script: (work) => ({ body }) => {
      const last = JSON.stringify(body.messages.at(-1));
      if (last.includes('interrupted')) return [{ type: 'text', text: 'a.txt is already written: nothing is left to do.' }];
      const written = body.messages.some((m) => m.role === 'assistant');
      return written
        ? [{ type: 'text', text: 'Done: a.txt is written.' }]
        : [{ type: 'tool_use', name: 'Write', input: { file_path: path.join(work, 'a.txt'), content: 'hello\n' } }];
    },
    check: (r, _work, conversation, sessionId) => {
      expect(r.code === 0, `exit ${r.code}`);
      const init = r.lines.find((l) => l.type === 'system' && l.subtype === 'init');
      expect(init?.['session_id'] === sessionId, `init session_id ${String(init?.['session_id'])}`);
      // The continued run's request carries the first run's conversation (user, Write, result, answer, continue).
      const first = conversation.at(-1);
      expect(first !== undefined && first.messages.length >= 5, `the continued request has ${first?.messages.length} messages`);
    },
  },
  // The controls of allowed-tools: without its own flag each tool is refused, so both flags of
  // allowed-tools count (not only the last one), and "Bash(git push:*)" is one rule (not split
  // at its space into two names).
  ...(['Write', 'Bash'] as const).map(
    (refused): Scenario => ({
      name: `allowed-tools-without-${refused.toLowerCase()}`,
      what: `control: allowed-tools without the ${refused} flag refuses ${refused}`,
      prompt: 'Write b.txt and push the branch',
      permissionMode: 'default',
      allowedTools: refused === 'Write' ? ['Bash(git push:*)'] : ['Write'],
      control: true,
      script: (work) => (_request, turn) =>
        turn === 1
          ? [
              { type: 'tool_use', name: 'Write', input: { file_path: path.join(work, 'b.txt'), content: 'allowed\n' } },
              { type: 'tool_use', name: 'Bash', input: { command: 'git push origin main', description: 'Push main' } },
            ]
          : [{ type: 'text', text: 'Done.' }],
      check: (r) => {
        const denials = resultOf(r)['permission_denials'] as Array<{ tool_name?: string }>;
        expect(Array.isArray(denials) && denials.map((d) => d.tool_name).join() === refused, `permission_denials ${JSON.stringify(denials)}`);
      },
    }),
  ),
];

async function capture(cli: string, version: string, scenario: Scenario, index: number): Promise<string> {
  const tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ma-capture-')));
  const work = path.join(tmp, 'work');
  await fs.mkdir(work);
  const fake = await startFakeAnthropic({ script: scenario.script(work) });
  try {
    const profile = [cli, '-p', PROMPT_SLOT, '--permission-mode', scenario.permissionMode];
    const argv = claudeAdapter.argv(profile, {
      prompt: scenario.prompt,
      sessionId: SESSION(index + 1),
      continued: scenario.resumes !== undefined,
      budgetUsd: scenario.budgetUsd,
      allowedTools: scenario.allowedTools ?? [],
    });
    const env = { ...claudeEnv(fake.url, path.join(tmp, 'home')), ...scenario.env };
    let before = '';
    if (scenario.resumes) {
      const first = claudeAdapter.argv(profile, { prompt: scenario.resumes, sessionId: SESSION(index + 1), continued: false, allowedTools: [] });
      const r = await runClaude(first, { cwd: work, env, signal: AbortSignal.timeout(120_000) });
      const result = r.lines.find((l) => l.type === 'result');
      if (r.code !== 0 || !result) throw new Error(`${scenario.name}: the first run failed\n${r.stdout}\n${r.stderr}`);
      before = ` The first run (\`-p '${scenario.resumes}' … --session-id ${SESSION(index + 1)}\`) reported total_cost_usd ${String(result['total_cost_usd'])}, num_turns ${String(result['num_turns'])}.`;
    }
    const r = await runClaude(argv, { cwd: work, env, signal: AbortSignal.timeout(120_000) });
    const conversation = fake.conversation().map((c) => c.body as MessagesBody);
    try {
      await scenario.check(r, work, conversation, SESSION(index + 1));
    } catch (err) {
      throw new Error(`${scenario.name}: ${(err as Error).message}\nexit ${r.code ?? r.signal}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`, { cause: err });
    }
    if (!scenario.control) await fs.writeFile(path.join(OUT, `${scenario.name}.jsonl`), r.stdout);
    const shown = ['claude', ...argv.slice(1)].map((a) => (/^[\w./:=@-]+$/.test(a) ? a : `'${a}'`)).join(' ');
    const extraEnv = Object.entries(scenario.env ?? {}).map(([k, v]) => `${k}=${v} `).join('');
    const file = scenario.control ? `${scenario.name} (checked, not kept)` : `\`${scenario.name}.jsonl\``;
    return `- ${file}: ${scenario.what}. Exit ${r.code}; the fake answered ${fake
      .conversation()
      .map((c) => c.status)
      .join(', ')}${scenario.resumes ? ' (both runs)' : ''}.${before}\n  \`${extraEnv}${shown}\` (Claude Code ${version}, in ${path.relative(tmp, work)}/ of a temporary folder)\n`;
  } finally {
    await fake.close();
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { prepareClaude } = await import('./prepare.mjs');
  const cli = await prepareClaude({ log: (m) => process.stderr.write(`[prepare-claude] ${m}\n`) });
  await fs.mkdir(OUT, { recursive: true });
  const only = process.argv.slice(2);
  const lines: string[] = [];
  for (const [i, scenario] of SCENARIOS.entries()) {
    if (only.length && !only.includes(scenario.name)) continue;
    process.stderr.write(`capturing ${scenario.name}\n`);
    lines.push(await capture(cli.claude, cli.version, scenario, i));
  }
  if (only.length) return;
  await fs.writeFile(
    path.join(OUT, 'README.md'),
    `# Claude Code stream-json fixtures\n\nWritten by \`npx tsx scripts/claude/capture-fixtures.ts\`: the real Claude Code CLI ${cli.version} ` +
      `(scripts/claude/prepare.mjs) run offline against the loopback fake of the Anthropic API (test/support/fakeAnthropic.ts), ` +
      `which scripted the model's replies; the CLI ran the tools for real. Each file is the CLI's stdout, unchanged. ` +
      `The command lines are the Claude adapter's own (claudeAdapter.argv) with the environment of test/support/claudeCode.ts (claudeEnv).\n\n` +
      lines.join(''),
  );
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exitCode = 1;
});
