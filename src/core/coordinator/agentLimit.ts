// How many agent tasks may run at once while the API rate-limits them: halved when a task
// ends rate-limited (multiplicative decrease), one more for each agent task that succeeds
// (additive increase), until the executors are the only limit again. Shell tasks are not
// limited: the API's quota is no reason to hold back a build.

export class AgentLimit {
  constructor(
    /** null: no limit but the executors. */
    private limit: number | null,
    private readonly deps: { max: () => number; changed: (limit: number | null, reason: string) => void },
  ) {}

  get current(): number | null {
    return this.limit;
  }

  /** Whether another agent task may start while `running` agent tasks run. */
  allows(running: number): boolean {
    return this.limit === null || running < this.limit;
  }

  /** An agent task ended rate-limited while `running` agent tasks (itself included) ran. */
  rateLimited(running: number, task: string): void {
    const from = Math.min(this.limit ?? Number.POSITIVE_INFINITY, Math.max(1, running));
    const next = Math.max(1, Math.floor(from / 2));
    if (next === this.limit) return;
    this.limit = next;
    this.deps.changed(next, `"${task}" was rate limited: at most ${next} agent task${next === 1 ? '' : 's'} at once until agent tasks succeed again`);
  }

  /** An agent task succeeded: one more may run, until the limit is gone. */
  succeeded(task: string): void {
    if (this.limit === null) return;
    const next = this.limit + 1;
    this.limit = next >= this.deps.max() ? null : next;
    this.deps.changed(this.limit, this.limit === null ? `"${task}" succeeded: agent tasks are limited by the executors only` : `"${task}" succeeded: at most ${next} agent tasks at once`);
  }
}
