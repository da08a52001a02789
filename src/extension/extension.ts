import * as vscode from 'vscode';
import { commandTable, cancelTask, mergeHelpers, openTaskLog, retryTask } from './commands';
import { ContextKeys } from './contextKeys';
import type { Ctx } from './ctx';
import { DenialFixes } from './denialFixes';
import { GitContentProvider, GIT_CONTENT_SCHEME } from './gitContent';
import { GitLink } from './gitLink';
import { MilestoneLanguageClient } from './languageClient';
import { openConflict, resolveTask, reviewChanges } from './mergeCommands';
import { SessionManager } from './sessionManager';
import { SessionNotices } from './sessionNotices';
import { Settings } from './settings';
import { AgentsTreeProvider } from './views/agentsTree';
import { Dashboard, DASHBOARD_VIEW_TYPE } from './views/dashboard';
import { MilestonesTreeProvider } from './views/milestonesTree';
import { RuntimeDiagnostics } from './views/runtimeDiagnostics';
import { StatusBar } from './views/statusBar';
import { countTasks } from '../core/session/state';

let sessions: SessionManager | undefined;
let languageClient: MilestoneLanguageClient | undefined;

/** The one composition root: builds the context, wires views and commands, and owns nothing else. */
export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('Milestone Agents', { log: true });
  context.subscriptions.push(log);
  log.info(`Activating Milestone Agents ${String((context.extension.packageJSON as { version?: string }).version)} (workspace ${vscode.workspace.isTrusted ? 'trusted' : 'in Restricted Mode'})`);

  const git = new GitLink(log);
  sessions = new SessionManager(context.extensionPath, log, git);
  const milestonesView = new MilestonesTreeProvider();
  languageClient = new MilestoneLanguageClient(context, log);
  context.subscriptions.push(sessions, milestonesView, languageClient);

  const ctx: Ctx = {
    extension: context,
    log,
    git,
    sessions,
    milestonesView,
    languageClient,
    dashboardActions: {
      openLog: (s, task) => openTaskLog(s, task),
      retryTask: (s, task) => retryTask(ctx, s, task),
      cancelTask: (s, task) => cancelTask(s, task),
      resolve: (s, task, how) => resolveTask(ctx, mergeHelpers(ctx), s, task, how),
      openConflict: (s, task) => openConflict(ctx, mergeHelpers(ctx), s, task),
      reviewChanges: (s, task) => reviewChanges(ctx, s, task),
    },
  };

  const agentsTree = new AgentsTreeProvider(sessions);
  const notices = new SessionNotices(ctx, mergeHelpers(ctx));
  context.subscriptions.push(
    agentsTree,
    vscode.window.createTreeView('milestones.agents', { treeDataProvider: agentsTree, showCollapseAll: true }),
    vscode.window.createTreeView('milestones.files', { treeDataProvider: milestonesView }),
    new StatusBar(sessions),
    new RuntimeDiagnostics(sessions),
    new DenialFixes(sessions),
    new ContextKeys(sessions, milestonesView),
    notices,
    vscode.workspace.registerTextDocumentContentProvider(GIT_CONTENT_SCHEME, new GitContentProvider(() => new Settings().gitPath ?? git.gitPath)),
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state: unknown) => {
        await ctx.sessions.scanned;
        Dashboard.revive(panel, { extensionUri: context.extensionUri, sessions: ctx.sessions, actions: ctx.dashboardActions }, state);
      },
    }),
  );
  for (const [id, handler] of Object.entries(commandTable(ctx))) context.subscriptions.push(vscode.commands.registerCommand(id, handler));

  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      log.info('Workspace trusted: milestones can run now.');
      void languageClient?.restart();
    }),
  );

  milestonesView.refresh();
  await git.connect();
  await sessions.scan(vscode.workspace.workspaceFolders ?? []);
  void languageClient.start();
  offerResume(ctx, notices);
}

/** Sessions found interrupted at start-up (a crash, a closed window) are offered for resume. */
function offerResume(ctx: Ctx, notices: SessionNotices): void {
  const interrupted = ctx.sessions.interrupted();
  const latest = interrupted[0];
  if (!latest || !vscode.workspace.isTrusted) return;
  // One that stopped for the user's merge or review goes on once that is resolved, not by a plain resume.
  const waiting = SessionNotices.waiting(latest);
  if (waiting.length) {
    void notices.waitsForUser(latest, latest.state.title || latest.state.milestoneId, waiting);
    return;
  }
  const c = countTasks(latest.state);
  void vscode.window
    .showInformationMessage(`Milestone "${latest.state.title || latest.state.milestoneId}" was interrupted with ${c.completed}/${c.total} tasks done. Resume it?`, 'Resume', 'Show Dashboard')
    .then(async (choice) => {
      if (choice === 'Resume') await vscode.commands.executeCommand('milestones.resumeInterrupted');
      if (choice === 'Show Dashboard') await vscode.commands.executeCommand('milestones.showDashboard');
    });
}

/** Running sessions are stopped (resumable), and the language server is shut down. */
export async function deactivate(): Promise<void> {
  await Promise.all([sessions?.stopAll(), languageClient?.stop()]);
}
