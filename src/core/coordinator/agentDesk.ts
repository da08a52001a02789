// The coordinator's side of coding agents: which conversation an attempt runs under
// (journaled before it starts), what the agents report (as journal events), and the two
// limits on starting another agent task: the milestone's budget and the rate-limit
// backoff. Shell tasks never pass through here.
import { promises as fs } from 'node:fs';
import { adapterFor } from '../agents/adapters';
import type { AgentToCoordinator } from '../agents/messages';
import type { Milestone, Task } from '../milestone/model';
import { parseMilestoneText } from '../milestone/parse';
import type { SessionState } from '../session/state';
import { AgentLimit } from './agentLimit';
import { agentEvent } from './agentReports';
import { Budget } from './budget';
import { conversationFor } from './conversations';
import { profileFor } from './processSpecs';
import type { Recorder } from './recorder';

export interface AgentDeskDeps {
  milestone: Milestone;
  /** The milestone file as the user names it (relative to the workspace). */
  shownFile: string;
  state: SessionState;
  recorder: Recorder;
  maxExecutors: number;
  profiles?: Record<string, readonly string[]>;
  env: Record<string, string | undefined>;
  /** Agent tasks running now. */
  running: () => number;
  pause: (reason: string) => void;
}

export class AgentDesk {
  private readonly limit: AgentLimit;
  private readonly budget: Budget;
  /** Tasks the user retried: their agent fields are read from the file again before they start. */
  private readonly retried = new Set<string>();
  /** Agent tasks as the file said when they were last retried. */
  private readonly reread = new Map<string, Task>();

  constructor(private readonly deps: AgentDeskDeps) {
    this.limit = new AgentLimit(deps.state.agentLimit, {
      max: () => deps.maxExecutors,
      changed: (limit, reason) => deps.recorder.record('agent_limit_changed', { limit, reason }),
    });
    this.budget = new Budget(deps.milestone.budgetUsd, { spent: () => deps.state.agentTotals.costUsd, file: deps.shownFile, pause: deps.pause });
  }

  /** Another agent task may start now (shell tasks always may, as far as agents go). */
  mayStart(task: Task): boolean {
    return !task.agent || (this.budget.allows() && this.limit.allows(this.deps.running()));
  }

  /**
   * The conversation the agent's attempt runs under, journaled before its process starts.
   * A run that resolves a merge conflict has a prompt of its own: it starts afresh.
   */
  async conversation(task: Task, attempt: number, ownPrompt: boolean): Promise<{ sessionId: string | null; continued: boolean } | { error: string }> {
    const adapter = adapterFor(profileFor(this.deps.milestone, task.agent!, this.deps.profiles).adapter);
    const prior = ownPrompt ? undefined : this.deps.state.tasks.get(task.id);
    const c = await conversationFor(task, prior, adapter, { ...this.deps.env, ...task.env });
    const journaled = await this.deps.recorder.recordDurably('agent_session', { task: task.id, attempt, adapter: adapter.kind, session_id: c.sessionId, continued: c.continued, ...(c.note ? { note: c.note } : {}) });
    if (!journaled) return { error: "the journal could not record the agent's conversation id: not started" };
    return { sessionId: c.sessionId, continued: c.continued };
  }

  /** What an executor read from its agent, as a journal event; spending is checked against the budget. */
  reported(m: Extract<AgentToCoordinator, { type: 'agent_signal' }>): void {
    this.deps.recorder.recordDraft(agentEvent(m.task, m.attempt, m.signal, m.actions));
    if (m.signal.kind === 'result') this.budget.check();
  }

  /** An agent task ended while `running` agent tasks (itself included) ran. */
  ended(task: string, outcome: string, running: number): void {
    if (outcome === 'quota') this.limit.rateLimited(running, task);
    else if (outcome === 'completed') this.limit.succeeded(task);
  }

  /** The user retries the task, perhaps after editing it (a quick fix added a tool to `allowed_tools`). */
  retrying(task: string): void {
    this.retried.add(task);
  }

  /**
   * The task as its next attempt runs it: after a user retry, its prompt and agent fields
   * as the file says now (the rest of the plan, such as its dependencies, stays as started).
   */
  async current(task: Task): Promise<Task> {
    if (this.retried.delete(task.id)) {
      const fresh = (await this.readFile())?.tasks.find((t) => t.id === task.id && t.agent === task.agent);
      if (fresh) {
        const { prompt, budgetUsd, allowedTools, verify, expectChanges, onResume } = fresh;
        this.reread.set(task.id, { ...task, prompt, budgetUsd, allowedTools, verify, expectChanges, onResume });
      }
    }
    return this.reread.get(task.id) ?? task;
  }

  /** Pauses the session, once, if the budget is spent (a resumed session's may still be). */
  checkBudget(): void {
    this.budget.check();
  }

  /** The session goes on after a pause: the user may have raised the budget in the file. */
  async goingOn(): Promise<void> {
    const m = await this.readFile();
    if (m) this.budget.reload(m.budgetUsd);
    this.budget.check();
  }

  /** The milestone as its file says now; undefined when it is gone, unreadable or has errors (then nothing changes). */
  private async readFile(): Promise<Milestone | undefined> {
    try {
      const file = this.deps.milestone.file;
      const parsed = parseMilestoneText(await fs.readFile(file, 'utf8'), file);
      return parsed.diagnostics.some((d) => d.severity === 'error') ? undefined : parsed.milestone;
    } catch {
      return undefined;
    }
  }
}
