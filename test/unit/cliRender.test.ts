import { strict as assert } from 'node:assert';
import { describeEvent, LiveView, palette, PlainView, summaryLines } from '../../src/cli/render';
import { statusLines } from '../../src/cli/statusText';
import { printable, withoutEscapes } from '../../src/cli/text';
import type { JournalEvent, TaskSummary } from '../../src/core/session/events';
import { applyEvent, emptySessionState, replay, type SessionState } from '../../src/core/session/state';
import { AGENT_SESSION, agentsRun, agentsStarted } from './agentRunFixture';
import { EventFactory } from './helpers';

const SESSION = 'demo-20250101-100000-abcd';
const WT = '/cache/worktrees/ws-1a2b3c4d';
const plain = palette({ isTTY: false } as NodeJS.WriteStream);

/** A terminal to draw on: what was written, without its cursor movements and colours. */
class FakeTerminal {
  constructor(readonly isTTY = true) {}
  readonly columns = 100;
  raw = '';
  write(chunk: string): boolean {
    this.raw += chunk;
    return true;
  }
  get text(): string {
    return withoutEscapes(this.raw);
  }
}

const isolated = (id: string, review = false): TaskSummary => ({ id, title: `Task ${id}`, depends_on: [], kind: 'agent', command: 'claude', retries: 0, isolation: 'worktree', review });

/** Two tasks in worktrees: `api` merges, `beta` conflicts, `ui` waits for review; the session ends needing a merge. */
function conflictRun(f = new EventFactory(SESSION)): JournalEvent[] {
  const created = (t: string, port: number | null = null) => f.make('worktree_created', { task: t, path: `${WT}/${t}`, branch: `milestone/demo-tasks/${t}`, base: 'abc123', reused: false, port, duration_ms: 40 });
  return [
    f.make('session_started', {
      milestone_id: 'demo', milestone_file: '/ws/.milestones/demo.yaml', workspace: process.cwd(), title: 'Demo', type: 'development', complexity: 'medium',
      tasks: [isolated('api'), isolated('beta'), isolated('ui', true)], gates: [], executors: { min: 1, max: 4 }, on_failure: 'continue', pid: 1111, host: 'host-a',
    }),
    f.make('git_branch_ready', { branch: 'milestone/demo', base_commit: 'abc123', created: true, repository: process.cwd(), worktree: `${WT}/milestone` }),
    f.make('worktree_created', { task: null, path: `${WT}/milestone`, branch: 'milestone/demo', base: 'abc123', reused: false, port: null, duration_ms: 30 }),
    created('api'),
    created('beta', 3101),
    created('ui'),
    f.make('task_completed', { task: 'api', agent: 'executor-1', attempt: 1, duration_ms: 1000 }),
    f.make('task_merged', { task: 'api', sha: 'feed01', strategy: 'rebase', changes: { files: 3, added: 40, removed: 2 } }),
    f.make('worktree_removed', { task: 'api', path: `${WT}/api`, branch: 'milestone/demo-tasks/api' }),
    f.make('merge_conflict', { task: 'beta', branch: 'milestone/demo-tasks/beta', files: ['shared.txt'], changes: { files: 1, added: 1, removed: 1 } }),
    f.make('review_requested', { task: 'ui', branch: 'milestone/demo-tasks/ui', changes: { files: 1, added: 7, removed: 0 } }),
    f.advance(2000).make('session_interrupted', { reason: 'needs_merge' }),
  ];
}

/** Each event described against the state as it was once that event was applied, as the views see it. */
function described(events: readonly JournalEvent[]): string[] {
  const s = emptySessionState(SESSION);
  return events.flatMap((e) => {
    applyEvent(s, e);
    const line = describeEvent(e, plain, s);
    return line === undefined ? [] : [line];
  });
}

describe('CLI rendering of worktrees and merges', () => {
  it('describes each worktree and merge event in one readable line', () => {
    const lines = described(conflictRun());
    assert.ok(lines.includes(`  git: milestone branch milestone/demo (created), integrated in ${WT}/milestone`), lines.join('\n'));
    assert.ok(lines.includes(`  worktree integration: ${WT}/milestone on milestone/demo`), lines.join('\n'));
    assert.ok(lines.includes(`  worktree beta: ${WT}/beta on milestone/demo-tasks/beta (port 3101)`), lines.join('\n'));
    assert.ok(lines.includes('merged   api  (rebase, 3 files +40 -2)'), lines.join('\n'));
    assert.ok(lines.includes(`  worktree api removed: ${WT}/api`), lines.join('\n'));
    assert.ok(lines.includes('CONFLICT beta needs merge: shared.txt — resolve: milestone-agents resolve beta --by-hand|--agent|--discard'), lines.join('\n'));
    assert.ok(lines.includes('review   ui waits for approval (1 file +7 -0): milestone-agents review ui --approve|--reject'), lines.join('\n'));
  });

  it('describes resolutions, discards and a merge that changed nothing', () => {
    const f = new EventFactory(SESSION);
    const events = [
      ...conflictRun(f),
      f.make('merge_resolution', { task: 'beta', how: 'by_hand' }),
      f.make('merge_resolution', { task: 'ui', how: 'reject' }),
      f.make('merge_discarded', { task: 'ui', ref: 'refs/milestones/demo/discarded/ui', sha: 'dead0123456' }),
      f.make('task_merged', { task: 'beta', sha: 'feed02', strategy: 'none', changes: { files: 0, added: 0, removed: 0 } }),
    ];
    const lines = described(events).slice(-4);
    assert.deepEqual(lines, [
      `resolve  beta: merging what you resolved by hand in ${WT}/beta`,
      'review   ui: rejected: its result is not merged',
      'discard  ui: its result is not merged; its commits stay at refs/milestones/demo/discarded/ui (dead012)',
      'merged   beta  (no changes)',
    ]);
  });

  it('shows text from files and git as one harmless line: control characters and bidi overrides become escapes', () => {
    assert.equal(printable('a\x1b[2Jb\nc\td\u202ee'), 'a\\u001b[2Jb\\nc\\td\\u202ee');
    assert.equal(printable('plain text, ünïcode — fine'), 'plain text, ünïcode — fine');
    const f = new EventFactory(SESSION);
    const [start, conflict] = [conflictRun(f)[0]!, f.make('merge_conflict', { task: 'beta', branch: 'b', files: ['evil\x1b]0;owned\x07.txt', 'two\nlines.txt'], changes: { files: 2, added: 0, removed: 0 } })];
    const line = described([start, conflict])[1]!;
    assert.ok(![...line].some((ch) => ch.charCodeAt(0) < 0x20), JSON.stringify(line));
    assert.match(line, /evil\\u001b\]0;owned\\u0007\.txt, two\\nlines\.txt/);
  });

  it('the live view keeps tasks that wait for the user in view, and leaves worktree lines to the plain view', () => {
    const term = new FakeTerminal();
    const s = emptySessionState(SESSION);
    const view = new LiveView(term as unknown as NodeJS.WriteStream, s);
    try {
      for (const e of conflictRun().slice(0, -1)) {
        applyEvent(s, e);
        view.event(e);
      }
    } finally {
      view.close();
    }
    assert.doesNotMatch(term.text, /worktree api/, 'worktree lines would only scroll the live view');
    assert.match(term.text, /merged {3}api {2}\(rebase, 3 files \+40 -2\)/);
    assert.match(term.text, /1\/3 completed · 33% · 1 needs merge · 1 in review/);
    assert.match(term.text, /⚠ beta needs merge shared\.txt/);
    assert.match(term.text, /◆ ui in review 1 file \+7 -0/);

    const out = new FakeTerminal(false);
    const state = emptySessionState(SESSION);
    const logged = new PlainView(out as unknown as NodeJS.WriteStream, state);
    for (const e of conflictRun()) {
      applyEvent(state, e);
      logged.event(e);
    }
    assert.equal(out.raw, out.text, 'a log gets no terminal sequences');
    assert.match(out.text, /\] worktree beta: \S+\/beta on milestone\/demo-tasks\/beta \(port 3101\)\n/);
    assert.match(out.text, /\] CONFLICT beta needs merge: shared\.txt/);
  });

  it('at the end, lists each task that waits with its files, worktree and commands, and offers the branch', () => {
    const s: SessionState = replay(SESSION, conflictRun());
    const lines = summaryLines(s, plain, process.cwd()).join('\n');
    assert.match(lines, /⏸ Demo: interrupted \(needs_merge\) — 1\/3 tasks completed/);
    assert.match(lines, /git branch: {4}milestone\/demo \(1 task result merged\)/, 'with worktrees, the results merged are what the branch holds');
    assert.match(lines, /needs merge: {3}beta conflicts with the milestone branch in shared\.txt/);
    assert.ok(lines.includes(`worktree: ${WT}/beta`), lines);
    for (const how of ['--by-hand', '--agent', '--discard']) assert.ok(lines.includes(`milestone-agents resolve beta ${how}`), `${how}:\n${lines}`);
    assert.match(lines, /in review: {5}ui waits for your approval \(1 file \+7 -0\) on branch milestone\/demo-tasks\/ui/);
    assert.match(lines, /git diff milestone\/demo\.\.\.milestone\/demo-tasks\/ui/);
    assert.match(lines, /milestone-agents review ui --approve +merge it\n +milestone-agents review ui --reject/);
    assert.doesNotMatch(lines, /resume with/, 'resolving resumes the session: a plain resume would stop at the same place');
    assert.match(lines, /take it: {7}the work so far is on branch milestone\/demo; your checkout was not touched/);
    assert.match(lines, /milestone-agents integrate --checkout +or: git switch milestone\/demo/);
    assert.match(lines, /milestone-agents integrate --merge +merge it into the branch you are on/);

    const elsewhere = summaryLines(s, plain, '/somewhere/else').join('\n');
    assert.match(elsewhere, /milestone-agents resolve beta --discard --cwd \S*somewhere\/else/);
    assert.match(elsewhere, /or: git -C \S*somewhere\/else switch milestone\/demo/);
  });

  it('offers no --agent for a shell task in a worktree: it has no agent to ask', () => {
    const f = new EventFactory(SESSION);
    const shell: TaskSummary = { ...isolated('sh'), kind: 'run', command: 'make sh' };
    const events = [
      f.make('session_started', {
        milestone_id: 'demo', milestone_file: '/ws/.milestones/demo.yaml', workspace: process.cwd(), title: 'Demo', type: 'development', complexity: 'medium',
        tasks: [shell], gates: [], executors: { min: 1, max: 1 }, on_failure: 'continue', pid: 1111, host: 'host-a',
      }),
      f.make('merge_conflict', { task: 'sh', branch: 'milestone/demo-tasks/sh', files: ['a.txt'], changes: { files: 1, added: 1, removed: 0 } }),
      f.make('session_interrupted', { reason: 'needs_merge' }),
    ];
    assert.deepEqual(described(events).slice(1), ['CONFLICT sh needs merge: a.txt — resolve: milestone-agents resolve sh --by-hand|--discard']);
    const lines = summaryLines(replay(SESSION, events), plain, process.cwd()).join('\n');
    assert.match(lines, /milestone-agents resolve sh --by-hand +once you fixed the files in its worktree\n +milestone-agents resolve sh --discard/);
    assert.doesNotMatch(lines, /--agent/);
  });

  it('a session in place (no integration worktree) gets no offer: its branch is the checkout', () => {
    const f = new EventFactory(SESSION);
    const events = [conflictRun(f)[0]!, f.make('git_branch_ready', { branch: 'milestone/demo', base_commit: 'abc', created: true, repository: '/ws' }), f.make('milestone_completed', { duration_ms: 10, tasks: 3 })];
    const lines = summaryLines(replay(SESSION, events), plain, process.cwd()).join('\n');
    assert.doesNotMatch(lines, /integrate/);
  });

  it('status shows worktrees and results under their tasks, and the commands only when no process runs the session', () => {
    const state = replay(SESSION, conflictRun());
    const text = statusLines({ state, live: false, torn: undefined, workspace: process.cwd() }, plain).join('\n');
    assert.ok(text.includes(`  integrated in: ${WT}/milestone`), text);
    assert.match(text, /branch: milestone\/demo, 1 task result merged\n/);
    assert.match(text, /✓ api +completed +1\.0s\n +worktree \S+\/api \(removed\) · branch milestone\/demo-tasks\/api\n +result: merged feed01 · 3 files \+40 -2/);
    assert.match(text, /⚠ beta +needs_merge +\n +worktree \S+\/beta · branch milestone\/demo-tasks\/beta · port 3101\n +result: conflicts in shared\.txt · 1 file \+1 -1/);
    assert.match(text, /◆ ui +in_review/);
    assert.match(text, /milestone-agents resolve beta --by-hand/);
    const live = statusLines({ state, live: true, torn: undefined, workspace: process.cwd() }, plain).join('\n');
    assert.doesNotMatch(live, /milestone-agents resolve/, 'the process that runs it resolves it');
  });
});

/** The lines a log of the run gets, one per event, with the state as it was at each. */
function logged(events: readonly JournalEvent[]): string {
  const out = new FakeTerminal(false);
  const state = emptySessionState(AGENT_SESSION);
  const view = new PlainView(out as unknown as NodeJS.WriteStream, state);
  for (const e of events) {
    applyEvent(state, e);
    view.event(e);
  }
  return out.raw;
}

describe('CLI rendering of coding agents', () => {
  it('logs each agent event in one line: its conversation, model, actions, API retries and result', () => {
    const text = logged(agentsRun());
    const lines = text.split('\n').map((l) => l.replace(/^\[ *[^\]]*\] /, ''));
    for (const line of [
      'login: Claude Code starts conversation sess-login',
      'login: model claude-sonnet-4-5',
      'login: Write src/login.ts',
      '↻ login: rate limited, retry 3/10 in 2.3s (rate_limit)',
      'login: Bash: npm test',
      '✓ login Task login · 1.0s · $0.5000',
      'deploy: Claude Code ended: error_max_budget_usd · 3 turns · $1.25',
      '✗ deploy Claude Code spent $1.25, over its budget of $1.00',
      '! agents: 1 agent task at once (lowered after a rate limit): rate limited',
      'docs: Codex starts',
      'docs: Codex ended: error · cost unknown',
      '◷ docs waiting for quota, next try in 1m: Codex was rate limited: it runs again in 1m',
    ]) {
      assert.ok(lines.some((l) => l === line || l === `… ${line}`), `${line}\n--- in ---\n${text}`);
    }
    assert.match(text, /\] ! login: Claude Code ended \(success · 7 turns · \$0\.5000\), refused Bash: git push origin main, Write: \/etc\/hosts — allow with allowed_tools, or change the prompt\n/);
    assert.equal(text.split('\n').filter((l) => /login: (Write|Bash: npm)/.test(l)).length, 2, 'one line per sampled action');
  });

  it('never lets what an agent says drive the terminal: its actions, errors and denials are escaped', () => {
    const f = new EventFactory(AGENT_SESSION);
    const events = [
      ...agentsStarted(f),
      f.make('agent_retry', { task: 'login', attempt: 1, max_retries: 10, delay_ms: 100, status: null, error: 'boom\x1b]0;owned\x07' }),
      f.make('agent_result', { task: 'login', attempt: 1, session_id: 's\x1b[1m', subtype: 'success\r', is_error: false, turns: 1, cost_usd: 0.01, tokens: null, denials: [{ tool: 'Bash', target: 'rm -rf /\x1b[2K' }], api_status: null }),
      f.make('task_waiting_quota', { task: 'docs', attempt: 1, delay_ms: 1000, message: 'wait\nfake line' }),
    ];
    const text = logged(events);
    assert.ok(![...text].some((ch) => ch.charCodeAt(0) < 0x20 && ch !== '\n'), JSON.stringify(text));
    assert.equal(text.split('\n').length, text.split('\n').filter((l) => l === '' || l.startsWith('[')).length, 'every line is one of ours');
    assert.match(text, /deploy: Bash: npm run deploy\n/, 'a terminal sequence is dropped, as from a task\'s output');
    assert.match(text, /login: API error, retry 1\/10 in 100ms \(boom\)\n/);
    assert.match(text, /ended \(success\\r · 1 turn · \$0\.0100\), refused Bash: rm -rf \/ — allow/);
    assert.match(text, /waiting for quota, next try in 1\.0s: wait\\nfake line\n/);
  });

  it('the live view shows what each running agent does, its API retry, the tasks waiting for quota and what the agents spent', () => {
    const term = new FakeTerminal();
    const s = emptySessionState(AGENT_SESSION);
    const view = new LiveView(term as unknown as NodeJS.WriteStream, s);
    const f = new EventFactory(AGENT_SESSION, Date.now());
    const started = agentsStarted(f);
    try {
      for (const e of started.slice(0, -1)) {
        applyEvent(s, e);
        view.event(e);
      }
      view.print('-- before the retry --');
      const retry = started[started.length - 1]!;
      applyEvent(s, retry);
      view.event(retry);
      view.print('-- after the retry --');
      for (const e of agentsRun(new EventFactory(AGENT_SESSION, Date.now())).slice(started.length)) {
        applyEvent(s, e);
        view.event(e);
      }
      view.print('-- at the end --');
    } finally {
      view.close();
    }
    const [beforeRetry, afterRetry, atEnd] = term.text.split(/-- [a-z ]+ --\n/).slice(1);
    assert.match(beforeRetry!, /▸ login \S+ Write src\/login\.ts\n/);
    assert.match(beforeRetry!, /▸ deploy \S+ Bash: npm run deploy\n/);
    assert.match(afterRetry!, /▸ login \S+ rate limited, retry 3\/10/);
    assert.doesNotMatch(term.text, /login: Write src|login: model|starts conversation/, 'agent activity updates the task line; it does not scroll');
    assert.match(term.text, /! login: Claude Code ended \(success · 7 turns · \$0\.5000\), refused Bash: git push origin main/);
    assert.match(term.text, /✗ deploy Claude Code spent \$1\.25, over its budget/);
    assert.match(atEnd!, /1\/4 completed · 25% · 1 failed · 1 waiting for quota · ≥ \$1\.75/);
    assert.match(atEnd!, /◷ docs waiting for quota, next try/);
  });

  it('at the end, says what the agents spent', () => {
    const lines = summaryLines(replay(AGENT_SESSION, agentsRun()), plain, process.cwd()).join('\n');
    assert.match(lines, /agents spent: {2}≥ \$1\.75 \(not every agent reports its cost\) · tokens: 3,600 in · 1,020 out · 15,000 cache read · 2,400 cache written$/m);
    const none = summaryLines(replay(SESSION, conflictRun()), plain, process.cwd()).join('\n');
    assert.doesNotMatch(none, /agents spent/, 'no agent reported anything');
  });

  it('status lists each agent task with its agent, cost and refusals, the tasks waiting for quota, and the total', () => {
    const state = replay(AGENT_SESSION, agentsRun());
    const text = statusLines({ state, live: false, torn: undefined, workspace: process.cwd() }, plain).join('\n');
    assert.match(text, /✓ login +completed +1\.0s\n +agent: Claude Code · claude-sonnet-4-5 · 7 turns · \$0\.5000\n +refused Bash: git push origin main — allow it with allowed_tools\n +refused Write: \/etc\/hosts/);
    assert.match(text, /✗ deploy +failed +1\.0s · Claude Code spent \$1\.25, over its budget of \$1\.00\n +agent: Claude Code · 3 turns · \$1\.25\n/);
    assert.match(text, /◷ docs +waiting_quota +Codex was rate limited: it runs again in 1m\n +agent: Codex · cost unknown\n/);
    assert.doesNotMatch(text, /now:/, 'nobody runs the session: nothing goes on now');
    assert.match(text, /agents spent: ≥ \$1\.75 · tokens: 3,600 in .* · 1 agent task at once \(lowered after a rate limit\)$/m);
    const running = replay(AGENT_SESSION, agentsStarted());
    const live = statusLines({ state: running, live: true, torn: undefined, workspace: process.cwd() }, plain).join('\n');
    assert.match(live, /▸ login +running +\n +agent: Claude Code · claude-sonnet-4-5\n +now: rate limited, retry 3\/10\n/);
    assert.doesNotMatch(live, /agents spent/, 'no agent has reported a cost yet');
  });
});
