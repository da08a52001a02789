import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DirtyWorkingTreeError, MilestoneInvalidError, PreconditionError } from '../core/coordinator/errors';
import type { CoordinatorOptions } from '../core/coordinator/options';
import { isValidId, ID_RULE } from '../core/ids';
import { parseMilestoneText } from '../core/milestone/parse';
import { validateMilestoneFile } from '../core/milestone/validate';
import { isMilestoneFile } from '../core/milestone/workspace';
import { SessionLockedError } from '../core/session/lock';
import type { Ctx } from './ctx';
import { mergeCommandTable, type MergeHelpers } from './mergeCommands';
import type { ConflictNode, TaskNode, TreeNode } from './model/treeModel';
import type { SessionEntry } from './sessionManager';
import { Settings } from './settings';
import { milestoneTemplate } from './template';
import { taskStatusLabel } from '../shared/presentation';
import { Dashboard } from './views/dashboard';
import { findMilestoneFiles, type MilestoneFileNode } from './views/milestonesTree';

type Handler = (...args: unknown[]) => unknown;

/** A task's row, or a row under it (a conflicted file): either names the task. */
const isTaskNode = (v: unknown): v is TaskNode | ConflictNode => typeof v === 'object' && v !== null && ((v as TreeNode).kind === 'task' || (v as TreeNode).kind === 'conflict');
const isFileNode = (v: unknown): v is MilestoneFileNode => typeof v === 'object' && v !== null && (v as MilestoneFileNode).uri instanceof vscode.Uri && 'tasks' in v;

/** Nothing runs in Restricted Mode: say so, and offer the way out. */
export function requireTrust(what: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showWarningMessage(`${what} is not possible in Restricted Mode: running a milestone runs its commands. Trust this workspace to run milestones; existing sessions stay visible meanwhile.`, 'Manage Workspace Trust').then((choice) => {
    if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return false;
}

async function pickMilestoneFile(placeHolder: string): Promise<vscode.Uri | undefined> {
  const files = await findMilestoneFiles();
  if (files.length === 0) {
    const choice = await vscode.window.showInformationMessage('There are no milestone files (.milestones/*.yaml) in this workspace.', 'New Milestone');
    if (choice) await vscode.commands.executeCommand('milestones.newMilestone');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    files.map((f) => ({ label: f.title, description: `${f.id} · ${f.tasks} task${f.tasks === 1 ? '' : 's'}${f.valid ? '' : ' · has errors'}`, detail: vscode.workspace.asRelativePath(f.uri), uri: f.uri })),
    { placeHolder, matchOnDescription: true, matchOnDetail: true },
  );
  return picked?.uri;
}

function fileArg(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri && isMilestoneFile(arg.fsPath)) return arg;
  if (isFileNode(arg)) return arg.uri;
  return undefined;
}

async function pickSession(list: SessionEntry[], placeHolder: string): Promise<SessionEntry | undefined> {
  if (list.length <= 1) return list[0];
  const picked = await vscode.window.showQuickPick(
    list.map((s) => ({ label: s.state.title || s.state.milestoneId, description: `${s.state.status} · ${s.id}`, session: s })),
    { placeHolder },
  );
  return picked?.session;
}

async function pickTask(ctx: Ctx, arg: unknown, statuses: readonly string[], placeHolder: string): Promise<{ session: SessionEntry; task: string } | undefined> {
  if (isTaskNode(arg)) {
    const session = ctx.sessions.get(arg.sessionId);
    return session ? { session, task: arg.taskId } : undefined;
  }
  const session = ctx.sessions.current();
  if (!session) {
    void vscode.window.showInformationMessage('There is no milestone session yet.');
    return undefined;
  }
  const tasks = session.state.taskOrder.map((id) => session.state.tasks.get(id)).filter((t) => t && statuses.includes(t.status));
  if (tasks.length === 0) {
    void vscode.window.showInformationMessage(`No task of "${session.state.title}" is ${statuses.map(taskStatusLabel).join(' or ')}.`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    tasks.map((t) => ({ label: t!.id, description: `${taskStatusLabel(t!.status)}${t!.title !== t!.id ? ` · ${t!.title}` : ''}`, detail: t!.message ?? undefined })),
    { placeHolder },
  );
  return picked ? { session, task: picked.label } : undefined;
}

async function startMilestone(ctx: Ctx, uri: vscode.Uri, allowDirty = false): Promise<void> {
  try {
    const session = await ctx.sessions.start(uri, allowDirty ? { allowDirty: true } : {});
    void vscode.commands.executeCommand('milestones.agents.focus');
    void vscode.window.setStatusBarMessage(`$(play) Started ${session.state.title || session.state.milestoneId}`, 4000);
  } catch (err) {
    await reportStartError(ctx, err, uri);
  }
}

async function reportStartError(ctx: Ctx, err: unknown, uri: vscode.Uri): Promise<void> {
  ctx.log.error(`Could not start ${uri.fsPath}: ${(err as Error).message}`);
  if (err instanceof MilestoneInvalidError) {
    const errors = err.diagnostics.filter((d) => d.severity === 'error');
    const first = errors[0];
    const choice = await vscode.window.showErrorMessage(
      `${path.basename(uri.fsPath)} is not a valid milestone: ${errors.length} error${errors.length === 1 ? '' : 's'}${first ? `, first on line ${first.range.start.line + 1}: ${first.message}` : ''}`,
      'Show Problems',
      'Open File',
    );
    if (choice === 'Show Problems') await vscode.commands.executeCommand('workbench.actions.view.problems');
    if (choice === 'Open File') await vscode.window.showTextDocument(uri, { selection: first ? new vscode.Range(first.range.start.line, first.range.start.character, first.range.end.line, first.range.end.character) : undefined });
    return;
  }
  if (err instanceof DirtyWorkingTreeError) {
    const choice = await vscode.window.showWarningMessage(err.message, 'Start Anyway', 'Open Source Control');
    if (choice === 'Start Anyway') await startMilestone(ctx, uri, true);
    if (choice === 'Open Source Control') await vscode.commands.executeCommand('workbench.view.scm');
    return;
  }
  if (err instanceof PreconditionError || err instanceof SessionLockedError) {
    void vscode.window.showWarningMessage(err.message);
    return;
  }
  void vscode.window.showErrorMessage(`Could not start the milestone: ${(err as Error).message}`, 'Show Log').then((c) => c && ctx.log.show());
}

async function resumeSession(ctx: Ctx, session: SessionEntry, extra: Partial<CoordinatorOptions> = {}): Promise<void> {
  try {
    await ctx.sessions.resume(session, extra);
    void vscode.commands.executeCommand('milestones.agents.focus');
  } catch (err) {
    await reportStartError(ctx, err, vscode.Uri.file(session.state.milestoneFile || session.workspace));
  }
}

export async function openTaskLog(session: SessionEntry, task: string): Promise<void> {
  const file = session.paths.logFile(task);
  try {
    await fs.access(file);
  } catch {
    void vscode.window.showInformationMessage(`Task "${task}" has no log yet: it has not started.`);
    return;
  }
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const editor = await vscode.window.showTextDocument(doc, { preview: true, preserveFocus: false });
  const end = doc.lineCount - 1;
  editor.revealRange(new vscode.Range(end, 0, end, 0), vscode.TextEditorRevealType.Default);
}

export async function retryTask(ctx: Ctx, session: SessionEntry, task: string): Promise<void> {
  if (!requireTrust('Retrying a task')) return;
  if (session.coordinator) {
    if (!session.coordinator.retryTask(task)) void vscode.window.showInformationMessage(`Task "${task}" cannot be retried now (it is ${session.state.tasks.get(task)?.status ?? 'unknown'}).`);
    return;
  }
  if (session.liveElsewhere) {
    void vscode.window.showInformationMessage(`Session ${session.id} is run by another process; retry the task there.`);
    return;
  }
  // A finished or interrupted session: resuming it runs every task that did not complete.
  await resumeSession(ctx, session);
}

export function cancelTask(session: SessionEntry, task: string): void {
  if (!session.coordinator) {
    void vscode.window.showInformationMessage(session.liveElsewhere ? `Session ${session.id} is run by another process; it can only be watched here.` : `Session ${session.id} is not running.`);
    return;
  }
  if (!session.coordinator.cancelTask(task)) void vscode.window.showInformationMessage(`Task "${task}" is not running or waiting.`);
}

async function revealTask(session: SessionEntry, task: string): Promise<void> {
  const file = session.state.milestoneFile;
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const parsed = parseMilestoneText(doc.getText(), file);
  const index = parsed.milestone.tasks.findIndex((t) => t.id === task);
  const r = index >= 0 ? parsed.rangeOf(['tasks', index, 'id']) : undefined;
  const range = r ? new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character) : undefined;
  await vscode.window.showTextDocument(doc, range ? { selection: range } : {});
  if (!range) void vscode.window.showInformationMessage(`Task "${task}" is no longer in ${path.basename(file)}.`);
}

async function newMilestone(ctx: Ctx): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    void vscode.window.showInformationMessage('Open a folder first: milestones live in its .milestones/ folder.');
    return;
  }
  const id = await vscode.window.showInputBox({
    title: 'New Milestone (1/2)',
    prompt: 'Milestone id: it names the file (.milestones/<id>.yaml) and the git branch',
    placeHolder: 'add-login',
    validateInput: async (value) => {
      if (!isValidId(value)) return `Use ${ID_RULE}.`;
      const exists = await vscode.workspace.fs.stat(vscode.Uri.joinPath(folder.uri, '.milestones', `${value}.yaml`)).then(() => true, () => false);
      return exists ? `.milestones/${value}.yaml already exists.` : undefined;
    },
  });
  if (!id) return;
  const title = await vscode.window.showInputBox({ title: 'New Milestone (2/2)', prompt: 'Title, in a few words', value: id.replace(/[-_.]+/g, ' ').replace(/^./, (c) => c.toUpperCase()) });
  if (title === undefined) return;
  const uri = vscode.Uri.joinPath(folder.uri, '.milestones', `${id}.yaml`);
  await vscode.workspace.fs.writeFile(uri, Buffer.from(milestoneTemplate(id, title || id), 'utf8'));
  ctx.milestonesView.refresh();
  await vscode.window.showTextDocument(uri);
}

async function validate(ctx: Ctx, arg: unknown): Promise<void> {
  const uri = fileArg(arg) ?? (vscode.window.activeTextEditor && isMilestoneFile(vscode.window.activeTextEditor.document.uri.fsPath) ? vscode.window.activeTextEditor.document.uri : await pickMilestoneFile('Validate which milestone?'));
  if (!uri) return;
  const settings = new Settings(uri);
  const result = await validateMilestoneFile(uri.fsPath, { profiles: settings.agentProfiles, tools: vscode.workspace.isTrusted });
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = result.diagnostics.length - errors;
  ctx.log.info(`Validated ${uri.fsPath}: ${errors} errors, ${warnings} warnings`);
  if (result.diagnostics.length === 0) {
    void vscode.window.showInformationMessage(`${path.basename(uri.fsPath)} is valid: ${result.milestone.tasks.length} tasks, ${result.milestone.quality.length} gates.`);
    return;
  }
  const choice = await vscode.window.showWarningMessage(`${path.basename(uri.fsPath)}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}.`, 'Show Problems');
  if (choice) await vscode.commands.executeCommand('workbench.actions.view.problems');
}

/** What the merge commands (mergeCommands.ts) share with these. */
export function mergeHelpers(ctx: Ctx): MergeHelpers {
  return {
    pickTask: (arg, statuses, placeHolder) => pickTask(ctx, arg, statuses, placeHolder),
    resume: (session, extra) => resumeSession(ctx, session, extra),
    requireTrust,
  };
}

/** Every contributed command and its handler, built over the one context object. */
export function commandTable(ctx: Ctx): Record<string, Handler> {
  const owned = async (placeHolder: string): Promise<SessionEntry | undefined> => {
    const s = await pickSession(ctx.sessions.running(), placeHolder);
    if (!s) void vscode.window.showInformationMessage('No milestone is running in this window.');
    return s;
  };
  return {
    'milestones.start': async (arg?: unknown) => {
      if (!requireTrust('Starting a milestone')) return;
      const uri = fileArg(arg) ?? (await pickMilestoneFile('Start which milestone?'));
      if (uri) await startMilestone(ctx, uri);
    },
    'milestones.stop': async () => {
      const s = await owned('Stop which session?');
      if (s?.coordinator) await s.coordinator.stop('stopped', 'stopped from VS Code');
    },
    'milestones.pause': async () => (await owned('Pause which session?'))?.coordinator?.pause(),
    'milestones.resume': async () => (await owned('Resume which session?'))?.coordinator?.resume(),
    'milestones.resumeInterrupted': async () => {
      if (!requireTrust('Resuming a session')) return;
      const list = ctx.sessions.interrupted();
      if (list.length === 0) {
        void vscode.window.showInformationMessage('There is no interrupted session to resume.');
        return;
      }
      const s = await pickSession(list, 'Resume which session?');
      if (s) await resumeSession(ctx, s);
    },
    'milestones.retryTask': async (arg?: unknown) => {
      // Refused before asking which task: there is nothing to pick in Restricted Mode.
      if (!requireTrust('Retrying a task')) return;
      const picked = await pickTask(ctx, arg, ['failed', 'cancelled', 'skipped'], 'Retry which task?');
      if (picked) await retryTask(ctx, picked.session, picked.task);
    },
    'milestones.cancelTask': async (arg?: unknown) => {
      const picked = await pickTask(ctx, arg, ['running', 'queued', 'pending', 'retrying', 'waiting_quota'], 'Cancel which task?');
      if (picked) cancelTask(picked.session, picked.task);
    },
    'milestones.openTaskLog': async (arg?: unknown) => {
      const picked = await pickTask(ctx, arg, ['running', 'completed', 'failed', 'retrying', 'waiting_quota', 'cancelled', 'needs_merge', 'in_review'], 'Open the log of which task?');
      if (picked) await openTaskLog(picked.session, picked.task);
    },
    'milestones.revealTask': async (arg?: unknown) => {
      const picked = await pickTask(ctx, arg, ['pending', 'queued', 'running', 'retrying', 'waiting_quota', 'completed', 'failed', 'skipped', 'cancelled', 'needs_merge', 'in_review'], 'Reveal which task?');
      if (picked) await revealTask(picked.session, picked.task);
    },
    'milestones.showDashboard': (arg?: unknown) => {
      const node = arg as TreeNode | undefined;
      const session = node && 'sessionId' in node ? ctx.sessions.get(node.sessionId) : ctx.sessions.current();
      Dashboard.show({ extensionUri: ctx.extension.extensionUri, sessions: ctx.sessions, actions: ctx.dashboardActions }, session);
    },
    'milestones.newMilestone': () => newMilestone(ctx),
    'milestones.validate': (arg?: unknown) => validate(ctx, arg),
    'milestones.refresh': () => ctx.milestonesView.refresh(),
    'milestones.showOutput': () => ctx.log.show(),
    'milestones.restartLanguageServer': () => ctx.languageClient.restart(),
    ...mergeCommandTable(ctx, mergeHelpers(ctx)),
  };
}
