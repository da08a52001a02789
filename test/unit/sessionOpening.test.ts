import { strict as assert } from 'node:assert';
import { git, initRepository } from '../support/git';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DirtyWorkingTreeError, MilestoneInvalidError, NoSuchSessionError, NothingToResumeError, RepositoryConflictError, SessionNotResumableError } from '../../src/core/coordinator/errors';
import type { CoordinatorOptions } from '../../src/core/coordinator/options';
import { openNewSession, openResumedSession, type OpenedSession } from '../../src/core/coordinator/sessionOpening';
import type { EventData, EventDraft, EventType } from '../../src/core/session/events';
import { readJournal } from '../../src/core/session/journal';
import { newSessionId, sessionsRoot } from '../../src/core/session/layout';
import { replay } from '../../src/core/session/state';
import { sessionRecordOf } from '../../src/core/session/store';

// Opening a session never starts a worker: the script only has to be named.
const OPTIONS: CoordinatorOptions = { workerScript: path.join(os.tmpdir(), 'no-worker.js') };
/** In place, the user's working tree is the milestone's: its state is checked before a start. */
const IN_PLACE: CoordinatorOptions = { ...OPTIONS, inPlace: true };

const MILESTONE = `id: opening
executors: { min: 2, max: 6 }
tasks:
  - { id: a, run: "true" }
  - { id: b, run: "true" }
  - { id: c, run: "true", depends_on: [b] }
  - { id: d, run: "true" }
  - { id: e, run: "true" }
  - { id: f, run: "true" }
  - { id: g, run: "true", depends_on: [f] }
`;


const exists = (p: string): Promise<boolean> => fs.access(p).then(() => true, () => false);

describe('coordinator/sessionOpening', () => {
  const dirs: string[] = [];
  const held: OpenedSession[] = [];

  /** A workspace holding `.milestones/<id>.yaml` in a git repository where it is committed. */
  async function workspace(milestone = MILESTONE, files: Record<string, string> = {}): Promise<{ dir: string; file: string }> {
    // realpath: git reports the repository root with links resolved (macOS /var → /private/var).
    const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ma-opening-')));
    dirs.push(dir);
    const id = /^id:\s*(\S+)/m.exec(milestone)?.[1] ?? 'test';
    const file = path.join(dir, '.milestones', `${id}.yaml`);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, milestone);
    for (const [name, content] of Object.entries(files)) await fs.writeFile(path.join(dir, name), content);
    initRepository(dir);
    return { dir, file };
  }

  async function release(opened: OpenedSession): Promise<void> {
    held.splice(held.indexOf(opened), 1);
    await opened.journal.close();
    await opened.locks.release();
  }

  async function opened(p: Promise<OpenedSession>): Promise<OpenedSession> {
    const o = await p;
    held.push(o);
    return o;
  }

  /**
   * A session that ran and was interrupted: opened for real, its opening and `events`
   * appended to its real journal, its record written, its locks released.
   */
  async function interruptedSession(file: string, events: EventDraft[]): Promise<string> {
    const o = await opened(openNewSession(file, OPTIONS));
    const append = <K extends EventType>(type: K, data: EventData[K]): Promise<unknown> => o.journal.append(type, data).durable;
    await Promise.all([...o.opening, ...events].map((e) => append(e.type, e.data)));
    const { events: written } = await readJournal(o.paths.events, o.paths.sessionId);
    await o.store.writeSession(sessionRecordOf(replay(o.paths.sessionId, written), new Date().toISOString()));
    await o.store.flush();
    await release(o);
    return o.paths.sessionId;
  }

  afterEach(async () => {
    for (const o of [...held]) await release(o);
    await Promise.all(dirs.splice(0).map((d) => fs.rm(d, { recursive: true, force: true })));
  });

  describe('a new session', () => {
    it('refuses an invalid milestone with its diagnostics, creating nothing under .milestones/sessions', async () => {
      const w = await workspace('id: broken\ntasks:\n  - { id: a, run: "true", depends_on: [a] }\n');
      await assert.rejects(openNewSession(w.file, OPTIONS), (err: unknown) => {
        assert.ok(err instanceof MilestoneInvalidError);
        assert.equal(err.file, w.file);
        assert.ok(err.diagnostics.some((d) => d.severity === 'error' && d.file === w.file), JSON.stringify(err.diagnostics));
        return true;
      });
      assert.equal(await exists(sessionsRoot(w.dir)), false);
    });

    it('in place, refuses a dirty working tree, naming its root and files, and leaves nothing behind', async () => {
      const w = await workspace(MILESTONE, { 'notes.txt': 'v1\n' });
      await fs.writeFile(path.join(w.dir, 'notes.txt'), 'v2\n');
      await fs.writeFile(path.join(w.dir, 'stray.txt'), 'not the milestone’s\n');
      await assert.rejects(openNewSession(w.file, IN_PLACE), (err: unknown) => {
        assert.ok(err instanceof DirtyWorkingTreeError);
        assert.equal(err.root, w.dir);
        assert.deepEqual([...err.files].sort(), ['notes.txt', 'stray.txt']);
        return true;
      });
      assert.equal(await exists(sessionsRoot(w.dir)), false, 'the lock folders of a refused start are removed');

      // The refused start released its locks, or this would be refused as a running milestone.
      const o = await opened(openNewSession(w.file, { ...IN_PLACE, allowDirty: true }));
      assert.equal(o.opening[0]?.type, 'session_started');
    });

    it('by default leaves a dirty working tree alone and gives the session a worktree folder outside the workspace', async () => {
      const w = await workspace(MILESTONE, { 'notes.txt': 'v1\n' });
      await fs.writeFile(path.join(w.dir, 'notes.txt'), 'v2\n');
      await assert.rejects(openNewSession(w.file, { ...OPTIONS, worktreesDir: path.join(w.dir, 'wt') }), /is inside the workspace/);
      const o = await opened(openNewSession(w.file, OPTIONS));
      assert.ok(o.worktrees && !o.worktrees.startsWith(w.dir), o.worktrees);
      assert.ok(o.worktrees.endsWith(o.paths.sessionId));
    });

    it('in place, refuses a repository with a merge in progress, even when changes are allowed', async () => {
      const w = await workspace(MILESTONE, { 'base.txt': 'base\n' });
      git(w.dir, 'checkout', '-q', '-b', 'other');
      await fs.writeFile(path.join(w.dir, 'theirs.txt'), 'theirs\n');
      git(w.dir, 'add', 'theirs.txt');
      git(w.dir, 'commit', '-q', '-m', 'theirs');
      git(w.dir, 'checkout', '-q', 'main');
      await fs.writeFile(path.join(w.dir, 'ours.txt'), 'ours\n');
      git(w.dir, 'add', 'ours.txt');
      git(w.dir, 'commit', '-q', '-m', 'ours');
      git(w.dir, 'merge', '-q', '--no-ff', '--no-commit', 'other');

      for (const allowDirty of [false, true]) {
        await assert.rejects(openNewSession(w.file, { ...IN_PLACE, allowDirty }), (err: unknown) => {
          assert.ok(err instanceof RepositoryConflictError);
          assert.equal(err.root, w.dir);
          assert.equal(err.conflict.kind, 'merge');
          return true;
        });
      }
      assert.equal(await exists(sessionsRoot(w.dir)), false);
    });

    it('opens with session_started, an empty state and a new journal, and keeps its files out of git status', async () => {
      const w = await workspace();
      const o = await opened(openNewSession(w.file, { ...OPTIONS, failFast: true }));
      assert.equal(o.milestone.id, 'opening');
      assert.equal(o.paths.workspace, w.dir);
      assert.match(o.paths.sessionId, /^opening-\d{8}-\d{6}-[0-9a-f]{4}$/);
      assert.deepEqual(o.history, []);
      assert.equal(o.state.tasks.size, 0);
      assert.equal(o.journal.lastSeq, 0);
      assert.ok(await exists(o.paths.events));
      assert.deepEqual(o.executors, { min: 2, max: 6 });

      assert.equal(o.opening.length, 1);
      const started = o.opening[0]!;
      assert.ok(started.type === 'session_started');
      assert.equal(started.data.milestone_id, 'opening');
      assert.equal(started.data.milestone_file, w.file);
      assert.equal(started.data.workspace, w.dir);
      assert.equal(started.data.pid, process.pid);
      assert.equal(started.data.on_failure, 'stop', '--fail-fast wins over the file');
      assert.deepEqual(started.data.executors, { min: 2, max: 6 });
      assert.deepEqual(
        started.data.tasks.map((t) => [t.id, t.depends_on]),
        [['a', []], ['b', []], ['c', ['b']], ['d', []], ['e', []], ['f', []], ['g', ['f']]],
      );
      assert.equal(git(w.dir, 'status', '--porcelain'), '', 'session state is not a change');
    });

    for (const { executors, expected } of [
      { executors: undefined, expected: { min: 2, max: 6 } },
      { executors: 4, expected: { min: 2, max: 4 } },
      { executors: 1, expected: { min: 1, max: 1 } },
      { executors: 9, expected: { min: 2, max: 9 } },
    ]) {
      it(`takes executors ${JSON.stringify(expected)} from min 2, max 6 and --executors ${executors ?? 'unset'}`, async () => {
        const w = await workspace();
        const o = await opened(openNewSession(w.file, executors === undefined ? OPTIONS : { ...OPTIONS, executors }));
        assert.deepEqual(o.executors, expected);
        const started = o.opening[0]!;
        assert.ok(started.type === 'session_started');
        assert.deepEqual(started.data.executors, expected);
      });
    }
  });

  describe('a resumed session', () => {
    it('refuses a session id the workspace does not have', async () => {
      const w = await workspace();
      const id = newSessionId('opening');
      await assert.rejects(openResumedSession(w.dir, id, OPTIONS), (err: unknown) => {
        assert.ok(err instanceof NoSuchSessionError);
        assert.equal(err.sessionId, id);
        assert.equal(err.workspace, w.dir);
        return true;
      });
    });

    it('finds nothing to resume in a workspace without sessions', async () => {
      const w = await workspace();
      await assert.rejects(openResumedSession(w.dir, undefined, OPTIONS), (err: unknown) => err instanceof NothingToResumeError && err.workspace === w.dir);
    });

    it('finds nothing to resume when the only session completed, and refuses it by name', async () => {
      const w = await workspace();
      const id = await interruptedSession(w.file, [{ type: 'milestone_completed', data: { duration_ms: 1, tasks: 7 } }]);
      await assert.rejects(openResumedSession(w.dir, undefined, OPTIONS), NothingToResumeError);
      await assert.rejects(openResumedSession(w.dir, id, OPTIONS), (err: unknown) => {
        assert.ok(err instanceof SessionNotResumableError);
        assert.equal(err.why, 'completed');
        assert.equal(err.sessionId, id);
        return true;
      });
    });

    it('finds nothing to resume when the only session is run by a live coordinator', async () => {
      const w = await workspace();
      const o = await opened(openNewSession(w.file, OPTIONS));
      await o.store.writeSession(sessionRecordOf(o.state, new Date().toISOString()));
      await o.store.flush();
      await assert.rejects(openResumedSession(w.dir, undefined, OPTIONS), NothingToResumeError);
    });

    it('re-queues the tasks that were running and resets the failed, skipped, cancelled and queued ones', async () => {
      const w = await workspace();
      const id = await interruptedSession(w.file, [
        { type: 'task_queued', data: { task: 'a', attempt: 1, priority: 1 } },
        { type: 'task_queued', data: { task: 'b', attempt: 1, priority: 1 } },
        { type: 'task_queued', data: { task: 'd', attempt: 1, priority: 1 } },
        { type: 'task_queued', data: { task: 'e', attempt: 1, priority: 1 } },
        { type: 'task_queued', data: { task: 'f', attempt: 1, priority: 1 } },
        // A pid that is no process of this session: the leftover check must leave it alone.
        { type: 'task_started', data: { task: 'a', agent: 'executor-1', attempt: 1, pid: 0, command: 'true' } },
        { type: 'task_started', data: { task: 'b', agent: 'executor-2', attempt: 1, pid: 0, command: 'true' } },
        { type: 'task_failed', data: { task: 'b', agent: 'executor-2', attempt: 1, duration_ms: 5, exit_code: 1, signal: null, reason: 'exit', message: 'exit 1', final: true } },
        { type: 'task_skipped', data: { task: 'c', because: 'b', reason: 'b failed' } },
        { type: 'task_cancelled', data: { task: 'd', reason: 'by hand' } },
        { type: 'task_started', data: { task: 'f', agent: 'executor-1', attempt: 1, pid: 0, command: 'true' } },
        { type: 'task_completed', data: { task: 'f', agent: 'executor-1', attempt: 1, duration_ms: 5 } },
        { type: 'session_interrupted', data: { reason: 'signal' } },
      ]);

      const o = await opened(openResumedSession(w.dir, undefined, OPTIONS));
      assert.equal(o.paths.sessionId, id, 'the newest session that can be resumed');
      assert.equal(o.history.length, 14);
      assert.equal(o.journal.lastSeq, 14, 'the journal numbers on');
      assert.equal(o.state.tasks.get('a')?.status, 'running', 'the state is the journal’s, before the resume is recorded');
      assert.deepEqual(o.executors, { min: 2, max: 6 });
      assert.equal(o.opening.length, 1, 'a clean tree and a whole journal: no alert');
      const resumed = o.opening[0]!;
      assert.ok(resumed.type === 'session_resumed');
      assert.equal(resumed.data.by, 'recovery');
      assert.equal(resumed.data.pid, process.pid);
      assert.deepEqual(resumed.data.requeued, ['a']);
      assert.deepEqual(resumed.data.reset, ['b', 'c', 'd', 'e']);
      assert.equal(resumed.data.torn_line, undefined);
      assert.deepEqual(resumed.data.tasks?.map((t) => t.id), ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    });

    it('reads the milestone file afresh: a task taken out of it since is neither re-queued nor reset', async () => {
      const w = await workspace();
      const id = await interruptedSession(w.file, [
        { type: 'task_queued', data: { task: 'd', attempt: 1, priority: 1 } },
        { type: 'task_queued', data: { task: 'e', attempt: 1, priority: 1 } },
        { type: 'task_started', data: { task: 'e', agent: 'executor-1', attempt: 1, pid: 0, command: 'true' } },
      ]);
      await fs.writeFile(w.file, MILESTONE.replace('  - { id: e, run: "true" }\n', ''));
      git(w.dir, 'commit', '-q', '-am', 'e is not needed');

      const o = await opened(openResumedSession(w.dir, id, OPTIONS));
      const resumed = o.opening[0]!;
      assert.ok(resumed.type === 'session_resumed');
      assert.deepEqual(resumed.data.requeued, []);
      assert.deepEqual(resumed.data.reset, ['d']);
      assert.deepEqual(resumed.data.tasks?.map((t) => t.id), ['a', 'b', 'c', 'd', 'f', 'g']);
    });

    it('reports a torn last line of the journal, which it cut off', async () => {
      const w = await workspace();
      const id = await interruptedSession(w.file, [{ type: 'task_queued', data: { task: 'a', attempt: 1, priority: 1 } }]);
      const events = path.join(sessionsRoot(w.dir), id, 'events.jsonl');
      await fs.appendFile(events, '{"seq":3,"timestamp":"2025-');

      const o = await opened(openResumedSession(w.dir, id, OPTIONS));
      assert.equal(o.history.length, 2);
      assert.deepEqual(o.opening.map((e) => e.type), ['session_resumed', 'alert']);
      const [resumed, torn] = o.opening;
      assert.ok(resumed?.type === 'session_resumed');
      assert.equal(resumed.data.torn_line, 3);
      assert.deepEqual(resumed.data.reset, ['a'], 'a queued task is reset');
      assert.ok(torn?.type === 'alert');
      assert.equal(torn.data.kind, 'torn_journal');
      assert.match(torn.data.message, /^The last line of the journal \(line 3\) was cut off by a crash \(the line has no end/);
    });

    it('in place, names the changes left in the working tree, and still resumes', async () => {
      const w = await workspace(MILESTONE, { 'notes.txt': 'v1\n' });
      const id = await interruptedSession(w.file, [{ type: 'task_started', data: { task: 'a', agent: 'executor-1', attempt: 1, pid: 0, command: 'true' } }]);
      await fs.writeFile(path.join(w.dir, 'notes.txt'), 'half written\n');
      await fs.writeFile(path.join(w.dir, 'partial.txt'), 'half written\n');
      await fs.appendFile(path.join(sessionsRoot(w.dir), id, 'events.jsonl'), '{"seq":');

      const o = await opened(openResumedSession(w.dir, id, IN_PLACE));
      assert.deepEqual(o.opening.map((e) => (e.type === 'alert' ? e.data.kind : e.type)), ['session_resumed', 'uncommitted_changes', 'torn_journal']);
      const changes = o.opening[1]!;
      assert.ok(changes.type === 'alert');
      assert.match(changes.data.message, /^The working tree has uncommitted changes from before the resume \((notes\.txt, partial\.txt|partial\.txt, notes\.txt)\)/);
    });

    it('refuses a session whose journal has no session_started', async () => {
      const w = await workspace();
      const id = newSessionId('opening');
      const events = path.join(sessionsRoot(w.dir), id, 'events.jsonl');
      await fs.mkdir(path.dirname(events), { recursive: true });
      await fs.writeFile(events, `${JSON.stringify({ seq: 1, timestamp: new Date().toISOString(), type: 'alert', data: { kind: 'stalled_task', message: 'x' }, session: id })}\n`);
      await assert.rejects(openResumedSession(w.dir, id, OPTIONS), (err: unknown) => err instanceof SessionNotResumableError && err.why === 'never_started');
      // The refusal released the session lock: a second attempt meets the same refusal, not a lock.
      await assert.rejects(openResumedSession(w.dir, id, OPTIONS), SessionNotResumableError);
    });
  });
});
