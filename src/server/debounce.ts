/** One pending call per key: a new call for the same key replaces the waiting one. */
export class Debouncer<K> {
  private readonly timers = new Map<K, NodeJS.Timeout>();

  constructor(private readonly delayMs: number) {}

  schedule(key: K, run: () => void): void {
    this.cancel(key);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        run();
      }, this.delayMs),
    );
  }

  cancel(key: K): void {
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer);
    this.timers.delete(key);
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
