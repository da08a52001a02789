import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Coordinator, type CoordinatorOptions, type SessionOutcome } from '../../src/core/coordinator/coordinator';
import { readJournal } from '../../src/core/session/journal';
import type { JournalEvent } from '../../src/core/session/events';
import { initRepository } from '../support/git';

export const ROOT = path.resolve(__dirname, '..', '..');

// Sessions whose test gives no worktrees folder (and the CLIs they start) put theirs in
// the temp folder, not in the user's cache.
process.env.MILESTONE_WORKTREES_DIR ??= path.join(os.tmpdir(), 'milestone-agents-test-worktrees');
export const WORKER = path.join(ROOT, 'dist', 'worker.js');
export const CLI = path.join(ROOT, 'dist', 'cli.js');
export const FAKE_AGENT = path.join(ROOT, 'examples', 'demo', 'tools', 'fake-agent.mjs');

const created: string[] = [];

export async function tempDir(prefix = 'ma-it-'): Promise<string> {
  const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), prefix)));
  created.push(dir);
  return dir;
}

export async function cleanupTempDirs(): Promise<void> {
  await Promise.all(created.splice(0).map((d) => fs.rm(d, { recursive: true, force: true })));
}

export { git } from '../support/git';

/** A workspace with `.milestones/<id>.yaml`, optionally a git repository with that file committed. */
export async function workspace(milestone: string, options: { git?: boolean; files?: Record<string, string>; id?: string } = {}): Promise<{ dir: string; file: string }> {
  const dir = await tempDir();
  const id = options.id ?? /^id:\s*(\S+)/m.exec(milestone)?.[1] ?? 'test';
  await fs.mkdir(path.join(dir, '.milestones'), { recursive: true });
  const file = path.join(dir, '.milestones', `${id}.yaml`);
  await fs.writeFile(file, milestone);
  for (const [name, content] of Object.entries(options.files ?? {})) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), content);
  }
  if (options.git !== false) {
    initRepository(dir);
  }
  return { dir, file };
}

export const FAST: Partial<CoordinatorOptions> = { retryBaseMs: 50, graceMs: 500, idleExecutorMs: 300, heartbeatMs: 200, unresponsiveAfterMs: 1500, resourceCeiling: 1.01 };

export interface Started {
  coordinator: Coordinator;
  events: JournalEvent[];
  outcome: Promise<SessionOutcome>;
  /** Resolves with the first event matching the predicate (already seen ones count). */
  waitFor(pred: (e: JournalEvent) => boolean): Promise<JournalEvent>;
}

export function follow(coordinator: Coordinator): Started {
  const events: JournalEvent[] = [];
  const waiters: { pred: (e: JournalEvent) => boolean; resolve: (e: JournalEvent) => void }[] = [];
  coordinator.onEvent((e) => {
    events.push(e);
    for (const w of [...waiters]) {
      if (w.pred(e)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  });
  return {
    coordinator,
    events,
    outcome: coordinator.done,
    waitFor(pred) {
      const seen = events.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
  };
}

export async function start(file: string, options: Partial<CoordinatorOptions> = {}): Promise<Started> {
  return follow(await Coordinator.start(file, { workerScript: WORKER, ...FAST, ...options }));
}

export async function resume(dir: string, sessionId: string | undefined, options: Partial<CoordinatorOptions> = {}): Promise<Started> {
  return follow(await Coordinator.resume(dir, sessionId, { workerScript: WORKER, ...FAST, ...options }));
}

export function ofType<K extends JournalEvent['type']>(events: readonly JournalEvent[], type: K): Extract<JournalEvent, { type: K }>[] {
  return events.filter((e): e is Extract<JournalEvent, { type: K }> => e.type === type);
}

export async function journalOf(dir: string, sessionId: string): Promise<JournalEvent[]> {
  return (await readJournal(path.join(dir, '.milestones', 'sessions', sessionId, 'events.jsonl'))).events;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { cwd: string; env?: Record<string, string>; onStdout?: (text: string, child: ChildProcess) => void } = { cwd: ROOT }): Promise<CliResult> & { child: ChildProcess } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: { ...process.env, NO_COLOR: '1', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    options.onStdout?.(stdout, child);
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))) as Promise<CliResult> & { child: ChildProcess };
  done.child = child;
  return done;
}

export { isRunning } from '../support/processes';

/** Lines appended to a file by tasks (`echo x >> runs.log`), to count how often each ran. */
export async function lines(file: string): Promise<string[]> {
  return (await fs.readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);
}
