import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Coordinator, MilestoneInvalidError, PreconditionError } from '../../src/core/coordinator/coordinator';
import { MilestoneRunningError, SessionLockedError, WorkingTreeBusyError } from '../../src/core/session/lock';
import type { JournalEvent } from '../../src/core/session/events';
import { cleanupTempDirs, FAKE_AGENT, git, isRunning, journalOf, lines, ofType, resume as resumeSession, start as startSession, tempDir, workspace, WORKER, type Started } from './helpers';
import type { CoordinatorOptions } from '../../src/core/coordinator/coordinator';

// These tests are about scheduling, processes, agents and commits: they run in place, so
// what tasks write is in the workspace they read. Worktrees and the merge queue have their
// own tests (isolation.test.ts, worktrees.test.ts).
const start = (file: string, options: Partial<CoordinatorOptions> = {}): Promise<Started> => startSession(file, { inPlace: true, ...options });
const resume = (dir: string, id: string | undefined, options: Partial<CoordinatorOptions> = {}): Promise<Started> => resumeSession(dir, id, { inPlace: true, ...options });

/** Workers copy the environment when they start, so the variable stays set for the whole run. */
async function withFailpoints(spec: string, begin: () => Promise<Started>): Promise<Started> {
  process.env.MILESTONE_AGENTS_FAILPOINTS = spec;
  try {
    const s = await begin();
    await s.outcome;
    return s;
  } finally {
    delete process.env.MILESTONE_AGENTS_FAILPOINTS;
  }
}

describe('coordinator', function () {
  after(cleanupTempDirs);

  it('refuses an invalid milestone with its diagnostics, creating nothing', async () => {
    const w = await workspace('id: bad\ntasks:\n  - { id: a, run: x, depends_on: [a] }\n');
    await assert.rejects(Coordinator.start(w.file, { workerScript: WORKER }), (err: unknown) => {
      assert.ok(err instanceof MilestoneInvalidError);
      assert.equal(err.diagnostics[0]?.code, 'dependency-cycle');
      assert.match(err.message, /bad\.yaml:3:35: error \[dependency-cycle\] Dependency cycle a → a/);
      return true;
    });
    await assert.rejects(fs.access(path.join(w.dir, '.milestones', 'sessions')));
  });

  it('retries a failing task with backoff until it passes, counting attempts', async () => {
    const w = await workspace(`id: retry
tasks:
  - id: flaky
    retries: 2
    run: echo run >> attempts.log; test $(wc -l < attempts.log) -ge 3
`);
    const s = await start(w.file);
    const outcome = await s.outcome;
    assert.equal(outcome.status, 'completed');
    assert.equal((await lines(path.join(w.dir, 'attempts.log'))).length, 3);
    const retrying = ofType(s.events, 'task_retrying');
    assert.deepEqual(retrying.map((e) => [e.data.attempt, e.data.delay_ms]), [[2, 50], [3, 100]], 'exponential backoff from the base delay');
    assert.deepEqual(ofType(s.events, 'task_failed').map((e) => e.data.final), [false, false]);
    assert.equal(s.coordinator.state.tasks.get('flaky')?.attempts, 3);
  });

  it('times a task out: SIGTERM to its group, then SIGKILL after the grace period', async () => {
    const w = await workspace(`id: slow
tasks:
  - id: stubborn
    timeout: 300ms
    run: trap '' TERM; sleep 20 & echo $! > child.pid; wait
`);
    const s = await start(w.file, { graceMs: 200 });
    const outcome = await s.outcome;
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.exitCode, 1);
    const failed = ofType(s.events, 'task_failed')[0]!;
    assert.equal(failed.data.reason, 'timeout');
    assert.match(failed.data.message, /timed out after 300ms/);
    assert.equal(isRunning(Number(await fs.readFile(path.join(w.dir, 'child.pid'), 'utf8'))), false);
  });

  it('refuses to start a task whose cwd an earlier task turned into a link out of the workspace', async () => {
    const outside = await tempDir('ma-outside-');
    const w = await workspace(`id: escape
type: custom
tasks:
  - { id: link, run: "ln -s ${outside} build" }
  - { id: inside, run: "touch escaped.txt", cwd: build, depends_on: [link] }
`);
    const s = await start(w.file);
    assert.equal((await s.outcome).status, 'failed');
    const failed = ofType(s.events, 'task_failed').find((e) => e.data.task === 'inside');
    assert.equal(failed?.data.reason, 'spawn_error');
    assert.match(failed?.data.message ?? '', /working directory \S+\/build leads outside the workspace \(to \S+\) through a symbolic link: refused/);
    await assert.rejects(fs.access(path.join(outside, 'escaped.txt')), 'nothing ran out there');
  });

  it('passes the prompt to an agent profile as one argument, never through a shell', async () => {
    const prompt = `Implement "login"; don't run $(rm -rf ~) or \`id\`\nsecond line with 'quotes' & pipes | here`;
    const w = await workspace(
      `id: agents
agents:
  fake: ["node", ${JSON.stringify(FAKE_AGENT)}, "{prompt}"]
tasks:
  - id: write-notes
    agent: fake
    prompt: ${JSON.stringify(prompt)}
`,
    );
    const s = await start(w.file);
    assert.equal((await s.outcome).status, 'completed');
    assert.equal(await fs.readFile(path.join(w.dir, 'AGENT_NOTES.md'), 'utf8'), `# Agent notes\n\n${prompt}\n`);
    const log = await fs.readFile(path.join(s.coordinator.paths.logsDir, 'write-notes.log'), 'utf8');
    assert.match(log, /fake-agent: received a prompt of \d+ characters/);
  });

  it('runs gates after their tasks and at the end; a failing blocking gate fails the milestone', async () => {
    const w = await workspace(`id: gates
quality:
  - { id: early, run: "test -f one.txt", after: [one] }
  - { id: advisory, run: "exit 1", blocking: false }
  - { id: final, run: "test -f two.txt && exit 4" }
tasks:
  - { id: one, run: "touch one.txt" }
  - { id: two, run: "sleep 0.5; touch two.txt", depends_on: [one] }
`);
    const s = await start(w.file);
    const outcome = await s.outcome;
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.reason, /quality gate final failed/);
    const order = s.events.filter((e) => ['quality_gate_started', 'task_completed'].includes(e.type)).map((e) => ('gate' in e.data ? `gate:${e.data.gate}` : `task:${(e.data as { task: string }).task}`));
    assert.ok(order.indexOf('gate:early') < order.indexOf('task:two'), `early gate starts as soon as "one" is done: ${order.join(' ')}`);
    assert.ok(order.indexOf('gate:final') > order.indexOf('task:two'));
    assert.ok(order.indexOf('gate:advisory') > order.indexOf('task:two'), 'gates without `after` wait for every task');
    const failedGates = ofType(s.events, 'quality_gate_failed').map((e) => [e.data.gate, e.data.blocking, e.data.exit_code]);
    assert.deepEqual(failedGates.sort(), [['advisory', false, 1], ['final', true, 4]]);
    const end = ofType(s.events, 'milestone_failed')[0]!;
    assert.deepEqual(end.data.gates_failed, ['final']);
  });

  it('replaces a crashed executor, re-queues its task and counts the attempt', async () => {
    const w = await workspace(`id: crash
tasks:
  - { id: victim, run: "echo ran >> runs.log; sleep 0.3" }
  - { id: after, run: "echo after >> runs.log", depends_on: [victim] }
`);
    const s = await withFailpoints('executor.crash_on=victim', () => start(w.file));
    assert.equal((await s.outcome).status, 'completed');
    const terminated = ofType(s.events, 'agent_terminated').find((e) => e.data.reason === 'crashed');
    assert.ok(terminated, 'the crash is journaled');
    assert.match(terminated.data.detail ?? '', /failpoint executor\.crash_on=victim/);
    const recovered = ofType(s.events, 'agent_recovered')[0]!;
    assert.equal(recovered.data.agent, terminated.data.agent);
    assert.deepEqual(recovered.data.requeued, ['victim']);
    assert.deepEqual(ofType(s.events, 'task_started').filter((e) => e.data.task === 'victim').map((e) => e.data.attempt), [1, 2]);
    assert.ok(ofType(s.events, 'alert').some((e) => e.data.kind === 'agent_crashed'));
    // The first attempt's shell may be killed with its crashed executor before it wrote a
    // line (a loaded machine): the retry's line and then its dependent's always come last.
    const runs = await lines(path.join(w.dir, 'runs.log'));
    assert.deepEqual(runs.slice(-2), ['ran', 'after']);
    assert.ok(runs.length <= 3, runs.join(' '));
  });

  it('stops when a journal write fails: kills its task, writes nothing more, and resumes from the journal', async () => {
    const w = await workspace(`id: eio
type: custom
tasks:
  - { id: first, run: "true" }
  - { id: long, run: "if [ -f resumed ]; then echo done > long.txt; else exec sleep 30; fi", depends_on: [first] }
`);
    const s = await withFailpoints('journal.fail_on=task_started:long', () => start(w.file));
    const outcome = await s.outcome;
    assert.equal(outcome.status, 'interrupted');
    assert.equal(outcome.exitCode, 3);
    assert.match(outcome.reason, /^Writing the session journal failed \(EIO: .*\)\. The coordinator stopped; resume the session to recover from the journal\.$/);
    // The failed batch may have reached the file (the write came before the failed fsync),
    // but the kill and the end were not recorded after it.
    const journal = await journalOf(w.dir, s.coordinator.sessionId);
    assert.ok(!journal.some((e) => e.type === 'task_failed' || e.type === 'task_cancelled' || e.type === 'session_interrupted'), journal.map((e) => e.type).join(' '));
    const pid = s.coordinator.state.tasks.get('long')?.pid;
    assert.ok(pid, 'long had started');
    assert.equal(isRunning(pid), false, 'the running task was killed');
    await fs.writeFile(path.join(w.dir, 'resumed'), '');
    const again = await resume(w.dir, s.coordinator.sessionId);
    assert.equal((await again.outcome).status, 'completed');
    assert.deepEqual(await lines(path.join(w.dir, 'long.txt')), ['done']);
  });

  it('replaces an executor that stops answering (no heartbeats) and kills its task', async () => {
    const w = await workspace(`id: hang
tasks:
  - { id: stuck, run: "echo $$ >> pids.log; sleep 0.5" }
`);
    const s = await withFailpoints('executor.hang_on=stuck', () => start(w.file, { heartbeatMs: 100, unresponsiveAfterMs: 800 }));
    assert.equal((await s.outcome).status, 'completed');
    const lost = ofType(s.events, 'agent_terminated').find((e) => e.data.reason === 'unresponsive');
    assert.ok(lost);
    assert.ok(ofType(s.events, 'alert').some((e) => e.data.kind === 'unresponsive_agent' && e.data.agent === lost.data.agent));
    const pids = (await lines(path.join(w.dir, 'pids.log'))).map(Number);
    assert.equal(pids.length, 2);
    assert.equal(isRunning(pids[0]!), false, 'the first run was killed with its executor');
  });

  it('replaces a killed monitor agent, which rebuilds the whole session from the journal it is given', async () => {
    const w = await workspace(`id: mon
tasks:
  - { id: a, run: "sleep 0.4" }
  - { id: b, run: "sleep 0.4", depends_on: [a] }
`);
    const s = await start(w.file);
    await s.waitFor((e) => e.type === 'agent_registered' && e.data.agent === 'monitor');
    assert.ok(s.coordinator.killAgent('monitor'));
    const recovered = await s.waitFor((e) => e.type === 'agent_recovered');
    assert.equal(recovered.type === 'agent_recovered' && recovered.data.kind, 'monitor');
    assert.equal((await s.outcome).status, 'completed');
    const metrics = JSON.parse(await fs.readFile(s.coordinator.paths.metrics, 'utf8')) as { status: string; recovery_time_ms: { count: number } };
    assert.equal(metrics.status, 'completed', 'the replacement rebuilt the whole session from the history');
    assert.equal(metrics.recovery_time_ms.count, 1);
  });

  it('replaces a killed git agent, whose replacement goes on committing on the branch', async () => {
    const w = await workspace(`id: gitkill
executors: { max: 1 }
tasks:
  - { id: one, run: "echo 1 > one.txt" }
  - { id: two, run: "sleep 0.3; echo 2 > two.txt", depends_on: [one] }
  - { id: three, run: "echo 3 > three.txt", depends_on: [two] }
`);
    const s = await start(w.file);
    await s.waitFor((e) => e.type === 'task_started' && e.data.task === 'two');
    assert.ok(s.coordinator.killAgent('git'));
    await s.waitFor((e) => e.type === 'agent_recovered' && e.data.agent === 'git');
    assert.equal((await s.outcome).status, 'completed');
    assert.equal(git(w.dir, 'rev-parse', '--abbrev-ref', 'HEAD'), 'milestone/gitkill');
    assert.deepEqual(git(w.dir, 'log', '--format=%s').split('\n').slice(0, 3), ['gitkill: three [three]', 'gitkill: two [two]', 'gitkill: one [one]']);
    assert.equal(git(w.dir, 'status', '--porcelain'), '');
  });

  it('pause holds back new tasks until resume; running ones finish', async () => {
    const w = await workspace(`id: pause
executors: { max: 1 }
tasks:
  - { id: first, run: "sleep 0.3" }
  - { id: second, run: "true", depends_on: [first] }
`);
    const s = await start(w.file);
    await s.waitFor((e) => e.type === 'task_started' && e.data.task === 'first');
    s.coordinator.pause();
    await s.waitFor((e) => e.type === 'task_completed' && e.data.task === 'first');
    // Queued once first's work is committed, and held there by the pause.
    await s.waitFor((e) => e.type === 'task_queued' && e.data.task === 'second');
    assert.equal(s.coordinator.state.tasks.get('second')?.status, 'queued');
    assert.equal(s.coordinator.state.status, 'paused');
    const before = s.events.length;
    s.coordinator.resume();
    assert.equal((await s.outcome).status, 'completed');
    assert.ok(s.events.slice(before).some((e) => e.type === 'task_started' && e.data.task === 'second'));
    const paused = s.events.findIndex((e) => e.type === 'session_paused');
    const secondStart = s.events.findIndex((e) => e.type === 'task_started' && e.data.task === 'second');
    const resumed = s.events.findIndex((e) => e.type === 'session_resumed');
    assert.ok(paused < resumed && resumed < secondStart);
  });

  it('retryTask re-runs a failed task and un-skips the dependents it blocked', async () => {
    const w = await workspace(`id: retry-user
executors: { max: 2 }
tasks:
  - { id: needs-fix, run: "test -f fixed" }
  - { id: downstream, run: "touch downstream.txt", depends_on: [needs-fix] }
  # Keeps the session open until the test has retried (no time margin: it waits for a file).
  - { id: long, run: "until [ -f retried ]; do sleep 0.05; done", timeout: 60s }
`);
    const s = await start(w.file);
    await s.waitFor((e) => e.type === 'task_skipped' && e.data.task === 'downstream');
    const blocked = await s.waitFor((e) => e.type === 'dependency_issues' && e.data.issues.some((d) => d.code === 'blocked-by-failure'));
    assert.ok(blocked.type === 'dependency_issues' && blocked.data.issues.some((d) => d.message.includes('"downstream" is blocked')));
    await fs.writeFile(path.join(w.dir, 'fixed'), '');
    assert.equal(s.coordinator.retryTask('needs-fix'), true);
    await fs.writeFile(path.join(w.dir, 'retried'), '');
    const outcome = await s.outcome;
    assert.equal(outcome.status, 'completed', outcome.reason);
    await fs.access(path.join(w.dir, 'downstream.txt'));
    assert.deepEqual(ofType(s.events, 'task_reset').map((e) => e.data.task), ['needs-fix', 'downstream']);
  });

  it('cancelTask kills a running task tree and skips its dependents', async () => {
    const w = await workspace(`id: cancel
tasks:
  - { id: forever, run: "sleep 60 & echo $! > child.pid; echo ready; wait" }
  - { id: next, run: "true", depends_on: [forever] }
`);
    const s = await start(w.file);
    await new Promise<void>((resolve) => s.coordinator.onOutput((o) => o.task === 'forever' && o.line === 'ready' && resolve()));
    assert.equal(s.coordinator.cancelTask('forever'), true);
    const outcome = await s.outcome;
    assert.equal(outcome.status, 'failed');
    assert.equal(ofType(s.events, 'task_cancelled')[0]?.data.reason, 'cancelled by the user');
    assert.equal(ofType(s.events, 'task_skipped')[0]?.data.task, 'next');
    assert.equal(isRunning(Number(await fs.readFile(path.join(w.dir, 'child.pid'), 'utf8'))), false);
  });

  it('rolls back completed tasks in reverse completion order when asked', async () => {
    const w = await workspace(`id: rb
executors: { max: 1 }
tasks:
  - { id: one, run: "echo one >> done.log", rollback: "echo undo-one >> undo.log" }
  - { id: two, run: "echo two >> done.log", rollback: "echo undo-two >> undo.log", depends_on: [one] }
  - { id: no-undo, run: "true", depends_on: [two] }
  - { id: boom, run: "exit 1", depends_on: [no-undo] }
`);
    const s = await start(w.file, { rollback: true });
    assert.equal((await s.outcome).status, 'failed');
    assert.deepEqual(await lines(path.join(w.dir, 'undo.log')), ['undo-two', 'undo-one']);
    assert.deepEqual(ofType(s.events, 'rollback_started')[0]?.data.tasks, ['two', 'one']);
    assert.equal(ofType(s.events, 'rollback_completed')[0]?.data.ok, true);
    assert.equal(s.events[s.events.length - 1]!.type, 'milestone_failed');
  });

  it('runs the longest remaining path first and never more tasks at once than executors.max', async () => {
    const w = await workspace(`id: sched
executors: { max: 2 }
tasks:
  - { id: short, run: "sleep 0.1" }
  - { id: chain-1, run: "sleep 0.1" }
  - { id: chain-2, run: "sleep 0.1", depends_on: [chain-1] }
  - { id: chain-3, run: "sleep 0.1", depends_on: [chain-2] }
  - { id: wide-1, run: "sleep 0.1" }
  - { id: wide-2, run: "sleep 0.1" }
  - { id: wide-3, run: "sleep 0.1" }
`);
    const s = await start(w.file);
    assert.equal((await s.outcome).status, 'completed');
    // Dispatch: an executor turning busy with a task (start events race between executors).
    // Whenever one is dispatched, it is the best of those waiting: the longest remaining
    // path, then file order. How many wait depends on how fast the executors boot.
    const fileOrder = ['short', 'chain-1', 'chain-2', 'chain-3', 'wide-1', 'wide-2', 'wide-3'];
    const waiting = new Map<string, number>();
    const dispatched: string[] = [];
    for (const e of s.events) {
      if (e.type === 'task_queued') waiting.set(e.data.task, e.data.priority);
      if (e.type !== 'agent_state_changed' || e.data.status !== 'busy' || !e.data.current_task) continue;
      const best = [...waiting].sort(([a, pa], [b, pb]) => pb - pa || fileOrder.indexOf(a) - fileOrder.indexOf(b))[0]?.[0];
      assert.equal(e.data.current_task, best, `dispatched ${e.data.current_task} while ${best} waited (${[...waiting].join(' ')})`);
      waiting.delete(e.data.current_task);
      dispatched.push(e.data.current_task);
    }
    assert.equal(dispatched[0], 'chain-1', 'the head of the longest chain goes first');
    assert.equal(dispatched.length, fileOrder.length);
    let running = 0;
    let peak = 0;
    for (const e of s.events) {
      if (e.type === 'task_started') peak = Math.max(peak, ++running);
      if (e.type === 'task_completed') running--;
    }
    assert.equal(peak, 2);
    const executors = s.events.filter((e) => (e.type === 'agent_registered' || e.type === 'agent_terminated' || e.type === 'agent_recovered') && /^executor/.test(e.data.agent));
    assert.ok(ofType(s.events, 'agent_registered').filter((e) => e.data.kind === 'executor').length <= 2, executors.map((e) => `${e.type} ${JSON.stringify(e.data)}`).join('\n'));
  });

  it('once a milestone has run, ranks tasks by how long they took then, not by how many follow', async () => {
    const w = await workspace(`id: timed
type: custom
executors: { max: 1 }
tasks:
  - { id: quick-1, run: "sleep 0.05" }
  - { id: quick-2, run: "sleep 0.05", depends_on: [quick-1] }
  - { id: slow, run: "sleep 0.6" }
`);
    const startOrder = (events: readonly JournalEvent[]): string[] => ofType(events, 'task_started').map((e) => e.data.task);
    const first = await start(w.file);
    assert.equal((await first.outcome).status, 'completed');
    assert.deepEqual(startOrder(first.events), ['quick-1', 'quick-2', 'slow'], 'no history: two tasks on the path of quick-1, one on that of slow');
    const second = await start(w.file);
    assert.equal((await second.outcome).status, 'completed');
    assert.deepEqual(startOrder(second.events), ['slow', 'quick-1', 'quick-2'], 'slow took longer than quick-1 and quick-2 together');
    const priority = new Map(ofType(second.events, 'task_queued').map((e) => [e.data.task, e.data.priority]));
    assert.ok(priority.get('slow')! >= 600, `slow's remaining path in ms: ${priority.get('slow')}`);
  });

  it('scales executors down to min when they sit idle', async () => {
    // tail runs until two executors have retired, read from the journal: however slow the
    // machine, the idle ones retire while it runs (min is 1: the one running tail stays).
    // The pattern's brackets keep grep from finding tail's own command, which the journal quotes.
    const w = await workspace(`id: scale
type: custom
executors: { min: 1, max: 3 }
tasks:
  - { id: a, run: "true" }
  - { id: b, run: "true" }
  - { id: c, run: "true" }
  - { id: tail, run: "until [ $(grep -c 'scaled_dow[n]' .milestones/sessions/*/events.jsonl) -ge 2 ]; do sleep 0.05; done", depends_on: [a, b, c], timeout: 60s }
`);
    const s = await start(w.file, { idleExecutorMs: 200 });
    const outcome = await s.outcome;
    assert.equal(outcome.status, 'completed', `${outcome.reason}\n${s.events.map((e) => `${e.type} ${JSON.stringify(e.data)}`).join('\n')}`);
    const scaledDown = ofType(s.events, 'agent_terminated').filter((e) => e.data.reason === 'scaled_down');
    assert.equal(scaledDown.length, 2, 'two of three executors retire while "tail" runs');
    const registered = ofType(s.events, 'agent_registered').filter((e) => e.data.kind === 'executor').length;
    assert.ok(registered <= 3, `never more than max executors: ${registered}`);
  });

  it('git: threshold mode commits only past the threshold, and the final commit takes the rest', async () => {
    const w = await workspace(`id: thr
git: { auto_commit: threshold, threshold: 2 }
executors: { max: 1 }
tasks:
  - { id: one-file, run: "touch f1" }
  - { id: three-files, run: "touch f2 f3 f4", depends_on: [one-file] }
  # Waits for the threshold commit, so that commit cannot pick up f5 too.
  - { id: last, run: "until git log --format=%s | grep -q 'files changed'; do sleep 0.05; done; touch f5", depends_on: [three-files], timeout: 20s }
`);
    const s = await start(w.file);
    assert.equal((await s.outcome).status, 'completed');
    const commits = ofType(s.events, 'auto_commit').map((e) => [e.data.reason, e.data.files]);
    assert.deepEqual(commits, [['threshold', 4], ['final', 1]]);
    assert.equal(git(w.dir, 'status', '--porcelain'), '');
    assert.match(git(w.dir, 'log', '-1', '--format=%s'), /^thr: thr \(milestone complete\)$/);
  });

  it("git: each per-task commit holds that task's files only, however fast its dependents write", async () => {
    const w = await workspace(`id: attrib
tasks:
  - { id: a, run: "echo a > a.txt" }
  - { id: b, run: "echo b > b.txt", depends_on: [a] }
  - { id: c, run: "echo c > c.txt", depends_on: [b] }
  - { id: d, run: "echo d > d.txt", depends_on: [b] }
`);
    const s = await start(w.file);
    assert.equal((await s.outcome).status, 'completed');
    const filesOf = new Map(ofType(s.events, 'auto_commit').filter((e) => e.data.reason === 'task').map((e) => [e.data.task, git(w.dir, 'show', '--name-only', '--format=', e.data.sha).split('\n').filter(Boolean)]));
    assert.deepEqual(filesOf.get('a'), ['a.txt']);
    assert.deepEqual(filesOf.get('b'), ['b.txt'], "b wrote right after a: a's commit came first");
    // c and d run side by side: the first of their commits may hold both files.
    assert.deepEqual([...(filesOf.get('c') ?? []), ...(filesOf.get('d') ?? [])].sort(), ['c.txt', 'd.txt']);
  });

  it('git: pushes the branch to a local bare remote', async () => {
    const remote = await tempDir('ma-remote-');
    git(remote, 'init', '-q', '--bare');
    const w = await workspace(`id: push
git: { push: true }
tasks:
  - { id: work, run: "echo hi > hi.txt" }
`);
    git(w.dir, 'remote', 'add', 'origin', remote);
    const s = await start(w.file);
    assert.equal((await s.outcome).status, 'completed');
    assert.deepEqual(ofType(s.events, 'git_pushed').map((e) => [e.data.remote, e.data.branch]), [['origin', 'milestone/push']]);
    assert.equal(git(remote, 'log', '-1', '--format=%s', 'milestone/push'), 'push: work [work]');
  });

  it('git: a merge left in progress refuses the start; a conflict made during the run pauses it', async () => {
    const w = await workspace(`id: conflict
tasks:
  - id: make-conflict
    run: git checkout -q -b other main && echo theirs > shared.txt && git commit -qam theirs && git checkout -q milestone/conflict && echo ours > shared.txt && git commit -qam ours && git merge other -q -m merge || true
  - { id: after, run: "sleep 0.5", depends_on: [make-conflict] }
  - { id: later, run: "true", depends_on: [after] }
`, { files: { 'shared.txt': 'base\n' } });
    const s = await start(w.file, { exitWhenPaused: true });
    const outcome = await s.outcome;
    assert.equal(outcome.status, 'interrupted');
    assert.equal(outcome.exitCode, 3);
    const conflict = ofType(s.events, 'git_conflict')[0];
    assert.ok(conflict);
    assert.equal(conflict.data.kind, 'unmerged');
    assert.match(conflict.data.detail, /shared\.txt/);
    assert.equal(ofType(s.events, 'session_paused')[0]?.data.by, 'git_conflict');
    // The conflict is found by the commit of make-conflict, before anything after it starts.
    assert.ok(!ofType(s.events, 'task_started').some((e) => e.data.task !== 'make-conflict'), 'nothing new starts on a conflicted tree');
    assert.match(s.coordinator.state.tasks.get('after')?.status ?? '', /^(pending|queued)$/);

    await assert.rejects(Coordinator.start(w.file, { workerScript: WORKER, allowDirty: true, inPlace: true }), (err: unknown) => err instanceof PreconditionError && /unmerged paths: shared\.txt/.test(err.message));
  });

  it('keeps session state out of git status for every milestone type, git agent or not', async () => {
    const w = await workspace(`id: plain
type: custom
tasks:
  - { id: a, run: "true" }
`);
    const s = await start(w.file);
    assert.equal((await s.outcome).status, 'completed');
    assert.ok(!ofType(s.events, 'agent_registered').some((e) => e.data.kind === 'git'), 'custom without git: no git agent');
    assert.equal(git(w.dir, 'status', '--porcelain'), '');
  });

  it('no repository: a git_unavailable warning, and the run completes', async () => {
    const w = await workspace(`id: nogit
tasks:
  - { id: a, run: "true" }
`, { git: false });
    const s = await start(w.file);
    assert.equal((await s.outcome).status, 'completed');
    assert.match(ofType(s.events, 'git_unavailable')[0]?.data.reason ?? '', /is not in a git repository/);
    assert.ok(!ofType(s.events, 'agent_registered').some((e) => e.data.kind === 'git' || e.data.kind === 'safety'), 'no git agent without a repository');
  });

  it('safety: warns when a simple milestone outgrows its budget or adds dependencies', async () => {
    const w = await workspace(`id: safety
complexity: simple
tasks:
  - id: sprawl
    run: for i in $(seq 1 12); do seq 1 40 > "gen-$i.txt"; done
  - id: deps
    run: "node -e \\"const p=require('./package.json');p.dependencies={leftpad:'1.0.0'};require('fs').writeFileSync('package.json',JSON.stringify(p))\\""
    depends_on: [sprawl]
`, { files: { 'package.json': '{"name":"x","dependencies":{}}' } });
    const s = await start(w.file);
    assert.equal((await s.outcome).status, 'completed');
    const warnings = ofType(s.events, 'safety_warning');
    const complexity = warnings.find((e) => e.data.kind === 'complexity');
    assert.ok(complexity, JSON.stringify(warnings));
    assert.match(complexity.data.message, /over the simple budget of 10 files and 300 lines/);
    const deps = warnings.find((e) => e.data.kind === 'over_engineering');
    assert.ok(deps);
    assert.match(deps.data.message, /added dependencies \(leftpad\)/);
  });

  it('dependency validator: a cycle written into the file during the run pauses the session', async () => {
    const w = await workspace(`id: edit
tasks:
  - { id: a, run: "sleep 0.2" }
  - { id: b, run: "sleep 3", depends_on: [a] }
  - { id: c, run: "true", depends_on: [b] }
`);
    const s = await start(w.file, { exitWhenPaused: true });
    await s.waitFor((e) => e.type === 'task_started' && e.data.task === 'b');
    await fs.writeFile(w.file, (await fs.readFile(w.file, 'utf8')).replace('{ id: a, run: "sleep 0.2" }', '{ id: a, run: "sleep 0.2", depends_on: [c] }'));
    const issues = await s.waitFor((e) => e.type === 'dependency_issues' && e.data.source === 'file_changed');
    assert.ok(issues.type === 'dependency_issues' && issues.data.critical);
    assert.ok(issues.data.issues.some((d) => d.code === 'dependency-cycle' && d.message.includes('a → c → b → a')), JSON.stringify(issues.data.issues));
    const outcome = await s.outcome;
    assert.equal(outcome.status, 'interrupted');
    assert.equal(ofType(s.events, 'session_paused')[0]?.data.by, 'dependency_issues');
  });

  // Which task is silent and which one is not is the stall watch's unit test, on a fake
  // clock (stallWatch.test.ts); here the path from a silent process to the alert, with no
  // time margin: the quiet task stays silent until the test has seen its alert.
  it('progress monitor: a task silent for longer than stall_after raises an alert', async () => {
    const w = await workspace(`id: stall
stall_after: 300ms
tasks:
  - { id: quiet, run: "until [ -f released ]; do sleep 0.05; done", timeout: 60s }
`);
    const s = await start(w.file);
    const stall = await s.waitFor((e) => e.type === 'alert' && e.data.kind === 'stalled_task');
    assert.ok(stall.type === 'alert' && stall.data.task === 'quiet');
    assert.match(stall.data.message, /Task quiet has printed nothing for 300ms/);
    await fs.writeFile(path.join(w.dir, 'released'), '');
    const outcome = await s.outcome;
    assert.equal(outcome.status, 'completed', outcome.reason);
    const progress = ofType(s.events, 'progress');
    assert.deepEqual(progress[progress.length - 1]?.data.percent, 100);
    const metrics = JSON.parse(await fs.readFile(s.coordinator.paths.metrics, 'utf8')) as { alerts: number };
    assert.equal(metrics.alerts, ofType(s.events, 'alert').length, 'metrics.json counts the alerts of the journal');
  });

  it('runs one session of a milestone at a time, and one milestone on a git branch per workspace', async () => {
    const w = await workspace(`id: first
tasks:
  - { id: hold, run: "sleep 1" }
`, {
      files: {
        '.milestones/second.yaml': 'id: second\ntasks:\n  - { id: other, run: "true" }\n',
        '.milestones/side.yaml': 'id: side\ntype: custom\ntasks:\n  - { id: check, run: "true" }\n',
      },
    });
    const s = await start(w.file);
    await s.waitFor((e) => e.type === 'task_started');
    const id = s.coordinator.sessionId;
    await assert.rejects(Coordinator.start(w.file, { workerScript: WORKER, inPlace: true }), (err: unknown) => err instanceof MilestoneRunningError && err.message.startsWith(`Milestone "first" is already running in this workspace: session ${id} by milestone-agents (process ${process.pid}`));
    await assert.rejects(Coordinator.start(path.join(w.dir, '.milestones', 'second.yaml'), { workerScript: WORKER, inPlace: true }), (err: unknown) => err instanceof WorkingTreeBusyError && /milestone "first" is running in this workspace on its own git branch/.test(err.message));
    // A custom milestone without git switches no branch: it may run alongside.
    const side = await start(path.join(w.dir, '.milestones', 'side.yaml'));
    assert.equal((await side.outcome).status, 'completed');
    assert.equal((await s.outcome).status, 'completed');
    const again = await start(w.file);
    assert.equal((await again.outcome).status, 'completed', 'the run lock went with the first session');
  });

  it('stops without writing more when its session lock is lost, killing its task', async () => {
    const w = await workspace(`id: lost
type: custom
tasks:
  - { id: long, run: "echo $$ > task.pid; exec sleep 30" }
`);
    const s = await start(w.file);
    await s.waitFor((e) => e.type === 'task_started');
    // What another process taking the session over looks like to proper-lockfile.
    await fs.rm(`${path.join(s.coordinator.paths.dir, 'coordinator')}.lock`, { recursive: true });
    const outcome = await s.outcome;
    assert.equal(outcome.status, 'interrupted');
    assert.match(outcome.reason, /^The lock of session lost-\S+ was lost \(.+\): another process may have taken it over\. Nothing more was written/);
    const journal = await journalOf(w.dir, s.coordinator.sessionId);
    // Killing the task and ending the session are not recorded: the journal may be another's now.
    assert.deepEqual(journal.filter((e) => e.type === 'task_failed' || e.type === 'task_cancelled' || e.type === 'session_interrupted' || e.type === 'agent_terminated').map((e) => e.type), []);
    assert.equal(s.coordinator.state.tasks.get('long')?.status, 'running');
    assert.equal(isRunning(Number(await fs.readFile(path.join(w.dir, 'task.pid'), 'utf8'))), false);
  });

  it('refuses a second coordinator on a live session, and resumes it once that one stopped', async () => {
    const w = await workspace(`id: twice
tasks:
  - { id: a, run: "if [ -f resumed ]; then echo a >> runs.log; else exec sleep 30; fi" }
`);
    const s = await start(w.file);
    await s.waitFor((e) => e.type === 'task_started');
    await assert.rejects(Coordinator.resume(w.dir, s.coordinator.sessionId, { workerScript: WORKER }), (err: unknown) => err instanceof SessionLockedError && err.message.includes(`process ${process.pid}`));
    const stopped = await s.coordinator.stop();
    assert.equal(stopped.status, 'interrupted');
    await fs.writeFile(path.join(w.dir, 'resumed'), '');
    const again = await resume(w.dir, undefined);
    assert.equal(again.coordinator.sessionId, s.coordinator.sessionId);
    assert.equal((await again.outcome).status, 'completed');
    assert.deepEqual(await lines(path.join(w.dir, 'runs.log')), ['a']);
    await assert.rejects(resume(w.dir, s.coordinator.sessionId), (err: unknown) => err instanceof PreconditionError && /already completed/.test(err.message));
  });
});
