import * as vscode from 'vscode';
import { Disposable } from '../lifecycle';
import { hasCountdown } from '../../shared/agentPresentation';
import { livenessOf } from '../../shared/presentation';
import { children, sessionNode, type Liveness, type TreeNode } from '../model/treeModel';
import type { SessionManager } from '../sessionManager';

const MAX_SESSIONS = 5;

const TASK_ICONS: Record<string, [string, string?]> = {
  completed: ['pass', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  running: ['sync~spin', 'charts.blue'],
  queued: ['clock', 'charts.yellow'],
  retrying: ['refresh', 'charts.yellow'],
  // Not failed, not the user's to act on: it runs again by itself once the quota allows.
  waiting_quota: ['watch', 'charts.orange'],
  pending: ['circle-outline'],
  skipped: ['circle-slash', 'disabledForeground'],
  cancelled: ['close', 'disabledForeground'],
  interrupted: ['debug-disconnect', 'charts.yellow'],
  needs_merge: ['git-merge', 'charts.orange'],
  in_review: ['eye', 'charts.purple'],
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

/** A running task whose agent retries an API request: still spinning, in the color of waiting. */
const API_RETRY_ICON: [string, string] = ['sync~spin', 'charts.yellow'];

/** How often a countdown on screen ("next try in 40s") is redrawn, while there is one. */
const COUNTDOWN_MS = 1000;

const icon = ([id, color]: [string, string?]): vscode.ThemeIcon => new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined);

/** Session → agents → tasks, refreshed from session events (never on a timer). */
export class AgentsTreeProvider extends Disposable implements vscode.TreeDataProvider<TreeNode> {
  private readonly changed = this._register(new vscode.EventEmitter<TreeNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;

  private refreshTimer: NodeJS.Timeout | undefined;
  private readonly dirty = new Set<string>();
  private rootsDirty = false;
  /** One object per node key, updated in place: the tree view knows elements by identity. */
  private readonly nodes = new Map<string, TreeNode>();
  /** Sessions whose countdowns are redrawn soon. */
  private readonly ticks = new Map<string, NodeJS.Timeout>();

  constructor(private readonly sessions: SessionManager) {
    super();
    this._register(sessions.onDidChange(({ session }) => this.refresh(session.id)));
    this._register(sessions.onDidChangeSessions(() => this.refresh()));
    this._register({ dispose: () => this.refreshTimer && clearTimeout(this.refreshTimer) });
    this._register({ dispose: () => this.ticks.forEach((t) => clearTimeout(t)) });
  }

  /**
   * A quota wait or an API retry counts down in its row: the one thing in the tree drawn
   * again by the clock rather than by an event, and only while such a countdown is shown.
   */
  private tickSoon(sessionId: string): void {
    if (this.ticks.has(sessionId)) return;
    this.ticks.set(sessionId, setTimeout(() => {
      this.ticks.delete(sessionId);
      this.refresh(sessionId);
    }, COUNTDOWN_MS));
  }

  /**
   * At most one refresh per short window, and only of the sessions that changed: a refresh
   * of the whole tree drops the view's handles for a moment, and an inline action clicked
   * just then would reach its command without its task.
   */
  private refresh(sessionId?: string): void {
    if (sessionId) this.dirty.add(sessionId);
    else this.rootsDirty = true;
    this.refreshTimer ??= setTimeout(() => {
      this.refreshTimer = undefined;
      const ids = [...this.dirty];
      this.dirty.clear();
      const whole = this.rootsDirty || ids.some((id) => !this.nodes.has(`session:${id}`));
      this.rootsDirty = false;
      if (whole) {
        this.changed.fire(undefined);
        return;
      }
      // A refreshed element gets getTreeItem again, not getChildren of its parent: bring the
      // session node itself up to date first.
      const model = this.model();
      for (const id of ids) {
        const entry = model.find((m) => m.state.id === id);
        if (entry) this.changed.fire(this.intern(sessionNode(entry.state, entry.liveness)));
      }
    }, 100);
  }

  private intern(node: TreeNode): TreeNode {
    const known = this.nodes.get(node.key);
    if (!known) {
      this.nodes.set(node.key, node);
      return node;
    }
    Object.assign(known, node);
    return known;
  }

  private model(): { state: import('../../core/session/state').SessionState; liveness: Liveness }[] {
    return this.sessions
      .sessions()
      .slice(0, MAX_SESSIONS)
      .map((s) => ({ state: s.state, liveness: livenessOf(s) }));
  }

  getChildren(element?: TreeNode): TreeNode[] {
    const model = this.model();
    const now = Date.now();
    if (element) {
      const entry = model.find((m) => m.state.id === element.sessionId);
      if (entry && hasCountdown(entry.state, now)) this.tickSoon(entry.state.id);
    }
    return children(model, element, now).map((n) => this.intern(n));
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const look = this.look(node);
    const item = new vscode.TreeItem(node.label, look.collapsible);
    // The view keeps the collapsed state of an id it knows: a task row that now has its
    // conflicting files under it gets an id of its own, so that it opens on them.
    item.id = node.kind === 'task' && node.conflicts.length ? `${node.key}#conflicts` : node.key;
    item.description = node.description;
    if (node.kind !== 'group') item.tooltip = node.tooltip;
    item.iconPath = look.icon;
    item.contextValue = look.contextValue;
    if (node.kind === 'task') item.command = { command: 'milestones.openTaskLog', title: 'Open Task Log', arguments: [node] };
    if (node.kind === 'conflict') item.command = { command: 'milestones.openConflict', title: 'Open Conflict in Merge Editor', arguments: [node] };
    return item;
  }

  /** What sets the kinds of node apart: whether it opens, its icon, and the `viewItem` its actions match. */
  private look(node: TreeNode): { collapsible: vscode.TreeItemCollapsibleState; icon: vscode.ThemeIcon; contextValue: string } {
    const { Collapsed, Expanded, None } = vscode.TreeItemCollapsibleState;
    switch (node.kind) {
      case 'session':
        return {
          collapsible: node.sessionId === this.sessions.current()?.id ? Expanded : Collapsed,
          icon: icon(SESSION_ICONS[node.status] ?? ['circle-outline']),
          contextValue: node.contextValue,
        };
      case 'agent': {
        const color = node.status === 'busy' ? 'charts.blue' : node.status === 'terminated' ? 'disabledForeground' : node.health === 'degraded' ? 'charts.yellow' : 'testing.iconPassed';
        return { collapsible: Collapsed, icon: icon([AGENT_ICONS[node.agentKind] ?? 'circle-outline', color]), contextValue: `agent.${node.agentKind}.${node.status}` };
      }
      case 'group':
        return { collapsible: Expanded, icon: icon(['list-tree']), contextValue: 'tasks' };
      case 'task':
        return { collapsible: node.conflicts.length ? Expanded : None, icon: icon(node.apiRetry ? API_RETRY_ICON : (TASK_ICONS[node.status] ?? ['circle-outline'])), contextValue: node.contextValue };
      case 'conflict':
        return { collapsible: None, icon: icon(['diff', 'charts.orange']), contextValue: node.contextValue };
    }
  }
}
