// Whose work an event is: the one rule behind each agent's own numbers, in its record
// (agents/<id>.yaml), the Agents view and the dashboard.
import type { AgentKind, JournalEvent } from './events';

/** What each kind of agent counts as its work in its record and in the editor. */
export const WORK_UNIT: Readonly<Record<AgentKind, string>> = {
  executor: 'tasks',
  git: 'commits',
  quality: 'gates',
  workflow: 'rollback steps',
  validator: 'checks',
  safety: 'warnings',
  monitor: 'reports',
};

/**
 * The agents an event credits with a unit of work or an error. Only executors come in
 * numbers, and their events name them; every other kind runs as one agent whose id is
 * its kind, and only that kind reports the events counted for it.
 */
export function creditsOf(e: JournalEvent): { agent: string; field: 'workDone' | 'errors' }[] {
  switch (e.type) {
    case 'task_completed':
      return [{ agent: e.data.agent, field: 'workDone' }];
    case 'task_failed':
      return e.data.agent ? [{ agent: e.data.agent, field: 'errors' }] : [];
    case 'auto_commit':
      return [{ agent: 'git', field: 'workDone' }];
    case 'git_error':
    case 'git_conflict':
      return [{ agent: 'git', field: 'errors' }];
    case 'quality_gate_passed':
    case 'quality_gate_failed':
      return [{ agent: 'quality', field: 'workDone' }];
    case 'rollback_step':
      return e.data.ok ? [{ agent: 'workflow', field: 'workDone' }] : [{ agent: 'workflow', field: 'workDone' }, { agent: 'workflow', field: 'errors' }];
    case 'dependency_issues':
      return [{ agent: 'validator', field: 'workDone' }];
    case 'safety_warning':
      return [{ agent: 'safety', field: 'workDone' }];
    case 'progress':
      return [{ agent: 'monitor', field: 'workDone' }];
    default:
      return [];
  }
}

/** The agents whose record an event changes. */
export function agentsChangedBy(e: JournalEvent): string[] {
  const ids = creditsOf(e).map((c) => c.agent);
  if (e.type === 'agent_registered' || e.type === 'agent_state_changed' || e.type === 'agent_terminated' || e.type === 'agent_recovered') ids.push(e.data.agent);
  return ids;
}
