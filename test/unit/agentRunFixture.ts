// A session of coding-agent tasks as the engine journals it, for the tests of what the CLI
// and the editor show of it: Claude Code working, retrying a rate-limited request, refused
// a command, a task over its budget, a Codex task (cost unknown) waiting for quota.
import type { JournalEvent, TaskSummary } from '../../src/core/session/events';
import { EventFactory } from './helpers';

export const AGENT_SESSION = 'agents-20250101-100000-abcd';
export const AGENT_MILESTONE_FILE = '/ws/.milestones/agents.yaml';

const agentTask = (id: string, adapter: 'claude' | 'codex'): TaskSummary => ({ id, title: `Task ${id}`, depends_on: [], kind: 'agent', command: `${adapter}: do ${id}`, retries: 0, isolation: 'worktree' });

export const TOKENS = { input: 1200, output: 340, cache_read: 5000, cache_creation: 800 };

/** The session up to the moment `login` is retrying a rate-limited request (nothing has ended). */
export function agentsStarted(f = new EventFactory(AGENT_SESSION)): JournalEvent[] {
  return [
    f.make('session_started', {
      milestone_id: 'agents', milestone_file: AGENT_MILESTONE_FILE, workspace: '/ws', title: 'Agents', type: 'development', complexity: 'medium',
      tasks: [agentTask('login', 'claude'), agentTask('deploy', 'claude'), agentTask('docs', 'codex'), { id: 'lint', title: 'Lint', depends_on: [], kind: 'run', command: 'npm run lint', retries: 0 }],
      gates: [], executors: { min: 1, max: 4 }, on_failure: 'continue', pid: 1111, host: 'host-a',
    }),
    f.make('task_started', { task: 'login', agent: 'executor-1', attempt: 1, pid: 21, command: 'claude -p ...' }),
    f.make('agent_session', { task: 'login', attempt: 1, adapter: 'claude', session_id: 'sess-login', continued: false }),
    f.make('agent_init', { task: 'login', model: 'claude-sonnet-4-5', cwd: '/wt/login', tools: 12, session_id: 'sess-login' }),
    f.make('agent_activity', { task: 'login', action: 'Write src/login.ts', actions: 3 }),
    f.make('task_started', { task: 'deploy', agent: 'executor-2', attempt: 1, pid: 22, command: 'claude -p ...' }),
    f.make('agent_session', { task: 'deploy', attempt: 1, adapter: 'claude', session_id: 'sess-deploy', continued: false }),
    f.make('agent_activity', { task: 'deploy', action: 'Bash: \x1b[2Jnpm run deploy', actions: 1 }),
    f.make('agent_retry', { task: 'login', attempt: 3, max_retries: 10, delay_ms: 2300, status: 429, error: 'rate_limit' }),
  ];
}

/** The whole run: login completes (refused a push), deploy spends its budget, docs waits for quota, the session fails. */
export function agentsRun(f = new EventFactory(AGENT_SESSION)): JournalEvent[] {
  return [
    ...agentsStarted(f),
    f.make('agent_activity', { task: 'login', action: 'Bash: npm test', actions: 2 }),
    f.make('agent_result', {
      task: 'login', attempt: 1, session_id: 'sess-login', subtype: 'success', is_error: false, turns: 7, cost_usd: 0.5, tokens: TOKENS,
      denials: [{ tool: 'Bash', target: 'git push origin main' }, { tool: 'Write', target: '/etc/hosts' }], api_status: null,
    }),
    f.advance(1000).make('task_completed', { task: 'login', agent: 'executor-1', attempt: 1, duration_ms: 1000 }),
    f.make('agent_result', { task: 'deploy', attempt: 1, session_id: 'sess-deploy', subtype: 'error_max_budget_usd', is_error: true, turns: 3, cost_usd: 1.25, tokens: TOKENS, denials: [], api_status: null }),
    f.make('task_failed', { task: 'deploy', agent: 'executor-2', attempt: 1, duration_ms: 1000, exit_code: 1, signal: null, reason: 'budget', message: 'Claude Code spent $1.25, over its budget of $1.00', final: true }),
    f.make('agent_limit_changed', { limit: 1, reason: 'rate limited' }),
    f.make('task_started', { task: 'docs', agent: 'executor-1', attempt: 1, pid: 23, command: 'codex exec ...' }),
    f.make('agent_session', { task: 'docs', attempt: 1, adapter: 'codex', session_id: null, continued: false }),
    f.make('agent_result', { task: 'docs', attempt: 1, session_id: 'thread-docs', subtype: 'error', is_error: true, turns: null, cost_usd: null, tokens: TOKENS, denials: [], api_status: 429 }),
    f.make('task_waiting_quota', { task: 'docs', attempt: 1, delay_ms: 60_000, message: 'Codex was rate limited: it runs again in 1m' }),
  ];
}
