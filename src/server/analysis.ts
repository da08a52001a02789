import * as path from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic } from '../core/milestone/diagnostics';
import { parseMilestoneText, type ParsedMilestone } from '../core/milestone/parse';
import { checkWithoutTools } from '../core/milestone/validate';
import { workspaceOf } from '../core/milestone/workspace';
import { buildTaskIndex, type TaskIndex } from './features/taskIndex';

export interface AnalysisOptions {
  /** Agent profiles from the settings, on top of the built-in ones. */
  profiles?: Record<string, readonly string[]>;
}

/** One version of one milestone document, read once and shared by every feature. */
export interface Analysis {
  /**
   * A snapshot of the version that was read. The live document of the TextDocuments manager
   * changes in place as the user types, and offsets into this parse must stay valid.
   */
  document: TextDocument;
  file: string;
  /** The folder holding `.milestones/`: what `cwd` must stay inside, where sessions live. */
  workspace: string;
  parsed: ParsedMilestone;
  /** Parse, shape and meaning checks of the core, sorted: the same rules as the CLI's validate. */
  diagnostics: Diagnostic[];
  index: TaskIndex;
  options: AnalysisOptions;
}

export function analyze(live: TextDocument, file: string, options: AnalysisOptions = {}): Analysis {
  const document = TextDocument.create(live.uri, live.languageId, live.version, live.getText());
  // The engine and the CLI resolve the workspace from the file the same way, so `cwd`
  // and session lookups agree with what a run would do.
  const workspace = path.resolve(workspaceOf(file));
  const parsed = parseMilestoneText(document.getText(), file);
  const diagnostics = checkWithoutTools(parsed, { workspace, ...(options.profiles ? { profiles: options.profiles } : {}) });
  return { document, file, workspace, parsed, diagnostics, index: buildTaskIndex(parsed.doc, document), options };
}

/** The latest analysis per document; a new version or new settings replace it. */
export class AnalysisCache {
  private readonly entries = new Map<string, Analysis>();

  get(document: TextDocument, file: string, options: AnalysisOptions): Analysis {
    const hit = this.entries.get(document.uri);
    if (hit && hit.document.version === document.version && hit.options === options) return hit;
    const fresh = analyze(document, file, options);
    this.entries.set(document.uri, fresh);
    return fresh;
  }

  delete(uri: string): void {
    this.entries.delete(uri);
  }

  clear(): void {
    this.entries.clear();
  }
}
