import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { formatDiagnostic, hasErrors } from '../core/milestone/diagnostics';
import { failpoint } from '../core/failpoints';
import { MilestoneUnreadableError, validateMilestoneFile } from '../core/milestone/validate';
import { workspaceOf } from '../core/milestone/workspace';
import { Coordinator, type CoordinatorOptions, type SessionOutcome } from '../core/coordinator/coordinator';
import { DirtyWorkingTreeError, MilestoneInvalidError, NoSuchSessionError, NothingToResumeError, PreconditionError } from '../core/coordinator/errors';
import { ID_RULE, isValidId } from '../core/ids';
import { JournalDamagedError, JournalFailedError, readJournal, type TornLine } from '../core/session/journal';
import { SessionPaths, sessionsRoot } from '../core/session/layout';
import { isSessionLive, SessionLockedError } from '../core/session/lock';
import { replay, type SessionState } from '../core/session/state';
import { listSessions } from '../core/session/store';
import { formatDuration } from '../core/duration';
import { shownStatus } from '../shared/presentation';
import { LiveView, palette, PlainView, summaryLines } from './render';
import { toStatusDocument, type StatusOutput, type StatusTornLine } from './statusDocument';

declare const __dirname: string;

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 3, internal: 4 } as const;

const HELP = `milestone-agents — run a milestone: a graph of shell tasks and AI agent runs

Usage:
  milestone-agents run <file> [--cwd DIR] [--executors N] [--json] [--fail-fast] [--rollback] [--allow-dirty]
  milestone-agents resume [session-id] [--cwd DIR] [--json] [--rollback]
  milestone-agents status [session-id] [--cwd DIR] [--json]
  milestone-agents validate <file> [--cwd DIR] [--json]

Options:
  --cwd DIR        workspace folder (default: the folder holding .milestones/, or the current one)
  --executors N    run at most N tasks at once
  --json           print events (run, resume) or results (status, validate) as JSON
  --fail-fast      cancel everything at the first failure (on_failure: stop)
  --rollback       when the milestone fails, run the rollback commands in reverse order
  --allow-dirty    start even if the git working tree has uncommitted changes

Exit codes: 0 done, 1 a task or blocking gate failed, 2 invalid milestone or usage,
            3 interrupted or paused (the session can be resumed), 4 internal error`;

class UsageError extends Error {}

/** A problem the user can fix, already saying where and what to do: no help text, no stack. */
class CliError extends Error {}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      cwd: { type: 'string' },
      executors: { type: 'string' },
      json: { type: 'boolean', default: false },
      'fail-fast': { type: 'boolean', default: false },
      rollback: { type: 'boolean', default: false },
      'allow-dirty': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', short: 'v', default: false },
    },
  });
  return { values, positionals };
}

export async function main(argv: string[]): Promise<number> {
  if (failpoint('cli.internal_error') !== undefined) throw new TypeError('failpoint cli.internal_error');
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${HELP}\n`);
    return EXIT.usage;
  }
  const { values, positionals } = args;
  const [command, target, ...rest] = positionals;
  if (values.version) {
    process.stdout.write(`${process.env.MILESTONE_AGENTS_VERSION ?? '0.1.0'}\n`);
    return EXIT.ok;
  }
  if (values.help || !command) {
    process.stdout.write(`${HELP}\n`);
    return values.help ? EXIT.ok : EXIT.usage;
  }
  try {
    if (rest.length) throw new UsageError(`Unexpected argument ${rest[0]}.`);
    if ((command === 'resume' || command === 'status') && target !== undefined) checkSessionId(target, values.cwd);
    switch (command) {
      case 'run':
        if (!target) throw new UsageError('run needs a milestone file, e.g. milestone-agents run .milestones/add-login.yaml');
        return await run(values, (opts) => Coordinator.start(target, opts), target);
      case 'resume':
        return await run(values, (opts) => Coordinator.resume(workspaceFor(values.cwd), target, opts));
      case 'status':
        return await status(workspaceFor(values.cwd), target, values.json);
      case 'validate':
        if (!target) throw new UsageError('validate needs a milestone file.');
        return await validate(target, values.cwd, values.json);
      default:
        throw new UsageError(`Unknown command "${command}".`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n\n${HELP}\n`);
      return EXIT.usage;
    }
    const message = expectedMessage(err);
    if (message === undefined) throw err;
    process.stderr.write(`${message}\n`);
    return EXIT.usage;
  }
}

/** A session id becomes a path, so a bad one is refused here, with the rule, before any use. */
function checkSessionId(id: string, cwd: string | undefined): void {
  if (isValidId(id)) return;
  const root = displayPath(sessionsRoot(workspaceFor(cwd)));
  throw new CliError(`"${id}" is not a session id: ids use ${ID_RULE}. The sessions are the folders in ${root}; \`milestone-agents status\` shows the newest.`);
}

// Problems of the environment, not of this program: the path and the advice say it all.
const FS_ADVICE: Record<string, string> = {
  EACCES: 'permission denied. Give your user access to it (and to its folder), or run as the user who owns it.',
  EPERM: 'the operation is not permitted. Give your user access to it (and to its folder), or run as the user who owns it.',
  EROFS: 'the file system is read-only. Run in a writable copy of the workspace.',
  ENOSPC: 'the disk is full. Free some space, then resume the session.',
  EDQUOT: 'the disk quota is used up. Free some space, then resume the session.',
  ENOTDIR: 'part of that path is a file where a folder is needed. Move the file aside.',
  EISDIR: 'it is a folder where a file is needed. Move the folder aside.',
};

/** The message of an error the user can act on, or undefined for an internal error, which keeps its stack. */
function expectedMessage(err: unknown): string | undefined {
  if (err instanceof DirtyWorkingTreeError) return `${err.message} To start anyway, pass --allow-dirty.`;
  if (err instanceof NoSuchSessionError) return `${err.message} Run \`milestone-agents status\` to list sessions.`;
  if (err instanceof NothingToResumeError) return `${err.message} Start one with \`milestone-agents run <file>\`.`;
  if (err instanceof CliError || err instanceof MilestoneInvalidError || err instanceof PreconditionError || err instanceof SessionLockedError || err instanceof JournalFailedError) {
    return err.message;
  }
  if (err instanceof MilestoneUnreadableError || err instanceof JournalDamagedError) return err.message;
  if (!(err instanceof Error)) return undefined;
  const { code, path: file, syscall } = err as NodeJS.ErrnoException;
  const advice = code ? FS_ADVICE[code] : undefined;
  if (advice && file) return `Cannot ${syscall ?? 'use'} ${displayPath(file)}: ${advice}`;
  return undefined;
}

/** Relative to the current folder when below it, as people type paths; absolute otherwise. */
function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

function workspaceFor(cwd: string | undefined): string {
  return path.resolve(cwd ?? process.cwd());
}

type Values = ReturnType<typeof parse>['values'];

async function run(values: Values, begin: (o: CoordinatorOptions) => Promise<Coordinator>, file?: string): Promise<number> {
  let executors: number | undefined;
  if (values.executors !== undefined) {
    executors = Number(values.executors);
    if (!Number.isInteger(executors) || executors < 1) throw new UsageError(`--executors must be a whole number of at least 1, not "${values.executors}".`);
  }
  const options: CoordinatorOptions = {
    workerScript: path.join(__dirname, 'worker.js'),
    owner: 'milestone-agents CLI',
    exitWhenPaused: true,
    failFast: values['fail-fast'],
    rollback: values.rollback,
    allowDirty: values['allow-dirty'],
    ...(values.cwd ? { workspace: path.resolve(values.cwd) } : file ? { workspace: workspaceOf(file) } : {}),
    ...(executors !== undefined ? { executors } : {}),
  };
  const coordinator = await begin(options);
  const out = process.stdout;
  const view = values.json ? undefined : out.isTTY ? new LiveView(out, coordinator.state) : new PlainView(out, coordinator.state);
  const replayed = coordinator.history();
  for (const e of replayed) {
    if (values.json) out.write(`${JSON.stringify(e)}\n`);
  }
  coordinator.onEvent((e) => {
    if (values.json) out.write(`${JSON.stringify(e)}\n`);
    else view?.event(e);
  });
  coordinator.onOutput(({ task, line }) => view?.output(task, line));

  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts === 1) {
      view?.print(palette(out).yellow('Stopping: killing running tasks, keeping the session resumable (Ctrl-C again to quit at once)…'));
      void coordinator.stop('signal', 'interrupted by a signal');
    } else {
      process.exit(EXIT.interrupted);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let outcome: SessionOutcome;
  try {
    outcome = await coordinator.done;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    view?.close();
  }
  if (!values.json) for (const line of summaryLines(coordinator.state, palette(out), coordinator.paths.workspace)) out.write(`${line}\n`);
  return outcome.exitCode;
}

async function loadState(workspace: string, id: string): Promise<{ state: SessionState; live: boolean; torn: StatusTornLine | undefined }> {
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

const OLDER_SHOWN = 10;

async function status(workspace: string, id: string | undefined, json: boolean): Promise<number> {
  const sessions = await listSessions(workspace);
  const chosen = id ?? sessions[0]?.session.id;
  if (!chosen) {
    if (json) process.stdout.write(`${JSON.stringify(null satisfies StatusOutput)}\n`);
    else process.stdout.write(`No sessions in ${workspace}. Start one with: milestone-agents run .milestones/<id>.yaml\n`);
    return EXIT.ok;
  }
  if (id && !sessions.some((r) => r.session.id === id)) {
    throw new PreconditionError(`There is no session ${id} in ${workspace}. The sessions are the folders in ${displayPath(sessionsRoot(workspace))}; \`milestone-agents status\` shows the newest.`);
  }
  const { state, live, torn } = await loadState(workspace, chosen);
  if (json) {
    process.stdout.write(`${JSON.stringify(toStatusDocument(state, live, torn) satisfies StatusOutput, null, 2)}\n`);
    return EXIT.ok;
  }
  const c = palette(process.stdout);
  // The status command runs nothing itself: a live session is run elsewhere.
  const shown = shownStatus(state.status, live ? 'elsewhere' : 'none');
  const statusText = shown !== state.status ? `${shown} (the journal says ${state.status}, but no coordinator is running it: resume it)` : state.status;
  const lines = [c.bold(`${state.title} (${state.milestoneId}) — session ${state.id}`), `  status: ${statusText}${live ? ' (live)' : ''}`];
  if (state.branch) lines.push(`  branch: ${state.branch}, ${state.commits.length} commit(s)`);
  const icon: Record<string, string> = { completed: c.green('✓'), failed: c.red('✗'), running: c.cyan('▸'), skipped: c.yellow('⊘'), cancelled: c.yellow('⊘'), retrying: c.yellow('↻'), queued: '·', pending: '·' };
  for (const id2 of state.taskOrder) {
    const t = state.tasks.get(id2);
    if (!t) continue;
    const extra = [t.durationMs !== null ? formatDuration(t.durationMs) : '', t.attempts > 1 ? `${t.attempts} attempts` : '', t.message && t.status !== 'completed' ? t.message : ''].filter(Boolean).join(' · ');
    lines.push(`  ${icon[t.status] ?? '·'} ${t.id.padEnd(20)} ${t.status.padEnd(10)} ${c.dim(extra)}`);
  }
  for (const g of state.gates.values()) lines.push(`  ${g.status === 'passed' ? c.green('✓') : g.status === 'failed' ? c.red('✗') : '·'} gate ${g.id} ${g.status}`);
  for (const a of state.alerts.slice(-5)) lines.push(c.yellow(`  ! ${a.message}`));
  if (torn) lines.push(c.yellow(`  ! ${torn.message}`));
  if (sessions.length > 1 && !id) {
    // The ids to pass: the record's status is as of its last write (a killed run says running).
    const older = sessions.slice(1);
    lines.push(c.dim(`  older sessions (pass an id to see one):`));
    for (const r of older.slice(0, OLDER_SHOWN)) lines.push(c.dim(`    ${r.session.id}  ${r.session.status.padEnd(11)} started ${r.session.started_at}`));
    if (older.length > OLDER_SHOWN) lines.push(c.dim(`    and ${older.length - OLDER_SHOWN} more in ${displayPath(sessionsRoot(workspace))}`));
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
}

async function validate(file: string, cwd: string | undefined, json: boolean): Promise<number> {
  const result = await validateMilestoneFile(file, cwd ? { workspace: path.resolve(cwd) } : {});
  if (json) {
    process.stdout.write(`${JSON.stringify(result.diagnostics, null, 2)}\n`);
  } else if (result.diagnostics.length === 0) {
    process.stdout.write(`${path.relative(process.cwd(), result.parsed.file) || file}: valid — ${result.milestone.tasks.length} tasks, ${result.milestone.quality.length} gates.\n`);
  } else {
    for (const d of result.diagnostics) process.stdout.write(`${formatDiagnostic({ ...d, file: path.relative(process.cwd(), d.file) || d.file })}\n`);
  }
  return hasErrors(result.diagnostics) ? EXIT.usage : EXIT.ok;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      // Not something the user did: a bug. Exit 4 tells scripts apart from usage errors.
      process.stderr.write(`milestone-agents: internal error — please report it with this output:\n${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = EXIT.internal;
    },
  );
}
