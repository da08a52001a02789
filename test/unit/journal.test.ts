import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Journal, JournalFailedError, parseJournal, readJournal } from '../../src/core/session/journal';
import type { JournalEvent } from '../../src/core/session/events';
import { EventFactory, TempDirs } from './helpers';

const SESSION = 'demo-20250101-100000-abcd';

/** Journal text for `n` events, one JSON object per line. */
function journalText(events: readonly JournalEvent[]): string {
  return events.map((e) => `${JSON.stringify(e)}\n`).join('');
}

function someEvents(n: number, session = SESSION): JournalEvent[] {
  const f = new EventFactory(session);
  return Array.from({ length: n }, (_, i) => f.make('alert', { kind: 'stalled_task', message: `événement ${i + 1} → ✓`, task: `t${i}` }));
}

/** Resolves to 'rejected', 'resolved' or 'pending' without waiting for anything but microtasks already queued. */
function settledState(p: Promise<unknown>): Promise<'resolved' | 'rejected' | 'pending'> {
  return Promise.race([
    p.then(
      () => 'resolved' as const,
      () => 'rejected' as const,
    ),
    Promise.resolve().then(() => 'pending' as const),
  ]);
}

describe('session/journal', () => {
  const temp = new TempDirs();
  let dir: string;
  let file: string;

  beforeEach(async () => {
    dir = await temp.make('ma-journal-');
    file = path.join(dir, 'session', 'events.jsonl');
  });
  afterEach(() => temp.cleanup());

  describe('append and read back', () => {
    it('numbers events 1..n and reads them back as written', async () => {
      const { journal, contents } = await Journal.open(file, SESSION, { create: true });
      assert.deepEqual(contents, { events: [], validBytes: 0 });
      assert.equal(journal.lastSeq, 0);
      const first = journal.append('task_queued', { task: 'build', attempt: 1, priority: 3 });
      assert.equal(first.event.seq, 1, 'numbered at once, before it is on disk');
      assert.equal(first.event.session, SESSION);
      assert.match(first.event.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      journal.append('task_started', { task: 'build', agent: 'executor-1', attempt: 1, pid: 42, command: 'make' });
      journal.append('task_completed', { task: 'build', agent: 'executor-1', attempt: 1, duration_ms: 1500 });
      const last = journal.append('milestone_completed', { duration_ms: 2000, tasks: 1 });
      assert.equal(journal.lastSeq, 4);
      assert.deepEqual(await last.durable, last.event);
      await journal.close();

      const read = await readJournal(file, SESSION);
      assert.equal(read.torn, undefined);
      assert.deepEqual(read.events.map((e) => e.seq), [1, 2, 3, 4]);
      assert.deepEqual(read.events.map((e) => e.type), ['task_queued', 'task_started', 'task_completed', 'milestone_completed']);
      assert.deepEqual(read.events[0], first.event);
      assert.deepEqual(read.events[2]!.data, { task: 'build', agent: 'executor-1', attempt: 1, duration_ms: 1500 });
      const text = await fs.readFile(file, 'utf8');
      assert.equal(read.validBytes, Buffer.byteLength(text));
      assert.equal(text.split('\n').length, 5, 'four lines, each ending in a newline');
    });

    it('continues the numbering when reopened', async () => {
      const a = await Journal.open(file, SESSION, { create: true });
      a.journal.append('alert', { kind: 'stalled_task', message: 'one' });
      a.journal.append('alert', { kind: 'stalled_task', message: 'two' });
      await a.journal.close();

      const b = await Journal.open(file, SESSION, { create: false });
      assert.equal(b.contents.events.length, 2);
      assert.equal(b.journal.lastSeq, 2);
      const third = b.journal.append('alert', { kind: 'stalled_task', message: 'three' });
      assert.equal(third.event.seq, 3);
      await third.durable;
      await b.journal.close();
      assert.deepEqual((await readJournal(file)).events.map((e) => e.seq), [1, 2, 3]);
    });

    it('refuses to resume a journal that has no events', async () => {
      await assert.rejects(Journal.open(file, SESSION, { create: false }), { message: `${file} has no events: there is nothing to resume. Start a new run instead.` });
      await fs.writeFile(file, '');
      await assert.rejects(Journal.open(file, SESSION, { create: false }), /has no events/);
    });

    it('reads a missing journal as empty', async () => {
      assert.deepEqual(await readJournal(path.join(dir, 'nope.jsonl')), { events: [], validBytes: 0 });
      assert.deepEqual(parseJournal('', 'x.jsonl'), { events: [], validBytes: 0 });
    });
  });

  describe('group commit', () => {
    it('writes a synchronous burst of 200 events with fewer fsyncs than events, resolving in seq order', async () => {
      const { journal } = await Journal.open(file, SESSION, { create: true });
      const resolved: number[] = [];
      const durables: Promise<unknown>[] = [];
      for (let i = 0; i < 200; i++) {
        const { durable } = journal.append('progress', { done: i, failed: 0, skipped: 0, running: 1, total: 200, percent: i / 2, eta_ms: null });
        durables.push(durable.then((e) => resolved.push(e.seq)));
      }
      await Promise.all(durables);
      assert.ok(journal.stats.syncs < 200, `syncs: ${journal.stats.syncs}`);
      // The burst is handed in before the deferred flush runs, so it shares a single fsync.
      assert.equal(journal.stats.syncs, 1);
      assert.equal(journal.stats.events, 200);
      assert.deepEqual(resolved, Array.from({ length: 200 }, (_, i) => i + 1));
      await journal.close();
      const read = await readJournal(file, SESSION);
      assert.equal(read.events.length, 200);
      assert.equal(read.events[199]!.seq, 200);
    });

    it('commits events handed in while a flush is under way in a later batch', async () => {
      const { journal } = await Journal.open(file, SESSION, { create: true });
      const first = journal.append('alert', { kind: 'stalled_task', message: 'first' });
      await first.durable;
      const second = journal.append('alert', { kind: 'stalled_task', message: 'second' });
      const third = journal.append('alert', { kind: 'stalled_task', message: 'third' });
      await Promise.all([second.durable, third.durable]);
      assert.deepEqual(journal.stats, { syncs: 2, events: 3 });
      await journal.drain();
      await journal.close();
    });
  });

  describe('torn and damaged journals', () => {
    it('drops a last line cut mid-JSON and reports its line number', async () => {
      const good = journalText(someEvents(3));
      const cut = JSON.stringify(someEvents(4)[3]).slice(0, 40);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, good + cut);

      for (const contents of [parseJournal(good + cut, file, SESSION), await readJournal(file, SESSION)]) {
        assert.deepEqual(contents.events.map((e) => e.seq), [1, 2, 3]);
        assert.equal(contents.validBytes, Buffer.byteLength(good));
        assert.deepEqual(contents.torn, { line: 4, bytes: Buffer.byteLength(cut), reason: 'the line has no end (the writer stopped mid-line)' });
      }
    });

    it('refuses a last line that ends but is not JSON: a crash cannot write the newline without the line', () => {
      const good = journalText(someEvents(2));
      assert.throws(() => parseJournal(`${good}{"seq":3,"type":\n`, 'j.jsonl'), { message: /^j\.jsonl:3: the journal is damaged \(the line is not valid JSON\)/ });
    });

    it('Journal.open cuts the torn line off, so the next append starts on a clean line', async () => {
      const good = journalText(someEvents(3));
      const cut = JSON.stringify(someEvents(4)[3]).slice(0, 57);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, good + cut);

      const { journal, contents } = await Journal.open(file, SESSION, { create: false });
      assert.equal(contents.torn?.line, 4);
      assert.equal((await fs.stat(file)).size, Buffer.byteLength(good));
      assert.equal(journal.lastSeq, 3);
      const next = journal.append('alert', { kind: 'torn_journal', message: 'dropped line 4' });
      assert.equal(next.event.seq, 4);
      await next.durable;
      await journal.close();

      const text = await fs.readFile(file, 'utf8');
      assert.ok(text.startsWith(good));
      const reread = parseJournal(text, file, SESSION);
      assert.equal(reread.torn, undefined);
      assert.deepEqual(reread.events.map((e) => e.seq), [1, 2, 3, 4]);
      assert.equal(reread.events[3]!.type, 'alert');
    });

    it('Journal.open of a journal with only a torn line resumes from nothing', async () => {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, '{"seq":1,"ti');
      const { journal, contents } = await Journal.open(file, SESSION, { create: false });
      assert.deepEqual(contents.torn, { line: 1, bytes: 12, reason: 'the line has no end (the writer stopped mid-line)' });
      assert.equal((await fs.stat(file)).size, 0);
      assert.equal(journal.append('alert', { kind: 'torn_journal', message: 'x' }).event.seq, 1);
      await journal.close();
      assert.equal((await readJournal(file, SESSION)).events.length, 1);
    });

    it('refuses damage before the last line, naming file:line', async () => {
      const [a, b, c] = someEvents(3);
      const text = `${JSON.stringify(a)}\nnot json at all\n${JSON.stringify(b)}\n${JSON.stringify(c)}\n`;
      assert.throws(() => parseJournal(text, '/s/events.jsonl'), {
        message: '/s/events.jsonl:2: the journal is damaged (the line is not valid JSON). A crash only ever cuts off the last line, so this line was written wrong or edited; the session cannot be replayed safely. Restore the file from a backup, or move the session folder aside and start a new session.',
      });
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, text);
      await assert.rejects(readJournal(file), { message: new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2: the journal is damaged`) });
      await assert.rejects(Journal.open(file, SESSION, { create: false }), /events\.jsonl:2: the journal is damaged/);
      assert.equal(await fs.readFile(file, 'utf8'), text, 'a damaged journal is left as it is');
    });

    it('treats a seq gap as damage', () => {
      const events = someEvents(5);
      const gap = [events[0]!, events[1]!, events[3]!, events[4]!];
      assert.throws(() => parseJournal(journalText(gap), 'g.jsonl'), { message: /^g\.jsonl:3: the journal is damaged \(seq 4 where 3 was expected\)/ });
      // A complete last line with a gap is damage too: only a line without its end is a tear.
      assert.throws(() => parseJournal(journalText([events[0]!, events[2]!]), 'g.jsonl'), { message: /^g\.jsonl:2: the journal is damaged \(seq 3 where 2 was expected\)/ });
      // A journal must start at seq 1.
      assert.throws(() => parseJournal(journalText(events.slice(1)), 'g.jsonl'), /g\.jsonl:1: .*seq 2 where 1 was expected/);
    });

    it('refuses lines that are not events, and events of another session', () => {
      const [a, b] = someEvents(2);
      const unknownType = { ...a!, type: 'no_such_event' };
      assert.throws(() => parseJournal(`${JSON.stringify(unknownType)}\n${JSON.stringify(b)}\n`, 'e.jsonl'), /e\.jsonl:1: the journal is damaged \(the line is not a journal event\)/);
      const other = journalText(someEvents(2, 'other-session'));
      assert.throws(() => parseJournal(other, 'e.jsonl', SESSION), /e\.jsonl:1: the journal is damaged \(it belongs to session other-session\)/);
      assert.equal(parseJournal(other, 'e.jsonl').events.length, 2, 'without an expected session any session is fine');
    });
  });

  describe('write failures', () => {
    // /dev/null accepts the open and the write, but fdatasync on it fails (EINVAL): a real
    // failure of the durability step, with nothing mocked. (/dev/full cannot be used: the
    // journal is read before it is opened, and /dev/full reads as endless zero bytes.)
    it('rejects the pending appends with JournalFailedError, calls onFailure once, and fails later appends at once', async () => {
      const { journal } = await Journal.open('/dev/null', SESSION, { create: true });
      const failures: JournalFailedError[] = [];
      journal.onFailure((e) => failures.push(e));

      const a = journal.append('alert', { kind: 'stalled_task', message: 'a' });
      const b = journal.append('alert', { kind: 'stalled_task', message: 'b' });
      await assert.rejects(a.durable, (err: unknown) => {
        assert.ok(err instanceof JournalFailedError);
        assert.equal((err.cause as NodeJS.ErrnoException).code, 'EINVAL');
        assert.match(err.message, /^Writing the session journal failed \(.*EINVAL.*\)\. The coordinator stopped; resume the session to recover from the journal\.$/);
        return true;
      });
      await assert.rejects(b.durable, JournalFailedError);
      assert.equal(failures.length, 1);
      assert.equal(journal.failed, failures[0]);
      assert.deepEqual(journal.stats, { syncs: 0, events: 0 });

      const later = journal.append('alert', { kind: 'stalled_task', message: 'later' });
      assert.equal(await settledState(later.durable), 'rejected');
      await assert.rejects(later.durable, (err: unknown) => err === failures[0]);
      assert.equal(failures.length, 1, 'onFailure is not called again');
      await journal.close();
    });
  });
});
