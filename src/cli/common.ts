// What the CLI's commands share: exit codes, the two kinds of expected errors, and how
// paths and command lines are shown to the user.
import * as path from 'node:path';

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 3, internal: 4 } as const;

/** Wrong arguments: the message, then the help text. */
export class UsageError extends Error {}

/** A problem the user can fix, already saying where and what to do: no help text, no stack. */
export class CliError extends Error {}

/** Relative to the current folder when below it, as people type paths; absolute otherwise. */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

export function workspaceFor(cwd: string | undefined): string {
  return path.resolve(cwd ?? process.cwd());
}

/** One word of a command line as a shell reads it: quoted only when it needs to be. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * A `milestone-agents` command to copy: the arguments, then `--cwd` when the workspace is
 * not the current folder (the command is typed here, after all).
 */
export function cliCommand(args: readonly string[], workspace: string | undefined): string {
  const cwd = workspace && path.resolve(workspace) !== process.cwd() ? ['--cwd', path.relative(process.cwd(), workspace) || '.'] : [];
  return ['milestone-agents', ...args, ...cwd].map(shellWord).join(' ');
}
