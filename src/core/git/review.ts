// What the editor reads from git to show a task's result: the three sides of a conflict
// (the index stages of a merge under way in the task's worktree), the files two revisions
// differ in, a file as it is at a revision, and how much disk a set of worktrees takes.
// Read-only: nothing here writes to a repository, and none of it takes git's index lock.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** Index stages of a conflicted file: 1 the common base, 2 "ours" (the task), 3 "theirs" (the milestone branch). */
export type Stage = 1 | 2 | 3;

export interface GitOptions {
  /** The git binary; `git` on PATH without it. */
  binary?: string;
}

const MAX_OUTPUT = 64 * 1024 * 1024;

class GitError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/** Runs git in `dir` and resolves with its standard output; rejects with its standard error. */
function run(dir: string, args: readonly string[], opts: GitOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      opts.binary ?? 'git',
      ['-c', 'core.quotepath=false', ...args],
      // Reading must not take the index lock, or it races with the engine's own commands.
      { cwd: dir, encoding: 'buffer', maxBuffer: MAX_OUTPUT, env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' } },
      (err, stdout, stderr) => {
        const errText = stderr.toString('utf8').trim();
        if (err) reject(new GitError(`git ${args[0] ?? ''} failed in ${dir}: ${errText || err.message}`, errText));
        else resolve(stdout.toString('utf8'));
      },
    );
  });
}

/** git's ways of saying that a path is not there at that revision or stage: an answer, not a failure. */
const ABSENT = /does not exist|exists on disk, but not in|is in the index, but not at stage|not at stage/;

async function show(dir: string, object: string, opts: GitOptions): Promise<string | undefined> {
  try {
    return await run(dir, ['show', '--end-of-options', object], opts);
  } catch (err) {
    if (err instanceof GitError && ABSENT.test(err.stderr)) return undefined;
    throw err;
  }
}

/** Paths inside the repository use forward slashes, relative to its top. */
function gitPath(file: string): string {
  return file.split(path.sep).join('/');
}

/**
 * A conflicted file's content at one stage of the merge under way in `worktree`, or
 * undefined when that side has no such file (added on one side only, or deleted).
 */
export function stageContent(worktree: string, file: string, stage: Stage, opts: GitOptions = {}): Promise<string | undefined> {
  return show(worktree, `:${stage}:${gitPath(file)}`, opts);
}

/** A file as it is at `rev`, or undefined when it does not exist there. Rejects on a revision that does not exist. */
export function fileAt(dir: string, rev: string, file: string, opts: GitOptions = {}): Promise<string | undefined> {
  return show(dir, `${rev}:${gitPath(file)}`, opts);
}

/** The commit a revision names, or undefined when it names none. */
export async function resolveRevision(dir: string, rev: string, opts: GitOptions = {}): Promise<string | undefined> {
  const out = await run(dir, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], opts).catch(() => '');
  const sha = out.trim();
  return /^[0-9a-f]{40,64}$/.test(sha) ? sha : undefined;
}

/** The best common ancestor of two revisions, or undefined when they have none (or one does not exist). */
export async function mergeBase(dir: string, a: string, b: string, opts: GitOptions = {}): Promise<string | undefined> {
  const out = await run(dir, ['merge-base', '--end-of-options', a, b], opts).catch(() => '');
  const sha = out.trim();
  return /^[0-9a-f]{40,64}$/.test(sha) ? sha : undefined;
}

/** The branch checked out in `dir`, or undefined on a detached HEAD (or outside a repository). */
export async function currentBranch(dir: string, opts: GitOptions = {}): Promise<string | undefined> {
  const out = await run(dir, ['symbolic-ref', '--quiet', '--short', 'HEAD'], opts).catch(() => '');
  return out.trim() || undefined;
}

/** Files with unmerged entries in the worktree's index: the ones a merge under way still conflicts in. */
export async function unmergedFiles(worktree: string, opts: GitOptions = {}): Promise<string[]> {
  const out = await run(worktree, ['diff', '--name-only', '--diff-filter=U', '-z'], opts);
  return [...new Set(out.split('\0').filter(Boolean))];
}

export type ChangeKind = 'added' | 'modified' | 'deleted' | 'renamed' | 'copied' | 'type_changed';

export interface ChangedFile {
  kind: ChangeKind;
  /** The path at `to` (for a deleted file, the path it had). */
  path: string;
  /** The path at `from`, for renames and copies. */
  from?: string;
}

const KINDS: Record<string, ChangeKind> = { A: 'added', M: 'modified', D: 'deleted', R: 'renamed', C: 'copied', T: 'type_changed' };

/** Parses `git diff --name-status -z` output. */
export function parseNameStatus(out: string): ChangedFile[] {
  const fields = out.split('\0');
  const files: ChangedFile[] = [];
  for (let i = 0; i < fields.length; ) {
    const status = fields[i++];
    if (!status) continue;
    const kind = KINDS[status[0]!];
    if (kind === 'renamed' || kind === 'copied') {
      const from = fields[i++];
      const to = fields[i++];
      if (from !== undefined && to !== undefined) files.push({ kind, path: to, from });
    } else {
      const file = fields[i++];
      if (file !== undefined && kind) files.push({ kind, path: file });
    }
  }
  return files;
}

/** The files that differ between two revisions, renames detected. */
export async function changedFiles(dir: string, from: string, to: string, opts: GitOptions = {}): Promise<ChangedFile[]> {
  return parseNameStatus(await run(dir, ['diff', '--name-status', '-z', '-M', '--end-of-options', from, to, '--'], opts));
}

/** Where a task's result is, for reviewing it: as much of it as git still knows. */
export interface ReviewSource {
  taskId: string;
  /** The task's branch (it may be gone once merged). */
  branch: string | null;
  /** The milestone branch it merges into. */
  milestoneBranch: string | null;
  /** The commit the task's worktree started from. */
  base: string | null;
  /** Where its result landed (merged) or stays reachable (discarded). */
  sha: string | null;
  /** How it was merged, from its `task_merged` event. */
  strategy: 'fast-forward' | 'rebase' | 'merge' | 'none' | null;
}

/** Two revisions whose difference is the task's change; `exact: false` when it may hold others' changes too. */
export interface ReviewRange {
  from: string;
  to: string;
  exact: boolean;
}

/**
 * The revisions to compare to see what a task changed, or undefined when git no longer
 * knows (the branch is gone and no commit is recorded) or the task changed nothing.
 * - Its branch still exists: from where it meets the milestone branch, to its head. That
 *   is the task's own work even after the milestone branch moved on, or was merged into it.
 * - Merged with a merge commit (or fast-forwarded to one: a conflict resolved by hand):
 *   from that commit's second parent (the milestone branch it merged), to it.
 * - Fast-forwarded: from the base it started from.
 * - Rebased: its commits are the ones on top whose message ends in `[<task>]`; failing
 *   that, from its base, which then also holds what other tasks merged meanwhile.
 * - Not merged (discarded, `strategy` null): from where it meets the milestone branch.
 */
export async function reviewRange(dir: string, src: ReviewSource, opts: GitOptions = {}): Promise<ReviewRange | undefined> {
  const head = src.branch ? await resolveRevision(dir, `refs/heads/${src.branch}`, opts) : undefined;
  if (head) {
    const meet = src.milestoneBranch ? await mergeBase(dir, `refs/heads/${src.milestoneBranch}`, head, opts) : undefined;
    const from = meet ?? (src.base ? await resolveRevision(dir, src.base, opts) : undefined);
    // A branch already merged (kept because its worktree was not clean) says no more: its merge does.
    if (from && from !== head) return { from, to: head, exact: meet !== undefined };
  }
  const sha = src.sha ? await resolveRevision(dir, src.sha, opts) : undefined;
  if (!sha || src.strategy === 'none') return undefined;
  // A merge commit on top is the milestone branch merged into the task's (by the engine, or
  // a conflict resolved by hand and then fast-forwarded): its second parent is the other side.
  if (src.strategy === 'merge' || src.strategy === 'fast-forward') {
    const theirs = await resolveRevision(dir, `${sha}^2`, opts);
    if (theirs) return { from: theirs, to: sha, exact: true };
  }
  if (src.strategy === null) {
    // Not merged (a discarded result): it starts where it meets the milestone branch.
    const meet = src.milestoneBranch ? await mergeBase(dir, `refs/heads/${src.milestoneBranch}`, sha, opts) : undefined;
    const from = meet ?? (src.base ? await resolveRevision(dir, src.base, opts) : undefined);
    return from && from !== sha ? { from, to: sha, exact: meet !== undefined } : undefined;
  }
  const base = src.base ? await resolveRevision(dir, src.base, opts) : undefined;
  if (src.strategy === 'rebase' && base) {
    const log = await run(dir, ['log', '--first-parent', '--format=%s', '--end-of-options', `${base}..${sha}`], opts).catch(() => '');
    const subjects = log.split('\n').filter(Boolean);
    const mine = subjects.findIndex((s) => !s.endsWith(`[${src.taskId}]`));
    const n = mine === -1 ? subjects.length : mine;
    if (n > 0 && n < subjects.length) {
      const from = await resolveRevision(dir, `${sha}~${n}`, opts);
      if (from) return { from, to: sha, exact: true };
    }
  }
  if (!base || base === sha) return undefined;
  return { from: base, to: sha, exact: src.strategy === 'fast-forward' };
}

export interface DiskUsage {
  /** Bytes allocated on disk (apparent size where the file system does not say). */
  bytes: number;
  files: number;
  /** False when the walk stopped at its limits: then the figures are a lower bound. */
  complete: boolean;
}

/**
 * Disk used by the directories, walked without following symbolic links, each inode
 * counted once. Bounded: it stops after `maxEntries` entries or `timeoutMs`, and says so.
 * Directories that do not exist count nothing.
 */
export async function diskUsage(dirs: readonly string[], limits: { maxEntries?: number; timeoutMs?: number } = {}): Promise<DiskUsage> {
  const maxEntries = limits.maxEntries ?? 200_000;
  const deadline = Date.now() + (limits.timeoutMs ?? 3_000);
  const seen = new Set<string>();
  const usage: DiskUsage = { bytes: 0, files: 0, complete: true };
  let entries = 0;
  const stack = [...new Set(dirs.map((d) => path.resolve(d)))];
  while (stack.length) {
    if (entries >= maxEntries || Date.now() > deadline) {
      usage.complete = false;
      break;
    }
    const dir = stack.pop()!;
    const st = await fs.lstat(dir).catch(() => undefined);
    if (!st) continue;
    const key = `${st.dev}:${st.ino}`;
    if (seen.has(key)) continue;
    seen.add(key);
    entries++;
    usage.bytes += allocated(st);
    if (!st.isDirectory()) {
      usage.files++;
      continue;
    }
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    for (const name of names) stack.push(path.join(dir, name));
  }
  return usage;
}

function allocated(st: { blocks?: number; size: number }): number {
  return typeof st.blocks === 'number' && st.blocks > 0 ? st.blocks * 512 : st.size;
}
