import * as path from 'node:path';
import { assertValidId } from '../ids';

export const MILESTONES_DIR = '.milestones';
export const SESSIONS_DIR = 'sessions';

export function sessionsRoot(workspace: string): string {
  return path.join(workspace, MILESTONES_DIR, SESSIONS_DIR);
}

/** Where each piece of a session lives (DESIGN.md §3). Ids are checked before they become paths. */
export class SessionPaths {
  readonly root: string;
  readonly dir: string;
  readonly sessionFile: string;
  readonly events: string;
  readonly subscriptions: string;
  readonly activeAgents: string;
  readonly agentsDir: string;
  readonly logsDir: string;
  readonly metrics: string;
  /** The session lock (a proper-lockfile lock directory next to it) and its owner record. */
  readonly lockTarget: string;
  readonly lockOwner: string;

  constructor(
    readonly workspace: string,
    readonly sessionId: string,
  ) {
    assertValidId(sessionId, 'session id');
    this.root = sessionsRoot(workspace);
    this.dir = path.join(this.root, sessionId);
    this.sessionFile = path.join(this.root, `${sessionId}.yaml`);
    this.events = path.join(this.dir, 'events.jsonl');
    this.subscriptions = path.join(this.dir, 'subscriptions.txt');
    this.activeAgents = path.join(this.dir, 'active_agents.txt');
    this.agentsDir = path.join(this.dir, 'agents');
    this.logsDir = path.join(this.dir, 'logs');
    this.metrics = path.join(this.dir, 'metrics.json');
    this.lockTarget = path.join(this.dir, 'coordinator');
    this.lockOwner = path.join(this.dir, 'coordinator.json');
  }

  agentFile(agentId: string): string {
    return path.join(this.agentsDir, `${assertValidId(agentId, 'agent id')}.yaml`);
  }

  logFile(taskId: string): string {
    return path.join(this.logsDir, `${assertValidId(taskId, 'task id')}.log`);
  }
}

/** `<milestone>-<yyyymmdd>-<hhmmss>-<4 hex>`: sortable by start time, unique enough, a valid id. */
export function newSessionId(milestoneId: string, now = new Date(), random = Math.random): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}-${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`;
  const suffix = Math.floor(random() * 0x10000).toString(16).padStart(4, '0');
  const prefix = milestoneId.slice(0, 64 - stamp.length - suffix.length - 2).replace(/[._-]+$/, '');
  return `${prefix}-${stamp}-${suffix}`;
}
