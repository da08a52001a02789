import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { failpoint } from '../failpoints';
import { fsyncDir } from './atomic';
import { isJournalEvent, type EventData, type EventType, type JournalEvent, type JournalEventOf } from './events';

/** A journal that cannot be replayed: a damaged line before the last, or no events at all. */
export class JournalDamagedError extends Error {}

export interface TornLine {
  /** One-based line number of the dropped line. */
  line: number;
  bytes: number;
  reason: string;
}

export interface JournalContents {
  events: JournalEvent[];
  /** Bytes up to the end of the last good line. */
  validBytes: number;
  torn?: TornLine;
}

/**
 * Parses journal text. A last line without its newline is what a crash mid-append leaves:
 * it is reported and dropped. Any other damage means the file was edited or corrupted,
 * and that is an error a person must look at, not something to paper over.
 */
export function parseJournal(text: string, file: string, expectedSession?: string): JournalContents {
  const events: JournalEvent[] = [];
  let offset = 0;
  let lineNo = 0;
  while (offset < text.length) {
    const nl = text.indexOf('\n', offset);
    lineNo++;
    const raw = nl === -1 ? text.slice(offset) : text.slice(offset, nl);
    let problem: string | undefined;
    let parsed: unknown;
    if (nl === -1) {
      problem = 'the line has no end (the writer stopped mid-line)';
    } else {
      try {
        parsed = JSON.parse(raw);
      } catch {
        problem = 'the line is not valid JSON';
      }
      if (!problem && !isJournalEvent(parsed)) problem = 'the line is not a journal event';
      const prev = events[events.length - 1];
      const expectSeq = prev ? prev.seq + 1 : 1;
      if (!problem && (parsed as JournalEvent).seq !== expectSeq) problem = `seq ${(parsed as JournalEvent).seq} where ${expectSeq} was expected`;
      if (!problem && expectedSession && (parsed as JournalEvent).session !== expectedSession) problem = `it belongs to session ${(parsed as JournalEvent).session}`;
    }
    if (problem) {
      // Only a line without its newline can come from a crash mid-append; a complete line
      // that is wrong was written wrong or edited, and dropping it would hide that.
      if (nl !== -1) {
        throw new JournalDamagedError(`${file}:${lineNo}: the journal is damaged (${problem}). A crash only ever cuts off the last line, so this line was written wrong or edited; the session cannot be replayed safely. Restore the file from a backup, or move the session folder aside and start a new session.`);
      }
      return { events, validBytes: Buffer.byteLength(text.slice(0, offset)), torn: { line: lineNo, bytes: Buffer.byteLength(raw), reason: problem } };
    }
    events.push(parsed as JournalEvent);
    offset = nl + 1;
  }
  return { events, validBytes: Buffer.byteLength(text) };
}

export async function readJournal(file: string, expectedSession?: string): Promise<JournalContents> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { events: [], validBytes: 0 };
    throw err;
  }
  return parseJournal(text, file, expectedSession);
}

export class JournalFailedError extends Error {
  constructor(override readonly cause: unknown) {
    super(`Writing the session journal failed (${(cause as Error)?.message ?? String(cause)}). The coordinator stopped; resume the session to recover from the journal.`);
  }
}

interface Pending {
  event: JournalEvent;
  resolve: (e: JournalEvent) => void;
  reject: (e: Error) => void;
}

/**
 * The append-only event log, with group commit: events handed in while an fsync is under
 * way are written and synced together by the next one, so the cost per event falls as the
 * load rises. An append resolves only once its event is on disk.
 */
export class Journal {
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private failure: JournalFailedError | undefined;
  private readonly failureListeners: ((e: JournalFailedError) => void)[] = [];
  /** fsyncs done and events written, for the metrics (events per fsync under load). */
  readonly stats = { syncs: 0, events: 0 };

  private constructor(
    readonly file: string,
    readonly session: string,
    private handle: fs.FileHandle,
    private seq: number,
  ) {}

  /**
   * Opens (creating if asked) the journal for appending. A torn last line is cut off
   * (and reported) so the next append starts on a clean line.
   */
  static async open(file: string, session: string, options: { create: boolean }): Promise<{ journal: Journal; contents: JournalContents }> {
    await fs.mkdir(path.dirname(file), { recursive: true });
    const contents = await readJournal(file, session);
    if (!options.create && contents.events.length === 0 && !contents.torn) {
      throw new JournalDamagedError(`${file} has no events: there is nothing to resume. Start a new run instead.`);
    }
    const handle = await fs.open(file, 'a');
    if (contents.torn) {
      await handle.truncate(contents.validBytes);
      await handle.sync();
    }
    if (options.create && contents.events.length === 0) await fsyncDir(path.dirname(file));
    const last = contents.events[contents.events.length - 1];
    return { journal: new Journal(file, session, handle, last?.seq ?? 0), contents };
  }

  get lastSeq(): number {
    return this.seq;
  }

  get failed(): JournalFailedError | undefined {
    return this.failure;
  }

  onFailure(listener: (e: JournalFailedError) => void): void {
    this.failureListeners.push(listener);
  }

  /**
   * Numbers and stamps the event at once (so the caller can act on it in order) and
   * returns, separately, the promise that it is on disk; nothing may be delivered to
   * anyone before that promise resolves.
   */
  append<K extends EventType>(type: K, data: EventData[K]): { event: JournalEventOf<K>; durable: Promise<JournalEventOf<K>> } {
    const event = { seq: this.seq + 1, timestamp: new Date().toISOString(), type, data, session: this.session } as JournalEventOf<K>;
    if (this.failure) return { event, durable: Promise.reject(this.failure) };
    this.seq++;
    const durable = new Promise<JournalEvent>((resolve, reject) => this.pending.push({ event: event as JournalEvent, resolve, reject }));
    // Deferred to a microtask so events emitted in one synchronous burst share one fsync.
    if (!this.flushing) this.flushing = Promise.resolve().then(() => this.flush());
    return { event, durable: durable as Promise<JournalEventOf<K>> };
  }

  private async flush(): Promise<void> {
    try {
      while (this.pending.length && !this.failure) {
        const batch = this.pending;
        this.pending = [];
        const buffer = Buffer.from(batch.map((p) => `${JSON.stringify(p.event)}\n`).join(''), 'utf8');
        try {
          let written = 0;
          while (written < buffer.length) {
            const { bytesWritten } = await this.handle.write(buffer, written, buffer.length - written);
            written += bytesWritten;
          }
          // Never retried: after a failed fsync the kernel may have dropped the dirty pages
          // and a second fsync can report success for data that is gone.
          failSyncForTest(batch);
          await this.handle.datasync();
        } catch (err) {
          this.fail(err, batch);
          return;
        }
        this.stats.syncs++;
        this.stats.events += batch.length;
        for (const p of batch) p.resolve(p.event);
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private fail(err: unknown, batch: Pending[]): void {
    this.failure = new JournalFailedError(err);
    const all = [...batch, ...this.pending];
    this.pending = [];
    for (const p of all) p.reject(this.failure);
    for (const l of this.failureListeners) l(this.failure);
  }

  /** Waits for every append handed in so far. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  async close(): Promise<void> {
    await this.drain();
    await this.handle.close().catch(() => undefined);
  }
}

/**
 * `journal.fail_on=<event type>[:<task>]`: the sync of the batch holding such an event
 * fails as EIO would, after the write, as a real fsync failure does.
 */
function failSyncForTest(batch: readonly Pending[]): void {
  const spec = failpoint('journal.fail_on');
  if (!spec) return;
  const [type, task] = spec.split(':');
  const hit = batch.some((p) => p.event.type === type && (task === undefined || ('task' in p.event.data && p.event.data.task === task)));
  if (hit) throw Object.assign(new Error(`EIO: i/o error, fdatasync (failpoint journal.fail_on=${spec})`), { code: 'EIO' });
}
