// The coordinator's side of git: gets the milestone branch ready through the git agent,
// sends it each completed task to commit (and, with a commit per task, holds what follows
// the task until that commit is made, so the commit holds the task's work only), and asks
// for the final commit. The one place that records `git_unavailable`.
import type { AgentToCoordinator, GitConfig } from '../agents/messages';
import { openRepository } from '../git/repository';
import type { Milestone } from '../milestone/model';
import type { Recorder } from './recorder';
import type { AgentHandle, AgentPool } from './agentPool';
import type { AgentSupervisor } from './agentSupervisor';

type GitReply = Extract<AgentToCoordinator, { type: 'git_prepared' } | { type: 'git_done' }>;

export interface StewardDeps {
  milestone: Milestone;
  workspace: string;
  config: GitConfig;
  pool: AgentPool;
  supervisor: AgentSupervisor;
  recorder: Pick<Recorder, 'record'>;
  /** A held task's commit was made, or will never be: what follows it may run. */
  committed(task: string): void;
}

/** Development and deployment milestones work on a branch; others when they configure git. */
export function usesGit(m: Milestone): boolean {
  return m.type === 'development' || m.type === 'deployment' || m.git.configured;
}

export class GitSteward {
  private available = false;
  private readonly waiters: { kind: 'git_prepared' | 'finish'; resolve: (m: GitReply) => void }[] = [];
  /** Completed tasks whose dependents wait for the task's commit. */
  private readonly awaitingCommit = new Set<string>();

  constructor(private readonly deps: StewardDeps) {
    deps.supervisor.recoverWith('git', { lost: () => this.lost() });
  }

  get wanted(): boolean {
    return usesGit(this.deps.milestone);
  }

  /** The branch is checked out and commits are made. */
  get active(): boolean {
    return this.available;
  }

  private get autoCommit(): GitConfig['autoCommit'] {
    return this.deps.config.autoCommit;
  }

  /**
   * Gets the branch ready. Without a repository the run goes on without git, said once;
   * an error (a conflict since the preflight, a failed checkout) is returned to stop the run.
   */
  async prepare(): Promise<{ ok: true } | { ok: false; error: string }> {
    const { config, workspace, supervisor } = this.deps;
    if (!(await openRepository(config.repository ?? workspace, config.binary))) {
      this.unavailable(`${workspace} is not in a git repository: no branch, no commits. Run \`git init\` there to get them.`);
      return { ok: true };
    }
    const git = await supervisor.single('git');
    const reply = this.waitFor('git_prepared');
    this.deps.pool.send(git, { type: 'git_prepare' });
    const answer = await reply;
    if (answer.type !== 'git_prepared') return { ok: false, error: 'the git agent answered out of turn' };
    if (!answer.ok) return { ok: false, error: answer.error ?? 'git preparation failed' };
    if (!answer.available) {
      this.unavailable(answer.reason ?? `${workspace} is not in a git repository.`);
      return { ok: true };
    }
    this.available = true;
    return { ok: true };
  }

  /**
   * A task completed: its work goes to the git agent. True when what follows the task must
   * wait for `committed` (a commit per task); false when it may go at once.
   */
  commitTask(task: { id: string; title: string }): boolean {
    const git = this.deps.pool.get('git');
    if (!git || !this.available || this.autoCommit === 'off') return false;
    this.deps.pool.send(git, { type: 'git_commit', reason: this.autoCommit === 'task' ? 'task' : 'threshold', task: task.id, title: task.title });
    if (this.autoCommit !== 'task') return false;
    this.awaitingCommit.add(task.id);
    return true;
  }

  /** The final commit (and push), before the session's last event. */
  async finish(message: string): Promise<void> {
    const git = this.deps.pool.get('git');
    if (!git || !this.available) return;
    const reply = this.waitFor('finish');
    this.deps.pool.send(git, { type: 'git_finish', message });
    await reply;
  }

  /** A reply of the git agent. */
  onReply(m: GitReply, agent: AgentHandle): void {
    if (agent.kind !== 'git') return;
    if (m.type === 'git_done' && m.operation === 'commit' && m.task) this.release(m.task);
    const kind = m.type === 'git_prepared' ? 'git_prepared' : m.operation === 'finish' ? 'finish' : undefined;
    const i = this.waiters.findIndex((w) => w.kind === kind);
    if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m);
  }

  private unavailable(reason: string): void {
    this.available = false;
    this.deps.recorder.record('git_unavailable', { reason });
  }

  private release(task: string): void {
    if (this.awaitingCommit.delete(task)) this.deps.committed(task);
  }

  private waitFor(kind: 'git_prepared' | 'finish'): Promise<GitReply> {
    return new Promise((resolve) => this.waiters.push({ kind, resolve }));
  }

  /** The git agent crashed: what waited on it goes on; its commits in flight are lost, and the next commit takes their files. */
  private lost(): string[] {
    for (const w of this.waiters.splice(0)) {
      w.resolve(w.kind === 'git_prepared' ? { type: 'git_prepared', ok: false, available: true, error: 'the git agent crashed' } : { type: 'git_done', operation: 'finish', ok: false, error: 'the git agent crashed' });
    }
    for (const task of [...this.awaitingCommit]) this.release(task);
    return [];
  }
}
