import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnalysisOptions } from '../../../src/server/analysis';
import { childUri, DiskFiles, type DiskRead } from '../../../src/server/diskFiles';
import { codesAt, TempDirs } from '../helpers';
import { lines } from './support';

const uri = (p: string): string => pathToFileURL(p).href;

const BROKEN = lines('id: broken', 'tasks:', '  - id: a', '    run: echo a', '    depends_on: [ghost]');
const FINE = lines('id: fine', 'tasks:', '  - id: a', '    run: echo a');

/** A DiskFiles whose open files and settings the test decides, and whose log it keeps. */
function diskFiles(options: (uri: string) => Promise<AnalysisOptions> = () => Promise.resolve({})): { disk: DiskFiles; open: Set<string>; logged: string[] } {
  const open = new Set<string>();
  const logged: string[] = [];
  const disk = new DiskFiles({ isOpen: (file) => open.has(file), options, log: (m) => logged.push(m) });
  return { disk, open, logged };
}

/** The codes of a read's analysis, or what the read said instead. */
function outcome(read: DiskRead): string[] | string {
  if (read.kind === 'analysis') return codesAt(read.analysis.diagnostics);
  return read.kind === 'skip' ? `skip: ${read.why}` : 'clear';
}

describe('server/diskFiles', () => {
  const temp = new TempDirs();
  let ws: string;
  const file = (name: string): string => path.join(ws, '.milestones', name);
  const write = async (name: string, text: string): Promise<string> => {
    await fs.mkdir(path.dirname(file(name)), { recursive: true });
    await fs.writeFile(file(name), text);
    return uri(file(name));
  };

  beforeEach(async () => {
    ws = await temp.make('ma-server-disk-');
  });
  afterEach(() => temp.cleanup());

  it('finds the milestone files of a folder: .yaml and .yml directly in .milestones, nothing else', async () => {
    await write('broken.yaml', BROKEN);
    await write('fine.yml', FINE);
    await write('notes.md', '# notes\n');
    await write('sessions/fine-1.yaml', 'session: {}\n');
    await fs.mkdir(file('folder.yaml'));
    await fs.mkdir(path.join(ws, 'sub', '.milestones'), { recursive: true });
    await fs.writeFile(path.join(ws, 'sub', '.milestones', 'nested.yaml'), FINE);
    const { disk, logged } = diskFiles();
    assert.deepEqual(await disk.addFolder(uri(ws)), [uri(file('broken.yaml')), uri(file('fine.yml'))]);
    assert.deepEqual(disk.closedUris(), [uri(file('broken.yaml')), uri(file('fine.yml'))]);
    assert.deepEqual(logged, []);
  });

  it('finds nothing, and says nothing, in a folder without .milestones', async () => {
    const { disk, logged } = diskFiles();
    assert.deepEqual(await disk.addFolder(uri(ws)), []);
    assert.deepEqual(await disk.addFolder('untitled:folder'), []);
    assert.deepEqual(logged, []);
  });

  it('reads a closed file from disk into an analysis of no editor version, with the settings for its URI', async () => {
    const broken = await write('broken.yaml', BROKEN);
    const asked: string[] = [];
    const profiles = { bot: ['bot', '{prompt}'] };
    const { disk } = diskFiles((u) => {
      asked.push(u);
      return Promise.resolve({ profiles });
    });
    await disk.addFolder(uri(ws));
    const read = await disk.read(broken);
    assert.equal(read.kind, 'analysis');
    assert.deepEqual(outcome(read), ['unknown-dependency@4:17-4:22']);
    if (read.kind !== 'analysis') return;
    assert.equal(read.analysis.document.uri, broken);
    assert.equal(read.analysis.document.version, 0);
    assert.equal(read.analysis.document.getText(), BROKEN);
    assert.equal(read.analysis.workspace, path.resolve(ws));
    assert.equal(read.analysis.options.profiles, profiles);
    assert.deepEqual(asked, [broken]);
  });

  it('leaves an open file to its buffer, even when it is gone from disk', async () => {
    const broken = await write('broken.yaml', BROKEN);
    const fine = await write('fine.yaml', FINE);
    const { disk, open } = diskFiles();
    await disk.addFolder(uri(ws));
    open.add(file('broken.yaml'));
    assert.equal(outcome(await disk.read(broken)), 'skip: open');
    assert.deepEqual(disk.closedUris(), [fine]);
    await fs.rm(file('broken.yaml'));
    assert.equal(outcome(await disk.read(broken)), 'skip: open');
    assert.equal(disk.deleted(broken), false, 'an open file keeps the problems of its buffer');
  });

  it('knows a file open under another spelling of its URI by its path', async () => {
    await write('copy (1).yaml', FINE);
    const { disk, open } = diskFiles();
    // Found as VS Code spells it (`%28`), asked for as Node spells it (`(`): one file.
    assert.deepEqual(await disk.addFolder(uri(ws)), [`${uri(ws)}/.milestones/copy%20%281%29.yaml`]);
    open.add(file('copy (1).yaml'));
    assert.equal(outcome(await disk.read(uri(file('copy (1).yaml')))), 'skip: open');
    assert.deepEqual(disk.closedUris(), []);
  });

  it('answers "clear" for a file deleted from disk, and forgets it', async () => {
    const broken = await write('broken.yaml', BROKEN);
    const { disk } = diskFiles();
    await disk.addFolder(uri(ws));
    await fs.rm(file('broken.yaml'));
    assert.equal(outcome(await disk.read(broken)), 'clear');
    assert.deepEqual(disk.closedUris(), []);
  });

  it('follows the files a watcher reports created and forgets the ones it reports deleted', async () => {
    const { disk } = diskFiles();
    await disk.addFolder(uri(ws));
    const broken = await write('broken.yaml', BROKEN);
    disk.changed(broken);
    assert.deepEqual(disk.closedUris(), [broken]);
    assert.deepEqual(outcome(await disk.read(broken)), ['unknown-dependency@4:17-4:22']);
    assert.equal(disk.deleted(broken), true);
    assert.deepEqual(disk.closedUris(), []);
    assert.equal(disk.deleted(broken), false, 'a file already forgotten has nothing left to clear');
  });

  it('follows only the .milestones of the workspace folders: not a nested one, not another folder\'s', async () => {
    const { disk } = diskFiles();
    await disk.addFolder(uri(ws));
    const nested = path.join(ws, 'sub', '.milestones', 'nested.yaml');
    await fs.mkdir(path.dirname(nested), { recursive: true });
    await fs.writeFile(nested, BROKEN);
    disk.changed(uri(nested));
    assert.deepEqual(disk.closedUris(), []);
    assert.equal(outcome(await disk.read(uri(nested))), 'clear');
  });

  it('drops a read that a newer read or a deletion overtook', async () => {
    const broken = await write('broken.yaml', BROKEN);
    const release: (() => void)[] = [];
    // Each read waits for its settings until the test lets it go on.
    const { disk } = diskFiles(() => new Promise((resolve) => release.push(() => resolve({}))));
    await disk.addFolder(uri(ws));
    const first = disk.read(broken);
    const second = disk.read(broken);
    await waitForSettingsAsked(release, 2);
    release[1]!();
    release[0]!();
    assert.equal(outcome(await first), 'skip: superseded');
    assert.deepEqual(outcome(await second), ['unknown-dependency@4:17-4:22']);

    const third = disk.read(broken);
    await waitForSettingsAsked(release, 3);
    disk.deleted(broken);
    release[2]!();
    assert.equal(outcome(await third), 'skip: superseded');
  });

  it('logs a file it cannot read and answers "clear", without throwing', async () => {
    await fs.mkdir(file('folder.yaml'), { recursive: true });
    const { disk, logged } = diskFiles();
    await disk.addFolder(uri(ws));
    disk.changed(uri(file('folder.yaml')));
    assert.equal(outcome(await disk.read(uri(file('folder.yaml')))), 'clear');
    assert.equal(logged.length, 1);
    assert.match(logged[0]!, /^Could not read .*folder\.yaml to validate it: EISDIR/);
  });

  it('stops following a removed folder and answers the closed files whose problems should go', async () => {
    const broken = await write('broken.yaml', BROKEN);
    await write('fine.yaml', FINE);
    const other = await temp.make('ma-server-disk-other-');
    await fs.mkdir(path.join(other, '.milestones'));
    await fs.writeFile(path.join(other, '.milestones', 'kept.yaml'), FINE);
    const { disk, open } = diskFiles();
    await disk.addFolder(uri(ws));
    await disk.addFolder(uri(other));
    open.add(file('fine.yaml'));
    assert.deepEqual(disk.removeFolder(uri(ws)), [broken]);
    assert.deepEqual(disk.closedUris(), [uri(path.join(other, '.milestones', 'kept.yaml'))]);
    assert.equal(outcome(await disk.read(broken)), 'clear');
    assert.deepEqual(disk.removeFolder(uri(ws)), []);
  });

  it('forgets a folder removed while it was being listed', async () => {
    await write('broken.yaml', BROKEN);
    const { disk } = diskFiles();
    const adding = disk.addFolder(uri(ws));
    disk.removeFolder(uri(ws));
    assert.deepEqual(await adding, []);
    assert.deepEqual(disk.closedUris(), []);
  });

  it('spells a file\'s URI from its folder\'s the way VS Code does, percent-encoding all but unreserved characters', () => {
    assert.equal(childUri('file:///home/me/My%20Project%20%28old%29', "a (b)!'*~.yaml"), 'file:///home/me/My%20Project%20%28old%29/.milestones/a%20%28b%29%21%27%2A~.yaml');
    assert.equal(childUri('file:///ws/', 'démo.yaml'), 'file:///ws/.milestones/d%C3%A9mo.yaml');
  });
});

async function waitForSettingsAsked(release: readonly unknown[], count: number): Promise<void> {
  for (let i = 0; i < 200 && release.length < count; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(release.length, count, 'the reads should be waiting for their settings');
}
