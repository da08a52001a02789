// Where every task id is defined and used, read from the YAML tree rather than the model:
// the tree survives syntax errors elsewhere in the file, so navigation and completion keep
// working while the user types.
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Range } from 'vscode-languageserver';
import { isMap, isPair, isScalar, isSeq, type Document, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';

/** An id written in the file: a definition (`id:`) or a reference (`depends_on` / `after` item). */
export interface IdSite {
  id: string;
  /** Offsets of the scalar, quotes included. */
  start: number;
  end: number;
  range: Range;
}

export interface Entry {
  kind: 'task' | 'gate';
  index: number;
  id?: IdSite;
  /** The whole list item. */
  range: Range;
  node: YAMLMap;
  title?: string;
  run?: string;
  agent?: string;
  prompt?: string;
  /** `depends_on` of a task, `after` of a gate. */
  dependencies: Reference[];
}

export interface Reference extends IdSite {
  owner: Entry;
  key: 'depends_on' | 'after';
  /** The list and the key it hangs from, for edits that remove the item. */
  list: YAMLSeq;
  pair: Pair;
  item: number;
}

export interface ListNode {
  pair: Pair;
  /** Null when the key has no value yet (`tasks:`). */
  seq: YAMLSeq | null;
}

export interface TaskIndex {
  tasks: Entry[];
  gates: Entry[];
  references: Reference[];
  /** The `tasks:` entry, for edits that append a task. */
  tasksList?: ListNode;
  /** Names under `agents:`, the milestone's own profiles. */
  profiles: string[];
  /** The definition or reference whose scalar contains the offset (its end included, for a cursor after it). */
  siteAt(offset: number): { definition: Entry } | { reference: Reference } | undefined;
  definitionsOf(id: string): Entry[];
  referencesTo(id: string): Reference[];
  /** Tasks and gates that name `id` in their `depends_on` / `after`. */
  dependentsOf(id: string): Entry[];
  ids(): string[];
}

/** Ids may be written as numbers (`id: 12`); the model reads them as text, and so does the index. */
export function scalarText(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  const v = node.value;
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  for (const p of map.items) if (isPair(p) && scalarText(p.key) === key) return p;
  return undefined;
}

/** A block node's range runs on to the next line; a range shown to the user should end with its text. */
export function contentEnd(text: string, end: number): number {
  while (end > 0 && /\s/.test(text[end - 1]!)) end--;
  return end;
}

export function buildTaskIndex(doc: Document.Parsed, document: TextDocument): TaskIndex {
  const rangeOf = (start: number, end: number): Range => ({ start: document.positionAt(start), end: document.positionAt(end) });
  const site = (node: unknown): IdSite | undefined => {
    const id = scalarText(node);
    const r = id !== undefined ? (node as Node).range : undefined;
    return id !== undefined && r ? { id, start: r[0], end: r[1], range: rangeOf(r[0], r[1]) } : undefined;
  };
  const text = document.getText();
  const tasks: Entry[] = [];
  const gates: Entry[] = [];
  const references: Reference[] = [];
  let tasksList: ListNode | undefined;
  const profiles: string[] = [];
  const root = doc.contents;

  const readEntries = (key: 'tasks' | 'quality', kind: Entry['kind'], into: Entry[], listKey: Reference['key']): void => {
    const pair = isMap(root) ? pairOf(root, key) : undefined;
    if (!pair) return;
    const seq = isSeq(pair.value) ? pair.value : null;
    if (key === 'tasks' && (seq || pair.value === null || (isScalar(pair.value) && pair.value.value === null))) tasksList = { pair, seq };
    seq?.items.forEach((item, index) => {
      if (!isMap(item) || !item.range) return;
      const valueOf = (k: string): string | undefined => scalarText(pairOf(item, k)?.value);
      const entry: Entry = { kind, index, range: rangeOf(item.range[0], contentEnd(text, item.range[1])), node: item, dependencies: [] };
      const idSite = site(pairOf(item, 'id')?.value);
      if (idSite) entry.id = idSite;
      for (const k of ['title', 'run', 'agent', 'prompt'] as const) {
        const v = valueOf(k);
        if (v !== undefined) entry[k] = v;
      }
      const depsPair = pairOf(item, listKey);
      if (depsPair && isSeq(depsPair.value)) {
        const list = depsPair.value;
        list.items.forEach((dep, i) => {
          const s = site(dep);
          if (s) entry.dependencies.push({ ...s, owner: entry, key: listKey, list, pair: depsPair, item: i });
        });
      }
      references.push(...entry.dependencies);
      into.push(entry);
    });
  };
  readEntries('tasks', 'task', tasks, 'depends_on');
  readEntries('quality', 'gate', gates, 'after');
  const agents = isMap(root) ? pairOf(root, 'agents')?.value : undefined;
  if (isMap(agents)) for (const p of agents.items) if (isPair(p)) { const name = scalarText(p.key); if (name) profiles.push(name); }

  const byId = new Map<string, Entry[]>();
  for (const t of tasks) if (t.id) byId.set(t.id.id, [...(byId.get(t.id.id) ?? []), t]);
  const refsTo = new Map<string, Reference[]>();
  for (const r of references) refsTo.set(r.id, [...(refsTo.get(r.id) ?? []), r]);
  // Sorted by offset so a lookup is a binary search: hover and definition on a 2,000-task file stay instant.
  const sites: ({ at: IdSite; definition: Entry } | { at: IdSite; reference: Reference })[] = [
    ...[...tasks, ...gates].flatMap((e) => (e.id ? [{ at: e.id, definition: e }] : [])),
    ...references.map((r) => ({ at: r, reference: r })),
  ].sort((a, b) => a.at.start - b.at.start);

  return {
    tasks,
    gates,
    references,
    ...(tasksList ? { tasksList } : {}),
    profiles,
    siteAt(offset) {
      let lo = 0;
      let hi = sites.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const s = sites[mid]!;
        if (offset < s.at.start) hi = mid - 1;
        else if (offset > s.at.end) lo = mid + 1;
        else return 'definition' in s ? { definition: s.definition } : { reference: s.reference };
      }
      return undefined;
    },
    definitionsOf: (id) => byId.get(id) ?? [],
    referencesTo: (id) => refsTo.get(id) ?? [],
    dependentsOf: (id) => [...new Set((refsTo.get(id) ?? []).map((r) => r.owner))],
    ids: () => [...byId.keys()],
  };
}
