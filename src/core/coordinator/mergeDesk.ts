// Where a task's result goes after the merge queue, and what the user decides about the
// ones that wait: it turns the queue's answers (merged, conflict, review, discarded) and the
// user's resolutions (by hand, by the agent, discard, approve, reject) into the scheduler's
// decisions, and keeps the prompt of an agent asked to resolve its own conflict.
import type { Task } from '../milestone/model';
import type { EventDraft, MergeResolution } from '../session/events';
import type { GitSteward, MergeOutcome } from './gitSteward';
import type { ResolveAnswer } from './options';
import type { Decision, Scheduler } from './scheduler';

export interface MergeDeskDeps {
  tasks: ReadonlyMap<string, Task>;
  scheduler: Scheduler;
  git: GitSteward;
  milestoneBranch: string;
  /** The session is ending: nothing is resolved any more. */
  over(): boolean;
  apply(decisions: readonly Decision[]): void;
  /** Something may start now, or the session may be over. */
  moved(): void;
}

export class MergeDesk {
  /** Tasks whose agent runs again to resolve a conflict: the prompt that says so. */
  private readonly prompts = new Map<string, string>();

  constructor(private readonly deps: MergeDeskDeps) {}

  /** The prompt replacing the task's own, while its agent resolves its conflict. */
  promptFor(task: string): string | undefined {
    return this.prompts.get(task);
  }

  /** The merge queue's answer for a task: the scheduler decides what it means for the rest. */
  ended(task: string, outcome: MergeOutcome): void {
    const { scheduler, git } = this.deps;
    const branch = git.branchOf(task);
    let decisions: Decision[];
    switch (outcome.kind) {
      case 'merged':
        decisions = scheduler.merged(task, { type: 'task_merged', data: { task, sha: outcome.sha, strategy: outcome.strategy, changes: outcome.changes } });
        break;
      case 'discarded':
        decisions = scheduler.merged(task, { type: 'merge_discarded', data: { task, ref: outcome.ref, sha: outcome.sha } });
        break;
      case 'conflict':
        decisions = scheduler.awaitUser(task, { type: 'merge_conflict', data: { task, branch, files: outcome.files, changes: outcome.changes } });
        break;
      case 'review':
        decisions = scheduler.awaitUser(task, { type: 'review_requested', data: { task, branch, changes: outcome.changes } });
        break;
    }
    if (outcome.kind === 'merged' || outcome.kind === 'discarded') this.prompts.delete(task);
    this.deps.apply(decisions);
    this.deps.moved();
  }

  /**
   * Resolves a task that needs a merge (`by_hand`: its conflict was resolved in its
   * worktree; `agent`: run its agent again to resolve it; `discard`) or waits for review
   * (`approve`, `reject`). Refused, with the reason, when the task is not in that state.
   */
  async resolve(task: string, how: MergeResolution): Promise<ResolveAnswer> {
    const { scheduler, git } = this.deps;
    const t = this.deps.tasks.get(task);
    const status = scheduler.statusOf(task);
    if (!t || status === undefined) return { ok: false, message: `There is no task "${task}" in this milestone.` };
    if (this.deps.over()) return { ok: false, message: 'The session is ending; resume it to resolve the task.' };
    const wanted = how === 'approve' || how === 'reject' ? 'in_review' : how === 'discard' ? undefined : 'needs_merge';
    if (wanted ? status !== wanted : status !== 'needs_merge' && status !== 'in_review') {
      return { ok: false, message: `Task "${task}" is ${status.replace('_', ' ')}, not ${wanted ? wanted.replace('_', ' ') : 'needs merge or in review'}: there is nothing to ${how === 'by_hand' ? 'mark resolved' : how}.` };
    }
    const event: Extract<EventDraft, { type: 'merge_resolution' }> = { type: 'merge_resolution', data: { task, how } };
    if (how === 'agent') {
      if (!t.agent) return { ok: false, message: `Task "${task}" runs a shell command, not an agent: resolve its conflict by hand, or discard its result.` };
      const conflict = await git.describeConflict(task);
      if ('error' in conflict) return { ok: false, message: conflict.error };
      this.prompts.set(task, resolutionPrompt(t, conflict, this.deps.milestoneBranch));
      this.deps.apply(scheduler.rerun(task, event));
      this.deps.moved();
      return { ok: true };
    }
    this.deps.apply(scheduler.resolving(task, event));
    if (how === 'discard' || how === 'reject') await git.discard(task);
    else git.enqueueMerge(task, false);
    this.deps.moved();
    return { ok: true };
  }
}

/** What an agent is asked when it runs again to resolve its task's conflict. */
export function resolutionPrompt(task: Task, conflict: { files: string[]; text: string }, branch: string): string {
  return [
    `You worked on this task: ${task.title}.`,
    task.prompt ? `Its instructions were:\n${task.prompt}` : '',
    `Your result conflicts with ${branch}, which changed while you worked. The merge of ${branch} into your branch is in progress in this folder; these files still hold conflict markers: ${conflict.files.join(', ')}.`,
    'Resolve every conflict: keep the intent of both sides, remove all the conflict markers (<<<<<<<, =======, >>>>>>>), and save the files. Do not commit, do not abort the merge; the engine commits and merges when you are done.',
    conflict.text,
  ]
    .filter(Boolean)
    .join('\n\n');
}
