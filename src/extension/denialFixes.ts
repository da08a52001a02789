// The quick fix of a permission a task's coding agent was refused (the `permission-denied`
// warnings that runtimeDiagnostics.ts puts on the task's id): "Allow Bash for task deploy"
// adds the tool to the task's `allowed_tools` with a minimal edit, then offers to run the
// task again with it, through the same Retry Task command as the tree and the dashboard.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseMilestoneText } from '../core/milestone/parse';
import { Disposable } from './lifecycle';
import { allowToolEdit, exactRule, ruleAllows } from './model/allowedTools';
import { denialIssues, hasDenials, isDenialData, type DenialData } from './model/runtimeIssues';
import type { SessionManager } from './sessionManager';

const MILESTONE_FILES: vscode.DocumentSelector = [
  { scheme: 'file', language: 'yaml', pattern: '**/.milestones/*.yaml' },
  { scheme: 'file', language: 'yaml', pattern: '**/.milestones/*.yml' },
];

/** Run by the quick fix once its edit is in: not in the palette, it needs the fix's arguments. */
export const AFTER_ALLOWING_COMMAND = 'milestones.afterAllowingTool';

export interface AfterAllowing {
  file: string;
  sessionId: string;
  task: string;
  /** The rule added: `Bash`, or `Bash(git push origin main)`. */
  rule: string;
}

/** The statuses Retry Task runs a task again from (the command's own pick list). */
const RETRYABLE: ReadonlySet<string> = new Set(['failed', 'cancelled', 'skipped']);

export class DenialFixes extends Disposable implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  constructor(private readonly sessions: SessionManager) {
    super();
    this._register(vscode.languages.registerCodeActionsProvider(MILESTONE_FILES, this, DenialFixes.metadata));
    this._register(vscode.commands.registerCommand(AFTER_ALLOWING_COMMAND, (args: AfterAllowing) => this.afterAllowing(args)));
  }

  provideCodeActions(document: vscode.TextDocument, range: vscode.Range | vscode.Selection, context: vscode.CodeActionContext): vscode.CodeAction[] {
    if (context.only && !context.only.contains(vscode.CodeActionKind.QuickFix)) return [];
    const file = document.uri.fsPath;
    // The newest session of the file speaks for it, as in the Problems panel.
    const session = this.sessions.sessions().find((s) => s.state.milestoneFile === file);
    if (!session || !hasDenials(session.state)) return [];
    const text = document.getText();
    const issues = denialIssues(session.state, parseMilestoneText(text, file)).filter((d) => {
      const r = new vscode.Range(d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character);
      return r.intersection(range) !== undefined;
    });
    const actions: vscode.CodeAction[] = [];
    const offered = new Set<string>();
    const offer = (data: DenialData, rule: string, title: string, preferred: boolean): void => {
      const key = `${data.task}\u0000${rule}`;
      if (offered.has(key)) return;
      offered.add(key);
      const edit = allowToolEdit(text, data.task, rule);
      if (!edit) return;
      const action = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
      action.edit = new vscode.WorkspaceEdit();
      action.edit.replace(document.uri, new vscode.Range(document.positionAt(edit.start), document.positionAt(edit.end)), edit.newText);
      // Each refusal this rule allows: the fix clears them all.
      action.diagnostics = context.diagnostics.filter((d) => codeOf(d) === 'permission-denied' && issues.some((i) => i.message === d.message && isDenialData(i.data) && i.data.task === data.task && ruleAllows(rule, i.data)));
      action.isPreferred = preferred;
      const args: AfterAllowing = { file, sessionId: session.id, task: data.task, rule };
      action.command = { command: AFTER_ALLOWING_COMMAND, title: 'Offer to retry the task', arguments: [args] };
      actions.push(action);
    };
    for (const issue of issues) {
      if (!isDenialData(issue.data)) continue;
      const data = issue.data;
      offer(data, data.tool, `Allow ${data.tool} for task ${data.task}`, true);
      const exact = exactRule(data);
      if (exact) offer(data, exact, `Allow only ${exact} for task ${data.task}`, false);
    }
    return actions;
  }

  /**
   * The rule is in the file: saved, so that a resume (which reads the file again) runs the
   * task with it; then, for a task that can be retried, the offer to retry it.
   */
  private async afterAllowing({ file, sessionId, task, rule }: AfterAllowing): Promise<void> {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file);
    if (doc?.isDirty && !(await doc.save())) {
      void vscode.window.showWarningMessage(`${rule} is allowed for task "${task}" in the editor, but ${path.basename(file)} could not be saved: save it before the task runs again.`);
      return;
    }
    const session = this.sessions.get(sessionId);
    const status = session?.state.tasks.get(task)?.status;
    const allowed = `${rule} is allowed for task "${task}"`;
    if (!session || status === undefined || !RETRYABLE.has(status)) {
      void vscode.window.setStatusBarMessage(`$(check) ${allowed} from its next run.`, 5000);
      return;
    }
    if (session.liveElsewhere && !session.coordinator) {
      void vscode.window.showInformationMessage(`${allowed} from its next run. Session ${session.id} is run by another process: once it ends, resume it (Milestone Agents: Resume Session, or \`milestone-agents resume ${session.id}\`) to run the task again.`);
      return;
    }
    const retry = session.coordinator ? 'Retry Task' : 'Resume Session';
    const how = session.coordinator ? `Retry it now?` : `Its session is not running: resume it to run the task again?`;
    const choice = await vscode.window.showInformationMessage(`${allowed}. ${how}`, retry);
    if (choice === retry) await vscode.commands.executeCommand('milestones.retryTask', { kind: 'task', sessionId: session.id, taskId: task });
  }
}

function codeOf(d: vscode.Diagnostic): string | number | undefined {
  return typeof d.code === 'object' ? d.code.value : d.code;
}
