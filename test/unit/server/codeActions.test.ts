import { strict as assert } from 'node:assert';
import { CodeActionKind, type CodeAction, type Diagnostic, type TextEdit } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Analysis } from '../../../src/server/analysis';
import { freshId, quickFixes } from '../../../src/server/features/codeActions';
import { toLspDiagnostics } from '../../../src/server/features/diagnostics';
import { stubCommand } from '../../../src/server/features/yamlEdits';
import { fixtureAnalysis, lines, textAnalysis } from './support';

const diagnosticsOf = (a: Analysis): Diagnostic[] => toLspDiagnostics(a.diagnostics, a.document.uri);

/** The fixes offered for the diagnostic with this code at this line. */
function fixesFor(a: Analysis, code: string, line: number): CodeAction[] {
  const d = diagnosticsOf(a).find((x) => x.code === code && x.range.start.line === line);
  assert.ok(d, `no ${code} diagnostic on line ${line}: ${JSON.stringify(diagnosticsOf(a).map((x) => [x.code, x.range.start.line]))}`);
  return quickFixes(a, [d]);
}

/** The text after applying an action's edit to the analysed document. */
function applied(a: Analysis, action: CodeAction | undefined): string {
  assert.ok(action, 'no such action');
  const edits: TextEdit[] = action.edit?.changes?.[a.document.uri] ?? [];
  return TextDocument.applyEdits(a.document, edits);
}

const titled = (actions: readonly CodeAction[], title: string): CodeAction | undefined => actions.find((x) => x.title === title);
const codes = (text: string): string[] => diagnosticsOf(textAnalysis(text)).map((d) => String(d.code));

describe('server/codeActions', () => {
  const refs = fixtureAnalysis('references.yaml');
  const original = refs.document.getText();
  const replaceLine = (text: string, line: number, content: string | null): string => {
    const all = text.split('\n');
    if (content === null) all.splice(line, 1);
    else all[line] = content;
    return all.join('\n');
  };

  describe('unknown dependency', () => {
    it('removes the item from a flow list and leaves the others tidy', () => {
      const fixes = fixesFor(refs, 'unknown-dependency', 6);
      assert.deepEqual(fixes.map((f) => f.title), ['Remove "lint" from depends_on', 'Create task "lint"']);
      assert.ok(fixes.every((f) => f.kind === CodeActionKind.QuickFix && f.diagnostics?.[0]?.code === 'unknown-dependency'));
      const text = applied(refs, fixes[0]);
      assert.equal(text, replaceLine(original, 6, '    depends_on: [build, deploy]'));
      const left = diagnosticsOf(textAnalysis(text)).filter((d) => d.code === 'unknown-dependency');
      assert.deepEqual(left.map((d) => d.range.start.line), [16], 'only the gate\'s is left');
    });

    it('creates the missing task at the end of tasks:, indented like the others', () => {
      const text = applied(refs, titled(fixesFor(refs, 'unknown-dependency', 6), 'Create task "lint"'));
      const all = original.split('\n');
      all.splice(13, 0, '  - id: lint', `    run: ${stubCommand('lint')}`);
      assert.equal(text, all.join('\n'));
      const after = textAnalysis(text);
      assert.deepEqual(after.parsed.milestone.tasks.at(-1), { ...after.parsed.milestone.tasks.at(-1), id: 'lint', run: 'echo "task lint is not written yet" >&2; exit 1' });
      assert.ok(!diagnosticsOf(after).some((d) => d.code === 'unknown-dependency' && d.range.start.line === 6));
    });

    it('prefers the suggested id when there is one, and offers to remove the item or create the task', () => {
      const fixes = fixesFor(refs, 'unknown-dependency', 16);
      assert.deepEqual(fixes.map((f) => [f.title, f.isPreferred === true]), [
        ['Change to "test"', true],
        ['Remove "tesst" from after', false],
        ['Create task "tesst"', false],
      ]);
      assert.equal(applied(refs, fixes[0]), replaceLine(original, 16, '    after: [test]'));
      assert.equal(applied(refs, fixes[1]), replaceLine(original, 16, '    after: []'));
    });

    it('removes the first, a middle, the last and the only item of a flow list', () => {
      const variants: [string, string][] = [
        ['[nope, a, b]', '[a, b]'],
        ['[a, nope, b]', '[a, b]'],
        ['[a, b, nope]', '[a, b]'],
        ['[ nope ]', '[]'],
        ['["nope"]', '[]'],
      ];
      for (const [before, after] of variants) {
        const a = textAnalysis(lines('id: x', 'tasks:', '  - { id: a, run: echo }', '  - { id: b, run: echo }', `  - id: c`, '    run: echo', `    depends_on: ${before}`));
        const text = applied(a, fixesFor(a, 'unknown-dependency', 6)[0]);
        assert.equal(text.split('\n')[6], `    depends_on: ${after}`, before);
        assert.deepEqual(codes(text), [], before);
      }
    });

    it('removes the line of a block list item, and writes [] when it was the only one', () => {
      const base = ['id: x', 'tasks:', '  - id: a', '    run: echo', '  - id: c', '    run: echo', '    depends_on:'];
      const two = textAnalysis(lines(...base, '      - a', '      - nope # gone', '    cwd: .'));
      assert.equal(applied(two, fixesFor(two, 'unknown-dependency', 8)[0]), lines(...base, '      - a', '    cwd: .'));
      const one = textAnalysis(lines(...base, '      - nope', '    cwd: .'));
      const text = applied(one, fixesFor(one, 'unknown-dependency', 7)[0]);
      assert.equal(text, lines(...base.slice(0, -1), '    depends_on: []', '    cwd: .'));
      assert.deepEqual(codes(text), []);
    });

    it('creates the task in the style of the list: flow items, a flow list, or under a bare tasks:', () => {
      const flowItems = textAnalysis(lines('id: x', 'tasks:', '    - { id: a, run: echo, depends_on: [b] }'));
      assert.equal(applied(flowItems, titled(fixesFor(flowItems, 'unknown-dependency', 2), 'Create task "b"')), lines('id: x', 'tasks:', '    - { id: a, run: echo, depends_on: [b] }', `    - { id: b, run: ${stubCommand('b')} }`));
      const flowList = textAnalysis(lines('id: x', 'tasks: [{ id: a, run: echo, depends_on: [b] }]'));
      const created = applied(flowList, titled(fixesFor(flowList, 'unknown-dependency', 1), 'Create task "b"'));
      assert.equal(created, lines('id: x', `tasks: [{ id: a, run: echo, depends_on: [b] }, { id: b, run: ${stubCommand('b')} }]`));
      assert.deepEqual(codes(created), []);
      const bare = textAnalysis(lines('id: x', 'tasks:', 'quality:', '  - { id: q, run: make, after: [b] }'));
      const first = applied(bare, titled(fixesFor(bare, 'unknown-dependency', 3), 'Create task "b"'));
      assert.equal(first, lines('id: x', 'tasks:', '  - id: b', `    run: ${stubCommand('b')}`, 'quality:', '  - { id: q, run: make, after: [b] }'));
      assert.deepEqual(codes(first), []);
    });

    it('adds a line break when the file ends without one', () => {
      const a = textAnalysis('id: x\ntasks:\n  - id: a\n    run: echo\n    depends_on: [b]');
      assert.equal(applied(a, titled(fixesFor(a, 'unknown-dependency', 4), 'Create task "b"')), `id: x\ntasks:\n  - id: a\n    run: echo\n    depends_on: [b]\n  - id: b\n    run: ${stubCommand('b')}\n`);
    });
  });

  describe('dependency cycle', () => {
    it('breaks the cycle by removing the edge the diagnostic is on', () => {
      const flow = fixesFor(refs, 'dependency-cycle', 6);
      assert.deepEqual(flow.map((f) => f.title), ['Remove dependency "test" → "deploy" (breaks the cycle test → deploy → test)']);
      const text = applied(refs, flow[0]);
      assert.equal(text, replaceLine(original, 6, '    depends_on: [build, lint]'));
      assert.ok(!codes(text).includes('dependency-cycle'));
      const block = fixesFor(refs, 'dependency-cycle', 10);
      assert.deepEqual(block.map((f) => f.title), ['Remove dependency "deploy" → "test" (breaks the cycle test → deploy → test)']);
      const other = applied(refs, block[0]);
      assert.equal(other, replaceLine(replaceLine(original, 10, null), 9, '    depends_on: []'));
      assert.ok(!codes(other).includes('dependency-cycle'));
    });
  });

  describe('duplicate id', () => {
    it('renames the duplicate to a fresh id', () => {
      const fixes = fixesFor(refs, 'duplicate-id', 11);
      assert.deepEqual(fixes.map((f) => [f.title, f.isPreferred]), [['Rename to "build-2"', true]]);
      const text = applied(refs, fixes[0]);
      assert.equal(text, replaceLine(original, 11, '  - id: build-2'));
      assert.ok(!codes(text).includes('duplicate-id'));
    });

    it('skips ids that are taken and stays within 64 characters', () => {
      assert.equal(freshId('build', ['build', 'build-2', 'build-3']), 'build-4');
      assert.equal(freshId('a'.repeat(64), []), `${'a'.repeat(62)}-2`);
    });
  });

  describe('suggestions', () => {
    it('replaces an unknown key, enum value or agent profile with the suggestion', () => {
      const a = textAnalysis(lines('id: x', 'complexty: simple', 'type: developmnt', 'tasks:', '  - id: a', '    agent: claud', '    prompt: go'));
      assert.equal(applied(a, fixesFor(a, 'unknown-key', 1)[0]), lines('id: x', 'complexity: simple', 'type: developmnt', 'tasks:', '  - id: a', '    agent: claud', '    prompt: go'));
      assert.equal(applied(a, fixesFor(a, 'invalid-value', 2)[0]).split('\n')[2], 'type: development');
      assert.equal(applied(a, fixesFor(a, 'unknown-agent-profile', 5)[0]).split('\n')[5], '    agent: claude');
    });
  });

  describe('staleness and edit form', () => {
    it('offers nothing for a diagnostic that no longer matches the text', () => {
      const stale = diagnosticsOf(refs).find((d) => d.code === 'unknown-dependency')!;
      const changed = textAnalysis(replaceLine(original, 6, '    depends_on: [build, deploy]'));
      assert.deepEqual(quickFixes(changed, [stale]), []);
      assert.deepEqual(quickFixes(refs, [{ ...stale, source: 'other-linter' }]), []);
    });

    it('writes versioned document changes when the client takes them', () => {
      const d = diagnosticsOf(refs).find((x) => x.code === 'duplicate-id')!;
      const [fix] = quickFixes(refs, [d], { documentChanges: true });
      assert.deepEqual(fix?.edit, {
        documentChanges: [{ textDocument: { uri: refs.document.uri, version: 1 }, edits: [{ range: d.range, newText: 'build-2' }] }],
      });
    });
  });
});
