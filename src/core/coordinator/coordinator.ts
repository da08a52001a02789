// One session's coordinator. Over 400 lines because it is where the session's modules are
// wired together (the constructor) and where their decisions are carried out; each rule
// lives in the module that owns it (scheduler, gitSteward, mergeDesk, agentDesk, overlapWatch, gates,
// agentSupervisor, executorScaling, taskDispatch, sessionEnding), not here.
import * as path from 'node:path';
import type { AgentToCoordinator, EmittedEvent } from '../agents/messages';
import type { Milestone, Task } from '../milestone/model';
import type { EventData, JournalEvent, MergeResolution } from '../session/events';
import type { JournalFailedError } from '../session/journal';
import type { SessionPaths } from '../session/layout';
import type { SessionState } from '../session/state';
import { sessionRecordOf, type SessionStore } from '../session/store';
import { AgentPool, type AgentHandle } from './agentPool';
import { agentInit, gitConfig } from './agentSettings';
import { AgentSupervisor } from './agentSupervisor';
import { ExecutorScaling } from './executorScaling';
import { GateRunner } from './gates';
import { OverlapWatch } from './overlapWatch';
import { GitSteward } from './gitSteward';
import { MergeDesk } from './mergeDesk';
import type { CoordinatorOptions, ResolveAnswer, SessionOutcome } from './options';
import { Lifecycle, pauseFor } from './phase';
import { gateSpec, rollbackSpec, taskSpec, type SpecContext } from './processSpecs';
import { AgentDesk } from './agentDesk';
import { Recorder, type Disposable } from './recorder';
import { schedulePlan, Scheduler, type Decision } from './scheduler';
import { SessionEnding } from './sessionEnding';
import { openNewSession, openResumedSession, type OpenedSession } from './sessionOpening';
import { TaskDispatch } from './taskDispatch';
import { KeyedTimers } from '../keyedTimers';

export type { CoordinatorOptions, ResolveAnswer, SessionOutcome } from './options';
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
  private readonly tasks: ReadonlyMap<string, Task>;
  private readonly specContext: SpecContext;
  private readonly dispatcher: TaskDispatch;
  private readonly ending: SessionEnding;
  private readonly overlaps: OverlapWatch;
  private readonly merges: MergeDesk;
  private readonly agents: AgentDesk;
  private readonly wakes = new KeyedTimers<string>();
  private readonly outputListeners = new Set<Listener<{ task: string; line: string }>>();
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
    this.tasks = new Map(milestone.tasks.map((t) => [t.id, t]));
    this.specContext = { milestone, workspace: paths.workspace, paths, sessionId: paths.sessionId, graceMs: options.graceMs ?? 5000, env: options.env ?? process.env, ...(options.profiles ? { profiles: options.profiles } : {}), shared: () => this.git.sharedWorkspace };
    this.pool = new AgentPool(options.workerScript, options.unresponsiveAfterMs ?? 10_000, {
      message: (agent, m) => this.onAgentMessage(agent, m),
      lost: (agent, reason, detail) => void this.supervisor.replace(agent, reason, detail),
    });
    this.recorder = new Recorder(journal, state, opened.history, (e) => this.pool.deliver(e));
    const git = gitConfig(milestone, options, state.baseCommit, opened.worktrees);
    // The limits the session opened with (options over the file): one rule, in sessionOpening.
    const init = { milestone, options, paths, git, maxExecutors: executors.max, history: () => this.recorder.history() };
    this.supervisor = new AgentSupervisor({ pool: this.pool, recorder: this.recorder, store, sessionId: paths.sessionId, init: (kind) => agentInit(kind, init), stopping: () => this.lifecycle.stopping });
    // A resume's first event puts interrupted tasks back to pending: the scheduler starts from there.
    for (const e of opened.opening) this.recorder.recordDraft(e);
    this.scheduler = Scheduler.fromState(schedulePlan(milestone, opened.estimates, options), state);
    this.scaling = new ExecutorScaling(
      {
        ...executors,
        idleMs: options.idleExecutorMs ?? 5000,
        ceiling: options.resourceCeiling ?? 0.8,
        deploy: (id) => this.supervisor.deploy('executor', id),
        executors: () => this.pool.ofKind('executor').filter((e) => !e.retiring),
        retire: (ex) => void this.pool.retire(ex, 2000).then(() => this.supervisor.writeLists()),
        recorder: this.recorder,
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
    this.agents = new AgentDesk({
      milestone,
      shownFile: path.relative(paths.workspace, milestone.file) || milestone.file,
      state,
      recorder: this.recorder,
      maxExecutors: executors.max,
      ...(options.profiles ? { profiles: options.profiles } : {}),
      env: this.specContext.env,
      running: () => this.runningAgents(),
      pause: (reason) => this.pause(reason, 'budget'),
    });
    this.dispatcher = new TaskDispatch({
      pool: this.pool,
      recorder: this.recorder,
      scheduler: this.scheduler,
      tasks: this.tasks,
      prepare: async (task, attempt) => {
        const place = await this.git.workplace(task);
        if ('error' in place) return place;
        const prompt = this.merges.promptFor(task.id);
        const current = task.agent ? await this.agents.current(task) : task;
        const conversation = task.agent ? await this.agents.conversation(current, attempt, prompt !== undefined) : undefined;
        if (conversation && 'error' in conversation) return conversation;
        return taskSpec(this.specContext, current, attempt, { ...place, ...(prompt !== undefined ? { prompt } : {}), ...(conversation ? { conversation } : {}) });
      },
      mayStart: (task) => this.git.mayStart(task) && this.agents.mayStart(task),
      busy: (id) => this.scaling.busy(id),
      onExit: (agent, m) => this.onTaskExit(agent, m),
    });
    this.git = new GitSteward({
      milestone,
      workspace: paths.workspace,
      config: git,
      pool: this.pool,
      supervisor: this.supervisor,
      recorder: this.recorder,
      state,
      committed: (task) => this.released(task),
      mergeEnded: (task, outcome) => this.merges.ended(task, outcome),
      integrationFree: () => this.dispatch(),
      integrationBusy: () => this.scheduler.runningGates().length > 0 || [...this.dispatcher.runningTasks()].some((t) => !this.git.isolated(this.tasks.get(t)!)),
    });
    this.merges = new MergeDesk({
      tasks: this.tasks,
      scheduler: this.scheduler,
      git: this.git,
      milestoneBranch: milestone.branch,
      over: () => this.lifecycle.over,
      apply: (decisions) => this.apply(decisions),
      moved: () => {
        this.dispatch();
        this.settle();
      },
    });
    this.overlaps = new OverlapWatch({
      changedFiles: (task) => this.git.changedFiles(task),
      running: () => [...this.dispatcher.runningTasks()].filter((t) => this.git.isolated(this.tasks.get(t)!)),
      alert: (data) => this.recorder.record('alert', data),
      now: () => Date.now(),
      intervalMs: options.overlapCheckMs ?? 2000,
    });
    this.gates = new GateRunner({
      gates: milestone.quality,
      pool: this.pool,
      supervisor: this.supervisor,
      spec: (gate) => gateSpec(this.specContext, gate),
      recorder: this.recorder,
      running: () => this.scheduler.runningGates(),
      ended: (gate, passed, blocking) => {
        this.apply(this.scheduler.gateEnded(gate, passed, blocking));
        this.git.pump();
        this.settle();
      },
    });
    this.supervisor.recoverWith('executor', {
      lost: (agent) => this.executorLost(agent),
      replacing: () => this.scaling.replacing(),
      replaced: (ex) => this.scaling.replaced(ex),
    });
    this.ending = new SessionEnding({
      milestone,
      lifecycle: this.lifecycle,
      recorder: this.recorder,
      pool: this.pool,
      supervisor: this.supervisor,
      git: this.git,
      dispatcher: this.dispatcher,
      store,
      locks: opened.locks,
      rollbackSteps: () => (options.rollback ? milestone.tasks.filter((t) => t.rollback !== undefined && this.scheduler.statusOf(t.id) === 'completed').map((t) => ({ task: t.id, spec: rollbackSpec(this.specContext, t) })) : []),
      quiesce: () => {
        this.scaling.dispose();
        this.wakes.cancelAll();
      },
      writeSessionRecord: () => this.writeSessionRecord(),
      ended: (outcome) => this.resolveDone(outcome),
    });
    journal.onFailure((err: JournalFailedError) => void this.ending.halt(err.message));
    store.onError((file, err) => {
      this.recorder.record('alert', { kind: 'resource_pressure', message: `Could not write ${path.relative(paths.workspace, file)}: ${(err as Error).message}. The journal is unaffected.` });
    });
    opened.lockLoss.bind((err) => void this.ending.lockLost(paths.sessionId, err));
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
      // A resumed session whose budget is still spent pauses at once, saying so.
      this.agents.checkBudget();
      // Results of an interrupted session that never reached the branch merge first.
      this.git.takeOver(this.scheduler.heldTasks().filter((t) => this.scheduler.statusOf(t) === 'completed'));
      for (const r of this.options.resolutions ?? []) {
        const answer = await this.resolveMerge(r.task, r.how);
        if (!answer.ok) this.recorder.record('alert', { kind: 'resolution_refused', message: answer.message, task: r.task });
      }
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
    void this.agents.goingOn().then(() => {
      this.dispatch();
      this.settle();
    });
  }

  /** Cancel one task: a running one is killed (its whole process tree), a waiting one dropped. */
  cancelTask(id: string, reason = 'cancelled by the user'): boolean {
    if (this.lifecycle.phase === 'closed' || !this.tasks.has(id)) return false;
    const decisions = this.scheduler.cancel(id, reason);
    if (!decisions) return false;
    this.wakes.cancel(id);
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
    this.agents.retrying(id);
    this.apply(decisions);
    this.dispatch();
    return true;
  }

  /** Stop gracefully: running tasks are killed, the session is left resumable. */
  async stop(reason: EventData['session_interrupted']['reason'] = 'stopped', detail?: string): Promise<SessionOutcome> {
    const phase = this.lifecycle.phase;
    if (phase !== 'starting' && phase !== 'running' && phase !== 'paused') return this.done;
    this.lifecycle.to('stopping');
    this.wakes.cancelAll();
    this.apply(this.scheduler.stop());
    await this.ending.interrupt(reason, detail, this.specContext.graceMs + 2000);
    return this.done;
  }

  /**
   * Resolves a task that needs a merge (`by_hand`: its conflict was resolved in its
   * worktree; `agent`: run its agent again to resolve it; `discard`) or waits for review
   * (`approve`, `reject`). Refused, with the reason, when the task is not in that state.
   */
  resolveMerge(task: string, how: MergeResolution): Promise<ResolveAnswer> {
    return this.merges.resolve(task, how);
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
      case 'task_started':
        this.dispatcher.started(agent, m);
        return;
      case 'task_output':
        for (const l of this.outputListeners) l({ task: m.task, line: m.line });
        if (this.git.isolated(this.tasks.get(m.task)!)) this.overlaps.activity(m.task);
        for (const mon of this.pool.ofKind('monitor')) this.pool.send(mon, { type: 'activity', task: m.task });
        return;
      case 'task_exit':
        this.onTaskExit(agent, m);
        return;
      case 'agent_signal':
        if (agent.task !== m.task) return;
        this.agents.reported(m);
        return;
      case 'git_prepared':
      case 'git_done':
      case 'git_reply':
        this.git.onReply(m, agent);
        return;
      case 'rollback_done':
        this.ending.rollbackDone(m.ok);
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
    const pause = pauseFor(ev);
    if (pause) this.pause(pause.reason, pause.by);
    this.gates.onEmitted(ev);
  }

  private onTaskExit(agent: AgentHandle, m: Extract<AgentToCoordinator, { type: 'task_exit' }>): void {
    const agents = this.runningAgents();
    const exit = this.dispatcher.exited(agent, m);
    if (!exit) return;
    if (this.tasks.get(m.task)?.agent) this.agents.ended(m.task, m.outcome, agents);
    // Asked of the git agent before the merge is: what the task changed, against the others still running.
    if (this.git.isolated(this.tasks.get(m.task)!)) void this.overlaps.ended(m.task);
    this.apply(this.scheduler.exited(exit));
    // A commit per task holds that task's work: what follows it starts once it is
    // committed, or the commit would sweep up the first files its dependents write.
    if (this.scheduler.statusOf(m.task) === 'completed' && !this.git.commitTask(this.tasks.get(m.task)!)) this.released(m.task);
    // A shared task ended: a merge that waited for the integration worktree may go.
    this.git.pump();
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
    const task = this.dispatcher.lost(agent);
    if (!task) return [];
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
          this.wakes.set(d.task, d.afterMs, () => {
            this.apply(this.scheduler.retryDue(d.task));
            this.dispatch();
          });
          break;
        case 'cancel':
          this.dispatcher.cancel(d.task, d.reason);
          break;
        case 'run_gate':
          this.gates.run(d.gate);
          break;
      }
    }
  }

  /** Idle executors take the best ready tasks; the pool grows with what is left. */
  private dispatch(): void {
    if (!this.lifecycle.running) return;
    this.dispatcher.assign();
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
    if (verdict.kind === 'blocked') {
      const detail = verdict.tasks.map((t) => `${t} ${this.scheduler.statusOf(t) === 'in_review' ? 'waits for review' : 'needs a merge'}`).join('; ');
      void this.stop('needs_merge', `nothing else can run: ${detail}`);
      return;
    }
    if (verdict.kind === 'done') void this.ending.finish(verdict.outcome, Date.now() - Date.parse(this.state.startedAt ?? new Date(this.startedAt).toISOString()));
  }

  // ---------------------------------------------------------------- small pieces

  private runningAgents(): number {
    let n = 0;
    for (const t of this.dispatcher.runningTasks()) if (this.tasks.get(t)?.agent) n++;
    return n;
  }

  private writeSessionRecord(): Promise<void> {
    return this.store.writeSession(sessionRecordOf(this.state, new Date(this.startedAt).toISOString()));
  }
}

