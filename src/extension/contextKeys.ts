import * as vscode from 'vscode';
import { Disposable } from './lifecycle';
import { canTakeBranch, hasChanges } from './model/treeModel';
import type { SessionManager } from './sessionManager';
import { livenessOf } from '../shared/presentation';
import type { MilestonesTreeProvider } from './views/milestonesTree';

/** The `milestones.*` context keys behind the `when` clauses, kept in step with the sessions. */
export class ContextKeys extends Disposable {
  private readonly values = new Map<string, boolean>();

  constructor(
    private readonly sessions: SessionManager,
    files: MilestonesTreeProvider,
  ) {
    super();
    this._register(sessions.onDidChange(() => this.update()));
    this._register(sessions.onDidChangeSessions(() => this.update()));
    this._register(sessions.onDidFinish(() => this.update()));
    this._register(files.onDidChangeCount((n) => this.set('milestones.hasMilestones', n > 0)));
    this.update();
  }

  private set(key: string, value: boolean): void {
    if (this.values.get(key) === value) return;
    this.values.set(key, value);
    void vscode.commands.executeCommand('setContext', key, value);
  }

  update(): void {
    const running = this.sessions.running();
    const current = this.sessions.current();
    this.set('milestones.running', running.length > 0);
    this.set('milestones.paused', running.some((s) => s.coordinator?.isPaused));
    this.set('milestones.hasSession', current !== undefined);
    this.set('milestones.hasInterrupted', this.sessions.interrupted().length > 0);
    const tasks = [...(current?.state.tasks.values() ?? [])];
    this.set('milestones.hasFailedTask', tasks.some((t) => t.status === 'failed' || t.status === 'cancelled' || t.status === 'skipped'));
    this.set('milestones.hasNeedsMerge', tasks.some((t) => t.status === 'needs_merge'));
    this.set('milestones.hasAgentNeedsMerge', tasks.some((t) => t.status === 'needs_merge' && t.kind === 'agent'));
    this.set('milestones.hasInReview', tasks.some((t) => t.status === 'in_review'));
    this.set('milestones.hasReviewable', tasks.some(hasChanges));
    this.set('milestones.canTakeBranch', this.sessions.sessions().some((s) => canTakeBranch(s.state, livenessOf(s))));
  }
}
