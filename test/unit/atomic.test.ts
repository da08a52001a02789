import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CoalescingWriter, fsyncDir, writeFileAtomic, writeLockedFile } from '../../src/core/session/atomic';
import { REPO_ROOT, TempDirs } from './helpers';

describe('session/atomic', () => {
  const temp = new TempDirs();
  let dir: string;

  beforeEach(async () => {
    dir = await temp.make('ma-atomic-');
  });
  afterEach(() => temp.cleanup());

  describe('writeFileAtomic', () => {
    it('creates the folder, writes, replaces, and leaves no temporary file', async () => {
      const file = path.join(dir, 'deep', 'er', 'state.yaml');
      await writeFileAtomic(file, 'one\n');
      assert.equal(await fs.readFile(file, 'utf8'), 'one\n');
      await writeFileAtomic(file, 'two, longer than one\n');
      await writeFileAtomic(file, 'é\n');
      assert.equal(await fs.readFile(file, 'utf8'), 'é\n');
      assert.deepEqual(await fs.readdir(path.dirname(file)), ['state.yaml']);
      assert.equal(((await fs.stat(file)).mode & 0o777).toString(8), '644');
    });

    it('cleans up its temporary file when the rename fails', async () => {
      const target = path.join(dir, 'taken');
      await fs.mkdir(path.join(target, 'child'), { recursive: true });
      await assert.rejects(writeFileAtomic(target, 'x'), (err: NodeJS.ErrnoException) => ['EISDIR', 'ENOTEMPTY', 'EEXIST'].includes(err.code ?? ''));
      assert.deepEqual(await fs.readdir(dir), ['taken']);
    });

    it('fsyncDir works on a folder and fails on a missing one', async () => {
      await fsyncDir(dir);
      await assert.rejects(fsyncDir(path.join(dir, 'missing')), { code: 'ENOENT' });
    });
  });

  describe('writeLockedFile', () => {
    it('ends with exactly one complete content when many writers race', async () => {
      const file = path.join(dir, 'shared.txt');
      const contents = Array.from({ length: 16 }, (_, i) => `${String.fromCharCode(97 + i).repeat(256 * 1024)}\n`);
      await Promise.all(contents.map((c) => writeLockedFile(file, c)));
      const final = await fs.readFile(file, 'utf8');
      assert.ok(contents.includes(final), `final content is one writer's whole content (length ${final.length}, starts ${final.slice(0, 3)})`);
      assert.deepEqual(await fs.readdir(dir), ['shared.txt'], 'no lock or temporary file is left');
    });

    it('ends with one complete content when several processes write the same file', async () => {
      const file = path.join(dir, 'cross-process.txt');
      const script = path.join(dir, 'writer.mjs');
      await fs.writeFile(
        script,
        [
          `const { writeLockedFile } = await import(${JSON.stringify(path.join(REPO_ROOT, 'src/core/session/atomic.ts'))});`,
          `const [file, letter] = process.argv.slice(2);`,
          `for (let i = 0; i < 5; i++) await writeLockedFile(file, letter.repeat(128 * 1024) + ' ' + i + '\\n');`,
        ].join('\n'),
      );
      const letters = ['p', 'q', 'r', 's'];
      const codes = await Promise.all(
        letters.map(
          (letter) =>
            new Promise<number | null>((resolve, reject) => {
              const child = spawn(process.execPath, ['--import', 'tsx', script, file, letter], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
              child.on('error', reject);
              child.on('close', (code) => resolve(code));
            }),
        ),
      );
      assert.deepEqual(codes, [0, 0, 0, 0]);
      const final = await fs.readFile(file, 'utf8');
      const whole = letters.flatMap((l) => Array.from({ length: 5 }, (_, i) => `${l.repeat(128 * 1024)} ${i}\n`));
      assert.ok(whole.includes(final), `one writer's whole content (length ${final.length})`);
      assert.deepEqual((await fs.readdir(dir)).sort(), ['cross-process.txt', 'writer.mjs']);
    });

    it('waits for a lock that is held, and writes once it is released', async () => {
      const file = path.join(dir, 'held.txt');
      await fs.writeFile(file, 'before\n');
      // The lock of a live writer, as proper-lockfile leaves it on disk. A real holder keeps
      // its mtime fresh by touching it every second, which is itself a race under load; an
      // mtime in the future keeps it fresh however long the machine stalls.
      const lockDir = `${file}.lock`;
      await fs.mkdir(lockDir);
      const fresh = new Date(Date.now() + 24 * 3600_000);
      await fs.utimes(lockDir, fresh, fresh);

      let refusedTwice!: () => void;
      const waiting = new Promise<'refused'>((resolve) => (refusedTwice = () => resolve('refused')));
      const write = writeLockedFile(file, 'after\n', {
        // Twice, so the writer is known to wait and retry, not to give up after one look.
        onLockHeld: (attempt) => {
          if (attempt >= 2) refusedTwice();
        },
      });
      const first = await Promise.race([waiting, write.then(() => 'written' as const)]);
      assert.equal(first, 'refused', 'written while the lock was held');
      assert.equal(await fs.readFile(file, 'utf8'), 'before\n');

      await fs.rmdir(lockDir);
      await write;
      assert.equal(await fs.readFile(file, 'utf8'), 'after\n');
      assert.deepEqual(await fs.readdir(dir), ['held.txt'], 'the writer released its own lock');
    });

    it('takes over a stale lock left by a dead writer', async () => {
      const file = path.join(dir, 'stale.txt');
      const lockDir = `${file}.lock`;
      await fs.mkdir(lockDir);
      // As old as an mtime gets, so it is stale whatever the 2 s threshold is measured against.
      await fs.utimes(lockDir, new Date(0), new Date(0));
      await writeLockedFile(file, 'taken over\n');
      assert.equal(await fs.readFile(file, 'utf8'), 'taken over\n');
      await assert.rejects(fs.stat(lockDir), { code: 'ENOENT' });
    });
  });

  describe('CoalescingWriter', () => {
    /** A write function that really writes the file and records each call. */
    function recordingWrite(calls: { file: string; content: string }[]) {
      return async (file: string, content: string): Promise<void> => {
        calls.push({ file, content });
        await fs.writeFile(file, content);
      };
    }

    it('coalesces a burst of 100 sets into two writes, the first and the last', async () => {
      const calls: { file: string; content: string }[] = [];
      const writer = new CoalescingWriter(recordingWrite(calls));
      const file = path.join(dir, 'burst.txt');
      const promises: Promise<void>[] = [];
      for (let i = 0; i < 100; i++) promises.push(writer.set(file, `content ${i}\n`));
      await Promise.all(promises);
      await writer.flush();
      assert.ok(calls.length < 100);
      assert.deepEqual(calls.map((c) => c.content), ['content 0\n', 'content 99\n']);
      assert.equal(await fs.readFile(file, 'utf8'), 'content 99\n');
    });

    it('resolves a set only once its content (or a newer one) is written', async () => {
      const calls: { file: string; content: string }[] = [];
      const writer = new CoalescingWriter(recordingWrite(calls));
      const file = path.join(dir, 'ordered.txt');
      void writer.set(file, 'a');
      const last = writer.set(file, 'b');
      await last;
      assert.equal(await fs.readFile(file, 'utf8'), 'b');
      // Once idle, the next set is written on its own.
      await writer.set(file, 'c');
      assert.deepEqual(calls.map((c) => c.content), ['a', 'b', 'c']);
    });

    it('keeps files apart', async () => {
      const calls: { file: string; content: string }[] = [];
      const writer = new CoalescingWriter(recordingWrite(calls));
      const one = path.join(dir, 'one.txt');
      const two = path.join(dir, 'two.txt');
      for (let i = 0; i < 10; i++) {
        void writer.set(one, `one ${i}`);
        void writer.set(two, `two ${i}`);
      }
      await writer.flush();
      assert.equal(await fs.readFile(one, 'utf8'), 'one 9');
      assert.equal(await fs.readFile(two, 'utf8'), 'two 9');
      assert.equal(calls.filter((c) => c.file === one).length, 2);
      assert.equal(calls.filter((c) => c.file === two).length, 2);
    });

    it('reports a failed write to its listeners and goes on with the next content', async () => {
      const blocker = path.join(dir, 'not-a-folder');
      await fs.writeFile(blocker, 'x');
      const writer = new CoalescingWriter();
      const errors: { file: string; code: string | undefined }[] = [];
      writer.onError((file, err) => errors.push({ file, code: (err as NodeJS.ErrnoException).code }));
      const bad = path.join(blocker, 'inside.txt');
      await writer.set(bad, 'never');
      assert.equal(errors.length, 1);
      assert.equal(errors[0]!.file, bad);
      // mkdir -p through a regular file: EEXIST from mkdir, or ENOTDIR from open.
      assert.ok(['EEXIST', 'ENOTDIR'].includes(errors[0]!.code ?? ''), String(errors[0]!.code));
      const good = path.join(dir, 'good.txt');
      await writer.set(good, 'fine');
      assert.equal(await fs.readFile(good, 'utf8'), 'fine');
      assert.equal(errors.length, 1);
    });

    it('writes with writeLockedFile by default', async () => {
      const writer = new CoalescingWriter();
      const file = path.join(dir, 'sub', 'default.txt');
      for (let i = 0; i < 20; i++) void writer.set(file, `v${i}`);
      await writer.flush();
      assert.equal(await fs.readFile(file, 'utf8'), 'v19');
      assert.deepEqual(await fs.readdir(path.join(dir, 'sub')), ['default.txt']);
    });
  });
});
