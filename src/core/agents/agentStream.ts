// One agent run's output as the executor sees it: each line through the adapter's reader,
// tool calls sampled (a chatty agent must not flood the journal), everything else passed
// on at once. Remembers the result and the last retry for the verdict.
import { adapterFor } from './adapters';
import type { AgentSignal, StreamReader } from './adapters/signals';
import { Sampler } from './sampler';

const ACTION_INTERVAL_MS = 250;

type Send = (signal: AgentSignal, actions?: number) => void;

export class AgentStream {
  result: Extract<AgentSignal, { kind: 'result' }> | undefined;
  lastRetry: Extract<AgentSignal, { kind: 'retry' }> | undefined;
  private readonly reader: StreamReader | undefined;
  /** The latest tool call, with how many came since the last one sent. */
  private readonly actions: Sampler<{ action: string; count: number }>;

  constructor(
    adapter: 'claude' | 'codex' | 'generic',
    private readonly send: Send,
    now: () => number = Date.now,
  ) {
    this.reader = adapterFor(adapter).reader();
    this.actions = new Sampler(ACTION_INTERVAL_MS, ({ action, count }) => send({ kind: 'action', action }, count), (held, next) => ({ action: next.action, count: (held?.count ?? 0) + next.count }), now);
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
      this.actions.push({ action: s.action, count: 1 });
      return;
    }
    this.flush();
    if (s.kind === 'result') this.result = s;
    if (s.kind === 'retry') this.lastRetry = s;
    this.send(s);
  }

  /** Sends the latest action held back, if any. */
  flush(): void {
    this.actions.flush();
  }
}
