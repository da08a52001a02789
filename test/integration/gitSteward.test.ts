import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GitSteward } from '../../src/core/coordinator/gitSteward';
import type { Task } from '../../src/core/milestone/model';
import { parseMilestoneText } from '../../src/core/milestone/parse';
import { emptySessionState } from '../../src/core/session/state';
import { cleanupTempDirs, git, workspace } from './helpers';
import { harness, type Harness } from './moduleHarness';

const MILESTONE = 'id: mod\ntasks:\n  - { id: a, run: "true" }\n';

/** A shell task of the milestone (shared: these tests run in place, committing in the working tree). */
function taskNamed(id: string, title: string): Task {
  return { ...parseMilestoneText(MILESTONE, 'mod.yaml').milestone.tasks[0]!, id, title };
}

describe('coordinator/gitSteward (a real git agent, real repositories)', function () {
  let h: Harness | undefined;
  afterEach(async () => h?.close());
  after(cleanupTempDirs);

  /** `released` resolves at the next task whose dependents the steward lets go. */
  async function steward(options: { git?: boolean; autoCommit?: 'task' | 'threshold' | 'off' } = {}): Promise<{ dir: string; s: GitSteward; committed: string[]; released: () => Promise<string> }> {
    const w = await workspace(MILESTONE, { git: options.git ?? true });
    h = await harness(w.dir, { autoCommit: options.autoCommit ?? 'task' });
    const committed: string[] = [];
    let waiter: ((task: string) => void) | undefined;
    const milestone = parseMilestoneText(MILESTONE, w.file).milestone;
    const config = { branch: 'milestone/mod', autoCommit: options.autoCommit ?? 'task', threshold: 10, push: false, allowDirty: false, milestoneId: 'mod' } as const;
    const s = new GitSteward({
      milestone,
      workspace: w.dir,
      config,
      pool: h.pool,
      supervisor: h.supervisor,
      recorder: h.recorder,
      state: emptySessionState('mod'),
      mergeEnded: () => undefined,
      integrationBusy: () => false,
      integrationFree: () => undefined,
      committed: (t) => {
        committed.push(t);
        waiter?.(t);
      },
    });
    h.onMessage = (agent, m) => {
      if (m.type === 'git_prepared' || m.type === 'git_done') s.onReply(m, agent);
    };
    return { dir: w.dir, s, committed, released: () => new Promise((resolve) => (waiter = resolve)) };
  }

  it('without a repository: says so once, deploys no git agent, and holds nothing', async () => {
    const { s } = await steward({ git: false });
    assert.deepEqual(await s.prepare(), { ok: true });
    assert.equal(s.active, false);
    assert.equal(h!.pool.get('git'), undefined);
    await h!.recorder.drain();
    const unavailable = h!.events.filter((e) => e.type === 'git_unavailable');
    assert.equal(unavailable.length, 1);
    assert.equal(s.commitTask(taskNamed('a', 'A')), false);
  });

  it('gets the branch ready, then holds what follows a task until its commit, which holds the task\'s file only', async () => {
    const { dir, s, committed, released } = await steward();
    assert.deepEqual(await s.prepare(), { ok: true });
    assert.equal(git(dir, 'rev-parse', '--abbrev-ref', 'HEAD'), 'milestone/mod');
    await fs.writeFile(path.join(dir, 'a.txt'), 'a\n');
    const next = released();
    assert.equal(s.commitTask(taskNamed('a', 'Task A')), true, 'with a commit per task, dependents wait');
    assert.deepEqual(committed, [], 'nothing is released before the commit');
    assert.equal(await next, 'a');
    assert.ok(h!.recorder.state.commits.length === 1, 'the commit came first');
    assert.equal(git(dir, 'log', '-1', '--format=%s'), 'mod: Task A [a]');
    assert.equal(git(dir, 'show', '--name-only', '--format=', 'HEAD'), 'a.txt');
    await fs.writeFile(path.join(dir, 'rest.txt'), 'rest\n');
    await s.finish('mod: the end');
    assert.equal(git(dir, 'log', '-1', '--format=%s'), 'mod: the end');
    assert.equal(git(dir, 'status', '--porcelain'), '');
  });

  it('with threshold or no auto-commit, lets dependents go at once', async () => {
    const threshold = await steward({ autoCommit: 'threshold' });
    await threshold.s.prepare();
    assert.equal(threshold.s.commitTask(taskNamed('a', 'A')), false);
    await h!.close();
    const off = await steward({ autoCommit: 'off' });
    await off.s.prepare();
    assert.equal(off.s.commitTask(taskNamed('a', 'A')), false);
  });

  it('releases the task waiting on a commit, once, when the git agent crashes', async () => {
    const { dir, s, committed, released } = await steward();
    await s.prepare();
    await fs.writeFile(path.join(dir, 'b.txt'), 'b\n');
    const next = released();
    // Killed first: the commit is sent to a dying agent and never made, and its task must
    // not wait for it forever.
    h!.pool.kill(h!.pool.get('git')!);
    assert.equal(s.commitTask(taskNamed('b', 'B')), true);
    assert.equal(await next, 'b');
    await h!.waitFor((e) => e.type === 'agent_recovered');
    assert.deepEqual(committed, ['b'], 'released once');
  });
});
