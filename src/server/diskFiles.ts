// Milestone files that no editor has open, read from disk: found when a workspace folder
// arrives, followed through the client's file watcher, so the Problems panel lists the
// problems of every milestone file of the workspace, not only of those being edited.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { isMilestoneFile, workspaceOf } from '../core/milestone/workspace';
import { MILESTONES_DIR } from '../core/session/layout';
import { analyze, type Analysis, type AnalysisOptions } from './analysis';
import { filePathOf, milestoneFileOf } from './paths';

/**
 * What reading a file gave: its analysis; `clear` when nothing on disk speaks for it (it is
 * gone, outside the folders followed, or could not be read, which is logged), so the problems
 * it showed should go rather than stay unchecked; `skip` when this read has nothing to say:
 * the open buffer wins, or a newer read took over.
 */
export type DiskRead = { kind: 'analysis'; analysis: Analysis } | { kind: 'clear' } | { kind: 'skip'; why: 'open' | 'superseded' };

export interface DiskFilesDeps {
  /** Whether an editor has the file open (by path: two spellings of one URI are one file). */
  isOpen(file: string): boolean;
  options(uri: string): Promise<AnalysisOptions>;
  log(message: string): void;
}

export class DiskFiles {
  /** The workspace folders, resolved: only their own `.milestones/` files are followed. */
  private readonly folders = new Set<string>();
  /** Milestone files known to be on disk, by path, with the URI their problems are published under. */
  private readonly known = new Map<string, string>();
  /** The latest read of each file: an older one that finishes late must not publish. */
  private readonly reads = new Map<string, number>();
  private counter = 0;

  constructor(private readonly deps: DiskFilesDeps) {}

  /** Follows a workspace folder; resolves with the URIs of the milestone files it holds. */
  async addFolder(folderUri: string): Promise<string[]> {
    const folder = folderPathOf(folderUri);
    if (folder === undefined) return [];
    this.folders.add(folder);
    const names = await this.milestoneNames(folder);
    // The folder may have been removed while it was listed.
    if (!this.folders.has(folder)) return [];
    return names.map((name) => {
      const file = path.join(folder, MILESTONES_DIR, name);
      const uri = this.known.get(file) ?? childUri(folderUri, name);
      this.known.set(file, uri);
      return uri;
    });
  }

  /** Stops following a folder; answers the URIs of its closed files, whose problems should be cleared. */
  removeFolder(folderUri: string): string[] {
    const folder = folderPathOf(folderUri);
    if (folder === undefined || !this.folders.delete(folder)) return [];
    const cleared: string[] = [];
    for (const [file, uri] of [...this.known]) {
      if (workspaceOf(file) !== folder) continue;
      this.untrack(file);
      if (!this.deps.isOpen(file)) cleared.push(uri);
    }
    return cleared;
  }

  /** A watcher saw the file created or changed: follow it if it belongs to a folder followed. */
  changed(uri: string): void {
    const file = milestoneFileOf(uri);
    if (file !== undefined && this.covers(file)) this.known.set(file, uri);
  }

  /** A watcher saw the file deleted; answers whether its problems should be cleared (not while it is open). */
  deleted(uri: string): boolean {
    const file = milestoneFileOf(uri);
    if (file === undefined || !this.known.has(file)) return false;
    this.untrack(file);
    return !this.deps.isOpen(file);
  }

  /** The URIs of the files known on disk that no editor has open. */
  closedUris(): string[] {
    return [...this.known].filter(([file]) => !this.deps.isOpen(file)).map(([, uri]) => uri);
  }

  /** The file's text on disk, analysed; an open file is left to its buffer. */
  async read(uri: string): Promise<DiskRead> {
    const file = milestoneFileOf(uri);
    if (file === undefined || !this.covers(file)) return this.nothingOnDisk(file);
    const token = ++this.counter;
    this.reads.set(file, token);
    const current = (): boolean => this.reads.get(file) === token;
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      if (!current()) return { kind: 'skip', why: 'superseded' };
      // Still known when unreadable: the next change tries again.
      if (isMissing(err)) this.untrack(file);
      else this.deps.log(`Could not read ${file} to validate it: ${messageOf(err)}`);
      return this.nothingOnDisk(file);
    }
    const options = await this.deps.options(uri);
    // Checked after the waits: the file may have been opened, deleted or read again meanwhile.
    if (!current()) return { kind: 'skip', why: 'superseded' };
    if (this.deps.isOpen(file)) return { kind: 'skip', why: 'open' };
    this.known.set(file, uri);
    // Version 0: the text belongs to no version of an editor's document.
    return { kind: 'analysis', analysis: analyze(TextDocument.create(uri, 'yaml', 0, text), file, options) };
  }

  private nothingOnDisk(file: string | undefined): DiskRead {
    return file !== undefined && this.deps.isOpen(file) ? { kind: 'skip', why: 'open' } : { kind: 'clear' };
  }

  private covers(file: string): boolean {
    return this.folders.has(workspaceOf(file));
  }

  private untrack(file: string): void {
    this.known.delete(file);
    this.reads.delete(file);
  }

  private async milestoneNames(folder: string): Promise<string[]> {
    const dir = path.join(folder, MILESTONES_DIR);
    try {
      const entries = await fs.readdir(dir, { withFileTypes: true });
      return entries
        .filter((e) => !e.isDirectory() && isMilestoneFile(path.join(dir, e.name)))
        .map((e) => e.name)
        .sort();
    } catch (err) {
      // Most folders have no milestones at all; that is no news.
      if (!isMissing(err)) this.deps.log(`Could not list the milestone files in ${dir}: ${messageOf(err)}`);
      return [];
    }
  }
}

function folderPathOf(folderUri: string): string | undefined {
  const folder = filePathOf(folderUri);
  return folder === undefined ? undefined : path.resolve(folder);
}

/**
 * The URI of `<folder>/.milestones/<name>`, spelled the way VS Code spells the URIs of the
 * documents it opens (the folder's URI as given, every character of the name but the
 * unreserved ones percent-encoded), so an open document and its disk copy share one URI.
 */
export function childUri(folderUri: string, name: string): string {
  const encoded = encodeURIComponent(name).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${folderUri.replace(/\/+$/, '')}/${MILESTONES_DIR}/${encoded}`;
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
