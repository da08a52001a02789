// The latest session of a milestone, as its journal says, for hovers. Sessions are written
// by another process (the engine in the editor or the CLI) while the user reads, so every
// answer is checked against the files' stamps, and a file-watcher notification drops the
// cache at once. A torn last line is what a crash leaves and is dropped by the reader; a
// damaged journal or an unreadable record only means that session is not shown.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readJournal } from '../../core/session/journal';
import { SessionPaths, sessionsRoot } from '../../core/session/layout';
import { replay, type GateState, type SessionStatus, type TaskState } from '../../core/session/state';
import { listSessions, type SessionRecord } from '../../core/session/store';

export interface LatestRun {
  sessionId: string;
  status: SessionStatus;
  startedAt: string | null;
  tasks: ReadonlyMap<string, TaskState>;
  gates: ReadonlyMap<string, GateState>;
}

/** The milestone a document defines: sessions name it by id, and by file. */
export interface MilestoneRef {
  id: string;
  file: string;
}

interface Stamped<T> {
  stamp: string;
  value: Promise<T>;
}

export class SessionInfo {
  private readonly lists = new Map<string, Stamped<SessionRecord[]>>();
  private readonly runs = new Map<string, Stamped<LatestRun | undefined>>();

  constructor(private readonly log: (message: string) => void = () => undefined) {}

  /** The newest readable session of this milestone in the workspace, or undefined when there is none. */
  async latest(workspace: string, milestone: MilestoneRef): Promise<LatestRun | undefined> {
    const file = path.resolve(milestone.file);
    for (const record of await this.sessions(workspace)) {
      const s = record.session;
      if (s.milestone_id !== milestone.id && path.resolve(s.milestone_file) !== file) continue;
      const run = await this.run(workspace, s.id);
      if (run) return run;
    }
    return undefined;
  }

  /** Forget what was read: everything, or one workspace's sessions. */
  invalidate(workspace?: string): void {
    if (workspace === undefined) {
      this.lists.clear();
      this.runs.clear();
      return;
    }
    const root = sessionsRoot(path.resolve(workspace));
    this.lists.delete(root);
    for (const key of this.runs.keys()) if (key.startsWith(root + path.sep)) this.runs.delete(key);
  }

  private async sessions(workspace: string): Promise<SessionRecord[]> {
    const root = sessionsRoot(path.resolve(workspace));
    // Records are replaced by rename, which changes the folder's stamp too.
    return this.cached(this.lists, root, await stampOf(root), () => listSessions(path.resolve(workspace)));
  }

  private async run(workspace: string, sessionId: string): Promise<LatestRun | undefined> {
    const paths = new SessionPaths(path.resolve(workspace), sessionId);
    return this.cached(this.runs, paths.events, await stampOf(paths.events), async () => {
      try {
        const journal = await readJournal(paths.events, sessionId);
        if (journal.events.length === 0) return undefined;
        const state = replay(sessionId, journal.events);
        return { sessionId, status: state.status, startedAt: state.startedAt, tasks: state.tasks, gates: state.gates };
      } catch (err) {
        this.log(`Session ${sessionId} is not shown in hovers: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      }
    });
  }

  private cached<T>(table: Map<string, Stamped<T>>, key: string, stamp: string, load: () => Promise<T>): Promise<T> {
    const hit = table.get(key);
    if (hit && hit.stamp === stamp) return hit.value;
    const value = load();
    table.set(key, { stamp, value });
    return value;
  }
}

async function stampOf(file: string): Promise<string> {
  try {
    const st = await fs.stat(file);
    return `${st.mtimeMs}:${st.size}:${st.ino}`;
  } catch {
    return 'absent';
  }
}
