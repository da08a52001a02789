import { strict as assert } from 'node:assert';
import { agentsChangedBy, creditsOf } from '../../src/core/session/agentWork';
import { replay } from '../../src/core/session/state';
import { EventFactory } from './helpers';

describe('session/agentWork', () => {
  const f = new EventFactory('work-20250101-100000-abcd');

  it("credits each agent with its own work and errors, and executors by the event's agent", () => {
    assert.deepEqual(creditsOf(f.make('task_completed', { task: 'a', agent: 'executor-2', attempt: 1, duration_ms: 1 })), [{ agent: 'executor-2', field: 'workDone' }]);
    assert.deepEqual(creditsOf(f.make('auto_commit', { sha: 's', files: 1, message: 'm', reason: 'task' })), [{ agent: 'git', field: 'workDone' }]);
    assert.deepEqual(creditsOf(f.make('git_conflict', { kind: 'unmerged', detail: 'x' })), [{ agent: 'git', field: 'errors' }]);
    assert.deepEqual(creditsOf(f.make('quality_gate_failed', { gate: 'g', duration_ms: 1, exit_code: 1, blocking: true, message: 'x' })), [{ agent: 'quality', field: 'workDone' }], 'a failed gate is the gate\'s result, not the agent\'s error');
    assert.deepEqual(creditsOf(f.make('rollback_step', { task: 'a', ok: false, exit_code: 1 })), [{ agent: 'workflow', field: 'workDone' }, { agent: 'workflow', field: 'errors' }]);
    assert.deepEqual(creditsOf(f.make('session_paused', { reason: 'r', by: 'user' })), []);
  });

  it('names the agents whose record an event changes', () => {
    assert.deepEqual(agentsChangedBy(f.make('agent_state_changed', { agent: 'executor-1', status: 'busy', current_task: 'a' })), ['executor-1']);
    assert.deepEqual(agentsChangedBy(f.make('auto_commit', { sha: 's', files: 1, message: 'm', reason: 'final' })), ['git']);
  });

  it('counts through the session reducer, across a replacement of the agent', () => {
    const g = new EventFactory('work-20250101-100000-abcd');
    const s = replay(g.session, [
      g.make('agent_registered', { agent: 'git', kind: 'git', startup_ms: 1, subscriptions: [] }),
      g.make('auto_commit', { sha: '1', files: 1, message: 'm', reason: 'task' }),
      g.make('agent_terminated', { agent: 'git', reason: 'crashed' }),
      g.make('agent_registered', { agent: 'git', kind: 'git', startup_ms: 1, subscriptions: [] }),
      g.make('auto_commit', { sha: '2', files: 1, message: 'm', reason: 'task' }),
      g.make('git_error', { operation: 'push', message: 'x' }),
    ]);
    const git = s.agents.get('git')!;
    assert.equal(git.workDone, 2);
    assert.equal(git.errors, 2, 'the crash and the push error');
  });
});
