import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Journal } from '../../../src/core/session/journal';
import { SessionInfo } from '../../../src/server/features/sessionInfo';
import { TempDirs } from '../helpers';
import { ran, writeSession } from './support';

describe('server/sessionInfo', () => {
  const temp = new TempDirs();
  let ws: string;
  const demo = (): { id: string; file: string } => ({ id: 'demo', file: path.join(ws, '.milestones', 'demo.yaml') });

  beforeEach(async () => {
    ws = await temp.make('ma-server-sessions-');
  });
  afterEach(() => temp.cleanup());

  it('has nothing to say when there is no session', async () => {
    assert.equal(await new SessionInfo().latest(ws, demo()), undefined);
  });

  it('reads the newest session of the milestone and leaves other milestones\' sessions out', async () => {
    await writeSession(ws, 'demo-20250101-100000-aaaa', 'demo', '2025-01-01T10:00:00.000Z', ran('build', 1000));
    await writeSession(ws, 'demo-20250102-100000-bbbb', 'demo', '2025-01-02T10:00:00.000Z', ran('build', 2500));
    await writeSession(ws, 'other-20250103-100000-cccc', 'other', '2025-01-03T10:00:00.000Z', ran('build', 9000));
    const run = await new SessionInfo().latest(ws, demo());
    assert.equal(run?.sessionId, 'demo-20250102-100000-bbbb');
    assert.equal(run?.status, 'running');
    assert.deepEqual([run?.tasks.get('build')?.status, run?.tasks.get('build')?.durationMs], ['completed', 2500]);
    assert.equal(run?.tasks.get('test')?.status, 'pending');
    assert.equal(run?.gates.get('unit')?.status, 'pending');
  });

  it('reads a journal whose last line a crash cut off, without that line', async () => {
    const paths = await writeSession(ws, 'demo-20250101-100000-aaaa', 'demo', '2025-01-01T10:00:00.000Z', ran('build', 1000));
    await fs.appendFile(paths.events, '{"seq":4,"timestamp":"2025-01-01T10:00:09.000Z","type":"task_sta');
    const run = await new SessionInfo().latest(ws, demo());
    assert.deepEqual([run?.tasks.get('build')?.status, run?.tasks.get('test')?.status], ['completed', 'pending']);
  });

  it('skips a damaged journal for the next newest session, and an empty one', async () => {
    await writeSession(ws, 'demo-20250101-100000-aaaa', 'demo', '2025-01-01T10:00:00.000Z', ran('build', 1000));
    const damaged = await writeSession(ws, 'demo-20250102-100000-bbbb', 'demo', '2025-01-02T10:00:00.000Z', ran('build', 2500));
    await fs.writeFile(damaged.events, `not json\n${await fs.readFile(damaged.events, 'utf8')}`);
    const empty = await writeSession(ws, 'demo-20250103-100000-cccc', 'demo', '2025-01-03T10:00:00.000Z', []);
    await fs.writeFile(empty.events, '');
    const logged: string[] = [];
    const run = await new SessionInfo((m) => logged.push(m)).latest(ws, demo());
    assert.equal(run?.sessionId, 'demo-20250101-100000-aaaa');
    assert.equal(logged.length, 1);
    assert.match(logged[0]!, /^Session demo-20250102-100000-bbbb is not shown in hovers: .*the journal is damaged/);
  });

  it('sees a journal grow and a new session appear, without being told', async () => {
    const info = new SessionInfo();
    const paths = await writeSession(ws, 'demo-20250101-100000-aaaa', 'demo', '2025-01-01T10:00:00.000Z', []);
    assert.equal((await info.latest(ws, demo()))?.tasks.get('build')?.status, 'pending');
    const { journal } = await Journal.open(paths.events, paths.sessionId, { create: false });
    for (const [type, data] of ran('build', 700)) journal.append(type, data);
    await journal.close();
    assert.equal((await info.latest(ws, demo()))?.tasks.get('build')?.durationMs, 700);
    await writeSession(ws, 'demo-20250102-100000-bbbb', 'demo', '2025-01-02T10:00:00.000Z', []);
    assert.equal((await info.latest(ws, demo()))?.sessionId, 'demo-20250102-100000-bbbb');
  });

  it('forgets what it read when told, for one workspace or all', async () => {
    const info = new SessionInfo();
    const paths = await writeSession(ws, 'demo-20250101-100000-aaaa', 'demo', '2025-01-01T10:00:00.000Z', ran('build', 1000));
    // Same size, same inode, same mtime: a change only a watcher notification can reveal.
    const rewrite = async (from: string, to: string): Promise<void> => {
      await fs.writeFile(paths.events, (await fs.readFile(paths.events, 'utf8')).replace(from, to));
      await fs.utimes(paths.events, 1_700_000_000, 1_700_000_000);
    };
    await rewrite('', '');
    assert.equal((await info.latest(ws, demo()))?.tasks.get('build')?.durationMs, 1000);
    await rewrite('"duration_ms":1000', '"duration_ms":2000');
    assert.equal((await info.latest(ws, demo()))?.tasks.get('build')?.durationMs, 1000);
    info.invalidate(path.join(ws, 'elsewhere'));
    assert.equal((await info.latest(ws, demo()))?.tasks.get('build')?.durationMs, 1000);
    info.invalidate(ws);
    assert.equal((await info.latest(ws, demo()))?.tasks.get('build')?.durationMs, 2000);
    await rewrite('"duration_ms":2000', '"duration_ms":3000');
    info.invalidate();
    assert.equal((await info.latest(ws, demo()))?.tasks.get('build')?.durationMs, 3000);
  });
});
