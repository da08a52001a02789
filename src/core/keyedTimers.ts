/**
 * Timers by key: setting a key again replaces the timer still waiting for it, and each can
 * be cancelled on its own or all at once. What a debounce per document and a wake-up per
 * task both are.
 */
export class KeyedTimers<K> {
  private readonly timers = new Map<K, NodeJS.Timeout>();

  set(key: K, afterMs: number, run: () => void): void {
    this.cancel(key);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        run();
      }, afterMs),
    );
  }

  cancel(key: K): void {
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer);
    this.timers.delete(key);
  }

  cancelAll(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
