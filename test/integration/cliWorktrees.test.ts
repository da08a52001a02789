import { strict as assert } from 'node:assert';
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { schemaProblems } from '../support/schemaCheck';
import { cleanupTempDirs, git, ROOT, runCli, tempDir, workspace, type CliResult } from './helpers';

const STATUS_SCHEMA = JSON.parse(readFileSync(path.join(ROOT, 'schemas', 'status.schema.json'), 'utf8')) as Record<string, unknown>;

/** A shell loop that waits (at most `tries` × `sleep` seconds) until `test` holds. */
const waitUntil = (test: string, tries = 400, sleep = 0.05): string => `for i in $(seq ${tries}); do ${test} && break; sleep ${sleep}; done`;

/**
 * Two isolated tasks that change the same line of shared.txt, arranged to conflict whatever
 * the machine's speed: each waits until the other has started (so both start from the same
 * commit), and beta writes only once alpha's result is on the milestone branch, so beta is
 * the one whose merge conflicts.
 */
function clashing(id: string, sync: string): string {
  const alpha = `touch ${sync}/alpha; ${waitUntil(`[ -e ${sync}/beta ]`)}; echo alpha > shared.txt`;
  const beta = `touch ${sync}/beta; ${waitUntil(`[ -e ${sync}/alpha ]`)}; ${waitUntil(`git show milestone/${id}:shared.txt | grep -q alpha`, 300, 0.1)}; echo beta > shared.txt`;
  return `  - id: alpha
    title: Alpha edits shared.txt
    isolation: worktree
    run: ${JSON.stringify(alpha)}
  - id: beta
    title: Beta edits shared.txt
    isolation: worktree
    run: ${JSON.stringify(beta)}
`;
}

interface StatusJson {
  status: string;
  branch: string | null;
  integration_worktree: { path: string; removed: boolean } | null;
  tasks: {
    id: string;
    status: string;
    isolation: string;
    worktree: { path: string; branch: string; removed: boolean } | null;
    merge: { state: string; files_changed: number | null; conflicting_files: string[]; ref: string | null } | null;
  }[];
}

async function statusJson(dir: string): Promise<StatusJson> {
  const r = await runCli(['status', '--json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as StatusJson;
  assert.deepEqual(schemaProblems(STATUS_SCHEMA, doc), [], 'status --json has the shape of schemas/status.schema.json');
  return doc;
}

const taskOf = (doc: StatusJson, id: string): StatusJson['tasks'][number] => {
  const t = doc.tasks.find((x) => x.id === id);
  assert.ok(t, `no task ${id} in status --json`);
  return t;
};

const shown = (r: CliResult): string => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

describe('milestone-agents CLI with worktrees (resolve, review, integrate)', function () {
  this.timeout(180_000);
  after(cleanupTempDirs);

  it('a conflict stops only what it touches (exit 3, the resolve commands printed); resolve --discard finishes the session; integrate takes the branch', async () => {
    const sync = await tempDir('ma-sync-');
    const wts = await tempDir('ma-wts-');
    const w = await workspace(
      `id: clash
title: Clash
executors: { max: 3 }
tasks:
${clashing('clash', sync)}  - id: slow
    title: Keeps the session running
    isolation: worktree
    run: ${JSON.stringify(waitUntil(`[ -e ${sync}/go ]`, 600))}
  - id: after
    run: "cat shared.txt > seen.txt"
    depends_on: [alpha, beta]
`,
      { files: { 'shared.txt': 'base\n' } },
    );

    const inside = await runCli(['run', w.file, '--worktrees', path.join(w.dir, 'wt')], { cwd: w.dir });
    assert.equal(inside.code, 2, shown(inside));
    assert.match(inside.stderr, /--worktrees \S+ is inside the workspace .*Pass a folder outside it/);
    await assert.rejects(fs.access(path.join(w.dir, '.milestones', 'sessions')), 'the refused run left no session');

    // While `slow` keeps the session live, beta's conflict is the live process's to resolve.
    // (It runs in a worktree of its own: a shared task would hold the integration worktree, and the merges would wait for it.)
    let conflictSeen!: () => void;
    const conflicted = new Promise<void>((resolve) => (conflictSeen = resolve));
    const first = runCli(['run', w.file, '--worktrees', wts], {
      cwd: w.dir,
      onStdout: (text) => {
        if (/CONFLICT beta/.test(text)) conflictSeen();
      },
    });
    const firstCame = await Promise.race([conflicted.then(() => 'conflict'), first.then(() => 'end')]);
    if (firstCame === 'end') assert.fail(`the run ended before beta's conflict:\n${shown(await first)}`);
    const whileLive = await runCli(['resolve', 'beta', '--discard'], { cwd: w.dir });
    assert.equal(whileLive.code, 2, shown(whileLive));
    assert.match(whileLive.stderr, /^Session clash-\S+ is running in process \d+ \(milestone-agents CLI\): resolve "beta" there, or here once it has stopped/);
    await fs.writeFile(path.join(sync, 'go'), '');

    const r = await first;
    assert.equal(r.code, 3, shown(r));
    assert.match(r.stdout, /merged {3}alpha {2}\((fast-forward|rebase|merge), 1 file \+1 -1\)/);
    // Shell tasks in worktrees: there is no agent to ask, so no --agent.
    assert.match(r.stdout, /CONFLICT beta needs merge: shared\.txt — resolve: milestone-agents resolve beta --by-hand\|--discard\n/);
    assert.match(r.stdout, /interrupted/);
    assert.match(r.stdout, /needs merge: +beta conflicts with the milestone branch in shared\.txt/);
    for (const how of ['--by-hand', '--discard']) assert.match(r.stdout, new RegExp(`milestone-agents resolve beta ${how}`), r.stdout);
    assert.doesNotMatch(r.stdout, /resolve beta --agent/);
    assert.doesNotMatch(r.stdout, /resume with/);
    assert.equal(git(w.dir, 'rev-parse', '--abbrev-ref', 'HEAD'), 'main', "the user's checkout stays on its branch");
    assert.equal(await fs.readFile(path.join(w.dir, 'shared.txt'), 'utf8'), 'base\n', "the user's checkout is not written");

    const doc = await statusJson(w.dir);
    assert.equal(doc.branch, 'milestone/clash');
    assert.ok(doc.integration_worktree && doc.integration_worktree.path.startsWith(wts), JSON.stringify(doc.integration_worktree));
    const beta = taskOf(doc, 'beta');
    assert.deepEqual([beta.status, beta.isolation, beta.merge?.state, beta.merge?.conflicting_files], ['needs_merge', 'worktree', 'conflict', ['shared.txt']]);
    assert.ok(beta.worktree && beta.worktree.path.startsWith(wts) && !beta.worktree.removed, JSON.stringify(beta.worktree));
    assert.ok(r.stdout.includes(`worktree: ${beta.worktree.path}`), 'the summary names the worktree to resolve in');
    assert.match(await fs.readFile(path.join(beta.worktree.path, 'shared.txt'), 'utf8'), /^<<<<<<< /m, 'the conflict waits in the worktree');
    assert.deepEqual([taskOf(doc, 'alpha').merge?.state, taskOf(doc, 'alpha').merge?.files_changed], ['merged', 1]);
    assert.equal(taskOf(doc, 'after').status, 'pending', 'what depends on the conflict waits');
    assert.equal(taskOf(doc, 'slow').status, 'completed', 'what does not depend on it ran');

    // Refusals name the task's actual state, and start nothing.
    const refusals: [string[], RegExp][] = [
      [['resolve', 'alpha', '--discard'], /^Task "alpha" is completed, not needs_merge or in_review: it has no result waiting to be merged\.$/m],
      [['resolve', 'alpha', '--by-hand'], /^Task "alpha" is completed, not needs_merge: there is no conflict of it to resolve\.$/m],
      [['resolve', 'beta', '--agent'], /^Task "beta" runs a shell command, not an agent: resolve its conflict by hand \(--by-hand\), or discard its result \(--discard\)\.$/m],
      [['review', 'beta', '--approve'], /^Task "beta" needs a merge, not a review: run `milestone-agents resolve beta --by-hand` \(or --discard\)\.$/m],
      [['resolve', 'nope', '--agent'], /^No session in \S+ has a task "nope"\./],
      [['resolve', 'beta', '--by-hand'], new RegExp(`^The worktree of "beta" \\(${beta.worktree.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\) still has conflict markers in shared\\.txt: edit them out there`)],
    ];
    for (const [args, message] of refusals) {
      const refused = await runCli(args, { cwd: w.dir });
      assert.equal(refused.code, 2, `${args.join(' ')}: ${shown(refused)}`);
      assert.match(refused.stderr, message, args.join(' '));
      assert.equal(refused.stderr.trim().split('\n').length, 1, `one sentence: ${refused.stderr}`);
    }
    assert.equal((await statusJson(w.dir)).status, 'interrupted');

    const resolved = await runCli(['resolve', 'beta', '--discard', '--worktrees', wts], { cwd: w.dir });
    assert.equal(resolved.code, 0, shown(resolved));
    assert.match(resolved.stdout, /resolve {2}beta: discarding its result/);
    assert.match(resolved.stdout, /discard {2}beta: its result is not merged; its commits stay at refs\/\S+/);
    assert.match(resolved.stdout, /✓ Clash: completed 4\/4 tasks/);
    assert.match(resolved.stdout, /take it: +the work is on branch milestone\/clash; your checkout was not touched/);
    assert.match(resolved.stdout, /milestone-agents integrate --checkout +or: git switch milestone\/clash/);
    const done = await statusJson(w.dir);
    assert.equal(done.status, 'completed');
    const discarded = taskOf(done, 'beta').merge;
    assert.equal(discarded?.state, 'discarded');
    assert.ok(discarded.ref && git(w.dir, 'show', `${discarded.ref}:shared.txt`).includes('beta'), "beta's work stays reachable");
    assert.equal(git(w.dir, 'show', 'milestone/clash:seen.txt'), 'alpha', 'the dependent ran on the merged result');
    assert.equal(git(w.dir, 'rev-parse', '--abbrev-ref', 'HEAD'), 'main');

    const taken = await runCli(['integrate', '--checkout'], { cwd: w.dir });
    assert.equal(taken.code, 0, shown(taken));
    assert.match(taken.stdout, /Checked out milestone\/clash\./);
    assert.equal(git(w.dir, 'rev-parse', '--abbrev-ref', 'HEAD'), 'milestone/clash');
    assert.equal(await fs.readFile(path.join(w.dir, 'shared.txt'), 'utf8'), 'alpha\n');
  });

  it('a conflict resolved by hand in the worktree is merged; a task in review waits for --approve', async () => {
    const sync = await tempDir('ma-sync-');
    const wts = await tempDir('ma-wts-');
    const w = await workspace(
      `id: handy
title: Handy
executors: { max: 3 }
tasks:
${clashing('handy', sync)}  - id: gamma
    title: Gamma waits for review
    isolation: worktree
    review: true
    run: "echo gamma > gamma.txt"
`,
      { files: { 'shared.txt': 'base\n' } },
    );
    const r = await runCli(['run', w.file, '--worktrees', wts], { cwd: w.dir });
    assert.equal(r.code, 3, shown(r));
    assert.match(r.stdout, /review {3}gamma waits for approval \(1 file \+1 -0\): milestone-agents review gamma --approve\|--reject/);
    assert.match(r.stdout, /in review: +gamma waits for your approval/);
    assert.match(r.stdout, /milestone-agents review gamma --approve/);
    const doc = await statusJson(w.dir);
    assert.equal(taskOf(doc, 'gamma').status, 'in_review');
    const wt = taskOf(doc, 'beta').worktree;
    assert.ok(wt, 'beta has a worktree');

    const early = await runCli(['review', 'gamma', '--approve', '--session', 'handy-nope'], { cwd: w.dir });
    assert.equal(early.code, 2, shown(early));
    assert.match(early.stderr, /There is no session handy-nope/);

    // The user resolves the conflict in beta's worktree, as in the merge editor.
    await fs.writeFile(path.join(wt.path, 'shared.txt'), 'alpha and beta\n');
    const byHand = await runCli(['resolve', 'beta', '--by-hand', '--worktrees', wts], { cwd: w.dir });
    assert.equal(byHand.code, 3, `gamma still waits for review: ${shown(byHand)}`);
    assert.ok(byHand.stdout.includes(`resolve  beta: merging what you resolved by hand in ${wt.path}`), byHand.stdout);
    assert.match(byHand.stdout, /merged {3}beta/);
    assert.equal(git(w.dir, 'show', 'milestone/handy:shared.txt'), 'alpha and beta');

    const approved = await runCli(['review', 'gamma', '--approve', '--worktrees', wts], { cwd: w.dir });
    assert.equal(approved.code, 0, shown(approved));
    assert.match(approved.stdout, /review {3}gamma: approved: merging it/);
    assert.match(approved.stdout, /merged {3}gamma/);
    assert.equal(git(w.dir, 'show', 'milestone/handy:gamma.txt'), 'gamma');

    const merged = await runCli(['integrate', '--merge'], { cwd: w.dir });
    assert.equal(merged.code, 0, shown(merged));
    assert.match(merged.stdout, /Merged milestone\/handy into main\./);
    assert.equal(git(w.dir, 'rev-parse', '--abbrev-ref', 'HEAD'), 'main');
    assert.equal(await fs.readFile(path.join(w.dir, 'gamma.txt'), 'utf8'), 'gamma\n');
  });
});
