// What the editor says when a session needs the user: a task's result conflicts or waits
// for review while the session runs here, and how a session ended, with what to do next
// (resolve what it waits for, or take its branch into the checkout).
import * as vscode from 'vscode';
import type { SessionOutcome } from '../core/coordinator/options';
import type { EventData } from '../core/session/events';
import { AWAITING_USER_STATUSES, countTasks, type TaskState } from '../core/session/state';
import { changesText } from '../shared/presentation';
import type { Ctx } from './ctx';
import { Disposable } from './lifecycle';
import { checkedOutBranch, openConflict, resolveTask, reviewChanges, takeBranch, type MergeHelpers } from './mergeCommands';
import { openTaskLog } from './commands';
import type { SessionEntry } from './sessionManager';

export class SessionNotices extends Disposable {
  constructor(
    private readonly ctx: Ctx,
    private readonly h: MergeHelpers,
  ) {
    super();
    this._register(ctx.sessions.onDidChange(({ session, events, reset }) => {
      // Only what happens now in a session run here: not a journal read back, not another process's run.
      if (reset || !session.coordinator) return;
      for (const e of events) {
        if (e.type === 'merge_conflict') void this.conflict(session, e.data);
        else if (e.type === 'review_requested') void this.review(session, e.data);
      }
    }));
    this._register(ctx.sessions.onDidFinish(({ session, outcome }) => void this.ended(session, outcome)));
  }

  private async conflict(session: SessionEntry, d: EventData['merge_conflict']): Promise<void> {
    const t = session.state.tasks.get(d.task);
    const files = d.files.length ? ` in ${d.files.join(', ')}` : '';
    const actions = ['Open in Merge Editor', ...(t?.kind === 'agent' ? ['Let the Agent Resolve'] : [])];
    const choice = await vscode.window.showWarningMessage(`Task "${d.task}" conflicts with ${session.state.branch ?? 'the milestone branch'}${files}: the tasks that depend on it wait until it is merged.`, ...actions);
    if (choice === 'Open in Merge Editor') await openConflict(this.ctx, this.h, session, d.task);
    if (choice === 'Let the Agent Resolve') await resolveTask(this.ctx, this.h, session, d.task, 'agent');
  }

  private async review(session: SessionEntry, d: EventData['review_requested']): Promise<void> {
    const changes = d.changes.files ? ` (${changesText(d.changes)})` : '';
    const choice = await vscode.window.showInformationMessage(`Task "${d.task}" is done and waits for your review before it is merged${changes}.`, 'Review Changes', 'Approve');
    if (choice === 'Review Changes') await reviewChanges(this.ctx, session, d.task);
    if (choice === 'Approve') await resolveTask(this.ctx, this.h, session, d.task, 'approve');
  }

  private async ended(session: SessionEntry, outcome: SessionOutcome): Promise<void> {
    const s = session.state;
    const c = countTasks(s);
    const title = s.title || s.milestoneId;
    const waiting = SessionNotices.waiting(session);
    if (outcome.status === 'interrupted' && waiting.length) {
      await this.waitsForUser(session, title, waiting);
      return;
    }
    // The work is on a branch the user's checkout does not have yet: offer to take it.
    const take = s.integration !== null && s.branch !== null && outcome.status !== 'interrupted';
    const current = take ? await checkedOutBranch(this.ctx, session) : undefined;
    const takeActions = take && current !== s.branch ? ['Check Out Branch', `Merge into ${current ?? 'HEAD'}`] : [];
    const on = takeActions.length ? ` Its work is on ${s.branch}.` : '';
    const actions = [...takeActions, 'Show Dashboard', ...(outcome.status === 'completed' && takeActions.length ? [] : ['Open Log'])];
    const choice = await (outcome.status === 'completed'
      ? vscode.window.showInformationMessage(`Milestone "${title}" completed: ${c.completed}/${c.total} tasks.${on}`, ...actions)
      : outcome.status === 'failed'
        ? vscode.window.showErrorMessage(`Milestone "${title}" failed: ${outcome.reason}.${on}`, ...actions)
        : vscode.window.showWarningMessage(`Milestone "${title}" stopped (${outcome.reason}); it can be resumed.`, 'Resume', ...actions));
    if (choice === 'Check Out Branch') await takeBranch(this.ctx, this.h, session, 'checkout');
    if (choice?.startsWith('Merge into ')) await takeBranch(this.ctx, this.h, session, 'merge');
    if (choice === 'Show Dashboard') await vscode.commands.executeCommand('milestones.showDashboard');
    if (choice === 'Resume') await vscode.commands.executeCommand('milestones.resumeInterrupted');
    if (choice === 'Open Log') {
      const failed = [...s.tasks.values()].find((t) => t.status === 'failed');
      if (failed) await openTaskLog(session, failed.id);
      else this.ctx.log.show();
    }
  }

  /** The tasks of a session whose results wait for the user, in file order. */
  static waiting(session: SessionEntry): TaskState[] {
    const s = session.state;
    return s.taskOrder.map((id) => s.tasks.get(id)).filter((t): t is TaskState => t !== undefined && AWAITING_USER_STATUSES.has(t.status));
  }

  /** Nothing else could run: say what waits for the user, and open the first of it. */
  async waitsForUser(session: SessionEntry, title: string, waiting: TaskState[]): Promise<void> {
    const conflict = waiting.find((t) => t.status === 'needs_merge');
    const review = waiting.find((t) => t.status === 'in_review');
    const what = waiting.map((t) => (t.status === 'needs_merge' ? `task "${t.id}" needs a merge${t.merge?.files.length ? ` (${t.merge.files.join(', ')})` : ''}` : `task "${t.id}" waits for review`));
    const actions = [...(conflict ? ['Open Conflict'] : []), ...(review ? ['Review Changes'] : []), 'Show Agents'];
    const choice = await vscode.window.showWarningMessage(`Milestone "${title}" waits for you: ${what.join('; ')}. It goes on once ${waiting.length === 1 ? 'that is' : 'they are'} resolved.`, ...actions);
    if (choice === 'Open Conflict' && conflict) await openConflict(this.ctx, this.h, session, conflict.id);
    if (choice === 'Review Changes' && review) await reviewChanges(this.ctx, session, review.id);
    if (choice === 'Show Agents') await vscode.commands.executeCommand('milestones.agents.focus');
  }
}
