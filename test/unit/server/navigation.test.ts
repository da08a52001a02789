import { strict as assert } from 'node:assert';
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import { definitionAt, documentSymbols, prepareRenameAt, referencesAt, renameAt } from '../../../src/server/features/navigation';
import { range } from '../helpers';
import { fixtureAnalysis, lines, textAnalysis } from './support';

// demo.yaml: schema (line 4), api (line 7, depends on schema at 11:17), ui (line 12, depends on
// api at 15:8 and schema at 16:8), gate unit (line 18, after api at 20:12).
const demo = fixtureAnalysis('demo.yaml');
const uri = demo.document.uri;
const offset = (line: number, character: number): number => demo.document.offsetAt({ line, character });
const loc = (sl: number, sc: number, el: number, ec: number): { uri: string; range: ReturnType<typeof range> } => ({ uri, range: range(sl, sc, el, ec) });

describe('server/navigation', () => {
  describe('definition', () => {
    it('goes from a depends_on item, flow or block, to the task', () => {
      assert.deepEqual(definitionAt(demo, offset(11, 18)), [loc(4, 8, 4, 14)]);
      assert.deepEqual(definitionAt(demo, offset(15, 8)), [loc(7, 8, 7, 11)]);
      assert.deepEqual(definitionAt(demo, offset(16, 14)), [loc(4, 8, 4, 14)], 'the end of the word counts');
    });

    it('goes from a gate\'s after item to the task', () => {
      assert.deepEqual(definitionAt(demo, offset(20, 13)), [loc(7, 8, 7, 11)]);
    });

    it('answers a definition with itself, and nothing away from ids', () => {
      assert.deepEqual(definitionAt(demo, offset(12, 9)), [loc(12, 8, 12, 10)]);
      assert.deepEqual(definitionAt(demo, offset(18, 9)), [loc(18, 8, 18, 12)]);
      assert.deepEqual(definitionAt(demo, offset(6, 12)), []);
      assert.deepEqual(definitionAt(demo, offset(11, 4)), []);
    });

    it('lists every definition of a duplicated id', () => {
      const refs = fixtureAnalysis('references.yaml');
      const u = refs.document.uri;
      assert.deepEqual(definitionAt(refs, refs.document.offsetAt({ line: 6, character: 18 })), [
        { uri: u, range: range(2, 8, 2, 13) },
        { uri: u, range: range(11, 8, 11, 13) },
      ]);
    });

    it('finds nothing for an id no task has', () => {
      const refs = fixtureAnalysis('references.yaml');
      assert.deepEqual(definitionAt(refs, refs.document.offsetAt({ line: 6, character: 25 })), []);
    });
  });

  describe('references', () => {
    it('finds every use of a task, from its definition or from a use, with the declaration if asked', () => {
      const uses = [loc(11, 17, 11, 23), loc(16, 8, 16, 14)];
      assert.deepEqual(referencesAt(demo, offset(4, 10), false), uses);
      assert.deepEqual(referencesAt(demo, offset(4, 10), true), [loc(4, 8, 4, 14), ...uses]);
      assert.deepEqual(referencesAt(demo, offset(16, 9), true), [loc(4, 8, 4, 14), ...uses]);
    });

    it('counts gates\' after items as uses', () => {
      assert.deepEqual(referencesAt(demo, offset(7, 9), false), [loc(15, 8, 15, 11), loc(20, 12, 20, 15)]);
    });

    it('finds no uses of a gate or a task nobody needs', () => {
      assert.deepEqual(referencesAt(demo, offset(18, 9), false), []);
      assert.deepEqual(referencesAt(demo, offset(18, 9), true), [loc(18, 8, 18, 12)]);
      assert.deepEqual(referencesAt(demo, offset(12, 9), false), []);
    });
  });

  describe('document symbols', () => {
    it('outlines the top-level keys, with tasks and gates under theirs', () => {
      const symbols = documentSymbols(demo);
      const brief = (s: DocumentSymbol): unknown => [s.name, s.kind, s.detail, s.children?.map(brief)].filter((x) => x !== undefined);
      assert.deepEqual(symbols.map(brief), [
        ['id', SymbolKind.Property, 'demo'],
        ['title', SymbolKind.Property, 'Demo milestone'],
        ['type', SymbolKind.Property, 'development'],
        ['tasks', SymbolKind.Array, [['schema', SymbolKind.Function, 'Create the users table'], ['api', SymbolKind.Function, 'Login endpoint'], ['ui', SymbolKind.Function]]],
        ['quality', SymbolKind.Array, [['unit', SymbolKind.Event]]],
      ]);
      const tasks = symbols[3]!;
      assert.deepEqual(tasks.selectionRange, range(3, 0, 3, 5));
      assert.deepEqual(tasks.range, range(3, 0, 16, 14));
      assert.deepEqual(tasks.children?.[1]?.selectionRange, range(7, 8, 7, 11));
      assert.deepEqual(tasks.children?.[1]?.range, range(7, 4, 11, 24));
    });

    it('names a task without an id by its position, and lists agent profiles', () => {
      const a = textAnalysis(lines('id: x', 'agents:', '  local: [bot, "{prompt}"]', 'tasks:', '  - run: echo'));
      const symbols = documentSymbols(a);
      assert.deepEqual(symbols[1]?.children?.map((c) => [c.name, c.kind, c.range]), [['local', SymbolKind.Constant, range(2, 2, 2, 26)]]);
      assert.deepEqual(symbols[2]?.children?.map((c) => [c.name, c.selectionRange]), [['#1', range(4, 4, 4, 4)]]);
    });

    it('outlines what it can of a file that does not parse', () => {
      const a = textAnalysis(lines('id: x', 'tasks:', '  - id: a', '    depends_on: [b', '  - id: b'));
      assert.deepEqual(documentSymbols(a).map((s) => s.name), ['id', 'tasks']);
    });
  });

  describe('rename', () => {
    it('renames a task where it is defined and everywhere it is used', () => {
      assert.deepEqual(prepareRenameAt(demo, offset(16, 10)), { range: range(16, 8, 16, 14), placeholder: 'schema' });
      const result = renameAt(demo, offset(16, 10), 'db');
      assert.deepEqual(result, {
        edits: [
          { range: range(4, 8, 4, 14), newText: 'db' },
          { range: range(11, 17, 11, 23), newText: 'db' },
          { range: range(16, 8, 16, 14), newText: 'db' },
        ],
      });
    });

    it('refuses an invalid id or one that is taken, and has nothing to rename away from ids', () => {
      assert.deepEqual(renameAt(demo, offset(4, 9), 'Not Valid'), { error: '"Not Valid" is not a valid id: use lower-case letters, digits, ".", "_" or "-", starting with a letter or digit, at most 64 characters.' });
      assert.deepEqual(renameAt(demo, offset(4, 9), 'unit'), { error: '"unit" is already the id of a task or gate in this milestone.' });
      assert.equal(renameAt(demo, offset(6, 10), 'x'), undefined);
      assert.equal(prepareRenameAt(demo, offset(6, 10)), undefined);
    });
  });
});
