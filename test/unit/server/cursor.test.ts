import { strict as assert } from 'node:assert';
import { cursorContext, type CursorContext } from '../../../src/server/features/cursor';
import { taskIdsInText } from '../../../src/server/features/outline';
import { cursor, lines } from './support';

function contextAt(marked: string, marker?: string): CursorContext | undefined {
  const { text, offset } = cursor(marked, marker);
  return cursorContext(text, offset);
}

const TASKS = ['id: x', 'tasks:', '  - id: a', '    run: echo a', '  - id: b'];

describe('server/cursor', () => {
  it('finds a key being typed on an incomplete line inside a task', () => {
    assert.deepEqual(contextAt(lines(...TASKS, '    dep|', '    run: echo b')), {
      kind: 'key',
      path: ['tasks', 1],
      present: ['id', 'run'],
      column: 4,
      hasColon: false,
      prefix: 'dep',
      start: 53,
      end: 56,
      flow: false,
    });
  });

  it('finds a key on an empty line, from the cursor column', () => {
    assert.deepEqual(contextAt(lines(...TASKS, '    run: echo b', '    |')), {
      kind: 'key', path: ['tasks', 1], present: ['id', 'run'], column: 4, hasColon: false, prefix: '', start: 69, end: 69, flow: false,
    });
    const root = contextAt(lines(...TASKS, '|'));
    assert.equal(root?.kind, 'key');
    assert.deepEqual(root?.path, []);
    assert.deepEqual(root?.kind === 'key' && root.present, ['id', 'tasks']);
  });

  it('finds the first key of a new list item', () => {
    const c = contextAt(lines(...TASKS, '    run: echo b', '  - |'));
    assert.equal(c?.kind, 'key');
    assert.deepEqual(c?.path, ['tasks', 2]);
    assert.deepEqual(c?.kind === 'key' && c.present, []);
  });

  it('finds an item of an unfinished flow list, with the items around it', () => {
    assert.deepEqual(contextAt(lines(...TASKS, '    depends_on: [a, |')), {
      kind: 'value', path: ['tasks', 1, 'depends_on', 1], prefix: '', start: 69, end: 69, flow: true, siblings: ['a'], needsSpace: false,
    });
    const between = contextAt(lines(...TASKS, '    depends_on: [a, s|, c]'));
    assert.deepEqual(between && { path: between.path, prefix: between.prefix, siblings: between.kind === 'value' && between.siblings }, {
      path: ['tasks', 1, 'depends_on', 1],
      prefix: 's',
      siblings: ['a', 'c'],
    });
  });

  it('finds an item of a block list, with the other items', () => {
    const c = contextAt(lines('id: x', 'tasks:', '  - id: a', '    depends_on:', '      - b', '      - |', '      - c', '    run: x'));
    assert.deepEqual(c, { kind: 'value', path: ['tasks', 0, 'depends_on', 1], siblings: ['b', 'c'], needsSpace: false, prefix: '', start: 57, end: 57, flow: false });
  });

  it('reads lists at their key\'s own column', () => {
    const c = contextAt(lines('id: x', 'tasks:', '- id: a', '  run: x', '- id: b', '  agent: cl|'));
    assert.deepEqual(c && [c.kind, c.path, c.prefix], ['value', ['tasks', 1, 'agent'], 'cl']);
  });

  it('finds a value after its key, noting when a space is still missing', () => {
    assert.deepEqual(contextAt('type: dev|'), { kind: 'value', path: ['type'], prefix: 'dev', start: 6, end: 9, siblings: [], flow: false, needsSpace: false });
    assert.deepEqual(contextAt('type:|'), { kind: 'value', path: ['type'], prefix: '', start: 5, end: 5, siblings: [], flow: false, needsSpace: true });
    assert.deepEqual(contextAt('type: "dev|"')?.prefix, 'dev');
  });

  it('finds keys and values inside a flow mapping, on a list item', () => {
    const c = contextAt(lines('id: x', 'tasks:', '  - { id: c, depends_on: [a, |'));
    assert.deepEqual(c && [c.kind, c.path, c.kind === 'value' && c.siblings], ['value', ['tasks', 0, 'depends_on', 1], ['a']]);
    assert.deepEqual(contextAt('executors: { min: 1, m| }'), { kind: 'key', path: ['executors'], present: ['min'], column: -1, hasColon: false, prefix: 'm', start: 21, end: 22, flow: true });
    assert.deepEqual(contextAt('executors: { min: |1 }')?.path, ['executors', 'min']);
  });

  it('follows a flow list over several lines', () => {
    const c = contextAt(lines('id: x', 'tasks:', '  - id: a', '    depends_on: [', '      b,', '      |', '    ]'));
    assert.deepEqual(c && [c.kind, c.path, c.kind === 'value' && c.siblings], ['value', ['tasks', 0, 'depends_on', 1], ['b']]);
  });

  it('ends an unclosed flow list at the next line that is not indented past its key', () => {
    const c = contextAt(lines('id: x', 'tasks:', '  - id: a', '    depends_on: [b,', '    |', '  - id: c'));
    assert.deepEqual(c && c.kind === 'key' && [c.path, c.present], [['tasks', 0], ['id', 'depends_on']]);
    const next = contextAt(lines('id: x', 'tasks:', '  - id: a', '    depends_on: [b,', '  - id: c', '    ag|'));
    assert.deepEqual(next?.path, ['tasks', 1]);
  });

  it('reads the task ids from the lines, those below an unfinished line included', () => {
    const text = lines('id: x', 'tasks:', '  - id: a', '    depends_on: [b, ', '  - { id: "c", run: x }', '  - run: y', '  - id: d', 'quality:', '  - id: e');
    assert.deepEqual(taskIdsInText(text), [
      { index: 0, id: 'a' },
      { index: 1, id: 'c' },
      { index: 3, id: 'd' },
    ]);
  });

  it('covers the whole word under the cursor, and sees a colon after it', () => {
    const c = contextAt(lines(...TASKS, '    ru|n: echo b'));
    assert.deepEqual(c && c.kind === 'key' && [c.prefix, c.start, c.end, c.hasColon, c.present], ['ru', 53, 56, true, ['id']]);
  });

  it('is nowhere inside a block scalar or a comment, and back after the scalar ends', () => {
    const block = ['id: x', 'tasks:', '  - id: a', '    run: |', '      echo one'];
    assert.equal(contextAt(lines(...block, '      ech@', '    cwd: .'), '@'), undefined);
    assert.deepEqual(contextAt(lines(...block, '    @'), '@')?.path, ['tasks', 0]);
    assert.equal(contextAt('id: x # a comm|'), undefined);
    assert.equal(contextAt(lines('id: x', '# tasks:|')), undefined);
  });

  it('is nowhere after a flow collection has closed', () => {
    assert.equal(contextAt('depends_on: [a] |'), undefined);
  });

  it('skips multi-line quoted scalars when reading the structure', () => {
    const c = contextAt(lines('id: x', 'title: "a title', '  on two lines"', 'tasks:', '  - id: a', '    |'));
    assert.deepEqual(c?.path, ['tasks', 0]);
  });
});
