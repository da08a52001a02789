import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { MergeResolution } from '../../src/core/session/events';
import { cleanupTempDirs, git, journalOf, ofType, resume, ROOT, runCli, start, tempDir, workspace, type Started } from './helpers';

const AGENT = path.join(ROOT, 'test', 'fixtures', 'agents', 'merge-agent.mjs');

/** The engine's worktrees of a repository: every `git worktree list` entry but the checkout itself. */
function extraWorktrees(dir: string): string[] {
  return git(dir, 'worktree', 'list', '--porcelain')
    .split('\n')
    .filter((l) => l.startsWith('worktree '))
    .map((l) => l.slice(9))
    .filter((p) => p !== dir);
}

function filesOf(dir: string, rev: string): string[] {
  return git(dir, 'show', '--name-only', '--format=', rev).split('\n').filter(Boolean);
}

async function until(s: Started, type: string, task: string): Promise<void> {
  await s.waitFor((e) => e.type === type && 'task' in e.data && e.data.task === task);
}

describe('isolation: a worktree per task, the merge queue, conflicts (real git, real processes)', function () {
  this.timeout(90_000);
  let worktrees: string;
  before(async () => {
    worktrees = await tempDir('ma-wts-');
  });
  after(cleanupTempDirs);

  const header = (id: string): string => `id: ${id}
agents:
  fake: ["node", ${JSON.stringify(AGENT)}, "{prompt}"]
tasks:
`;

  it('two agents in parallel on different files: each result lands as one commit of its own files; the user keeps their checkout, edits and branch', async () => {
    const gate = await tempDir('ma-go-');
    const w = await workspace(`${header('par')}  - { id: one, title: First agent, agent: fake, prompt: "write one.txt from one", env: { GO_FILE: ${gate}/go } }
  - { id: two, title: Second agent, agent: fake, prompt: "write two.txt from two", env: { GO_FILE: ${gate}/go } }
  - { id: after, title: After both, run: "cat one.txt two.txt > both.txt", depends_on: [one, two] }
`, { files: { 'readme.md': 'hello\n' } });
    const s = await start(w.file, { worktreesDir: worktrees, executors: 2 });
    await until(s, 'task_started', 'one');
    await until(s, 'task_started', 'two');
    // Both run at once, each in its own worktree, neither in the user's folder.
    const created = ofType(s.events, 'worktree_created');
    assert.equal(new Set(created.map((e) => e.data.path)).size, 2);
    for (const e of created) assert.ok(!e.data.path.startsWith(w.dir), e.data.path);
    assert.notEqual(created[0]!.data.port, created[1]!.data.port, 'each worktree gets its own port');
    // The user edits a file and switches branch while the agents work.
    await fs.writeFile(path.join(w.dir, 'readme.md'), 'the user was here\n');
    git(w.dir, 'switch', '-q', '-c', 'user-topic');
    await fs.writeFile(path.join(gate, 'go'), '');
    const outcome = await s.outcome;
    assert.equal(outcome.status, 'completed', outcome.reason);
    const log = git(w.dir, 'log', '--format=%s', 'milestone/par').split('\n');
    assert.equal(log.filter((m) => /\[one\]$/.test(m)).length, 1, log.join('\n'));
    assert.equal(log.filter((m) => /\[two\]$/.test(m)).length, 1, log.join('\n'));
    const shaOf = (task: string): string => git(w.dir, 'log', '--format=%H', '--grep', `\\[${task}\\]$`, 'milestone/par');
    assert.deepEqual(filesOf(w.dir, shaOf('one')), ['one.txt']);
    assert.deepEqual(filesOf(w.dir, shaOf('two')), ['two.txt']);
    assert.deepEqual(filesOf(w.dir, shaOf('after')), ['both.txt']);
    assert.equal(git(w.dir, 'show', 'milestone/par:both.txt'), 'from one\nfrom two');
    // The user's checkout: their branch, their edit, uncommitted; nothing of the milestone.
    assert.equal(git(w.dir, 'rev-parse', '--abbrev-ref', 'HEAD'), 'user-topic');
    assert.equal(await fs.readFile(path.join(w.dir, 'readme.md'), 'utf8'), 'the user was here\n');
    await assert.rejects(fs.access(path.join(w.dir, 'one.txt')));
    assert.equal(git(w.dir, 'show', 'milestone/par:readme.md'), 'hello');
    // Clean afterwards: no worktree, nothing to prune, no task branch.
    assert.deepEqual(extraWorktrees(w.dir), []);
    assert.equal(git(w.dir, 'worktree', 'prune', '--dry-run', '-v'), '');
    assert.equal(git(w.dir, 'branch', '--list', 'milestone/par-tasks/*'), '');
    assert.equal(ofType(s.events, 'task_merged').length, 2);
  });

  /**
   * alpha and beta write the same line; beta finishes after alpha merged, so beta conflicts.
   * loner is independent; needs-beta depends on beta.
   */
  async function conflicted(id: string): Promise<{ dir: string; s: Started; betaWorktree: string }> {
    const gate = await tempDir('ma-go-');
    const w = await workspace(`${header(id)}  - { id: alpha, title: Alpha, agent: fake, prompt: "write shared.txt alpha's line" }
  - { id: beta, title: Beta, agent: fake, prompt: "write shared.txt beta's line", env: { GO_FILE: ${gate}/beta } }
  - { id: loner, title: Loner, agent: fake, prompt: "write loner.txt alone", env: { GO_FILE: ${gate}/loner } }
  - { id: needs-beta, title: Needs beta, run: "cat shared.txt > seen.txt", depends_on: [beta] }
`, { files: { 'shared.txt': 'base line\n' } });
    const s = await start(w.file, { worktreesDir: worktrees, executors: 3 });
    await until(s, 'task_merged', 'alpha');
    const betaWorktree = ofType(s.events, 'worktree_created').find((e) => e.data.task === 'beta')!.data.path;
    await fs.writeFile(path.join(gate, 'beta'), '');
    await until(s, 'merge_conflict', 'beta');
    await fs.writeFile(path.join(gate, 'loner'), '');
    return { dir: w.dir, s, betaWorktree };
  }

  async function assertBlocked(dir: string, s: Started, id: string): Promise<void> {
    const outcome = await s.outcome;
    assert.equal(outcome.status, 'interrupted');
    assert.equal(outcome.exitCode, 3);
    assert.match(outcome.reason, /beta needs a merge/);
    const conflict = ofType(s.events, 'merge_conflict')[0]!;
    assert.deepEqual(conflict.data.files, ['shared.txt']);
    assert.equal(s.coordinator.state.tasks.get('beta')?.status, 'needs_merge');
    // The independent task went on and merged; only beta's dependent waits.
    assert.equal(s.coordinator.state.tasks.get('loner')?.status, 'completed');
    assert.equal(git(dir, 'show', `milestone/${id}:loner.txt`), 'alone');
    assert.equal(s.coordinator.state.tasks.get('needs-beta')?.status, 'pending');
    // Nothing of either side is lost: alpha's on the milestone branch, beta's on its own.
    assert.equal(git(dir, 'show', `milestone/${id}:shared.txt`), "alpha's line");
    assert.equal(git(dir, 'show', `milestone/${id}-tasks/beta:shared.txt`), "beta's line");
  }

  async function resolveAndFinish(dir: string, s: Started, how: MergeResolution): Promise<Started> {
    const again = await resume(dir, s.coordinator.sessionId, { worktreesDir: worktrees, resolutions: [{ task: 'beta', how }] });
    const outcome = await again.outcome;
    assert.equal(outcome.status, 'completed', outcome.reason);
    assert.equal(again.coordinator.state.tasks.get('needs-beta')?.status, 'completed');
    assert.deepEqual(extraWorktrees(dir), []);
    assert.equal(git(dir, 'fsck', '--no-progress', '--no-dangling'), '');
    return again;
  }

  it('a conflict stops only its dependents; resolved by hand, the queue goes on and the dependent runs', async () => {
    const { dir, s, betaWorktree } = await conflicted('byhand');
    await assertBlocked(dir, s, 'byhand');
    const text = await fs.readFile(path.join(betaWorktree, 'shared.txt'), 'utf8');
    assert.match(text, /^<<<<<<< /m, 'the conflict waits in beta\'s worktree');
    await fs.writeFile(path.join(betaWorktree, 'shared.txt'), 'both lines\n');
    const again = await resolveAndFinish(dir, s, 'by_hand');
    assert.equal(git(dir, 'show', 'milestone/byhand:shared.txt'), 'both lines');
    assert.equal(git(dir, 'show', 'milestone/byhand:seen.txt'), 'both lines');
    assert.equal(ofType(again.events, 'merge_resolution')[0]?.data.how, 'by_hand');
  });

  it('marking a conflict resolved while markers remain says so, and the task still needs a merge', async () => {
    const { dir, s } = await conflicted('markers');
    await assertBlocked(dir, s, 'markers');
    const again = await resume(dir, s.coordinator.sessionId, { worktreesDir: worktrees, resolutions: [{ task: 'beta', how: 'by_hand' }] });
    const outcome = await again.outcome;
    assert.equal(outcome.status, 'interrupted');
    assert.equal(again.coordinator.state.tasks.get('beta')?.status, 'needs_merge');
    assert.equal(again.coordinator.state.tasks.get('needs-beta')?.status, 'pending');
  });

  it('lets the agent resolve it: the agent runs again in its worktree with both sides in its prompt', async () => {
    const { dir, s } = await conflicted('byagent');
    await assertBlocked(dir, s, 'byagent');
    const again = await resolveAndFinish(dir, s, 'agent');
    assert.equal(git(dir, 'show', 'milestone/byagent:shared.txt'), "beta's line\nalpha's line");
    const rerun = ofType(again.events, 'task_started').find((e) => e.data.task === 'beta');
    assert.ok(rerun, 'beta ran again');
  });

  it('discards the result: the dependent runs on the milestone branch as it is, and the commits stay reachable', async () => {
    const { dir, s } = await conflicted('discard');
    await assertBlocked(dir, s, 'discard');
    const again = await resolveAndFinish(dir, s, 'discard');
    const discarded = ofType(again.events, 'merge_discarded')[0]!;
    assert.equal(git(dir, 'show', `${discarded.data.ref}:shared.txt`), "beta's line");
    assert.equal(git(dir, 'show', 'milestone/discard:seen.txt'), "alpha's line");
  });

  it('warns on both tasks as soon as two running worktrees change the same file, before either merges', async () => {
    const gate = await tempDir('ma-go-');
    const w = await workspace(`${header('overlap')}  - { id: left, agent: fake, prompt: "write shared.txt left", env: { HOLD_FILE: ${gate}/done } }
  - { id: right, agent: fake, prompt: "write shared.txt right", env: { HOLD_FILE: ${gate}/done } }
  - { id: other, agent: fake, prompt: "write other.txt other", env: { HOLD_FILE: ${gate}/done } }
`, { files: { 'shared.txt': 'base\n' } });
    const s = await start(w.file, { worktreesDir: worktrees, executors: 3 });
    const warned = (task: string): Promise<unknown> => s.waitFor((e) => e.type === 'alert' && e.data.kind === 'overlapping_changes' && e.data.task === task);
    await Promise.all([warned('left'), warned('right')]);
    assert.equal(ofType(s.events, 'task_merged').length, 0, 'the warning comes before any merge');
    const alerts = ofType(s.events, 'alert').filter((e) => e.data.kind === 'overlapping_changes');
    assert.equal(alerts.length, 2);
    assert.match(alerts[0]!.data.message, /both change shared\.txt/);
    await fs.writeFile(path.join(gate, 'done'), '');
    await s.outcome;
    assert.ok(!alerts.some((e) => e.data.task === 'other'));
  });

  it('tasks whose touches overlap never run at the same time', async () => {
    const w = await workspace(`id: touch
tasks:
  - { id: a, run: "echo a >> order.log; sleep 0.3; echo a >> order.log", touches: ["src/**"] }
  - { id: b, run: "echo b >> order.log; sleep 0.3; echo b >> order.log", touches: ["src/api/*.ts"] }
  - { id: c, run: "echo c > c.txt", touches: ["docs/**"] }
`);
    const s = await start(w.file, { worktreesDir: worktrees, executors: 3, autoCommit: 'off' });
    const outcome = await s.outcome;
    assert.equal(outcome.status, 'completed', outcome.reason);
    const starts = ofType(s.events, 'task_started');
    const ends = ofType(s.events, 'task_completed');
    const seq = (list: { seq: number; data: { task: string } }[], t: string): number => list.find((e) => e.data.task === t)!.seq;
    const [first, second] = seq(starts, 'a') < seq(starts, 'b') ? ['a', 'b'] : ['b', 'a'];
    assert.ok(seq(ends, first) < seq(starts, second), 'the second starts after the first ended');
    assert.ok(seq(starts, 'c') < seq(ends, first), 'a task touching something else runs alongside');
  });

  it('provisions a fresh worktree: .worktreeinclude files are copied and setup runs first, with its own log', async () => {
    const w = await workspace(`id: prov
setup: "echo installed > setup-done.txt"
tasks:
  - { id: uses-env, isolation: worktree, run: "cat .env setup-done.txt > seen.txt; echo $MILESTONE_WORKTREE > where.txt; echo $MILESTONE_PORT > port.txt" }
  - { id: bad-setup, isolation: worktree, setup: "exit 7", run: "echo never > never.txt" }
`, { files: { '.gitignore': '.env\nsetup-done.txt\n', '.worktreeinclude': '.env\n' } });
    await fs.writeFile(path.join(w.dir, '.env'), 'SECRET=1\n');
    const s = await start(w.file, { worktreesDir: worktrees, executors: 2 });
    const outcome = await s.outcome;
    assert.equal(outcome.status, 'failed');
    assert.equal(git(w.dir, 'show', 'milestone/prov:seen.txt'), 'SECRET=1\ninstalled');
    const created = ofType(s.events, 'worktree_created').find((e) => e.data.task === 'uses-env')!;
    assert.equal(git(w.dir, 'show', 'milestone/prov:where.txt'), created.data.path);
    assert.equal(git(w.dir, 'show', 'milestone/prov:port.txt'), String(created.data.port));
    const failed = ofType(s.events, 'task_failed').find((e) => e.data.task === 'bad-setup')!;
    assert.match(failed.data.message, /setup failed \(exit code 7\)/);
    const setupLog = await fs.readFile(path.join(w.dir, '.milestones', 'sessions', s.coordinator.sessionId, 'logs', 'uses-env.setup.log'), 'utf8');
    assert.match(setupLog, /echo installed/);
    // The failed task's worktree is gone; its branch stays, for a retry to continue from.
    assert.deepEqual(extraWorktrees(w.dir), []);
    assert.ok(git(w.dir, 'branch', '--list', 'milestone/prov-tasks/bad-setup'));
  });

  it('review: true holds the merge until approved; reject discards it', async () => {
    const w = await workspace(`${header('rev')}  - { id: ok, agent: fake, prompt: "write ok.txt approved", review: true }
  - { id: no, agent: fake, prompt: "write no.txt rejected", review: true }
`);
    const s = await start(w.file, { worktreesDir: worktrees, executors: 2 });
    const outcome = await s.outcome;
    assert.equal(outcome.status, 'interrupted');
    assert.equal(s.coordinator.state.tasks.get('ok')?.status, 'in_review');
    assert.ok(ofType(s.events, 'review_requested').every((e) => e.data.changes.files === 1));
    await assert.rejects(Promise.resolve().then(() => git(w.dir, 'show', 'milestone/rev:ok.txt')));
    const again = await resume(w.dir, s.coordinator.sessionId, { worktreesDir: worktrees, resolutions: [{ task: 'ok', how: 'approve' }, { task: 'no', how: 'reject' }] });
    const done = await again.outcome;
    assert.equal(done.status, 'completed', done.reason);
    assert.equal(git(w.dir, 'show', 'milestone/rev:ok.txt'), 'approved');
    await assert.rejects(Promise.resolve().then(() => git(w.dir, 'show', 'milestone/rev:no.txt')));
    assert.deepEqual(extraWorktrees(w.dir), []);
  });

  it('in place (git.in_place: true): commits on the checked-out branch, and pauses when the user switches branch', async () => {
    const w = await workspace(`id: inplace
git: { in_place: true }
tasks:
  - { id: first, run: "echo 1 > first.txt" }
  - { id: second, run: "while [ ! -f go ]; do sleep 0.05; done; echo 2 > second.txt", depends_on: [first] }
`, { files: { '.gitignore': 'go\n' } });
    const s = await start(w.file, { worktreesDir: worktrees });
    await until(s, 'task_started', 'second');
    assert.equal(git(w.dir, 'rev-parse', '--abbrev-ref', 'HEAD'), 'milestone/inplace');
    git(w.dir, 'switch', '-q', 'main');
    await fs.writeFile(path.join(w.dir, 'go'), '');
    const paused = await s.waitFor((e) => e.type === 'session_paused');
    assert.equal(paused.type === 'session_paused' && paused.data.by, 'git_conflict');
    assert.match(JSON.stringify(paused.data), /HEAD moved to main/);
    assert.equal(git(w.dir, 'log', '-1', '--format=%s', 'main'), 'initial', 'nothing was committed on the user\'s branch');
    await s.coordinator.stop();
  });

  /** Runs the CLI until `when` sees the line it waits for (or the failpoint kills it), then kill -9. */
  async function crashDuring(dir: string, file: string, when: ((line: string) => boolean) | undefined, env: Record<string, string> = {}): Promise<string> {
    let killed = false;
    const r = await runCli(['run', file, '--json', '--worktrees', worktrees], {
      cwd: dir,
      env,
      onStdout: (text, child) => {
        if (!killed && when && text.split('\n').some(when)) {
          killed = true;
          child.kill('SIGKILL');
        }
      },
    });
    assert.equal(r.signal, 'SIGKILL', r.stdout + r.stderr);
    return (JSON.parse(r.stdout.split('\n')[0]!) as { session: string }).session;
  }

  async function resumeCleanly(dir: string, id: string): Promise<void> {
    const r = await runCli(['resume', id, '--json', '--worktrees', worktrees], { cwd: dir });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(extraWorktrees(dir), [], 'no stale worktree');
    assert.equal(git(dir, 'worktree', 'prune', '--dry-run', '-v'), '');
    assert.equal(git(dir, 'fsck', '--no-progress', '--no-dangling'), '');
  }

  it('kill -9 of the coordinator while an isolated task runs: the resume reuses its worktree, loses nothing and leaves nothing behind', async () => {
    const gate = await tempDir('ma-go-');
    const w = await workspace(`${header('crash1')}  - { id: slow, title: Slow agent, agent: fake, prompt: "write slow.txt done", env: { GO_FILE: ${gate}/go } }
  - { id: after, run: "cat slow.txt > after.txt", depends_on: [slow] }
`);
    const id = await crashDuring(w.dir, w.file, (l) => l.includes('"task_started"') && l.includes('"slow"'));
    const wt = ofType(await journalOf(w.dir, id), 'worktree_created')[0]!.data.path;
    // What the agent had written before the crash stays and is part of its result.
    await fs.writeFile(path.join(wt, 'partial.txt'), 'written before the crash\n');
    await fs.writeFile(path.join(gate, 'go'), '');
    await resumeCleanly(w.dir, id);
    const journal = await journalOf(w.dir, id);
    assert.equal(ofType(journal, 'worktree_created').at(-1)?.data.reused, true);
    assert.equal(git(w.dir, 'show', 'milestone/crash1:slow.txt'), 'done');
    assert.equal(git(w.dir, 'show', 'milestone/crash1:partial.txt'), 'written before the crash');
    assert.equal(git(w.dir, 'show', 'milestone/crash1:after.txt'), 'done');
  });

  it('kill -9 of the coordinator in the middle of a merge: the resume finishes the merge once, loses nothing and leaves nothing behind', async () => {
    const w = await workspace(`${header('crash2')}  - { id: one, title: One, agent: fake, prompt: "write one.txt first" }
  - { id: after, run: "cat one.txt > after.txt", depends_on: [one] }
`);
    const id = await crashDuring(w.dir, w.file, undefined, { MILESTONE_AGENTS_FAILPOINTS: 'git.kill_in_merge=one' });
    const before = ofType(await journalOf(w.dir, id), 'task_completed').map((e) => e.data.task);
    assert.deepEqual(before, ['one'], 'one completed; its merge was cut off');
    // The commit on the task's branch was made; the milestone branch had not moved yet.
    assert.equal(git(w.dir, 'show', 'milestone/crash2-tasks/one:one.txt'), 'first');
    await resumeCleanly(w.dir, id);
    assert.equal(git(w.dir, 'show', 'milestone/crash2:after.txt'), 'first');
    const subjects = git(w.dir, 'log', '--format=%s', 'milestone/crash2').split('\n');
    assert.equal(subjects.filter((m) => m.endsWith('[one]')).length, 1, subjects.join('\n'));
    assert.equal(ofType(await journalOf(w.dir, id), 'task_started').filter((e) => e.data.task === 'one').length, 1, 'the task itself did not run again');
  });

  it("a user retry runs the agent task as its file now says (verify, allowed tools), not as the session started", async () => {
    const gate = await tempDir('ma-gate-');
    const w = await workspace(`${header('reread')}  - { id: checked, agent: fake, prompt: "write c.txt checked", verify: "test -f missing.txt" }
  - { id: held, agent: fake, prompt: "write h.txt held", env: { HOLD_FILE: ${gate}/done } }
`);
    const s = await start(w.file, { worktreesDir: worktrees, executors: 2 });
    const failed = await s.waitFor((e) => e.type === 'task_failed' && e.data.task === 'checked');
    assert.ok(failed.type === 'task_failed' && failed.data.reason === 'verify', JSON.stringify(failed.data));
    await fs.writeFile(w.file, (await fs.readFile(w.file, 'utf8')).replace('test -f missing.txt', 'test -f c.txt'));
    assert.equal(s.coordinator.retryTask('checked'), true);
    await s.waitFor((e) => e.type === 'task_completed' && e.data.task === 'checked');
    await fs.writeFile(path.join(gate, 'done'), '');
    const outcome = await s.outcome;
    assert.equal(outcome.status, 'completed', outcome.reason);
    assert.equal(git(w.dir, 'show', 'milestone/reread:c.txt'), 'checked');
  });
});
