import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GateRunner } from '../../src/core/coordinator/gates';
import type { QualityGate } from '../../src/core/milestone/model';
import { cleanupTempDirs, isRunning, tempDir } from './helpers';
import { harness, type Harness } from './moduleHarness';

describe('coordinator/gates (a real quality agent)', function () {
  let h: Harness;
  let dir: string;
  let ended: { gate: string; passed: boolean; blocking: boolean }[];
  let running: Set<string>;
  let endedOne: ((gate: string) => void) | undefined;

  const gate = (id: string, run: string, blocking = true): QualityGate => ({ id, title: id, run, after: [], blocking });

  function runner(gates: QualityGate[]): GateRunner {
    const r = new GateRunner({
      gates,
      pool: h.pool,
      supervisor: h.supervisor,
      recorder: h.recorder,
      spec: (g) => ({ command: { shell: g.run }, cwd: dir, env: { PATH: process.env.PATH ?? '' }, logFile: h.paths.logFile(g.id), graceMs: 500, header: `gate ${g.id}` }),
      running: () => [...running],
      ended: (g, passed, blocking) => {
        running.delete(g);
        ended.push({ gate: g, passed, blocking });
        endedOne?.(g);
      },
    });
    h.onMessage = (_agent, m) => {
      if (m.type === 'emit') r.onEmitted(m.event);
    };
    return r;
  }

  const nextEnd = (): Promise<string> => new Promise((resolve) => (endedOne = resolve));

  beforeEach(async () => {
    dir = await tempDir();
    h = await harness(dir);
    ended = [];
    running = new Set();
  });
  afterEach(async () => h.close());
  after(cleanupTempDirs);

  it('runs a gate on the quality agent and hands back its result, with its blocking flag', async () => {
    const r = runner([gate('ok', 'true'), gate('advisory', 'exit 3', false)]);
    let end = nextEnd();
    running.add('ok');
    r.run('ok');
    assert.equal(await end, 'ok');
    end = nextEnd();
    running.add('advisory');
    r.run('advisory');
    assert.equal(await end, 'advisory');
    assert.deepEqual(ended, [
      { gate: 'ok', passed: true, blocking: true },
      { gate: 'advisory', passed: false, blocking: false },
    ]);
    const failed = await h.waitFor((e) => e.type === 'quality_gate_failed');
    assert.ok(failed?.type === 'quality_gate_failed' && failed.data.exit_code === 3);
  });

  it('kills the gate of a crashed quality agent and runs it again on the replacement', async () => {
    // The first run waits for a file, so the crash comes mid-gate.
    const r = runner([gate('twice', 'until [ -f go ]; do sleep 0.05; done')]);
    const end = nextEnd();
    running.add('twice');
    r.run('twice');
    const first = await h.waitFor((e) => e.type === 'quality_gate_started');
    h.pool.kill(h.pool.get('quality')!);
    await h.waitFor((e) => e.type === 'agent_recovered');
    const second = await h.waitFor((e) => e.type === 'quality_gate_started' && e !== first);
    await fs.writeFile(path.join(dir, 'go'), '');
    assert.equal(await end, 'twice');
    assert.deepEqual(ended, [{ gate: 'twice', passed: true, blocking: true }]);
    assert.ok(first.type === 'quality_gate_started' && second.type === 'quality_gate_started');
    assert.notEqual(first.data.pid, second.data.pid, 'run again by the replacement');
    assert.equal(isRunning(first.data.pid), false, 'the first run died with its agent');
  });
});
