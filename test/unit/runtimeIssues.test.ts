import { strict as assert } from 'node:assert';
import type { Diagnostic } from '../../src/core/milestone/diagnostics';
import type { JournalEvent } from '../../src/core/session/events';
import { applyEvent, replay, type SessionState } from '../../src/core/session/state';
import { currentIssues, denialIssues, runtimeIssuesByFile } from '../../src/extension/model/runtimeIssues';
import { parseMilestoneText } from '../../src/core/milestone/parse';
import { AGENT_MILESTONE_FILE, AGENT_SESSION, agentsRun } from './agentRunFixture';
import { EventFactory, range } from './helpers';

const FILE = '/w/.milestones/demo.yaml';
const task = (id: string, deps: string[] = []) => ({ id, title: id, depends_on: deps, kind: 'run' as const, command: `echo ${id}`, retries: 0 });

function blocked(dependent: string, failed: string, line: number): Diagnostic {
  return { file: FILE, range: range(line, 8, line, 8 + dependent.length), severity: 'warning', code: 'blocked-by-failure', message: `Task "${dependent}" is blocked: it depends on "${failed}", which failed.`, data: { failed } };
}

const toolMissing: Diagnostic = { file: FILE, range: range(2, 4, 2, 10), severity: 'error', code: 'tool-missing', message: 'Tool "jq" is not installed.' };

/** a fails; b (after a) and c (after b) are skipped and reported blocked; d runs on its own. */
function failedRun(session = 'demo-20250101-100000-abcd', file = FILE): { state: SessionState; f: EventFactory } {
  const f = new EventFactory(session);
  const events: JournalEvent[] = [
    f.make('session_started', { milestone_id: 'demo', milestone_file: file, workspace: '/w', title: 'Demo', type: 'custom', complexity: 'low', tasks: [task('a'), task('b', ['a']), task('c', ['b']), task('d')], gates: [], executors: { min: 1, max: 2 }, on_failure: 'continue', pid: 1, host: 'h' }),
    f.make('task_queued', { task: 'a', attempt: 1, priority: 1 }),
    f.make('task_started', { task: 'a', agent: 'executor-1', attempt: 1, pid: 10, command: 'echo a' }),
    f.make('task_failed', { task: 'a', agent: 'executor-1', attempt: 1, duration_ms: 10, exit_code: 1, signal: null, reason: 'exit', message: 'exit code 1', final: true }),
    f.make('task_skipped', { task: 'b', because: 'a', reason: 'depends on "a", which failed' }),
    f.make('task_skipped', { task: 'c', because: 'a', reason: 'depends on "a", which failed' }),
    f.make('dependency_issues', { source: 'task_failed', critical: false, issues: [toolMissing, blocked('b', 'a', 6), blocked('c', 'a', 9)] }),
  ];
  return { state: replay(session, events), f };
}

const codes = (list: readonly Diagnostic[]): string[] => list.map((d) => `${d.code}@${d.range.start.line}`);

describe('runtime issues (the Problems entries a run adds)', () => {
  it('reports the dependents of a failed task as blocked, next to the other findings', () => {
    const { state } = failedRun();
    assert.deepEqual(codes(currentIssues(state)), ['tool-missing@2', 'blocked-by-failure@6', 'blocked-by-failure@9']);
  });

  it('drops the blocked reports as soon as the failed task is retried, with no new report from the validator', () => {
    const { state, f } = failedRun();
    applyEvent(state, f.make('task_reset', { task: 'a', reason: 'retried by the user' }));
    assert.deepEqual(codes(currentIssues(state)), ['tool-missing@2'], 'a is pending again: nothing is blocked by it');
    applyEvent(state, f.make('task_queued', { task: 'a', attempt: 2, priority: 1 }));
    applyEvent(state, f.make('task_started', { task: 'a', agent: 'executor-1', attempt: 2, pid: 11, command: 'echo a' }));
    applyEvent(state, f.make('task_completed', { task: 'a', agent: 'executor-1', attempt: 2, duration_ms: 10 }));
    assert.deepEqual(codes(currentIssues(state)), ['tool-missing@2']);
  });

  it('shows them again when the retried task fails again, and keeps them out after the milestone fails for another reason', () => {
    const { state, f } = failedRun();
    applyEvent(state, f.make('task_reset', { task: 'a', reason: 'retried by the user' }));
    applyEvent(state, f.make('task_failed', { task: 'a', agent: 'executor-1', attempt: 2, duration_ms: 10, exit_code: 1, signal: null, reason: 'exit', message: 'exit code 1', final: true }));
    assert.deepEqual(codes(currentIssues(state)), ['tool-missing@2', 'blocked-by-failure@6', 'blocked-by-failure@9']);

    applyEvent(state, f.make('task_reset', { task: 'a', reason: 'retried by the user' }));
    applyEvent(state, f.make('task_completed', { task: 'a', agent: 'executor-1', attempt: 3, duration_ms: 10 }));
    applyEvent(state, f.make('task_failed', { task: 'd', agent: 'executor-2', attempt: 1, duration_ms: 10, exit_code: 2, signal: null, reason: 'exit', message: 'exit code 2', final: true }));
    applyEvent(state, f.make('milestone_failed', { duration_ms: 100, failed: ['d'], skipped: [], gates_failed: [], reason: '1 task failed' }));
    assert.equal(state.status, 'failed');
    assert.deepEqual(codes(currentIssues(state)), ['tool-missing@2']);
  });

  it('says nothing for a completed session, and keeps a blocked report that names no task', () => {
    const { state, f } = failedRun();
    const anonymous: Diagnostic = { ...blocked('b', 'a', 6), data: {} };
    applyEvent(state, f.make('dependency_issues', { source: 'file_changed', critical: false, issues: [anonymous] }));
    applyEvent(state, f.make('task_reset', { task: 'a', reason: 'retried by the user' }));
    assert.deepEqual(codes(currentIssues(state)), ['blocked-by-failure@6']);
    applyEvent(state, f.make('milestone_completed', { duration_ms: 100, tasks: 4 }));
    assert.deepEqual(currentIssues(state), []);
  });

  it('lets only the newest session of a milestone file speak for it', () => {
    const older = failedRun('demo-20250101-100000-aaaa').state;
    const newer = failedRun('demo-20250101-110000-bbbb');
    applyEvent(newer.state, newer.f.make('milestone_completed', { duration_ms: 100, tasks: 4 }));
    const other = failedRun('other-20250101-100000-cccc', '/w/.milestones/other.yaml').state;
    const byFile = runtimeIssuesByFile([newer.state, older, other]);
    assert.deepEqual([...byFile.keys()], [FILE, '/w/.milestones/other.yaml']);
    assert.deepEqual(byFile.get(FILE), [], 'the newer, completed session clears what the older one reported');
    assert.equal(byFile.get('/w/.milestones/other.yaml')?.length, 3);
  });
});

/** The milestone file of agentRunFixture's session, with `extra` lines in task login. */
function agentsFile(...extra: string[]): string {
  return ['id: agents', 'tasks:', '  - id: lint', '    run: npm run lint', '  - id: login', '    agent: claude', '    prompt: Add a login form.', ...extra, '  - id: deploy', '    agent: claude', '    prompt: Deploy.', ''].join('\n');
}

describe('runtime issues: permissions a coding agent was refused', () => {
  const state = (): SessionState => replay(AGENT_SESSION, agentsRun());

  it('warns on the task\'s id for each refused tool use, naming the tool and the command or path, with the data its quick fix needs', () => {
    const issues = denialIssues(state(), parseMilestoneText(agentsFile(), AGENT_MILESTONE_FILE));
    assert.deepEqual(issues, [
      {
        file: AGENT_MILESTONE_FILE, range: range(4, 8, 4, 13), severity: 'warning', code: 'permission-denied',
        message: 'Claude Code was refused Bash: git push origin main in task "login" — allow it with allowed_tools, or change the prompt',
        data: { task: 'login', tool: 'Bash', target: 'git push origin main' },
      },
      {
        file: AGENT_MILESTONE_FILE, range: range(4, 8, 4, 13), severity: 'warning', code: 'permission-denied',
        message: 'Claude Code was refused Write: /etc/hosts in task "login" — allow it with allowed_tools, or change the prompt',
        data: { task: 'login', tool: 'Write', target: '/etc/hosts' },
      },
    ]);
  });

  it('drops a refusal as soon as the file allows it, and all of them once the agent runs again', () => {
    const allowsPush = parseMilestoneText(agentsFile('    allowed_tools: ["Bash(git push:*)"]'), AGENT_MILESTONE_FILE);
    assert.deepEqual(denialIssues(state(), allowsPush).map((d) => d.data?.tool), ['Write']);
    const s = state();
    const f = new EventFactory(AGENT_SESSION, Date.parse(s.tasks.get('docs')!.endedAt!) + 1000);
    applyEvent(s, f.make('task_reset', { task: 'login', reason: 'retried by the user' }));
    assert.equal(denialIssues(s, parseMilestoneText(agentsFile(), AGENT_MILESTONE_FILE)).length, 2, 'the refusals stand until the agent runs again');
    applyEvent(s, f.make('agent_session', { task: 'login', attempt: 2, adapter: 'claude', session_id: 'sess-login-2', continued: false }));
    assert.deepEqual(denialIssues(s, parseMilestoneText(agentsFile(), AGENT_MILESTONE_FILE)), []);
  });

  it('follows the task to where the file has it now, and says nothing of a task the file no longer has', () => {
    const moved = parseMilestoneText(['id: agents', 'tasks:', '  - id: deploy', '    agent: claude', '', '  - id: login', '    agent: claude', ''].join('\n'), AGENT_MILESTONE_FILE);
    assert.deepEqual(denialIssues(state(), moved).map((d) => d.range), [range(5, 8, 5, 13), range(5, 8, 5, 13)]);
    const gone = parseMilestoneText(['id: agents', 'tasks:', '  - id: deploy', '    agent: claude', ''].join('\n'), AGENT_MILESTONE_FILE);
    assert.deepEqual(denialIssues(state(), gone), []);
  });

  it('lists them with the other findings of the file, after the session ended too, and only when the file can be read', () => {
    const s = state();
    applyEvent(s, new EventFactory(AGENT_SESSION, Date.parse('2025-01-02T00:00:00Z')).make('milestone_completed', { duration_ms: 100, tasks: 4 }));
    const read: string[] = [];
    const byFile = runtimeIssuesByFile([s], (file) => {
      read.push(file);
      return agentsFile();
    });
    assert.deepEqual(codes(byFile.get(AGENT_MILESTONE_FILE) ?? []), ['permission-denied@4', 'permission-denied@4'], 'the next run would be refused again');
    assert.deepEqual(read, [AGENT_MILESTONE_FILE]);
    assert.deepEqual(runtimeIssuesByFile([s], () => undefined).get(AGENT_MILESTONE_FILE), []);
    const quiet: string[] = [];
    runtimeIssuesByFile([failedRun().state], (file) => {
      quiet.push(file);
      return undefined;
    });
    assert.deepEqual(quiet, [], 'a session without refusals never needs the file read');
  });
});
