import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { simpleGit, type SimpleGit, type StatusResult } from 'simple-git';

export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/** `<milestone-id>: <title> [<task-id>]`, the title reduced to one printable line. */
export function commitMessage(milestoneId: string, title: string, taskId?: string): string {
  // eslint-disable-next-line no-control-regex
  const line = title.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  const short = line.length > 72 ? `${line.slice(0, 71)}…` : line;
  return taskId ? `${milestoneId}: ${short} [${taskId}]` : `${milestoneId}: ${short}`;
}

export interface Conflict {
  kind: 'unmerged' | 'merge' | 'rebase' | 'diverged';
  detail: string;
}

/** Opens a repository for the agent's work; falls back to a committer identity when none is set. */
export async function openRepository(dir: string, binary?: string): Promise<{ git: SimpleGit; root: string; config: string[] } | undefined> {
  const base = simpleGit({ baseDir: dir, ...(binary ? { binary } : {}), completion: { onClose: true, onExit: false } });
  let root: string;
  try {
    root = (await base.revparse(['--show-toplevel'])).trim();
  } catch {
    return undefined;
  }
  const email = await base.raw(['config', '--get', 'user.email']).catch(() => '');
  const config = email.trim() ? [] : ['user.name=Milestone Agents', 'user.email=milestone-agents@localhost'];
  return { git: simpleGit({ baseDir: root, ...(binary ? { binary } : {}), config, completion: { onClose: true, onExit: false } }), root, config };
}

/**
 * Unmerged paths, a merge or rebase in progress, or a diverged branch. Runs on every
 * per-task commit, so it asks git twice at most: the status (or the caller's), and one
 * rev-parse for where the in-progress markers live.
 */
export async function findConflict(git: SimpleGit, root: string, known?: StatusResult): Promise<Conflict | undefined> {
  const status = known ?? (await git.status());
  if (status.conflicted.length) return { kind: 'unmerged', detail: `unmerged paths: ${status.conflicted.slice(0, 5).join(', ')}` };
  const markers = ['MERGE_HEAD', 'rebase-merge', 'rebase-apply'];
  // Paths come back relative to the repository root (simple-git runs there), one per line.
  const where = (await git.raw(['rev-parse', ...markers.flatMap((m) => ['--git-path', m])])).trim().split('\n');
  const present = await Promise.all(where.map((rel) => fs.access(path.resolve(root, rel.trim())).then(() => true, () => false)));
  if (present[0]) return { kind: 'merge', detail: 'a merge is in progress: finish it (git commit) or abort it (git merge --abort)' };
  if (present[1] || present[2]) return { kind: 'rebase', detail: 'a rebase is in progress: finish it (git rebase --continue) or abort it (git rebase --abort)' };
  if (status.tracking && status.ahead > 0 && status.behind > 0) {
    return { kind: 'diverged', detail: `${status.current ?? 'the branch'} has diverged from ${status.tracking} (${status.ahead} ahead, ${status.behind} behind): merge or rebase it` };
  }
  return undefined;
}

/** `/<path from the repository root>/.milestones/sessions/`, as an ignore pattern. */
function sessionsPattern(root: string, workspace: string): string {
  return `/${path.relative(root, path.join(workspace, '.milestones', 'sessions')).split(path.sep).join('/')}/`;
}

/**
 * Session state lives in the workspace but must never be committed or count as a change:
 * it goes into the repository's own info/exclude (not a tracked .gitignore), once.
 */
export async function excludeSessionState(git: SimpleGit, root: string, workspace: string): Promise<void> {
  const pattern = sessionsPattern(root, workspace);
  const excludeFile = path.resolve(root, (await git.revparse(['--git-path', 'info/exclude'])).trim());
  const current = await fs.readFile(excludeFile, 'utf8').catch(() => '');
  if (current.split('\n').includes(pattern)) return;
  await fs.mkdir(path.dirname(excludeFile), { recursive: true });
  await fs.appendFile(excludeFile, `${current && !current.endsWith('\n') ? '\n' : ''}# milestone-agents session state\n${pattern}\n`);
}

/** Paths with uncommitted changes, session state left out. */
export async function uncommittedChanges(git: SimpleGit, root: string, workspace: string): Promise<string[]> {
  const sessions = sessionsPattern(root, workspace).slice(1);
  return (await git.status()).files.map((f) => f.path).filter((p) => !p.startsWith(sessions) && `${p}/` !== sessions);
}
