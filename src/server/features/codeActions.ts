import { CodeActionKind, TextDocumentEdit, type CodeAction, type Diagnostic as LspDiagnostic, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver';
import { isValidId } from '../../core/ids';
import type { Analysis } from '../analysis';
import { SOURCE } from './diagnostics';
import type { Reference } from './taskIndex';
import { appendTask, removeListItem } from './yamlEdits';

export interface CodeActionOptions {
  /** The client takes versioned `documentChanges`, so an edit made for an older text is refused rather than misapplied. */
  documentChanges?: boolean;
}

/** Codes whose `data.suggestion` replaces exactly the text the diagnostic covers. */
const REPLACEABLE = new Set(['unknown-key', 'invalid-value', 'unknown-agent-profile', 'unknown-dependency']);

/**
 * Quick fixes for the server's own diagnostics, keyed by their code and data. Each fix is
 * checked against the current text first: a diagnostic from an older version that no
 * longer matches what is at its range gets no fix, rather than a wrong one.
 */
export function quickFixes(analysis: Analysis, diagnostics: readonly LspDiagnostic[], options: CodeActionOptions = {}): CodeAction[] {
  const { document, index } = analysis;
  const text = document.getText();
  const workspaceEdit = (edits: TextEdit[]): WorkspaceEdit =>
    options.documentChanges ? { documentChanges: [TextDocumentEdit.create({ uri: document.uri, version: document.version }, edits)] } : { changes: { [document.uri]: edits } };
  const action = (title: string, diagnostic: LspDiagnostic, edits: TextEdit[], preferred = false): CodeAction => ({
    title,
    kind: CodeActionKind.QuickFix,
    diagnostics: [diagnostic],
    edit: workspaceEdit(edits),
    ...(preferred ? { isPreferred: true } : {}),
  });
  const referenceAt = (d: LspDiagnostic): Reference | undefined => {
    const site = index.siteAt(document.offsetAt(d.range.start));
    return site && 'reference' in site && site.reference.range.start.line === d.range.start.line && site.reference.range.start.character === d.range.start.character ? site.reference : undefined;
  };

  const actions: CodeAction[] = [];
  for (const d of diagnostics) {
    if (d.source !== SOURCE || typeof d.code !== 'string') continue;
    const data = (typeof d.data === 'object' && d.data !== null ? d.data : {}) as Record<string, unknown>;
    const covered = text.slice(document.offsetAt(d.range.start), document.offsetAt(d.range.end));
    if (REPLACEABLE.has(d.code) && typeof data.suggestion === 'string' && covered !== '' && covered !== data.suggestion) {
      actions.push(action(`Change to "${data.suggestion}"`, d, [{ range: d.range, newText: data.suggestion }], true));
    }
    switch (d.code) {
      case 'unknown-dependency': {
        const ref = referenceAt(d);
        if (!ref || ref.id !== data.dependency) break;
        actions.push(action(`Remove "${ref.id}" from ${ref.key}`, d, removeListItem(document, ref.list, ref.pair, ref.item)));
        if (isValidId(ref.id) && index.definitionsOf(ref.id).length === 0) actions.push(action(`Create task "${ref.id}"`, d, appendTask(document, index.tasksList, ref.id)));
        break;
      }
      case 'dependency-cycle': {
        const ref = referenceAt(d);
        const from = ref?.owner.id?.id;
        if (!ref || ref.id !== data.to || from === undefined || from !== data.from) break;
        const cycle = Array.isArray(data.cycle) ? ` (breaks the cycle ${data.cycle.map(String).join(' → ')})` : '';
        actions.push(action(`Remove dependency "${from}" → "${ref.id}"${cycle}`, d, removeListItem(document, ref.list, ref.pair, ref.item)));
        break;
      }
      case 'duplicate-id': {
        const site = index.siteAt(document.offsetAt(d.range.start));
        const entry = site && 'definition' in site ? site.definition : undefined;
        if (!entry?.id || entry.id.id !== data.id) break;
        const fresh = freshId(entry.id.id, [...index.tasks, ...index.gates].flatMap((e) => (e.id ? [e.id.id] : [])));
        if (fresh) actions.push(action(`Rename to "${fresh}"`, d, [{ range: entry.id.range, newText: fresh }], true));
        break;
      }
      default:
        break;
    }
  }
  return actions;
}

/** `<id>-2`, `<id>-3`, … the first that is free, shortened if needed to stay a valid id. */
export function freshId(id: string, taken: readonly string[]): string | undefined {
  const used = new Set(taken);
  for (let n = 2; n < 1000; n++) {
    const suffix = `-${n}`;
    const candidate = `${id.slice(0, 64 - suffix.length)}${suffix}`;
    if (!used.has(candidate) && isValidId(candidate)) return candidate;
  }
  return undefined;
}
