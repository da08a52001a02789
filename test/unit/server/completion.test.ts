import { strict as assert } from 'node:assert';
import { CompletionItemKind, InsertTextFormat, InsertTextMode, type CompletionItem, type MarkupContent, type TextEdit } from 'vscode-languageserver';
import { MILESTONE_SPEC } from '../../../src/core/milestone/schema';
import { completionsAt, type CompletionOptions } from '../../../src/server/features/completion';
import { range } from '../helpers';
import { cursor, lines, textAnalysis } from './support';

const HEAD = ['id: demo', 'type: development', 'tasks:', '  - id: schema', '    title: Create the users table', '    run: node scripts/migrate.js', '  - id: api', '    agent: claude', '    prompt: Implement POST /login.'];

function complete(marked: string, options: CompletionOptions & { profiles?: Record<string, string[]> } = {}): CompletionItem[] {
  const { text, offset } = cursor(marked);
  return completionsAt(textAnalysis(text, undefined, options.profiles ? { profiles: options.profiles } : {}), offset, options);
}

const labels = (items: readonly CompletionItem[]): string[] => items.map((i) => i.label);
const edit = (item: CompletionItem | undefined): TextEdit => item?.textEdit as TextEdit;
const doc = (item: CompletionItem | undefined): string => (item?.documentation as MarkupContent).value;

describe('server/completion', () => {
  describe('keys', () => {
    it('offers the keys of a task that it does not have yet, on an incomplete line, in schema order', () => {
      const items = complete(lines(...HEAD, '    dep|'));
      assert.deepEqual(labels(items), ['title', 'description', 'run', 'depends_on', 'requires', 'cwd', 'env', 'timeout', 'retries', 'rollback', 'allow_risky', 'isolation', 'touches', 'setup', 'review', 'budget_usd', 'allowed_tools', 'verify', 'expect_changes', 'on_resume']);
      const dep = items.find((i) => i.label === 'depends_on');
      assert.equal(dep?.kind, CompletionItemKind.Property);
      assert.equal(dep?.detail, 'list of id');
      assert.equal(doc(dep), '**depends_on**: list of id\n\nTasks that must complete before this one starts.');
      assert.deepEqual(edit(dep), { range: range(9, 4, 9, 7), newText: 'depends_on: ' });
      assert.equal(dep?.insertTextMode, InsertTextMode.asIs);
    });

    it('writes a snippet with the cursor inside the brackets of a list, and asks VS Code to suggest again', () => {
      const dep = complete(lines(...HEAD, '    dep|'), { snippets: true, retrigger: true }).find((i) => i.label === 'depends_on');
      assert.deepEqual(edit(dep), { range: range(9, 4, 9, 7), newText: 'depends_on: [$0]' });
      assert.equal(dep?.insertTextFormat, InsertTextFormat.Snippet);
      assert.deepEqual(dep?.command, { title: 'Suggest values', command: 'editor.action.triggerSuggest' });
      const title = complete(lines(...HEAD, '    |'), { snippets: true, retrigger: true }).find((i) => i.label === 'title');
      assert.equal(title?.command, undefined);
    });

    it('offers the top-level keys with their documentation, required ones marked', () => {
      const items = complete(lines(...HEAD, '|'));
      assert.deepEqual(labels(items), Object.keys(MILESTONE_SPEC.fields).filter((k) => !['id', 'type', 'tasks'].includes(k)));
      const complexity = items.find((i) => i.label === 'complexity');
      assert.equal(complexity?.detail, 'simple | medium | complex');
      assert.match(doc(complexity), /^\*\*complexity\*\*: simple \| medium \| complex\n\nDeclared size; .*\n\n- `simple`: Budget: 10 files/);
      assert.equal(complete('|').find((i) => i.label === 'tasks')?.detail, 'list of entries (required)');
    });

    it('indents what goes below a key that holds a mapping or a list of entries', () => {
      const items = complete(lines('id: demo', '|'));
      assert.deepEqual(edit(items.find((i) => i.label === 'tasks')), { range: range(1, 0, 1, 0), newText: 'tasks:\n  - ' });
      assert.deepEqual(edit(items.find((i) => i.label === 'git')), { range: range(1, 0, 1, 0), newText: 'git:\n  ' });
      const nested = complete(lines(...HEAD, '    en|'));
      assert.deepEqual(edit(nested.find((i) => i.label === 'env')), { range: range(9, 4, 9, 6), newText: 'env:\n      ' });
    });

    it('inserts only the name over an existing key', () => {
      const items = complete(lines(...HEAD, '    time|out: 2m'));
      assert.deepEqual(edit(items.find((i) => i.label === 'timeout')), { range: range(9, 4, 9, 11), newText: 'timeout' });
    });

    it('leaves the keys only an agent task understands out of a task that runs a shell command', () => {
      const shell = labels(complete(lines(...HEAD.slice(0, 6), '    |')));
      assert.ok(shell.includes('agent') && shell.includes('timeout'), shell.join());
      for (const k of ['budget_usd', 'allowed_tools', 'verify', 'expect_changes', 'on_resume']) assert.ok(!shell.includes(k), k);
      const budget = complete(lines(...HEAD, '    budg|')).find((i) => i.label === 'budget_usd');
      assert.equal(budget?.detail, 'number > 0');
      assert.match(doc(budget), /^\*\*budget_usd\*\*: number > 0\n\nThe most this agent run may spend, in US dollars/);
    });

    it('offers the keys of an agent profile written as a mapping, in a flow mapping or a block', () => {
      const flow = complete(lines('id: demo', 'agents: { fast: { ad| } }', 'tasks: []'));
      assert.deepEqual(labels(flow), ['adapter', 'command']);
      assert.deepEqual(edit(flow[0]), { range: range(1, 18, 1, 20), newText: 'adapter: ' });
      assert.equal(flow[0]?.detail, 'claude | codex | generic');
      assert.equal(flow[1]?.detail, 'list of text (required)');
      assert.deepEqual(labels(complete(lines('id: demo', 'agents: { fast: { adapter: claude, | } }', 'tasks: []'))), ['command']);
      const block = complete(lines('id: demo', 'agents:', '  fast:', '    ad|', 'tasks: []'), { snippets: true, retrigger: true });
      assert.deepEqual(labels(block), ['adapter', 'command']);
      assert.deepEqual(edit(block[0]), { range: range(3, 4, 3, 6), newText: 'adapter: ' });
      assert.deepEqual(block[0]?.command, { title: 'Suggest values', command: 'editor.action.triggerSuggest' }, 'its values are offered next');
      assert.deepEqual(edit(block[1]), { range: range(3, 4, 3, 6), newText: 'command: [$0]' });
      assert.deepEqual(labels(complete(lines('id: demo', 'agents:', '  fast:', '    command: [claude, -p, "{prompt}"]', '    |', 'tasks: []'))), ['adapter']);
      assert.deepEqual(complete(lines('id: demo', 'agents:', '  fast:', '    - |', 'tasks: []')), [], 'an argument of a profile written as a list is free text');
    });

    it('offers the keys of a flow mapping', () => {
      const items = complete('executors: { min: 1, m| }');
      assert.deepEqual(labels(items), ['max']);
      assert.deepEqual(edit(items[0]), { range: range(0, 21, 0, 22), newText: 'max: ' });
    });
  });

  describe('values', () => {
    it('offers enum values with their documentation', () => {
      const items = complete('type: dev|');
      assert.deepEqual(labels(items), ['development', 'testing', 'deployment', 'custom']);
      assert.equal(items[0]?.kind, CompletionItemKind.EnumMember);
      assert.equal(doc(items[0]), 'Builds a feature: git integration, safety checks and quality gates are deployed.');
      assert.deepEqual(edit(items[0]), { range: range(0, 6, 0, 9), newText: 'development' });
      assert.deepEqual(edit(complete('type:|')[0]), { range: range(0, 5, 0, 5), newText: ' development' });
      assert.deepEqual(labels(complete(lines('id: x', 'git:', '  auto_commit: |'))), ['task', 'threshold', 'off']);
      assert.deepEqual(labels(complete(lines(...HEAD, '    allow_risky: |'))), ['true', 'false']);
      assert.deepEqual(labels(complete(lines(...HEAD, '    on_resume: |'))), ['continue', 'restart']);
      assert.deepEqual(labels(complete(lines(...HEAD, '    expect_changes: |'))), ['true', 'false']);
    });

    it('offers the adapters of an agent profile, with what each shows', () => {
      const flow = complete(lines('id: demo', 'agents: { fast: { adapter: c| } }', 'tasks: []'));
      assert.deepEqual(labels(flow), ['claude', 'codex', 'generic']);
      assert.match(doc(flow[0]), /^Claude Code: runs it with `--output-format stream-json`/);
      assert.deepEqual(edit(flow[1]), { range: range(1, 27, 1, 28), newText: 'codex' });
      const block = complete(lines('id: demo', 'agents:', '  fast:', '    adapter:|', '    command: [codex, exec, "{prompt}"]', 'tasks: []'));
      assert.deepEqual(edit(block[2]), { range: range(3, 12, 3, 12), newText: ' generic' });
    });

    it('offers task ids inside depends_on, leaving out the task itself and the ids already listed', () => {
      const text = [...HEAD, '    depends_on: [schema, |', '  - id: ui', '    run: make ui'];
      const items = complete(lines(...text));
      assert.deepEqual(labels(items), ['ui']);
      assert.equal(items[0]?.kind, CompletionItemKind.Reference);
      assert.deepEqual(edit(items[0]), { range: range(9, 25, 9, 25), newText: 'ui' });
      const first = complete(lines(...HEAD, '    depends_on: [|]', '  - id: ui', '    run: make ui'));
      assert.deepEqual(labels(first), ['schema', 'ui']);
      assert.equal(first[0]?.detail, 'Create the users table');
      assert.equal(doc(first[0]), '```sh\nnode scripts/migrate.js\n```');
    });

    it('offers task ids in a block list, and wrapped in brackets right after the key', () => {
      assert.deepEqual(labels(complete(lines(...HEAD, '    depends_on:', '      - |'))), ['schema']);
      const after = complete(lines(...HEAD, '    depends_on: |'));
      assert.deepEqual(edit(after[0]), { range: range(9, 16, 9, 16), newText: '[schema]' });
    });

    it('offers every task id in a gate\'s after list', () => {
      const items = complete(lines(...HEAD, 'quality:', '  - id: unit', '    run: npm test', '    after: [a|]'));
      assert.deepEqual(labels(items), ['schema', 'api']);
      assert.deepEqual(edit(items[1]), { range: range(12, 12, 12, 13), newText: 'api' });
      assert.equal(doc(items[1]), 'agent `claude`: Implement POST /login.');
    });

    it('offers the agent profiles: built in, from the settings and from the milestone', () => {
      const text = lines('id: demo', 'agents:', '  local: ["./bin/agent", "{prompt}"]', 'tasks:', '  - id: a', '    agent: |');
      const items = complete(text, { profiles: { reviewer: ['review-bot', '--prompt', '{prompt}'] } });
      assert.deepEqual(labels(items), ['claude', 'codex', 'aider', 'reviewer', 'local']);
      assert.equal(items[3]?.detail, 'agent profile, from the settings (milestones.agentProfiles)');
      assert.equal(doc(items[3]), 'Runs:\n\n```sh\nreview-bot --prompt {prompt}\n```');
      assert.equal(items[4]?.detail, 'agent profile, from this milestone (agents:)');
      assert.equal(doc(items[0]), 'Runs:\n\n```sh\nclaude -p {prompt} --permission-mode acceptEdits\n```');
    });

    it('offers nothing in free text, comments and block scalars', () => {
      assert.deepEqual(complete(lines(...HEAD, '    title: Some |')), []);
      assert.deepEqual(complete(lines(...HEAD, '    # dep|')), []);
      assert.deepEqual(complete(lines('id: demo', 'tasks:', '  - id: a', '    run: >', '      echo |')), []);
    });
  });
});
