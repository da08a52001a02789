// How a session ends, each way once: completed (the final commit first), failed (the
// rollback first, when asked), interrupted (stopped, or paused by a CLI run), or halted
// (the journal cannot be written, or the lock was lost: nothing more is recorded). In
// every case the agents say their last word before the terminal event, and the records,
// the journal and the locks are closed in that order.
import type { Milestone } from '../milestone/model';
import type { SessionStore } from '../session/store';
import type { EventData } from '../session/events';
import type { AgentPool } from './agentPool';
import type { AgentSupervisor } from './agentSupervisor';
import type { GitSteward } from './gitSteward';
import type { SessionOutcome } from './options';
import type { Lifecycle } from './phase';
import type { ProcessSpec } from '../process/processSpec';
import type { Recorder } from './recorder';
import type { Outcome } from './scheduler';
import type { HeldLocks } from './sessionOpening';
import type { TaskDispatch } from './taskDispatch';

export interface EndingDeps {
  milestone: Milestone;
  lifecycle: Lifecycle;
  recorder: Recorder;
  pool: AgentPool;
  supervisor: AgentSupervisor;
  git: GitSteward;
  dispatcher: TaskDispatch;
  store: SessionStore;
  locks: HeldLocks;
  /** The completed tasks to undo on failure (with `--rollback`), or none. */
  rollbackSteps(): { task: string; spec: ProcessSpec }[];
  /** Timers and scaling stop before the agents are retired. */
  quiesce(): void;
  writeSessionRecord(): Promise<void>;
  ended(outcome: SessionOutcome): void;
}

export class SessionEnding {
  private closing: Promise<void> | undefined;
  private rollbackWaiter: ((ok: boolean) => void) | undefined;
  /** False once the lock is lost: the session's files may be another coordinator's then. */
  private ownsFiles = true;

  constructor(private readonly deps: EndingDeps) {
    deps.supervisor.recoverWith('workflow', { lost: () => (this.rollbackDone(false), []) });
  }

  async finish(outcome: Outcome, durationMs: number): Promise<void> {
    const { lifecycle, recorder, milestone } = this.deps;
    lifecycle.to('finishing');
    if (outcome.ok) {
      await this.deps.git.finish(`${milestone.id}: ${milestone.title.replace(/\s+/g, ' ').trim()} (milestone complete)`);
      await this.windDown();
      recorder.record('milestone_completed', { duration_ms: durationMs, tasks: milestone.tasks.length });
      await this.close('completed', 0, outcome.reason);
      return;
    }
    await this.rollback();
    await this.windDown();
    recorder.record('milestone_failed', { duration_ms: durationMs, failed: outcome.failed, skipped: outcome.notRun, gates_failed: outcome.gatesFailed, reason: outcome.reason });
    await this.close('failed', 1, outcome.reason);
  }

  /** After a stop: the tasks were told to end; once they did (or were killed), the session is interrupted. */
  async interrupt(reason: EventData['session_interrupted']['reason'], detail: string | undefined, graceMs: number): Promise<void> {
    await this.deps.dispatcher.allEnded(graceMs);
    await this.windDown();
    this.deps.recorder.record('session_interrupted', { reason, ...(detail ? { detail } : {}) });
    await this.close('interrupted', 3, detail ?? reason);
  }

  /**
   * proper-lockfile could not keep a lock fresh (its folder was removed, or the process
   * stalled past the staleness timeout): another coordinator may own the session now, so
   * this one writes nothing more. It kills what it runs and ends as interrupted.
   */
  async lockLost(sessionId: string, err: Error): Promise<void> {
    if (this.deps.lifecycle.phase === 'closed' || !this.ownsFiles) return;
    this.ownsFiles = false;
    this.deps.recorder.seal('the lock was lost');
    process.emitWarning(`milestone-agents: session ${sessionId}: lock lost (${err.message}); stopping without writing more.`);
    await this.halt(`The lock of session ${sessionId} was lost (${err.message}): another process may have taken it over. Nothing more was written; look at the session's status before resuming it.`);
  }

  /** Nothing more can be recorded, so nothing more may happen: kill what runs and stop. */
  async halt(reason: string): Promise<void> {
    const { lifecycle, recorder, pool } = this.deps;
    if (lifecycle.phase === 'closed') return;
    if (lifecycle.phase !== 'stopping') lifecycle.to('stopping');
    recorder.seal('the session halted');
    this.deps.dispatcher.killAll();
    this.deps.quiesce();
    await Promise.all(pool.all().map((a) => pool.retire(a, 1000)));
    await this.close('interrupted', 3, reason);
  }

  rollbackDone(ok: boolean): void {
    this.rollbackWaiter?.(ok);
    this.rollbackWaiter = undefined;
  }

  /** The workflow agent undoes the completed tasks that have a `rollback`, in the order it decides. */
  private async rollback(): Promise<void> {
    const steps = this.deps.rollbackSteps();
    if (!steps.length) return;
    // The agent reads the completion order from its history: all of it must be on disk.
    await this.deps.recorder.drain();
    const agent = await this.deps.supervisor.single('workflow');
    const done = new Promise<boolean>((resolve) => (this.rollbackWaiter = resolve));
    this.deps.pool.send(agent, { type: 'rollback', steps });
    await done;
  }

  /**
   * Lets every agent but the monitor finish what it was doing (a commit in progress, a
   * safety check) and stop, so all they have to say is journaled before the terminal event:
   * the journal's last line says how the session ended. The monitor stays to see that line.
   */
  private async windDown(): Promise<void> {
    const { pool } = this.deps;
    // Worktrees are cleaned up (or parked on their branches) while the git agent still runs.
    await this.deps.git.tidy();
    await Promise.all(pool.all().filter((a) => a.kind !== 'monitor').map((a) => pool.retire(a, 3000)));
  }

  private close(status: SessionOutcome['status'], exitCode: SessionOutcome['exitCode'], reason: string): Promise<void> {
    this.closing ??= this.closeOnce(status, exitCode, reason);
    return this.closing;
  }

  private async closeOnce(status: SessionOutcome['status'], exitCode: SessionOutcome['exitCode'], reason: string): Promise<void> {
    const { recorder, pool, supervisor, lifecycle } = this.deps;
    this.deps.quiesce();
    // Every event reaches its subscribers before they are asked to shut down.
    await recorder.drain();
    await new Promise((resolve) => setImmediate(resolve));
    // The terminal event already says every agent ends with the session (the replay marks
    // them terminated), so the journal's last line stays the one that says how it ended.
    await Promise.all(pool.all().map((a) => pool.retire(a, 3000)));
    lifecycle.to('closed');
    recorder.seal('the session closed');
    if (this.ownsFiles) {
      supervisor.writeRecords();
      await Promise.all([recorder.drain(), this.deps.writeSessionRecord().catch(() => undefined), supervisor.writeLists().catch(() => undefined)]);
      await this.deps.store.flush();
    }
    await recorder.close();
    await this.deps.locks.release();
    this.deps.ended({ sessionId: recorder.state.id, status, exitCode, reason });
  }
}
