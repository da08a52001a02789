import { strict as assert } from 'node:assert';
import type { AgentHandle } from '../../src/core/coordinator/agentPool';
import { ExecutorScaling, type ScalingDeps } from '../../src/core/coordinator/executorScaling';
import type { Recorder } from '../../src/core/coordinator/recorder';
import type { EventData, EventDraft, EventType } from '../../src/core/session/events';
import { FakeClock } from '../support/fakeClock';

/** A plain handle: the scaling reads only id, task, retiring and ready. */
function handle(id: string): AgentHandle {
  return { id, task: undefined, retiring: false, ready: true } as AgentHandle;
}

interface Deploy {
  id: string;
  succeed(): AgentHandle;
  fail(err: Error): void;
}

/** The scaling's world: executors that start when the test says so, a demand, a load. */
class World {
  readonly clock = new FakeClock();
  readonly deploys: Deploy[] = [];
  readonly live: AgentHandle[] = [];
  readonly events: EventDraft[] = [];
  readonly retired: string[] = [];
  readonly failed: { id: string; err: unknown }[] = [];
  readonly load = { cpu: 0, memory: 0 };
  cpuSamples = 0;
  demand = 0;
  hasReady = false;
  begun = true;
  growing = true;
  over = false;
  private readies = 0;
  private readonly waiters: (() => void)[] = [];

  readonly recorder: Pick<Recorder, 'record'> = {
    record: <K extends EventType>(type: K, data: EventData[K]) => {
      this.events.push({ type, data } as EventDraft);
      return undefined;
    },
  };

  deps(limits: { min: number; max: number; idleMs?: number; ceiling?: number }): ScalingDeps {
    return {
      idleMs: 5000,
      ceiling: 0.8,
      ...limits,
      deploy: (id) =>
        new Promise<AgentHandle>((resolve, reject) => {
          this.deploys.push({
            id,
            succeed: () => {
              const h = handle(id);
              this.live.push(h);
              resolve(h);
              return h;
            },
            fail: reject,
          });
        }),
      executors: () => this.live.filter((h) => !h.retiring),
      retire: (h) => {
        h.retiring = true;
        this.retired.push(h.id);
      },
      recorder: this.recorder,
      reportFailedStart: (id, err) => {
        this.failed.push({ id, err });
        this.wake();
      },
      demand: () => this.demand,
      hasReady: () => this.hasReady,
      begun: () => this.begun,
      growing: () => this.growing,
      over: () => this.over,
      ready: () => {
        this.readies++;
        this.wake();
      },
      gauge: {
        cpu: () => {
          this.cpuSamples++;
          return this.load.cpu;
        },
        memory: () => this.load.memory,
      },
      timers: this.clock,
    };
  }

  get deployed(): string[] {
    return this.deploys.map((d) => d.id);
  }

  alerts(): EventDraft[] {
    return this.events.filter((e) => e.type === 'alert');
  }

  /**
   * Resolves once `ready` was called `n` times in all. The scaling calls it from the
   * deploy's continuation and notes the executor idle right after, in the same turn, so
   * by the time this resolves the idle timer is set.
   */
  readied(n: number): Promise<void> {
    return this.until(() => this.readies >= n);
  }

  failedStarts(n: number): Promise<void> {
    return this.until(() => this.failed.length >= n);
  }

  /** Starts the pending deploys and waits until the scaling has heard of each. */
  async startAll(): Promise<AgentHandle[]> {
    const started = this.deploys.filter((d) => !this.live.some((h) => h.id === d.id)).map((d) => d.succeed());
    await this.readied(this.readies + started.length);
    return started;
  }

  private until(done: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (done()) resolve();
        else this.waiters.push(check);
      };
      check();
    });
  }

  private wake(): void {
    for (const check of this.waiters.splice(0)) check();
  }
}

describe('coordinator/executorScaling', () => {
  describe('startInitial', () => {
    for (const [ready, expected] of [
      [0, 2],
      [3, 3],
      [9, 5],
    ] as const) {
      it(`starts ${expected} executors for ${ready} ready tasks with min 2, max 5`, () => {
        const w = new World();
        new ExecutorScaling(w.deps({ min: 2, max: 5 })).startInitial(ready);
        assert.deepEqual(w.deployed, Array.from({ length: expected }, (_, i) => `executor-${i + 1}`));
      });
    }

    it('numbers on from the executor ids a resumed session used', () => {
      const w = new World();
      new ExecutorScaling(w.deps({ min: 1, max: 4 }), ['executor-3', 'git', 'executor-1', 'quality-executor-9']).startInitial(2);
      assert.deepEqual(w.deployed, ['executor-4', 'executor-5']);
    });
  });

  describe('scale', () => {
    it('follows the demand between min and max, never past max', async () => {
      const w = new World();
      const s = new ExecutorScaling(w.deps({ min: 1, max: 4 }));
      w.demand = 0;
      s.scale();
      assert.deepEqual(w.deployed, ['executor-1'], 'min, even with nothing to do');
      await w.startAll();
      w.demand = 3;
      s.scale();
      assert.equal(w.deploys.length, 3);
      await w.startAll();
      w.demand = 10;
      s.scale();
      assert.equal(w.deploys.length, 4, 'up to max');
      await w.startAll();
      s.scale();
      assert.equal(w.deploys.length, 4);
    });

    it('counts executors on the way as live', () => {
      const w = new World();
      const s = new ExecutorScaling(w.deps({ min: 1, max: 8 }));
      w.demand = 3;
      s.scale();
      s.scale();
      assert.equal(w.deploys.length, 3, 'a second call before any is ready starts none more');
      s.replacing();
      w.demand = 4;
      s.scale();
      assert.equal(w.deploys.length, 3, 'a replacement on its way counts too');
    });

    it('adds nothing while the session does not grow', () => {
      const w = new World();
      const s = new ExecutorScaling(w.deps({ min: 2, max: 4 }));
      w.growing = false;
      w.demand = 4;
      s.scale();
      assert.equal(w.deploys.length, 0);
    });

    it('adds none under pressure once min exist, with one alert per episode', async () => {
      const w = new World();
      const s = new ExecutorScaling(w.deps({ min: 1, max: 4, ceiling: 0.8 }));
      w.demand = 1;
      s.scale();
      await w.startAll();

      w.load.memory = 0.95;
      w.demand = 3;
      s.scale();
      s.scale();
      assert.equal(w.deploys.length, 1, 'none added past the ceiling');
      assert.deepEqual(w.alerts(), [
        { type: 'alert', data: { kind: 'resource_pressure', message: 'CPU at 0%, memory at 95% (ceiling 80%): not starting more executors for now.' } },
      ]);

      w.load.memory = 0.5;
      s.scale();
      assert.equal(w.deploys.length, 3, 'grows again once the pressure eased');
      assert.equal(w.alerts().length, 1);
      await w.startAll();

      w.load.memory = 0.9;
      w.demand = 4;
      s.scale();
      assert.equal(w.deploys.length, 3);
      assert.equal(w.alerts().length, 2, 'a new episode, a new alert');
    });

    it('reaches min under pressure all the same', async () => {
      const w = new World();
      const s = new ExecutorScaling(w.deps({ min: 2, max: 4 }));
      w.load.memory = 0.99;
      w.demand = 2;
      s.scale();
      assert.equal(w.deploys.length, 2, 'with none alive, pressure is not even measured');
      const [first] = await w.startAll();
      // One of the two is lost: below min, a replacement is started despite the pressure.
      first!.retiring = true;
      s.scale();
      assert.equal(w.deploys.length, 3);
      assert.equal(w.alerts().length, 0);
    });

    it('under pressure, grows a pool below min to min and no further, and says so', async () => {
      const w = new World();
      const s = new ExecutorScaling(w.deps({ min: 2, max: 4 }));
      w.demand = 1;
      s.scale();
      const [first] = await w.startAll();
      assert.equal(w.deploys.length, 2, 'min executors to start with');
      w.load.memory = 0.99;
      w.demand = 4;
      first!.retiring = true;
      s.scale();
      assert.equal(w.deploys.length, 3, 'back to min, not to the four tasks that wait');
      assert.equal(w.alerts().length, 1);
    });

    it('samples the CPU only once a 1 s window has passed, and judges by the last sample in between', async () => {
      const w = new World();
      const s = new ExecutorScaling(w.deps({ min: 1, max: 8, ceiling: 0.8 }));
      w.load.cpu = 0.95;
      w.demand = 1;
      s.scale();
      await w.startAll();

      w.demand = 2;
      s.scale();
      assert.equal(w.cpuSamples, 0, 'no window has passed since the start');
      assert.equal(w.deploys.length, 2);
      await w.startAll();

      w.clock.advance(999);
      w.demand = 3;
      s.scale();
      assert.equal(w.cpuSamples, 0);
      assert.equal(w.deploys.length, 3);
      await w.startAll();

      w.clock.advance(1);
      w.demand = 4;
      s.scale();
      assert.equal(w.cpuSamples, 1);
      assert.equal(w.deploys.length, 3, 'the first sample is over the ceiling');

      w.load.cpu = 0.1;
      w.clock.advance(999);
      s.scale();
      assert.equal(w.cpuSamples, 1, 'inside the window the last sample stands');
      assert.equal(w.deploys.length, 3);

      w.clock.advance(1);
      s.scale();
      assert.equal(w.cpuSamples, 2);
      assert.equal(w.deploys.length, 4);
      assert.equal(w.alerts().length, 1);
    });
  });

  describe('idle executors', () => {
    it('retires an idle executor after idleMs, but not below min', async () => {
      const w = new World();
      const s = new ExecutorScaling(w.deps({ min: 1, max: 4, idleMs: 5000 }));
      s.startInitial(2);
      await w.startAll();
      assert.equal(w.clock.waiting, 2, 'each is noted idle once ready');

      w.clock.advance(4999);
      assert.deepEqual(w.retired, []);
      w.clock.advance(1);
      assert.deepEqual(w.retired, ['executor-1']);
      assert.deepEqual(w.events, [{ type: 'agent_terminated', data: { agent: 'executor-1', reason: 'scaled_down' } }]);
      assert.equal(w.clock.waiting, 0, 'executor-2 is the last one: min keeps it');
    });

    it('keeps an executor that got work before its idle time ran out', async () => {
      const w = new World();
      new ExecutorScaling(w.deps({ min: 0, max: 4, idleMs: 100 })).startInitial(1);
      const [ex] = await w.startAll();
      ex!.task = 'build';
      w.clock.advance(100);
      assert.deepEqual(w.retired, []);
      assert.equal(w.events.length, 0);
    });

    it('busy() cancels the idle timer', async () => {
      const w = new World();
      const s = new ExecutorScaling(w.deps({ min: 0, max: 4, idleMs: 100 }));
      s.startInitial(1);
      await w.startAll();
      s.busy('executor-1');
      assert.equal(w.clock.waiting, 0);
      w.clock.advance(1000);
      assert.deepEqual(w.retired, []);
    });

    it('does not count an executor idle before the ready queue exists, or while work is ready', async () => {
      const w = new World();
      const s = new ExecutorScaling(w.deps({ min: 0, max: 4, idleMs: 100 }));
      w.begun = false;
      s.startInitial(1);
      const [early] = await w.startAll();
      assert.equal(w.clock.waiting, 0, 'booted while git prepares the branch: not idle');

      w.begun = true;
      w.hasReady = true;
      s.noteIdle(early!);
      assert.equal(w.clock.waiting, 0, 'ready work is about to reach it');

      w.hasReady = false;
      s.noteIdle(early!);
      s.noteIdle(early!);
      assert.equal(w.clock.waiting, 1, 'one timer per executor');
      w.clock.advance(100);
      assert.deepEqual(w.retired, ['executor-1']);
    });

    it('retires none once the session ends', async () => {
      const w = new World();
      new ExecutorScaling(w.deps({ min: 0, max: 4, idleMs: 100 })).startInitial(2);
      await w.startAll();
      w.over = true;
      w.clock.advance(100);
      assert.deepEqual(w.retired, []);
      assert.equal(w.events.length, 0);
    });

    it('does not retire an executor already retiring', async () => {
      const w = new World();
      new ExecutorScaling(w.deps({ min: 0, max: 4, idleMs: 100 })).startInitial(2);
      const [first] = await w.startAll();
      first!.retiring = true;
      w.clock.advance(100);
      assert.deepEqual(w.retired, ['executor-2']);
    });

    it('notes a replacement idle once it is ready', () => {
      const w = new World();
      const s = new ExecutorScaling(w.deps({ min: 0, max: 4, idleMs: 100 }));
      s.replacing();
      const replacement = handle('executor-7');
      w.live.push(replacement);
      s.replaced(replacement);
      assert.equal(w.clock.waiting, 1);
      w.demand = 2;
      s.scale();
      assert.deepEqual(w.deployed, ['executor-1'], 'once ready, the replacement is no longer also on its way');
      w.clock.advance(100);
      assert.deepEqual(w.retired, ['executor-7']);
    });

    it('dispose() clears the idle timers', async () => {
      const w = new World();
      const s = new ExecutorScaling(w.deps({ min: 0, max: 4, idleMs: 100 }));
      s.startInitial(2);
      await w.startAll();
      s.dispose();
      assert.equal(w.clock.waiting, 0);
    });
  });

  it('reports a failed start, and no longer counts it as on the way', async () => {
    const w = new World();
    const s = new ExecutorScaling(w.deps({ min: 1, max: 4 }));
    s.startInitial(1);
    const boom = new Error('worker exited with code 1 before it was ready');
    w.deploys[0]!.fail(boom);
    await w.failedStarts(1);
    assert.deepEqual(w.failed, [{ id: 'executor-1', err: boom }]);
    w.demand = 1;
    s.scale();
    assert.deepEqual(w.deployed, ['executor-1', 'executor-2'], 'the next one gets a new id');
  });
});
