import * as path from 'node:path';
import * as vscode from 'vscode';
import { fileAt, stageContent, type Stage } from '../core/git/review';

/** Read-only documents of files as git has them: a stage of a merge under way, or a commit. */
export const GIT_CONTENT_SCHEME = 'milestone-git';

const STAGE = /^:([123])$/;
const COMMIT = /^[0-9a-f]{7,64}$/;

/**
 * A URI for `file` (relative to the worktree or repository `dir`) at `ref`: `:1`, `:2` or
 * `:3` for a stage of the merge under way in `dir`, or a commit's full id. Its path is the
 * file's own, so the editor picks the language and shows the file's name.
 */
export function gitContentUri(dir: string, file: string, ref: string): vscode.Uri {
  return vscode.Uri.file(path.join(dir, file)).with({ scheme: GIT_CONTENT_SCHEME, query: new URLSearchParams({ dir, file, ref }).toString() });
}

/**
 * Serves those documents from git. Anything can ask for a URI of this scheme, so only what
 * gitContentUri makes is answered: an absolute directory, a relative path that stays inside
 * it, and a stage or a commit id (nothing git could take for an option or a range).
 */
export class GitContentProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly binary: () => string | undefined) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const q = new URLSearchParams(uri.query);
    const dir = q.get('dir') ?? '';
    const file = q.get('file') ?? '';
    const ref = q.get('ref') ?? '';
    const inside = file !== '' && !path.isAbsolute(file) && !path.normalize(file).startsWith('..');
    if (!path.isAbsolute(dir) || !inside || !(STAGE.test(ref) || COMMIT.test(ref))) throw new Error(`Not a milestone git document: ${uri.toString()}`);
    const binary = this.binary();
    const opts = binary ? { binary } : {};
    const stage = STAGE.exec(ref);
    const text = stage ? await stageContent(dir, file, Number(stage[1]) as Stage, opts) : await fileAt(dir, ref, file, opts);
    // A side without the file (added on one side, deleted on the other) is an empty document.
    return text ?? '';
  }
}
