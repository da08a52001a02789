import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { AgentHandle } from '../../src/core/coordinator/agentPool';
import type { AgentRecord } from '../../src/core/session/store';
import { cleanupTempDirs, tempDir } from './helpers';
import { harness, type Harness } from './moduleHarness';

describe('coordinator/agentSupervisor (real agent workers)', function () {
  let h: Harness;
  beforeEach(async () => {
    h = await harness(await tempDir());
  });
  afterEach(async () => h.close());
  after(cleanupTempDirs);

  it('registers a deployed agent and writes the lists of live agents and of what each receives', async () => {
    await h.supervisor.deploy('executor', 'executor-1');
    await h.supervisor.single('monitor');
    const registered = await h.waitFor((e) => e.type === 'agent_registered' && e.data.agent === 'monitor');
    assert.ok(registered.type === 'agent_registered' && registered.data.subscriptions.includes('task_completed'));
    await h.supervisor.writeLists();
    await h.store.flush();
    assert.equal(await fs.readFile(h.paths.activeAgents, 'utf8'), 'executor-1\nmonitor\n');
    const subs = (await fs.readFile(h.paths.subscriptions, 'utf8')).split('\n');
    assert.equal(subs[0], 'executor-1:', 'an executor takes commands and subscribes to no event');
    assert.match(subs[1] ?? '', /^monitor:session_started,.*task_completed/);
  });

  it('deploys the single agent of a kind once, however many ask at the same time', async () => {
    const [a, b] = await Promise.all([h.supervisor.single('quality'), h.supervisor.single('quality')]);
    assert.equal(a, b);
    assert.equal(h.pool.ofKind('quality').length, 1);
    assert.equal(await h.supervisor.single('quality'), a);
  });

  it('refuses, and records, an event the agent kind may not record', async () => {
    const ex = await h.supervisor.deploy('executor', 'executor-1');
    assert.equal(h.supervisor.mayEmit(ex, { type: 'auto_commit', data: { sha: 'x', files: 1, message: 'm', reason: 'task' } }), false);
    const alert = await h.waitFor((e) => e.type === 'alert');
    assert.ok(alert.type === 'alert' && /tried to record a auto_commit event, which its kind may not/.test(alert.data.message));
    assert.equal(h.supervisor.mayEmit(ex, { type: 'git_error', data: { operation: 'x', message: 'y' } }), false);
  });

  it('replaces a crashed agent: takes back its work, journals the loss and the recovery, in that order', async () => {
    const order: string[] = [];
    let replacement: AgentHandle | undefined;
    h.supervisor.recoverWith('executor', {
      lost: (agent) => (order.push(`lost ${agent.id}`), ['the-task']),
      replacing: () => order.push('replacing'),
      replaced: (agent) => {
        order.push('replaced');
        replacement = agent;
      },
    });
    const ex = await h.supervisor.deploy('executor', 'executor-1');
    h.pool.kill(ex);
    const recovered = await h.waitFor((e) => e.type === 'agent_recovered');
    assert.ok(recovered.type === 'agent_recovered');
    assert.deepEqual(recovered.data.requeued, ['the-task']);
    assert.deepEqual(order, ['lost executor-1', 'replacing', 'replaced']);
    assert.ok(replacement && replacement !== ex && replacement.id === 'executor-1');
    const types = h.events.map((e) => `${e.type}${'agent' in e.data ? `:${String(e.data.agent)}` : ''}`);
    assert.deepEqual(types, ['agent_registered:executor-1', 'agent_terminated:executor-1', 'alert:executor-1', 'agent_registered:executor-1', 'agent_recovered:executor-1']);
    assert.equal(h.recorder.state.agents.get('executor-1')?.restarts, 1);
  });

  it('replaces nothing once the session stops', async () => {
    let replacing = false;
    h.supervisor.recoverWith('executor', { replacing: () => (replacing = true) });
    const ex = await h.supervisor.deploy('executor', 'executor-1');
    h.stopping = true;
    h.pool.kill(ex);
    await h.waitFor((e) => e.type === 'agent_terminated');
    await h.recorder.drain();
    assert.equal(replacing, false);
    assert.equal(h.pool.all().length, 0);
  });

  it("writes each agent's own numbers to its record, across its replacement", async () => {
    await h.supervisor.single('git');
    for (const sha of ['a1', 'b2']) h.recorder.record('auto_commit', { sha, files: 1, message: sha, reason: 'task' });
    h.pool.kill(h.pool.get('git')!);
    await h.waitFor((e) => e.type === 'agent_recovered');
    h.recorder.record('auto_commit', { sha: 'c3', files: 1, message: 'c3', reason: 'task' });
    h.recorder.record('git_error', { operation: 'push', message: 'no remote' });
    await h.recorder.drain();
    await h.store.flush();
    const record = parseYaml(await fs.readFile(h.paths.agentFile('git'), 'utf8')) as AgentRecord;
    assert.deepEqual(record.metrics, { work_done: 3, work_unit: 'commits', errors_encountered: 2, restarts: 1, execution_time: 0 }, 'the crash and the push error are its errors');
    assert.equal(record.state.health, 'degraded');
  });
});
