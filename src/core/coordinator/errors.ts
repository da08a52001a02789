// Why a run cannot start or resume, as typed errors carrying their facts. The messages say
// what is wrong and what to do in any front end; each front end adds its own way out (a
// CLI flag, an editor button) by the error's class, never by matching the text.
import { formatDiagnostic, type Diagnostic } from '../milestone/diagnostics';
import type { Conflict } from '../git/repository';

export class MilestoneInvalidError extends Error {
  constructor(
    readonly file: string,
    readonly diagnostics: Diagnostic[],
  ) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    super(`${file} is not a valid milestone (${errors.length} error${errors.length === 1 ? '' : 's'}):\n${errors.map(formatDiagnostic).join('\n')}`);
  }
}

/** The run cannot start as asked: a usage problem (exit code 2 in the CLI). */
export class PreconditionError extends Error {}

/** The working tree has changes the milestone did not make; a start would commit them. */
export class DirtyWorkingTreeError extends PreconditionError {
  constructor(
    readonly root: string,
    readonly files: readonly string[],
  ) {
    super(`The working tree at ${root} has changes this milestone did not make (${listed(files)}). Commit or stash them first.`);
  }
}

/** Unmerged paths, a merge or rebase in progress, or a diverged branch. */
export class RepositoryConflictError extends PreconditionError {
  constructor(
    readonly root: string,
    readonly conflict: Conflict,
  ) {
    super(`The repository at ${root} needs attention first: ${conflict.detail}.`);
  }
}

/** A session id that names no session of the workspace. */
export class NoSuchSessionError extends PreconditionError {
  constructor(
    readonly workspace: string,
    readonly sessionId: string,
  ) {
    super(`There is no session ${sessionId} in ${workspace}.`);
  }
}

/** Every session of the workspace completed, or is run by a live process. */
export class NothingToResumeError extends PreconditionError {
  constructor(readonly workspace: string) {
    super(`No interrupted session to resume in ${workspace}.`);
  }
}

/** The session cannot be resumed: it completed, or it never started. */
export class SessionNotResumableError extends PreconditionError {
  constructor(
    readonly sessionId: string,
    readonly why: 'completed' | 'never_started',
  ) {
    super(
      why === 'completed'
        ? `Session ${sessionId} already completed: there is nothing to resume. Start a new run instead.`
        : `Session ${sessionId} has no session_started event: it cannot be resumed. Start a new run instead.`,
    );
  }
}

/** The first files of a list, and how many more: for one-line messages. */
export function listed(files: readonly string[]): string {
  return `${files.slice(0, 5).join(', ')}${files.length > 5 ? `, and ${files.length - 5} more` : ''}`;
}
