import { SymbolKind, type DocumentSymbol, type Location, type Range, type TextEdit } from 'vscode-languageserver';
import { isMap, isPair, isSeq, type Node } from 'yaml';
import { ID_RULE, isValidId } from '../../core/ids';
import type { Analysis } from '../analysis';
import { contentEnd, scalarText, type Entry, type IdSite } from './taskIndex';

/** The id under the cursor and what it stands for: a task (defined or referenced) or a gate. */
function idAt(analysis: Analysis, offset: number): { id: string; site: IdSite; gate?: Entry } | undefined {
  const site = analysis.index.siteAt(offset);
  if (!site) return undefined;
  if ('reference' in site) return { id: site.reference.id, site: site.reference };
  const entry = site.definition;
  return { id: entry.id!.id, site: entry.id!, ...(entry.kind === 'gate' ? { gate: entry } : {}) };
}

/** Where the task under the cursor is defined (every definition, when the id is duplicated). */
export function definitionAt(analysis: Analysis, offset: number): Location[] {
  const at = idAt(analysis, offset);
  if (!at) return [];
  const uri = analysis.document.uri;
  if (at.gate) return [{ uri, range: at.site.range }];
  return analysis.index.definitionsOf(at.id).map((t) => ({ uri, range: t.id!.range }));
}

/** Every `depends_on` / `after` item naming the task under the cursor, and its definition if asked. */
export function referencesAt(analysis: Analysis, offset: number, includeDeclaration: boolean): Location[] {
  const at = idAt(analysis, offset);
  if (!at) return [];
  const uri = analysis.document.uri;
  const declarations = at.gate ? [at.site] : analysis.index.definitionsOf(at.id).map((t) => t.id!);
  const uses = at.gate ? [] : analysis.index.referencesTo(at.id);
  return [...(includeDeclaration ? declarations : []), ...uses].map((s) => ({ uri, range: s.range }));
}

/** The outline: top-level keys, with the tasks, gates and agent profiles under theirs. */
export function documentSymbols(analysis: Analysis): DocumentSymbol[] {
  const { document, index, parsed } = analysis;
  const root = parsed.doc.contents;
  if (!isMap(root)) return [];
  const text = document.getText();
  const rangeOf = (start: number, end: number): Range => ({ start: document.positionAt(start), end: document.positionAt(contentEnd(text, end)) });
  const entrySymbol = (e: Entry): DocumentSymbol => ({
    name: e.id?.id ?? `#${e.index + 1}`,
    ...(e.title !== undefined ? { detail: e.title } : {}),
    kind: e.kind === 'task' ? SymbolKind.Function : SymbolKind.Event,
    range: e.range,
    selectionRange: e.id?.range ?? { start: e.range.start, end: e.range.start },
  });
  const symbols: DocumentSymbol[] = [];
  for (const pair of root.items) {
    const key = pair.key as Node | null;
    const name = scalarText(key);
    if (!isPair(pair) || name === undefined || !key?.range) continue;
    const value = pair.value as Node | null;
    const end = value?.range ? value.range[1] : key.range[1];
    const symbol: DocumentSymbol = {
      name,
      kind: isSeq(value) ? SymbolKind.Array : isMap(value) ? SymbolKind.Object : SymbolKind.Property,
      range: rangeOf(key.range[0], end),
      selectionRange: rangeOf(key.range[0], key.range[1]),
    };
    const detail = scalarText(value);
    if (detail !== undefined) symbol.detail = detail;
    if (name === 'tasks') symbol.children = index.tasks.map(entrySymbol);
    if (name === 'quality') symbol.children = index.gates.map(entrySymbol);
    if (name === 'agents' && isMap(value)) {
      symbol.children = value.items.flatMap((p) => {
        const k = p.key as Node | null;
        const profile = scalarText(k);
        const v = p.value as Node | null;
        if (profile === undefined || !k?.range) return [];
        return [{ name: profile, kind: SymbolKind.Constant, range: rangeOf(k.range[0], v?.range ? v.range[1] : k.range[1]), selectionRange: rangeOf(k.range[0], k.range[1]) }];
      });
    }
    symbols.push(symbol);
  }
  return symbols;
}

/** The id a rename at this offset would change, or undefined when there is none. */
export function prepareRenameAt(analysis: Analysis, offset: number): { range: Range; placeholder: string } | undefined {
  const at = idAt(analysis, offset);
  return at ? { range: at.site.range, placeholder: at.id } : undefined;
}

/** Renames a task id everywhere it is defined and used (a gate id only where it is defined). */
export function renameAt(analysis: Analysis, offset: number, newName: string): { edits: TextEdit[] } | { error: string } | undefined {
  const at = idAt(analysis, offset);
  if (!at) return undefined;
  if (!isValidId(newName)) return { error: `"${newName}" is not a valid id: use ${ID_RULE}.` };
  const taken = [...analysis.index.tasks, ...analysis.index.gates].some((e) => e.id?.id === newName);
  if (taken && newName !== at.id) return { error: `"${newName}" is already the id of a task or gate in this milestone.` };
  const sites = at.gate ? [at.site] : [...analysis.index.definitionsOf(at.id).map((t) => t.id!), ...analysis.index.referencesTo(at.id)];
  return { edits: sites.map((s) => ({ range: s.range, newText: newName })) };
}
