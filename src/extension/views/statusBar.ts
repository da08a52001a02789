import * as vscode from 'vscode';
import { countTasks } from '../../core/session/state';
import { Disposable } from '../lifecycle';
import type { SessionManager } from '../sessionManager';
import { Settings } from '../settings';
import { spendText, tokensText } from '../../shared/agentPresentation';
import { completedPercent, livenessOf, shownStatus } from '../../shared/presentation';

/**
 * `$(sync~spin) <milestone> 12/30 · 40%` while running; a check or an error at the end.
 * `spent`: what the session's agents have cost so far (`$0.0421`), once one has reported.
 */
export function statusText(s: { title: string; milestoneId: string; status: string }, done: number, total: number, spent: string | null = null): string {
  const percent = completedPercent({ completed: done, total });
  const icon = s.status === 'completed' ? '$(check)' : s.status === 'failed' ? '$(error)' : s.status === 'paused' || s.status === 'interrupted' ? '$(debug-pause)' : '$(sync~spin)';
  return `${icon} ${s.milestoneId || s.title} ${done}/${total} · ${percent}%${spent ? ` · ${spent}` : ''}`;
}

export class StatusBar extends Disposable {
  private readonly item = this._register(vscode.window.createStatusBarItem('milestones.status', vscode.StatusBarAlignment.Left, 10));

  constructor(private readonly sessions: SessionManager) {
    super();
    this.item.name = 'Milestone Agents';
    this.item.command = 'milestones.showDashboard';
    this._register(sessions.onDidChange(() => this.update()));
    this._register(sessions.onDidChangeSessions(() => this.update()));
    this._register(vscode.workspace.onDidChangeConfiguration((e) => Settings.affects(e, 'showStatusBar') && this.update()));
    this.update();
  }

  update(): void {
    const session = this.sessions.current();
    if (!session || !new Settings().showStatusBar) {
      this.item.hide();
      return;
    }
    const s = session.state;
    const c = countTasks(s);
    const liveness = livenessOf(session);
    const status = shownStatus(s.status, liveness);
    const spent = spendText(s);
    this.item.text = statusText({ ...s, status }, c.completed, c.total, spent);
    const cost = spent ? ` Agents spent ${spent} (tokens: ${tokensText(s.agentTotals.tokens)}).` : '';
    this.item.tooltip = `${s.title}: ${status}${liveness === 'elsewhere' ? ' (run by another process)' : ''} — ${c.completed} of ${c.total} tasks completed${c.failed ? `, ${c.failed} failed` : ''}.${cost}${s.pauseReason && status === 'paused' ? ` Paused: ${s.pauseReason.replace(/\.$/, '')}.` : ''} Click for the dashboard.`;
    this.item.backgroundColor = status === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.show();
  }
}
