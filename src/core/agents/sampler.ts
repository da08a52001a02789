// The latest of a stream of values, passed on at most once per interval: live output lines
// and an agent's tool calls come faster than anyone reads them, and the log (or the count
// merged into the value) keeps what the sample leaves out.

export class Sampler<T> {
  private pending: T | undefined;
  private lastSentAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly send: (value: T) => void,
    /** How a new value joins the one held back (default: it replaces it). */
    private readonly merge: (held: T | undefined, next: T) => T = (_held, next) => next,
    private readonly now: () => number = Date.now,
  ) {}

  push(value: T): void {
    this.pending = this.merge(this.pending, value);
    const wait = this.lastSentAt + this.intervalMs - this.now();
    if (wait <= 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), wait);
  }

  /** Sends the value held back, if any. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending === undefined) return;
    const value = this.pending;
    this.pending = undefined;
    this.lastSentAt = this.now();
    this.send(value);
  }
}
