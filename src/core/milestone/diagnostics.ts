/** Zero-based, like LSP, so the language server passes ranges through unchanged. */
export interface Position {
  line: number;
  character: number;
}
export interface Range {
  start: Position;
  end: Position;
}
export type Severity = 'error' | 'warning' | 'info';

/** Stable rule codes: the language server, the CLI and quick fixes key on these. */
export type DiagnosticCode =
  | 'yaml-syntax'
  | 'unknown-key'
  | 'wrong-type'
  | 'missing-field'
  | 'invalid-value'
  | 'invalid-id'
  | 'id-mismatch'
  | 'duplicate-id'
  | 'unknown-dependency'
  | 'dependency-cycle'
  | 'tool-missing'
  | 'tool-version'
  | 'invalid-requirement'
  | 'cwd-outside-workspace'
  | 'risky-command'
  | 'unknown-agent-profile'
  | 'task-command'
  | 'isolation-ignored'
  | 'agent-only'
  | 'permission-denied'
  | 'blocked-by-failure';

export interface Diagnostic {
  file: string;
  range: Range;
  severity: Severity;
  code: DiagnosticCode;
  message: string;
  /** Extra facts for quick fixes, e.g. the edge of a cycle or the suggested key. */
  data?: Record<string, unknown>;
}

export const ZERO_RANGE: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** `file:line:col: severity [code] message`, one-based like compilers print it. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity} [${d.code}] ${d.message}`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}
