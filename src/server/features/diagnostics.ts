import { DiagnosticSeverity, type Diagnostic as LspDiagnostic, type DiagnosticRelatedInformation } from 'vscode-languageserver';
import type { Diagnostic, Range, Severity } from '../../core/milestone/diagnostics';
import { checkTools, isWellFormed } from '../../core/milestone/validate';
import type { ToolChecker } from '../../core/milestone/tools';
import type { Analysis } from '../analysis';

/** The `source` of every diagnostic the server publishes, shown in the Problems panel. */
export const SOURCE = 'milestones';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

/**
 * Core diagnostics as LSP diagnostics. `code` and `data` pass through unchanged because the
 * code actions key on them; positions are already zero-based UTF-16, like LSP's.
 */
export function toLspDiagnostics(list: readonly Diagnostic[], uri: string): LspDiagnostic[] {
  return list.map((d) => {
    const out: LspDiagnostic = { range: d.range, severity: SEVERITY[d.severity], code: d.code, source: SOURCE, message: d.message };
    if (d.data) out.data = d.data;
    const related = relatedInformation(d, list, uri);
    if (related.length) out.relatedInformation = related;
    return out;
  });
}

/** The places a diagnostic talks about: the first use of a duplicate id, the other edges of a cycle. */
function relatedInformation(d: Diagnostic, all: readonly Diagnostic[], uri: string): DiagnosticRelatedInformation[] {
  if (d.code === 'duplicate-id' && isRange(d.data?.first)) {
    return [{ location: { uri, range: d.data.first }, message: `"${String(d.data.id)}" is first used here` }];
  }
  if (d.code === 'dependency-cycle' && Array.isArray(d.data?.cycle)) {
    const cycle = (d.data.cycle as unknown[]).join('\u0000');
    return all
      .filter((o) => o !== d && o.code === 'dependency-cycle' && Array.isArray(o.data?.cycle) && (o.data.cycle as unknown[]).join('\u0000') === cycle)
      .map((o) => ({ location: { uri, range: o.range }, message: `"${String(o.data?.from)}" depends on "${String(o.data?.to)}"` }));
  }
  return [];
}

function isRange(v: unknown): v is Range {
  const r = v as Range | undefined;
  return typeof r?.start?.line === 'number' && typeof r.start.character === 'number' && typeof r.end?.line === 'number' && typeof r.end.character === 'number';
}

/**
 * `requires` and the agent programs, looked up on PATH (and run for `--version`): slow
 * compared with the other checks, so they run after those are published.
 */
export async function toolDiagnostics(analysis: Analysis, checker: ToolChecker, envPath?: string): Promise<Diagnostic[]> {
  if (!isWellFormed(analysis.parsed)) return [];
  return checkTools(analysis.parsed, checker, {
    workspace: analysis.workspace,
    ...(analysis.options.profiles ? { profiles: analysis.options.profiles } : {}),
    ...(envPath !== undefined ? { envPath } : {}),
  });
}
