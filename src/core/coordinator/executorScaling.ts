// How many executors run: as many as the work wants, between the milestone's min and max,
// none added while the machine is past the resource ceiling, and idle ones retired after a
// while. The one owner of the resource-pressure check and its alert.
import { CpuSampler, memoryPressure } from '../resources';
import { realTimers, type Timers } from '../timers';

export type { Timers } from '../timers';
import type { Recorder } from './recorder';
import type { AgentHandle } from './agentPool';

export interface ResourceGauge {
  /** Busy fraction of the CPUs since the previous call. */
  cpu(): number;
  memory(): number;
}

export interface ScalingDeps {
  min: number;
  max: number;
  idleMs: number;
  /** CPU or memory fraction above which no executor is added. */
  ceiling: number;
  deploy(id: string): Promise<AgentHandle>;
  /** Executors alive and not retiring. */
  executors(): AgentHandle[];
  retire(executor: AgentHandle): void;
  recorder: Pick<Recorder, 'record'>;
  reportFailedStart(id: string, err: unknown): void;
  /** Tasks running or ready to run. */
  demand(): number;
  hasReady(): boolean;
  /** The ready queue exists: before that, an executor that has nothing to do is not idle. */
  begun(): boolean;
  /** Executors may be added (the session runs). */
  growing(): boolean;
  /** The session ends: none is retired for idleness any more. */
  over(): boolean;
  /** An executor became ready: give it work. */
  ready(): void;
  gauge?: ResourceGauge;
  timers?: Timers;
}

const SYSTEM_GAUGE = (): ResourceGauge => {
  const cpu = new CpuSampler();
  return { cpu: () => cpu.sample(), memory: memoryPressure };
};

/** CPU is judged over windows of at least this long: shorter ones mostly see workers booting. */
const CPU_WINDOW_MS = 1000;

export class ExecutorScaling {
  private seq: number;
  private spawning = 0;
  private readonly idleTimers = new Map<string, unknown>();
  private readonly gauge: ResourceGauge;
  private readonly timers: Timers;
  private lastCpu: { at: number; value: number };
  private pressureAlerted = false;

  constructor(
    private readonly deps: ScalingDeps,
    /** Executor ids already used in this session (a resume numbers on from them). */
    usedIds: Iterable<string> = [],
  ) {
    this.gauge = deps.gauge ?? SYSTEM_GAUGE();
    this.timers = deps.timers ?? realTimers;
    this.lastCpu = { at: this.timers.now(), value: 0 };
    this.seq = 0;
    for (const id of usedIds) {
      const n = /^executor-(\d+)$/.exec(id)?.[1];
      if (n) this.seq = Math.max(this.seq, Number(n));
    }
  }

  /** The first executors, started while git gets the branch ready. */
  startInitial(ready: number): void {
    const n = Math.min(this.deps.max, Math.max(this.deps.min, ready));
    for (let i = 0; i < n; i++) this.spawn();
  }

  /** Follows the demand between min and max; past the resource ceiling, not beyond min. */
  scale(): void {
    if (!this.deps.growing()) return;
    const live = this.deps.executors().length + this.spawning;
    const want = Math.min(this.deps.max, Math.max(this.deps.min, this.deps.demand()));
    if (want <= live) return;
    // Past the ceiling the pool grows to min at most: below min, waiting tasks would not run
    // at all. The first executor never waits for a measurement.
    const target = live > 0 && want > this.deps.min && this.underPressure() ? Math.max(live, this.deps.min) : want;
    for (let i = live; i < target; i++) this.spawn();
  }

  /** An executor that has nothing to do retires after `idleMs`, unless work comes or min is reached. */
  noteIdle(executor: AgentHandle): void {
    const { id } = executor;
    if (!this.deps.begun() || executor.task || this.deps.hasReady() || this.idleTimers.has(id)) return;
    this.idleTimers.set(
      id,
      this.timers.setTimeout(() => {
        this.idleTimers.delete(id);
        if (executor.task || executor.retiring || this.deps.over() || this.deps.executors().length <= this.deps.min) return;
        this.deps.recorder.record('agent_terminated', { agent: id, reason: 'scaled_down' });
        this.deps.retire(executor);
      }, this.deps.idleMs),
    );
  }

  /** The executor got work, or is gone: it is not idle. */
  busy(id: string): void {
    const t = this.idleTimers.get(id);
    if (t !== undefined) this.timers.clearTimeout(t);
    this.idleTimers.delete(id);
  }

  /** A replacement for a lost executor is starting: it counts as one on the way. */
  replacing(): void {
    this.spawning++;
  }

  replaced(executor: AgentHandle | undefined): void {
    this.spawning--;
    this.deps.ready();
    if (executor) this.noteIdle(executor);
  }

  dispose(): void {
    for (const t of this.idleTimers.values()) this.timers.clearTimeout(t);
    this.idleTimers.clear();
  }

  private spawn(): void {
    const id = `executor-${++this.seq}`;
    this.spawning++;
    this.deps.deploy(id).then(
      (executor) => {
        this.spawning--;
        this.deps.ready();
        this.noteIdle(executor);
      },
      (err: unknown) => {
        this.spawning--;
        this.deps.reportFailedStart(id, err);
      },
    );
  }

  private underPressure(): boolean {
    const { ceiling } = this.deps;
    const now = this.timers.now();
    if (now - this.lastCpu.at >= CPU_WINDOW_MS) this.lastCpu = { at: now, value: this.gauge.cpu() };
    const mem = this.gauge.memory();
    const over = this.lastCpu.value > ceiling || mem > ceiling;
    // One alert per episode: the next comes only after the pressure eased once.
    if (over && !this.pressureAlerted) {
      this.pressureAlerted = true;
      this.deps.recorder.record('alert', {
        kind: 'resource_pressure',
        message: `CPU at ${Math.round(this.lastCpu.value * 100)}%, memory at ${Math.round(mem * 100)}% (ceiling ${Math.round(ceiling * 100)}%): not starting more executors for now.`,
      });
    }
    if (!over) this.pressureAlerted = false;
    return over;
  }
}
