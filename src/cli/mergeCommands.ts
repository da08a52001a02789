// `resolve`, `review` and `integrate`: settling a task whose result waits for the user (the
// session is then resumed with that resolution), and taking the milestone branch into the
// user's checkout. Everything is checked against the session's journal first, so a refusal
// names the task's actual state instead of starting a session that would only stop again.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { filesWithMarkers, listWorktrees } from '../core/git/worktrees';
import { openRepository } from '../core/git/repository';
import { takeMilestoneBranch, type TakeHow } from '../core/git/integrate';
import { isValidId } from '../core/ids';
import type { MergeResolution } from '../core/session/events';
import { AWAITING_USER_STATUSES, type SessionState, type TaskState, type TaskStatus } from '../core/session/state';
import { isInside, realPath } from '../core/milestone/workspace';
import { CliError, cliCommand, EXIT } from './common';
import { loadState, newestWhere, runningProcess, sessionIds, type ReadSession } from './sessionRead';
import { filesText, printable } from './text';

export const RESOLVE_FLAGS = { 'by-hand': 'by_hand', agent: 'agent', discard: 'discard' } as const;
export const REVIEW_FLAGS = { approve: 'approve', reject: 'reject' } as const;
export const INTEGRATE_FLAGS = { checkout: 'checkout', merge: 'merge' } as const;

const isReview = (how: MergeResolution): boolean => how === 'approve' || how === 'reject';

/**
 * The session to resume with `how` for `task`: the given one, or the newest in which the
 * task waits for the user (else the newest that has the task, for the refusal to name its
 * state). Refused, in a sentence, when the task does not wait for this kind of resolution,
 * when a live process runs the session, or when a conflict said resolved by hand is not.
 */
export async function sessionToResolve(workspace: string, given: string | undefined, task: string, how: MergeResolution): Promise<string> {
  if (!isValidId(task)) throw new CliError(`"${task}" is not a task id: \`milestone-agents status\` lists the tasks.`);
  const ids = await sessionIds(workspace, given);
  if (!ids.length) throw new CliError(`There are no sessions in ${workspace}: there is nothing to ${isReview(how) ? 'review' : 'resolve'}.`);
  // A given session is read as is: a journal it cannot read is an error to report.
  const read =
    given !== undefined
      ? await loadState(workspace, given)
      : ((await newestWhere(workspace, ids, (s) => AWAITING_USER_STATUSES.has(s.tasks.get(task)?.status ?? 'pending'))) ?? (await newestWhere(workspace, ids, (s) => s.tasks.has(task))));
  const t = read?.state.tasks.get(task);
  if (!read || !t) {
    throw new CliError(given !== undefined ? `Session ${given} has no task "${task}".` : `No session in ${workspace} has a task "${task}".`);
  }
  const { state } = read;
  if (read.live) {
    const verb = isReview(how) ? 'review' : 'resolve';
    throw new CliError(`Session ${state.id} is running in ${await runningProcess(workspace, state.id)}: ${verb} "${task}" there, or here once it has stopped (it stops by itself, with exit code 3, when only merges and reviews are left).`);
  }
  refuseWrongStatus(t, how, workspace);
  if (how === 'by_hand') await checkResolvedByHand(t);
  return state.id;
}

/** The statuses each resolution applies to: the coordinator's rule, checked before resuming. */
const WAITING_FOR: Record<MergeResolution, readonly TaskStatus[]> = { by_hand: ['needs_merge'], agent: ['needs_merge'], discard: ['needs_merge', 'in_review'], approve: ['in_review'], reject: ['in_review'] };

function refuseWrongStatus(t: TaskState, how: MergeResolution, workspace: string): void {
  if (WAITING_FOR[how].includes(t.status)) {
    if (how === 'agent' && t.kind !== 'agent') throw new CliError(`Task "${t.id}" runs a shell command, not an agent: resolve its conflict by hand (--by-hand), or discard its result (--discard).`);
    return;
  }
  if (t.status === 'needs_merge') throw new CliError(`Task "${t.id}" needs a merge, not a review: run \`${cliCommand(['resolve', t.id], workspace)} --by-hand\` (or --discard${t.kind === 'agent' ? ', or --agent' : ''}).`);
  if (t.status === 'in_review') throw new CliError(`Task "${t.id}" waits for review, not a merge: run \`${cliCommand(['review', t.id], workspace)} --approve\` (or --reject).`);
  const why = how === 'discard' ? 'it has no result waiting to be merged' : isReview(how) ? 'no result of it waits for approval' : 'there is no conflict of it to resolve';
  throw new CliError(`Task "${t.id}" is ${t.status}, not ${WAITING_FOR[how].join(' or ')}: ${why}.`);
}

/** `--by-hand` means the conflict was fixed in the task's worktree: check that before resuming. */
async function checkResolvedByHand(t: TaskState): Promise<void> {
  const dir = t.worktree && !t.worktree.removed ? t.worktree.path : undefined;
  if (!dir || !(await fs.stat(dir).then((st) => st.isDirectory(), () => false))) {
    throw new CliError(`Task "${t.id}" has no worktree to resolve its conflict in${dir ? ` (${printable(dir)} is gone)` : ''}: resolve it with --agent, or --discard its result.`);
  }
  const left = await filesWithMarkers(dir, t.merge?.files ?? []);
  if (left.length) {
    throw new CliError(`The worktree of "${t.id}" (${printable(dir)}) still has conflict markers in ${filesText(left)}: edit them out there, then run this again.`);
  }
}

/**
 * The folder `--worktrees` names, absolute; refused inside the workspace or its repository,
 * where every worktree would show up in the user's checkout, file watchers and search.
 */
export async function worktreesDir(given: string, workspace: string): Promise<string> {
  const dir = path.resolve(given);
  const real = realPath(dir);
  const repo = await openRepository(workspace);
  for (const [root, what] of [[workspace, 'the workspace'], ...(repo ? [[repo.root, 'its git repository']] : [])] as const) {
    if (isInside(realPath(root), real)) {
      const elsewhere = path.join(path.dirname(realPath(root)), `${path.basename(root)}-worktrees`);
      throw new CliError(`--worktrees ${printable(given)} is inside ${what} (${printable(root)}): worktrees there would show up in your checkout. Pass a folder outside it, e.g. --worktrees ${printable(elsewhere)}.`);
    }
  }
  return dir;
}

/**
 * Takes the milestone branch of a session (the given one, or the newest that has one) into
 * the user's checkout: checked out, or merged into the branch they are on.
 */
export async function integrate(workspace: string, given: string | undefined, how: TakeHow, json: boolean): Promise<number> {
  const ids = await sessionIds(workspace, given);
  const read = given !== undefined ? await loadState(workspace, given) : await newestWhere(workspace, ids, (s) => s.branch !== null);
  if (!read?.state.branch) {
    throw new CliError(given !== undefined ? `Session ${given} has no milestone branch: it did not use git.` : `No session in ${workspace} has a milestone branch to integrate.`);
  }
  const { state } = read;
  const branch = read.state.branch;
  if (read.live) throw new CliError(`Session ${state.id} is still running in ${await runningProcess(workspace, state.id)}: integrate its branch ${printable(branch)} once it has ended.`);
  if (how === 'checkout') await refuseCheckedOutElsewhere(workspace, read);
  const result = await takeMilestoneBranch(workspace, branch, how);
  if (json) process.stdout.write(`${JSON.stringify({ session: state.id, branch, ...result })}\n`);
  if (!result.ok) {
    if (!json) process.stderr.write(`${printable(result.message)}\n`);
    return EXIT.usage;
  }
  if (!json) {
    process.stdout.write(`${printable(result.detail)}\n`);
    const waiting = notOnBranch(state);
    if (waiting) process.stdout.write(`Note: session ${state.id} is ${state.status}: ${waiting}\n`);
  }
  return EXIT.ok;
}

/** Git checks a branch out in one worktree only: say where it is, rather than git's refusal. */
async function refuseCheckedOutElsewhere(workspace: string, { state }: ReadSession): Promise<void> {
  const repo = await openRepository(workspace);
  if (!repo || !state.branch) return;
  const holder = (await listWorktrees(repo.git).catch(() => [])).find((w) => w.branch === state.branch && realPath(w.path) !== realPath(repo.root));
  if (!holder) return;
  const whose = state.integration && realPath(state.integration.path) === realPath(holder.path) ? `the session's integration worktree ${printable(holder.path)}` : printable(holder.path);
  throw new CliError(`${printable(state.branch)} is checked out in ${whose}, and git checks a branch out in one place only: use --merge to merge it into your branch, or remove that worktree first (git worktree remove ${printable(holder.path)}).`);
}

/** What of the milestone is not on its branch yet, for a session that did not complete. */
function notOnBranch(s: SessionState): string | undefined {
  if (s.status === 'completed') return undefined;
  const waiting = [...s.tasks.values()].filter((t) => AWAITING_USER_STATUSES.has(t.status)).map((t) => `${t.id} (${t.status === 'needs_merge' ? 'needs merge' : 'in review'})`);
  return waiting.length ? `the results of ${waiting.join(', ')} are not on the branch yet.` : 'the branch holds the work done so far.';
}
