/** The scheduler's "wake me after a delay" (a retry's backoff), as timers cancellable one by one or all at once. */
export class Wakes {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  set(key: string, afterMs: number, fn: () => void): void {
    this.cancel(key);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        fn();
      }, afterMs),
    );
  }

  cancel(key: string): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
  }

  cancelAll(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
