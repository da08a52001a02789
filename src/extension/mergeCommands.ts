// The user's side of the merge queue: open a task's conflict in the merge editor, resolve
// it (by hand, by the task's agent, or by discarding the result), review a result and
// approve or reject it, and take the milestone branch into the checkout once it is done.
// While this window runs the session the coordinator answers; a session that ended waiting
// for the user is resumed with the resolution.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CoordinatorOptions } from '../core/coordinator/options';
import { takeMilestoneBranch, type TakeHow } from '../core/git/integrate';
import { openRepository } from '../core/git/repository';
import { changedFiles, currentBranch, reviewRange, unmergedFiles } from '../core/git/review';
import { filesWithMarkers } from '../core/git/worktrees';
import type { MergeResolution } from '../core/session/events';
import type { TaskState } from '../core/session/state';
import { changesText, taskStatusLabel } from '../shared/presentation';
import type { Ctx } from './ctx';
import { gitContentUri } from './gitContent';
import type { SessionEntry } from './sessionManager';
import { Settings } from './settings';

type Handler = (...args: unknown[]) => unknown;

/** What the merge commands borrow from the other commands: picking a task, and resuming a session with its errors reported. */
export interface MergeHelpers {
  pickTask(arg: unknown, statuses: readonly string[], placeHolder: string): Promise<{ session: SessionEntry; task: string } | undefined>;
  resume(session: SessionEntry, extra: Partial<CoordinatorOptions>): Promise<void>;
  requireTrust(what: string): boolean;
}

/** The statuses each resolution applies to (the coordinator's rule, checked here for a session that is not running). */
const WAITING_FOR: Record<MergeResolution, readonly TaskState['status'][]> = { by_hand: ['needs_merge'], agent: ['needs_merge'], discard: ['needs_merge', 'in_review'], approve: ['in_review'], reject: ['in_review'] };

const WHAT: Record<MergeResolution, string> = {
  by_hand: 'Marking a merge resolved',
  agent: "Letting the agent resolve a merge",
  discard: "Discarding a task's result",
  approve: "Approving a task's result",
  reject: "Rejecting a task's result",
};

function gitBinary(ctx: Ctx, session: SessionEntry): string | undefined {
  return new Settings(vscode.Uri.file(session.workspace)).gitPath ?? ctx.git.gitPath;
}

const name = (t: TaskState): string => `"${t.id}"`;

const DONE: Record<MergeResolution, (t: TaskState) => string> = {
  by_hand: (t) => `Merging task ${name(t)}`,
  agent: (t) => `The agent of task ${name(t)} resolves its merge`,
  discard: (t) => `Discarded the result of task ${name(t)}`,
  approve: (t) => `Approved task ${name(t)}: merging it`,
  reject: (t) => `Rejected the result of task ${name(t)}`,
};

/** The modal question before a result is thrown away; true to go on. */
async function confirmDrop(session: SessionEntry, t: TaskState, how: 'discard' | 'reject'): Promise<boolean> {
  const branch = session.state.branch ?? 'the milestone branch';
  const changes = t.merge?.changes && t.merge.changes.files > 0 ? ` (${changesText(t.merge.changes)})` : '';
  const detail = `Its changes${changes} will not reach ${branch}; its commits stay reachable under refs/milestones/${session.state.milestoneId}/discarded/${t.id}, and the tasks that depend on it go on without them.`;
  const action = how === 'discard' ? 'Discard Result' : 'Reject';
  const question = how === 'discard' ? `Discard the result of task ${name(t)}?` : `Reject the result of task ${name(t)}?`;
  return (await vscode.window.showWarningMessage(question, { modal: true, detail }, action)) === action;
}

/**
 * Resolves a task's merge or review the given way. Refusals come back as a sentence (from
 * the coordinator, or from the same checks made here for a session that is not running).
 */
export async function resolveTask(ctx: Ctx, h: MergeHelpers, session: SessionEntry, task: string, how: MergeResolution): Promise<void> {
  if (!h.requireTrust(WHAT[how])) return;
  const t = session.state.tasks.get(task);
  if (!t) {
    void vscode.window.showInformationMessage(`Session ${session.id} has no task "${task}".`);
    return;
  }
  const applies = WAITING_FOR[how].includes(t.status);
  if ((how === 'discard' || how === 'reject') && applies && !(await confirmDrop(session, t, how))) return;
  // Conflict markers left in a file: say which before anything tries to merge it.
  if (how === 'by_hand' && applies && t.worktree && !t.worktree.removed) {
    const left = await filesWithMarkers(t.worktree.path, await unmergedFiles(t.worktree.path, binaryOpts(ctx, session)).catch(() => [])).catch(() => []);
    if (left.length) {
      void vscode.window.showWarningMessage(`Task ${name(t)} still has conflict markers in ${left.join(', ')}: resolve ${left.length === 1 ? 'it' : 'them'} and save first.`);
      return;
    }
  }
  if (session.coordinator) {
    const answer = await session.coordinator.resolveMerge(task, how);
    if (!answer.ok) void vscode.window.showWarningMessage(answer.message);
    else void vscode.window.setStatusBarMessage(`$(git-merge) ${DONE[how](t)}`, 5000);
    return;
  }
  if (session.liveElsewhere) {
    void vscode.window.showInformationMessage(`Session ${session.id} is run by another process (the CLI or another window): resolve task ${name(t)} there.`);
    return;
  }
  // A session that ended waiting for the user: the same checks the coordinator makes, then a resume that resolves first.
  if (!applies) {
    void vscode.window.showInformationMessage(`Task ${name(t)} is ${taskStatusLabel(t.status)}: ${how === 'approve' || how === 'reject' ? 'it does not wait for review' : how === 'discard' ? 'it has no result waiting to be merged' : 'it does not need a merge'}.`);
    return;
  }
  if (how === 'agent' && t.kind !== 'agent') {
    void vscode.window.showInformationMessage(`Task ${name(t)} runs a shell command, not an agent: resolve its merge by hand, or discard its result.`);
    return;
  }
  await h.resume(session, { resolutions: [{ task, how }] });
}

function binaryOpts(ctx: Ctx, session: SessionEntry): { binary?: string } {
  const binary = gitBinary(ctx, session);
  return binary ? { binary } : {};
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(() => true, () => false);
}

/**
 * Opens a conflicted file of a task in VS Code's merge editor: the task's side (stage 2)
 * against the milestone branch's (stage 3) over their base (stage 1), the result written
 * to the file in the task's worktree. Without `file`, the one conflicted file, or a pick.
 */
export async function openConflict(ctx: Ctx, h: MergeHelpers, session: SessionEntry, task: string, file?: string): Promise<void> {
  const t = session.state.tasks.get(task);
  const wt = t?.worktree;
  if (!t || t.status !== 'needs_merge' || t.merge?.state !== 'conflict' || !wt) {
    void vscode.window.showInformationMessage(`Task "${task}" has no conflict to open${t ? ` (it is ${taskStatusLabel(t.status)})` : ''}.`);
    return;
  }
  if (!(await exists(wt.path))) {
    void vscode.window.showWarningMessage(`The worktree of task ${name(t)} is gone (${wt.path}): resume the session to recreate it, or discard the task's result.`);
    return;
  }
  const opts = binaryOpts(ctx, session);
  const unmerged = await unmergedFiles(wt.path, opts).catch(() => [] as string[]);
  if (unmerged.length === 0) {
    const choice = await vscode.window.showInformationMessage(`No file of task ${name(t)} conflicts any more: mark it resolved to merge it.`, 'Mark Resolved');
    if (choice) await resolveTask(ctx, h, session, task, 'by_hand');
    return;
  }
  let chosen = file && unmerged.includes(file) ? file : undefined;
  if (file && !chosen) {
    void vscode.window.showInformationMessage(`${file} no longer conflicts in task ${name(t)}${unmerged.length ? `; still conflicting: ${unmerged.join(', ')}` : ''}.`);
    return;
  }
  if (!chosen && unmerged.length === 1) chosen = unmerged[0];
  if (!chosen) {
    const picked = await vscode.window.showQuickPick(unmerged.map((f) => ({ label: f, description: wt.branch })), { placeHolder: `Open which conflict of task "${task}"?` });
    chosen = picked?.label;
  }
  if (!chosen) return;
  const milestoneBranch = session.state.branch ?? 'milestone branch';
  const args = {
    base: gitContentUri(wt.path, chosen, ':1'),
    input1: { uri: gitContentUri(wt.path, chosen, ':2'), title: `Task ${t.id}`, description: wt.branch, detail: 'this task' },
    input2: { uri: gitContentUri(wt.path, chosen, ':3'), title: milestoneBranch, description: 'milestone branch', detail: 'merged before' },
    output: vscode.Uri.file(path.join(wt.path, chosen)),
  };
  try {
    await vscode.commands.executeCommand('_open.mergeEditor', args);
  } catch (err) {
    // An editor without the merge editor: the file with its conflict markers is the next best thing.
    ctx.log.warn(`The merge editor did not open (${(err as Error).message}): opening ${args.output.fsPath} itself.`);
    await vscode.window.showTextDocument(args.output);
  }
}

/** Shows what a task changed, file by file, in the multi-file diff editor. */
export async function reviewChanges(ctx: Ctx, session: SessionEntry, task: string): Promise<void> {
  const s = session.state;
  const t = s.tasks.get(task);
  if (!t) return;
  const opts = binaryOpts(ctx, session);
  const repo = await openRepository(session.workspace, opts.binary);
  if (!repo) {
    void vscode.window.showInformationMessage(`${session.workspace} is not in a git repository: there is nothing to review.`);
    return;
  }
  const merged = [...session.events].reverse().find((e) => e.type === 'task_merged' && e.data.task === task);
  const strategy = merged?.type === 'task_merged' ? merged.data.strategy : null;
  // Where its branch started: a worktree found again on a resume reports where it is now, not that.
  const made = [...session.events].reverse().find((e) => e.type === 'worktree_created' && e.data.task === task && !e.data.reused);
  const base = made?.type === 'worktree_created' ? made.data.base : (t.worktree?.base ?? null);
  const range = await reviewRange(repo.root, {
    taskId: task,
    branch: t.worktree?.branch ?? null,
    milestoneBranch: s.branch,
    base,
    sha: t.merge?.state === 'discarded' ? (t.merge.sha ?? t.merge.ref) : (t.merge?.sha ?? null),
    strategy: t.merge?.state === 'discarded' ? null : strategy,
  }, opts).catch((err: Error) => {
    ctx.log.warn(`Could not find what task ${task} changed: ${err.message}`);
    return undefined;
  });
  if (!range) {
    void vscode.window.showInformationMessage(`Task ${name(t)} has no changes that git still has: it changed nothing, or its branch is gone.`);
    return;
  }
  const files = await changedFiles(repo.root, range.from, range.to, opts);
  if (files.length === 0) {
    void vscode.window.showInformationMessage(`Task ${name(t)} changed no file.`);
    return;
  }
  const resources = files.map((f) => [
    vscode.Uri.file(path.join(repo.root, f.path)),
    f.kind === 'added' ? undefined : gitContentUri(repo.root, f.from ?? f.path, range.from),
    f.kind === 'deleted' ? undefined : gitContentUri(repo.root, f.path, range.to),
  ]);
  const title = `Task ${t.id}: ${range.from.slice(0, 7)}..${range.to.slice(0, 7)}${range.exact ? '' : ' (with changes merged meanwhile)'}`;
  await vscode.commands.executeCommand('vscode.changes', title, resources);
}

/** Checks the milestone branch out in the user's checkout, or merges it into the branch there. */
export async function takeBranch(ctx: Ctx, h: MergeHelpers, session: SessionEntry, how: TakeHow): Promise<void> {
  const branch = session.state.branch;
  if (!branch) {
    void vscode.window.showInformationMessage(`Session ${session.id} made no milestone branch.`);
    return;
  }
  if (!h.requireTrust(how === 'checkout' ? 'Checking out the milestone branch' : 'Merging the milestone branch')) return;
  if (session.coordinator || session.liveElsewhere) {
    void vscode.window.showInformationMessage(`Session ${session.id} is still running: take ${branch} once it has ended.`);
    return;
  }
  const result = await takeMilestoneBranch(session.workspace, branch, how, gitBinary(ctx, session));
  void ctx.git.refresh(vscode.Uri.file(session.workspace));
  if (result.ok) {
    ctx.log.info(result.detail);
    void vscode.window.showInformationMessage(result.detail);
    return;
  }
  ctx.log.warn(result.message);
  const choice = await vscode.window.showWarningMessage(result.message, 'Open Source Control');
  if (choice) await vscode.commands.executeCommand('workbench.view.scm');
}

/** The branch checked out in the session's workspace, for "Merge into <branch>". */
export async function checkedOutBranch(ctx: Ctx, session: SessionEntry): Promise<string | undefined> {
  return currentBranch(session.workspace, binaryOpts(ctx, session));
}

const isConflictNode = (v: unknown): v is { kind: 'conflict'; sessionId: string; taskId: string; file: string } => typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'conflict';

/** The merge commands of the command table. */
export function mergeCommandTable(ctx: Ctx, h: MergeHelpers): Record<string, Handler> {
  const resolver = (how: MergeResolution, statuses: readonly string[], placeHolder: string): Handler => async (arg?: unknown) => {
    const picked = await h.pickTask(arg, statuses, placeHolder);
    if (picked) await resolveTask(ctx, h, picked.session, picked.task, how);
  };
  return {
    'milestones.openConflict': async (arg?: unknown) => {
      const picked = await h.pickTask(arg, ['needs_merge'], 'Open the conflict of which task?');
      if (picked) await openConflict(ctx, h, picked.session, picked.task, isConflictNode(arg) ? arg.file : undefined);
    },
    'milestones.reviewChanges': async (arg?: unknown) => {
      const picked = await h.pickTask(arg, ['in_review', 'needs_merge', 'completed'], 'Review the changes of which task?');
      if (picked) await reviewChanges(ctx, picked.session, picked.task);
    },
    'milestones.checkOutBranch': async (arg?: unknown) => {
      const session = await endedSession(ctx, arg);
      if (session) await takeBranch(ctx, h, session, 'checkout');
    },
    'milestones.mergeBranch': async (arg?: unknown) => {
      const session = await endedSession(ctx, arg);
      if (session) await takeBranch(ctx, h, session, 'merge');
    },
    'milestones.markResolved': resolver('by_hand', ['needs_merge'], 'Mark which merge resolved?'),
    'milestones.resolveWithAgent': resolver('agent', ['needs_merge'], 'Let the agent resolve which merge?'),
    'milestones.discardResult': resolver('discard', ['needs_merge', 'in_review'], "Discard which task's result?"),
    'milestones.approveTask': resolver('approve', ['in_review'], 'Approve which task?'),
    'milestones.rejectTask': resolver('reject', ['in_review'], 'Reject which task?'),
  };
}

/** The session a take command is about: the tree's session row, else the newest that can be taken. */
async function endedSession(ctx: Ctx, arg: unknown): Promise<SessionEntry | undefined> {
  const id = typeof arg === 'object' && arg !== null && 'sessionId' in arg && typeof arg.sessionId === 'string' ? arg.sessionId : undefined;
  if (id) return ctx.sessions.get(id);
  const candidates = ctx.sessions.sessions().filter((s) => !s.coordinator && !s.liveElsewhere && s.state.integration && s.state.branch);
  if (candidates.length <= 1) {
    if (!candidates[0]) void vscode.window.showInformationMessage('No ended session has a milestone branch to take.');
    return candidates[0];
  }
  const picked = await vscode.window.showQuickPick(
    candidates.map((s) => ({ label: s.state.branch ?? s.id, description: `${s.state.title || s.state.milestoneId} · ${s.state.status} · ${s.id}`, session: s })),
    { placeHolder: 'Take which milestone branch?' },
  );
  return picked?.session;
}
