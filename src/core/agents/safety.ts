import type { SimpleGit } from 'simple-git';
import { BUDGETS, changeSize, newDependencies } from '../git/changeSize';
import { openRepository } from '../git/repository';
import type { Agent, AgentContext } from './agent';
import type { SubscribedEvent } from './messages';

/**
 * Complexity triage after each task: is the change still the size the milestone declared?
 * Warns once per doubling of the budget, so a large change is noticed without a flood.
 */
export class SafetyAgent implements Agent<'safety'> {
  private repo: { git: SimpleGit; root: string } | undefined;
  private base: string | undefined;
  private warnedAt = 1;
  private readonly reportedDeps = new Set<string>();
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly ctx: AgentContext) {
    for (const e of ctx.init.history ?? []) if (e.type === 'git_branch_ready') this.base = e.data.base_commit;
  }

  observe(e: SubscribedEvent<'safety'>): void {
    switch (e.type) {
      case 'git_branch_ready':
        this.base = e.data.base_commit;
        return;
      case 'task_completed':
        this.queue = this.queue.then(() => this.triage(e.data.task)).catch(() => undefined);
        return;
      default:
        e satisfies never;
    }
  }

  private async triage(task: string): Promise<void> {
    if (!this.base) return;
    this.repo ??= await openRepository(this.ctx.init.settings.git?.repository ?? this.ctx.init.session.workspace, this.ctx.init.settings.git?.binary);
    if (!this.repo) return;
    const { git, root } = this.repo;
    const complexity = this.ctx.init.settings.complexity;
    const budget = BUDGETS[complexity];
    const size = await changeSize(git, root, this.base);
    const ratio = Math.max(size.files / budget.files, size.lines / budget.lines);
    if (ratio > this.warnedAt) {
      while (this.warnedAt < ratio) this.warnedAt *= 2;
      this.ctx.emit({
        type: 'safety_warning',
        data: {
          kind: 'complexity',
          task,
          message: `The change has grown to ${size.files} files and ${size.lines} lines, over the ${complexity} budget of ${budget.files} files and ${budget.lines} lines: review it, split the milestone, or declare a higher complexity.`,
        },
      });
    }
    if (complexity === 'simple') {
      const added = (await newDependencies(git, root, this.base)).filter((d) => !this.reportedDeps.has(d));
      if (added.length) {
        added.forEach((d) => this.reportedDeps.add(d));
        this.ctx.emit({ type: 'safety_warning', data: { kind: 'over_engineering', task, message: `A simple milestone added dependencies (${added.join(', ')}): check they are needed, or declare the milestone medium.` } });
      }
    }
  }

  async dispose(): Promise<void> {
    await this.queue;
  }
}
