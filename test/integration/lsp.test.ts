// The language server as the editor runs it: dist/server.js in its own process, spoken to
// over stdio in LSP, on a real workspace whose session was made by really running the
// milestone. Run `node esbuild.mjs` first.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
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
  DidOpenTextDocumentNotification,
  DocumentSymbolRequest,
  ExitNotification,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ReferencesRequest,
  RegistrationRequest,
  ShutdownRequest,
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
import { ValidateNowRequest } from '../../src/server/protocol';
import { cleanupTempDirs, journalOf, ROOT, start, workspace } from './helpers';

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

  /** The first publication for `uri` that passes `test`, counting the latest one already received. */
  next(uri: string, test: (p: PublishDiagnosticsParams) => boolean): Promise<PublishDiagnosticsParams> {
    const seen = this.latest.get(uri);
    if (seen && test(seen)) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiting.push({ uri, test, resolve }));
  }
}

const codesAt = (list: readonly Diagnostic[]): string[] =>
  list.map((d) => `${String(d.code)}@${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}`);

describe('language server (dist/server.js over stdio)', function () {
  let dir: string;
  let uri: string;
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
    const w = await workspace(RAN);
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
    assert.deepEqual(configurationAsked[0], { scopeUri: uri, section: 'milestones' });
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

  it('shuts down and exits when asked', async () => {
    await connection.sendRequest(ShutdownRequest.type);
    await connection.sendNotification(ExitNotification.type);
    assert.equal(await exited, 0, stderr);
  });
});
