// Runs the quality gates the scheduler finds due, on the quality agent, and hands their
// results back. Which gate runs when is the scheduler's decision; the agent runs what it
// is sent, one at a time, and reports.
import type { EmittedEvent } from '../agents/messages';
import type { QualityGate } from '../milestone/model';
import type { ProcessSpec } from '../process/processSpec';
import { killGroup } from '../process/runningProcess';
import type { Recorder } from './recorder';
import type { AgentHandle, AgentPool } from './agentPool';
import type { AgentSupervisor } from './agentSupervisor';

export interface GateDeps {
  gates: readonly QualityGate[];
  pool: AgentPool;
  supervisor: AgentSupervisor;
  spec(gate: QualityGate): ProcessSpec;
  recorder: Pick<Recorder, 'record'>;
  /** The gates started and not ended (the scheduler's count). */
  running(): readonly string[];
  ended(gate: string, passed: boolean, blocking: boolean): void;
}

export class GateRunner {
  private readonly byId: ReadonlyMap<string, QualityGate>;
  /** The process group of each gate that runs. */
  private readonly pids = new Map<string, number>();

  constructor(private readonly deps: GateDeps) {
    this.byId = new Map(deps.gates.map((g) => [g.id, g]));
    // The gates of a crashed agent die with it, and its replacement runs them again.
    deps.supervisor.recoverWith('quality', {
      lost: () => {
        for (const pid of this.pids.values()) killGroup(pid, 'SIGKILL');
        this.pids.clear();
        return [];
      },
      replaced: (agent) => {
        if (agent) for (const gate of deps.running()) this.send(agent, gate);
      },
    });
  }

  /** Starts the quality agent early, so the first gate does not wait for a worker to boot. */
  prewarm(): void {
    if (this.deps.gates.length) void this.deps.supervisor.single('quality').catch(() => undefined);
  }

  run(gate: string): void {
    this.deps.supervisor.single('quality').then(
      (agent) => this.send(agent, gate),
      (err: unknown) => {
        this.deps.supervisor.failedToStart('quality', err);
        this.deps.recorder.record('quality_gate_failed', { gate, duration_ms: 0, exit_code: null, blocking: true, message: 'the quality gate agent could not start' });
        this.deps.ended(gate, false, true);
      },
    );
  }

  /** A gate's result, as the quality agent recorded it. */
  onEmitted(ev: EmittedEvent): void {
    if (ev.type === 'quality_gate_started') this.pids.set(ev.data.gate, ev.data.pid);
    if (ev.type === 'quality_gate_passed' || ev.type === 'quality_gate_failed') this.pids.delete(ev.data.gate);
    if (ev.type === 'quality_gate_passed') this.deps.ended(ev.data.gate, true, this.byId.get(ev.data.gate)?.blocking ?? true);
    else if (ev.type === 'quality_gate_failed') this.deps.ended(ev.data.gate, false, ev.data.blocking);
  }

  private send(agent: AgentHandle, id: string): void {
    const gate = this.byId.get(id);
    if (gate) this.deps.pool.send(agent, { type: 'run_gate', gate: id, blocking: gate.blocking, spec: this.deps.spec(gate) });
  }
}
