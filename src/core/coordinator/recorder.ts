// The journal's single writer. An event is applied to the session state at once (so the
// coordinator's next decision sees it) and delivered to the agents and listeners only once
// it is on disk, in order. Once a terminal event is written, or the journal cannot be
// written any more, nothing else is recorded.
import { TERMINAL_EVENTS, type EventData, type EventDraft, type EventType, type JournalEvent, type JournalEventOf } from '../session/events';
import type { Journal } from '../session/journal';
import { applyEvent, type SessionState } from '../session/state';

type Listener<T> = (value: T) => void;

export interface Disposable {
  dispose(): void;
}

export class Recorder {
  private readonly events: JournalEvent[];
  private deliveredSeq: number;
  private readonly listeners = new Set<Listener<JournalEvent>>();
  private readonly recordedHooks: Listener<JournalEvent>[] = [];
  private sealedBy: string | undefined;

  constructor(
    private readonly journal: Journal,
    readonly state: SessionState,
    history: readonly JournalEvent[],
    /** The agents' share of each durable event (the pool delivers by subscription). */
    private readonly deliver: Listener<JournalEvent>,
  ) {
    this.events = [...history];
    this.deliveredSeq = history[history.length - 1]?.seq ?? 0;
  }

  /** Records an event; undefined once the journal is sealed. */
  record<K extends EventType>(type: K, data: EventData[K]): JournalEventOf<K> | undefined {
    return this.append(type, data)?.event;
  }

  /** Records an event and resolves once it is on disk: true, or false if it never will be. */
  recordDurably<K extends EventType>(type: K, data: EventData[K]): Promise<boolean> {
    const appended = this.append(type, data);
    return appended ? appended.durable.then(() => true, () => false) : Promise.resolve(false);
  }

  private append<K extends EventType>(type: K, data: EventData[K]): { event: JournalEventOf<K>; durable: Promise<unknown> } | undefined {
    if (this.sealedBy !== undefined || this.journal.failed) return undefined;
    const { event, durable } = this.journal.append(type, data);
    if (TERMINAL_EVENTS.has(type)) this.sealedBy = `the ${type} event`;
    const e = event as JournalEvent;
    applyEvent(this.state, e);
    this.events.push(e);
    for (const hook of this.recordedHooks) hook(e);
    durable.then(
      (done) => this.fanOut(done as JournalEvent),
      () => undefined, // reported once, through the journal's onFailure
    );
    return { event, durable };
  }

  recordDraft(draft: EventDraft): JournalEvent | undefined {
    // The draft's type and data belong together by construction (EventDraft is a union of pairs).
    return this.record(draft.type, draft.data) as JournalEvent | undefined;
  }

  /** Called synchronously for each recorded event, before it is durable (bookkeeping, not UI). */
  onRecorded(hook: Listener<JournalEvent>): void {
    this.recordedHooks.push(hook);
  }

  /** Events as they become durable, in order. */
  onEvent(listener: Listener<JournalEvent>): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /**
   * Every event delivered so far: the durable ones. Later events reach `onEvent` listeners
   * once on disk, so history then onEvent gives each event once, none before its fsync.
   */
  history(): readonly JournalEvent[] {
    const pending = this.events.findIndex((e) => e.seq > this.deliveredSeq);
    return pending === -1 ? this.events : this.events.slice(0, pending);
  }

  /** Every event recorded, durable or not, in order. */
  all(): readonly JournalEvent[] {
    return this.events;
  }

  /** Nothing more may be recorded (the session halts, or it is over). */
  seal(why: string): void {
    this.sealedBy ??= why;
  }

  get sealed(): boolean {
    return this.sealedBy !== undefined || this.journal.failed !== undefined;
  }

  /** Resolves once everything recorded is on disk (or the journal failed). */
  async drain(): Promise<void> {
    await this.journal.drain().catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.journal.close();
  }

  private fanOut(e: JournalEvent): void {
    this.deliveredSeq = e.seq;
    // A bug in one receiver must not keep the event from the others, nor stop the session.
    for (const receive of [this.deliver, ...this.listeners]) {
      try {
        receive(e);
      } catch {
        // reported by nothing: the journal has the event, which is what counts
      }
    }
  }
}
