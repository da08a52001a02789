// The coordinator's side of git: gets the milestone branch ready through the git agent,
// gives each isolated task a worktree of its own, runs the merge queue (one merge at a
// time, never while a shared task or a gate works in the integration worktree), commits
// shared tasks' work, and cleans up at the end. The one place that records
// `git_unavailable` and the worktree events.
import * as path from 'node:path';
import type { AgentToCoordinator, GitAnswer, GitConfig, GitRequest } from '../agents/messages';
import { commitMessage, openRepository } from '../git/repository';
import { discardedRef, taskBranch } from '../git/worktrees';
import { usesGit, type Milestone, type Task } from '../milestone/model';
import { reservePort } from '../process/ports';
import type { DiffStat } from '../session/events';
import type { SessionState } from '../session/state';
import type { Recorder } from './recorder';
import type { AgentHandle, AgentPool } from './agentPool';
import type { AgentSupervisor } from './agentSupervisor';

type GitReply = Extract<AgentToCoordinator, { type: 'git_prepared' } | { type: 'git_done' }>;

/** How a task's result left the merge queue. */
export type MergeOutcome =
  | { kind: 'merged'; sha: string; strategy: 'fast-forward' | 'rebase' | 'merge' | 'none'; changes: DiffStat }
  | { kind: 'conflict'; files: string[]; changes: DiffStat }
  | { kind: 'review'; changes: DiffStat }
  | { kind: 'discarded'; ref: string; sha: string };

/** Where a task runs: its folder, and what its environment adds. */
export interface Workplace {
  root: string;
  env: Record<string, string>;
  /** A worktree made just now: its `setup` command runs first. */
  fresh: boolean;
}

export interface StewardDeps {
  milestone: Milestone;
  workspace: string;
  config: GitConfig;
  pool: AgentPool;
  supervisor: AgentSupervisor;
  recorder: Pick<Recorder, 'record'>;
  /** The session as the journal says (a resume knows its worktrees from it). */
  state: SessionState;
  /** A held task's commit was made, or will never be: what follows it may run. */
  committed(task: string): void;
  /** A task's result was merged, conflicted, waits for review, or was discarded. */
  mergeEnded(task: string, outcome: MergeOutcome): void;
  /** A shared task or a gate works in the integration worktree now: merges wait. */
  integrationBusy(): boolean;
  /** The merge queue is empty: shared tasks may start. */
  integrationFree(): void;
}

const NO_CHANGES: DiffStat = { files: 0, added: 0, removed: 0 };

export { usesGit } from '../milestone/model';

export class GitSteward {
  private available = false;
  private readonly waiters: { kind: 'git_prepared' | 'finish'; resolve: (m: GitReply) => void }[] = [];
  /** Completed tasks whose dependents wait for the task's commit. */
  private readonly awaitingCommit = new Set<string>();
  private nextRef = 1;
  private readonly calls = new Map<number, { request: GitRequest; resolve: (a: GitAnswer) => void }>();
  /** Where shared tasks work: the integration worktree's copy of the workspace, or the workspace. */
  private sharedRoot: string;
  private integration: string | undefined;
  private readonly mergeQueue: { task: string; commitOnly: boolean }[] = [];
  private merging: string | undefined;
  /** Task worktrees that exist now, by task. */
  private readonly live = new Map<string, { dir: string; branch: string; port: number | null }>();

  constructor(private readonly deps: StewardDeps) {
    this.sharedRoot = deps.workspace;
    deps.supervisor.recoverWith('git', { lost: () => this.lost(), replaced: () => this.pump() });
    for (const t of deps.state.tasks.values()) {
      if (t.worktree && !t.worktree.removed) this.live.set(t.id, { dir: t.worktree.path, branch: t.worktree.branch, port: t.worktree.port });
    }
  }

  get wanted(): boolean {
    return usesGit(this.deps.milestone);
  }

  /** The branch is checked out and commits are made. */
  get active(): boolean {
    return this.available;
  }

  /** The task runs in a worktree of its own (and its result goes through the merge queue). */
  isolated(task: Task): boolean {
    return this.available && this.integration !== undefined && task.isolation === 'worktree';
  }

  /** A shared task may start: no merge is under way or waiting (they share the integration worktree). */
  mayStart(task: Task): boolean {
    return this.isolated(task) || this.integration === undefined || (this.merging === undefined && this.mergeQueue.length === 0);
  }

  /** The branch a task's result is on. */
  branchOf(task: string): string {
    return this.placeOf(task).branch;
  }

  /** Where shared tasks, gates and rollbacks run. */
  get sharedWorkspace(): string {
    return this.sharedRoot;
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
    if (answer.integration && answer.root) {
      this.integration = answer.integration;
      this.sharedRoot = path.join(answer.integration, path.relative(answer.root, workspace));
    }
    this.available = true;
    return { ok: true };
  }

  /**
   * A resume: completed tasks whose results were never merged go first, and the worktrees
   * of results merged (or discarded) just before a crash are removed now.
   */
  takeOver(unmerged: readonly string[]): void {
    for (const task of unmerged) this.enqueueMerge(task, false);
    for (const task of [...this.live.keys()]) {
      const state = this.deps.state.tasks.get(task)?.merge?.state;
      if (state === 'merged' || state === 'discarded') void this.close(task, 'merged');
    }
  }

  /**
   * Where a task runs. An isolated task gets its worktree (made from the milestone branch,
   * which holds its dependencies' merged results, or found again after a crash), a port of
   * its own and `MILESTONE_WORKTREE`; a shared task runs in the integration worktree.
   */
  async workplace(task: Task): Promise<Workplace | { error: string }> {
    if (!this.isolated(task)) return { root: this.sharedRoot, env: {}, fresh: false };
    const { dir, branch } = this.placeOf(task.id);
    const answer = await this.call({ op: 'worktree_open', task: task.id, dir, branch });
    if (answer.op !== 'worktree_open') return { error: `could not make its worktree: ${answer.op === 'error' ? answer.message : answer.op}` };
    const port = this.live.get(task.id)?.port ?? (await reservePort());
    this.live.set(task.id, { dir, branch, port });
    this.deps.recorder.record('worktree_created', { task: task.id, path: dir, branch, base: answer.base, reused: answer.reused, port, duration_ms: answer.durationMs });
    const root = path.join(dir, path.relative(this.integration!, this.sharedRoot));
    return { root, env: { MILESTONE_WORKTREE: dir, MILESTONE_PORT: String(port) }, fresh: !answer.reused };
  }

  /**
   * A task completed. An isolated one joins the merge queue; a shared one's work goes to
   * the git agent to commit. True when what follows the task must wait (for the merge, or
   * with a commit per task for the commit); false when it may go at once.
   */
  commitTask(task: Task): boolean {
    if (this.isolated(task)) {
      this.enqueueMerge(task.id, task.review);
      return true;
    }
    const git = this.deps.pool.get('git');
    if (!git || !this.available || this.autoCommit === 'off') return false;
    this.deps.pool.send(git, { type: 'git_commit', reason: this.autoCommit === 'task' ? 'task' : 'threshold', task: task.id, title: task.title });
    if (this.autoCommit !== 'task') return false;
    this.awaitingCommit.add(task.id);
    return true;
  }

  /** Merge a result now (resolved by hand or approved): no review stops it this time. */
  enqueueMerge(task: string, commitOnly: boolean): void {
    if (this.merging === task || this.mergeQueue.some((q) => q.task === task)) return;
    this.mergeQueue.push({ task, commitOnly });
    this.pump();
  }

  /** Starts the next merge when the integration worktree is free. */
  pump(): void {
    if (this.merging !== undefined || this.deps.integrationBusy() || !this.deps.pool.get('git')) return;
    const next = this.mergeQueue.shift();
    if (!next) return;
    this.merging = next.task;
    void this.merge(next.task, next.commitOnly).finally(() => {
      this.merging = undefined;
      this.pump();
      // Shared tasks held back while the queue ran may start now.
      if (this.merging === undefined) this.deps.integrationFree();
    });
  }

  private async merge(task: string, commitOnly: boolean): Promise<void> {
    const where = this.placeOf(task);
    const message = this.messageFor(task);
    const answer = await this.call({ op: 'merge', task, dir: where.dir, branch: where.branch, message, commitOnly });
    // The git agent died mid-merge: the merge is queued again for its replacement.
    if (answer.op === 'error' && answer.agentLost) return;
    if (answer.op !== 'merge') {
      // Nothing is lost (the result is on its branch): the task needs a merge, with the reason.
      const reason = answer.op === 'error' ? answer.message : `unexpected answer ${answer.op}`;
      this.deps.recorder.record('git_error', { operation: 'merge', message: `${task}: ${reason.split('\n')[0] ?? reason}` });
      this.deps.mergeEnded(task, { kind: 'conflict', files: [], changes: NO_CHANGES });
      return;
    }
    const r = answer.result;
    // A resume may have brought the worktree back (it was parked): it is ours to remove again.
    if (!this.live.has(task)) this.live.set(task, where);
    if (r.kind === 'conflict') return this.deps.mergeEnded(task, { kind: 'conflict', files: r.files, changes: r.changes });
    if (r.kind === 'committed') return this.deps.mergeEnded(task, { kind: 'review', changes: r.changes });
    this.deps.mergeEnded(task, r);
    // The removal queues behind on the git agent; the next merge need not wait for it.
    void this.close(task, 'merged');
  }

  /** Both sides of a task's conflict, for the prompt of the agent asked to resolve it. */
  async describeConflict(task: string): Promise<{ files: string[]; text: string } | { error: string }> {
    const where = this.live.get(task);
    if (!where) return { error: `${task} has no worktree with a conflict in it` };
    const answer = await this.call({ op: 'describe_conflict', task, dir: where.dir });
    return answer.op === 'describe_conflict' ? answer : { error: answer.op === 'error' ? answer.message : 'unexpected answer' };
  }

  /** What an isolated task's worktree changed so far (undefined without one). */
  async changedFiles(task: string): Promise<string[] | undefined> {
    const where = this.live.get(task);
    if (!where) return undefined;
    const answer = await this.call({ op: 'changed_files', task, dir: where.dir });
    return answer.op === 'changed_files' ? answer.files : undefined;
  }

  /** Throws the task's result away, keeping its commits reachable from a ref. */
  async discard(task: string): Promise<void> {
    const where = this.placeOf(task);
    const ref = discardedRef(this.deps.config.milestoneId, task);
    const answer = await this.call({ op: 'close', task, dir: where.dir, branch: where.branch, mode: 'discard', ref, message: this.messageFor(task, ' (discarded)') });
    if (answer.op !== 'close') {
      this.deps.recorder.record('git_error', { operation: 'discard', message: `${task}: ${answer.op === 'error' ? answer.message : answer.op}` });
      return;
    }
    if (answer.result.removed) this.removed(task, where);
    this.deps.mergeEnded(task, { kind: 'discarded', ref, sha: answer.result.removed ? (answer.result.sha ?? '') : '' });
  }

  /**
   * The session ends: what did not finish is committed on its task's branch and its
   * worktree goes (a worktree with a conflict in it stays, for the user); then the
   * integration worktree goes, once everything in it is committed.
   */
  async tidy(): Promise<void> {
    if (!this.available || this.integration === undefined || !this.deps.pool.get('git')) return;
    for (const [task, where] of [...this.live]) {
      if (this.deps.state.tasks.get(task)?.status === 'needs_merge') continue;
      const answer = await this.call({ op: 'close', task, dir: where.dir, branch: where.branch, mode: 'park', message: this.messageFor(task, ' (unfinished)') });
      if (answer.op === 'close' && answer.result.removed) this.removed(task, where);
    }
    const answer = await this.call({ op: 'close_integration' });
    if (answer.op === 'close_integration' && answer.result.removed) {
      this.deps.recorder.record('worktree_removed', { task: null, path: this.integration, branch: this.deps.config.branch });
    } else {
      const why = answer.op === 'close_integration' && !answer.result.removed ? answer.result.reason : answer.op === 'error' ? answer.message : 'unknown';
      this.deps.recorder.record('git_error', { operation: 'cleanup', message: `The integration worktree stays: ${why}` });
    }
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
  onReply(m: GitReply | Extract<AgentToCoordinator, { type: 'git_reply' }>, agent: AgentHandle): void {
    if (agent.kind !== 'git') return;
    if (m.type === 'git_reply') {
      const call = this.calls.get(m.ref);
      this.calls.delete(m.ref);
      call?.resolve(m.answer);
      return;
    }
    if (m.type === 'git_done' && m.operation === 'commit' && m.task) this.release(m.task);
    const kind = m.type === 'git_prepared' ? 'git_prepared' : m.operation === 'finish' ? 'finish' : undefined;
    const i = this.waiters.findIndex((w) => w.kind === kind);
    if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m);
  }

  private async close(task: string, mode: 'merged'): Promise<void> {
    const where = this.live.get(task);
    if (!where) return;
    // Taken off the list at once: the end of the session must not park what is being removed.
    this.live.delete(task);
    const answer = await this.call({ op: 'close', task, dir: where.dir, branch: where.branch, mode, message: '' });
    if (answer.op === 'close' && answer.result.removed) {
      this.removed(task, where);
      return;
    }
    this.live.set(task, where);
    const why = answer.op === 'close' ? (answer.result.removed ? '' : answer.result.reason) : answer.op === 'error' ? answer.message : answer.op;
    this.deps.recorder.record('git_error', { operation: 'cleanup', message: `The worktree of ${task} stays: ${why}` });
  }

  /** Where a task's worktree is (or was, or would be) and its branch: both follow from the task. */
  private placeOf(task: string): { dir: string; branch: string; port: number | null } {
    return this.live.get(task) ?? { dir: path.join(this.deps.config.worktrees!, task), branch: taskBranch(this.deps.config.branch, task), port: null };
  }

  /** The commit message of a task's result, as every commit of the milestone is titled. */
  private messageFor(task: string, note = ''): string {
    const title = this.deps.milestone.tasks.find((x) => x.id === task)?.title ?? task;
    return commitMessage(this.deps.config.milestoneId, `${title}${note}`, task);
  }

  private removed(task: string, where: { dir: string; branch: string }): void {
    this.live.delete(task);
    this.deps.recorder.record('worktree_removed', { task, path: where.dir, branch: where.branch });
  }

  private call(request: GitRequest): Promise<GitAnswer> {
    const git = this.deps.pool.get('git');
    if (!git) return Promise.resolve({ op: 'error', message: 'the git agent is not running' });
    const ref = this.nextRef++;
    return new Promise((resolve) => {
      this.calls.set(ref, { request, resolve });
      this.deps.pool.send(git, { type: 'git_request', ref, request });
    });
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

  /**
   * The git agent crashed: what waited on it goes on; its commits in flight are lost, and
   * the next commit takes their files. A merge in flight is asked again of the replacement:
   * merging is safe to repeat.
   */
  private lost(): string[] {
    for (const w of this.waiters.splice(0)) {
      w.resolve(w.kind === 'git_prepared' ? { type: 'git_prepared', ok: false, available: true, error: 'the git agent crashed' } : { type: 'git_done', operation: 'finish', ok: false, error: 'the git agent crashed' });
    }
    for (const task of [...this.awaitingCommit]) this.release(task);
    const pending = [...this.calls.values()];
    this.calls.clear();
    for (const c of pending) {
      if (c.request.op === 'merge') this.mergeQueue.unshift({ task: c.request.task, commitOnly: c.request.commitOnly });
      c.resolve({ op: 'error', message: 'the git agent crashed', agentLost: true });
    }
    return [];
  }
}

