import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { replay } from '../../src/core/session/state';
import { claudeEnv, type NetworkTrap } from '../support/claudeCode';
import type { ConversationRequest, FakeAnthropic, Reply } from '../support/fakeAnthropic';
import { useRealClaude, workingDirectoryOf } from '../support/realClaude';
import { cleanupTempDirs, git, journalOf, ofType, resume, runCli, start, tempDir, workspace } from './helpers';

/**
 * Agent tasks run by the real Claude Code CLI (offline, against a fake of the Messages API
 * on loopback): what the engine reads from its stream-json (the conversation id, actions,
 * retries, cost, denials) and what it decides from it (budgets, waiting for quota,
 * continuing an interrupted conversation, "done means done").
 */
describe('agent tasks with the real Claude Code CLI', function () {
  this.timeout(180_000);
  const claude = useRealClaude();
  let fake: FakeAnthropic | undefined;
  let trap: NetworkTrap | undefined;
  after(cleanupTempDirs);

  const text = (r: Pick<ConversationRequest, 'body'> | { body: unknown }): string => JSON.stringify(r.body);
  const cwdOf = workingDirectoryOf;
  const firstPrompt = (r: ConversationRequest): string => JSON.stringify(r.body.messages[0]?.content ?? '');
  /** "write <file> <text>" in the task's prompt: the model writes it, then ends its turn. */
  const writeAsked = (r: ConversationRequest): Reply => {
    const m = /write (\S+) (\w+)/.exec(firstPrompt(r));
    assert.ok(m, firstPrompt(r));
    return [{ type: 'tool_use', name: 'Write', input: { file_path: path.join(cwdOf(r), m[1]!), content: `${m[2]!}\n` } }];
  };
  const done: Reply = [{ type: 'text', text: 'Done.' }];
  /** The last message carries a tool's result: the model's turn is over. */
  const answered = (r: ConversationRequest): boolean => {
    const last = r.body.messages[r.body.messages.length - 1]?.content;
    return Array.isArray(last) && last.some((b) => b.type === 'tool_result');
  };

  async function setUp(script: (r: ConversationRequest, turn: number) => Reply | Promise<Reply>, tasks: string, options: { head?: string; permission?: string; files?: Record<string, string> } = {}) {
    ({ fake, trap } = await claude.serve(script));
    const home = await tempDir('ma-claude-home-');
    const worktreesDir = await tempDir('ma-wts-');
    const env = { ...claudeEnv(fake.url, home, { proxy: trap.url }), CLAUDE_CODE_MAX_RETRIES: '1' };
    const command = JSON.stringify([claude.cli.claude, '-p', '{prompt}', '--permission-mode', options.permission ?? 'bypassPermissions']);
    const w = await workspace(`id: agents
${options.head ?? ''}
agents:
  claude: { adapter: claude, command: ${command} }
tasks:
${tasks}`, { ...(options.files ? { files: options.files } : {}) });
    return { w, env, home, worktreesDir };
  }

  it('runs three agents with a dependency: one commit each, a conversation id journaled before each start, cost per task and in total', async () => {
    const { w, env, worktreesDir } = await setUp((r, turn) => (turn === 1 ? writeAsked(r) : done), `  - { id: a, agent: claude, prompt: "write a.txt alpha" }
  - { id: b, agent: claude, prompt: "write b.txt beta", depends_on: [a] }
  - { id: c, agent: claude, prompt: "write c.txt gamma" }
`);
    const s = await start(w.file, { env, worktreesDir, executors: 2 });
    const outcome = await s.outcome;
    assert.equal(outcome.status, 'completed', outcome.reason);
    for (const [f, t] of [['a.txt', 'alpha'], ['b.txt', 'beta'], ['c.txt', 'gamma']]) assert.equal(git(w.dir, 'show', `milestone/agents:${f!}`), t);
    const commits = git(w.dir, 'log', '--format=%s', 'milestone/agents').split('\n');
    for (const t of ['a', 'b', 'c']) assert.equal(commits.filter((c) => c.endsWith(`[${t}]`)).length, 1, commits.join('\n'));

    const events = await journalOf(w.dir, s.coordinator.sessionId);
    const sessions = ofType(events, 'agent_session');
    assert.deepEqual(sessions.map((e) => e.data.task).sort(), ['a', 'b', 'c']);
    for (const e of sessions) {
      assert.match(e.data.session_id ?? '', /^[0-9a-f-]{36}$/);
      assert.equal(e.data.continued, false);
      // Journaled before the process started: its task_started comes later.
      const started = events.find((x) => x.type === 'task_started' && x.data.task === e.data.task)!;
      assert.ok(started.seq > e.seq);
    }
    // The agent ran under the id the engine chose.
    const results = ofType(events, 'agent_result');
    for (const r of results) assert.equal(r.data.session_id, sessions.find((e) => e.data.task === r.data.task)?.data.session_id);
    assert.deepEqual(ofType(events, 'agent_activity').filter((e) => e.data.task === 'a').map((e) => e.data.action), ['Write a.txt']);
    assert.ok(ofType(events, 'agent_init').every((e) => e.data.model !== null));

    const state = replay(s.coordinator.sessionId, events);
    const costs = ['a', 'b', 'c'].map((t) => state.tasks.get(t)!.agentRun!.costUsd!);
    for (const c of costs) assert.ok(c > 0);
    assert.ok(Math.abs(state.agentTotals.costUsd - costs.reduce((x, y) => x + y, 0)) < 1e-12);
    assert.equal(state.tasks.get('a')!.agentRun!.turns, 2);
    assert.ok(state.agentTotals.tokens.input > 0 && state.agentTotals.tokens.output > 0);
    assert.deepEqual(trap!.attempts, [], 'nothing tried to leave the machine');
  });

  it('fails a task over its budget, saying what it spent of what', async () => {
    const { w, env, worktreesDir } = await setUp((r, turn) => (turn === 1 ? writeAsked(r) : done), `  - { id: pricey, agent: claude, prompt: "write p.txt pricey", budget_usd: 0.0001 }
`);
    const s = await start(w.file, { env, worktreesDir });
    const outcome = await s.outcome;
    assert.equal(outcome.status, 'failed');
    const [failed] = ofType(s.events, 'task_failed');
    assert.equal(failed?.data.reason, 'budget');
    assert.match(failed?.data.message ?? '', /^budget exceeded: spent \$0\.\d{4} of \$0\.0001$/);
    assert.equal(ofType(s.events, 'agent_result')[0]?.data.subtype, 'error_max_budget_usd');
  });

  it('puts a rate-limited task in waiting for quota (dependents wait, fewer agents run), and completes it once the API lets it, continuing its conversation', async () => {
    let limiting = true;
    const { w, env, worktreesDir } = await setUp((r) => (limiting ? { error: { status: 429, retryAfterSeconds: 0 } } : answered(r) ? done : writeAsked(r)), `  - { id: limited, agent: claude, prompt: "write l.txt limited" }
  - { id: after, run: "cat l.txt > seen.txt", depends_on: [limited] }
`);
    const s = await start(w.file, { env, worktreesDir, executors: 2, quotaRetryMs: 200 });
    const waiting = await s.waitFor((e) => e.type === 'task_waiting_quota');
    limiting = false;
    const outcome = await s.outcome;
    assert.equal(outcome.status, 'completed', outcome.reason);
    assert.match(waiting.type === 'task_waiting_quota' ? waiting.data.message : '', /^rate limited \(HTTP 429\) after 1 retry: waiting for quota$/);
    assert.ok(ofType(s.events, 'agent_retry').some((e) => e.data.status === 429 && e.data.max_retries === 1));
    assert.deepEqual(ofType(s.events, 'task_failed'), [], 'a rate limit is not a failure');
    assert.deepEqual(ofType(s.events, 'task_skipped'), [], 'dependents are not skipped');
    assert.deepEqual(ofType(s.events, 'agent_limit_changed').map((e) => e.data.limit), [1, null]);
    const sessions = ofType(s.events, 'agent_session');
    assert.equal(sessions.length, 2);
    assert.equal(sessions[1]!.data.continued, true);
    assert.equal(sessions[1]!.data.session_id, sessions[0]!.data.session_id);
    assert.equal(git(w.dir, 'show', 'milestone/agents:seen.txt'), 'limited');
  });

  it('continues the same conversation after the coordinator is killed with SIGKILL mid-run', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const inFlight = new Promise<void>((resolve) => (reached = resolve));
    const { w, env, worktreesDir } = await setUp(async (r) => {
      if (/You were interrupted/.test(text(r))) return answered(r) ? done : writeAsked(r);
      reached();
      // The first run never gets an answer: its coordinator dies while it waits.
      await held;
      return done;
    }, `  - { id: long, agent: claude, prompt: "write long.txt resumed" }
`);
    const run = runCli(['run', w.file, '--worktrees', worktreesDir], { cwd: w.dir, env: env });
    await inFlight;
    run.child.kill('SIGKILL');
    await run;
    release();
    const [sessionDir] = (await fs.readdir(path.join(w.dir, '.milestones', 'sessions'))).filter((n) => /^agents-\d/.test(n) && !n.endsWith('.yaml'));
    const before = ofType(await journalOf(w.dir, sessionDir!), 'agent_session');
    assert.equal(before.length, 1);
    const again = await resume(w.dir, sessionDir, { env, worktreesDir });
    const outcome = await again.outcome;
    assert.equal(outcome.status, 'completed', outcome.reason);
    const sessions = ofType(await journalOf(w.dir, sessionDir!), 'agent_session');
    assert.equal(sessions.length, 2);
    assert.equal(sessions[1]!.data.continued, true);
    assert.equal(sessions[1]!.data.session_id, before[0]!.data.session_id);
    // The continued run carried the first prompt in its conversation.
    const continued = fake!.conversation().find((r) => /You were interrupted/.test(text(r)));
    assert.ok(continued);
    assert.match(text(continued), /write long\.txt resumed/);
    assert.equal(git(w.dir, 'show', 'milestone/agents:long.txt'), 'resumed');
  });

  it('surfaces permission denials, tolerates garbage in the stream, and fails an agent that changed nothing or whose verify fails', async () => {
    const wrapper = path.join(await tempDir('ma-wrap-'), 'noisy-claude');
    const { w, env, worktreesDir } = await setUp(
      (r, turn) => {
        const prompt = firstPrompt(r);
        if (/push it/.test(prompt)) return turn === 1 ? [{ type: 'tool_use', name: 'Bash', input: { command: 'git push origin main' } }] : turn === 2 ? writeAsked(r) : done;
        if (/nothing/.test(prompt)) return done;
        return turn === 1 ? writeAsked(r) : done;
      },
      `  - { id: denied, agent: claude, prompt: "push it, then write d.txt denied", allowed_tools: [Write] }
  - { id: noisy, agent: noisy, prompt: "write n.txt noisy" }
  - { id: lazy, agent: claude, prompt: "do nothing", expect_changes: true }
  - { id: checked, agent: claude, prompt: "write c.txt checked", verify: "test -f missing.txt" }
`,
      { permission: 'default' },
    );
    await fs.writeFile(wrapper, `#!/bin/sh\necho '{"type":"system","subtype":"init",'\necho 'plain text, not JSON'\necho '[1,2,3]'\nexec ${JSON.stringify(claude.cli.claude)} "$@" --permission-mode bypassPermissions\n`, { mode: 0o755 });
    const text0 = await fs.readFile(w.file, 'utf8');
    await fs.writeFile(w.file, text0.replace('agents:\n', `agents:\n  noisy: { adapter: claude, command: [${JSON.stringify(wrapper)}, "-p", "{prompt}"] }\n`));
    const s = await start(w.file, { env, worktreesDir, executors: 4 });
    const outcome = await s.outcome;
    assert.equal(outcome.status, 'failed');
    const failures = Object.fromEntries(ofType(s.events, 'task_failed').map((e) => [e.data.task, [e.data.reason, e.data.message]]));
    assert.deepEqual(failures, {
      lazy: ['no_changes', 'the agent changed no file, and the task has expect_changes: true'],
      checked: ['verify', 'verify failed (exit code 1): test -f missing.txt'],
    });
    const denied = ofType(s.events, 'agent_result').find((e) => e.data.task === 'denied');
    assert.deepEqual(denied?.data.denials, [{ tool: 'Bash', target: 'git push origin main' }]);
    assert.deepEqual(s.coordinator.state.tasks.get('denied')?.agentRun?.denials, [{ tool: 'Bash', target: 'git push origin main' }]);
    // allowed_tools reached Claude Code: its Write was not refused.
    assert.equal(git(w.dir, 'show', 'milestone/agents:d.txt'), 'denied');
    assert.equal(s.coordinator.state.tasks.get('noisy')?.status, 'completed');
    assert.equal(git(w.dir, 'show', 'milestone/agents:n.txt'), 'noisy');
    assert.match(await fs.readFile(path.join(w.dir, '.milestones', 'sessions', s.coordinator.sessionId, 'logs', 'noisy.log'), 'utf8'), /plain text, not JSON/);
  });

  it("pauses once the milestone's budget is spent, and goes on after it is raised in the file", async () => {
    const { w, env, worktreesDir } = await setUp((r, turn) => (turn === 1 ? writeAsked(r) : done), `  - { id: first, agent: claude, prompt: "write f.txt first" }
  - { id: second, agent: claude, prompt: "write s.txt second", depends_on: [first] }
`, { head: 'budget_usd: 0.001' });
    const s = await start(w.file, { env, worktreesDir, exitWhenPaused: true });
    const outcome = await s.outcome;
    assert.equal(outcome.status, 'interrupted', outcome.reason);
    const [paused] = ofType(s.events, 'session_paused');
    assert.equal(paused?.data.by, 'budget');
    assert.match(paused?.data.reason ?? '', /budget of \$0\.0010 is spent \(\$0\.\d{4} so far\): no new agent task starts\. Raise budget_usd in \.milestones\/agents\.yaml, then resume/);
    assert.deepEqual(ofType(s.events, 'task_started').map((e) => e.data.task), ['first']);
    await fs.writeFile(w.file, (await fs.readFile(w.file, 'utf8')).replace('budget_usd: 0.001', 'budget_usd: 5'));
    const again = await resume(w.dir, s.coordinator.sessionId, { env, worktreesDir });
    const done2 = await again.outcome;
    assert.equal(done2.status, 'completed', done2.reason);
    assert.equal(git(w.dir, 'show', 'milestone/agents:s.txt'), 'second');
  });
});
