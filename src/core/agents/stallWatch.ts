import { realTimers, type Timers } from '../timers';

/**
 * Notices a running task that has printed nothing for `afterMs`: each sign of activity
 * starts its wait again, and a silent task is reported once per silence.
 */
export class StallWatch {
  private readonly waits = new Map<string, unknown>();

  constructor(
    private readonly afterMs: number,
    private readonly stalled: (task: string) => void,
    private readonly timers: Timers = realTimers,
  ) {}

  /** The task started, or printed something: its wait starts (again). */
  arm(task: string): void {
    this.clear(task);
    this.waits.set(
      task,
      // The spent wait stays in the map: the task is still watched, and output after the
      // stall starts a new wait, so a second silence is reported too.
      this.timers.setTimeout(() => this.stalled(task), this.afterMs),
    );
  }

  /** Output from a task being watched; output after its end is ignored. */
  activity(task: string): void {
    if (this.waits.has(task)) this.arm(task);
  }

  clear(task: string): void {
    const t = this.waits.get(task);
    if (t !== undefined) this.timers.clearTimeout(t);
    this.waits.delete(task);
  }

  dispose(): void {
    for (const t of this.waits.values()) this.timers.clearTimeout(t);
    this.waits.clear();
  }
}
