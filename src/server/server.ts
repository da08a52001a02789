// The language server process: wiring only. The rules live in ./features, where the unit
// tests reach them without a connection; this file connects them to LSP messages.
import {
  CodeActionKind,
  createConnection,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  ErrorCodes,
  FileChangeType,
  ProposedFeatures,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
  type ClientCapabilities,
  type Disposable,
  type FileEvent,
  type InitializeResult,
  type WorkspaceFolder,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { ToolChecker } from '../core/milestone/tools';
import { SETTINGS_SECTION, ValidateNowRequest, type MilestoneInitializationOptions } from '../shared/languageProtocol';
import { AnalysisCache, type Analysis } from './analysis';
import { Debouncer } from './debounce';
import { DiagnosticsPublisher } from './diagnosticsPublisher';
import { DiskFiles } from './diskFiles';
import { quickFixes } from './features/codeActions';
import { completionsAt } from './features/completion';
import { hoverAt } from './features/hover';
import { definitionAt, documentSymbols, prepareRenameAt, referencesAt, renameAt } from './features/navigation';
import { SessionInfo } from './features/sessionInfo';
import { classifyWatchedFile, milestoneFileOf } from './paths';
import { SettingsCache } from './settings';
import { fileWatchers } from './watchers';

/** Long enough to skip the keystrokes of a word, short enough to feel immediate. */
const TYPING_DEBOUNCE_MS = 200;

// With no arguments it reads --stdio, --node-ipc, --socket or --pipe from the command line,
// so the extension's launcher chooses the transport.
const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const log = (message: string): void => connection.console.log(message);

let client: ClientCapabilities = {};
let folders: WorkspaceFolder[] = [];
let fallbackSettings: unknown = undefined;
let trusted = true;
let retrigger = false;
let watcherRegistration: Promise<Disposable> | undefined;

const checker = new ToolChecker();
const analyses = new AnalysisCache();
const sessions = new SessionInfo(log);
const debouncer = new Debouncer<string>(TYPING_DEBOUNCE_MS);
/** Open milestone documents: URI → file path. */
const opened = new Map<string, string>();
const settings = new SettingsCache(
  (uri) => (client.workspace?.configuration ? connection.workspace.getConfiguration({ scopeUri: uri, section: SETTINGS_SECTION }) : Promise.resolve(fallbackSettings)),
  (message) => connection.console.warn(message),
);
// Milestone files no editor has open, so the Problems panel lists every file's problems.
const disk = new DiskFiles({
  isOpen: (file) => [...opened.values()].includes(file),
  options: (uri) => settings.optionsFor(uri),
  log,
});
const publisher = new DiagnosticsPublisher({
  checker,
  // A failed send means the connection is gone, and the process with it.
  send: (uri, version, diagnostics) => void connection.sendDiagnostics({ uri, ...(version !== undefined ? { version } : {}), diagnostics }).catch(() => undefined),
  toolsAllowed: () => trusted,
  log,
});

async function analysisOf(uri: string): Promise<Analysis | undefined> {
  const file = milestoneFileOf(uri);
  if (!file) return undefined;
  const options = await settings.optionsFor(uri);
  // Read the document after the wait: it may have changed while the settings came in.
  const document = documents.get(uri);
  return document ? analyses.get(document, file, options) : undefined;
}

async function validate(uri: string): Promise<void> {
  const analysis = await analysisOf(uri);
  if (analysis) await publisher.publish(analysis);
}

async function validateFromDisk(uri: string): Promise<void> {
  const read = await disk.read(uri);
  if (read.kind === 'analysis') await publisher.publish(read.analysis, 'disk');
  else if (read.kind === 'clear') publisher.forget(uri);
}

/** Whichever copy speaks for the file when the timer fires: the open buffer, else the disk. */
function revalidate(uri: string): Promise<void> {
  return opened.has(uri) ? validate(uri) : validateFromDisk(uri);
}

const reportFailure =
  (uri: string) =>
  (err: unknown): void =>
    log(`Validation of ${uri} failed: ${String(err)}`);

function scheduleValidation(uri: string): void {
  debouncer.schedule(uri, () => void revalidate(uri).catch(reportFailure(uri)));
}

function revalidateAll(): void {
  for (const uri of [...opened.keys(), ...disk.closedUris()]) scheduleValidation(uri);
}

const reportFolderFailure =
  (folderUri: string) =>
  (err: unknown): void =>
    log(`Could not validate the milestone files of ${folderUri}: ${String(err)}`);

async function followFolder(folderUri: string): Promise<void> {
  const uris = await disk.addFolder(folderUri);
  await Promise.all(uris.map((uri) => validateFromDisk(uri).catch(reportFailure(uri))));
}

function unfollowFolder(folderUri: string): void {
  for (const uri of disk.removeFolder(folderUri)) {
    debouncer.cancel(uri);
    publisher.forget(uri);
  }
}

/** A watcher's news about a milestone file: a deleted one that is not open shows nothing any more. */
function followWatchedMilestone(change: FileEvent): void {
  if (change.type !== FileChangeType.Deleted) {
    disk.changed(change.uri);
  } else if (disk.deleted(change.uri)) {
    debouncer.cancel(change.uri);
    publisher.forget(change.uri);
  }
}

async function registerWatchers(): Promise<void> {
  if (!client.workspace?.didChangeWatchedFiles?.dynamicRegistration) return;
  const previous = watcherRegistration;
  watcherRegistration = connection.client.register(DidChangeWatchedFilesNotification.type, {
    watchers: fileWatchers(folders, client.workspace.didChangeWatchedFiles.relativePatternSupport === true),
  });
  (await previous)?.dispose();
}

connection.onInitialize((params): InitializeResult => {
  client = params.capabilities;
  folders = params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri, name: params.rootUri }] : []);
  const options = params.initializationOptions as MilestoneInitializationOptions | undefined;
  fallbackSettings = options?.settings;
  trusted = options?.trusted !== false;
  // The "suggest again" command after a key is VS Code's; other clients would not know it.
  retrigger = /code/i.test(params.clientInfo?.name ?? '');
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      completionProvider: { triggerCharacters: [' ', '[', ','], resolveProvider: false },
      hoverProvider: true,
      definitionProvider: true,
      referencesProvider: true,
      documentSymbolProvider: true,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix], resolveProvider: false },
      renameProvider: { prepareProvider: true },
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    },
    serverInfo: { name: 'milestones-language-server' },
  };
});

connection.onInitialized(() => {
  if (client.workspace?.didChangeConfiguration?.dynamicRegistration) {
    connection.client.register(DidChangeConfigurationNotification.type, { section: SETTINGS_SECTION }).catch((err: unknown) => log(`Could not follow settings changes: ${String(err)}`));
  }
  void registerWatchers().catch((err: unknown) => log(`Could not watch milestone files: ${String(err)}`));
  // Not awaited: initialization must not wait for the disk, and each file publishes when ready.
  for (const f of folders) void followFolder(f.uri).catch(reportFolderFailure(f.uri));
  if (client.workspace?.workspaceFolders) {
    connection.workspace.onDidChangeWorkspaceFolders((e) => {
      folders = [...folders.filter((f) => !e.removed.some((r) => r.uri === f.uri)), ...e.added];
      void registerWatchers().catch((err: unknown) => log(`Could not watch milestone files: ${String(err)}`));
      for (const f of e.removed) unfollowFolder(f.uri);
      for (const f of e.added) void followFolder(f.uri).catch(reportFolderFailure(f.uri));
    });
  }
});

documents.onDidChangeContent(({ document }) => {
  const file = milestoneFileOf(document.uri);
  if (!file) return;
  if (opened.has(document.uri)) {
    scheduleValidation(document.uri);
    return;
  }
  // Just opened: show its problems at once, there is no typing to wait for.
  opened.set(document.uri, file);
  void validate(document.uri).catch(reportFailure(document.uri));
});

documents.onDidClose(({ document }) => {
  if (!opened.delete(document.uri)) return;
  debouncer.cancel(document.uri);
  analyses.delete(document.uri);
  // Unsaved edits were discarded with the buffer: the disk copy speaks for the file again
  // (or nothing does, when it is gone or outside the workspace folders).
  void validateFromDisk(document.uri).catch(reportFailure(document.uri));
});

connection.onDidChangeConfiguration((params) => {
  if (!client.workspace?.configuration) fallbackSettings = (params.settings as Record<string, unknown> | undefined)?.[SETTINGS_SECTION];
  settings.reset();
  revalidateAll();
});

connection.onDidChangeWatchedFiles(({ changes }) => {
  let milestonesChanged = false;
  for (const change of changes) {
    const what = classifyWatchedFile(change.uri);
    if (what.kind === 'session') sessions.invalidate(what.workspace);
    if (what.kind === 'milestone') {
      milestonesChanged = true;
      followWatchedMilestone(change);
    }
  }
  // A journal line is appended many times a second during a run; only a milestone file
  // change is worth new tool lookups and a new validation — of every file, open or on disk:
  // it is what a rule that looks beyond its own file would need, and milestone files are few.
  if (milestonesChanged) {
    checker.clear();
    revalidateAll();
  }
});

connection.onCompletion(async ({ textDocument, position }) => {
  const analysis = await analysisOf(textDocument.uri);
  return analysis ? completionsAt(analysis, analysis.document.offsetAt(position), { snippets: client.textDocument?.completion?.completionItem?.snippetSupport === true, retrigger }) : null;
});

connection.onHover(async ({ textDocument, position }) => {
  const analysis = await analysisOf(textDocument.uri);
  return analysis ? hoverAt(analysis, analysis.document.offsetAt(position), sessions) : null;
});

connection.onDefinition(async ({ textDocument, position }) => {
  const analysis = await analysisOf(textDocument.uri);
  return analysis ? definitionAt(analysis, analysis.document.offsetAt(position)) : null;
});

connection.onReferences(async ({ textDocument, position, context }) => {
  const analysis = await analysisOf(textDocument.uri);
  return analysis ? referencesAt(analysis, analysis.document.offsetAt(position), context.includeDeclaration) : null;
});

connection.onDocumentSymbol(async ({ textDocument }) => {
  const analysis = await analysisOf(textDocument.uri);
  return analysis ? documentSymbols(analysis) : null;
});

connection.onCodeAction(async ({ textDocument, context }) => {
  if (context.only && !context.only.some((k) => CodeActionKind.QuickFix.startsWith(k))) return null;
  const analysis = await analysisOf(textDocument.uri);
  return analysis ? quickFixes(analysis, context.diagnostics, { documentChanges: client.workspace?.workspaceEdit?.documentChanges === true }) : null;
});

connection.onPrepareRename(async ({ textDocument, position }) => {
  const analysis = await analysisOf(textDocument.uri);
  return analysis ? (prepareRenameAt(analysis, analysis.document.offsetAt(position)) ?? null) : null;
});

connection.onRenameRequest(async ({ textDocument, position, newName }) => {
  const analysis = await analysisOf(textDocument.uri);
  const result = analysis ? renameAt(analysis, analysis.document.offsetAt(position), newName) : undefined;
  if (!result) return null;
  if ('error' in result) throw new ResponseError(ErrorCodes.InvalidParams, result.error);
  return { changes: { [textDocument.uri]: result.edits } };
});

connection.onRequest(ValidateNowRequest, async ({ uri }) => {
  debouncer.cancel(uri);
  // A validation started meanwhile (the document changed) overtakes this one; answer with the newest.
  for (let attempt = 0; attempt < 3; attempt++) {
    const analysis = await analysisOf(uri);
    if (!analysis) return null;
    const diagnostics = await publisher.publish(analysis);
    if (diagnostics) return { diagnostics };
  }
  return null;
});

connection.onShutdown(() => debouncer.dispose());

documents.listen(connection);
connection.listen();
