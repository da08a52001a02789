import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { usableProfiles } from '../core/milestone/profiles';
import { SETTINGS_SECTION } from '../shared/languageProtocol';

/** The one typed view of the `milestones.*` settings. */
export class Settings {
  constructor(private readonly scope?: vscode.Uri) {}

  private get config(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(SETTINGS_SECTION, this.scope);
  }

  get maxExecutors(): number | undefined {
    const v = this.config.get<number | null>('maxExecutors');
    return typeof v === 'number' && v >= 1 ? Math.floor(v) : undefined;
  }

  /** Only the profiles the engine can run; the language server names the others in its log. */
  get agentProfiles(): Record<string, string[]> {
    const raw = this.config.get<unknown>('agentProfiles');
    return typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? usableProfiles(raw as Record<string, unknown>).profiles : {};
  }

  get autoCommit(): 'task' | 'threshold' | 'off' | undefined {
    const v = this.config.get<string>('autoCommit');
    return v === 'task' || v === 'threshold' || v === 'off' ? v : undefined;
  }

  get stallAlertMs(): number | undefined {
    const v = this.config.get<number | null>('stallAlertSeconds');
    return typeof v === 'number' && v > 0 ? v * 1000 : undefined;
  }

  get showStatusBar(): boolean {
    return this.config.get<boolean>('showStatusBar') ?? true;
  }

  get gitPath(): string | undefined {
    const v = this.config.get<string | null>('gitPath');
    return typeof v === 'string' && v.trim() ? v.trim() : undefined;
  }

  /**
   * Where task worktrees go, or undefined for the engine's default (under ~/.cache). A
   * leading `~` and a relative path are taken from the home folder (the extension host's
   * working directory means nothing to the user); the engine refuses a folder inside the
   * workspace.
   */
  get worktreesDirectory(): string | undefined {
    const v = this.config.get<string | null>('worktreesDirectory');
    if (typeof v !== 'string' || !v.trim()) return undefined;
    const raw = v.trim();
    const home = os.homedir();
    if (raw === '~') return home;
    if (raw.startsWith('~/') || raw.startsWith('~\\')) return path.join(home, raw.slice(2));
    return path.resolve(home, raw);
  }

  static affects(e: vscode.ConfigurationChangeEvent, key: string): boolean {
    return e.affectsConfiguration(`${SETTINGS_SECTION}.${key}`);
  }
}
