import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import type { Hover, MarkupContent } from 'vscode-languageserver';
import { hoverAt } from '../../../src/server/features/hover';
import { SessionInfo } from '../../../src/server/features/sessionInfo';
import { range, TempDirs } from '../helpers';
import { cursor, lines, ran, textAnalysis, writeSession } from './support';

const MILESTONE = lines(
  'id: demo',
  'type: custom',
  'tasks:',
  '  - id: build',
  '    title: Build it',
  '    run: make',
  '  - id: test',
  '    agent: claude',
  '    prompt: |',
  '      Write the tests.',
  '      Then run them.',
  '    depends_on: [build]',
  '  - id: new',
  '    run: echo new',
  '    depends_on: [build, test, gone]',
  'quality:',
  '  - id: unit',
  '    run: make check',
  '    after: [build]',
);

const text = (h: Hover | null): string => (h?.contents as MarkupContent | undefined)?.value ?? '';

describe('server/hover', () => {
  const temp = new TempDirs();
  let ws: string;
  const analysis = (): ReturnType<typeof textAnalysis> => textAnalysis(MILESTONE, path.join(ws, '.milestones', 'demo.yaml'));
  const hover = (line: number, character: number, runs = new SessionInfo()): Promise<Hover | null> => {
    const a = analysis();
    return hoverAt(a, a.document.offsetAt({ line, character }), runs);
  };

  beforeEach(async () => {
    ws = await temp.make('ma-server-hover-');
  });
  afterEach(() => temp.cleanup());

  it('shows a task\'s title, command, dependencies and dependents', async () => {
    const h = await hover(3, 10);
    assert.deepEqual(h?.range, range(3, 8, 3, 13));
    assert.equal(text(h), ['**Task `build`**: Build it', '```sh\nmake\n```', 'Depends on: nothing', 'Needed by: `test`, `new`, gate `unit`'].join('\n\n'));
  });

  it('shows an agent task\'s prompt, from its id or from a reference to it', async () => {
    const expected = ['**Task `test`**', 'Agent `claude`, prompt:', '> Write the tests.\n> Then run them.', 'Depends on: `build`', 'Needed by: `new`'].join('\n\n');
    assert.equal(text(await hover(6, 9)), expected);
    const fromReference = await hover(14, 26);
    assert.deepEqual(fromReference?.range, range(14, 24, 14, 28));
    assert.equal(text(fromReference), expected);
  });

  it('shows a gate and what it runs after', async () => {
    assert.equal(text(await hover(16, 9)), ['**Gate `unit`**', '```sh\nmake check\n```', 'Runs after: `build`'].join('\n\n'));
  });

  it('says so when a reference names no task', async () => {
    const h = await hover(14, 32);
    assert.deepEqual(h, { range: range(14, 30, 14, 34), contents: { kind: 'markdown', value: 'No task `gone` in this milestone.' } });
  });

  it('adds the status and last duration from the latest session of the milestone', async () => {
    await writeSession(ws, 'demo-20250101-100000-aaaa', 'demo', '2025-01-01T10:00:00.000Z', ran('build', 99_000));
    await writeSession(ws, 'demo-20250102-100000-bbbb', 'demo', '2025-01-02T10:00:00.000Z', [
      ...ran('build', 1234),
      ['task_started', { task: 'test', agent: 'executor-1', attempt: 1, pid: 11, command: 'claude' }],
      ['task_failed', { task: 'test', agent: 'executor-1', attempt: 1, duration_ms: 400, exit_code: 1, signal: null, reason: 'exit', message: 'exit code 1', final: false }],
      ['task_started', { task: 'test', agent: 'executor-1', attempt: 2, pid: 12, command: 'claude' }],
      ['task_failed', { task: 'test', agent: 'executor-1', attempt: 2, duration_ms: 65_000, exit_code: 2, signal: null, reason: 'exit', message: 'exit code 2', final: true }],
      ['quality_gate_started', { gate: 'unit', pid: 13 }],
      ['quality_gate_passed', { gate: 'unit', duration_ms: 300 }],
      ['milestone_failed', { duration_ms: 70_000, failed: ['test'], skipped: [], gates_failed: [], reason: 'task test failed' }],
    ]);
    const session = 'Latest session `demo-20250102-100000-bbbb` (failed)';
    assert.match(text(await hover(3, 10)), new RegExp(`\n\n${escape(session)}: \\*\\*completed\\*\\* in 1\\.2s$`));
    assert.match(text(await hover(6, 9)), new RegExp(`\n\n${escape(session)}: \\*\\*failed\\*\\* in 1m5s, attempt 2: exit code 2$`));
    assert.match(text(await hover(16, 9)), new RegExp(`\n\n${escape(session)}: \\*\\*passed\\*\\* in 300ms$`));
    assert.match(text(await hover(12, 9)), new RegExp(`\n\n${escape(session)}: not part of it\\.$`));
  });

  it('documents the key or the enum value under the cursor', async () => {
    const key = await hover(8, 6);
    assert.deepEqual(key?.range, range(8, 4, 8, 10));
    assert.equal(text(key), '**prompt**: text\n\nPrompt passed to the agent profile as one argument, never through a shell.');
    assert.equal(text(await hover(2, 1)), '**tasks** (required): list of entries\n\nThe tasks of the milestone.');
    const value = await hover(1, 8);
    assert.deepEqual(value?.range, range(1, 6, 1, 12));
    assert.equal(text(value), '`custom`: Only the agents the file asks for (executors, and gates or git when configured).');
  });

  it('documents the agent fields, the milestone\'s budget and an agent profile written as a mapping', async () => {
    const at = async (marked: string): Promise<string> => {
      const { text: t, offset } = cursor(marked);
      return text(await hoverAt(textAnalysis(t, path.join(ws, '.milestones', 'demo.yaml')), offset));
    };
    const agentFile = (...l: string[]): string => lines('id: demo', 'budget_usd: 5', 'agents:', '  fast:', '    adapter: codex', '    command: [codex, exec, "{prompt}"]', 'tasks:', '  - id: a', '    agent: fast', ...l);
    assert.equal(await at(agentFile('    budget_u|sd: 0.5')), "**budget_usd**: number > 0\n\nThe most this agent run may spend, in US dollars (Claude Code's `--max-budget-usd`); over it, the task fails saying so.");
    assert.match(await at(agentFile('    allowed_to|ols: [Write]')), /^\*\*allowed_tools\*\*: list of text\n\nTools the agent may use without asking/);
    assert.match(await at(agentFile('    on_resume: rest|art')), /^`restart`: Start the agent afresh/);
    assert.match(await at(agentFile().replace('budget_usd', 'budg|et_usd')), /^\*\*budget_usd\*\*: number > 0\n\nNo new agent task starts once the agents of the session have spent this much/);
    assert.match(await at(agentFile().replace('  fast:', '  fa|st:')), /^\*\*fast\*\*: agent profile, list of text, or mapping\n\nArgument vector/);
    assert.match(await at(agentFile().replace('adapter: codex', 'adap|ter: codex')), /^\*\*adapter\*\*: claude \| codex \| generic\n\nHow the engine reads the agent's output.*\n\n- `claude`: Claude Code/s);
    assert.match(await at(agentFile().replace('adapter: codex', 'adapter: cod|ex')), /^`codex`: Codex \(`codex exec --json`\)/);
    assert.match(await at(lines('id: demo', 'agents: { fast: { command: [x], adap|ter: claude } }', 'tasks: []')), /^\*\*adapter\*\*: claude \| codex \| generic/);
    assert.match(await at(agentFile().replace('command: [', 'comm|and: [')), /^\*\*command\*\* \(required\): list of text\n\nArgument vector/);
  });

  it('has nothing to say elsewhere', async () => {
    assert.equal(await hover(5, 11), null);
    assert.equal(await hover(9, 8), null);
    assert.equal(await hover(0, 6), null);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\`]/g, '\\$&');
}
