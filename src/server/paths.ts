import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMilestoneFile } from '../core/milestone/workspace';
import { MILESTONES_DIR, SESSIONS_DIR } from '../core/session/layout';

/** The file system path of a document the server handles, or undefined for any other document. */
export function milestoneFileOf(uri: string): string | undefined {
  const file = filePathOf(uri);
  return file !== undefined && isMilestoneFile(file) ? file : undefined;
}

/**
 * Only `file:` documents have a workspace on disk (sessions, `cwd`, tools); an untitled or
 * virtual document cannot be checked against the rules that need one.
 */
export function filePathOf(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export type WatchedChange = { kind: 'milestone'; file: string } | { kind: 'session'; workspace: string } | { kind: 'other' };

/** What a watched-file notification is about: a milestone definition, or a session's state. */
export function classifyWatchedFile(uri: string): WatchedChange {
  const file = filePathOf(uri);
  if (file === undefined) return { kind: 'other' };
  if (isMilestoneFile(file)) return { kind: 'milestone', file };
  const parts = file.split(path.sep);
  for (let i = parts.length - 2; i >= 0; i--) {
    if (parts[i] === MILESTONES_DIR && parts[i + 1] === SESSIONS_DIR) return { kind: 'session', workspace: parts.slice(0, i).join(path.sep) || path.sep };
  }
  return { kind: 'other' };
}
