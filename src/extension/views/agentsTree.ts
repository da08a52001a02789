import * as vscode from 'vscode';
import { Disposable } from '../lifecycle';
import { children, type Liveness, type TreeNode } from '../model/treeModel';
import type { SessionManager } from '../sessionManager';

const MAX_SESSIONS = 5;

const TASK_ICONS: Record<string, [string, string?]> = {
  completed: ['pass', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  running: ['sync~spin', 'charts.blue'],
  queued: ['clock', 'charts.yellow'],
  retrying: ['refresh', 'charts.yellow'],
  pending: ['circle-outline'],
  skipped: ['circle-slash', 'disabledForeground'],
  cancelled: ['close', 'disabledForeground'],
};

const AGENT_ICONS: Record<string, string> = {
  executor: 'server-process',
  monitor: 'pulse',
  validator: 'checklist',
  git: 'git-branch',
  quality: 'beaker',
  safety: 'shield',
  workflow: 'debug-step-back',
};

const SESSION_ICONS: Record<string, [string, string?]> = {
  running: ['sync~spin', 'charts.blue'],
  starting: ['loading~spin'],
  paused: ['debug-pause', 'charts.yellow'],
  completed: ['pass-filled', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  interrupted: ['debug-disconnect', 'charts.yellow'],
};

const icon = ([id, color]: [string, string?]): vscode.ThemeIcon => new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined);

/** Session → agents → tasks, refreshed from session events (never on a timer). */
export class AgentsTreeProvider extends Disposable implements vscode.TreeDataProvider<TreeNode> {
  private readonly changed = this._register(new vscode.EventEmitter<TreeNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;

  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(private readonly sessions: SessionManager) {
    super();
    this._register(sessions.onDidChange(() => this.refresh()));
    this._register(sessions.onDidChangeSessions(() => this.refresh()));
    this._register({ dispose: () => this.refreshTimer && clearTimeout(this.refreshTimer) });
  }

  /**
   * One refresh per short window: the tree view asks for children asynchronously, and a
   * refresh landing in the middle of that makes it look up items that no longer exist.
   */
  private refresh(): void {
    this.refreshTimer ??= setTimeout(() => {
      this.refreshTimer = undefined;
      this.changed.fire(undefined);
    }, 100);
  }

  private model(): { state: import('../../core/session/state').SessionState; liveness: Liveness }[] {
    return this.sessions
      .sessions()
      .slice(0, MAX_SESSIONS)
      .map((s) => ({ state: s.state, liveness: s.coordinator ? 'here' : s.liveElsewhere ? 'elsewhere' : 'none' }));
  }

  getChildren(element?: TreeNode): TreeNode[] {
    return children(this.model(), element);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const newest = this.sessions.current()?.id;
    switch (node.kind) {
      case 'session': {
        const item = new vscode.TreeItem(node.label, node.sessionId === newest ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.key;
        item.description = node.description;
        item.tooltip = node.tooltip;
        item.iconPath = icon(SESSION_ICONS[node.status] ?? ['circle-outline']);
        item.contextValue = `session.${node.status}.${node.liveness}`;
        return item;
      }
      case 'agent': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.key;
        item.description = node.description;
        item.tooltip = node.tooltip;
        const color = node.health === 'unresponsive' ? 'testing.iconFailed' : node.status === 'busy' ? 'charts.blue' : node.status === 'terminated' ? 'disabledForeground' : node.health === 'degraded' ? 'charts.yellow' : 'testing.iconPassed';
        item.iconPath = new vscode.ThemeIcon(AGENT_ICONS[node.agentKind] ?? 'circle-outline', new vscode.ThemeColor(color));
        item.contextValue = `agent.${node.agentKind}.${node.status}`;
        return item;
      }
      case 'group': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
        item.id = node.key;
        item.description = node.description;
        item.iconPath = new vscode.ThemeIcon('list-tree');
        item.contextValue = 'tasks';
        return item;
      }
      case 'task': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.id = node.key;
        item.description = node.description;
        item.tooltip = node.tooltip;
        item.iconPath = icon(TASK_ICONS[node.status] ?? ['circle-outline']);
        item.contextValue = node.contextValue;
        item.command = { command: 'milestones.openTaskLog', title: 'Open Task Log', arguments: [node] };
        return item;
      }
    }
  }
}
