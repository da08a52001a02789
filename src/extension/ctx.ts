import type * as vscode from 'vscode';
import type { GitLink } from './gitLink';
import type { MilestoneLanguageClient } from './languageClient';
import type { SessionManager } from './sessionManager';
import type { DashboardActions } from './views/dashboard';
import type { MilestonesTreeProvider } from './views/milestonesTree';

/** Everything the commands and views share, built once in activate(). */
export interface Ctx {
  extension: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  git: GitLink;
  sessions: SessionManager;
  milestonesView: MilestonesTreeProvider;
  languageClient: MilestoneLanguageClient;
  dashboardActions: DashboardActions;
}
