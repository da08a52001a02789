import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseMilestoneText } from '../../core/milestone/parse';
import { Disposable } from '../lifecycle';

export interface MilestoneFileNode {
  uri: vscode.Uri;
  id: string;
  title: string;
  tasks: number;
  valid: boolean;
}

/** Reads the milestone files of the workspace (title and task count) for pickers and the view. */
/** The milestone files in the workspace folders' own .milestones/, read directly (fast). */
export async function topLevelMilestoneFiles(): Promise<vscode.Uri[]> {
  const direct = await Promise.all(
    (vscode.workspace.workspaceFolders ?? []).map(async (f) => {
      const dir = path.join(f.uri.fsPath, '.milestones');
      const names = await fs.readdir(dir).catch(() => [] as string[]);
      return names.filter((n) => /\.ya?ml$/.test(n)).map((n) => vscode.Uri.file(path.join(dir, n)));
    }),
  );
  return direct.flat();
}

export async function findMilestoneFiles(): Promise<MilestoneFileNode[]> {
  // The file search adds milestones kept deeper (a monorepo's packages); it can be slow to
  // start, or unavailable, so the folders' own .milestones/ are read directly as well.
  const [direct, searched] = await Promise.all([topLevelMilestoneFiles(), Promise.resolve(vscode.workspace.findFiles('**/.milestones/*.{yaml,yml}', '**/node_modules/**', 500)).catch(() => [] as vscode.Uri[])]);
  const byPath = new Map([...direct, ...searched].map((u) => [u.fsPath, u]));
  const uris = [...byPath.values()];
  const nodes = await Promise.all(
    uris.map(async (uri) => {
      try {
        const text = Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8');
        const parsed = parseMilestoneText(text, uri.fsPath);
        return { uri, id: parsed.milestone.id, title: parsed.milestone.title, tasks: parsed.milestone.tasks.length, valid: !parsed.diagnostics.some((d) => d.severity === 'error') };
      } catch {
        return { uri, id: path.basename(uri.fsPath).replace(/\.ya?ml$/, ''), title: '(unreadable)', tasks: 0, valid: false };
      }
    }),
  );
  return nodes.sort((a, b) => a.uri.fsPath.localeCompare(b.uri.fsPath));
}

/** The Milestones view: one item per `.milestones/*.yaml`, with a Start action. */
export class MilestonesTreeProvider extends Disposable implements vscode.TreeDataProvider<MilestoneFileNode> {
  private readonly changed = this._register(new vscode.EventEmitter<undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private readonly countChanged = this._register(new vscode.EventEmitter<number>());
  /** Fires with the number of milestone files whenever the view reloads them. */
  readonly onDidChangeCount = this.countChanged.event;

  constructor() {
    super();
    const watcher = this._register(vscode.workspace.createFileSystemWatcher('**/.milestones/*.{yaml,yml}'));
    for (const ev of [watcher.onDidCreate, watcher.onDidChange, watcher.onDidDelete]) this._register(ev(() => this.refresh()));
  }

  /** Reloads the view, and counts the files even while the view is hidden (for `when` clauses). */
  refresh(): void {
    this.changed.fire(undefined);
    // The direct look answers first, so `when` clauses do not wait for the file search.
    void topLevelMilestoneFiles().then((files) => files.length && this.countChanged.fire(files.length));
    void findMilestoneFiles().then((files) => this.countChanged.fire(files.length));
  }

  async getChildren(element?: MilestoneFileNode): Promise<MilestoneFileNode[]> {
    if (element) return [];
    const files = await findMilestoneFiles();
    this.countChanged.fire(files.length);
    return files;
  }

  getTreeItem(node: MilestoneFileNode): vscode.TreeItem {
    const item = new vscode.TreeItem(node.title, vscode.TreeItemCollapsibleState.None);
    item.id = node.uri.toString();
    item.description = `${node.id} · ${node.tasks} task${node.tasks === 1 ? '' : 's'}${node.valid ? '' : ' · has errors'}`;
    item.tooltip = `${vscode.workspace.asRelativePath(node.uri)}\n${node.tasks} tasks${node.valid ? '' : '\nThe file has errors: see the Problems panel.'}`;
    item.iconPath = new vscode.ThemeIcon(node.valid ? 'milestone' : 'warning', node.valid ? undefined : new vscode.ThemeColor('problemsWarningIcon.foreground'));
    item.resourceUri = node.uri;
    item.contextValue = 'milestoneFile';
    item.command = { command: 'vscode.open', title: 'Open', arguments: [node.uri] };
    return item;
  }
}
