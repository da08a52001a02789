import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { formatDiagnostic, hasErrors } from '../core/milestone/diagnostics';
import { failpoint } from '../core/failpoints';
import { MilestoneUnreadableError, validateMilestoneFile } from '../core/milestone/validate';
import { workspaceOf } from '../core/milestone/workspace';
import { Coordinator, type CoordinatorOptions, type SessionOutcome } from '../core/coordinator/coordinator';
import { DirtyWorkingTreeError, MilestoneInvalidError, NoSuchSessionError, NothingToResumeError, PreconditionError } from '../core/coordinator/errors';
import { JournalDamagedError, JournalFailedError } from '../core/session/journal';
import { sessionsRoot } from '../core/session/layout';
import { SessionLockedError } from '../core/session/lock';
import type { MergeResolution } from '../core/session/events';
import { listSessions } from '../core/session/store';
import { CliError, displayPath, EXIT, UsageError, workspaceFor } from './common';
import { integrate, INTEGRATE_FLAGS, RESOLVE_FLAGS, REVIEW_FLAGS, sessionToResolve, worktreesDir } from './mergeCommands';
import { LiveView, palette, PlainView, summaryLines } from './render';
import { checkSessionId, loadState } from './sessionRead';
import { toStatusDocument, type StatusOutput } from './statusDocument';
import { statusLines } from './statusText';

declare const __dirname: string;

export { EXIT } from './common';

const HELP = `milestone-agents — run a milestone: a graph of shell tasks and AI agent runs

Usage:
  milestone-agents run <file> [--cwd DIR] [--executors N] [--json] [--fail-fast] [--rollback] [--allow-dirty] [--worktrees DIR]
  milestone-agents resume [session-id] [--cwd DIR] [--json] [--rollback] [--worktrees DIR]
  milestone-agents resolve <task> (--by-hand | --agent | --discard) [--session ID] [--cwd DIR] [--json] [--worktrees DIR]
  milestone-agents review <task> (--approve | --reject) [--session ID] [--cwd DIR] [--json] [--worktrees DIR]
  milestone-agents integrate (--checkout | --merge) [--session ID] [--cwd DIR] [--json]
  milestone-agents status [session-id] [--cwd DIR] [--json]
  milestone-agents validate <file> [--cwd DIR] [--json]

Options:
  --cwd DIR        workspace folder (default: the folder holding .milestones/, or the current one)
  --executors N    run at most N tasks at once
  --json           print events (run, resume, resolve, review) or results (status, validate, integrate) as JSON
  --fail-fast      cancel everything at the first failure (on_failure: stop)
  --rollback       when the milestone fails, run the rollback commands in reverse order
  --allow-dirty    start even if the git working tree has uncommitted changes
  --worktrees DIR  where the tasks' worktrees go (outside the workspace)
  --session ID     the session (default: the newest where the task waits for you,
                   or for integrate the newest with a milestone branch)

resolve <task>: a task whose result conflicts with the milestone branch (needs merge)
  --by-hand        you fixed the conflicting files in its worktree: merge them
  --agent          its agent runs again to resolve the conflict
  --discard        drop its result (its commits stay reachable)
review <task>: a task whose result waits for your approval (review: true)
  --approve        merge it
  --reject         do not merge it
  resolve and review resume the session, as resume does, and show the run.
integrate: take the session's milestone branch into your checkout
  --checkout       check the branch out
  --merge          merge it into the branch you are on

Exit codes: 0 done, 1 a task or blocking gate failed, 2 invalid milestone or usage,
            3 interrupted or paused (the session can be resumed), 4 internal error`;

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
      worktrees: { type: 'string' },
      session: { type: 'string' },
      'by-hand': { type: 'boolean', default: false },
      agent: { type: 'boolean', default: false },
      discard: { type: 'boolean', default: false },
      approve: { type: 'boolean', default: false },
      reject: { type: 'boolean', default: false },
      checkout: { type: 'boolean', default: false },
      merge: { type: 'boolean', default: false },
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
    checkOptionsFit(command, values);
    if ((command === 'resume' || command === 'status') && target !== undefined) checkSessionId(target, workspaceFor(values.cwd));
    if (values.session !== undefined) checkSessionId(values.session, workspaceFor(values.cwd));
    switch (command) {
      case 'run':
        if (!target) throw new UsageError('run needs a milestone file, e.g. milestone-agents run .milestones/add-login.yaml');
        return await run(values, (opts) => Coordinator.start(target, opts), target);
      case 'resume':
        return await run(values, (opts) => Coordinator.resume(workspaceFor(values.cwd), target, opts));
      case 'resolve':
      case 'review': {
        if (!target) throw new UsageError(`${command} needs a task id, e.g. milestone-agents ${command === 'resolve' ? 'resolve beta --by-hand' : 'review api --approve'}`);
        const how: MergeResolution = chosen(command, values);
        const workspace = workspaceFor(values.cwd);
        const session = await sessionToResolve(workspace, values.session, target, how);
        return await run(values, (opts) => Coordinator.resume(workspace, session, { ...opts, resolutions: [{ task: target, how }] }));
      }
      case 'integrate':
        if (target !== undefined) throw new UsageError(`integrate takes no argument: it takes the branch of the newest session, or of --session ID.`);
        return await integrate(workspaceFor(values.cwd), values.session, chosen(command, values), values.json);
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

type Values = ReturnType<typeof parse>['values'];

/** The choice flags of each command: exactly one is given, and none of another command's. */
const CHOICES = { resolve: RESOLVE_FLAGS, review: REVIEW_FLAGS, integrate: INTEGRATE_FLAGS } as const;
type ChoiceCommand = keyof typeof CHOICES;
const WORKTREES_COMMANDS = new Set(['run', 'resume', 'resolve', 'review']);
const SESSION_COMMANDS = new Set(['resolve', 'review', 'integrate']);

function checkOptionsFit(command: string, values: Values): void {
  for (const [owner, flags] of Object.entries(CHOICES)) {
    if (owner === command) continue;
    const stray = Object.keys(flags).find((flag) => values[flag as keyof Values] === true);
    if (stray) throw new UsageError(`--${stray} goes with ${owner}, not ${command}.`);
  }
  if (values.worktrees !== undefined && !WORKTREES_COMMANDS.has(command)) throw new UsageError(`--worktrees goes with run, resume, resolve and review, not ${command}.`);
  if (values.session !== undefined && !SESSION_COMMANDS.has(command)) {
    throw new UsageError(`--session goes with resolve, review and integrate; ${command} takes the session id as its argument.`);
  }
}

function chosen<C extends ChoiceCommand>(command: C, values: Values): (typeof CHOICES)[C][keyof (typeof CHOICES)[C]] {
  const flags = CHOICES[command];
  const given = (Object.keys(flags) as (keyof typeof flags)[]).filter((flag) => values[flag as keyof Values] === true);
  const names = Object.keys(flags).map((f) => `--${f}`);
  const options = `${names.slice(0, -1).join(', ')} or ${names[names.length - 1] ?? ''}`;
  if (given.length !== 1) {
    throw new UsageError(given.length ? `${command} takes one of ${options}, not ${given.map((f) => `--${String(f)}`).join(' and ')} together.` : `${command} needs one of ${options}.`);
  }
  return flags[given[0]!];
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
  if (values.worktrees !== undefined) options.worktreesDir = await worktreesDir(values.worktrees, options.workspace ?? workspaceFor(values.cwd));
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
  const lines = statusLines({ state, live, torn, workspace }, c);
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
