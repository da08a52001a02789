// A task's `allowed_tools` and the permissions its agent was refused: whether a rule of the
// list allows a refused tool use, and the smallest text edit that adds a rule to the list
// the way a person would write it (the rest of the file, its comments and layout untouched,
// as the language server's yamlEdits.ts does). Pure: the quick fix in denialFixes.ts and
// the Problems entries in runtimeIssues.ts use it, and the unit tests reach it directly.
import { isMap, isScalar, isSeq, parseDocument, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import type { Denial } from '../../core/agents/adapters/signals';

/** Replace `start..end` (offsets into the text) with `newText`. */
export interface OffsetEdit {
  start: number;
  end: number;
  newText: string;
}

/**
 * Whether one `allowed_tools` rule (Claude Code's syntax) allows a refused use: the tool's
 * name alone allows every use of it; `Tool(x)` allows `x` exactly; `Bash(npm test:*)`
 * allows the commands that start with `npm test`; a `*` stands for anything in a path.
 */
export function ruleAllows(rule: string, d: Denial): boolean {
  const r = rule.trim();
  if (r === d.tool) return true;
  const m = /^([^()]+)\((.*)\)$/s.exec(r);
  if (!m || m[1]!.trim() !== d.tool) return false;
  const pattern = m[2]!;
  if (pattern === d.target) return true;
  if (pattern.endsWith(':*')) return d.target === pattern.slice(0, -2) || d.target.startsWith(`${pattern.slice(0, -2)} `);
  if (!pattern.includes('*')) return false;
  const glob = pattern
    .split(/(\*\*|\*)/)
    .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${glob}$`, 's').test(d.target);
}

export function isAllowed(rules: readonly string[], d: Denial): boolean {
  return rules.some((r) => ruleAllows(r, d));
}

/**
 * The narrowest rule that allows a refused command: `Bash(git push origin main)`. Undefined
 * for other tools (their paths follow rules of their own) and for a command a rule cannot
 * hold on one line.
 */
export function exactRule(d: Denial): string | undefined {
  if (d.tool !== 'Bash' || !d.target || /[\n\r()]/.test(d.target)) return undefined;
  return `Bash(${d.target})`;
}

/** A rule as a YAML scalar, plain when it reads the same in a `[...]` list and as a `- ` item. */
export function yamlRule(rule: string): string {
  const plain = /^[A-Za-z_][\w.-]*(\([^,[\]{}#"'\n\r]*\))?$/.test(rule) && !/:(\s|$)/.test(rule) && !/\s#/.test(rule);
  return plain ? rule : JSON.stringify(rule);
}

const lineStartOf = (text: string, offset: number): number => text.lastIndexOf('\n', offset - 1) + 1;

/** Offset just past the newline that ends the line holding `offset` (or the end of the text). */
function nextLineStart(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  return nl === -1 ? text.length : nl + 1;
}

/** The end of a node's own text, without the blank lines a block scalar keeps after it. */
function trimmedEnd(text: string, end: number): number {
  let e = end;
  while (e > 0 && /\s/.test(text[e - 1]!)) e--;
  return e;
}

/** The first task (in `tasks:`) whose id is `taskId`. */
function taskMap(text: string, taskId: string): YAMLMap | undefined {
  const doc = parseDocument(text, { uniqueKeys: false });
  const tasks = doc.get('tasks', true);
  if (!isSeq(tasks)) return undefined;
  for (const item of tasks.items) {
    if (isMap(item) && String((item.get('id', true) as Node | undefined)?.toJSON() ?? '') === taskId) return item;
  }
  return undefined;
}

/**
 * The edit that adds `rule` to the `allowed_tools` of task `taskId`, creating the key when
 * the task has none. Undefined when there is nothing to do (the list already has the rule)
 * or nothing sensible to do (no such task, a value that is not a list).
 */
export function allowToolEdit(text: string, taskId: string, rule: string): OffsetEdit | undefined {
  const task = taskMap(text, taskId);
  if (!task?.range) return undefined;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const scalar = yamlRule(rule);
  const pair = task.items.find((p) => isScalar(p.key) && p.key.value === 'allowed_tools') as Pair<Node, Node | null> | undefined;
  if (pair) return addToList(text, pair, scalar, rule, eol);
  // A new key after the task's last one, in the task's own style.
  const last = task.items[task.items.length - 1] as Pair<Node, Node | null> | undefined;
  const lastEnd = last?.value?.range?.[1] ?? last?.key?.range?.[1];
  if (lastEnd === undefined) return undefined;
  if (task.flow) return { start: lastEnd, end: lastEnd, newText: `, allowed_tools: [${scalar}]` };
  const firstKey = (task.items[0]?.key as Node | undefined)?.range?.[0] ?? task.range[0];
  const indent = ' '.repeat(firstKey - lineStartOf(text, firstKey));
  const at = nextLineStart(text, trimmedEnd(text, lastEnd));
  const sep = at === text.length && !text.endsWith('\n') ? eol : '';
  return { start: at, end: at, newText: `${sep}${indent}allowed_tools: [${scalar}]${eol}` };
}

function addToList(text: string, pair: Pair<Node, Node | null>, scalar: string, rule: string, eol: string): OffsetEdit | undefined {
  const value = pair.value;
  const keyEnd = pair.key.range?.[1];
  // `allowed_tools:` with nothing after it (or `~`, `null`): the list starts here.
  if (value === null || (isScalar(value) && value.value === null)) {
    if (value?.range && value.range[1] > value.range[0]) return { start: value.range[0], end: value.range[1], newText: `[${scalar}]` };
    const colon = keyEnd === undefined ? -1 : text.indexOf(':', keyEnd);
    return colon === -1 ? undefined : { start: colon + 1, end: colon + 1, newText: ` [${scalar}]` };
  }
  if (!isSeq(value) || !value.range) return undefined;
  const seq: YAMLSeq = value;
  const range = value.range;
  if (seq.items.some((i) => isScalar(i) && i.value === rule)) return undefined;
  const items = seq.items as (Node | null)[];
  const last = items[items.length - 1];
  if (seq.flow) {
    if (last?.range) return { start: last.range[1], end: last.range[1], newText: `, ${scalar}` };
    return { start: range[0] + 1, end: range[0] + 1, newText: scalar };
  }
  const dash = ' '.repeat(range[0] - lineStartOf(text, range[0]));
  const at = nextLineStart(text, trimmedEnd(text, last?.range?.[1] ?? range[1]));
  const sep = at === text.length && !text.endsWith('\n') ? eol : '';
  return { start: at, end: at, newText: `${sep}${dash}- ${scalar}${eol}` };
}

/** The text with an edit applied. */
export function applyEdit(text: string, e: OffsetEdit): string {
  return text.slice(0, e.start) + e.newText + text.slice(e.end);
}
