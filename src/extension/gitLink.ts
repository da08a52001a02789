import * as vscode from 'vscode';
import type { API, GitExtension, Repository } from '../@types/git';

/**
 * The link to VS Code's built-in Git extension: the git binary it uses, the repository it
 * reports for a folder, and a refresh after each auto-commit so Source Control is current.
 * Without the extension (disabled, or not there) everything falls back to `git` on PATH.
 */
export class GitLink {
  private api: API | undefined;

  constructor(private readonly log: vscode.LogOutputChannel) {}

  async connect(): Promise<void> {
    try {
      const ext = vscode.extensions.getExtension<GitExtension>('vscode.git');
      if (!ext) {
        this.log.info('The built-in Git extension is not installed: using git on PATH.');
        return;
      }
      const exports = ext.isActive ? ext.exports : await ext.activate();
      if (!exports.enabled) {
        this.log.info('The built-in Git extension is disabled: using git on PATH.');
        return;
      }
      this.api = exports.getAPI(1);
      this.log.info(`Using git from VS Code's Git extension: ${this.api.git.path}`);
    } catch (err) {
      this.log.warn(`Could not reach the Git extension (${(err as Error).message}): using git on PATH.`);
      this.api = undefined;
    }
  }

  get gitPath(): string | undefined {
    return this.api?.git.path;
  }

  repository(folder: vscode.Uri): Repository | undefined {
    return this.api?.getRepository(folder) ?? undefined;
  }

  /** Ask the Git extension to re-read the repository (after a commit made behind its back). */
  async refresh(folder: vscode.Uri): Promise<void> {
    const repo = this.repository(folder);
    if (!repo) return;
    try {
      await repo.status();
    } catch (err) {
      this.log.warn(`Git refresh failed: ${(err as Error).message}`);
    }
  }
}
