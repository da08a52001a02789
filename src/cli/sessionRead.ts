// Reading a session as the commands that do not run it see it: its state replayed from the
// journal, whether a live process runs it (and which), and a torn last line.
import * as os from 'node:os';
import { ID_RULE, isValidId } from '../core/ids';
import { readJournal, type TornLine } from '../core/session/journal';
import { SessionPaths, sessionsRoot } from '../core/session/layout';
import { isSessionLive, readLockOwner } from '../core/session/lock';
import { replay, type SessionState } from '../core/session/state';
import { listSessions } from '../core/session/store';
import { PreconditionError } from '../core/coordinator/errors';
import { CliError, displayPath } from './common';
import type { StatusTornLine } from './statusDocument';

/** A session id becomes a path, so a bad one is refused here, with the rule, before any use. */
export function checkSessionId(id: string, workspace: string): void {
  if (isValidId(id)) return;
  const root = displayPath(sessionsRoot(workspace));
  throw new CliError(`"${id}" is not a session id: ids use ${ID_RULE}. The sessions are the folders in ${root}; \`milestone-agents status\` shows the newest.`);
}

export interface ReadSession {
  state: SessionState;
  live: boolean;
  torn: StatusTornLine | undefined;
}

export async function loadState(workspace: string, id: string): Promise<ReadSession> {
  const paths = new SessionPaths(workspace, id);
  const contents = await readJournal(paths.events, id);
  const live = await isSessionLive(paths);
  // While a coordinator runs the session, an unfinished last line is one being written now.
  const state = replay(id, contents.events);
  const torn = contents.torn && !live ? tornReport(paths.events, contents.torn, state) : undefined;
  return { state, live, torn };
}

function tornReport(events: string, torn: TornLine, state: SessionState): StatusTornLine {
  const file = displayPath(events);
  // A completed session is never resumed, so nothing will drop the line; it is simply ignored.
  const fate = state.status === 'completed' ? 'The session had completed before it, so the line is ignored' : 'Resuming the session drops that line';
  return {
    file,
    line: torn.line,
    bytes: torn.bytes,
    reason: torn.reason,
    message: `${file}:${torn.line}: the last line of the journal is incomplete: a crash cut it off while it was written, and this status leaves it out. ${fate}; nothing else is lost.`,
  };
}

/** The ids of the workspace's sessions, newest first; a given id must be one of them. */
export async function sessionIds(workspace: string, given: string | undefined): Promise<string[]> {
  const ids = (await listSessions(workspace)).map((r) => r.session.id);
  if (given !== undefined && !ids.includes(given)) {
    throw new PreconditionError(`There is no session ${given} in ${workspace}. The sessions are the folders in ${displayPath(sessionsRoot(workspace))}; \`milestone-agents status\` shows the newest.`);
  }
  return ids;
}

/**
 * The newest session (of `ids`, newest first) whose state `wanted` accepts. A session whose
 * journal cannot be read is passed over: it is not the one looked for.
 */
export async function newestWhere(workspace: string, ids: readonly string[], wanted: (s: SessionState) => boolean): Promise<ReadSession | undefined> {
  for (const id of ids) {
    const read = await loadState(workspace, id).catch(() => undefined);
    if (read && wanted(read.state)) return read;
  }
  return undefined;
}

/** Who runs a live session, as a message names them: "process 123 (milestone-agents CLI)". */
export async function runningProcess(workspace: string, id: string): Promise<string> {
  const owner = await readLockOwner(new SessionPaths(workspace, id));
  if (!owner) return 'another process';
  return `process ${owner.pid}${owner.host !== os.hostname() ? ` on ${owner.host}` : ''} (${owner.by})`;
}
