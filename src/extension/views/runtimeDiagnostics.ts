import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { Diagnostic } from '../../core/milestone/diagnostics';
import { Disposable } from '../lifecycle';
import { hasDenials, runtimeIssuesByFile } from '../model/runtimeIssues';
import type { SessionManager } from '../sessionManager';

export const RUNTIME_SOURCE = 'Milestone Agents (run)';

export function toVscodeDiagnostic(d: Diagnostic, source: string): vscode.Diagnostic {
  const range = new vscode.Range(d.range.start.line, d.range.start.character, d.range.end.line, Math.max(d.range.end.character, d.range.start.character + 1));
  const severity = d.severity === 'error' ? vscode.DiagnosticSeverity.Error : d.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information;
  const diag = new vscode.Diagnostic(range, d.message, severity);
  diag.source = source;
  diag.code = d.code;
  return diag;
}

/**
 * A milestone file's text as it reads now: the open editor's (unsaved changes included),
 * else the disk's; undefined when it cannot be read.
 */
export function milestoneText(file: string): string | undefined {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file);
  if (open) return open.getText();
  try {
    // Small, and read only while some task of its newest session has refused permissions.
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The dependency validator's findings during a run, on the milestone file: a failed task
 * blocking its dependents (for as long as it stays failed), a tool that went away, a cycle
 * written into the file. The language server reports the static ones already, so those are
 * left out here to avoid saying the same thing twice; they come back when the server stops
 * reporting them. And the permissions a task's coding agent was refused, on the task's id
 * where the file has it now: they follow edits of the file, and go once its
 * `allowed_tools` allows them (the quick fix in denialFixes.ts adds them there).
 */
export class RuntimeDiagnostics extends Disposable {
  private readonly collection = this._register(vscode.languages.createDiagnosticCollection('milestones-runtime'));
  /** Setting the collection fires onDidChangeDiagnostics too: unchanged content is not set again. */
  private last = '';

  constructor(private readonly sessions: SessionManager) {
    super();
    // Any event may change what still holds (a retried task is no longer failed), and the
    // findings are derived from the state: recomputing is cheap, setting them is deduplicated.
    this._register(sessions.onDidChange(() => this.update()));
    this._register(vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => this.sessions.sessions().some((s) => s.state.milestoneFile === u.fsPath))) this.update();
    }));
    // Refused permissions are placed on the file as it reads now: an edit moves (or allows) them.
    const edited = (doc: vscode.TextDocument): void => {
      if (doc.uri.scheme === 'file' && this.sessions.sessions().some((s) => s.state.milestoneFile === doc.uri.fsPath && hasDenials(s.state))) this.update();
    };
    this._register(vscode.workspace.onDidChangeTextDocument((e) => edited(e.document)));
    this._register(vscode.workspace.onDidCloseTextDocument(edited));
  }

  update(): void {
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const [file, issues] of runtimeIssuesByFile(this.sessions.sessions().map((s) => s.state), milestoneText)) {
      const uri = vscode.Uri.file(file);
      const others = vscode.languages.getDiagnostics(uri).filter((d) => d.source !== RUNTIME_SOURCE);
      const said = new Set(others.map((d) => `${String(typeof d.code === 'object' ? d.code.value : d.code)}:${d.range.start.line}`));
      byFile.set(uri.toString(), issues.filter((d) => !said.has(`${d.code}:${d.range.start.line}`)).map((d) => toVscodeDiagnostic(d, RUNTIME_SOURCE)));
    }
    const key = JSON.stringify([...byFile].map(([uri, list]) => [uri, list.map((d) => [d.code, d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character, d.message])]));
    if (key === this.last) return;
    this.last = key;
    this.collection.clear();
    for (const [uri, list] of byFile) if (list.length) this.collection.set(vscode.Uri.parse(uri), list);
  }
}
