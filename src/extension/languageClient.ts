import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { CloseAction, ErrorAction, LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { SETTINGS_SECTION, type MilestoneInitializationOptions } from '../shared/languageProtocol';
import { Disposable } from './lifecycle';

const MAX_RESTARTS = 4;
const RESTART_WINDOW_MS = 3 * 60_000;

/**
 * The client of the milestone language server (dist/server.js), over IPC. The server reuses
 * the engine's parser and validator, so the editor, the CLI and a run agree on every rule.
 */
export class MilestoneLanguageClient extends Disposable {
  private client: LanguageClient | undefined;
  private readonly restarts: number[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
  }

  async start(): Promise<void> {
    const serverModule = this.context.asAbsolutePath('dist/server.js');
    if (!existsSync(serverModule)) {
      this.log.error(`The milestone language server is missing (${serverModule}); reinstall the extension.`);
      return;
    }
    const serverOptions: ServerOptions = {
      run: { module: serverModule, transport: TransportKind.ipc },
      debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6011'] } },
    };
    // Untrusted workspaces get no `tool --version` runs: a workspace must not pick what executes.
    const initializationOptions: MilestoneInitializationOptions = { trusted: vscode.workspace.isTrusted };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: 'file', language: 'yaml', pattern: '**/.milestones/*.yaml' },
        { scheme: 'file', language: 'yaml', pattern: '**/.milestones/*.yml' },
      ],
      // No synchronize.fileEvents: the server registers its own watchers, scoped to the
      // workspace folders, and both would deliver every change twice.
      synchronize: { configurationSection: SETTINGS_SECTION },
      initializationOptions,
      diagnosticCollectionName: 'milestones',
      errorHandler: {
        error: () => ({ action: ErrorAction.Continue }),
        closed: () => {
          const now = Date.now();
          while (this.restarts.length && now - this.restarts[0]! > RESTART_WINDOW_MS) this.restarts.shift();
          this.restarts.push(now);
          if (this.restarts.length > MAX_RESTARTS) {
            void vscode.window.showErrorMessage('The milestone language server stopped 5 times in 3 minutes and will not be restarted. See "Milestone Agents" in the Output panel.', 'Restart Language Server').then((choice) => {
              if (choice) void vscode.commands.executeCommand('milestones.restartLanguageServer');
            });
            return { action: CloseAction.DoNotRestart };
          }
          return { action: CloseAction.Restart };
        },
      },
    };
    // The id is the settings section: the client reads its trace level from `<id>.trace.server`.
    this.client = new LanguageClient(SETTINGS_SECTION, 'Milestone Language Server', serverOptions, clientOptions);
    try {
      await this.client.start();
      this.log.info('Milestone language server started.');
    } catch (err) {
      this.log.error(`The milestone language server did not start: ${(err as Error).message}`);
    }
  }

  async restart(): Promise<void> {
    this.restarts.length = 0;
    await this.stop();
    await this.start();
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await client.stop().catch(() => undefined);
  }

  override dispose(): void {
    void this.stop();
    super.dispose();
  }
}
