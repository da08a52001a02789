import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { schemaProblems } from '../support/schemaCheck';
import { cleanupTempDirs, CLI, git, isRunning, journalOf, lines, ROOT, runCli, workspace } from './helpers';

const STATUS_SCHEMA = JSON.parse(readFileSync(path.join(ROOT, 'schemas', 'status.schema.json'), 'utf8')) as Record<string, unknown>;

const DIAMOND = `id: diamond
title: Diamond
executors: { max: 4 }
quality:
  - { id: check, run: "test -f d.txt", after: [d] }
tasks:
  - id: a
    title: "Make a"
    run: echo a >> runs.log && echo a > a.txt
  - id: b
    run: sleep 0.2 && echo b >> runs.log && echo b > b.txt
    depends_on: [a]
  - id: c
    run: sleep 0.2 && echo c >> runs.log && echo c > c.txt
    depends_on: [a]
  - id: d
    run: echo d >> runs.log && cat b.txt c.txt > d.txt
    depends_on: [b, c]
`;

function sessionIdFrom(stdout: string): string {
  const m = /session ([a-z0-9._-]+)/.exec(stdout);
  assert.ok(m, `no session id in:\n${stdout}`);
  return m[1]!;
}

describe('milestone-agents CLI', function () {
  after(cleanupTempDirs);

  it('validate: a valid file exits 0, an invalid one exits 2 naming file, line and fix', async () => {
    const ok = await workspace(DIAMOND, { git: false });
    const good = await runCli(['validate', ok.file], { cwd: ok.dir });
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /valid — 4 tasks, 1 gates/);

    const bad = await workspace('id: bad\ntasks:\n  - id: a\n    run: echo\n    depends_on: [zz]\n  - id: a\n    rn: echo\n', { git: false });
    const r = await runCli(['validate', bad.file], { cwd: bad.dir });
    assert.equal(r.code, 2);
    assert.match(r.stdout, /\.milestones\/bad\.yaml:5:18: error \[unknown-dependency\] Task "a" depends on "zz"/);
    assert.match(r.stdout, /\.milestones\/bad\.yaml:6:9: error \[duplicate-id\] Task id "a" is already used on line 3/);
    assert.match(r.stdout, /:7:5: error \[unknown-key\] Unknown key "rn" in task "a"\. Did you mean "run"\?/);

    const json = await runCli(['validate', bad.file, '--json'], { cwd: bad.dir });
    const diags = JSON.parse(json.stdout) as { code: string; range: { start: { line: number } } }[];
    assert.deepEqual(diags.map((d) => d.code).sort(), ['duplicate-id', 'task-command', 'unknown-dependency', 'unknown-key']);
  });

  it('an internal error exits 4 with its stack, unlike a usage error', async () => {
    const r = await runCli(['status'], { cwd: ROOT, env: { MILESTONE_AGENTS_FAILPOINTS: 'cli.internal_error=1' } });
    assert.equal(r.code, 4);
    assert.match(r.stderr, /^milestone-agents: internal error — please report it with this output:\nTypeError: failpoint cli\.internal_error\n {4}at /);
  });

  it('usage errors exit 2 with help; a missing file says which', async () => {
    const w = await workspace(DIAMOND, { git: false });
    assert.equal((await runCli([], { cwd: w.dir })).code, 2);
    const unknown = await runCli(['frobnicate'], { cwd: w.dir });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown command "frobnicate"/);
    const missing = await runCli(['run', 'nope.yaml'], { cwd: w.dir });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /Cannot read milestone file .*nope\.yaml: it does not exist/);
    const badExec = await runCli(['run', w.file, '--executors', 'zero'], { cwd: w.dir });
    assert.equal(badExec.code, 2);
    assert.match(badExec.stderr, /--executors must be a whole number/);
    assert.equal((await runCli(['--help'], { cwd: w.dir })).code, 0);
  });

  it('run: completes a diamond with commits per task and the session layout of the design', async () => {
    const w = await workspace(DIAMOND);
    const r = await runCli(['run', w.file], { cwd: w.dir });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /✓ Diamond: completed 4\/4 tasks/);
    assert.match(r.stdout, /progress 4\/4 completed \(100%\)/);
    // The work is on the milestone branch; the user's checkout stays on main, untouched.
    const runs = git(w.dir, 'show', 'milestone/diamond:runs.log').split('\n');
    assert.equal(runs[0], 'a');
    assert.equal(runs[3], 'd');
    assert.deepEqual([...runs].sort(), ['a', 'b', 'c', 'd']);
    assert.equal(git(w.dir, 'rev-parse', '--abbrev-ref', 'HEAD'), 'main');
    await assert.rejects(fs.access(path.join(w.dir, 'runs.log')));

    // Tasks b and c are shell tasks, shared: they run side by side in the integration
    // worktree, so which commit holds which of their files depends on timing; `a` runs
    // alone, and its commit is its own.
    const log = git(w.dir, 'log', '--format=%s', 'milestone/diamond').split('\n');
    assert.equal(log[log.length - 1], 'initial');
    assert.ok(log.includes('diamond: Make a [a]'), log.join('\n'));
    for (const subject of log.slice(0, -1)) assert.match(subject, /^diamond: .+ \[[a-d]\]$|^diamond: Diamond \(milestone complete\)$/);
    assert.equal(git(w.dir, 'show', '--name-only', '--format=', ':/Make a').split('\n').sort().join(','), 'a.txt,runs.log');
    assert.equal(git(w.dir, 'status', '--porcelain'), '', 'session state is never a change in the tree');

    const id = sessionIdFrom(r.stdout);
    const dir = path.join(w.dir, '.milestones', 'sessions', id);
    const events = await journalOf(w.dir, id);
    events.forEach((e, i) => {
      assert.equal(e.seq, i + 1);
      assert.equal(e.session, id);
      assert.ok(!Number.isNaN(Date.parse(e.timestamp)));
    });
    assert.equal(events[0]!.type, 'session_started');
    assert.equal(events[events.length - 1]!.type, 'milestone_completed');
    for (const t of ['a', 'b', 'c', 'd']) assert.ok(events.some((e) => e.type === 'task_completed' && e.data.task === t));

    const session = parseYaml(await fs.readFile(path.join(w.dir, '.milestones', 'sessions', `${id}.yaml`), 'utf8')) as { session: Record<string, unknown> };
    assert.equal(session.session.milestone_id, 'diamond');
    assert.equal(session.session.status, 'completed');

    const agents = await fs.readdir(path.join(dir, 'agents'));
    assert.ok(agents.includes('executor-1.yaml') && agents.includes('monitor.yaml') && agents.includes('git.yaml'), agents.join(','));
    const ex = parseYaml(await fs.readFile(path.join(dir, 'agents', 'executor-1.yaml'), 'utf8')) as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(ex.agent!).sort(), ['id', 'session_id', 'started_at', 'status', 'terminated_at', 'type']);
    assert.deepEqual(Object.keys(ex.state!).sort(), ['current_task', 'health']);
    assert.deepEqual(Object.keys(ex.metrics!).sort(), ['errors_encountered', 'execution_time', 'restarts', 'work_done', 'work_unit']);
    const gitRecord = parseYaml(await fs.readFile(path.join(dir, 'agents', 'git.yaml'), 'utf8')) as { metrics: { work_done: number; work_unit: string } };
    assert.deepEqual(gitRecord.metrics.work_unit, 'commits');
    assert.equal(gitRecord.metrics.work_done, events.filter((e) => e.type === 'auto_commit').length, 'the git agent counts its own commits');
    assert.equal(ex.agent!.session_id, id);

    const subs = await fs.readFile(path.join(dir, 'subscriptions.txt'), 'utf8');
    assert.equal(subs, '', 'no agent is subscribed once the session ended');
    const registered = events.filter((e) => e.type === 'agent_registered');
    assert.ok(registered.some((e) => e.type === 'agent_registered' && e.data.agent === 'monitor' && e.data.subscriptions.includes('task_completed')));

    assert.match(await fs.readFile(path.join(dir, 'logs', 'a.log'), 'utf8'), /a attempt 1: \$ echo a >> runs\.log/);
    const metrics = JSON.parse(await fs.readFile(path.join(dir, 'metrics.json'), 'utf8')) as Record<string, unknown>;
    for (const k of ['task_completion_rate_per_min', 'agent_utilization', 'error_rate', 'parallel_efficiency', 'coordination_overhead_ms', 'event_latency_ms', 'agent_startup_ms', 'recovery_time_ms']) {
      assert.ok(k in metrics, `metrics.json lacks ${k}`);
    }
    assert.equal(metrics.status, 'completed');

    const status = await runCli(['status', '--json'], { cwd: w.dir });
    const st = JSON.parse(status.stdout) as { status: string; live: boolean; tasks: { id: string; status: string; depends_on: string[] }[] };
    assert.deepEqual(schemaProblems(STATUS_SCHEMA, st), [], 'status --json has the shape of schemas/status.schema.json');
    assert.equal(st.status, 'completed');
    assert.equal(st.live, false);
    assert.deepEqual(st.tasks.map((t) => t.status), ['completed', 'completed', 'completed', 'completed']);
    assert.deepEqual(st.tasks.map((t) => t.depends_on), [[], ['a'], ['a'], ['b', 'c']]);
  });

  it('status shows the newest session and lists the ids of the older ones', async () => {
    const w = await workspace(`id: twice
type: custom
tasks:
  - { id: a, run: "true" }
`);
    const none = await runCli(['status', '--json'], { cwd: w.dir });
    assert.deepEqual([none.code, none.stdout], [0, 'null\n'], 'no session: status --json prints null');
    const first = await runCli(['run', w.file, '--json'], { cwd: w.dir });
    const second = await runCli(['run', w.file, '--json'], { cwd: w.dir });
    const idOf = (out: string): string => (JSON.parse(out.split('\n')[0]!) as { session: string }).session;
    const r = await runCli(['status'], { cwd: w.dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`session ${idOf(second.stdout)}\n`));
    assert.match(r.stdout, new RegExp(`older sessions \\(pass an id to see one\\):\n    ${idOf(first.stdout)}  completed   started 20`));
  });

  it('on a terminal, run redraws a progress line and a live line per running task', async () => {
    const w = await workspace(`id: tty
type: custom
executors: { max: 2 }
tasks:
  - { id: chatty, run: "for i in 1 2 3 4 5; do echo tick $i; sleep 0.2; done" }
  - { id: broken, run: "sleep 0.3; exit 1" }
  - { id: after-broken, run: "true", depends_on: [broken] }
`, { git: false });
    // script(1) runs the CLI on a pseudo-terminal, as a user's shell would.
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} run ${JSON.stringify(w.file)}`, '/dev/null'], { cwd: w.dir, env: { ...process.env, NO_COLOR: '1', COLUMNS: '100' } });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', (code) => resolve({ code, out }));
    });
    assert.equal(r.code, 1, r.out);
    assert.ok(r.out.includes('\x1b[1A\x1b[0J'), 'the live lines are redrawn in place');
    assert.match(r.out, /▸ chatty .*tick \d/, 'a running task shows the tail of its output');
    const progress = r.out.split('\x1b[0J').flatMap((part) => part.split(/\r?\n/)).filter((l) => / completed · \d+%/.test(l));
    assert.match(progress[progress.length - 1] ?? '', /[█░]+ 1\/3 completed · 33% · 1 failed · 1 not run/);
    assert.match(r.out, /broken/);
  });

  it('run --json prints every event as a JSON line', async () => {
    const w = await workspace(DIAMOND, { git: false });
    const r = await runCli(['run', w.file, '--json'], { cwd: w.dir });
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; type: string; session: string });
    assert.equal(events[0]!.type, 'session_started');
    assert.ok(events.some((e) => e.type === 'git_unavailable'), 'no repository is a warning, not a failure');
    assert.equal(events[events.length - 1]!.type, 'milestone_completed');
    assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1), 'each event once, in journal order');
    const journal = (await fs.readFile(path.join(w.dir, '.milestones', 'sessions', events[0]!.session, 'events.jsonl'), 'utf8')).trim().split('\n');
    assert.deepEqual(r.stdout.trim().split('\n'), journal, 'exactly the journal, line for line');
  });

  it('a failure skips its dependents (naming the failed task), runs the independent tasks, and exits 1', async () => {
    const w = await workspace(`id: fail
git: { in_place: true }
tasks:
  - { id: broken, run: "echo about to fail; exit 3" }
  - { id: after-broken, run: "touch after.txt", depends_on: [broken] }
  - { id: later, run: "touch later.txt", depends_on: [after-broken] }
  - { id: independent, run: "sleep 0.2 && touch independent.txt" }
`);
    const r = await runCli(['run', w.file], { cwd: w.dir });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /✗ broken exit code 3/);
    assert.match(r.stdout, /after-broken skipped: depends on "broken", which failed/);
    assert.match(r.stdout, /later skipped: depends on "broken", which failed/);
    await fs.access(path.join(w.dir, 'independent.txt'));
    await assert.rejects(fs.access(path.join(w.dir, 'after.txt')));
    const events = await journalOf(w.dir, sessionIdFrom(r.stdout));
    const failed = events.find((e) => e.type === 'milestone_failed');
    assert.ok(failed && failed.type === 'milestone_failed');
    assert.deepEqual(failed.data.failed, ['broken']);
    assert.match(failed.data.reason, /broken failed/);
  });

  it('--fail-fast cancels a running sibling and kills its process tree', async () => {
    const w = await workspace(`id: ff
git: { in_place: true }
executors: { max: 2 }
tasks:
  - { id: slow, run: "sleep 30 & echo $! > child.pid; wait" }
  - { id: bad, run: "sleep 0.5; exit 1" }
`);
    const r = await runCli(['run', w.file, '--fail-fast'], { cwd: w.dir });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /slow cancelled: task "bad" failed and on_failure is stop/);
    const pid = Number(await fs.readFile(path.join(w.dir, 'child.pid'), 'utf8'));
    assert.ok(pid > 0);
    assert.equal(isRunning(pid), false, 'the grandchild sleep was killed with its group');
  });

  it('leaves uncommitted changes alone by default; in place, refuses them (exit 2, nothing created) unless --allow-dirty', async () => {
    const free = await workspace(DIAMOND);
    await fs.writeFile(path.join(free.dir, 'uncommitted.txt'), 'mine');
    const own = await runCli(['run', free.file], { cwd: free.dir });
    assert.equal(own.code, 0, own.stdout + own.stderr);
    assert.equal(await fs.readFile(path.join(free.dir, 'uncommitted.txt'), 'utf8'), 'mine');
    assert.equal(git(free.dir, 'status', '--porcelain'), '?? uncommitted.txt');
    assert.equal(git(free.dir, 'ls-tree', '--name-only', 'milestone/diamond', 'uncommitted.txt'), '', 'the user\'s file is in no commit of the milestone');

    const w = await workspace(DIAMOND.replace('title: Diamond\n', 'title: Diamond\ngit: { in_place: true }\n'));
    await fs.writeFile(path.join(w.dir, 'uncommitted.txt'), 'mine');
    const r = await runCli(['run', w.file], { cwd: w.dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /has changes this milestone did not make \(uncommitted\.txt\).*pass --allow-dirty/);
    await assert.rejects(fs.access(path.join(w.dir, '.milestones', 'sessions')));
    const ok = await runCli(['run', w.file, '--allow-dirty'], { cwd: w.dir });
    assert.equal(ok.code, 0, ok.stdout);
  });

  it('Ctrl-C stops gracefully (exit 3); resume finishes without re-running completed tasks', async () => {
    const w = await workspace(`id: sig
git: { in_place: true }
executors: { max: 1 }
tasks:
  - { id: one, run: "echo one >> runs.log" }
  - { id: two, run: "echo two-start >> runs.log; sleep 30; echo two >> runs.log", depends_on: [one] }
  - { id: three, run: "echo three >> runs.log", depends_on: [two] }
`);
    let signalled = false;
    const r = await runCli(['run', w.file], {
      cwd: w.dir,
      onStdout: (text, child) => {
        if (!signalled && /two started/.test(text)) {
          signalled = true;
          child.kill('SIGINT');
        }
      },
    });
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /interrupted/);
    assert.match(r.stdout, /resume with: +milestone-agents resume sig-/);
    const id = sessionIdFrom(r.stdout);

    // While nothing runs it, the session can be resumed; `two` must be made quick first.
    await fs.writeFile(w.file, (await fs.readFile(w.file, 'utf8')).replace('sleep 30', 'sleep 0.1'));
    git(w.dir, 'commit', '-qam', 'quicker two');
    const again = await runCli(['resume', id], { cwd: w.dir });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    // The interrupted attempt of `two` may be stopped before its shell wrote a line (a
    // loaded machine); `one` never runs again, and the resumed `two` and `three` come last.
    const runs = await lines(path.join(w.dir, 'runs.log'));
    assert.equal(runs[0], 'one');
    assert.deepEqual(runs.slice(-3), ['two-start', 'two', 'three']);
    assert.equal(runs.filter((l) => l === 'one').length, 1, runs.join(' '));
    assert.ok(runs.length <= 5, runs.join(' '));
  });

  it('after kill -9 of the CLI, resume re-runs only the interrupted task and finishes as if uninterrupted', async () => {
    const w = await workspace(`id: crash
git: { in_place: true }
executors: { max: 2 }
tasks:
  - { id: a, run: "echo a >> runs.log" }
  - { id: b, run: "echo b >> runs.log" }
  - { id: slow, run: "echo slow-start >> runs.log; sleep \${SLOW:-30}; echo slow >> runs.log", depends_on: [a, b] }
  - { id: last, run: "echo last >> runs.log", depends_on: [slow] }
`);
    let killed = false;
    let slowPid = 0;
    const r = await runCli(['run', w.file, '--json'], {
      cwd: w.dir,
      onStdout: (text, child) => {
        const m = /"type":"task_started","data":\{"task":"slow","agent":"[^"]+","attempt":1,"pid":(\d+)/.exec(text);
        if (!killed && m) {
          killed = true;
          slowPid = Number(m[1]);
          child.kill('SIGKILL');
        }
      },
    });
    assert.equal(r.signal, 'SIGKILL');
    const id = (JSON.parse(r.stdout.split('\n')[0]!) as { session: string }).session;
    assert.ok(isRunning(slowPid), 'the task process outlives its killed coordinator');

    // A torn last line, as a crash in the middle of an append leaves it.
    const journal = path.join(w.dir, '.milestones', 'sessions', id, 'events.jsonl');
    await fs.appendFile(journal, '{"seq":99999,"timestamp":"2026-');

    const status = await runCli(['status', id], { cwd: w.dir });
    assert.match(status.stdout, /status: interrupted \(the journal says running, but no coordinator is running it: resume it\)/);
    const json = JSON.parse((await runCli(['status', id, '--json'], { cwd: w.dir })).stdout) as { status: string; journal_status: string; live: boolean };
    assert.deepEqual([json.status, json.journal_status, json.live], ['interrupted', 'running', false]);

    const again = await runCli(['resume', '--json'], { cwd: w.dir, env: { SLOW: '0.1' } });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.equal(isRunning(slowPid), false, 'resume ended the leftover process of the interrupted run');
    const runs = await lines(path.join(w.dir, 'runs.log'));
    assert.deepEqual(runs.filter((l) => l === 'a' || l === 'b').sort(), ['a', 'b'], 'completed tasks never run again');
    // The first attempt's line is written unless the machine is too loaded to run it before
    // the resume kills it; the resumed attempt's lines come last.
    assert.deepEqual(runs.slice(-3), ['slow-start', 'slow', 'last']);
    assert.ok(runs.filter((l) => l === 'slow-start').length <= 2, runs.join(' '));

    const events = await journalOf(w.dir, id);
    events.forEach((e, i) => assert.equal(e.seq, i + 1));
    const resumed = events.find((e) => e.type === 'session_resumed');
    assert.ok(resumed && resumed.type === 'session_resumed');
    assert.deepEqual(resumed.data.requeued, ['slow']);
    assert.ok(resumed.data.torn_line && resumed.data.torn_line > 1);
    assert.ok(events.some((e) => e.type === 'alert' && e.data.kind === 'torn_journal'));
    // slow-start was written after the last commit: the resume names what the next commit will take.
    assert.ok(events.some((e) => e.type === 'alert' && e.data.kind === 'uncommitted_changes' && e.data.message.includes('(runs.log)')), 'the left-over change is named');
    const slowStarts = events.filter((e) => e.type === 'task_started' && e.data.task === 'slow');
    assert.deepEqual(slowStarts.map((e) => (e.type === 'task_started' ? e.data.attempt : 0)), [1, 2], 'the interrupted attempt is counted');
    assert.equal(events[events.length - 1]!.type, 'milestone_completed');
  });

  it('refuses a second coordinator on a live session', async () => {
    const w = await workspace(`id: live
tasks:
  - { id: wait, run: "sleep 30" }
`);
    let startSecond!: (id: string) => void;
    const sessionRunning = new Promise<string>((resolve) => (startSecond = resolve));
    const first = runCli(['run', w.file, '--json'], {
      cwd: w.dir,
      onStdout: (text) => {
        const m = /"session":"([^"]+)"[^\n]*\n[\s\S]*"type":"task_started"/.exec(text);
        if (m) startSecond(m[1]!);
      },
    });
    const second = runCli(['resume', await sessionRunning], { cwd: w.dir });
    const r2 = await second;
    first.child.kill('SIGINT');
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /is already being run by milestone-agents CLI \(process \d+/);
    assert.equal((await first).code, 3);
  });

  it('status reports a torn last line: the file, the line, and that resuming drops only that line', async () => {
    const w = await workspace('id: torn\ntasks:\n  - { id: a, run: "echo a" }\n  - { id: b, run: "test -f ok.txt", depends_on: [a] }\n', { git: false });
    const first = await runCli(['run', w.file], { cwd: w.dir });
    assert.equal(first.code, 1, first.stdout + first.stderr);
    const id = sessionIdFrom(first.stdout);
    const journal = path.join('.milestones', 'sessions', id, 'events.jsonl');
    // Complete lines end in "\n", so the torn one is the last piece of the split.
    const tornLine = (await fs.readFile(path.join(w.dir, journal), 'utf8')).split('\n').length;
    await fs.appendFile(path.join(w.dir, journal), '{"seq":99999,"timestamp":"2026-');

    const text = await runCli(['status'], { cwd: w.dir });
    assert.equal(text.code, 0, text.stderr);
    assert.ok(text.stdout.includes(`! ${journal}:${tornLine}: the last line of the journal is incomplete: a crash cut it off`), text.stdout);
    assert.match(text.stdout, /Resuming the session drops that line; nothing else is lost\./);
    const json = JSON.parse((await runCli(['status', '--json'], { cwd: w.dir })).stdout) as { torn_line: { file: string; line: number; message: string } | null };
    assert.ok(json.torn_line, 'status --json names the torn line');
    assert.deepEqual([json.torn_line.file, json.torn_line.line], [journal, tornLine]);
    assert.match(json.torn_line.message, /Resuming the session drops that line; nothing else is lost\./);

    await fs.writeFile(path.join(w.dir, 'ok.txt'), '');
    const resumed = await runCli(['resume', id], { cwd: w.dir });
    assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
    const after = JSON.parse((await runCli(['status', '--json'], { cwd: w.dir })).stdout) as { status: string; torn_line: unknown };
    assert.deepEqual([after.status, after.torn_line], ['completed', null], 'the resume dropped the torn line and finished');
  });

  it('expected errors are one paragraph without a stack, exit 2: a bad session id, a damaged journal, a file in the way', async () => {
    const oneParagraph = (r: { code: number | null; stderr: string }, what: string): void => {
      assert.equal(r.code, 2, `${what}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /^\s+at /m, `${what} printed a stack`);
      assert.equal(r.stderr.trim().split('\n').length, 1, `${what}: ${r.stderr}`);
    };
    const w = await workspace('id: hurt\ntasks:\n  - { id: a, run: "echo a" }\n  - { id: b, run: "exit 1", depends_on: [a] }\n', { git: false });
    for (const args of [['resume', '../../etc'], ['status', '../../etc']]) {
      const r = await runCli(args, { cwd: w.dir });
      oneParagraph(r, args.join(' '));
      assert.match(r.stderr, /^"\.\.\/\.\.\/etc" is not a session id: ids use lower-case letters.*The sessions are the folders in \.milestones\/sessions/);
    }

    const first = await runCli(['run', w.file], { cwd: w.dir });
    assert.equal(first.code, 1, first.stdout + first.stderr);
    const id = sessionIdFrom(first.stdout);
    const journal = path.join(w.dir, '.milestones', 'sessions', id, 'events.jsonl');
    const lines = (await fs.readFile(journal, 'utf8')).split('\n');
    lines[2] = '{"seq": 3, "oops"';
    await fs.writeFile(journal, lines.join('\n'));
    for (const args of [['status'], ['status', id, '--json'], ['resume', id], ['resume', id]]) {
      const r = await runCli(args, { cwd: w.dir });
      oneParagraph(r, args.join(' '));
      assert.ok(r.stderr.startsWith(`${journal}:3: the journal is damaged (the line is not valid JSON).`), r.stderr);
      assert.match(r.stderr, /Restore the file from a backup, or move the session folder aside and start a new session\.$/m);
    }

    await fs.rm(path.join(w.dir, '.milestones', 'sessions'), { recursive: true });
    await fs.writeFile(path.join(w.dir, '.milestones', 'sessions'), '');
    const blocked = await runCli(['run', w.file], { cwd: w.dir });
    oneParagraph(blocked, 'run with a file named sessions');
    assert.match(blocked.stderr, /^Cannot mkdir \.milestones\/sessions\/[^:]+: part of that path is a file where a folder is needed\. Move the file aside\./);
  });
});
