import * as path from 'node:path';
import type { AgentInit, AgentToCoordinator, EmittedEvent, GitConfig } from '../agents/messages';
import { formatDiagnostic } from '../milestone/diagnostics';
import { criticalPathLengths, buildGraph } from '../milestone/graph';
import type { Milestone, Task } from '../milestone/model';
import { killGroup } from '../process/runningProcess';
import type { AgentKind, EventData, JournalEvent } from '../session/events';
import { durationWeights } from '../session/history';
import type { JournalFailedError } from '../session/journal';
import type { SessionPaths } from '../session/layout';
import type { SessionState } from '../session/state';
import type { SessionStore } from '../session/store';
import { AgentPool, type AgentHandle } from './agentPool';
import { AgentSupervisor } from './agentSupervisor';
import { ExecutorScaling } from './executorScaling';
import { GateRunner } from './gates';
import { GitSteward } from './gitSteward';
import type { CoordinatorOptions, SessionOutcome } from './options';
import { Lifecycle } from './phase';
import { gateSpec, rollbackSpec, taskSpec, type SpecContext } from './processSpecs';
import { Recorder, type Disposable } from './recorder';
import { Scheduler, type Decision, type Outcome } from './scheduler';
import { openNewSession, openResumedSession, type HeldLocks, type OpenedSession } from './sessionOpening';

export type { CoordinatorOptions, SessionOutcome } from './options';
export { MilestoneInvalidError, PreconditionError } from './errors';
export { findResumableSession } from './sessionOpening';

type Listener<T> = (value: T) => void;

/**
 * Owns one session: routes what agents report to the module that owns the rule (the
 * scheduler decides what runs, the git steward commits, the gate runner runs gates, the
 * supervisor replaces agents, the scaling follows the work) and carries out their
 * decisions, recording each in the journal first. Holds the public controls.
 */
export class Coordinator {
  readonly done: Promise<SessionOutcome>;
  readonly milestone: Milestone;
  readonly paths: SessionPaths;
  readonly state: SessionState;
  private resolveDone!: (o: SessionOutcome) => void;
  private readonly lifecycle = new Lifecycle();
  private readonly recorder: Recorder;
  private readonly pool: AgentPool;
  private readonly supervisor: AgentSupervisor;
  private readonly scheduler: Scheduler;
  private readonly scaling: ExecutorScaling;
  private readonly git: GitSteward;
  private readonly gates: GateRunner;
  private readonly store: SessionStore;
  private readonly locks: HeldLocks;
  private readonly tasks: ReadonlyMap<string, Task>;
  private readonly specContext: SpecContext;
  /** Where each running task runs: its executor, and its process group once started. */
  private readonly running = new Map<string, { agent: string; pid: number }>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private readonly outputListeners = new Set<Listener<{ task: string; line: string }>>();
  private rollbackWaiter: ((ok: boolean) => void) | undefined;
  private closing: Promise<void> | undefined;
  /** False once the lock is lost: the session's files may be another coordinator's then. */
  private ownsFiles = true;
  private readonly startedAt = Date.now();

  /** Validates the milestone, creates a session, and starts running it. */
  static async start(file: string, options: CoordinatorOptions): Promise<Coordinator> {
    return Coordinator.begin(await openNewSession(file, options), options);
  }

  /** Takes over an interrupted (or failed) session; see `openResumedSession`. */
  static async resume(workspace: string, sessionId: string | undefined, options: CoordinatorOptions): Promise<Coordinator> {
    return Coordinator.begin(await openResumedSession(workspace, sessionId, options), options);
  }

  private static begin(opened: OpenedSession, options: CoordinatorOptions): Coordinator {
    const c = new Coordinator(opened, options);
    void c.run();
    return c;
  }

  private constructor(
    opened: OpenedSession,
    private readonly options: CoordinatorOptions,
  ) {
    const { milestone, paths, state, journal, store, executors } = opened;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.milestone = milestone;
    this.paths = paths;
    this.state = state;
    this.store = store;
    this.locks = opened.locks;
    this.tasks = new Map(milestone.tasks.map((t) => [t.id, t]));
    this.specContext = { milestone, workspace: paths.workspace, paths, sessionId: paths.sessionId, graceMs: options.graceMs ?? 5000, env: options.env ?? process.env, ...(options.profiles ? { profiles: options.profiles } : {}) };
    this.pool = new AgentPool(options.workerScript, options.unresponsiveAfterMs ?? 10_000, {
      message: (agent, m) => this.onAgentMessage(agent, m),
      lost: (agent, reason, detail) => void this.supervisor.replace(agent, reason, detail),
    });
    this.recorder = new Recorder(journal, state, opened.history, (e) => this.pool.deliver(e));
    this.supervisor = new AgentSupervisor({ pool: this.pool, recorder: this.recorder, store, sessionId: paths.sessionId, init: (kind) => this.initFor(kind), stopping: () => this.lifecycle.stopping });
    // A resume's first event puts interrupted tasks back to pending: the scheduler starts from there.
    for (const e of opened.opening) this.recorder.recordDraft(e);
    this.scheduler = Scheduler.fromState(
      {
        tasks: milestone.tasks,
        gates: milestone.quality,
        priority: criticalPathLengths(buildGraph(milestone.tasks), durationWeights(opened.estimates)),
        onFailure: options.failFast ? 'stop' : milestone.onFailure,
        retryBaseMs: options.retryBaseMs ?? 1000,
      },
      state,
    );
    this.scaling = new ExecutorScaling(
      {
        ...executors,
        idleMs: options.idleExecutorMs ?? 5000,
        ceiling: options.resourceCeiling ?? 0.8,
        deploy: (id) => this.supervisor.deploy('executor', id),
        executors: () => this.pool.ofKind('executor').filter((e) => !e.retiring),
        retire: (ex) => void this.pool.retire(ex, 2000).then(() => this.supervisor.writeLists()),
        record: (type, data) => this.recorder.record(type, data),
        reportFailedStart: (id, err) => this.supervisor.failedToStart(id, err),
        demand: () => this.scheduler.demand,
        hasReady: () => this.scheduler.readyCount > 0,
        begun: () => this.scheduler.started,
        growing: () => this.lifecycle.running,
        over: () => this.lifecycle.over,
        ready: () => this.dispatch(),
      },
      state.agents.keys(),
    );
    this.git = new GitSteward({ milestone, workspace: paths.workspace, config: this.gitConfig(), pool: this.pool, supervisor: this.supervisor, record: (type, data) => this.recorder.record(type, data), committed: (task) => this.released(task) });
    this.gates = new GateRunner({
      gates: milestone.quality,
      pool: this.pool,
      supervisor: this.supervisor,
      spec: (gate) => gateSpec(this.specContext, gate),
      record: (type, data) => this.recorder.record(type, data),
      running: () => this.scheduler.runningGates(),
      ended: (gate, passed, blocking) => {
        this.apply(this.scheduler.gateEnded(gate, passed, blocking));
        this.settle();
      },
    });
    this.supervisor.recoverWith('executor', {
      lost: (agent) => this.executorLost(agent),
      replacing: () => this.scaling.replacing(),
      replaced: (ex) => this.scaling.replaced(ex),
    });
    this.supervisor.recoverWith('workflow', { lost: () => (this.rollbackDone(false), []) });
    journal.onFailure((err: JournalFailedError) => void this.halt(err.message));
    store.onError((file, err) => {
      this.recorder.record('alert', { kind: 'resource_pressure', message: `Could not write ${path.relative(paths.workspace, file)}: ${(err as Error).message}. The journal is unaffected.` });
    });
    opened.lockLoss.bind((err) => void this.onLockLost(err));
  }

  private async run(): Promise<void> {
    try {
      await this.writeSessionRecord();
      this.supervisor.watch('monitor');
      this.supervisor.watch('validator');
      this.gates.prewarm();
      // Executors start while git gets the branch ready: both take tens of milliseconds.
      this.scaling.startInitial(this.scheduler.initiallyReady());
      if (this.git.wanted) {
        const prepared = await this.git.prepare();
        if (!prepared.ok) {
          await this.stop('stopped', prepared.error);
          return;
        }
        if (this.git.active && this.milestone.type === 'development') this.supervisor.watch('safety');
      }
      if (this.lifecycle.over) return;
      this.apply(this.scheduler.begin());
      if (this.lifecycle.phase === 'starting') this.lifecycle.to('running');
      this.dispatch();
      for (const ex of this.pool.ofKind('executor')) this.scaling.noteIdle(ex);
      this.settle();
    } catch (err) {
      this.recorder.record('alert', { kind: 'agent_crashed', message: `The coordinator could not start the session: ${(err as Error).message}` });
      await this.stop('stopped', (err as Error).message);
    }
  }

  // ---------------------------------------------------------------- public controls

  get sessionId(): string {
    return this.paths.sessionId;
  }

  get isPaused(): boolean {
    return this.lifecycle.phase === 'paused';
  }

  /** Events as they become durable, in order. */
  onEvent(listener: Listener<JournalEvent>): Disposable {
    return this.recorder.onEvent(listener);
  }

  /** The latest output line of running tasks (sampled; the log has everything). */
  onOutput(listener: Listener<{ task: string; line: string }>): Disposable {
    this.outputListeners.add(listener);
    return { dispose: () => this.outputListeners.delete(listener) };
  }

  /** Every durable event so far; later ones reach `onEvent`, so each is seen once. */
  history(): readonly JournalEvent[] {
    return this.recorder.history();
  }

  pause(reason = 'paused by the user', by: EventData['session_paused']['by'] = 'user'): void {
    if (!this.lifecycle.can('paused')) return;
    this.lifecycle.to('paused');
    this.recorder.record('session_paused', { reason, by });
    void this.writeSessionRecord();
    this.settle();
  }

  resume(): void {
    if (this.lifecycle.phase !== 'paused') return;
    this.lifecycle.to('running');
    this.recorder.record('session_resumed', { by: 'user', pid: process.pid, requeued: [], reset: [] });
    void this.writeSessionRecord();
    this.dispatch();
    this.settle();
  }

  /** Cancel one task: a running one is killed (its whole process tree), a waiting one dropped. */
  cancelTask(id: string, reason = 'cancelled by the user'): boolean {
    if (this.lifecycle.phase === 'closed' || !this.tasks.has(id)) return false;
    const decisions = this.scheduler.cancel(id, reason);
    if (!decisions) return false;
    this.clearRetryTimer(id);
    this.apply(decisions);
    this.dispatch();
    this.settle();
    return true;
  }

  /** Run a failed, cancelled or skipped task again, and put back the dependents it blocked. */
  retryTask(id: string): boolean {
    if (this.lifecycle.over) return false;
    const decisions = this.scheduler.retry(id);
    if (!decisions) return false;
    this.apply(decisions);
    this.dispatch();
    return true;
  }

  /** Stop gracefully: running tasks are killed, the session is left resumable. */
  async stop(reason: EventData['session_interrupted']['reason'] = 'stopped', detail?: string): Promise<SessionOutcome> {
    const phase = this.lifecycle.phase;
    if (phase !== 'starting' && phase !== 'running' && phase !== 'paused') return this.done;
    this.lifecycle.to('stopping');
    this.clearRetryTimers();
    this.apply(this.scheduler.stop());
    await this.waitForRunningToEnd(this.specContext.graceMs + 2000);
    await this.windDown();
    this.recorder.record('session_interrupted', { reason, ...(detail ? { detail } : {}) });
    await this.close('interrupted', 3, detail ?? reason);
    return this.done;
  }

  /** Terminates an agent's worker as a crash would (the agent is then replaced). */
  killAgent(agentId: string): boolean {
    const a = this.pool.get(agentId);
    if (!a) return false;
    this.pool.kill(a);
    return true;
  }

  agentIds(): string[] {
    return this.pool.all().map((a) => a.id);
  }

  // ---------------------------------------------------------------- routing

  private onAgentMessage(agent: AgentHandle, m: AgentToCoordinator): void {
    switch (m.type) {
      case 'task_started': {
        const run = this.running.get(m.task);
        if (!run || run.agent !== agent.id) return;
        run.pid = m.pid;
        const task = this.tasks.get(m.task);
        this.recorder.record('task_started', { task: m.task, agent: agent.id, attempt: m.attempt, pid: m.pid, command: task?.agent ? `${task.agent}: ${task.prompt ?? ''}` : (task?.run ?? '') });
        return;
      }
      case 'task_output':
        for (const l of this.outputListeners) l({ task: m.task, line: m.line });
        for (const mon of this.pool.ofKind('monitor')) this.pool.send(mon, { type: 'activity', task: m.task });
        return;
      case 'task_exit':
        this.onTaskExit(agent, m);
        return;
      case 'git_prepared':
      case 'git_done':
        this.git.onReply(m, agent);
        return;
      case 'rollback_done':
        this.rollbackDone(m.ok);
        return;
      case 'emit':
        if (this.supervisor.mayEmit(agent, m.event) && this.recorder.recordDraft(m.event)) this.onEmitted(m.event);
        return;
      case 'fatal':
        this.supervisor.fatal(agent, m.message);
        return;
      default:
        return;
    }
  }

  private onEmitted(ev: EmittedEvent): void {
    switch (ev.type) {
      case 'git_conflict':
        this.pause(`git conflict: ${ev.data.detail}`, 'git_conflict');
        return;
      case 'dependency_issues': {
        if (!ev.data.critical || ev.data.source === 'start') return;
        const first = ev.data.issues.find((d) => d.severity === 'error');
        this.pause(`dependency issue: ${first ? formatDiagnostic(first) : 'see the Problems panel'}`, 'dependency_issues');
        return;
      }
      default:
        this.gates.onEmitted(ev);
    }
  }

  private onTaskExit(agent: AgentHandle, m: Extract<AgentToCoordinator, { type: 'task_exit' }>): void {
    const run = this.running.get(m.task);
    if (!run || run.agent !== agent.id) return;
    this.running.delete(m.task);
    agent.task = undefined;
    this.recorder.record('agent_state_changed', { agent: agent.id, status: 'idle', current_task: null });
    this.apply(this.scheduler.exited({ task: m.task, agent: agent.id, attempt: m.attempt, outcome: m.outcome, exitCode: m.exitCode, signal: m.signal, durationMs: m.durationMs, message: m.message }));
    // A commit per task holds that task's work: what follows it starts once it is
    // committed, or the commit would sweep up the first files its dependents write.
    if (this.scheduler.statusOf(m.task) === 'completed' && !this.git.commitTask(this.tasks.get(m.task)!)) this.released(m.task);
    this.dispatch();
    this.scaling.noteIdle(agent);
    this.settle();
  }

  private released(task: string): void {
    this.apply(this.scheduler.release(task));
    this.dispatch();
    this.settle();
  }

  private executorLost(agent: AgentHandle): string[] {
    this.scaling.busy(agent.id);
    const task = agent.task;
    if (!task) return [];
    const run = this.running.get(task);
    this.running.delete(task);
    if (run?.pid) killGroup(run.pid, 'SIGKILL');
    const decisions = this.scheduler.lost(task);
    this.apply(decisions);
    return decisions.length ? [task] : [];
  }

  // ---------------------------------------------------------------- doing what the scheduler decided

  private apply(decisions: readonly Decision[]): void {
    for (const d of decisions) {
      switch (d.kind) {
        case 'record':
          this.recorder.recordDraft(d.event);
          break;
        case 'wake':
          this.retryTimers.set(
            d.task,
            setTimeout(() => {
              this.retryTimers.delete(d.task);
              this.apply(this.scheduler.retryDue(d.task));
              this.dispatch();
            }, d.afterMs),
          );
          break;
        case 'cancel': {
          const run = this.running.get(d.task);
          const agent = run && this.pool.get(run.agent);
          if (agent) this.pool.send(agent, { type: 'cancel_task', task: d.task, reason: d.reason });
          break;
        }
        case 'run_gate':
          this.gates.run(d.gate);
          break;
      }
    }
  }

  /** Idle executors take the best ready tasks; the pool grows with what is left. */
  private dispatch(): void {
    if (!this.lifecycle.running) return;
    for (const ex of this.pool.ofKind('executor')) {
      if (this.scheduler.readyCount === 0) break;
      if (!ex.ready || ex.task || ex.retiring) continue;
      const next = this.scheduler.take();
      if (!next) break;
      const task = this.tasks.get(next.task)!;
      this.scaling.busy(ex.id);
      ex.task = task.id;
      this.running.set(task.id, { agent: ex.id, pid: 0 });
      this.recorder.record('agent_state_changed', { agent: ex.id, status: 'busy', current_task: task.id });
      this.pool.send(ex, { type: 'run_task', task: task.id, attempt: next.attempt, spec: taskSpec(this.specContext, task, next.attempt) });
    }
    this.scaling.scale();
  }

  /** The end: finish when the scheduler says the milestone is over; when paused, maybe stop. */
  private settle(): void {
    if (!this.scheduler.started) return;
    if (this.lifecycle.phase === 'paused') {
      if (this.options.exitWhenPaused && this.scheduler.idle) void this.stop('paused', this.state.pauseReason ?? 'paused');
      return;
    }
    if (!this.lifecycle.running) return;
    const verdict = this.scheduler.verdict();
    this.apply(verdict.decisions);
    if (verdict.kind === 'done') void this.finish(verdict.outcome);
  }

  // ---------------------------------------------------------------- ending

  private async finish(outcome: Outcome): Promise<void> {
    this.lifecycle.to('finishing');
    const durationMs = Date.now() - Date.parse(this.state.startedAt ?? new Date(this.startedAt).toISOString());
    if (outcome.ok) {
      await this.git.finish(`${this.milestone.id}: ${this.milestone.title.replace(/\s+/g, ' ').trim()} (milestone complete)`);
      await this.windDown();
      this.recorder.record('milestone_completed', { duration_ms: durationMs, tasks: this.milestone.tasks.length });
      await this.close('completed', 0, outcome.reason);
      return;
    }
    if (this.options.rollback) await this.rollback();
    await this.windDown();
    this.recorder.record('milestone_failed', { duration_ms: durationMs, failed: outcome.failed, skipped: outcome.notRun, gates_failed: outcome.gatesFailed, reason: outcome.reason });
    await this.close('failed', 1, outcome.reason);
  }

  /** The workflow agent undoes the completed tasks that have a `rollback`, in the order it decides. */
  private async rollback(): Promise<void> {
    const steps = this.milestone.tasks.filter((t) => t.rollback !== undefined && this.scheduler.statusOf(t.id) === 'completed').map((t) => ({ task: t.id, spec: rollbackSpec(this.specContext, t) }));
    if (!steps.length) return;
    // The agent reads the completion order from its history: all of it must be on disk.
    await this.recorder.drain();
    const agent = await this.supervisor.single('workflow');
    const done = new Promise<boolean>((resolve) => (this.rollbackWaiter = resolve));
    this.pool.send(agent, { type: 'rollback', steps });
    await done;
  }

  private rollbackDone(ok: boolean): void {
    this.rollbackWaiter?.(ok);
    this.rollbackWaiter = undefined;
  }

  /**
   * Lets every agent but the monitor finish what it was doing (a commit in progress, a
   * safety check) and stop, so all they have to say is journaled before the terminal event:
   * the journal's last line says how the session ended. The monitor stays to see that line.
   */
  private async windDown(): Promise<void> {
    await Promise.all(this.pool.all().filter((a) => a.kind !== 'monitor').map((a) => this.pool.retire(a, 3000)));
  }

  private async waitForRunningToEnd(timeoutMs: number): Promise<void> {
    if (this.running.size === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        for (const run of this.running.values()) if (run.pid) killGroup(run.pid, 'SIGKILL');
        resolve();
      }, timeoutMs);
      const check = this.onEvent(() => {
        if (this.running.size > 0) return;
        clearTimeout(timer);
        check.dispose();
        resolve();
      });
    });
  }

  /**
   * proper-lockfile could not keep a lock fresh (its folder was removed, or the process
   * stalled past the staleness timeout): another coordinator may own the session now, so
   * this one writes nothing more. It kills what it runs and ends as interrupted.
   */
  private async onLockLost(err: Error): Promise<void> {
    if (this.lifecycle.phase === 'closed' || !this.ownsFiles) return;
    this.ownsFiles = false;
    this.recorder.seal('the lock was lost');
    process.emitWarning(`milestone-agents: session ${this.sessionId}: lock lost (${err.message}); stopping without writing more.`);
    await this.halt(`The lock of session ${this.sessionId} was lost (${err.message}): another process may have taken it over. Nothing more was written; look at the session's status before resuming it.`);
  }

  /** Nothing more can be recorded, so nothing more may happen: kill what runs and stop. */
  private async halt(reason: string): Promise<void> {
    if (this.lifecycle.phase === 'closed') return;
    if (this.lifecycle.phase !== 'stopping') this.lifecycle.to('stopping');
    this.recorder.seal('the session halted');
    for (const run of this.running.values()) if (run.pid) killGroup(run.pid, 'SIGKILL');
    this.clearRetryTimers();
    await Promise.all(this.pool.all().map((a) => this.pool.retire(a, 1000)));
    await this.close('interrupted', 3, reason);
  }

  private close(status: SessionOutcome['status'], exitCode: SessionOutcome['exitCode'], reason: string): Promise<void> {
    this.closing ??= this.closeOnce(status, exitCode, reason);
    return this.closing;
  }

  private async closeOnce(status: SessionOutcome['status'], exitCode: SessionOutcome['exitCode'], reason: string): Promise<void> {
    this.scaling.dispose();
    this.clearRetryTimers();
    // Every event reaches its subscribers before they are asked to shut down.
    await this.recorder.drain();
    await new Promise((resolve) => setImmediate(resolve));
    // The terminal event already says every agent ends with the session (the replay marks
    // them terminated), so the journal's last line stays the one that says how it ended.
    await Promise.all(this.pool.all().map((a) => this.pool.retire(a, 3000)));
    this.lifecycle.to('closed');
    this.recorder.seal('the session closed');
    if (this.ownsFiles) {
      this.supervisor.writeRecords();
      await Promise.all([this.recorder.drain(), this.writeSessionRecord().catch(() => undefined), this.supervisor.writeLists().catch(() => undefined)]);
      await this.store.flush();
    }
    await this.recorder.close();
    await this.locks.release();
    this.resolveDone({ sessionId: this.sessionId, status, exitCode, reason });
  }

  // ---------------------------------------------------------------- small pieces

  private clearRetryTimer(task: string): void {
    const t = this.retryTimers.get(task);
    if (t) clearTimeout(t);
    this.retryTimers.delete(task);
  }

  private clearRetryTimers(): void {
    for (const t of this.retryTimers.values()) clearTimeout(t);
    this.retryTimers.clear();
  }

  private initFor(kind: AgentKind): AgentInit {
    // These kinds keep a model of the session: a replacement rebuilds it from the journal.
    const needsHistory = kind === 'monitor' || kind === 'validator' || kind === 'safety' || kind === 'workflow';
    return {
      type: 'init',
      session: { id: this.sessionId, workspace: this.paths.workspace, dir: this.paths.dir, milestoneFile: this.milestone.file, milestoneId: this.milestone.id },
      heartbeatMs: this.options.heartbeatMs ?? 2000,
      ...(needsHistory ? { history: [...this.recorder.history()] } : {}),
      settings: {
        stallAfterMs: this.options.stallAfterMs ?? this.milestone.stallAfterMs,
        complexity: this.milestone.complexity,
        maxExecutors: Math.max(1, this.options.executors ?? this.milestone.executors.max),
        ...(this.options.profiles ? { profiles: this.options.profiles } : {}),
        git: this.gitConfig(),
      },
    };
  }

  private gitConfig(): GitConfig {
    const m = this.milestone;
    return {
      ...(this.options.gitBinary ? { binary: this.options.gitBinary } : {}),
      ...(this.options.gitRepository ? { repository: this.options.gitRepository } : {}),
      branch: m.branch,
      autoCommit: this.options.autoCommit ?? m.git.autoCommit,
      threshold: m.git.threshold,
      push: m.git.push,
      allowDirty: this.options.allowDirty === true,
      milestoneId: m.id,
      ...(this.state.baseCommit ? { baseCommit: this.state.baseCommit } : {}),
    };
  }

  private writeSessionRecord(): Promise<void> {
    const s = this.state;
    return this.store.writeSession({
      session: {
        id: this.sessionId,
        milestone_id: this.milestone.id,
        milestone_file: this.milestone.file,
        status: s.status,
        started_at: s.startedAt ?? new Date(this.startedAt).toISOString(),
        updated_at: new Date().toISOString(),
        ended_at: s.endedAt,
        pid: process.pid,
        workspace: this.paths.workspace,
      },
    });
  }
}
