// Which conversation an agent task's attempt runs under. A new one gets an id chosen here
// (journaled before the agent starts, so a crash a millisecond later still knows it); an
// interrupted one (the coordinator died, the user stopped the session, the API ran out of
// quota) is continued under its own id, when the task says `on_resume: continue` and the
// agent still has its transcript.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Adapter } from '../agents/adapters/adapter';
import type { Task } from '../milestone/model';
import type { TaskState } from '../session/state';

export interface Conversation {
  sessionId: string | null;
  continued: boolean;
  /** Why an interrupted conversation starts afresh instead. */
  note?: string;
}

/**
 * Claude Code keeps each conversation as `<config dir>/projects/<folder>/<id>.jsonl`; the
 * folder's name is its own encoding of the working directory, so any folder will do.
 */
export async function claudeTranscriptExists(sessionId: string, env: Record<string, string | undefined>): Promise<boolean> {
  const config = env.CLAUDE_CONFIG_DIR ?? path.join(env.HOME ?? os.homedir(), '.claude');
  const projects = path.join(config, 'projects');
  const folders = await fs.readdir(projects).catch(() => [] as string[]);
  for (const f of folders) {
    if (await fs.access(path.join(projects, f, `${sessionId}.jsonl`)).then(() => true, () => false)) return true;
  }
  return false;
}

export async function conversationFor(task: Task, prior: TaskState | undefined, adapter: Adapter, env: Record<string, string | undefined>): Promise<Conversation> {
  const run = prior?.agentRun;
  const fresh = (note?: string): Conversation => ({ sessionId: adapter.newSessionId(), continued: false, ...(note ? { note } : {}) });
  if (!run?.sessionId || run.ended || run.adapter !== adapter.kind) return fresh();
  if (task.onResume === 'restart') return fresh(`on_resume is restart: conversation ${run.sessionId} is not continued`);
  if (adapter.kind !== 'claude') return fresh(`the ${adapter.kind} adapter cannot continue a conversation: starting afresh`);
  if (!(await claudeTranscriptExists(run.sessionId, env))) return fresh(`Claude Code has no transcript of conversation ${run.sessionId} (it was interrupted before its first message): starting afresh`);
  return { sessionId: run.sessionId, continued: true };
}
