// One agent run's output as the executor sees it: each line through the adapter's reader,
// tool calls sampled (a chatty agent must not flood the journal), everything else passed
// on at once. Remembers the result and the last retry for the verdict.
import { adapterFor } from './adapters';
import type { AgentSignal, StreamReader } from './adapters/signals';

const ACTION_INTERVAL_MS = 250;

type Send = (signal: AgentSignal, actions?: number) => void;

export class AgentStream {
  result: Extract<AgentSignal, { kind: 'result' }> | undefined;
  lastRetry: Extract<AgentSignal, { kind: 'retry' }> | undefined;
  private readonly reader: StreamReader | undefined;
  private pending: { action: string; count: number } | undefined;
  private lastSentAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    adapter: 'claude' | 'codex' | 'generic',
    private readonly send: Send,
    private readonly now: () => number = Date.now,
  ) {
    this.reader = adapterFor(adapter).reader();
  }

  line(text: string): void {
    if (!this.reader) return;
    let signals: AgentSignal[];
    try {
      signals = this.reader.line(text);
    } catch {
      // A line the reader cannot take stays in the log; the run goes on.
      return;
    }
    for (const s of signals) this.signal(s);
  }

  private signal(s: AgentSignal): void {
    if (s.kind === 'action') {
      this.pending = { action: s.action, count: (this.pending?.count ?? 0) + 1 };
      const wait = this.lastSentAt + ACTION_INTERVAL_MS - this.now();
      if (wait <= 0) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), wait);
      return;
    }
    this.flush();
    if (s.kind === 'result') this.result = s;
    if (s.kind === 'retry') this.lastRetry = s;
    this.send(s);
  }

  /** Sends the latest action held back, if any. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending) return;
    const { action, count } = this.pending;
    this.pending = undefined;
    this.lastSentAt = this.now();
    this.send({ kind: 'action', action }, count);
  }
}
