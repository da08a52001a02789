import type { FileSystemWatcher, WorkspaceFolder } from 'vscode-languageserver';

/** Milestone definitions (other files' changes can matter to an open one) and session state (for hovers). */
export const WATCHED_GLOBS = ['**/.milestones/*.{yaml,yml}', '**/.milestones/sessions/*.yaml', '**/.milestones/sessions/*/events.jsonl'];

/**
 * What the client should watch: scoped to the workspace folders when it understands
 * relative patterns, so a change elsewhere on disk costs nothing; plain globs otherwise.
 */
export function fileWatchers(folders: readonly WorkspaceFolder[], relativePatterns: boolean): FileSystemWatcher[] {
  if (!relativePatterns || folders.length === 0) return WATCHED_GLOBS.map((globPattern) => ({ globPattern }));
  return folders.flatMap((f) => WATCHED_GLOBS.map((pattern) => ({ globPattern: { baseUri: f.uri, pattern } })));
}
