import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { changedFiles, currentBranch, diskUsage, fileAt, mergeBase, parseNameStatus, resolveRevision, reviewRange, stageContent, unmergedFiles } from '../../src/core/git/review';
import { git, initRepository } from '../support/git';
import { TempDirs } from './helpers';

async function write(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), content);
  }
}

function commitAll(dir: string, message: string): string {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}

describe('git/review (real git)', function () {
  this.timeout(20_000);
  const temps = new TempDirs();
  after(() => temps.cleanup());

  async function repo(files: Record<string, string>): Promise<string> {
    const dir = await temps.make('ma-review-');
    await write(dir, files);
    initRepository(dir);
    return dir;
  }

  /** A milestone branch and a task worktree that both changed shared.txt, with the milestone branch merged into the task's: a conflict under way. */
  async function conflict(): Promise<{ dir: string; wt: string }> {
    const dir = await repo({ 'shared.txt': 'base\n', 'keep.txt': 'keep\n' });
    git(dir, 'branch', 'milestone/m');
    const wt = path.join(await temps.make('ma-review-wt-'), 'task');
    git(dir, 'worktree', 'add', '-q', '-b', 'milestone/m-tasks/t', wt, 'milestone/m');
    await write(wt, { 'shared.txt': 'ours\n', 'only-ours.txt': 'mine\n' });
    commitAll(wt, 'm: task [t]');
    const integration = path.join(await temps.make('ma-review-int-'), 'integration');
    git(dir, 'worktree', 'add', '-q', integration, 'milestone/m');
    await write(integration, { 'shared.txt': 'theirs\n' });
    commitAll(integration, 'm: other [o]');
    try {
      git(wt, 'merge', '--no-edit', 'milestone/m');
    } catch {
      // the conflict is the point
    }
    return { dir, wt };
  }

  it('reads the three sides of a conflicted file from the index stages of the task worktree', async () => {
    const { wt } = await conflict();
    assert.deepEqual(await unmergedFiles(wt), ['shared.txt']);
    assert.equal(await stageContent(wt, 'shared.txt', 1), 'base\n');
    assert.equal(await stageContent(wt, 'shared.txt', 2), 'ours\n');
    assert.equal(await stageContent(wt, 'shared.txt', 3), 'theirs\n');
    // A file that is not conflicted has no stages: absent, not an error.
    assert.equal(await stageContent(wt, 'keep.txt', 2), undefined);
    assert.equal(await stageContent(wt, 'nowhere.txt', 1), undefined);
    assert.match(await fs.readFile(path.join(wt, 'shared.txt'), 'utf8'), /^<{7} /m);
  });

  it('reads a file at a revision; a path that is not there is undefined, a revision that is not there rejects', async () => {
    const dir = await repo({ 'a.txt': 'one\n', 'dir/b.txt': 'b\n' });
    await write(dir, { 'a.txt': 'two\n' });
    const second = commitAll(dir, 'second');
    assert.equal(await fileAt(dir, 'HEAD~1', 'a.txt'), 'one\n');
    assert.equal(await fileAt(dir, second, 'a.txt'), 'two\n');
    assert.equal(await fileAt(dir, 'HEAD', path.join('dir', 'b.txt')), 'b\n');
    assert.equal(await fileAt(dir, 'HEAD', 'missing.txt'), undefined);
    await assert.rejects(fileAt(dir, 'no-such-branch', 'a.txt'), /git show failed/);
    assert.equal(await resolveRevision(dir, 'HEAD'), second);
    assert.equal(await resolveRevision(dir, 'no-such-branch'), undefined);
    assert.equal(await currentBranch(dir), 'main');
    git(dir, 'checkout', '-q', '--detach');
    assert.equal(await currentBranch(dir), undefined);
  });

  it('lists the files two revisions differ in: added, modified, deleted and renamed, names with spaces and non-ASCII intact', async () => {
    const dir = await repo({ 'keep.txt': 'keep\n', 'gone.txt': 'gone\n', 'old name.txt': 'a fairly long text that git can recognise as renamed\n'.repeat(4) });
    const from = git(dir, 'rev-parse', 'HEAD');
    await fs.rm(path.join(dir, 'gone.txt'));
    await fs.rename(path.join(dir, 'old name.txt'), path.join(dir, 'nouveau nom é.txt'));
    await write(dir, { 'keep.txt': 'changed\n', 'src/new.ts': 'export {};\n' });
    const to = commitAll(dir, 'change');
    const files = await changedFiles(dir, from, to);
    const byPath = Object.fromEntries(files.map((f) => [f.path, f]));
    assert.equal(files.length, 4, JSON.stringify(files));
    assert.equal(byPath['keep.txt']?.kind, 'modified');
    assert.equal(byPath['gone.txt']?.kind, 'deleted');
    assert.equal(byPath['src/new.ts']?.kind, 'added');
    assert.deepEqual(byPath['nouveau nom é.txt'], { kind: 'renamed', path: 'nouveau nom é.txt', from: 'old name.txt' });
  });

  it('parses name-status output, skipping what it does not know', () => {
    assert.deepEqual(parseNameStatus('M\0a.txt\0R087\0x\0y\0A\0b\0'), [
      { kind: 'modified', path: 'a.txt' },
      { kind: 'renamed', path: 'y', from: 'x' },
      { kind: 'added', path: 'b' },
    ]);
    assert.deepEqual(parseNameStatus(''), []);
  });

  describe('reviewRange: what a task changed', () => {
    it('a task branch that still exists: from where it meets the milestone branch, even after the milestone moved on', async () => {
      const { dir } = await conflict();
      const range = await reviewRange(dir, { taskId: 't', branch: 'milestone/m-tasks/t', milestoneBranch: 'milestone/m', base: null, sha: null, strategy: null });
      assert.ok(range);
      assert.equal(range.exact, true);
      assert.equal(range.from, await mergeBase(dir, 'milestone/m', 'milestone/m-tasks/t'));
      assert.deepEqual((await changedFiles(dir, range.from, range.to)).map((f) => f.path).sort(), ['only-ours.txt', 'shared.txt']);
    });

    it('a conflict resolved by hand and fast-forwarded: from the merge commit’s second parent', async () => {
      const { dir, wt } = await conflict();
      await write(wt, { 'shared.txt': 'ours and theirs\n' });
      const sha = commitAll(wt, 'Merge milestone/m into milestone/m-tasks/t');
      git(dir, 'worktree', 'remove', '--force', wt);
      git(dir, 'branch', '-D', 'milestone/m-tasks/t');
      const base = git(dir, 'rev-parse', 'main');
      const range = await reviewRange(dir, { taskId: 't', branch: 'milestone/m-tasks/t', milestoneBranch: 'milestone/m', base, sha, strategy: 'fast-forward' });
      assert.deepEqual(range, { from: git(dir, 'rev-parse', `${sha}^2`), to: sha, exact: true });
      assert.equal(await fileAt(dir, range.from, 'shared.txt'), 'theirs\n');
    });

    it('a result merged with a merge commit: from its second parent, so only the task’s side shows', async () => {
      const { dir, wt } = await conflict();
      await write(wt, { 'shared.txt': 'ours and theirs\n' });
      const sha = commitAll(wt, 'Merge milestone/m into milestone/m-tasks/t');
      const base = git(dir, 'rev-parse', 'main');
      git(dir, 'worktree', 'remove', '--force', wt);
      git(dir, 'branch', '-D', 'milestone/m-tasks/t');
      const range = await reviewRange(dir, { taskId: 't', branch: 'milestone/m-tasks/t', milestoneBranch: 'milestone/m', base, sha, strategy: 'merge' });
      assert.ok(range);
      assert.equal(range.from, git(dir, 'rev-parse', `${sha}^2`));
      assert.deepEqual((await changedFiles(dir, range.from, range.to)).map((f) => f.path).sort(), ['only-ours.txt', 'shared.txt']);
    });

    it('a rebased result whose branch is gone: its own commits by their [task] mark; fast-forwarded: from its base', async () => {
      const dir = await repo({ 'a.txt': 'a\n' });
      const base = git(dir, 'rev-parse', 'HEAD');
      await write(dir, { 'other.txt': 'other\n' });
      commitAll(dir, 'm: other [o]');
      await write(dir, { 'mine.txt': '1\n' });
      commitAll(dir, 'm: mine [t]');
      await write(dir, { 'mine.txt': '2\n' });
      const sha = commitAll(dir, 'm: mine again [t]');
      const rebased = await reviewRange(dir, { taskId: 't', branch: 'gone', milestoneBranch: null, base, sha, strategy: 'rebase' });
      assert.deepEqual(rebased, { from: git(dir, 'rev-parse', 'HEAD~2'), to: sha, exact: true });
      const ff = await reviewRange(dir, { taskId: 'x', branch: null, milestoneBranch: null, base, sha, strategy: 'fast-forward' });
      assert.deepEqual(ff, { from: base, to: sha, exact: true });
      // Without its marks, a rebased result is shown from its base, and says that is not exact.
      const unmarked = await reviewRange(dir, { taskId: 'y', branch: null, milestoneBranch: null, base, sha, strategy: 'rebase' });
      assert.deepEqual(unmarked, { from: base, to: sha, exact: false });
      assert.equal(await reviewRange(dir, { taskId: 't', branch: null, milestoneBranch: null, base, sha, strategy: 'none' }), undefined);
      assert.equal(await reviewRange(dir, { taskId: 't', branch: 'gone', milestoneBranch: null, base: null, sha: null, strategy: null }), undefined);
    });

    it('a discarded result: from where it meets the milestone branch to the commit its ref keeps', async () => {
      const { dir, wt } = await conflict();
      git(wt, 'merge', '--abort');
      const sha = git(wt, 'rev-parse', 'HEAD');
      git(dir, 'update-ref', 'refs/milestones/m/discarded/t', sha);
      git(dir, 'worktree', 'remove', '--force', wt);
      git(dir, 'branch', '-D', 'milestone/m-tasks/t');
      const range = await reviewRange(dir, { taskId: 't', branch: 'milestone/m-tasks/t', milestoneBranch: 'milestone/m', base: null, sha, strategy: null });
      assert.ok(range);
      assert.equal(range.to, sha);
      assert.deepEqual((await changedFiles(dir, range.from, range.to)).map((f) => f.path).sort(), ['only-ours.txt', 'shared.txt']);
    });
  });

  describe('diskUsage', () => {
    it('adds up the directories, each inode once, without following links; missing directories count nothing', async () => {
      const a = await temps.make('ma-du-');
      const b = await temps.make('ma-du-');
      await write(a, { 'one.bin': 'x'.repeat(10_000), 'sub/two.bin': 'y'.repeat(5_000) });
      await write(b, { 'three.bin': 'z'.repeat(20_000) });
      await fs.link(path.join(a, 'one.bin'), path.join(b, 'hard.bin'));
      await fs.symlink(a, path.join(b, 'link-to-a'));
      const both = await diskUsage([a, b, path.join(a, 'missing')]);
      assert.equal(both.complete, true);
      // one, two, three, the link itself; the hard link is the same inode as one.bin.
      assert.equal(both.files, 4);
      assert.ok(both.bytes >= 35_000, String(both.bytes));
      const onlyA = await diskUsage([a]);
      assert.ok(onlyA.bytes >= 15_000 && onlyA.bytes < both.bytes);
      assert.deepEqual(await diskUsage([]), { bytes: 0, files: 0, complete: true });
    });

    it('stops at its limits and says the figure is a lower bound', async () => {
      const dir = await temps.make('ma-du-');
      await write(dir, Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`f${i}.txt`, 'data\n'])));
      const cut = await diskUsage([dir], { maxEntries: 10 });
      assert.equal(cut.complete, false);
      assert.ok(cut.files < 30);
      const late = await diskUsage([dir], { timeoutMs: -1 });
      assert.equal(late.complete, false);
    });
  });
});
