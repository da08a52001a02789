// The language server as the editor runs it: dist/server.js in its own process, spoken to
// over stdio in LSP, on a real workspace whose session was made by really running the
// milestone. Run `node esbuild.mjs` first.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import {
  CodeActionRequest,
  CompletionRequest,
  ConfigurationRequest,
  DefinitionRequest,
  DidChangeWatchedFilesNotification,
  DidChangeTextDocumentNotification,
  DidChangeWorkspaceFoldersNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DocumentSymbolRequest,
  ExitNotification,
  FileChangeType,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ReferencesRequest,
  RegistrationRequest,
  ShutdownRequest,
  UnregistrationRequest,
  type CodeAction,
  type CompletionItem,
  type Diagnostic,
  type DidChangeWatchedFilesRegistrationOptions,
  type Registration,
  type DocumentSymbol,
  type MarkupContent,
  type PublishDiagnosticsParams,
  type TextDocumentEdit,
} from 'vscode-languageserver-protocol';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { formatDuration } from '../../src/core/duration';
import { replay } from '../../src/core/session/state';
import { ValidateNowRequest } from '../../src/shared/languageProtocol';
import { cleanupTempDirs, journalOf, ROOT, start, tempDir, workspace } from './helpers';

const SERVER = path.join(ROOT, 'dist', 'server.js');

const RAN = `id: demo
type: custom
tasks:
  - id: build
    title: Build it
    run: echo built
  - id: test
    run: echo tested
    depends_on: [build]
`;

// What the user has in the editor after that run: an unknown dependency and a cycle.
const EDITED = `id: demo
type: custom
tasks:
  - id: build
    title: Build it
    run: echo built
  - id: test
    run: echo tested
    depends_on: [build, nope]
  - id: loop-a
    run: echo a
    depends_on: [loop-b]
  - id: loop-b
    run: echo b
    depends_on: [loop-a]
`;

// Milestone files of the same workspace that the client never opens: the server reads them from disk.
const UNOPENED = `id: other
tasks:
  - id: a
    run: echo a
    depends_on: [ghost]
`;

const DOOMED = `id: doomed
tasks:
  - id: a
    run: echo a
    depends_on: [a]
`;

// On disk with a duplicate id; the client opens it, fixes it in the buffer, and closes it unsaved.
const UNSAVED = `id: unsaved
tasks:
  - id: a
    run: echo a
  - id: a
    run: echo again
`;

// A milestone of agent tasks: a profile written as a mapping (its adapter named), budgets.
const AGENTS = `id: agents
budget_usd: 5
agents:
  fast: { adapter: codex, command: [codex, exec, "{prompt}"] }
tasks:
  - id: a
    agent: fast
    prompt: Write the docs.
    budget_usd: 0.5
`;

const rangeOf = (sl: number, sc: number, el: number, ec: number): { start: { line: number; character: number }; end: { line: number; character: number } } => ({
  start: { line: sl, character: sc },
  end: { line: el, character: ec },
});

/** Diagnostics as the server publishes them, and a way to wait for the one a test expects. */
class PublishedDiagnostics {
  private readonly latest = new Map<string, PublishDiagnosticsParams>();
  private readonly waiting: { uri: string; test: (p: PublishDiagnosticsParams) => boolean; resolve: (p: PublishDiagnosticsParams) => void }[] = [];

  constructor(connection: MessageConnection) {
    connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      this.latest.set(p.uri, p);
      for (const w of [...this.waiting]) {
        if (w.uri === p.uri && w.test(p)) {
          this.waiting.splice(this.waiting.indexOf(w), 1);
          w.resolve(p);
        }
      }
    });
  }

  /**
   * The first publication for `uri` that passes `test`, counting the latest one already
   * received; fails after `timeoutMs` with the latest one, so a missing publication says what came instead.
   */
  next(uri: string, test: (p: PublishDiagnosticsParams) => boolean, timeoutMs = 10_000): Promise<PublishDiagnosticsParams> {
    const seen = this.latest.get(uri);
    if (seen && test(seen)) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        uri,
        test,
        resolve: (p: PublishDiagnosticsParams): void => {
          clearTimeout(timer);
          resolve(p);
        },
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        reject(new Error(`no matching diagnostics for ${uri} within ${timeoutMs} ms; latest: ${JSON.stringify(this.latest.get(uri) ?? null)}`));
      }, timeoutMs);
      this.waiting.push(waiter);
    });
  }
}

const codesAt = (list: readonly Diagnostic[]): string[] =>
  list.map((d) => `${String(d.code)}@${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}`);

describe('language server (dist/server.js over stdio)', function () {
  let dir: string;
  let uri: string;
  const milestoneUri = (name: string): string => pathToFileURL(path.join(dir, '.milestones', name)).href;
  let sessionId: string;
  let buildMs: number;
  let server: ChildProcessWithoutNullStreams;
  let exited: Promise<number | null>;
  let stderr = '';
  let connection: MessageConnection;
  let diagnostics: PublishedDiagnostics;
  const configurationAsked: unknown[] = [];
  const registered: Registration[] = [];

  before(async function () {
    assert.ok(existsSync(SERVER), `${SERVER} is missing: run \`node esbuild.mjs\` first.`);
    const w = await workspace(RAN, { files: { '.milestones/other.yaml': UNOPENED, '.milestones/doomed.yaml': DOOMED, '.milestones/unsaved.yaml': UNSAVED, '.milestones/agents.yaml': AGENTS } });
    dir = w.dir;
    uri = pathToFileURL(w.file).href;
    // A real session for the hover: the milestone run by the engine, start to end.
    const run = await start(w.file);
    const outcome = await run.outcome;
    assert.equal(outcome.status, 'completed', outcome.reason);
    sessionId = run.coordinator.sessionId;
    const build = replay(sessionId, await journalOf(dir, sessionId)).tasks.get('build');
    assert.equal(build?.status, 'completed');
    buildMs = build.durationMs!;

    server = spawn(process.execPath, [SERVER, '--stdio'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    exited = new Promise((resolve) => server.once('exit', (code) => resolve(code)));
    server.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    connection = createMessageConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
    diagnostics = new PublishedDiagnostics(connection);
    connection.onRequest(ConfigurationRequest.type, (params) => {
      configurationAsked.push(...params.items);
      return params.items.map(() => ({ agentProfiles: { reviewer: ['review-bot', '{prompt}'] } }));
    });
    connection.onRequest(RegistrationRequest.type, (params) => {
      registered.push(...params.registrations);
      return null;
    });
    // The watchers are registered anew, and the old ones dropped, when the workspace folders change.
    connection.onRequest(UnregistrationRequest.type, () => null);
    connection.listen();

    const init = await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      clientInfo: { name: 'lsp.test' },
      rootUri: pathToFileURL(dir).href,
      workspaceFolders: [{ uri: pathToFileURL(dir).href, name: 'demo' }],
      capabilities: {
        workspace: { configuration: true, workspaceFolders: true, didChangeWatchedFiles: { dynamicRegistration: true, relativePatternSupport: true }, workspaceEdit: { documentChanges: true } },
        textDocument: {
          publishDiagnostics: { relatedInformation: true, versionSupport: true },
          completion: { completionItem: { snippetSupport: true, documentationFormat: ['markdown'] } },
          hover: { contentFormat: ['markdown'] },
          codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix'] } } },
          documentSymbol: { hierarchicalDocumentSymbolSupport: true },
        },
      },
    });
    assert.equal(init.serverInfo?.name, 'milestones-language-server');
    assert.deepEqual(init.capabilities.codeActionProvider, { codeActionKinds: ['quickfix'], resolveProvider: false });
    await connection.sendNotification(InitializedNotification.type, {});
    await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'yaml', version: 1, text: EDITED } });
  });

  after(async () => {
    connection?.dispose();
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill();
      await exited;
    }
    await cleanupTempDirs();
  });

  it('publishes the unknown dependency and each edge of the cycle, with exact ranges and codes', async () => {
    const published = await diagnostics.next(uri, (p) => p.version === 1);
    assert.deepEqual(codesAt(published.diagnostics), ['unknown-dependency@8:24-8:28', 'dependency-cycle@11:17-11:23', 'dependency-cycle@14:17-14:23']);
    assert.ok(published.diagnostics.every((d) => d.source === 'milestones'));
    assert.match(published.diagnostics[1]!.message, /^Dependency cycle loop-(a|b) → loop-(a|b) → loop-(a|b): /);
    // The files read from disk ask for their settings too, in no particular order.
    const asked = configurationAsked as { scopeUri?: string; section?: string }[];
    assert.deepEqual(asked.find((c) => c.scopeUri === uri), { scopeUri: uri, section: 'milestones' });
    assert.ok(asked.every((c) => c.section === 'milestones' && c.scopeUri?.startsWith(`${pathToFileURL(dir).href}/.milestones/`)), JSON.stringify(asked));
    const now = await connection.sendRequest(ValidateNowRequest, { uri });
    assert.deepEqual(codesAt(now?.diagnostics ?? []), codesAt(published.diagnostics));
  });

  it('completes task ids inside depends_on, without the task itself or the ids already there', async () => {
    const result = await connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 8, character: 24 } });
    const items: CompletionItem[] = Array.isArray(result) ? result : (result?.items ?? []);
    assert.deepEqual(items.map((i) => i.label), ['loop-a', 'loop-b']);
    assert.deepEqual(items[0]?.textEdit, { range: rangeOf(8, 24, 8, 28), newText: 'loop-a' });
  });

  it('shows in a hover the task\'s status and duration from the session the engine ran', async () => {
    const hover = await connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 3, character: 10 } });
    const text = (hover?.contents as MarkupContent).value;
    assert.deepEqual(hover?.range, rangeOf(3, 8, 3, 13));
    assert.match(text, /^\*\*Task `build`\*\*: Build it\n\n```sh\necho built\n```\n\nDepends on: nothing\n\nNeeded by: `test`\n\n/);
    assert.ok(text.endsWith(`Latest session \`${sessionId}\` (completed): **completed** in ${formatDuration(buildMs)}`), text);
  });

  it('completes the keys and the adapters of an agent profile written as a mapping, and documents the budgets', async () => {
    const agents = milestoneUri('agents.yaml');
    // Typing: the adapter's value half written, and the next key begun.
    const typing = AGENTS.replace('{ adapter: codex, command: [codex, exec, "{prompt}"] }', '{ adapter: co, com }');
    await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: agents, languageId: 'yaml', version: 1, text: typing } });
    const complete = async (line: number, character: number): Promise<CompletionItem[]> => {
      const result = await connection.sendRequest(CompletionRequest.type, { textDocument: { uri: agents }, position: { line, character } });
      return Array.isArray(result) ? result : (result?.items ?? []);
    };
    const adapters = await complete(3, 21);
    assert.deepEqual(adapters.map((i) => i.label), ['claude', 'codex', 'generic']);
    assert.deepEqual(adapters[1]?.textEdit, { range: rangeOf(3, 19, 3, 21), newText: 'codex' });
    const keys = await complete(3, 26);
    assert.deepEqual(keys.map((i) => i.label), ['command'], 'the adapter is there already');
    assert.deepEqual(keys[0]?.textEdit, { range: rangeOf(3, 23, 3, 26), newText: 'command: ' });
    const hover = async (line: number, character: number): Promise<string> => ((await connection.sendRequest(HoverRequest.type, { textDocument: { uri: agents }, position: { line, character } }))?.contents as MarkupContent | undefined)?.value ?? '';
    assert.match(await hover(8, 8), /^\*\*budget_usd\*\*: number > 0\n\nThe most this agent run may spend, in US dollars/);
    assert.match(await hover(1, 3), /^\*\*budget_usd\*\*: number > 0\n\nNo new agent task starts once the agents of the session have spent this much/);
    assert.match(await hover(3, 12), /^\*\*adapter\*\*: claude \| codex \| generic\n/);
    await connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri: agents } });
  });

  it('asks the client to watch milestone files and session state, within the workspace folder', () => {
    const watchers = registered.filter((r) => r.method === DidChangeWatchedFilesNotification.method).flatMap((r) => (r.registerOptions as DidChangeWatchedFilesRegistrationOptions).watchers);
    assert.deepEqual(
      watchers.map((w) => w.globPattern),
      ['**/.milestones/*.{yaml,yml}', '**/.milestones/sessions/*.yaml', '**/.milestones/sessions/*/events.jsonl'].map((pattern) => ({ baseUri: pathToFileURL(dir).href, pattern })),
    );
  });

  it('goes to the definition of a task, finds its references and outlines the file', async () => {
    const definition = await connection.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: { line: 8, character: 19 } });
    assert.deepEqual(definition, [{ uri, range: rangeOf(3, 8, 3, 13) }]);
    const references = await connection.sendRequest(ReferencesRequest.type, { textDocument: { uri }, position: { line: 3, character: 9 }, context: { includeDeclaration: true } });
    assert.deepEqual(references, [
      { uri, range: rangeOf(3, 8, 3, 13) },
      { uri, range: rangeOf(8, 17, 8, 22) },
    ]);
    const symbols = (await connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } })) as DocumentSymbol[];
    assert.deepEqual(symbols.map((s) => s.name), ['id', 'type', 'tasks']);
    assert.deepEqual(symbols[2]?.children?.map((s) => s.name), ['build', 'test', 'loop-a', 'loop-b']);
  });

  it('fixes the unknown dependency with a code action, after which its diagnostic is gone', async () => {
    const published = await diagnostics.next(uri, (p) => p.version === 1);
    const unknown = published.diagnostics.find((d) => d.code === 'unknown-dependency')!;
    const actions = (await connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: unknown.range, context: { diagnostics: [unknown] } })) as CodeAction[];
    assert.deepEqual(actions.map((a) => a.title), ['Remove "nope" from depends_on', 'Create task "nope"']);
    const change = actions[0]!.edit?.documentChanges?.[0] as TextDocumentEdit;
    assert.deepEqual(change.textDocument, { uri, version: 1 });
    const fixed = TextDocument.applyEdits(TextDocument.create(uri, 'yaml', 1, EDITED), change.edits);
    assert.equal(fixed, EDITED.replace('depends_on: [build, nope]', 'depends_on: [build]'));
    await connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [{ text: fixed }] });
    const after = await diagnostics.next(uri, (p) => p.version === 2);
    assert.deepEqual(codesAt(after.diagnostics), ['dependency-cycle@11:17-11:23', 'dependency-cycle@14:17-14:23']);
  });

  it('publishes the problems of a milestone file no editor opened, read from disk under no version', async () => {
    const other = await diagnostics.next(milestoneUri('other.yaml'), (p) => p.diagnostics.length > 0);
    assert.deepEqual(codesAt(other.diagnostics), ['unknown-dependency@4:17-4:22']);
    assert.equal(other.version, undefined);
    assert.match(other.diagnostics[0]!.message, /^Task "a" depends on "ghost"/);
  });

  it('revalidates a closed file from disk when the watcher reports it changed', async () => {
    const other = milestoneUri('other.yaml');
    await diagnostics.next(other, (p) => p.diagnostics.length > 0);
    await fs.writeFile(path.join(dir, '.milestones', 'other.yaml'), UNOPENED.replace('    depends_on: [ghost]\n', ''));
    await connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: other, type: FileChangeType.Changed }] });
    const fixed = await diagnostics.next(other, (p) => p.diagnostics.length === 0);
    assert.equal(fixed.version, undefined);
  });

  it('clears a closed file that the watcher reports deleted', async () => {
    const doomed = milestoneUri('doomed.yaml');
    const before = await diagnostics.next(doomed, (p) => p.diagnostics.length > 0);
    assert.deepEqual(codesAt(before.diagnostics), ['dependency-cycle@4:17-4:18']);
    await fs.rm(path.join(dir, '.milestones', 'doomed.yaml'));
    await connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: doomed, type: FileChangeType.Deleted }] });
    await diagnostics.next(doomed, (p) => p.diagnostics.length === 0);
  });

  it('shows the problems on disk again when a document is closed with its fixes unsaved', async () => {
    const unsaved = milestoneUri('unsaved.yaml');
    const onDisk = await diagnostics.next(unsaved, (p) => p.diagnostics.length > 0);
    assert.deepEqual(codesAt(onDisk.diagnostics), ['duplicate-id@4:8-4:9']);
    const fixed = UNSAVED.replace('  - id: a\n    run: echo again\n', '');
    await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: unsaved, languageId: 'yaml', version: 1, text: fixed } });
    assert.deepEqual((await diagnostics.next(unsaved, (p) => p.version === 1)).diagnostics, []);
    await connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri: unsaved } });
    const closed = await diagnostics.next(unsaved, (p) => p.version === undefined);
    assert.deepEqual(codesAt(closed.diagnostics), ['duplicate-id@4:8-4:9']);
  });

  it('reads the milestone files of a workspace folder added later, and clears them when it is removed', async () => {
    const added = await tempDir('ma-it-folder-');
    await fs.mkdir(path.join(added, '.milestones'));
    await fs.writeFile(path.join(added, '.milestones', 'other.yaml'), UNOPENED);
    const folder = { uri: pathToFileURL(added).href, name: 'added' };
    const extra = pathToFileURL(path.join(added, '.milestones', 'other.yaml')).href;
    await connection.sendNotification(DidChangeWorkspaceFoldersNotification.type, { event: { added: [folder], removed: [] } });
    const published = await diagnostics.next(extra, (p) => p.diagnostics.length > 0);
    assert.deepEqual(codesAt(published.diagnostics), ['unknown-dependency@4:17-4:22']);
    await connection.sendNotification(DidChangeWorkspaceFoldersNotification.type, { event: { added: [], removed: [folder] } });
    await diagnostics.next(extra, (p) => p.diagnostics.length === 0);
  });

  it('shuts down and exits when asked', async () => {
    await connection.sendRequest(ShutdownRequest.type);
    await connection.sendNotification(ExitNotification.type);
    assert.equal(await exited, 0, stderr);
  });
});
