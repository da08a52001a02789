import * as vscode from 'vscode';
import { commandTable, cancelTask, openTaskLog, retryTask } from './commands';
import { ContextKeys } from './contextKeys';
import type { Ctx } from './ctx';
import { GitLink } from './gitLink';
import { MilestoneLanguageClient } from './languageClient';
import { SessionManager } from './sessionManager';
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
    sessions,
    milestonesView,
    languageClient,
    dashboardActions: {
      openLog: (s, task) => openTaskLog(s, task),
      retryTask: (s, task) => retryTask(ctx, s, task),
      cancelTask: (s, task) => cancelTask(s, task),
    },
  };

  const agentsTree = new AgentsTreeProvider(sessions);
  context.subscriptions.push(
    agentsTree,
    vscode.window.createTreeView('milestones.agents', { treeDataProvider: agentsTree, showCollapseAll: true }),
    vscode.window.createTreeView('milestones.files', { treeDataProvider: milestonesView }),
    new StatusBar(sessions),
    new RuntimeDiagnostics(sessions),
    new ContextKeys(sessions, milestonesView),
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state: unknown) => {
        await ctx.sessions.scanned;
        Dashboard.revive(panel, { extensionUri: context.extensionUri, sessions: ctx.sessions, actions: ctx.dashboardActions }, state);
      },
    }),
  );
  for (const [id, handler] of Object.entries(commandTable(ctx))) context.subscriptions.push(vscode.commands.registerCommand(id, handler));

  context.subscriptions.push(
    sessions.onDidFinish(({ session, outcome }) => {
      const c = countTasks(session.state);
      const title = session.state.title || session.state.milestoneId;
      const actions = ['Show Dashboard', 'Open Log'];
      const show = outcome.status === 'completed'
        ? vscode.window.showInformationMessage(`Milestone "${title}" completed: ${c.completed}/${c.total} tasks.`, ...actions)
        : outcome.status === 'failed'
          ? vscode.window.showErrorMessage(`Milestone "${title}" failed: ${outcome.reason}.`, ...actions)
          : vscode.window.showWarningMessage(`Milestone "${title}" stopped (${outcome.reason}); it can be resumed.`, 'Resume', ...actions);
      void show.then(async (choice) => {
        if (choice === 'Show Dashboard') await vscode.commands.executeCommand('milestones.showDashboard');
        if (choice === 'Resume') await vscode.commands.executeCommand('milestones.resumeInterrupted');
        if (choice === 'Open Log') {
          const failed = [...session.state.tasks.values()].find((t) => t.status === 'failed');
          if (failed) await openTaskLog(session, failed.id);
          else log.show();
        }
      });
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      log.info('Workspace trusted: milestones can run now.');
      void languageClient?.restart();
    }),
  );

  milestonesView.refresh();
  await git.connect();
  await sessions.scan(vscode.workspace.workspaceFolders ?? []);
  void languageClient.start();
  offerResume(ctx);
}

/** Sessions found interrupted at start-up (a crash, a closed window) are offered for resume. */
function offerResume(ctx: Ctx): void {
  const interrupted = ctx.sessions.interrupted();
  const latest = interrupted[0];
  if (!latest || !vscode.workspace.isTrusted) return;
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
