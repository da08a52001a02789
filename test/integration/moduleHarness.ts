// A session's parts without a Coordinator: a real journal, store and agent pool in a temp
// workspace, for the tests of one coordinator module (supervision, git stewardship, gates)
// with real agent workers. The test routes the pool's messages to the module under test.
import * as path from 'node:path';
import type { AgentInit, AgentToCoordinator, GitConfig } from '../../src/core/agents/messages';
import { AgentPool, type AgentHandle } from '../../src/core/coordinator/agentPool';
import { AgentSupervisor } from '../../src/core/coordinator/agentSupervisor';
import { Recorder } from '../../src/core/coordinator/recorder';
import type { AgentKind, JournalEvent } from '../../src/core/session/events';
import { Journal } from '../../src/core/session/journal';
import { SessionPaths } from '../../src/core/session/layout';
import { emptySessionState } from '../../src/core/session/state';
import { SessionStore } from '../../src/core/session/store';
import { WORKER } from './helpers';

export interface Harness {
  paths: SessionPaths;
  recorder: Recorder;
  store: SessionStore;
  pool: AgentPool;
  supervisor: AgentSupervisor;
  events: JournalEvent[];
  /** Resolves with the first durable event that matches (seen ones count). */
  waitFor(pred: (e: JournalEvent) => boolean): Promise<JournalEvent>;
  /** Where the pool's messages go; `emit`s are recorded by the harness first. */
  onMessage: (agent: AgentHandle, m: AgentToCoordinator) => void;
  stopping: boolean;
  close(): Promise<void>;
}

export async function harness(workspace: string, git?: Partial<GitConfig>): Promise<Harness> {
  const paths = new SessionPaths(workspace, 'mod-20250101-100000-abcd');
  const { journal } = await Journal.open(paths.events, paths.sessionId, { create: true });
  const store = new SessionStore(paths);
  await store.init();
  const state = emptySessionState(paths.sessionId);
  const events: JournalEvent[] = [];
  const waiters: { pred: (e: JournalEvent) => boolean; resolve: (e: JournalEvent) => void }[] = [];
  const h = { stopping: false } as Harness;
  const pool = new AgentPool(WORKER, 10_000, {
    message: (agent, m) => {
      if (m.type === 'emit' && h.supervisor.mayEmit(agent, m.event)) recorder.recordDraft(m.event);
      h.onMessage(agent, m);
    },
    lost: (agent, reason, detail) => void h.supervisor.replace(agent, reason, detail),
  });
  const recorder = new Recorder(journal, state, [], (e) => pool.deliver(e));
  recorder.onEvent((e) => {
    events.push(e);
    for (const w of [...waiters]) {
      if (!w.pred(e)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(e);
    }
  });
  const gitConfig: GitConfig = { branch: 'milestone/mod', autoCommit: 'task', threshold: 10, push: false, allowDirty: false, milestoneId: 'mod', ...git };
  const init = (kind: AgentKind): AgentInit => ({
    type: 'init',
    session: { id: paths.sessionId, workspace, dir: paths.dir, milestoneFile: path.join(workspace, '.milestones', 'mod.yaml'), milestoneId: 'mod' },
    heartbeatMs: 200,
    ...(kind === 'workflow' ? { history: [...recorder.history()] } : {}),
    settings: { stallAfterMs: 60_000, complexity: 'medium', maxExecutors: 2, git: gitConfig },
  });
  const supervisor = new AgentSupervisor({ pool, recorder, store, sessionId: paths.sessionId, init, stopping: () => h.stopping });
  Object.assign(h, {
    paths,
    recorder,
    store,
    pool,
    supervisor,
    events,
    onMessage: () => undefined,
    waitFor(pred: (e: JournalEvent) => boolean): Promise<JournalEvent> {
      const seen = events.find(pred);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ pred, resolve }));
    },
    async close() {
      h.stopping = true;
      await Promise.all(pool.all().map((a) => pool.retire(a, 2000)));
      await recorder.drain();
      await store.flush();
      await recorder.close();
    },
  });
  return h;
}
