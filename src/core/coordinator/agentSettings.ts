// What each agent is told when it starts: the session, its settings, and for the kinds
// that keep a model of the session, the history to rebuild it from.
import type { AgentInit, GitConfig } from '../agents/messages';
import type { Milestone } from '../milestone/model';
import type { AgentKind, JournalEvent } from '../session/events';
import type { SessionPaths } from '../session/layout';
import type { CoordinatorOptions } from './options';

/** These kinds keep a model of the session: a replacement rebuilds it from the journal. */
const NEEDS_HISTORY: ReadonlySet<AgentKind> = new Set(['monitor', 'validator', 'safety', 'workflow']);

export function gitConfig(milestone: Milestone, options: CoordinatorOptions, baseCommit: string | null, worktrees?: string): GitConfig {
  return {
    ...(options.gitBinary ? { binary: options.gitBinary } : {}),
    ...(options.gitRepository ? { repository: options.gitRepository } : {}),
    branch: milestone.branch,
    autoCommit: options.autoCommit ?? milestone.git.autoCommit,
    threshold: milestone.git.threshold,
    push: milestone.git.push,
    allowDirty: options.allowDirty === true,
    milestoneId: milestone.id,
    ...(baseCommit ? { baseCommit } : {}),
    ...(worktrees ? { worktrees } : {}),
  };
}

export function agentInit(kind: AgentKind, s: { milestone: Milestone; options: CoordinatorOptions; paths: SessionPaths; git: GitConfig; maxExecutors: number; history(): readonly JournalEvent[] }): AgentInit {
  const { milestone, options, paths } = s;
  return {
    type: 'init',
    session: { id: paths.sessionId, workspace: paths.workspace, dir: paths.dir, milestoneFile: milestone.file, milestoneId: milestone.id },
    heartbeatMs: options.heartbeatMs ?? 2000,
    ...(NEEDS_HISTORY.has(kind) ? { history: [...s.history()] } : {}),
    settings: {
      stallAfterMs: options.stallAfterMs ?? milestone.stallAfterMs,
      complexity: milestone.complexity,
      maxExecutors: s.maxExecutors,
      ...(options.profiles ? { profiles: options.profiles } : {}),
      git: s.git,
    },
  };
}
