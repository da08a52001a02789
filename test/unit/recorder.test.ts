import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Recorder } from '../../src/core/coordinator/recorder';
import type { EventDraft, JournalEvent } from '../../src/core/session/events';
import { Journal, readJournal } from '../../src/core/session/journal';
import { replay } from '../../src/core/session/state';
import { TempDirs } from './helpers';

const SESSION = 'rec-20250101-100000-abcd';

const alert = (message: string) => ({ kind: 'stalled_task' as const, message });

/** The seqs written to the journal file right now, read without going through the Journal. */
function seqsOnDisk(file: string): number[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as JournalEvent).seq);
}

describe('coordinator/recorder', () => {
  const temp = new TempDirs();
  let file: string;
  let journal: Journal;
  let recorder: Recorder;
  /** What the `deliver` callback (the agents' share) received. */
  let delivered: JournalEvent[];

  async function open(history: readonly JournalEvent[] = []): Promise<void> {
    const opened = await Journal.open(file, SESSION, { create: true });
    journal = opened.journal;
    delivered = [];
    recorder = new Recorder(journal, replay(SESSION, history), history, (e) => delivered.push(e));
  }

  beforeEach(async () => {
    file = path.join(await temp.make('ma-recorder-'), 'events.jsonl');
  });
  afterEach(async () => {
    delete process.env.MILESTONE_AGENTS_FAILPOINTS;
    await journal?.close();
    await temp.cleanup();
  });

  it('applies an event to the state at once, and delivers it only once it is on disk, in seq order', async () => {
    await open();
    const heard: { seq: number; onDisk: number[]; historyEnd: number | undefined }[] = [];
    recorder.onEvent((e) => heard.push({ seq: e.seq, onDisk: seqsOnDisk(file), historyEnd: recorder.history().at(-1)?.seq }));

    const first = recorder.record('alert', alert('one'));
    recorder.record('alert', alert('two'));
    recorder.record('alert', alert('three'));
    assert.equal(first?.seq, 1);
    assert.deepEqual(recorder.state.alerts.map((a) => a.message), ['one', 'two', 'three'], 'the next decision sees the events before they are durable');
    assert.equal(delivered.length, 0, 'nothing is delivered before its fsync');
    assert.equal(heard.length, 0);

    await recorder.drain();
    assert.deepEqual(delivered.map((e) => e.seq), [1, 2, 3]);
    assert.deepEqual(delivered[1], recorder.all()[1]);
    assert.deepEqual(heard.map((h) => h.seq), [1, 2, 3]);
    for (const h of heard) assert.ok(h.onDisk.includes(h.seq), `event ${h.seq} was heard before it was in the file`);
    // One that subscribes from inside a delivery reads the history up to this event, and
    // hears the rest from onEvent: the same once-each promise as for any late subscriber.
    assert.deepEqual(heard.map((h) => h.historyEnd), [1, 2, 3]);
  });

  it('history() holds only the durable events, all() every recorded one', async () => {
    await open();
    recorder.record('alert', alert('one'));
    await recorder.drain();
    recorder.record('alert', alert('two'));
    assert.deepEqual(recorder.history().map((e) => e.seq), [1]);
    assert.deepEqual(recorder.all().map((e) => e.seq), [1, 2]);
    await recorder.drain();
    assert.deepEqual(recorder.history().map((e) => e.seq), [1, 2]);
  });

  it('history() then onEvent gives each event exactly once', async () => {
    await open();
    recorder.record('alert', alert('one'));
    recorder.record('alert', alert('two'));
    await recorder.drain();
    recorder.record('alert', alert('three'));
    recorder.record('alert', alert('four'));

    // A late subscriber (a view opened mid-run) reads the history and then follows.
    const seen = recorder.history().map((e) => e.seq);
    recorder.onEvent((e) => seen.push(e.seq));
    await recorder.drain();
    assert.deepEqual(seen, [1, 2, 3, 4]);
  });

  it('takes the replayed history of a resumed session as delivered, and numbers on from it', async () => {
    await open();
    recorder.record('alert', alert('before the crash'));
    recorder.record('alert', alert('also before'));
    await recorder.close();

    const reopened = await Journal.open(file, SESSION, { create: false });
    journal = reopened.journal;
    const history = reopened.contents.events;
    delivered = [];
    recorder = new Recorder(journal, replay(SESSION, history), history, (e) => delivered.push(e));
    assert.deepEqual(recorder.history().map((e) => e.seq), [1, 2]);
    assert.equal(recorder.record('alert', alert('after'))?.seq, 3);
    await recorder.drain();
    assert.deepEqual(delivered.map((e) => e.seq), [3], 'the history is not delivered again');
    assert.deepEqual(recorder.history().map((e) => e.seq), [1, 2, 3]);
    assert.equal(recorder.state.alerts.length, 3);
  });

  const terminals: EventDraft[] = [
    { type: 'milestone_completed', data: { duration_ms: 10, tasks: 1 } },
    { type: 'milestone_failed', data: { duration_ms: 10, failed: ['a'], skipped: [], gates_failed: [], reason: 'task a failed' } },
    { type: 'session_interrupted', data: { reason: 'stopped' } },
  ];
  for (const terminal of terminals) {
    it(`records nothing after ${terminal.type}`, async () => {
      await open();
      assert.equal(recorder.sealed, false);
      const end = recorder.recordDraft(terminal);
      assert.equal(end?.seq, 1);
      assert.equal(recorder.sealed, true);
      assert.equal(recorder.record('alert', alert('too late')), undefined);
      await recorder.drain();
      assert.deepEqual(delivered.map((e) => e.type), [terminal.type], 'the terminal event itself is delivered');
      assert.deepEqual((await readJournal(file, SESSION)).events.map((e) => e.type), [terminal.type]);
    });
  }

  it('seal() stops the recording', async () => {
    await open();
    recorder.record('alert', alert('kept'));
    recorder.seal('the lock was lost');
    assert.equal(recorder.sealed, true);
    assert.equal(recorder.record('alert', alert('dropped')), undefined);
    assert.equal(recorder.recordDraft({ type: 'alert', data: alert('dropped too') }), undefined);
    await recorder.drain();
    assert.deepEqual((await readJournal(file, SESSION)).events.map((e) => e.seq), [1]);
    assert.equal(recorder.state.alerts.length, 1, 'a refused event does not reach the state either');
  });

  it('after a failed fsync it is sealed: the failed event is never delivered and nothing more is recorded', async () => {
    await open();
    recorder.record('progress', { done: 0, failed: 0, skipped: 0, running: 0, total: 1, percent: 0, eta_ms: null });
    await recorder.drain();
    process.env.MILESTONE_AGENTS_FAILPOINTS = 'journal.fail_on=alert';
    const doomed = recorder.record('alert', alert('its fsync fails'));
    assert.equal(doomed?.seq, 2, 'the failure is only known once the fsync ran');
    await recorder.drain();
    delete process.env.MILESTONE_AGENTS_FAILPOINTS;

    assert.ok(journal.failed, 'the failpoint did fail the journal');
    assert.equal(recorder.sealed, true);
    assert.equal(recorder.record('alert', alert('after the failure')), undefined);
    assert.equal(recorder.record('progress', { done: 1, failed: 0, skipped: 0, running: 0, total: 1, percent: 100, eta_ms: null }), undefined);
    await recorder.drain();
    assert.deepEqual(delivered.map((e) => e.seq), [1]);
    assert.deepEqual(recorder.history().map((e) => e.seq), [1]);
  });

  it('keeps delivering to the other listeners when one throws', async () => {
    await open();
    const before: number[] = [];
    const after: number[] = [];
    recorder.onEvent((e) => before.push(e.seq));
    recorder.onEvent(() => {
      throw new Error('a listener bug');
    });
    recorder.onEvent((e) => after.push(e.seq));
    recorder.record('alert', alert('one'));
    recorder.record('alert', alert('two'));
    await recorder.drain();
    assert.deepEqual(before, [1, 2]);
    assert.deepEqual(after, [1, 2]);
    assert.deepEqual(delivered.map((e) => e.seq), [1, 2]);
  });

  it('stops delivering to a disposed listener', async () => {
    await open();
    const heard: number[] = [];
    const sub = recorder.onEvent((e) => heard.push(e.seq));
    recorder.record('alert', alert('one'));
    await recorder.drain();
    sub.dispose();
    recorder.record('alert', alert('two'));
    await recorder.drain();
    assert.deepEqual(heard, [1]);
  });

  it('runs onRecorded hooks synchronously, with the event already in the state', async () => {
    await open();
    const hooked: { seq: number; alerts: number; recorded: number }[] = [];
    recorder.onRecorded((e) => hooked.push({ seq: e.seq, alerts: recorder.state.alerts.length, recorded: recorder.all().length }));
    recorder.record('alert', alert('one'));
    assert.deepEqual(hooked, [{ seq: 1, alerts: 1, recorded: 1 }], 'before record() returns');
    recorder.record('alert', alert('two'));
    assert.deepEqual(hooked.map((h) => h.seq), [1, 2]);
    assert.equal(delivered.length, 0, 'ahead of durability');
    await recorder.drain();
  });

  it('recordDraft records the draft as its type and data', async () => {
    await open();
    const e = recorder.recordDraft({ type: 'alert', data: { kind: 'torn_journal', message: 'line 4 dropped' } });
    assert.ok(e && e.type === 'alert');
    assert.deepEqual(e.data, { kind: 'torn_journal', message: 'line 4 dropped' });
    assert.equal(e.session, SESSION);
    await recorder.drain();
    assert.deepEqual((await readJournal(file, SESSION)).events, [e]);
    assert.deepEqual(delivered, [e]);
  });
});
