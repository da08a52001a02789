import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { openRepository } from '../../src/core/git/repository';
import { copyIncluded, describeConflict, discardResult, ensureBranch, ensureWorktree, listWorktrees, mergeTaskResult, parkWorktree, removeIntegration, removeMerged, taskBranch, type RepoHandle } from '../../src/core/git/worktrees';
import { git, initRepository } from '../support/git';
import { cleanupTempDirs, tempDir } from './helpers';

async function repoWith(files: Record<string, string>): Promise<{ repo: RepoHandle; dir: string; wts: string }> {
  const dir = await tempDir();
  for (const [name, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), content);
  }
  initRepository(dir);
  const opened = await openRepository(dir);
  assert.ok(opened);
  return { repo: opened, dir, wts: await tempDir('ma-wt-') };
}

const BRANCH = 'milestone/m';

/**
 * A repository with the milestone branch integrated in a worktree, and worktrees for the
 * named tasks; `merge(task)` puts one task's result on the branch.
 */
async function milestoneRepo(files: Record<string, string>, tasks: string[]) {
  const { repo, dir, wts } = await repoWith(files);
  await ensureBranch(repo.git, BRANCH, 'm');
  const integration = path.join(wts, 'integration');
  await ensureWorktree(repo, integration, BRANCH);
  const worktree: Record<string, string> = {};
  for (const t of tasks) {
    worktree[t] = path.join(wts, t);
    await ensureWorktree(repo, worktree[t], taskBranch(BRANCH, t), BRANCH);
  }
  const request = (t: string) => ({ integration, worktree: worktree[t]!, branch: taskBranch(BRANCH, t), milestoneBranch: BRANCH, message: `m: ${t} [${t}]` });
  return { repo, dir, wts, integration, worktree, request, merge: (t: string) => mergeTaskResult(repo, request(t)) };
}

describe('git/worktrees (real git)', function () {
  this.timeout(60_000);
  after(cleanupTempDirs);

  it('merges two tasks that changed different files: one commit each, only its own files, the user checkout untouched', async () => {
    const { repo, dir, integration, worktree, merge } = await milestoneRepo({ 'a.txt': 'a\n', 'b.txt': 'b\n' }, ['one', 'two']);
    await fs.writeFile(path.join(worktree.one!, 'a.txt'), 'a changed\n');
    await fs.writeFile(path.join(worktree.two!, 'new.txt'), 'new\n');
    // The user edits their own checkout meanwhile: none of it may reach the branch.
    await fs.writeFile(path.join(dir, 'b.txt'), 'user edit\n');
    const r1 = await merge('one');
    assert.equal(r1.kind, 'merged');
    assert.equal(r1.kind === 'merged' && r1.strategy, 'fast-forward');
    const r2 = await merge('two');
    assert.equal(r2.kind === 'merged' && r2.strategy, 'rebase');
    assert.deepEqual(git(dir, 'log', '--format=%s', BRANCH).split('\n'), ['m: two [two]', 'm: one [one]', 'initial']);
    assert.equal(git(dir, 'show', '--name-only', '--format=', BRANCH), 'new.txt');
    assert.equal(git(dir, 'show', '--name-only', '--format=', `${BRANCH}~1`), 'a.txt');
    assert.equal(git(dir, 'rev-parse', '--abbrev-ref', 'HEAD'), 'main');
    assert.equal(await fs.readFile(path.join(dir, 'b.txt'), 'utf8'), 'user edit\n');
    assert.equal(await fs.readFile(path.join(integration, 'new.txt'), 'utf8'), 'new\n');
    for (const name of ['one', 'two']) assert.deepEqual(await removeMerged(repo, integration, worktree[name]!, taskBranch(BRANCH, name)), { removed: true });
    assert.deepEqual(await removeIntegration(repo, integration), { removed: true });
    assert.equal((await listWorktrees(repo.git)).length, 1);
    assert.equal(git(dir, 'worktree', 'prune', '--dry-run', '-v'), '');
    assert.equal(git(dir, 'branch', '--list', `${BRANCH}-tasks/*`), '');
  });

  it('leaves a conflict in progress in the task worktree; resolving it by hand completes the merge; both sides stay in commits', async () => {
    const { repo, dir, worktree, merge } = await milestoneRepo({ 'shared.txt': 'base\n' }, ['alpha', 'beta']);
    await fs.writeFile(path.join(worktree.alpha!, 'shared.txt'), 'alpha\n');
    await fs.writeFile(path.join(worktree.beta!, 'shared.txt'), 'beta\n');
    assert.equal((await merge('alpha')).kind, 'merged');
    const conflict = await merge('beta');
    assert.equal(conflict.kind, 'conflict');
    assert.deepEqual(conflict.kind === 'conflict' && conflict.files, ['shared.txt']);
    // Asked again before anyone resolved it: still the same conflict.
    assert.equal((await merge('beta')).kind, 'conflict');
    const described = await describeConflict(repo, worktree.beta!, BRANCH);
    assert.deepEqual(described.files, ['shared.txt']);
    assert.match(described.text, /beta/);
    assert.match(described.text, /alpha/);
    // Both versions are in commits: beta's on its branch, alpha's on the milestone branch.
    assert.equal(git(dir, 'show', `${taskBranch(BRANCH, 'beta')}:shared.txt`), 'beta');
    assert.equal(git(dir, 'show', `${BRANCH}:shared.txt`), 'alpha');
    await fs.writeFile(path.join(worktree.beta!, 'shared.txt'), 'alpha and beta\n');
    const done = await merge('beta');
    assert.equal(done.kind === 'merged' && done.strategy, 'merge', 'a resolved conflict lands as a merge commit');
    assert.equal(git(dir, 'show', `${BRANCH}:shared.txt`), 'alpha and beta');
  });

  it('discards a conflicted result, keeping its commits reachable from a ref', async () => {
    const { repo, dir, integration, worktree, merge } = await milestoneRepo({ 'shared.txt': 'base\n' }, ['beta']);
    await fs.writeFile(path.join(integration, 'shared.txt'), 'main line\n');
    git(integration, 'commit', '-qam', 'main line');
    await fs.writeFile(path.join(worktree.beta!, 'shared.txt'), 'beta\n');
    assert.equal((await merge('beta')).kind, 'conflict');
    const closed = await discardResult(repo, worktree.beta!, taskBranch(BRANCH, 'beta'), 'refs/milestones/m/discarded/beta', 'm: beta (discarded) [beta]');
    assert.equal(closed.removed, true);
    assert.equal(git(dir, 'show', 'refs/milestones/m/discarded/beta:shared.txt'), 'beta');
    assert.equal(git(dir, 'show', `${BRANCH}:shared.txt`), 'main line');
    assert.equal((await listWorktrees(repo.git)).length, 2);
  });

  it('parks an unfinished task: its work committed on its branch, the worktree gone, and a new worktree continues from it', async () => {
    const { repo, wts } = await repoWith({ 'a.txt': 'a\n' });
    const branch = 'milestone/m';
    await ensureBranch(repo.git, branch, 'm');
    const wt = path.join(wts, 'half');
    await ensureWorktree(repo, wt, taskBranch(branch, 'half'), branch);
    await fs.writeFile(path.join(wt, 'partial.txt'), 'half done\n');
    assert.equal((await parkWorktree(repo, wt, 'm: half (unfinished) [half]')).removed, true);
    const again = await ensureWorktree(repo, wt, taskBranch(branch, 'half'), branch);
    assert.equal(again.reused, true);
    assert.equal(await fs.readFile(path.join(wt, 'partial.txt'), 'utf8'), 'half done\n');
  });

  it('copies the ignored files listed in .worktreeinclude, and nothing else ignored', async () => {
    const { repo, wts } = await repoWith({ '.gitignore': '.env\nbuild/\n*.log\n', '.worktreeinclude': '.env\nconfig/*.local\n' });
    await fs.writeFile(path.join(repo.root, '.env'), 'SECRET=1\n');
    await fs.mkdir(path.join(repo.root, 'config'), { recursive: true });
    await fs.writeFile(path.join(repo.root, 'config', 'db.local'), 'db\n');
    await fs.writeFile(path.join(repo.root, '.gitignore'), '.env\nbuild/\n*.log\nconfig/*.local\n');
    await fs.mkdir(path.join(repo.root, 'build'), { recursive: true });
    await fs.writeFile(path.join(repo.root, 'build', 'out.js'), 'x\n');
    await fs.writeFile(path.join(repo.root, 'debug.log'), 'x\n');
    const wt = path.join(wts, 'task');
    await ensureWorktree(repo, wt, 'task-branch', 'HEAD');
    assert.equal(await copyIncluded(repo, wt), 2);
    assert.equal(await fs.readFile(path.join(wt, '.env'), 'utf8'), 'SECRET=1\n');
    assert.equal(await fs.readFile(path.join(wt, 'config', 'db.local'), 'utf8'), 'db\n');
    await assert.rejects(fs.access(path.join(wt, 'build', 'out.js')));
    await assert.rejects(fs.access(path.join(wt, 'debug.log')));
  });

  it('refuses to check out the milestone branch where the user has it checked out, and says what to do', async () => {
    const { repo, dir, wts } = await repoWith({ 'a.txt': 'a\n' });
    await ensureBranch(repo.git, 'milestone/m', 'm');
    git(dir, 'checkout', '-q', 'milestone/m');
    await assert.rejects(ensureWorktree(repo, path.join(wts, 'integration'), 'milestone/m'), /checked out in .*switch that checkout/);
  });
});
