// Worktrees, one per isolated task, and the milestone branch's integration worktree: where
// they live, how they are made, merged and removed. Every removal checks first that
// nothing would be lost: a worktree with changes, or a branch that is not merged, stays.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { failpoint } from '../failpoints';
import type { DiffStat } from '../session/events';
import { EMPTY_TREE } from './repository';

export interface RepoHandle {
  git: SimpleGit;
  root: string;
  binary?: string;
  /** `-c` settings every command gets (a fallback committer identity). */
  config: string[];
}

/** The same repository, seen from another of its worktrees. */
export function gitAt(repo: RepoHandle, dir: string): SimpleGit {
  return simpleGit({ baseDir: dir, ...(repo.binary ? { binary: repo.binary } : {}), config: repo.config, completion: { onClose: true, onExit: false } });
}

/**
 * A task's branch. Git cannot keep `milestone/x/task` next to a branch `milestone/x` (a ref
 * cannot be both a file and a folder), so the tasks' branches sit in a sibling folder.
 */
export function taskBranch(milestoneBranch: string, task: string): string {
  return `${milestoneBranch}-tasks/${task}`;
}

/** Where a discarded result's commits stay reachable. */
export function discardedRef(milestoneId: string, task: string): string {
  return `refs/milestones/${milestoneId}/discarded/${task}`;
}

/**
 * The folder for a repository's worktrees: outside the workspace, so file watchers, search
 * and the language server never see them. One folder per repository (by its path).
 */
export function worktreesBase(root: string, configured?: string, env: Record<string, string | undefined> = process.env): string {
  const base = configured ?? env.MILESTONE_WORKTREES_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'milestone-agents', 'worktrees');
  const tag = `${path.basename(root).replace(/[^\w.-]/g, '_')}-${createHash('sha256').update(root).digest('hex').slice(0, 8)}`;
  return path.join(path.resolve(base), tag);
}

export interface WorktreeEntry {
  path: string;
  head: string;
  branch: string | null;
}

export async function listWorktrees(git: SimpleGit): Promise<WorktreeEntry[]> {
  const out = await git.raw(['worktree', 'list', '--porcelain']);
  const entries: WorktreeEntry[] = [];
  for (const block of out.split('\n\n')) {
    const lines = block.split('\n');
    const wt = lines.find((l) => l.startsWith('worktree '))?.slice(9);
    if (!wt) continue;
    const branch = lines.find((l) => l.startsWith('branch '))?.slice(7).replace(/^refs\/heads\//, '') ?? null;
    entries.push({ path: wt, head: lines.find((l) => l.startsWith('HEAD '))?.slice(5) ?? '', branch });
  }
  return entries;
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(() => true, () => false);
}

async function revision(git: SimpleGit, rev: string): Promise<string | undefined> {
  // simple-git rejects only on stderr output, and `--quiet` prints none: check the answer.
  const sha = (await git.raw(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]).catch(() => '')).trim();
  return /^[0-9a-f]{40,64}$/.test(sha) ? sha : undefined;
}

/** `a` is on `b`'s history. (`merge-base --is-ancestor` answers by exit code alone, which simple-git does not report.) */
async function isAncestor(git: SimpleGit, a: string, b: string): Promise<boolean> {
  const base = (await git.raw(['merge-base', a, b]).catch(() => '')).trim();
  return base !== '' && base === (await revision(git, a));
}

/**
 * The milestone branch exists (made from HEAD, or from an empty first commit in a new
 * repository) without being checked out anywhere the user works.
 */
export async function ensureBranch(git: SimpleGit, branch: string, milestoneId: string): Promise<{ created: boolean; head: string }> {
  const existing = await revision(git, `refs/heads/${branch}`);
  if (existing) return { created: false, head: existing };
  let from = await revision(git, 'HEAD');
  from ??= (await git.raw(['commit-tree', EMPTY_TREE, '-m', `${milestoneId}: start`])).trim();
  await git.raw(['branch', branch, from]);
  return { created: true, head: from };
}

const CHECKED_OUT = /is already (checked out|used by worktree) at '([^']+)'/;

/**
 * Checks `branch` out at `dir` in a worktree of its own, or finds it already there (a
 * resume). A branch that does not exist yet starts at `from`.
 */
export async function ensureWorktree(repo: RepoHandle, dir: string, branch: string, from?: string): Promise<{ reused: boolean; head: string }> {
  const listed = await listWorktrees(repo.git);
  const here = listed.find((w) => w.path === dir);
  if (here && (await exists(dir))) {
    if (here.branch !== branch) throw new Error(`${dir} is a worktree of ${here.branch ?? 'a detached HEAD'}, not ${branch}: remove it (git worktree remove "${dir}") and try again.`);
    return { reused: true, head: here.head };
  }
  // A worktree folder deleted by hand leaves its registration behind: drop those first.
  await repo.git.raw(['worktree', 'prune']);
  await fs.mkdir(path.dirname(dir), { recursive: true });
  const branchExists = (await revision(repo.git, `refs/heads/${branch}`)) !== undefined;
  const args = branchExists ? ['worktree', 'add', dir, branch] : ['worktree', 'add', '-b', branch, dir, from ?? 'HEAD'];
  try {
    await repo.git.raw(args);
  } catch (err) {
    const m = CHECKED_OUT.exec((err as Error).message);
    if (m) throw new Error(`The branch ${branch} is checked out in ${m[2]}: switch that checkout to another branch (git switch -), or set git.in_place: true to run in it.`, { cause: err });
    throw err;
  }
  return { reused: branchExists, head: (await revision(gitAt(repo, dir), 'HEAD')) ?? '' };
}

/**
 * Copies the ignored files the repository lists in `.worktreeinclude` (gitignore syntax,
 * e.g. `.env`) from the user's checkout into a fresh worktree. Returns how many.
 */
export async function copyIncluded(repo: RepoHandle, dir: string): Promise<number> {
  const list = path.join(repo.root, '.worktreeinclude');
  if (!(await exists(list))) return 0;
  const files = (await repo.git.raw(['ls-files', '--others', '--ignored', '--exclude-from', list, '-z'])).split('\0').filter(Boolean);
  for (const rel of files) {
    const target = path.join(dir, rel);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.copyFile(path.join(repo.root, rel), target);
  }
  return files.length;
}

/** Lines added and removed between two commits. */
export async function diffStat(git: SimpleGit, from: string, to: string): Promise<DiffStat> {
  const stat: DiffStat = { files: 0, added: 0, removed: 0 };
  for (const row of (await git.raw(['diff', '--numstat', from, to])).split('\n')) {
    const [added, removed] = row.split('\t');
    if (removed === undefined || added === undefined) continue;
    stat.files++;
    stat.added += Number(added) || 0;
    stat.removed += Number(removed) || 0;
  }
  return stat;
}

async function gitPath(git: SimpleGit, dir: string, name: string): Promise<string> {
  return path.resolve(dir, (await git.raw(['rev-parse', '--git-path', name])).trim());
}

/** A merge of the milestone branch into the task's branch is under way in its worktree. */
async function mergeInProgress(git: SimpleGit, dir: string): Promise<boolean> {
  return exists(await gitPath(git, dir, 'MERGE_HEAD'));
}

async function unmergedFiles(git: SimpleGit): Promise<string[]> {
  return (await git.raw(['diff', '--name-only', '--diff-filter=U', '-z'])).split('\0').filter(Boolean);
}

const MARKER = /^(<{7}|>{7})( |$)/m;

/** Files that still hold conflict markers. */
export async function filesWithMarkers(dir: string, files: readonly string[]): Promise<string[]> {
  const left: string[] = [];
  for (const f of files) {
    const text = await fs.readFile(path.join(dir, f), 'utf8').catch(() => '');
    if (MARKER.test(text)) left.push(f);
  }
  return left;
}

/** Stages everything in the worktree and commits it; the commit's sha, or undefined when there was nothing. */
export async function commitEverything(git: SimpleGit, message: string): Promise<string | undefined> {
  await git.raw(['add', '-A', '--verbose']);
  const staged = (await git.raw(['diff', '--cached', '--name-only'])).trim();
  if (!staged) return undefined;
  await git.raw(['commit', '--quiet', '--no-verify', '-m', message]);
  return revision(git, 'HEAD');
}

export type MergeResult =
  | { kind: 'merged'; sha: string; strategy: 'fast-forward' | 'rebase' | 'merge' | 'none'; changes: DiffStat }
  | { kind: 'conflict'; files: string[]; changes: DiffStat }
  /** Committed on the task's branch, not merged (the task waits for review). */
  | { kind: 'committed'; changes: DiffStat };

export interface MergeRequest {
  /** The integration worktree, where the milestone branch is checked out. */
  integration: string;
  worktree: string;
  branch: string;
  milestoneBranch: string;
  message: string;
  /** Commit on the task's branch and stop there (review before merge). */
  commitOnly?: boolean;
}

/**
 * Puts a task's result on the milestone branch. Its changes are committed on its branch,
 * then the milestone branch moves forward to it: directly when it is ahead, after a rebase
 * when that is clean, else after a real merge of the milestone branch into the task's
 * branch. A conflict is left in progress in the task's worktree for someone to resolve;
 * calling this again after that completes the merge (or reports what still conflicts).
 * Safe to repeat after a crash at any step.
 */
export async function mergeTaskResult(repo: RepoHandle, req: MergeRequest): Promise<MergeResult> {
  const integration = gitAt(repo, req.integration);
  const milestoneHead = await revision(integration, 'HEAD');
  if (!milestoneHead) throw new Error(`the integration worktree ${req.integration} has no commit checked out`);
  if (!(await exists(req.worktree))) {
    // Cleaned up already (a crash after the removal): the branch says whether anything is left.
    const head = await revision(repo.git, `refs/heads/${req.branch}`);
    if (!head || (await isAncestor(repo.git, head, milestoneHead))) return { kind: 'merged', sha: milestoneHead, strategy: 'none', changes: { files: 0, added: 0, removed: 0 } };
    await ensureWorktree(repo, req.worktree, req.branch);
  }
  const wt = gitAt(repo, req.worktree);
  if (await exists(await gitPath(wt, req.worktree, 'rebase-merge'))) await wt.raw(['rebase', '--abort']);
  // A conflict resolved in the worktree ends in a merge commit: that is how it lands.
  let resolved = false;
  if (await mergeInProgress(wt, req.worktree)) {
    const unmerged = await unmergedFiles(wt);
    const conflicted = await filesWithMarkers(req.worktree, unmerged);
    if (conflicted.length) return { kind: 'conflict', files: conflicted, changes: await diffStat(wt, milestoneHead, 'HEAD') };
    await wt.raw(['add', '-A', '--verbose']);
    await wt.raw(['commit', '--quiet', '--no-verify', '--no-edit']);
    resolved = true;
  } else {
    await commitEverything(wt, req.message);
  }
  let taskHead = (await revision(wt, 'HEAD'))!;
  if (await isAncestor(wt, taskHead, milestoneHead)) {
    return { kind: 'merged', sha: milestoneHead, strategy: 'none', changes: { files: 0, added: 0, removed: 0 } };
  }
  if (req.commitOnly) {
    const base = (await wt.raw(['merge-base', milestoneHead, taskHead])).trim();
    return { kind: 'committed', changes: await diffStat(wt, base, taskHead) };
  }
  let strategy: 'fast-forward' | 'rebase' | 'merge' = resolved ? 'merge' : 'fast-forward';
  if (!(await isAncestor(wt, milestoneHead, taskHead))) {
    // A branch that already merged the milestone branch once (a resolved conflict) is not
    // rebased: replaying its commits would bring the same conflict back.
    const merges = (await wt.raw(['rev-list', '--merges', `${milestoneHead}..${taskHead}`])).trim();
    // Judged by the outcome, not the exit: simple-git reports a failure only when git wrote to stderr.
    if (!merges) await wt.raw(['rebase', '--quiet', milestoneHead]).catch(() => undefined);
    const inRebase = await exists(await gitPath(wt, req.worktree, 'rebase-merge'));
    if (!merges && !inRebase && (await isAncestor(wt, milestoneHead, 'HEAD'))) {
      strategy = 'rebase';
    } else {
      if (inRebase) await wt.raw(['rebase', '--abort']);
      await wt.raw(['merge', '--no-ff', '--no-edit', '-m', `Merge ${req.milestoneBranch} into ${req.branch}`, milestoneHead]).catch(() => undefined);
      if ((await mergeInProgress(wt, req.worktree)) || !(await isAncestor(wt, milestoneHead, 'HEAD'))) {
        const files = await unmergedFiles(wt);
        if (!files.length) throw new Error(`merging ${req.milestoneBranch} into ${req.branch} failed without a conflict: see git status in ${req.worktree}`);
        const base = (await wt.raw(['merge-base', milestoneHead, taskHead])).trim();
        return { kind: 'conflict', files, changes: await diffStat(wt, base, taskHead) };
      }
      strategy = 'merge';
    }
    taskHead = (await revision(wt, 'HEAD'))!;
  }
  // Tests kill the whole process here (kill -9 of the coordinator in the middle of a merge).
  if (failpoint('git.kill_in_merge') === path.basename(req.worktree)) process.kill(process.pid, 'SIGKILL');
  await integration.raw(['merge', '--ff-only', '--quiet', taskHead]);
  return { kind: 'merged', sha: taskHead, strategy, changes: await diffStat(wt, milestoneHead, taskHead) };
}

export type CloseResult = { removed: true; ref?: string; sha?: string } | { removed: false; reason: string };

/**
 * Removes a merged task's worktree and branch, only when the worktree is clean and the
 * branch is on the milestone branch; otherwise says why it stays.
 */
export async function removeMerged(repo: RepoHandle, integrationDir: string, dir: string, branch: string): Promise<CloseResult> {
  const integration = gitAt(repo, integrationDir);
  if (await exists(dir)) {
    const dirty = (await gitAt(repo, dir).raw(['status', '--porcelain'])).trim();
    if (dirty) return { removed: false, reason: `${dir} has changes that are not committed` };
  }
  const head = await revision(repo.git, `refs/heads/${branch}`);
  if (head && !(await isAncestor(integration, head, 'HEAD'))) return { removed: false, reason: `${branch} is not merged into the milestone branch` };
  if (await exists(dir)) await repo.git.raw(['worktree', 'remove', dir]);
  await repo.git.raw(['worktree', 'prune']);
  if (head) await repo.git.raw(['branch', '-D', branch]);
  return { removed: true };
}

/**
 * Discards a task's result: its work (with any merge under way abandoned) is committed on
 * its branch, kept reachable from `ref`, and the worktree and branch are removed.
 */
export async function discardResult(repo: RepoHandle, dir: string, branch: string, ref: string, message: string): Promise<CloseResult> {
  if (await exists(dir)) {
    const wt = gitAt(repo, dir);
    if (await mergeInProgress(wt, dir)) await wt.raw(['merge', '--abort']);
    await commitEverything(wt, message);
  }
  const sha = await revision(repo.git, `refs/heads/${branch}`);
  if (sha) await repo.git.raw(['update-ref', ref, sha]);
  if (await exists(dir)) await repo.git.raw(['worktree', 'remove', '--force', dir]);
  await repo.git.raw(['worktree', 'prune']);
  if (sha) await repo.git.raw(['branch', '-D', branch]);
  return { removed: true, ref, ...(sha ? { sha } : {}) };
}

/**
 * A task that did not finish at the end of a session: its work is committed on its branch
 * (which stays, for a resume to continue from) and the worktree goes. A worktree with a
 * merge under way stays: that is where its conflict is resolved.
 */
export async function parkWorktree(repo: RepoHandle, dir: string, message: string): Promise<CloseResult> {
  if (!(await exists(dir))) return { removed: true };
  const wt = gitAt(repo, dir);
  if (await mergeInProgress(wt, dir)) return { removed: false, reason: 'a merge is under way there' };
  const sha = await commitEverything(wt, message);
  await repo.git.raw(['worktree', 'remove', dir]);
  await repo.git.raw(['worktree', 'prune']);
  return { removed: true, ...(sha ? { sha } : {}) };
}

/** Removes the integration worktree once everything in it is committed. */
export async function removeIntegration(repo: RepoHandle, dir: string): Promise<CloseResult> {
  if (!(await exists(dir))) {
    await repo.git.raw(['worktree', 'prune']);
    return { removed: true };
  }
  const dirty = (await gitAt(repo, dir).raw(['status', '--porcelain'])).trim();
  if (dirty) return { removed: false, reason: `${dir} has changes that are not committed` };
  await repo.git.raw(['worktree', 'remove', dir]);
  await repo.git.raw(['worktree', 'prune']);
  // The session's folder and the repository's, once empty (rmdir leaves a folder with anything in it).
  const session = path.dirname(dir);
  if (await fs.rmdir(session).then(() => true, () => false)) await fs.rmdir(path.dirname(session)).catch(() => undefined);
  return { removed: true };
}

/**
 * A crashed git command leaves `index.lock` behind, and every later command in that
 * worktree fails. Only for the engine's own worktrees, once their previous owner is dead.
 */
export async function clearStaleIndexLock(git: SimpleGit, dir: string): Promise<boolean> {
  const lock = await gitPath(git, dir, 'index.lock').catch(() => undefined);
  if (!lock || !(await exists(lock))) return false;
  await fs.rm(lock, { force: true });
  return true;
}

/**
 * The paths a task's worktree changed since it left the milestone branch: committed,
 * staged, modified or new. A worktree that is gone changed nothing any more.
 */
export async function changedSinceBase(repo: RepoHandle, dir: string, milestoneBranch: string): Promise<string[]> {
  if (!(await exists(dir))) return [];
  const wt = gitAt(repo, dir);
  const base = (await wt.raw(['merge-base', milestoneBranch, 'HEAD'])).trim();
  const tracked = (await wt.raw(['diff', '--name-only', '-z', base])).split('\0');
  const untracked = (await wt.raw(['ls-files', '--others', '--exclude-standard', '-z'])).split('\0');
  return [...new Set([...tracked, ...untracked].filter(Boolean))].sort();
}

const SIDE_LIMIT = 6000;

/** Both sides of each conflicting file, for the prompt that asks an agent to resolve them. */
export async function describeConflict(repo: RepoHandle, dir: string, milestoneBranch: string): Promise<{ files: string[]; text: string }> {
  const wt = gitAt(repo, dir);
  const files = await filesWithMarkers(dir, await unmergedFiles(wt));
  const parts: string[] = [];
  for (const f of files) {
    const side = async (stage: number): Promise<string> => {
      const text = await wt.raw(['show', `:${stage}:${f}`]).catch(() => '(absent on this side)');
      return text.length > SIDE_LIMIT ? `${text.slice(0, SIDE_LIMIT)}\n… (cut at ${SIDE_LIMIT} characters)` : text;
    };
    parts.push(`### ${f}\n\nYour version (this task's branch):\n\`\`\`\n${await side(2)}\n\`\`\`\n\nThe milestone branch's version (${milestoneBranch}):\n\`\`\`\n${await side(3)}\n\`\`\``);
  }
  return { files, text: parts.join('\n\n') };
}
