import * as path from 'node:path';
import type { SimpleGit } from 'simple-git';
import { commitMessage, EMPTY_TREE, excludeSessionState, findConflict, openRepository } from '../git/repository';
import { changedSinceBase, clearStaleIndexLock, copyIncluded, discardedRef, describeConflict, discardResult, ensureBranch, ensureWorktree, gitAt, listWorktrees, mergeTaskResult, parkWorktree, removeIntegration, removeMerged, type RepoHandle } from '../git/worktrees';
import type { Agent, AgentCommand, AgentContext } from './agent';
import type { GitAnswer, GitConfig, GitRequest } from './messages';

/**
 * The git integration agent: puts the work on the milestone branch, commits it as tasks
 * complete, stops the session on a conflict, and makes the final commit (and push). By
 * default the branch lives in an integration worktree of its own, and the agent runs the
 * merge queue: it makes each isolated task's worktree, merges its result, and removes it.
 * Operations run one at a time, in the order asked.
 */
export class GitAgent implements Agent<'git'> {
  private queue: Promise<void> = Promise.resolve();
  private repo: RepoHandle | undefined;
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
    else if (m.type === 'git_request') {
      // Every request is answered, an error included: the merge queue waits on the answer.
      this.queue = this.queue
        .then(() => this.request(m.request))
        .catch((err: unknown): GitAnswer => ({ op: 'error', message: (err as Error).message?.trim() || String(err) }))
        .then((answer) => this.ctx.send({ type: 'git_reply', ref: m.ref, answer }));
    }
  }

  /** The integration worktree: where shared tasks' work is committed and task results are merged. */
  private get integration(): string | undefined {
    return this.config.worktrees ? path.join(this.config.worktrees, 'integration') : undefined;
  }

  private async openedRepository(): Promise<RepoHandle> {
    const repo = await this.repository();
    if (!repo) throw new Error('the repository is gone');
    return repo;
  }

  private async request(r: GitRequest): Promise<GitAnswer> {
    const repo = await this.openedRepository();
    const integration = this.integration;
    if (!integration) throw new Error('worktrees are off (git.in_place): there is no merge queue');
    switch (r.op) {
      case 'worktree_open': {
        const started = Date.now();
        const made = await ensureWorktree(repo, r.dir, r.branch, this.config.branch);
        if (!made.reused) await copyIncluded(repo, r.dir);
        const base = (await repo.git.raw(['merge-base', this.config.branch, r.branch])).trim();
        return { op: 'worktree_open', path: r.dir, branch: r.branch, base, reused: made.reused, durationMs: Date.now() - started };
      }
      case 'merge':
        return { op: 'merge', result: await mergeTaskResult(repo, { integration, worktree: r.dir, branch: r.branch, milestoneBranch: this.config.branch, message: r.message, commitOnly: r.commitOnly }) };
      case 'close': {
        if (r.mode === 'merged') return { op: 'close', result: await removeMerged(repo, integration, r.dir, r.branch) };
        if (r.mode === 'park') return { op: 'close', result: await parkWorktree(repo, r.dir, r.message) };
        return { op: 'close', result: await discardResult(repo, r.dir, r.branch, r.ref ?? discardedRef(this.config.milestoneId, r.task), r.message) };
      }
      case 'describe_conflict':
        return { op: 'describe_conflict', ...(await describeConflict(repo, r.dir, this.config.branch)) };
      case 'changed_files':
        return { op: 'changed_files', files: await changedSinceBase(repo, r.dir, this.config.branch) };
      case 'close_integration':
        return { op: 'close_integration', result: await removeIntegration(repo, integration) };
    }
  }

  private async prepare(): Promise<void> {
    const { session } = this.ctx.init;
    const opened = await openRepository(this.config.repository ?? session.workspace, this.config.binary);
    this.repo = opened ? { ...opened, ...(this.config.binary ? { binary: this.config.binary } : {}) } : undefined;
    if (!this.repo) {
      // The coordinator checked a moment ago; the repository went away since.
      this.ctx.send({ type: 'git_prepared', ok: true, available: false, reason: `${session.workspace} is no longer in a git repository: no branch, no commits. Run \`git init\` there to get them.` });
      return;
    }
    const { git, root } = this.repo;
    await excludeSessionState(git, root, session.workspace);
    const integration = this.integration;
    if (integration) {
      await this.prepareIntegration(integration);
      return;
    }
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
   * The milestone branch, made if needed, checked out in the integration worktree: the
   * user's own checkout is not touched. A crash may have left git's index lock in one of
   * the session's worktrees; nobody else works there, so it goes.
   */
  private async prepareIntegration(integration: string): Promise<void> {
    const repo = await this.openedRepository();
    const branch = this.config.branch;
    const made = await ensureBranch(repo.git, branch, this.config.milestoneId);
    const ours = (await listWorktrees(repo.git)).filter((w) => this.config.worktrees && w.path.startsWith(`${this.config.worktrees}${path.sep}`));
    for (const w of ours) await clearStaleIndexLock(gitAt(repo, w.path), w.path).catch(() => false);
    await ensureWorktree(repo, integration, branch);
    this.ctx.emit({ type: 'git_branch_ready', data: { branch, base_commit: this.config.baseCommit ?? made.head, created: made.created, repository: repo.root, worktree: integration } });
    this.ctx.send({ type: 'git_prepared', ok: true, available: true, root: repo.root, integration });
  }

  /** Where commits are made: the integration worktree, or in place the user's working tree. */
  private async workdir(): Promise<{ git: SimpleGit; root: string } | undefined> {
    const repo = await this.repository();
    if (!repo) return undefined;
    const integration = this.integration;
    return integration ? { git: gitAt(repo, integration), root: integration } : repo;
  }

  /**
   * The repository prepared at the start. A replacement agent (the first one crashed) was
   * never asked to prepare: it opens the repository itself, on the branch already checked out.
   */
  private async repository(): Promise<RepoHandle | undefined> {
    if (!this.repo) {
      const opened = await openRepository(this.config.repository ?? this.ctx.init.session.workspace, this.config.binary);
      if (opened) this.repo = { ...opened, ...(this.config.binary ? { binary: this.config.binary } : {}) };
    }
    return this.repo;
  }

  private async commit(reason: 'task' | 'threshold', task: string, title: string): Promise<void> {
    const repo = await this.workdir();
    if (!repo) {
      this.ctx.send({ type: 'git_done', operation: 'commit', ok: true, task });
      return;
    }
    const { git } = repo;
    const status = await git.status();
    if (!this.integration && status.current !== this.config.branch) {
      // In place, a checkout by the user moved HEAD: committing now would put the
      // milestone's work on their branch.
      const detail = `HEAD moved to ${status.current ?? 'a detached commit'} while the milestone runs on ${this.config.branch}: switch back (git switch ${this.config.branch}) and resume, or run without git.in_place`;
      this.ctx.emit({ type: 'git_conflict', data: { kind: 'branch_moved', detail } });
      this.ctx.send({ type: 'git_done', operation: 'commit', ok: false, error: detail, task });
      return;
    }
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
    const repo = await this.workdir();
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
