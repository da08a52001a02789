// Where the cursor is in the milestone's structure, read from indentation and brackets.
// The YAML parser cannot answer this while the user types: `  dep` or `depends_on: [a, `
// are errors to it, but they are exactly where completion is asked for. Block YAML's
// structure is in its indentation, so one pass over the lines above the cursor, keeping a
// stack of open keys and list items, recovers the path even when the line is incomplete.
import type { PathSegment } from '../../core/milestone/parse';
import { specAt } from '../../core/milestone/schema';
import { closingQuote, commentStart, isBlank, Outline, scanLine, unquote, type OpenNode } from './outline';

interface Span {
  /** Text between the start of the word and the cursor. */
  prefix: string;
  /** Offsets of the whole word under the cursor, which a completion replaces. */
  start: number;
  end: number;
  /** Inside `[...]` or `{...}`. */
  flow: boolean;
}

export interface KeyContext extends Span {
  kind: 'key';
  /** Path of the mapping the key goes into, e.g. ['tasks', 2]. */
  path: PathSegment[];
  /** Keys the mapping already has, the one under the cursor left out. */
  present: string[];
  /** Column of the key: what goes on the lines below it is indented from here. */
  column: number;
  /** A `:` already follows the word, so only the name is to be inserted. */
  hasColon: boolean;
}

export interface ValueContext extends Span {
  kind: 'value';
  /** Path of the value, e.g. ['type'] or ['tasks', 2, 'depends_on', 1]. */
  path: PathSegment[];
  /** The other items of the list the value is an item of. */
  siblings: string[];
  /** Right after `key:` with no space yet: an inserted value needs one. */
  needsSpace: boolean;
}

export type CursorContext = KeyContext | ValueContext;

const WORD = /[A-Za-z0-9_.-]/;

export function cursorContext(text: string, offset: number): CursorContext | undefined {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  let lineNo = starts.length - 1;
  while (lineNo > 0 && starts[lineNo]! > offset) lineNo--;
  const lineAt = (n: number): string => text.slice(starts[n], n + 1 < starts.length ? starts[n + 1]! - 1 : text.length).replace(/\r$/, '');
  const lineStart = starts[lineNo]!;
  const line = lineAt(lineNo);
  const col = Math.min(offset - lineStart, line.length);
  const wordEnd = (from: number): number => {
    let e = from;
    while (e < text.length && WORD.test(text[e]!)) e++;
    return e;
  };

  const outline = new Outline();
  for (let n = 0; n < lineNo; n++) outline.feed(lineAt(n), starts[n]!);
  const lookAhead = (target: OpenNode): void => {
    for (let n = lineNo + 1; n < starts.length && outline.holds(target); n++) outline.feed(lineAt(n), starts[n]!);
  };

  if (outline.block) {
    const indent = line.trim() === '' ? col : line.length - line.trimStart().length;
    if (indent > outline.block.above) return undefined;
    outline.block = undefined;
  }
  if (outline.flow && !outline.endsFlow(line, col)) return flowContext(text, outline.flow.start, lineStart + col, outline.flow.path);
  outline.flow = undefined;
  if (outline.quote) return undefined;

  const head = line.slice(0, col);
  if (commentStart(head, 0) !== -1) return undefined;
  const scanned = scanLine(head);
  for (const node of scanned.nodes) outline.place(node);
  const last = scanned.nodes[scanned.nodes.length - 1];

  if (last?.kind === 'key') {
    const owner = outline.top;
    const valueText = head.slice(last.valueCol);
    const at = lineStart + last.valueCol;
    if (valueText.startsWith('[') || valueText.startsWith('{')) return flowContext(text, at, lineStart + col, owner.path);
    if (/^[|>&*!]/.test(valueText)) return undefined;
    const quoted = valueText.startsWith('"') || valueText.startsWith("'");
    return {
      kind: 'value',
      path: owner.path,
      prefix: quoted ? valueText.slice(1) : valueText,
      start: quoted ? at + 1 : at,
      end: wordEnd(lineStart + col),
      siblings: [],
      flow: false,
      needsSpace: last.valueCol === last.colonEnd,
    };
  }

  const rest = scanned.rest;
  if (rest && (rest.text.startsWith('[') || rest.text.startsWith('{'))) {
    if (!last) outline.popFor(rest.col, 'key');
    return flowContext(text, lineStart + rest.col, lineStart + col, outline.top.path);
  }
  const quoted = rest !== undefined && (rest.text.startsWith('"') || rest.text.startsWith("'"));
  const tokenCol = rest ? rest.col + (quoted ? 1 : 0) : col;
  if (!last) outline.popFor(tokenCol, 'key');
  const parent = outline.top;
  const end = wordEnd(lineStart + col);
  const span = { prefix: head.slice(tokenCol), start: lineStart + tokenCol, end, flow: false };
  const spec = specAt(parent.path);
  // A list or a mapping (an agent profile): no `- ` here, so a key of the mapping.
  if (spec?.type === 'object' || spec?.type === 'map' || spec?.type === 'listOrObject') {
    lookAhead(parent);
    let after = end;
    while (isBlank(text[after])) after++;
    return { kind: 'key', path: parent.path, present: parent.keys, column: tokenCol, hasColon: text[after] === ':', ...span };
  }
  // A list item (`- bu`): the list's other items are the ones to leave out.
  const list = parent.kind === 'item' ? outline.below(parent) : undefined;
  if (list) lookAhead(list);
  return { kind: 'value', path: parent.path, siblings: list?.values ?? [], needsSpace: false, ...span };
}

type Frame = { kind: 'seq'; path: PathSegment[]; index: number; values: string[] } | { kind: 'map'; path: PathSegment[]; key: string | undefined; keys: string[] };

/** The cursor inside `[...]` / `{...}`, read from the opening bracket at `from` up to the cursor at `to`. */
function flowContext(text: string, from: number, to: number, base: PathSegment[]): CursorContext | undefined {
  const frames: Frame[] = [];
  let token = '';
  let tokenStart = to;
  const endToken = (): string => {
    const t = token.trim();
    token = '';
    return t;
  };
  for (let i = from; i < to; i++) {
    const ch = text[i]!;
    const top = frames[frames.length - 1];
    if ((ch === '"' || ch === "'") && token.trim() === '') {
      const close = closingQuote(text, i + 1, ch);
      if (close === -1 || close >= to) {
        // The cursor is inside a quoted scalar: its content so far is the prefix.
        token = text.slice(i + 1, to);
        tokenStart = i + 1;
        break;
      }
      token = unquote(text.slice(i, close + 1));
      tokenStart = i;
      i = close;
    } else if (ch === '#' && (i === from || /\s/.test(text[i - 1]!))) {
      while (i < to && text[i] !== '\n') i++;
    } else if (ch === '[' || ch === '{') {
      const path = !top ? base : top.kind === 'seq' ? [...top.path, top.index] : [...top.path, top.key ?? ''];
      frames.push(ch === '[' ? { kind: 'seq', path, index: 0, values: [] } : { kind: 'map', path, key: undefined, keys: [] });
      token = '';
    } else if (ch === ']' || ch === '}') {
      frames.pop();
      token = '';
      // Past the end of the collection, the cursor is in no value of it.
      if (frames.length === 0) return undefined;
    } else if (ch === ',' && top) {
      const t = endToken();
      if (top.kind === 'seq') {
        if (t) top.values.push(t);
        top.index++;
      } else {
        top.key = undefined;
      }
    } else if (ch === ':' && top?.kind === 'map' && top.key === undefined && (i + 1 >= to || /[\s,\]}]/.test(text[i + 1]!))) {
      top.key = endToken();
      top.keys.push(top.key);
    } else if (/\s/.test(ch)) {
      if (token !== '') token += ch;
    } else {
      if (token === '') tokenStart = i;
      token += ch;
    }
  }
  const top = frames[frames.length - 1];
  if (!top) return undefined;
  const prefix = token.trimStart();
  const start = prefix === '' ? to : tokenStart;
  let end = to;
  while (end < text.length && WORD.test(text[end]!)) end++;
  if (top.kind === 'seq') {
    return { kind: 'value', path: [...top.path, top.index], prefix, start, end, flow: true, siblings: [...top.values, ...restOfFlowList(text, end)], needsSpace: false };
  }
  if (top.key !== undefined) {
    return { kind: 'value', path: [...top.path, top.key], prefix, start, end, flow: true, siblings: [], needsSpace: text[start - 1] === ':' };
  }
  let after = end;
  while (isBlank(text[after])) after++;
  return { kind: 'key', path: top.path, present: top.keys, column: -1, hasColon: text[after] === ':', prefix, start, end, flow: true };
}

/** Items of a flow list after the cursor's own, up to its closing bracket on the same line. */
function restOfFlowList(text: string, from: number): string[] {
  const items: string[] = [];
  let depth = 0;
  let token = '';
  let first = true;
  for (let i = from; i < text.length && text[i] !== '\n'; i++) {
    const ch = text[i]!;
    if (ch === '[' || ch === '{') depth++;
    else if ((ch === ']' || ch === '}') && depth-- === 0) break;
    else if (ch === ',' && depth === 0) {
      if (!first && token.trim()) items.push(unquote(token.trim()));
      first = false;
      token = '';
      continue;
    }
    token += ch;
  }
  if (!first && token.trim()) items.push(unquote(token.trim()));
  return items;
}
