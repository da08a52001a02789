import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AgentInit, AgentToCoordinator, GitConfig } from '../agents/messages';
import { MAY_EMIT, SUBSCRIPTIONS } from '../agents/messages';
import { excludeSessionState, findConflict, openRepository, uncommittedChanges } from '../git/repository';
import { killGroup } from '../process/runningProcess';
import { formatDiagnostic, hasErrors } from '../milestone/diagnostics';
import { DirtyWorkingTreeError, listed, MilestoneInvalidError, NoSuchSessionError, NothingToResumeError, RepositoryConflictError, SessionNotResumableError } from './errors';

export { MilestoneInvalidError, PreconditionError } from './errors';
import { buildGraph, criticalPathLengths, transitiveDependents, type TaskGraph } from '../milestone/graph';
import type { Milestone, Task } from '../milestone/model';
import { validateMilestoneFile } from '../milestone/validate';
import { workspaceOf } from '../milestone/workspace';
import { CpuSampler, memoryPressure } from '../resources';
import { TERMINAL_EVENTS, type AgentKind, type EventData, type EventType, type JournalEvent, type JournalEventOf } from '../session/events';
import { Journal, JournalFailedError } from '../session/journal';
import { durationWeights, recentTaskDurations } from '../session/history';
import { newSessionId, SessionPaths, sessionsRoot } from '../session/layout';
import { acquireMilestoneLock, acquireSessionLock, acquireWorkingTreeLock, isSessionLive, type SessionLock } from '../session/lock';
import { applyEvent, emptySessionState, isTaskFinished, replay, type SessionState } from '../session/state';
import { listSessions, readAgentRecord, SessionStore, type AgentRecord } from '../session/store';
import { AgentPool, type AgentHandle } from './agentPool';
import { gateSpec, gateSummaries, rollbackSpec, taskSpec, taskSummaries, type SpecContext } from './processSpecs';
import { ReadyQueue } from './readyQueue';

export interface CoordinatorOptions {
  /** dist/worker.js: resolved by the caller relative to its own install, never the workspace. */
  workerScript: string;
  /** Root the tasks run in; defaults to the folder holding `.milestones/`. */
  workspace?: string;
  /** Upper limit of executors, overriding the file's `executors.max`. */
  executors?: number;
  /** Stop everything at the first failure, whatever `on_failure` says. */
  failFast?: boolean;
  /** Run the `rollback` commands of completed tasks when the milestone fails. */
  rollback?: boolean;
  /** Start even when the working tree has changes this milestone did not make. */
  allowDirty?: boolean;
  /** Overrides the file's `git.auto_commit` (the editor's setting). */
  autoCommit?: 'task' | 'threshold' | 'off';
  /** The git binary (the editor passes the one its Git extension uses). */
  gitBinary?: string;
  /** The repository holding the workspace, as the editor's Git extension reports it. */
  gitRepository?: string;
  /** Extra agent profiles (from the editor's settings). */
  profiles?: Record<string, readonly string[]>;
  /** Who runs the session, for the lock owner record (e.g. "milestone-agents CLI"). */
  owner?: string;
  /** End the run (resumable, exit code 3) once it is paused and nothing is running: the CLI wants this. */
  exitWhenPaused?: boolean;
  /** Environment for tasks; defaults to this process's. */
  env?: Record<string, string | undefined>;
  heartbeatMs?: number;
  unresponsiveAfterMs?: number;
  retryBaseMs?: number;
  graceMs?: number;
  idleExecutorMs?: number;
  resourceCeiling?: number;
  stallAfterMs?: number;
}

export interface SessionOutcome {
  sessionId: string;
  status: 'completed' | 'failed' | 'interrupted';
  /** 0 done, 1 a task or blocking gate failed, 3 interrupted or paused. */
  exitCode: 0 | 1 | 3;
  reason: string;
}

type Listener<T> = (value: T) => void;

interface RunningTask {
  agent: string;
  attempt: number;
  pid: number;
  startedAt: number;
}

/**
 * Owns one session: the journal (as its single writer), the scheduler and the agents.
 * Every decision is taken in memory at once and recorded in the journal; subscribers (the
 * agents, the CLI, the editor) receive an event only after it is on disk.
 */
export class Coordinator {
  readonly done: Promise<SessionOutcome>;
  private resolveDone!: (o: SessionOutcome) => void;
  private readonly eventListeners = new Set<Listener<JournalEvent>>();
  private readonly outputListeners = new Set<Listener<{ task: string; line: string }>>();
  private readonly events: JournalEvent[];
  private deliveredSeq: number;
  private readonly pool: AgentPool;
  private readonly queue = new ReadyQueue();
  private readonly running = new Map<string, RunningTask>();
  private readonly remainingDeps = new Map<string, number>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private readonly failures = new Map<string, number>();
  private readonly cancelReasons = new Map<string, string>();
  private readonly idleTimers = new Map<string, NodeJS.Timeout>();
  private readonly gatesRunning = new Set<string>();
  private readonly gatesStarted = new Set<string>();
  /** Completed tasks whose dependents wait for the task's auto-commit. */
  private readonly awaitingCommit = new Set<string>();
  private readonly gitWaiters: { kind: 'git_prepared' | 'finish'; resolve: (m: AgentToCoordinator) => void }[] = [];
  private rollbackWaiter: ((ok: boolean) => void) | undefined;
  private readonly graph: TaskGraph;
  private readonly priority: Map<string, number>;
  private readonly order: Map<string, number>;
  private readonly tasks: Map<string, Task>;
  private readonly specContext: SpecContext;
  private readonly cpu = new CpuSampler();
  private lastCpu = { at: Date.now(), value: 0 };
  private pressureAlerted = false;
  private executorSeq = 0;
  private spawning = 0;
  /** False until the branch is ready: no task may start before. */
  private started = false;
  private paused = false;
  private stopping = false;
  private finishing = false;
  private closed = false;
  /** A terminal event is in the journal: nothing may follow it. */
  private ended = false;
  private failFastTriggered = false;
  private lockLost = false;
  private gitAvailable = false;
  private readonly startedAt = Date.now();
  private readonly min: number;
  private readonly max: number;

  private constructor(
    readonly milestone: Milestone,
    readonly paths: SessionPaths,
    readonly state: SessionState,
    private readonly journal: Journal,
    private readonly store: SessionStore,
    private readonly lock: SessionLock,
    private readonly options: CoordinatorOptions,
    history: JournalEvent[],
    estimates: ReadonlyMap<string, number>,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.events = [...history];
    this.deliveredSeq = history[history.length - 1]?.seq ?? 0;
    this.tasks = new Map(milestone.tasks.map((t) => [t.id, t]));
    this.graph = buildGraph(milestone.tasks);
    this.priority = criticalPathLengths(this.graph, durationWeights(estimates));
    this.order = new Map(milestone.tasks.map((t, i) => [t.id, i]));
    this.max = Math.max(1, options.executors ?? milestone.executors.max);
    this.min = Math.min(this.max, milestone.executors.min);
    this.specContext = {
      milestone,
      workspace: paths.workspace,
      paths,
      sessionId: paths.sessionId,
      graceMs: options.graceMs ?? 5000,
      env: options.env ?? process.env,
      ...(options.profiles ? { profiles: options.profiles } : {}),
    };
    for (const a of state.agents.values()) {
      const n = /^executor-(\d+)$/.exec(a.id)?.[1];
      if (n) this.executorSeq = Math.max(this.executorSeq, Number(n));
    }
    this.pool = new AgentPool(options.workerScript, options.unresponsiveAfterMs ?? 10_000, {
      message: (agent, m) => this.onAgentMessage(agent, m),
      lost: (agent, reason, detail) => void this.onAgentLost(agent, reason, detail),
    });
    journal.onFailure((err) => void this.onJournalFailure(err));
    store.onError((file, err) => {
      this.record('alert', { kind: 'resource_pressure', message: `Could not write ${path.relative(paths.workspace, file)}: ${(err as Error).message}. The journal is unaffected.` });
    });
  }

  // ---------------------------------------------------------------- starting

  /** Validates the milestone, creates a session, and starts running it. */
  static async start(file: string, options: CoordinatorOptions): Promise<Coordinator> {
    const milestoneFile = path.resolve(file);
    const workspace = path.resolve(options.workspace ?? workspaceOf(milestoneFile));
    const result = await validateMilestoneFile(milestoneFile, { workspace, ...(options.profiles ? { profiles: options.profiles } : {}) });
    if (hasErrors(result.diagnostics)) throw new MilestoneInvalidError(milestoneFile, result.diagnostics);
    const milestone = result.milestone;
    const paths = new SessionPaths(workspace, newSessionId(milestone.id));
    const estimates = await recentTaskDurations(workspace, milestone.id);
    const lost = new LockLoss();
    const owner = options.owner ?? 'milestone-agents';
    const lock = new HeldLocks();
    try {
      lock.add(await acquireMilestoneLock(workspace, milestone.id, paths.sessionId, owner, lost.report));
      if (usesGit(milestone)) lock.add(await acquireWorkingTreeLock(workspace, milestone.id, paths.sessionId, owner, lost.report));
      // Checked under the locks: a run of this milestone (or another on a branch) that
      // started meanwhile is reported as such, not as changes in the working tree.
      await preflightGit(workspace, milestone, options, false);
      lock.add(await acquireSessionLock(paths, owner, lost.report));
      const store = new SessionStore(paths);
      await store.init();
      const { journal } = await Journal.open(paths.events, paths.sessionId, { create: true });
      const c = new Coordinator(milestone, paths, emptySessionState(paths.sessionId), journal, store, lock, options, [], estimates);
      lost.bind((err) => void c.onLockLost(err));
      c.record('session_started', {
        milestone_id: milestone.id,
        milestone_file: milestoneFile,
        workspace,
        title: milestone.title,
        type: milestone.type,
        complexity: milestone.complexity,
        tasks: taskSummaries(milestone),
        gates: gateSummaries(milestone),
        executors: { min: c.min, max: c.max },
        on_failure: options.failFast ? 'stop' : milestone.onFailure,
        pid: process.pid,
        host: os.hostname(),
      });
      void c.run();
      return c;
    } catch (err) {
      await lock.release();
      await removeEmptyRunFolders(workspace);
      throw err;
    }
  }

  /**
   * Takes over an interrupted (or failed) session: completed tasks stay done, tasks that
   * were running run again, everything else is pending again. The milestone file is read
   * afresh, so a fix made since the failure is used.
   */
  static async resume(workspaceDir: string, sessionId: string | undefined, options: CoordinatorOptions): Promise<Coordinator> {
    const workspace = path.resolve(workspaceDir);
    const id = sessionId ?? (await findResumableSession(workspace));
    const paths = new SessionPaths(workspace, id);
    try {
      await fs.access(paths.events);
    } catch {
      throw new NoSuchSessionError(workspace, id);
    }
    const lost = new LockLoss();
    const owner = options.owner ?? 'milestone-agents';
    const lock = new HeldLocks();
    lock.add(await acquireSessionLock(paths, owner, lost.report));
    let opened: Journal | undefined;
    try {
      const { journal, contents } = await Journal.open(paths.events, id, { create: false });
      opened = journal;
      const state = replay(id, contents.events);
      if (state.status === 'completed') throw new SessionNotResumableError(id, 'completed');
      if (!state.milestoneFile) throw new SessionNotResumableError(id, 'never_started');
      lock.add(await acquireMilestoneLock(workspace, state.milestoneId, id, owner, lost.report));
      const result = await validateMilestoneFile(state.milestoneFile, { workspace, ...(options.profiles ? { profiles: options.profiles } : {}) });
      if (hasErrors(result.diagnostics)) throw new MilestoneInvalidError(state.milestoneFile, result.diagnostics);
      const milestone = result.milestone;
      if (usesGit(milestone)) lock.add(await acquireWorkingTreeLock(workspace, milestone.id, id, owner, lost.report));
      const leftOver = await preflightGit(workspace, milestone, options, true);
      const store = new SessionStore(paths);
      await store.init();
      const c = new Coordinator(milestone, paths, state, journal, store, lock, options, contents.events, await recentTaskDurations(workspace, milestone.id, state));
      lost.bind((err) => void c.onLockLost(err));
      const requeued: string[] = [];
      const reset: string[] = [];
      for (const t of state.tasks.values()) {
        if (!c.tasks.has(t.id) || t.status === 'completed') continue;
        if (t.status === 'running') requeued.push(t.id);
        else if (t.status !== 'pending') reset.push(t.id);
      }
      await killLeftovers(state, id);
      c.record('session_resumed', {
        by: 'recovery',
        pid: process.pid,
        requeued,
        reset,
        tasks: taskSummaries(milestone),
        gates: gateSummaries(milestone),
        ...(contents.torn ? { torn_line: contents.torn.line } : {}),
      });
      if (leftOver.length) {
        c.record('alert', { kind: 'uncommitted_changes', message: `The working tree has uncommitted changes from before the resume (${listed(leftOver)}): the interrupted task may have left them, and the next commit will include them. Stash any that are not the milestone's.` });
      }
      if (contents.torn) {
        c.record('alert', { kind: 'torn_journal', message: `The last line of the journal (line ${contents.torn.line}) was cut off by a crash (${contents.torn.reason}); it was dropped. Nothing else was lost.` });
      }
      void c.run();
      return c;
    } catch (err) {
      await opened?.close();
      await lock.release();
      throw err;
    }
  }

  /**
   * proper-lockfile could not keep a lock fresh (its folder was removed, or the process
   * stalled past the staleness timeout): another coordinator may own the session now, so
   * this one writes nothing more. It kills what it runs and ends as interrupted.
   */
  private async onLockLost(err: Error): Promise<void> {
    if (this.closed || this.lockLost) return;
    this.lockLost = true;
    this.ended = true;
    process.emitWarning(`milestone-agents: session ${this.sessionId}: lock lost (${err.message}); stopping without writing more.`);
    await this.halt(`The lock of session ${this.sessionId} was lost (${err.message}): another process may have taken it over. Nothing more was written; look at the session's status before resuming it.`);
  }

  private async run(): Promise<void> {
    try {
      await this.writeSessionRecord();
      void this.deploy('monitor', 'monitor').catch((err: unknown) => this.agentFailedToStart('monitor', err));
      void this.deploy('validator', 'validator').catch((err: unknown) => this.agentFailedToStart('validator', err));
      // Gates exist, so the quality agent will have work: start it now, so the first gate
      // does not wait for a worker to boot.
      if (this.milestone.quality.length) {
        this.qualityAgent = this.deploy('quality', 'quality');
        // Reported when a gate needs the agent; until then a failed start must not go unhandled.
        this.qualityAgent.catch(() => undefined);
      }
      // Executors start while git gets the branch ready: both take tens of milliseconds.
      const initiallyReady = this.milestone.tasks.filter((t) => this.state.tasks.get(t.id)?.status !== 'completed' && t.dependsOn.every((d) => this.state.tasks.get(d)?.status === 'completed')).length;
      for (let i = 0; i < Math.min(this.max, Math.max(this.min, initiallyReady)); i++) this.spawnExecutor();
      if (this.wantsGit()) {
        const ok = await this.prepareGit();
        if (!ok) return;
      }
      if (this.closed) return;
      for (const t of this.milestone.tasks) {
        const status = this.state.tasks.get(t.id)?.status;
        const left = t.dependsOn.filter((d) => this.state.tasks.get(d)?.status !== 'completed').length;
        this.remainingDeps.set(t.id, left);
        if (status === 'pending' && left === 0) this.enqueue(t.id);
      }
      for (const g of this.milestone.quality) if (g.after.length && g.after.every((d) => this.state.tasks.get(d)?.status === 'completed') && this.state.gates.get(g.id)?.status !== 'passed') this.runGate(g.id);
      for (const g of this.milestone.quality) if (this.state.gates.get(g.id)?.status === 'passed') this.gatesStarted.add(g.id);
      this.started = true;
      this.dispatch();
      for (const ex of this.pool.ofKind('executor')) this.maybeRetireIdle(ex.id);
      this.checkDone();
    } catch (err) {
      this.record('alert', { kind: 'agent_crashed', message: `The coordinator could not start the session: ${(err as Error).message}` });
      await this.stop('stopped', (err as Error).message);
    }
  }

  private wantsGit(): boolean {
    return usesGit(this.milestone);
  }

  private async prepareGit(): Promise<boolean> {
    const repo = await openRepository(this.options.gitRepository ?? this.paths.workspace, this.options.gitBinary);
    if (!repo) {
      this.record('git_unavailable', { reason: `${this.paths.workspace} is not in a git repository: no branch, no commits. Run \`git init\` there to get them.` });
      return true;
    }
    const git = await this.deploy('git', 'git');
    const reply = this.waitForGit('git_prepared');
    this.pool.send(git, { type: 'git_prepare' });
    const answer = await reply;
    if (answer.type === 'git_prepared' && !answer.ok) {
      await this.stop('stopped', answer.error ?? 'git preparation failed');
      return false;
    }
    this.gitAvailable = answer.type === 'git_prepared' && answer.available;
    if (this.gitAvailable && this.milestone.type === 'development') {
      void this.deploy('safety', 'safety').catch((err: unknown) => this.agentFailedToStart('safety', err));
    }
    return true;
  }

  private waitForGit(kind: 'git_prepared' | 'finish'): Promise<AgentToCoordinator> {
    return new Promise((resolve) => this.gitWaiters.push({ kind, resolve }));
  }

  // ---------------------------------------------------------------- public controls

  get sessionId(): string {
    return this.paths.sessionId;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Events as they become durable, in order. */
  onEvent(listener: Listener<JournalEvent>): { dispose(): void } {
    this.eventListeners.add(listener);
    return { dispose: () => this.eventListeners.delete(listener) };
  }

  /** The latest output line of running tasks (sampled; the log has everything). */
  onOutput(listener: Listener<{ task: string; line: string }>): { dispose(): void } {
    this.outputListeners.add(listener);
    return { dispose: () => this.outputListeners.delete(listener) };
  }

  /**
   * Every event delivered so far: the durable ones. Later events reach `onEvent` listeners
   * once on disk, so history then onEvent gives each event once, none before its fsync.
   */
  history(): readonly JournalEvent[] {
    const pending = this.events.findIndex((e) => e.seq > this.deliveredSeq);
    return pending === -1 ? this.events : this.events.slice(0, pending);
  }

  pause(reason = 'paused by the user', by: EventData['session_paused']['by'] = 'user'): void {
    if (this.paused || this.closed || this.finishing) return;
    this.paused = true;
    this.record('session_paused', { reason, by });
    void this.writeSessionRecord();
    this.checkDone();
  }

  resume(): void {
    if (!this.paused || this.closed) return;
    this.paused = false;
    this.record('session_resumed', { by: 'user', pid: process.pid, requeued: [], reset: [] });
    void this.writeSessionRecord();
    this.dispatch();
    this.checkDone();
  }

  /** Cancel one task: a running one is killed (its whole process tree), a waiting one dropped. */
  cancelTask(id: string, reason = 'cancelled by the user'): boolean {
    if (this.closed || !this.tasks.has(id)) return false;
    const run = this.running.get(id);
    if (run) {
      this.cancelReasons.set(id, reason);
      const agent = this.pool.get(run.agent);
      if (agent) this.pool.send(agent, { type: 'cancel_task', task: id, reason });
      return true;
    }
    const timer = this.retryTimers.get(id);
    if (timer) {
      clearTimeout(timer);
      this.retryTimers.delete(id);
    }
    const status = this.state.tasks.get(id)?.status;
    if (!timer && (!status || isTaskFinished(status))) return false;
    this.queue.remove(id);
    this.record('task_cancelled', { task: id, reason });
    this.skipDependents(id, `depends on "${id}", which was cancelled`);
    this.dispatch();
    this.checkDone();
    return true;
  }

  /** Run a failed, cancelled or skipped task again, and put back the dependents it blocked. */
  retryTask(id: string): boolean {
    const t = this.state.tasks.get(id);
    if (this.closed || this.finishing || !t || !['failed', 'cancelled', 'skipped'].includes(t.status)) return false;
    this.failures.delete(id);
    this.record('task_reset', { task: id, reason: 'retried by the user' });
    for (const d of transitiveDependents(this.graph, id)) {
      const s = this.state.tasks.get(d)?.status;
      if (s === 'skipped' || s === 'cancelled') this.record('task_reset', { task: d, reason: `"${id}" is being retried` });
    }
    this.failFastTriggered = false;
    const left = this.tasks.get(id)!.dependsOn.filter((d) => this.state.tasks.get(d)?.status !== 'completed').length;
    this.remainingDeps.set(id, left);
    if (left === 0) this.enqueue(id);
    this.dispatch();
    return true;
  }

  /** Stop gracefully: running tasks are killed, the session is left resumable. */
  async stop(reason: EventData['session_interrupted']['reason'] = 'stopped', detail?: string): Promise<SessionOutcome> {
    if (this.closed || this.stopping) return this.done;
    if (this.finishing) return this.done;
    this.stopping = true;
    for (const t of this.retryTimers.values()) clearTimeout(t);
    this.retryTimers.clear();
    this.queue.clear();
    for (const task of [...this.running.keys()]) this.cancelTask(task, 'session stopped');
    await this.waitForRunningToEnd(this.specContext.graceMs + 2000);
    await this.windDown();
    this.record('session_interrupted', { reason, ...(detail ? { detail } : {}) });
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

  // ---------------------------------------------------------------- journal

  private record<K extends EventType>(type: K, data: EventData[K]): JournalEventOf<K> | undefined {
    if (this.closed || this.ended || this.journal.failed) return undefined;
    const { event, durable } = this.journal.append(type, data);
    if (TERMINAL_EVENTS.has(type)) this.ended = true;
    applyEvent(this.state, event as JournalEvent);
    this.events.push(event as JournalEvent);
    durable.then(
      (e) => {
        this.deliveredSeq = e.seq;
        this.pool.deliver(e as JournalEvent);
        for (const l of this.eventListeners) {
          try {
            l(e as JournalEvent);
          } catch {
            // a listener's bug must not stop the session
          }
        }
      },
      () => undefined, // reported once through journal.onFailure
    );
    if (type.startsWith('agent_') && 'agent' in data) this.writeAgentRecord((data as { agent: string }).agent);
    return event;
  }

  private async onJournalFailure(err: JournalFailedError): Promise<void> {
    await this.halt(err.message);
  }

  /** Nothing more can be recorded, so nothing more may happen: kill what runs and stop. */
  private async halt(reason: string): Promise<void> {
    if (this.closed) return;
    this.stopping = true;
    for (const run of this.running.values()) if (run.pid) killGroup(run.pid, 'SIGKILL');
    for (const t of this.retryTimers.values()) clearTimeout(t);
    await Promise.all(this.pool.all().map((a) => this.pool.retire(a, 1000)));
    await this.close('interrupted', 3, reason);
  }

  // ---------------------------------------------------------------- agents

  private async deploy(kind: AgentKind, id: string): Promise<AgentHandle> {
    const restored = await readAgentRecord(this.paths, id);
    const needsHistory = kind === 'monitor' || kind === 'validator' || kind === 'safety';
    const init: AgentInit = {
      type: 'init',
      session: { id: this.sessionId, workspace: this.paths.workspace, dir: this.paths.dir, milestoneFile: this.milestone.file, milestoneId: this.milestone.id },
      heartbeatMs: this.options.heartbeatMs ?? 2000,
      ...(restored ? { restored } : {}),
      ...(needsHistory ? { history: [...this.history()] } : {}),
      settings: {
        stallAfterMs: this.options.stallAfterMs ?? this.milestone.stallAfterMs,
        resourceCeiling: this.options.resourceCeiling ?? 0.8,
        complexity: this.milestone.complexity,
        maxExecutors: this.max,
        ...(this.options.profiles ? { profiles: this.options.profiles } : {}),
        git: this.gitConfig(),
      },
    };
    const { handle, startupMs } = await this.pool.spawn(id, kind, init);
    if (this.closed || this.stopping) {
      void this.pool.retire(handle, 1000);
      return handle;
    }
    this.record('agent_registered', { agent: id, kind, startup_ms: startupMs, subscriptions: [...SUBSCRIPTIONS[kind]] });
    void this.writeAgentLists();
    return handle;
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

  private agentFailedToStart(kind: string, err: unknown): void {
    this.record('alert', { kind: 'agent_crashed', agent: kind, message: `The ${kind} agent could not start: ${(err as Error).message}` });
  }

  private onAgentMessage(agent: AgentHandle, m: AgentToCoordinator): void {
    switch (m.type) {
      case 'task_started': {
        const run = this.running.get(m.task);
        if (!run || run.agent !== agent.id) return;
        run.pid = m.pid;
        const task = this.tasks.get(m.task);
        this.record('task_started', { task: m.task, agent: agent.id, attempt: m.attempt, pid: m.pid, command: task?.agent ? `${task.agent}: ${task.prompt ?? ''}` : (task?.run ?? '') });
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
      case 'git_done': {
        if (m.type === 'git_done' && m.operation === 'commit' && m.task) this.onCommitted(m.task);
        const kind = m.type === 'git_prepared' ? 'git_prepared' : m.operation === 'finish' ? 'finish' : undefined;
        const i = this.gitWaiters.findIndex((w) => w.kind === kind);
        if (i >= 0) this.gitWaiters.splice(i, 1)[0]!.resolve(m);
        return;
      }
      case 'rollback_done':
        this.rollbackWaiter?.(m.ok);
        this.rollbackWaiter = undefined;
        return;
      case 'emit':
        this.onEmitted(agent, m.event);
        return;
      case 'fatal':
        this.record('alert', { kind: 'agent_crashed', agent: agent.id, message: `Agent ${agent.id} reported a fatal error: ${m.message}` });
        this.pool.kill(agent);
        return;
      default:
        return;
    }
  }

  private onEmitted(agent: AgentHandle, ev: Extract<AgentToCoordinator, { type: 'emit' }>['event']): void {
    if (!MAY_EMIT[agent.kind].includes(ev.type)) {
      this.record('alert', { kind: 'agent_crashed', agent: agent.id, message: `Agent ${agent.id} tried to record a ${ev.type} event, which its kind may not; ignored.` });
      return;
    }
    this.record(ev.type, ev.data);
    switch (ev.type) {
      case 'git_conflict':
        if (!this.finishing) this.pause(`git conflict: ${ev.data.detail}`, 'git_conflict');
        break;
      case 'dependency_issues':
        if (ev.data.critical && ev.data.source !== 'start' && !this.finishing) {
          const first = ev.data.issues.find((d) => d.severity === 'error');
          this.pause(`dependency issue: ${first ? formatDiagnostic(first) : 'see the Problems panel'}`, 'dependency_issues');
        }
        break;
      case 'quality_gate_passed':
      case 'quality_gate_failed':
        this.gatesRunning.delete(ev.data.gate);
        if (ev.type === 'quality_gate_failed' && ev.data.blocking && this.effectivePolicy() === 'stop') this.failFast(`gate "${ev.data.gate}" failed`);
        this.checkDone();
        break;
      default:
        break;
    }
  }

  private async onAgentLost(agent: AgentHandle, reason: 'crashed' | 'unresponsive', detail: string): Promise<void> {
    const lostAt = Date.now();
    this.clearIdleTimer(agent.id);
    this.record('agent_terminated', { agent: agent.id, reason, detail });
    this.record('alert', {
      kind: reason === 'unresponsive' ? 'unresponsive_agent' : 'agent_crashed',
      agent: agent.id,
      message: reason === 'unresponsive' ? `Agent ${agent.id} stopped answering (${detail}); it is being replaced.` : `Agent ${agent.id} crashed (${detail}); it is being replaced.`,
    });
    const requeued: string[] = [];
    const task = agent.task;
    if (agent.kind === 'executor' && task) {
      const run = this.running.get(task);
      this.running.delete(task);
      if (run?.pid) killGroup(run.pid, 'SIGKILL');
      if (!this.stopping && !this.closed) {
        requeued.push(task);
        this.enqueue(task);
      }
    }
    if (agent.kind === 'git') {
      for (const w of this.gitWaiters.splice(0)) {
        w.resolve(w.kind === 'git_prepared' ? { type: 'git_prepared', ok: false, available: true, error: 'the git agent crashed' } : { type: 'git_done', operation: 'finish', ok: false, error: 'the git agent crashed' });
      }
      // Its commits in flight are lost; the next commit takes their files. Nothing waits on them.
      for (const task of [...this.awaitingCommit]) this.onCommitted(task);
    }
    if (agent.kind === 'workflow') {
      this.rollbackWaiter?.(false);
      this.rollbackWaiter = undefined;
    }
    void this.writeAgentLists();
    if (this.stopping || this.closed) return;
    if (agent.kind === 'executor') this.spawning++;
    try {
      const replacement = await this.deploy(agent.kind, agent.id);
      if (agent.kind === 'quality') for (const gate of this.gatesRunning) this.sendGate(replacement, gate);
      this.record('agent_recovered', { agent: agent.id, kind: agent.kind, requeued, recovery_ms: Date.now() - lostAt });
    } catch (err) {
      this.agentFailedToStart(agent.kind, err);
    } finally {
      if (agent.kind === 'executor') {
        this.spawning--;
        this.dispatch();
        this.maybeRetireIdle(agent.id);
      }
    }
  }

  private writeAgentRecord(agentId: string): void {
    const a = this.state.agents.get(agentId);
    if (!a) return;
    const health: AgentRecord['state']['health'] = a.status === 'terminated' ? 'terminated' : a.status === 'unresponsive' ? 'unresponsive' : a.restarts > 0 ? 'degraded' : 'healthy';
    const busy = a.busyMs + (a.status === 'busy' && a.busySince ? Date.now() - Date.parse(a.busySince) : 0);
    const p = this.state.progress;
    void this.store.writeAgent({
      agent: { id: a.id, type: a.kind, session_id: this.sessionId, status: a.status, started_at: a.registeredAt, terminated_at: a.terminatedAt },
      state: { current_task: a.currentTask, progress: p ? p.percent / 100 : 0, health },
      metrics: { tasks_completed: a.tasksCompleted, errors_encountered: a.errors, execution_time: Math.round(busy) / 1000 },
    });
  }

  private async writeAgentLists(): Promise<void> {
    const live = this.pool.all().filter((a) => !a.retiring);
    await Promise.all([
      this.store.writeActiveAgents(live.map((a) => a.id)),
      this.store.writeSubscriptions(new Map(live.map((a) => [a.id, [...a.subscriptions]]))),
    ]);
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

  // ---------------------------------------------------------------- scheduling

  private enqueue(id: string): void {
    const t = this.state.tasks.get(id);
    if (!t || this.queue.has(id) || this.running.has(id)) return;
    const priority = this.priority.get(id) ?? 1;
    this.record('task_queued', { task: id, attempt: t.attempts + 1, priority });
    this.queue.push(id, priority, this.order.get(id) ?? 0);
  }

  private dispatch(): void {
    if (!this.started || this.paused || this.stopping || this.finishing || this.closed) return;
    for (const ex of this.pool.ofKind('executor')) {
      if (this.queue.size === 0) break;
      if (!ex.ready || ex.task || ex.retiring) continue;
      this.startTask(this.queue.pop()!, ex);
    }
    this.scale();
  }

  private startTask(id: string, ex: AgentHandle): void {
    const task = this.tasks.get(id)!;
    const attempt = (this.state.tasks.get(id)?.attempts ?? 0) + 1;
    this.clearIdleTimer(ex.id);
    ex.task = id;
    this.running.set(id, { agent: ex.id, attempt, pid: 0, startedAt: Date.now() });
    this.record('agent_state_changed', { agent: ex.id, status: 'busy', current_task: id });
    this.pool.send(ex, { type: 'run_task', task: id, attempt, spec: taskSpec(this.specContext, task, attempt) });
  }

  /** Executors follow the ready queue, between min and max, and not past the resource ceiling. */
  private scale(): void {
    if (!this.started || this.paused || this.stopping || this.finishing || this.closed) return;
    const live = this.pool.ofKind('executor').filter((e) => !e.retiring).length + this.spawning;
    const want = Math.min(this.max, Math.max(this.min, this.running.size + this.queue.size));
    if (want <= live) return;
    if (live > 0 && live >= this.min && this.underPressure()) return;
    for (let i = live; i < want; i++) this.spawnExecutor();
  }

  private underPressure(): boolean {
    const ceiling = this.options.resourceCeiling ?? 0.8;
    const now = Date.now();
    // CPU is judged over windows of at least a second: shorter ones mostly measure the
    // bursts of starting workers, and would stop the pool from growing at the very start.
    if (now - this.lastCpu.at >= 1000) this.lastCpu = { at: now, value: this.cpu.sample() };
    const mem = memoryPressure();
    const over = this.lastCpu.value > ceiling || mem > ceiling;
    if (over && !this.pressureAlerted) {
      this.pressureAlerted = true;
      this.record('alert', { kind: 'resource_pressure', message: `CPU at ${Math.round(this.lastCpu.value * 100)}%, memory at ${Math.round(mem * 100)}% (ceiling ${Math.round(ceiling * 100)}%): not starting more executors for now.` });
    }
    if (!over) this.pressureAlerted = false;
    return over;
  }

  private spawnExecutor(): void {
    const id = `executor-${++this.executorSeq}`;
    this.spawning++;
    this.deploy('executor', id).then(
      () => {
        this.spawning--;
        this.dispatch();
        this.maybeRetireIdle(id);
      },
      (err: unknown) => {
        this.spawning--;
        this.agentFailedToStart(id, err);
      },
    );
  }

  private maybeRetireIdle(id: string): void {
    const ex = this.pool.get(id);
    // Before the branch is ready nothing is queued yet: an executor booted early is not idle.
    if (!this.started || !ex || ex.task || this.queue.size || this.idleTimers.has(id)) return;
    this.idleTimers.set(
      id,
      setTimeout(() => {
        this.idleTimers.delete(id);
        const live = this.pool.ofKind('executor').filter((e) => !e.retiring);
        if (ex.task || this.closed || this.finishing || live.length <= this.min) return;
        this.record('agent_terminated', { agent: id, reason: 'scaled_down' });
        void this.pool.retire(ex, 2000).then(() => this.writeAgentLists());
      }, this.options.idleExecutorMs ?? 5000),
    );
  }

  private clearIdleTimer(id: string): void {
    const t = this.idleTimers.get(id);
    if (t) clearTimeout(t);
    this.idleTimers.delete(id);
  }

  private onTaskExit(agent: AgentHandle, m: Extract<AgentToCoordinator, { type: 'task_exit' }>): void {
    const run = this.running.get(m.task);
    if (!run || run.agent !== agent.id) return;
    this.running.delete(m.task);
    agent.task = undefined;
    if (!this.closed) this.record('agent_state_changed', { agent: agent.id, status: 'idle', current_task: null });
    const task = this.tasks.get(m.task)!;
    if (m.outcome === 'completed') {
      this.record('task_completed', { task: m.task, agent: agent.id, attempt: m.attempt, duration_ms: m.durationMs });
      this.onTaskCompleted(task);
    } else if (m.outcome === 'cancelled') {
      const reason = this.cancelReasons.get(m.task) ?? 'cancelled';
      this.cancelReasons.delete(m.task);
      this.record('task_cancelled', { task: m.task, reason });
      if (!this.stopping) this.skipDependents(m.task, `depends on "${m.task}", which was cancelled`);
    } else {
      const failures = (this.failures.get(m.task) ?? 0) + 1;
      this.failures.set(m.task, failures);
      const retry = failures <= task.retries && !this.stopping && !this.failFastTriggered;
      this.record('task_failed', {
        task: m.task,
        agent: agent.id,
        attempt: m.attempt,
        duration_ms: m.durationMs,
        exit_code: m.exitCode,
        signal: m.signal,
        reason: m.outcome === 'timeout' ? 'timeout' : m.outcome === 'spawn_error' ? 'spawn_error' : 'exit',
        message: m.message,
        final: !retry,
      });
      if (retry) {
        const delay = Math.min(60_000, (this.options.retryBaseMs ?? 1000) * 2 ** (failures - 1));
        this.record('task_retrying', { task: m.task, attempt: m.attempt + 1, delay_ms: delay });
        this.retryTimers.set(
          m.task,
          setTimeout(() => {
            this.retryTimers.delete(m.task);
            this.enqueue(m.task);
            this.dispatch();
          }, delay),
        );
      } else if (this.effectivePolicy() === 'stop') {
        this.failFast(`task "${m.task}" failed`);
      } else {
        this.skipDependents(m.task, `depends on "${m.task}", which failed`);
      }
    }
    this.dispatch();
    this.maybeRetireIdle(agent.id);
    this.checkDone();
  }

  private onTaskCompleted(task: Task): void {
    const git = this.pool.get('git');
    const autoCommit = this.options.autoCommit ?? this.milestone.git.autoCommit;
    if (git && this.gitAvailable && autoCommit !== 'off') {
      this.pool.send(git, { type: 'git_commit', reason: autoCommit === 'task' ? 'task' : 'threshold', task: task.id, title: task.title });
      if (autoCommit === 'task') {
        // A commit per task holds that task's work: what follows it starts once it is
        // committed, or the commit would sweep up the first files its dependents write.
        this.awaitingCommit.add(task.id);
        return;
      }
    }
    this.release(task.id);
  }

  /** Queues what waited for a completed task: its dependents, and the gates after it. */
  private release(id: string): void {
    for (const d of this.graph.dependents.get(id) ?? []) {
      const left = (this.remainingDeps.get(d) ?? 1) - 1;
      this.remainingDeps.set(d, left);
      if (left === 0 && this.state.tasks.get(d)?.status === 'pending') this.enqueue(d);
    }
    for (const g of this.milestone.quality) {
      if (g.after.includes(id) && g.after.every((d) => this.state.tasks.get(d)?.status === 'completed')) this.runGate(g.id);
    }
  }

  /** The git agent committed (or could not commit) a task's work: let what follows it run. */
  private onCommitted(task: string): void {
    if (!this.awaitingCommit.delete(task)) return;
    this.release(task);
    this.dispatch();
    this.checkDone();
  }

  private effectivePolicy(): 'continue' | 'stop' {
    return this.options.failFast ? 'stop' : this.milestone.onFailure;
  }

  private failFast(why: string): void {
    this.failFastTriggered = true;
    for (const id of this.queue.clear()) this.record('task_skipped', { task: id, because: why, reason: `not started: ${why} and on_failure is stop` });
    for (const [id, t] of this.state.tasks) {
      if (t.status === 'pending' || (t.status === 'retrying' && this.retryTimers.has(id))) {
        const timer = this.retryTimers.get(id);
        if (timer) clearTimeout(timer);
        this.retryTimers.delete(id);
        this.record('task_skipped', { task: id, because: why, reason: `not started: ${why} and on_failure is stop` });
      }
    }
    for (const id of this.running.keys()) this.cancelTask(id, `${why} and on_failure is stop`);
  }

  private skipDependents(id: string, reason: string): void {
    for (const d of transitiveDependents(this.graph, id)) {
      const s = this.state.tasks.get(d)?.status;
      if (s !== 'pending' && s !== 'queued') continue;
      this.queue.remove(d);
      this.record('task_skipped', { task: d, because: id, reason });
    }
  }

  // ---------------------------------------------------------------- gates

  private runGate(id: string): void {
    if (this.gatesStarted.has(id) || this.failFastTriggered) return;
    this.gatesStarted.add(id);
    this.gatesRunning.add(id);
    const existing = this.pool.get('quality');
    if (existing) {
      this.sendGate(existing, id);
      return;
    }
    this.qualityAgent ??= this.deploy('quality', 'quality');
    this.qualityAgent.then(
      (agent) => this.sendGate(agent, id),
      (err: unknown) => {
        this.agentFailedToStart('quality', err);
        this.gatesRunning.delete(id);
        this.record('quality_gate_failed', { gate: id, duration_ms: 0, exit_code: null, blocking: true, message: 'the quality gate agent could not start' });
        this.checkDone();
      },
    );
  }

  private qualityAgent: Promise<AgentHandle> | undefined;

  private sendGate(agent: AgentHandle, id: string): void {
    const gate = this.milestone.quality.find((g) => g.id === id);
    if (gate) this.pool.send(agent, { type: 'run_gate', gate: id, blocking: gate.blocking, spec: gateSpec(this.specContext, gate) });
  }

  // ---------------------------------------------------------------- ending

  private checkDone(): void {
    if (!this.started || this.finishing || this.stopping || this.closed) return;
    if (this.paused) {
      if (this.options.exitWhenPaused && this.running.size === 0 && this.gatesRunning.size === 0) void this.stop('paused', this.state.pauseReason ?? 'paused');
      return;
    }
    if (this.running.size || this.retryTimers.size || this.queue.size || this.gatesRunning.size || this.awaitingCommit.size) return;
    const tasks = [...this.state.tasks.values()].filter((t) => this.tasks.has(t.id));
    const open = tasks.filter((t) => !isTaskFinished(t.status));
    if (open.length) {
      // Pending tasks nothing can start any more (their dependency will never complete).
      if (open.every((t) => t.status === 'pending' && (this.remainingDeps.get(t.id) ?? 0) > 0)) {
        for (const t of open) this.record('task_skipped', { task: t.id, because: t.dependsOn.find((d) => this.state.tasks.get(d)?.status !== 'completed') ?? '', reason: 'a dependency did not complete' });
      } else {
        return;
      }
    }
    const allOk = tasks.every((t) => t.status === 'completed');
    if (allOk && !this.failFastTriggered) {
      const endGates = this.milestone.quality.filter((g) => !this.gatesStarted.has(g.id));
      if (endGates.length) {
        for (const g of endGates) this.runGate(g.id);
        return;
      }
    }
    void this.finish();
  }

  private async finish(): Promise<void> {
    this.finishing = true;
    const tasks = [...this.state.tasks.values()].filter((t) => this.tasks.has(t.id));
    const failed = tasks.filter((t) => t.status === 'failed').map((t) => t.id);
    const skipped = tasks.filter((t) => t.status === 'skipped' || t.status === 'cancelled').map((t) => t.id);
    const gatesFailed = [...this.state.gates.values()].filter((g) => g.status === 'failed' && g.blocking).map((g) => g.id);
    const ok = failed.length === 0 && skipped.length === 0 && gatesFailed.length === 0;
    const durationMs = Date.now() - Date.parse(this.state.startedAt ?? new Date(this.startedAt).toISOString());
    if (ok) {
      const git = this.pool.get('git');
      if (git && this.gitAvailable) {
        const reply = this.waitForGit('finish');
        this.pool.send(git, { type: 'git_finish', message: `${this.milestone.id}: ${this.milestone.title.replace(/\s+/g, ' ').trim()} (milestone complete)` });
        await reply;
      }
      await this.windDown();
      this.record('milestone_completed', { duration_ms: durationMs, tasks: tasks.length });
      await this.close('completed', 0, 'all tasks completed');
      return;
    }
    if (this.options.rollback) await this.rollback();
    const reason = failed.length
      ? `task${failed.length > 1 ? 's' : ''} ${failed.join(', ')} failed`
      : gatesFailed.length
        ? `quality gate${gatesFailed.length > 1 ? 's' : ''} ${gatesFailed.join(', ')} failed`
        : `task${skipped.length > 1 ? 's' : ''} ${skipped.join(', ')} did not run`;
    await this.windDown();
    this.record('milestone_failed', { duration_ms: durationMs, failed, skipped, gates_failed: gatesFailed, reason });
    await this.close('failed', 1, reason);
  }

  /**
   * Lets every agent but the monitor finish what it was doing (a commit in progress, a
   * safety check) and stop, so all they have to say is journaled before the terminal event:
   * the journal's last line says how the session ended. The monitor stays to see that line.
   */
  private async windDown(): Promise<void> {
    await Promise.all(this.pool.all().filter((a) => a.kind !== 'monitor').map((a) => this.pool.retire(a, 3000)));
  }

  private async rollback(): Promise<void> {
    const completed = this.events
      .filter((e): e is JournalEventOf<'task_completed'> => e.type === 'task_completed')
      .map((e) => e.data.task)
      .filter((id, i, all) => all.lastIndexOf(id) === i && this.state.tasks.get(id)?.status === 'completed');
    const steps = completed
      .reverse()
      .map((id) => this.tasks.get(id))
      .filter((t): t is Task => t?.rollback !== undefined)
      .map((t) => ({ task: t.id, spec: rollbackSpec(this.specContext, t) }));
    if (!steps.length) return;
    const agent = await this.deploy('workflow', 'workflow');
    const done = new Promise<boolean>((resolve) => (this.rollbackWaiter = resolve));
    this.pool.send(agent, { type: 'rollback', steps });
    await done;
  }

  private async waitForRunningToEnd(timeoutMs: number): Promise<void> {
    if (this.running.size === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        for (const run of this.running.values()) if (run.pid) killGroup(run.pid, 'SIGKILL');
        resolve();
      }, timeoutMs);
      const check = this.onEvent(() => {
        if (this.running.size === 0) {
          clearTimeout(timer);
          check.dispose();
          resolve();
        }
      });
    });
  }

  private async close(status: SessionOutcome['status'], exitCode: SessionOutcome['exitCode'], reason: string): Promise<void> {
    if (this.closed) return;
    for (const t of this.idleTimers.values()) clearTimeout(t);
    for (const t of this.retryTimers.values()) clearTimeout(t);
    // Every event reaches its subscribers before they are asked to shut down.
    await this.journal.drain().catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    // The terminal event already says every agent ends with the session (the replay marks
    // them terminated), so the journal's last line stays the one that says how it ended.
    const agents = this.pool.all();
    await Promise.all(agents.map((a) => this.pool.retire(a, 3000)));
    this.closed = true;
    // Without its lock, the session's files may be another coordinator's now: leave them.
    if (!this.lockLost) {
      for (const id of this.state.agents.keys()) this.writeAgentRecord(id);
      await Promise.all([this.journal.drain().catch(() => undefined), this.writeSessionRecord().catch(() => undefined), this.writeAgentLists().catch(() => undefined)]);
      await this.store.flush();
    }
    await this.journal.close();
    await this.lock.release();
    this.resolveDone({ sessionId: this.sessionId, status, exitCode, reason });
  }
}

/** Development and deployment milestones work on a branch; others when they configure git. */
function usesGit(m: Milestone): boolean {
  return m.type === 'development' || m.type === 'deployment' || m.git.configured;
}

/**
 * The working tree must be clean (or allowed) and free of conflicts before a run begins.
 * A resume accepts changes (the interrupted task's half-written files are expected) and
 * returns them, so they can be named before the next commit takes them.
 */
async function preflightGit(workspace: string, milestone: Milestone, options: CoordinatorOptions, resumed: boolean): Promise<string[]> {
  const repo = await openRepository(options.gitRepository ?? workspace, options.gitBinary);
  if (!repo) return [];
  // Whatever the milestone type, its session files must not show up as changes.
  await excludeSessionState(repo.git, repo.root, workspace);
  if (!usesGit(milestone)) return [];
  const conflict = await findConflict(repo.git, repo.root);
  if (conflict) throw new RepositoryConflictError(repo.root, conflict);
  if (options.allowDirty) return [];
  const changes = await uncommittedChanges(repo.git, repo.root, workspace);
  if (resumed) return changes;
  if (changes.length) throw new DirtyWorkingTreeError(repo.root, changes);
  return [];
}

/** Newest session that did not complete and that no live coordinator is running. */
export async function findResumableSession(workspace: string): Promise<string> {
  for (const rec of await listSessions(workspace)) {
    if (rec.session.status === 'completed') continue;
    if (await isSessionLive(new SessionPaths(workspace, rec.session.id))) continue;
    return rec.session.id;
  }
  throw new NothingToResumeError(workspace);
}

/**
 * Task processes of a coordinator that died (kill -9) keep running in their own process
 * groups. Before running those tasks again, end them, but only when /proc confirms the
 * process still belongs to this session and task (a pid can be reused).
 */
async function killLeftovers(state: SessionState, sessionId: string): Promise<void> {
  for (const t of state.tasks.values()) {
    if (t.status !== 'running' || !t.pid) continue;
    const environ = await fs.readFile(`/proc/${t.pid}/environ`, 'latin1').catch(() => '');
    const vars = new Set(environ.split('\0'));
    if (vars.has(`MILESTONE_SESSION=${sessionId}`) && vars.has(`MILESTONE_TASK=${t.id}`)) killGroup(t.pid, 'SIGKILL');
  }
}

/** A start that was refused leaves nothing behind: the lock folders it made, if still empty. */
async function removeEmptyRunFolders(workspace: string): Promise<void> {
  const root = sessionsRoot(workspace);
  for (const dir of [path.join(root, '.running'), root]) {
    // rmdir removes only an empty folder: another run's locks or sessions stay.
    if (!(await fs.rmdir(dir).then(() => true, () => false))) return;
  }
}

/** Locks are taken before the coordinator exists: a loss goes to whoever is bound by then. */
class LockLoss {
  private handler: (err: Error) => void = (err) => process.emitWarning(`milestone-agents: a lock was lost while starting: ${err.message}`);
  readonly report = (err: Error): void => this.handler(err);
  bind(handler: (err: Error) => void): void {
    this.handler = handler;
  }
}

/** The locks a coordinator holds (its milestone's run lock, its session's lock), released together. */
class HeldLocks implements SessionLock {
  private readonly locks: SessionLock[] = [];
  add(lock: SessionLock): void {
    this.locks.push(lock);
  }
  async release(): Promise<void> {
    await Promise.all(this.locks.splice(0).map((l) => l.release()));
  }
}
