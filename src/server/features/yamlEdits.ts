// Text edits that change the YAML the way a person would: the rest of the file, its
// comments and its layout stay exactly as they were.
import type { TextEdit } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { isMap, type Node, type Pair, type YAMLSeq } from 'yaml';
import type { ListNode } from './taskIndex';

const edit = (document: TextDocument, start: number, end: number, newText: string): TextEdit => ({
  range: { start: document.positionAt(start), end: document.positionAt(end) },
  newText,
});

function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** Offset just past the newline that ends the line holding `offset` (or the end of the text). */
function nextLineStart(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  return nl === -1 ? text.length : nl + 1;
}

/** Removes one item of a list, in flow (`[a, b]`) or block (`- a`) style, leaving a tidy list. */
export function removeListItem(document: TextDocument, list: YAMLSeq, pair: Pair, item: number): TextEdit[] {
  const text = document.getText();
  const items = list.items as (Node | null)[];
  const at = items[item]?.range;
  if (!at || !list.range) return [];
  if (list.flow) {
    if (items.length === 1) {
      const close = list.range[1] - 1;
      return text[close] === ']' ? [edit(document, list.range[0] + 1, close, '')] : [edit(document, at[0], at[1], '')];
    }
    const next = items[item + 1]?.range;
    if (next) return [edit(document, at[0], next[0], '')];
    const prev = items[item - 1]?.range;
    return prev ? [edit(document, prev[1], at[1], '')] : [];
  }
  const lineStart = lineStartOf(text, at[0]);
  const lineEnd = nextLineStart(text, Math.max(at[0], at[1] - 1));
  if (items.length === 1) {
    // The last item: `depends_on: []` says "none" more plainly than a key with nothing after it.
    const keyEnd = (pair.key as Node | null)?.range?.[1];
    const colon = keyEnd === undefined ? -1 : text.indexOf(':', keyEnd);
    if (colon !== -1 && colon < lineStart) {
      const end = text[lineEnd - 1] === '\n' ? lineEnd - 1 : lineEnd;
      return [edit(document, colon + 1, end, ' []')];
    }
  }
  return [edit(document, lineStart, lineEnd, '')];
}

/**
 * A stub task that fails until it is written: a stub that succeeded would let the tasks
 * depending on it run without what they need.
 */
export function stubCommand(id: string): string {
  return `'echo "task ${id} is not written yet" >&2; exit 1'`;
}

/** Appends a task `id` at the end of `tasks:`, in the style and indentation of the tasks before it. */
export function appendTask(document: TextDocument, tasks: ListNode | undefined, id: string): TextEdit[] {
  const text = document.getText();
  const run = stubCommand(id);
  const column = (offset: number): number => offset - lineStartOf(text, offset);
  if (!tasks) {
    const sep = text === '' || text.endsWith('\n') ? '' : '\n';
    return [edit(document, text.length, text.length, `${sep}tasks:\n  - id: ${id}\n    run: ${run}\n`)];
  }
  const keyRange = (tasks.pair.key as Node | null)?.range;
  const seq = tasks.seq;
  if (!seq?.range) {
    // `tasks:` with nothing after it: the first task, as a block list under the key.
    if (!keyRange) return [];
    const indent = ' '.repeat(column(keyRange[0]) + 2);
    const eol = text.indexOf('\n', keyRange[1]);
    const at = eol === -1 ? text.length : eol;
    return [edit(document, at, at, `\n${indent}- id: ${id}\n${indent}  run: ${run}`)];
  }
  const items = seq.items as (Node | null)[];
  const last = items[items.length - 1];
  if (seq.flow) {
    const entry = `{ id: ${id}, run: ${run} }`;
    if (last?.range) return [edit(document, last.range[1], last.range[1], `, ${entry}`)];
    return [edit(document, seq.range[0] + 1, seq.range[0] + 1, entry)];
  }
  const dash = ' '.repeat(column(seq.range[0]));
  let end = last?.range ? last.range[1] : seq.range[1];
  while (end > 0 && /\s/.test(text[end - 1]!)) end--;
  const at = nextLineStart(text, end);
  const sep = at === text.length && !text.endsWith('\n') ? '\n' : '';
  const keys = ' '.repeat(isMap(last) && !last.flow && last.range ? column(last.range[0]) : dash.length + 2);
  const newText = isMap(last) && last.flow ? `${dash}- { id: ${id}, run: ${run} }\n` : `${dash}- id: ${id}\n${keys}run: ${run}\n`;
  return [edit(document, at, at, `${sep}${newText}`)];
}
