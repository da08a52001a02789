import type { SimpleGit } from 'simple-git';
import { commitMessage, EMPTY_TREE, excludeSessionState, findConflict, openRepository } from '../git/repository';
import type { Agent, AgentCommand, AgentContext } from './agent';
import type { GitConfig } from './messages';

/**
 * The git integration agent: puts the work on the milestone branch, commits it as tasks
 * complete, stops the session on a conflict, and makes the final commit (and push).
 * Operations run one at a time, in the order asked.
 */
export class GitAgent implements Agent<'git'> {
  private queue: Promise<void> = Promise.resolve();
  private repo: { git: SimpleGit; root: string } | undefined;
  private readonly config: GitConfig;

  constructor(private readonly ctx: AgentContext) {
    const config = ctx.init.settings.git;
    if (!config) throw new Error('git agent started without git settings');
    this.config = config;
  }

  handle(m: AgentCommand): void {
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
      // The coordinator checked a moment ago; the repository went away since.
      this.ctx.send({ type: 'git_prepared', ok: true, available: false, reason: `${session.workspace} is no longer in a git repository: no branch, no commits. Run \`git init\` there to get them.` });
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
