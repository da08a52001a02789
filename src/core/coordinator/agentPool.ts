import { Worker } from 'node:worker_threads';
import type { AgentKind, EventType, JournalEvent } from '../session/events';
import type { AgentInit, AgentToCoordinator, CoordinatorToAgent, WorkerData } from '../agents/messages';
import { SUBSCRIPTIONS } from '../agents/messages';

export interface AgentHandle {
  id: string;
  kind: AgentKind;
  worker: Worker;
  /** Set once the worker answered `ready`. */
  ready: boolean;
  startedAt: number;
  /** Executors: the task it runs. */
  task: string | undefined;
  subscriptions: ReadonlySet<EventType>;
  /** Set when the coordinator itself ends the worker, so the exit is not taken for a crash. */
  retiring: boolean;
  /** Set by the watchdog before it terminates a silent worker. */
  unresponsive: boolean;
  /** Resolves when the worker thread has exited, however that happened. */
  exited: Promise<void>;
}

export interface PoolEvents {
  message(agent: AgentHandle, message: AgentToCoordinator): void;
  /** The worker is gone without being asked to go: crashed, or killed for not answering. */
  lost(agent: AgentHandle, reason: 'crashed' | 'unresponsive', detail: string): void;
}

/**
 * Starts agent workers and watches them: every message counts as a sign of life, and a
 * worker silent for longer than `unresponsiveAfterMs` is terminated and reported lost.
 */
export class AgentPool {
  private readonly agents = new Map<string, AgentHandle>();
  private readonly watchdogs = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly workerScript: string,
    private readonly unresponsiveAfterMs: number,
    private readonly events: PoolEvents,
  ) {}

  get(id: string): AgentHandle | undefined {
    return this.agents.get(id);
  }

  all(): AgentHandle[] {
    return [...this.agents.values()];
  }

  ofKind(kind: AgentKind): AgentHandle[] {
    return this.all().filter((a) => a.kind === kind);
  }

  /** Resolves when the worker is ready (with its startup time), rejects if it dies first. */
  spawn(id: string, kind: AgentKind, init: AgentInit): Promise<{ handle: AgentHandle; startupMs: number }> {
    const started = Date.now();
    const data: WorkerData = { kind, agent: id };
    // execArgv: [] keeps loaders of the host process (tsx, an inspector) out of the workers,
    // which would otherwise boot each of them at many times the cost.
    const worker = new Worker(this.workerScript, { workerData: data, stdout: false, stderr: false, execArgv: [] });
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const handle: AgentHandle = { id, kind, worker, ready: false, startedAt: started, task: undefined, subscriptions: new Set(SUBSCRIPTIONS[kind]), retiring: false, unresponsive: false, exited };
    this.agents.set(id, handle);
    return new Promise((resolve, reject) => {
      let lastError = '';
      worker.on('message', (m: AgentToCoordinator) => {
        this.feedWatchdog(handle);
        if (m.type === 'ready' && !handle.ready) {
          handle.ready = true;
          resolve({ handle, startupMs: Date.now() - started });
          return;
        }
        if (m.type === 'heartbeat') return;
        this.events.message(handle, m);
      });
      worker.on('error', (err) => {
        lastError = err.stack ?? err.message;
      });
      worker.on('exit', (code) => {
        this.clearWatchdog(id);
        if (this.agents.get(id) === handle) this.agents.delete(id);
        if (!handle.ready) {
          reject(new Error(`agent ${id} (${kind}) exited before it was ready (code ${code})${lastError ? `: ${lastError}` : ''}`));
          return;
        }
        if (handle.retiring) return;
        if (handle.unresponsive) this.events.lost(handle, 'unresponsive', `no sign of life for ${this.unresponsiveAfterMs}ms`);
        else this.events.lost(handle, 'crashed', lastError.split('\n')[0] || `exit code ${code}`);
      });
      this.feedWatchdog(handle);
      worker.postMessage(init);
    });
  }

  send(handle: AgentHandle, message: CoordinatorToAgent): void {
    try {
      handle.worker.postMessage(message);
    } catch {
      // The worker is exiting; its exit handler reports the loss.
    }
  }

  /**
   * Also to workers still starting: their `init` went first and carried the history up to
   * here, so posting now (the port queues it) is what keeps them from missing an event.
   */
  deliver(event: JournalEvent): void {
    for (const a of this.agents.values()) if (a.subscriptions.has(event.type)) this.send(a, { type: 'event', event });
  }

  /** Ask a worker to finish its work and exit; terminate it if it has not after `graceMs`. */
  async retire(handle: AgentHandle, graceMs: number): Promise<void> {
    handle.retiring = true;
    this.clearWatchdog(handle.id);
    this.agents.delete(handle.id);
    this.send(handle, { type: 'shutdown' });
    const timer = setTimeout(() => void handle.worker.terminate(), graceMs);
    // Created at spawn, so a worker that is already gone does not leave this waiting.
    await handle.exited;
    clearTimeout(timer);
  }

  /** Hard stop, as a crash would: used for unresponsive workers (and by tests). */
  kill(handle: AgentHandle): void {
    void handle.worker.terminate();
  }

  private feedWatchdog(handle: AgentHandle): void {
    const existing = this.watchdogs.get(handle.id);
    if (existing) {
      existing.refresh();
      return;
    }
    this.watchdogs.set(
      handle.id,
      setTimeout(() => {
        this.watchdogs.delete(handle.id);
        if (handle.retiring) return;
        handle.unresponsive = true;
        void handle.worker.terminate();
      }, this.unresponsiveAfterMs),
    );
  }

  private clearWatchdog(id: string): void {
    const t = this.watchdogs.get(id);
    if (t) clearTimeout(t);
    this.watchdogs.delete(id);
  }
}
