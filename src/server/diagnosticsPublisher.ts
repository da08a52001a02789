import type { Diagnostic as LspDiagnostic } from 'vscode-languageserver';
import { sortDiagnostics } from '../core/milestone/validate';
import type { ToolChecker } from '../core/milestone/tools';
import type { Analysis } from './analysis';
import { toLspDiagnostics, toolDiagnostics } from './features/diagnostics';

export interface DiagnosticsPublisherDeps {
  checker: ToolChecker;
  /** Sends to the client; `version` is undefined when the diagnostics belong to no particular version (a closed document). */
  send(uri: string, version: number | undefined, diagnostics: LspDiagnostic[]): void;
  /** PATH the tools are looked up on; the server's own by default. */
  envPath?: string;
  /** Whether tools may be looked up and run for `--version` (not in an untrusted workspace). */
  toolsAllowed?: () => boolean;
  log?(message: string): void;
}

/**
 * Publishes a document's diagnostics in two steps: the checks without I/O at once, then
 * everything when the tool checks finish. A result that a newer publication for the same
 * document has overtaken is dropped, so a slow `--version` never overwrites fresher problems.
 */
export class DiagnosticsPublisher {
  private readonly generations = new Map<string, number>();
  private counter = 0;

  constructor(private readonly deps: DiagnosticsPublisherDeps) {}

  /**
   * Resolves with what was published last, or undefined when a newer publication for the
   * same document took over. The problems of a file read from disk are published under no
   * version: they belong to no version of an editor's document.
   */
  async publish(analysis: Analysis, from: 'buffer' | 'disk' = 'buffer'): Promise<LspDiagnostic[] | undefined> {
    const { uri } = analysis.document;
    const version = from === 'buffer' ? analysis.document.version : undefined;
    const generation = ++this.counter;
    this.generations.set(uri, generation);
    const current = (): boolean => this.generations.get(uri) === generation;

    const allowed = this.deps.toolsAllowed?.() ?? true;
    const tools = (allowed ? toolDiagnostics(analysis, this.deps.checker, this.deps.envPath) : Promise.resolve([])).catch((err: unknown) => {
      this.deps.log?.(`Tool checks of ${analysis.file} failed: ${err instanceof Error ? err.message : String(err)}`);
      return [];
    });
    // Tool answers are cached, so usually they are already there: then one publish instead
    // of two, and the tool problems do not blink out and back in on every keystroke.
    const early = await Promise.race([tools, nextTurn()]);
    if (!current()) return undefined;
    if (early === undefined) this.deps.send(uri, version, toLspDiagnostics(analysis.diagnostics, uri));
    const all = toLspDiagnostics(sortDiagnostics([...analysis.diagnostics, ...(await tools)]), uri);
    if (!current()) return undefined;
    this.deps.send(uri, version, all);
    return all;
  }

  /** A file nothing speaks for any more: drop any validation in flight and clear what it showed. */
  forget(uri: string): void {
    this.generations.delete(uri);
    this.deps.send(uri, undefined, []);
  }
}

function nextTurn(): Promise<undefined> {
  return new Promise((resolve) => setImmediate(() => resolve(undefined)));
}
