import { KeyedTimers } from '../core/keyedTimers';

/** One pending call per key, after a fixed delay: a new call for the same key replaces the waiting one. */
export class Debouncer<K> {
  private readonly timers = new KeyedTimers<K>();

  constructor(private readonly delayMs: number) {}

  schedule(key: K, run: () => void): void {
    this.timers.set(key, this.delayMs, run);
  }

  cancel(key: K): void {
    this.timers.cancel(key);
  }

  dispose(): void {
    this.timers.cancelAll();
  }
}
