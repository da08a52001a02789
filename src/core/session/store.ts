import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { isValidId } from '../ids';
import { CoalescingWriter } from './atomic';
import type { AgentKind, AgentStatus } from './events';
import { sessionsRoot, type SessionPaths } from './layout';
import type { SessionState } from './state';

/** `<session-id>.yaml`, the seed's session record. */
export interface SessionRecord {
  session: {
    id: string;
    milestone_id: string;
    milestone_file: string;
    status: string;
    started_at: string;
    updated_at: string;
    ended_at: string | null;
    pid: number;
    workspace: string;
  };
}

/**
 * `agents/<agent-id>.yaml`, the seed's agent record, holding the agent's own numbers: the
 * work it did in its own unit (an executor's tasks, the git agent's commits, the quality
 * agent's gates, ...), the errors it met, and how often it was replaced.
 */
export interface AgentRecord {
  agent: { id: string; type: AgentKind; session_id: string; status: AgentStatus; started_at: string; terminated_at: string | null };
  state: { current_task: string | null; health: 'healthy' | 'degraded' | 'terminated' };
  metrics: { work_done: number; work_unit: string; errors_encountered: number; restarts: number; execution_time: number };
}

/** Writes the session's YAML and text files: atomically, under a lock, newest state wins. */
export class SessionStore {
  private readonly writer = new CoalescingWriter();

  constructor(readonly paths: SessionPaths) {}

  onError(listener: (file: string, err: unknown) => void): void {
    this.writer.onError(listener);
  }

  async init(): Promise<void> {
    await fs.mkdir(this.paths.agentsDir, { recursive: true });
    await fs.mkdir(this.paths.logsDir, { recursive: true });
  }

  writeSession(record: SessionRecord): Promise<void> {
    return this.writer.set(this.paths.sessionFile, stringify(record));
  }

  writeAgent(record: AgentRecord): Promise<void> {
    return this.writer.set(this.paths.agentFile(record.agent.id), stringify(record));
  }

  writeActiveAgents(ids: readonly string[]): Promise<void> {
    return this.writer.set(this.paths.activeAgents, ids.length ? `${ids.join('\n')}\n` : '');
  }

  /** `<agent-id>:<type>,<type>` per line. */
  writeSubscriptions(subs: ReadonlyMap<string, readonly string[]>): Promise<void> {
    const lines = [...subs].map(([agent, types]) => `${agent}:${types.join(',')}`);
    return this.writer.set(this.paths.subscriptions, lines.length ? `${lines.join('\n')}\n` : '');
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }
}

/** The session record as the state says: `startedAt` until the journal has the start. */
export function sessionRecordOf(s: SessionState, startedAt: string): SessionRecord {
  return {
    session: {
      id: s.id,
      milestone_id: s.milestoneId,
      milestone_file: s.milestoneFile,
      status: s.status,
      started_at: s.startedAt ?? startedAt,
      updated_at: new Date().toISOString(),
      ended_at: s.endedAt,
      pid: process.pid,
      workspace: s.workspace,
    },
  };
}

export async function readSessionRecord(file: string): Promise<SessionRecord | undefined> {
  try {
    const rec = parseYaml(await fs.readFile(file, 'utf8')) as SessionRecord | null;
    return rec?.session && isValidId(rec.session.id) ? rec : undefined;
  } catch {
    return undefined;
  }
}

/** Sessions of a workspace, newest first (session ids sort by start time). */
export async function listSessions(workspace: string): Promise<SessionRecord[]> {
  const root = sessionsRoot(workspace);
  let names: string[];
  try {
    names = await fs.readdir(root);
  } catch {
    return [];
  }
  const records = await Promise.all(
    names.filter((n) => n.endsWith('.yaml') && isValidId(n.slice(0, -5))).map((n) => readSessionRecord(path.join(root, n))),
  );
  return records
    .filter((r): r is SessionRecord => r !== undefined)
    .sort((a, b) => (a.session.started_at < b.session.started_at ? 1 : a.session.started_at > b.session.started_at ? -1 : b.session.id.localeCompare(a.session.id)));
}
