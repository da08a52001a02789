// The structure of block YAML read from its lines: indentation opens and closes keys and
// list items, brackets and quotes may span lines. It is what the YAML parser knows too, but
// this reading never gives up on a line that is still being typed.
import type { PathSegment } from '../../core/milestone/parse';

export const isBlank = (ch: string | undefined): boolean => ch === ' ' || ch === '\t';

export type LineNode = { kind: 'item'; col: number } | { kind: 'key'; col: number; name: string; colonEnd: number; valueCol: number };

export interface ScannedLine {
  blank: boolean;
  /** List markers and at most one key, left to right. */
  nodes: LineNode[];
  /** What follows the last node, comment and trailing blanks removed. */
  rest?: { col: number; text: string };
}

/** A key or list item whose children may still follow. */
export interface OpenNode {
  col: number;
  kind: 'root' | 'item' | 'key';
  path: PathSegment[];
  keys: string[];
  items: number;
  /** Scalar items of the list under this key, for leaving them out of completion. */
  values: string[];
}

const FLOW_ID = /(?:^\{|,)\s*id\s*:\s*("[^"]*"|'[^']*'|[^\s,}]+)/;

/**
 * Task ids as written, read line by line. Unlike the YAML tree, this survives the line
 * being typed: an unclosed `[` swallows every task below it for the parser, not for this.
 */
export function taskIdsInText(text: string): { index: number; id: string }[] {
  const ids: { index: number; id: string }[] = [];
  const outline = new Outline((path, value) => {
    const index = path[1];
    if (path[0] !== 'tasks' || typeof index !== 'number') return;
    if (path.length === 3 && path[2] === 'id') ids.push({ index, id: unquote(value) });
    const flowId = path.length === 2 ? FLOW_ID.exec(value) : null;
    if (flowId?.[1]) ids.push({ index, id: unquote(flowId[1]) });
  });
  let start = 0;
  for (const line of text.split('\n')) {
    outline.feed(line.replace(/\r$/, ''), start);
    start += line.length + 1;
  }
  return ids;
}

/** The indentation structure of the lines read so far. */
export class Outline {
  private readonly stack: OpenNode[] = [{ col: -1, kind: 'root', path: [], keys: [], items: 0, values: [] }];
  /** Inside a `|` or `>` scalar: lines indented more than `above` are its text. */
  block: { above: number } | undefined;
  /** Inside a `[...]` or `{...}` that spans lines; `ownerCol` is the column of the key or item it belongs to. */
  flow: { start: number; path: PathSegment[]; ownerCol: number; depth: number; quote: string | undefined } | undefined;
  /** Inside a quoted scalar that spans lines. */
  quote: string | undefined;

  /** `onValue` hears every value written on a line, with the path of the key or item it belongs to. */
  constructor(private readonly onValue?: (path: PathSegment[], value: string) => void) {}

  /**
   * A flow collection's lines must be indented past its key; a line that is not ends it,
   * closed or not. That is what keeps an unfinished `[a, ` from hiding the rest of the file.
   */
  endsFlow(line: string, cursorCol?: number): boolean {
    if (!this.flow) return false;
    const blank = line.trim() === '';
    // A blank line ends nothing, unless the cursor on it says where the next text goes.
    if (blank && cursorCol === undefined) return false;
    const indent = blank ? (cursorCol ?? 0) : line.length - line.trimStart().length;
    return indent <= this.flow.ownerCol;
  }

  get top(): OpenNode {
    return this.stack[this.stack.length - 1]!;
  }

  holds(entry: OpenNode): boolean {
    return this.stack.includes(entry);
  }

  below(entry: OpenNode): OpenNode | undefined {
    const i = this.stack.indexOf(entry);
    return i > 0 ? this.stack[i - 1] : undefined;
  }

  /** Closes what a node at this column ends. A list may sit at its key's own column. */
  popFor(col: number, kind: 'item' | 'key'): void {
    while (this.stack.length > 1) {
      const top = this.top;
      if (col > top.col || (kind === 'item' && top.kind === 'key' && col === top.col)) break;
      this.stack.pop();
    }
  }

  place(node: LineNode): void {
    this.popFor(node.col, node.kind);
    const parent = this.top;
    if (node.kind === 'item') {
      this.stack.push({ col: node.col, kind: 'item', path: [...parent.path, parent.items++], keys: [], items: 0, values: [] });
    } else {
      parent.keys.push(node.name);
      this.stack.push({ col: node.col, kind: 'key', path: [...parent.path, node.name], keys: [], items: 0, values: [] });
    }
  }

  feed(line: string, lineStart: number): void {
    if (this.block) {
      if (line.trim() === '' || line.length - line.trimStart().length > this.block.above) return;
      this.block = undefined;
    }
    if (this.flow && !this.endsFlow(line)) {
      const r = flowDepth(line, this.flow.depth, this.flow.quote);
      if (r.depth <= 0) this.flow = undefined;
      else Object.assign(this.flow, r);
      return;
    }
    this.flow = undefined;
    if (this.quote) {
      if (closingQuote(line, 0, this.quote) !== -1) this.quote = undefined;
      return;
    }
    const scanned = scanLine(line);
    if (scanned.blank) return;
    for (const node of scanned.nodes) this.place(node);
    const rest = scanned.rest;
    if (!rest) return;
    const last = scanned.nodes[scanned.nodes.length - 1];
    if (!last) this.popFor(rest.col, 'key');
    const t = rest.text;
    if (last) this.onValue?.(this.top.path, t);
    if (/^[|>][0-9+-]*$/.test(t)) {
      this.block = { above: last ? last.col : rest.col - 1 };
    } else if (t.startsWith('[') || t.startsWith('{')) {
      const r = flowDepth(t, 0, undefined);
      if (r.depth > 0) this.flow = { start: lineStart + rest.col, path: this.top.path, ownerCol: this.top.col, ...r };
    } else if ((t.startsWith('"') || t.startsWith("'")) && closingQuote(t, 1, t[0]!) === -1) {
      this.quote = t[0];
    } else if (last?.kind === 'item') {
      this.below(this.top)?.values.push(unquote(t));
    }
  }
}

export function scanLine(line: string): ScannedLine {
  let i = 0;
  while (line[i] === ' ') i++;
  if (i >= line.length || line[i] === '#' || line[i] === '%' || (i === 0 && /^(---|\.\.\.)(\s|$)/.test(line))) return { blank: true, nodes: [] };
  const nodes: LineNode[] = [];
  while (line[i] === '-' && (i + 1 === line.length || isBlank(line[i + 1]))) {
    nodes.push({ kind: 'item', col: i });
    i++;
    while (isBlank(line[i])) i++;
  }
  const key = readKey(line, i);
  if (key) {
    nodes.push({ kind: 'key', col: i, ...key });
    i = key.valueCol;
  }
  const cut = commentStart(line, i);
  const text = line.slice(i, cut === -1 ? undefined : cut).trimEnd();
  return { blank: nodes.length === 0 && text === '', nodes, ...(text ? { rest: { col: i, text } } : {}) };
}

function readKey(line: string, i: number): { name: string; colonEnd: number; valueCol: number } | undefined {
  const c = line[i];
  if (c === undefined) return undefined;
  let j: number;
  let name: string;
  if (c === '"' || c === "'") {
    const close = closingQuote(line, i + 1, c);
    if (close === -1) return undefined;
    name = unquote(line.slice(i, close + 1));
    j = close + 1;
    while (isBlank(line[j])) j++;
    if (line[j] !== ':') return undefined;
  } else {
    if ('[]{}&*!|>%@`?#,'.includes(c)) return undefined;
    for (j = i; j < line.length; j++) {
      if (line[j] === ':' && (j + 1 === line.length || isBlank(line[j + 1]))) break;
      if (line[j] === '#' && isBlank(line[j - 1])) return undefined;
    }
    if (j >= line.length) return undefined;
    name = line.slice(i, j).trimEnd();
  }
  let v = j + 1;
  while (isBlank(line[v])) v++;
  return { name, colonEnd: j + 1, valueCol: v };
}

/** Index of a `#` that starts a comment (not one inside quotes or a word), or -1. */
export function commentStart(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const ch = text[i]!;
    if ((ch === '"' || ch === "'") && (i === from || /[\s[{,:]/.test(text[i - 1]!))) {
      const close = closingQuote(text, i + 1, ch);
      if (close === -1) return -1;
      i = close;
    } else if (ch === '#' && (i === from || isBlank(text[i - 1]))) {
      return i;
    }
  }
  return -1;
}

/** Index of the quote that closes a scalar opened before `from`, or -1. */
export function closingQuote(text: string, from: number, quote: string): number {
  for (let i = from; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') i++;
    else if (text[i] === quote) {
      if (quote === "'" && text[i + 1] === "'") i++;
      else return i;
    }
  }
  return -1;
}

export function unquote(s: string): string {
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) return s.slice(1, -1).replace(/\\(.)/g, '$1');
  if (s.length >= 2 && s.startsWith("'") && s.endsWith("'")) return s.slice(1, -1).replace(/''/g, "'");
  return s;
}

/** Bracket depth after a line of a flow collection. */
function flowDepth(line: string, depth: number, quote: string | undefined): { depth: number; quote: string | undefined } {
  let i = 0;
  if (quote) {
    const close = closingQuote(line, 0, quote);
    if (close === -1) return { depth, quote };
    i = close + 1;
  }
  for (; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '"' || ch === "'") {
      const close = closingQuote(line, i + 1, ch);
      if (close === -1) return { depth, quote: ch };
      i = close;
    } else if (ch === '#' && (i === 0 || isBlank(line[i - 1]))) {
      break;
    } else if (ch === '[' || ch === '{') {
      depth++;
    } else if (ch === ']' || ch === '}') {
      depth--;
      if (depth === 0) break;
    }
  }
  return { depth, quote: undefined };
}
