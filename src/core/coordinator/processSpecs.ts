import * as path from 'node:path';
import type { AgentProfile, Milestone, QualityGate, Task } from '../milestone/model';
import { resolveProfiles } from '../milestone/profiles';
import { adapterFor } from '../agents/adapters';
import { CONTINUE_PROMPT } from '../agents/adapters/adapter';
import type { AgentRunSpec, ProcessSpec } from '../process/processSpec';
import type { GateSummary, TaskSummary } from '../session/events';
import type { SessionPaths } from '../session/layout';

export function taskSummaries(m: Milestone): TaskSummary[] {
  return m.tasks.map((t) => ({
    id: t.id,
    title: t.title,
    depends_on: [...t.dependsOn],
    kind: t.agent ? 'agent' : 'run',
    command: t.agent ? `${t.agent}: ${t.prompt ?? ''}` : (t.run ?? ''),
    retries: t.retries,
    isolation: t.isolation,
    ...(t.review ? { review: true } : {}),
  }));
}

export function gateSummaries(m: Milestone): GateSummary[] {
  return m.quality.map((g) => ({ id: g.id, title: g.title, after: [...g.after], blocking: g.blocking }));
}

export interface SpecContext {
  milestone: Milestone;
  workspace: string;
  paths: SessionPaths;
  sessionId: string;
  graceMs: number;
  env: Record<string, string | undefined>;
  profiles?: Record<string, readonly string[]>;
  /** Where shared work happens: the integration worktree's copy of the workspace, or the workspace. */
  shared(): string;
}

function baseEnv(ctx: SpecContext, extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.env)) if (v !== undefined) env[k] = v;
  return {
    ...env,
    ...extra,
    MILESTONE_ID: ctx.milestone.id,
    MILESTONE_SESSION: ctx.sessionId,
    MILESTONE_WORKSPACE: ctx.workspace,
  };
}

/**
 * Where a task runs: `root` stands for the workspace (the user's, the integration
 * worktree's copy of it, or the task's own worktree's), with what the environment adds.
 */
export interface TaskPlace {
  root: string;
  env: Record<string, string>;
  /** A fresh worktree: the task's `setup` runs first. */
  fresh: boolean;
  /** Replaces the task's prompt (its agent is asked to resolve a conflict). */
  prompt?: string;
  /** The agent's conversation: a new one, or an interrupted one to continue. */
  conversation?: { sessionId: string | null; continued: boolean };
}

/** A task's agent profile; an unknown name runs as a program of that name. */
export function profileFor(m: Milestone, agent: string, extra?: Record<string, readonly string[]>): AgentProfile {
  return resolveProfiles(m.agents, extra)[agent] ?? { adapter: 'generic', command: [agent, '{prompt}'] };
}

/** How to run a task: its shell command, or its agent profile with the prompt as one argument. */
export function taskSpec(ctx: SpecContext, task: Task, attempt: number, place: TaskPlace = { root: ctx.workspace, env: {}, fresh: false }): ProcessSpec {
  let command: ProcessSpec['command'];
  let shown: string;
  let agent: AgentRunSpec | undefined;
  if (task.agent) {
    const profile = profileFor(ctx.milestone, task.agent, ctx.profiles);
    const conversation = place.conversation ?? { sessionId: null, continued: false };
    const argv = adapterFor(profile.adapter).argv(profile.command, {
      prompt: conversation.continued ? CONTINUE_PROMPT : (place.prompt ?? task.prompt ?? ''),
      ...conversation,
      ...(task.budgetUsd !== undefined ? { budgetUsd: task.budgetUsd } : {}),
      allowedTools: task.allowedTools,
    });
    agent = { adapter: profile.adapter, ...(task.budgetUsd !== undefined ? { budgetUsd: task.budgetUsd } : {}), ...(task.verify !== undefined ? { verify: task.verify } : {}), ...(task.expectChanges ? { expectChanges: true } : {}) };
    command = { argv };
    shown = argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
  } else {
    command = { shell: task.run ?? 'true' };
    shown = task.run ?? '';
  }
  return {
    command,
    cwd: path.resolve(place.root, task.cwd ?? '.'),
    // Checked again at start: an earlier task may have made the folder a link elsewhere.
    within: place.root,
    env: baseEnv(ctx, { ...task.env, ...place.env, MILESTONE_TASK: task.id, MILESTONE_ATTEMPT: String(attempt) }),
    logFile: ctx.paths.logFile(task.id),
    ...(task.timeoutMs !== undefined ? { timeoutMs: task.timeoutMs } : {}),
    graceMs: ctx.graceMs,
    header: `--- ${new Date().toISOString()} ${task.id} attempt ${attempt}: $ ${shown}`,
    ...(place.fresh && task.setup ? { setup: { shell: task.setup, logFile: ctx.paths.logFile(`${task.id}.setup`) } } : {}),
    ...(agent ? { agent } : {}),
  };
}

export function gateSpec(ctx: SpecContext, gate: QualityGate): ProcessSpec {
  return {
    command: { shell: gate.run },
    cwd: ctx.shared(),
    env: baseEnv(ctx, { MILESTONE_GATE: gate.id }),
    logFile: ctx.paths.logFile(gate.id),
    ...(gate.timeoutMs !== undefined ? { timeoutMs: gate.timeoutMs } : {}),
    graceMs: ctx.graceMs,
    header: `--- ${new Date().toISOString()} gate ${gate.id}: $ ${gate.run}`,
  };
}

export function rollbackSpec(ctx: SpecContext, task: Task): ProcessSpec {
  return {
    command: { shell: task.rollback ?? 'true' },
    cwd: path.resolve(ctx.shared(), task.cwd ?? '.'),
    env: baseEnv(ctx, { ...task.env, MILESTONE_TASK: task.id, MILESTONE_ROLLBACK: '1' }),
    logFile: ctx.paths.logFile(task.id),
    graceMs: ctx.graceMs,
    header: `--- ${new Date().toISOString()} rollback ${task.id}: $ ${task.rollback ?? ''}`,
  };
}
