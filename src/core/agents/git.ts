import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { simpleGit, type SimpleGit, type StatusResult } from 'simple-git';
import type { Agent, AgentContext } from './agent';
import type { CoordinatorToAgent, GitConfig } from './messages';

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
export async function openRepository(dir: string, binary?: string): Promise<{ git: SimpleGit; root: string } | undefined> {
  const base = simpleGit({ baseDir: dir, ...(binary ? { binary } : {}), completion: { onClose: true, onExit: false } });
  let root: string;
  try {
    root = (await base.revparse(['--show-toplevel'])).trim();
  } catch {
    return undefined;
  }
  const email = await base.raw(['config', '--get', 'user.email']).catch(() => '');
  const config = email.trim() ? [] : ['user.name=Milestone Agents', 'user.email=milestone-agents@localhost'];
  return { git: simpleGit({ baseDir: root, ...(binary ? { binary } : {}), config, completion: { onClose: true, onExit: false } }), root };
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

/**
 * The git integration agent: puts the work on the milestone branch, commits it as tasks
 * complete, stops the session on a conflict, and makes the final commit (and push).
 * Operations run one at a time, in the order asked.
 */
export class GitAgent implements Agent {
  private queue: Promise<void> = Promise.resolve();
  private repo: { git: SimpleGit; root: string } | undefined;
  private readonly config: GitConfig;

  constructor(private readonly ctx: AgentContext) {
    const config = ctx.init.settings.git;
    if (!config) throw new Error('git agent started without git settings');
    this.config = config;
  }

  handle(m: CoordinatorToAgent): void {
    const run = (op: () => Promise<void>): void => {
      this.queue = this.queue.then(op).catch((err: unknown) => {
        this.ctx.emit({ type: 'git_error', data: { operation: m.type, message: (err as Error).message?.split('\n')[0] ?? String(err) } });
        if (m.type === 'git_prepare') this.ctx.send({ type: 'git_prepared', ok: false, available: true, error: (err as Error).message.trim() });
        if (m.type === 'git_commit') this.ctx.send({ type: 'git_done', operation: 'commit', ok: false, error: (err as Error).message, task: m.task });
        if (m.type === 'git_finish') this.ctx.send({ type: 'git_done', operation: 'finish', ok: false, error: (err as Error).message });
      });
    };
    if (m.type === 'git_prepare') run(() => this.prepare());
    else if (m.type === 'git_commit') run(() => this.commit(m.reason, m.task, m.title));
    else if (m.type === 'git_finish') run(() => this.finish(m.message));
  }

  private async prepare(): Promise<void> {
    const { session } = this.ctx.init;
    this.repo = await openRepository(this.config.repository ?? session.workspace, this.config.binary);
    if (!this.repo) {
      this.ctx.emit({ type: 'git_unavailable', data: { reason: `${session.workspace} is not in a git repository: no branch, no commits. Run \`git init\` there to get them.` } });
      this.ctx.send({ type: 'git_prepared', ok: true, available: false });
      return;
    }
    const { git, root } = this.repo;
    await excludeSessionState(git, root, session.workspace);
    // A conflict that appeared since the coordinator's preflight (which also refused a
    // dirty tree before the session was created) still stops the run here.
    const conflict = await findConflict(git, root);
    if (conflict) {
      this.ctx.emit({ type: 'git_conflict', data: conflict });
      this.ctx.send({ type: 'git_prepared', ok: false, available: true, error: `The repository needs attention first: ${conflict.detail}.` });
      return;
    }
    const status = await git.status();
    const head = await git.revparse(['--verify', '--quiet', 'HEAD']).then((s) => s.trim(), () => '');
    const branch = this.config.branch;
    const current = status.current;
    let created = false;
    if (current !== branch) {
      // simple-git reports a failed command only when it printed to stderr, and
      // `rev-parse --verify --quiet` prints nothing: ask for the branch list instead.
      const exists = (await git.branchLocal()).all.includes(branch);
      if (exists) {
        await git.raw(['checkout', branch]);
      } else {
        await git.raw(['checkout', '-b', branch]);
        created = true;
      }
    }
    const base = this.config.baseCommit ?? head;
    this.ctx.emit({ type: 'git_branch_ready', data: { branch, base_commit: base || EMPTY_TREE, created, repository: root } });
    this.ctx.send({ type: 'git_prepared', ok: true, available: true });
  }

  /**
   * The repository prepared at the start. A replacement agent (the first one crashed) was
   * never asked to prepare: it opens the repository itself, on the branch already checked out.
   */
  private async repository(): Promise<{ git: SimpleGit; root: string } | undefined> {
    this.repo ??= await openRepository(this.config.repository ?? this.ctx.init.session.workspace, this.config.binary);
    return this.repo;
  }

  private async commit(reason: 'task' | 'threshold', task: string, title: string): Promise<void> {
    const repo = await this.repository();
    if (!repo) {
      this.ctx.send({ type: 'git_done', operation: 'commit', ok: true, task });
      return;
    }
    const { git } = repo;
    const status = await git.status();
    const conflict = await findConflict(git, repo.root, status);
    if (conflict) {
      this.ctx.emit({ type: 'git_conflict', data: conflict });
      this.ctx.send({ type: 'git_done', operation: 'commit', ok: false, error: conflict.detail, task });
      return;
    }
    if (status.isClean() || (reason === 'threshold' && status.files.length <= this.config.threshold)) {
      this.ctx.send({ type: 'git_done', operation: 'commit', ok: true, task });
      return;
    }
    const message = reason === 'task' ? commitMessage(this.config.milestoneId, title, task) : commitMessage(this.config.milestoneId, `${status.files.length} files changed, through ${title}`, task);
    await this.commitAll(git, message, reason, task);
    this.ctx.send({ type: 'git_done', operation: 'commit', ok: true, task });
  }

  private async commitAll(git: SimpleGit, message: string, reason: 'task' | 'threshold' | 'final', task?: string): Promise<void> {
    // --verbose so the command prints something: simple-git waits 50ms after a silent one.
    await git.raw(['add', '-A', '--verbose']);
    const staged = (await git.diff(['--cached', '--name-only'])).split('\n').filter(Boolean);
    if (staged.length === 0) return;
    await git.raw(['commit', '--quiet', '--no-edit', '-m', message, '--verbose']).catch((err: unknown) => {
      // A commit with nothing left (a hook restaged files) is not an error worth stopping for.
      if (!/nothing (added )?to commit/.test((err as Error).message)) throw err;
    });
    const sha = (await git.revparse(['HEAD'])).trim();
    this.ctx.emit({ type: 'auto_commit', data: { sha, files: staged.length, message, reason, ...(task ? { task } : {}) } });
  }

  private async finish(message: string): Promise<void> {
    const repo = await this.repository();
    if (!repo) {
      this.ctx.send({ type: 'git_done', operation: 'finish', ok: true });
      return;
    }
    const { git } = repo;
    await this.commitAll(git, message, 'final');
    if (this.config.push) {
      const status = await git.status();
      const remote = status.tracking?.split('/')[0] ?? ((await git.getRemotes()).some((r) => r.name === 'origin') ? 'origin' : undefined);
      if (!remote) {
        this.ctx.emit({ type: 'git_error', data: { operation: 'push', message: 'git.push is true but the repository has no remote: add one (git remote add origin <url>).' } });
      } else {
        await git.fetch(remote).catch(() => undefined);
        const conflict = await findConflict(git, repo.root);
        if (conflict) {
          this.ctx.emit({ type: 'git_conflict', data: conflict });
        } else {
          await git.push(remote, this.config.branch, ['--set-upstream']);
          this.ctx.emit({ type: 'git_pushed', data: { remote, branch: this.config.branch } });
        }
      }
    }
    this.ctx.send({ type: 'git_done', operation: 'finish', ok: true });
  }

  async dispose(): Promise<void> {
    await this.queue;
  }
}
