import { promises as fs } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { isJournalEvent, type JournalEvent } from './events';

/**
 * Follows a journal another process appends to: each `read()` returns the complete lines
 * written since the last one. A line still being written stays for the next read. The
 * caller decides when to read (a file watcher's change event), so nothing polls.
 */
export class JournalTail {
  private offset = 0;
  private partial = '';
  // A read can end in the middle of a multi-byte character; the decoder holds its first
  // bytes until the rest arrive, so the character is decoded whole rather than as U+FFFD.
  private decoder = new StringDecoder('utf8');
  private lastSeq = 0;
  private reading: Promise<JournalEvent[]> | undefined;
  private again = false;

  constructor(readonly file: string) {}

  /** Concurrent calls share one read; a call made during a read causes one more after it. */
  read(): Promise<JournalEvent[]> {
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = (async () => {
      const all: JournalEvent[] = [];
      do {
        this.again = false;
        all.push(...(await this.readOnce()));
      } while (this.again);
      return all;
    })().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async readOnce(): Promise<JournalEvent[]> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.file, 'r');
    } catch {
      return [];
    }
    try {
      const { size } = await handle.stat();
      if (size < this.offset) {
        // Truncated (a resume cut a torn line off): start over from the beginning.
        this.offset = 0;
        this.partial = '';
        this.decoder = new StringDecoder('utf8');
        this.lastSeq = 0;
      }
      if (size === this.offset) return [];
      const buffer = Buffer.alloc(size - this.offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
      this.offset += bytesRead;
      const text = this.partial + this.decoder.write(buffer.subarray(0, bytesRead));
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      const events: JournalEvent[] = [];
      for (const line of lines) {
        if (!line) continue;
        try {
          const e: unknown = JSON.parse(line);
          if (isJournalEvent(e) && e.seq > this.lastSeq) {
            events.push(e);
            this.lastSeq = e.seq;
          }
        } catch {
          // A damaged line: the writer's replay reports it; a follower skips it.
        }
      }
      return events;
    } finally {
      await handle.close();
    }
  }
}
