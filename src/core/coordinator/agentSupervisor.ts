// Deploys agents, replaces the ones that crash or fall silent, keeps their records on disk
// (agents/<id>.yaml, active_agents.txt, subscriptions.txt), and refuses the events a kind
// of agent may not record. What a lost agent held is given back by the module that gave
// it the work (`recoverWith`), so this module knows no kind's business.
import { MAY_EMIT, SUBSCRIPTIONS, type AgentInit, type EmittedEvent } from '../agents/messages';
import type { AgentKind } from '../session/events';
import { agentsChangedBy, WORK_UNIT } from '../session/agentWork';
import type { AgentRecord, SessionStore } from '../session/store';
import type { AgentHandle, AgentPool } from './agentPool';
import type { Recorder } from './recorder';

export interface KindRecovery {
  /** The agent is gone: give back what it held. Returns the tasks put back in the queue. */
  lost?(agent: AgentHandle): string[];
  /** A replacement is about to start. */
  replacing?(agent: AgentHandle): void;
  /** The replacement started (its handle), or could not (undefined). */
  replaced?(agent: AgentHandle | undefined): void;
}

export interface SupervisorDeps {
  pool: AgentPool;
  recorder: Recorder;
  store: SessionStore;
  sessionId: string;
  /** The first message a new agent of this kind gets. */
  init(kind: AgentKind): AgentInit;
  /** Once the session stops, nothing is deployed or replaced. */
  stopping(): boolean;
}

export class AgentSupervisor {
  private readonly recovery = new Map<AgentKind, KindRecovery>();
  private readonly once = new Map<AgentKind, Promise<AgentHandle>>();

  constructor(private readonly deps: SupervisorDeps) {
    deps.recorder.onRecorded((e) => {
      for (const id of agentsChangedBy(e)) this.writeRecord(id);
    });
  }

  recoverWith(kind: AgentKind, recovery: KindRecovery): void {
    this.recovery.set(kind, recovery);
  }

  /** Starts an agent and registers it once it answered. */
  async deploy(kind: AgentKind, id: string): Promise<AgentHandle> {
    const { pool, recorder } = this.deps;
    const { handle, startupMs } = await pool.spawn(id, kind, this.deps.init(kind));
    if (this.deps.stopping()) {
      void pool.retire(handle, 1000);
      return handle;
    }
    recorder.record('agent_registered', { agent: id, kind, startup_ms: startupMs, subscriptions: [...SUBSCRIPTIONS[kind]] });
    void this.writeLists();
    return handle;
  }

  /**
   * The one agent of a kind whose id is its kind (all but executors): deployed on first
   * use, or now to have it ready before its work comes. A failed start is reported when
   * the work needs the agent; until then it must not go unhandled.
   */
  single(kind: Exclude<AgentKind, 'executor'>): Promise<AgentHandle> {
    const live = this.deps.pool.get(kind);
    if (live) return Promise.resolve(live);
    let p = this.once.get(kind);
    if (!p) {
      p = this.deploy(kind, kind);
      p.catch(() => undefined);
      this.once.set(kind, p);
    }
    return p;
  }

  /** Deploys a kind that watches the session, reporting a failed start as an alert. */
  watch(kind: Exclude<AgentKind, 'executor'>): void {
    this.single(kind).catch((err: unknown) => this.failedToStart(kind, err));
  }

  failedToStart(agent: string, err: unknown): void {
    this.deps.recorder.record('alert', { kind: 'agent_crashed', agent, message: `The ${agent} agent could not start: ${(err as Error).message}` });
  }

  /** Whether the agent's kind may record this event; a refusal is itself recorded. */
  mayEmit(agent: AgentHandle, ev: EmittedEvent): boolean {
    if (MAY_EMIT[agent.kind].includes(ev.type)) return true;
    this.deps.recorder.record('alert', { kind: 'agent_crashed', agent: agent.id, message: `Agent ${agent.id} tried to record a ${ev.type} event, which its kind may not; ignored.` });
    return false;
  }

  /** The agent reported that it cannot go on: end it as a crash would, so it is replaced. */
  fatal(agent: AgentHandle, message: string): void {
    this.deps.recorder.record('alert', { kind: 'agent_crashed', agent: agent.id, message: `Agent ${agent.id} reported a fatal error: ${message}` });
    this.deps.pool.kill(agent);
  }

  /** A crashed or silent agent: journal it, take back its work, and start another in its place. */
  async replace(agent: AgentHandle, reason: 'crashed' | 'unresponsive', detail: string): Promise<void> {
    const { recorder } = this.deps;
    const lostAt = Date.now();
    recorder.record('agent_terminated', { agent: agent.id, reason, detail });
    recorder.record('alert', {
      kind: reason === 'unresponsive' ? 'unresponsive_agent' : 'agent_crashed',
      agent: agent.id,
      message: reason === 'unresponsive' ? `Agent ${agent.id} stopped answering (${detail}); it is being replaced.` : `Agent ${agent.id} crashed (${detail}); it is being replaced.`,
    });
    this.once.delete(agent.kind);
    const recovery = this.recovery.get(agent.kind);
    const requeued = recovery?.lost?.(agent) ?? [];
    void this.writeLists();
    if (this.deps.stopping()) return;
    recovery?.replacing?.(agent);
    let replacement: AgentHandle | undefined;
    try {
      replacement = await this.deploy(agent.kind, agent.id);
      recorder.record('agent_recovered', { agent: agent.id, kind: agent.kind, requeued, recovery_ms: Date.now() - lostAt });
    } catch (err) {
      this.failedToStart(agent.kind, err);
    } finally {
      recovery?.replaced?.(replacement);
    }
  }

  /** `agents/<id>.yaml`: the agent's own numbers, as the journal counts them. */
  writeRecord(agentId: string): void {
    const a = this.deps.recorder.state.agents.get(agentId);
    if (!a) return;
    const busy = a.busyMs + (a.status === 'busy' && a.busySince ? Date.now() - Date.parse(a.busySince) : 0);
    const record: AgentRecord = {
      agent: { id: a.id, type: a.kind, session_id: this.deps.sessionId, status: a.status, started_at: a.registeredAt, terminated_at: a.terminatedAt },
      state: { current_task: a.currentTask, health: a.status === 'terminated' ? 'terminated' : a.restarts > 0 ? 'degraded' : 'healthy' },
      metrics: { work_done: a.workDone, work_unit: WORK_UNIT[a.kind], errors_encountered: a.errors, restarts: a.restarts, execution_time: Math.round(busy) / 1000 },
    };
    void this.deps.store.writeAgent(record);
  }

  writeRecords(): void {
    for (const id of this.deps.recorder.state.agents.keys()) this.writeRecord(id);
  }

  /** active_agents.txt and subscriptions.txt: the agents alive now and what each receives. */
  async writeLists(): Promise<void> {
    const live = this.deps.pool.all().filter((a) => !a.retiring);
    await Promise.all([
      this.deps.store.writeActiveAgents(live.map((a) => a.id)),
      this.deps.store.writeSubscriptions(new Map(live.map((a) => [a.id, [...a.subscriptions]]))),
    ]);
  }
}
