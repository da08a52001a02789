import { strict as assert } from 'node:assert';
import { promises as fs, realpathSync } from 'node:fs';
import * as path from 'node:path';
import { killGroup, RunningProcess, type ProcessResult } from '../../src/core/process/runningProcess';
import type { ProcessSpec } from '../../src/core/agents/messages';
import { isRunning, TempDirs, waitFor } from './helpers';

describe('agents/process RunningProcess', () => {
  const temp = new TempDirs();
  let dir: string;
  let logFile: string;
  const leftovers: number[] = [];

  beforeEach(async () => {
    dir = realpathSync(await temp.make('ma-proc-'));
    logFile = path.join(dir, 'logs', 'task.log');
  });
  afterEach(async () => {
    // Never leave a sleeping grandchild behind, even when an assertion failed.
    for (const pid of leftovers.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await temp.cleanup();
  });

  const spec = (command: ProcessSpec['command'], extra: Partial<ProcessSpec> = {}): ProcessSpec => ({
    command,
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    logFile,
    graceMs: 2000,
    header: '$ the command (attempt 1)',
    ...extra,
  });

  const readLog = (): Promise<string> => fs.readFile(logFile, 'utf8');

  /** Reads the pid a script wrote to `file`, once it is there. */
  async function pidFrom(file: string): Promise<number> {
    await waitFor(async () => /^\d+\s*$/.test(await fs.readFile(file, 'utf8').catch(() => '')), `${file} to hold a pid`);
    const pid = Number((await fs.readFile(file, 'utf8')).trim());
    leftovers.push(pid);
    return pid;
  }

  it('reports the exit code and logs the header, the output and a footer', async () => {
    const proc = new RunningProcess(spec({ shell: 'echo hello; echo "$GREETING from $(pwd)"; exit 3' }, { env: { PATH: process.env.PATH ?? '', GREETING: 'hi' } }));
    const r = await proc.done;
    assert.deepEqual({ ...r, durationMs: 0 }, { exitCode: 3, signal: null, timedOut: false, cancelled: false, durationMs: 0 });
    assert.ok(r.durationMs >= 0);
    assert.ok(proc.pid > 0);
    const log = await readLog();
    assert.match(log, new RegExp(`^\\$ the command \\(attempt 1\\)\\nhello\\nhi from ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n\\n\\[milestone-agents\\] exit code 3 after \\d+ms\\n$`));
  });

  it('appends to an existing log, so attempts follow each other', async () => {
    await new RunningProcess(spec({ shell: 'echo first' }, { header: '$ attempt 1' })).done;
    const r = await new RunningProcess(spec({ shell: 'echo second' }, { header: '$ attempt 2' })).done;
    assert.equal(r.exitCode, 0);
    const log = await readLog();
    assert.match(log, /^\$ attempt 1\nfirst\n\n\[milestone-agents\] exit code 0 after \d+ms\n\$ attempt 2\nsecond\n\n\[milestone-agents\] exit code 0 after \d+ms\n$/);
  });

  it('runs an argument vector without a shell, each argument intact', async () => {
    const arg = 'a b "c" $(echo no) \n; rm -rf ~';
    const r = await new RunningProcess(spec({ argv: [process.execPath, '-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', arg] })).done;
    assert.equal(r.exitCode, 0);
    const log = await readLog();
    assert.ok(log.includes(JSON.stringify([arg])), log);
  });

  it('kills the whole group on timeout, grandchildren included', async () => {
    const pidFile = path.join(dir, 'grandchild.pid');
    const proc = new RunningProcess(spec({ shell: `sleep 100 & echo $! > ${pidFile}; wait` }, { timeoutMs: 300, graceMs: 1000 }));
    const grandchild = await pidFrom(pidFile);
    const r = await proc.done;
    assert.equal(r.timedOut, true);
    assert.equal(r.cancelled, false);
    assert.equal(r.exitCode, null);
    assert.equal(r.signal, 'SIGTERM');
    assert.equal(r.spawnError, undefined);
    await waitFor(() => !isRunning(grandchild), `grandchild ${grandchild} to be gone`);
    assert.match(await readLog(), /\[milestone-agents\] timed out after 300ms after \d+ms\n$/);
  });

  it('escalates to SIGKILL after the grace period when SIGTERM is ignored', async () => {
    const pidFile = path.join(dir, 'stubborn.pid');
    const proc = new RunningProcess(spec({ shell: `trap '' TERM; sleep 100 & echo $! > ${pidFile}; wait; wait` }, { timeoutMs: 200, graceMs: 300 }));
    const grandchild = await pidFrom(pidFile);
    const r = await proc.done;
    assert.equal(r.timedOut, true);
    assert.equal(r.signal, 'SIGKILL');
    await waitFor(() => !isRunning(grandchild), `grandchild ${grandchild} to be gone`);
  });

  it('cancel kills the process tree', async () => {
    const pidFile = path.join(dir, 'cancel.pid');
    const proc = new RunningProcess(spec({ shell: `sleep 100 & echo $! > ${pidFile}; wait` }));
    const grandchild = await pidFrom(pidFile);
    assert.equal(isRunning(grandchild), true);
    assert.equal(isRunning(proc.pid), true);
    proc.cancel();
    const r = await proc.done;
    assert.equal(r.cancelled, true);
    assert.equal(r.timedOut, false);
    assert.equal(r.signal, 'SIGTERM');
    await waitFor(() => !isRunning(grandchild) && !isRunning(proc.pid), 'the tree to be gone');
    assert.match(await readLog(), /\[milestone-agents\] cancelled after \d+ms\n$/);
  });

  it('kills what the command left running in its group when it exits', async () => {
    const pidFile = path.join(dir, 'orphan.pid');
    const r = await new RunningProcess(spec({ shell: `sleep 100 > /dev/null 2>&1 & echo $! > ${pidFile}; exit 0` })).done;
    assert.equal(r.exitCode, 0);
    const grandchild = await pidFrom(pidFile);
    await waitFor(() => !isRunning(grandchild), `grandchild ${grandchild} to be gone`);
  });

  it('gives a spawn error for a working directory that does not exist', async () => {
    const missing = path.join(dir, 'no', 'such', 'dir');
    const onSpawn: number[] = [];
    const r = await new RunningProcess(spec({ shell: 'echo never' }, { cwd: missing }), { onSpawn: (pid) => onSpawn.push(pid) }).done;
    assert.deepEqual({ ...r, durationMs: 0 }, { exitCode: null, signal: null, timedOut: false, cancelled: false, spawnError: `working directory ${missing} does not exist`, durationMs: 0 });
    assert.deepEqual(onSpawn, []);
    assert.equal(await readLog(), `$ the command (attempt 1)\n[milestone-agents] working directory ${missing} does not exist\n`);
  });

  it('refuses a file given as the working directory', async () => {
    const file = path.join(dir, 'plain-file');
    await fs.writeFile(file, '');
    const r = await new RunningProcess(spec({ shell: 'echo never' }, { cwd: file })).done;
    assert.equal(r.spawnError, `working directory ${file} is not a folder`);
  });

  it('gives a spawn error naming a command that is not found', async () => {
    const r: ProcessResult = await new RunningProcess(spec({ argv: ['no-such-command-ma-test', '--flag'] })).done;
    assert.equal(r.exitCode, null);
    assert.equal(r.spawnError, 'command not found: no-such-command-ma-test');
    assert.match(await readLog(), /\[milestone-agents\] could not start: command not found: no-such-command-ma-test\n$/);
  });

  it('tells onSpawn the pid and onLine the last non-empty line of each chunk', async () => {
    const lines: string[] = [];
    const spawned: number[] = [];
    const proc = new RunningProcess(spec({ shell: "printf 'one\\ntwo\\n\\n   \\n'; sleep 0.2; printf 'progress 50%%'" }), {
      onSpawn: (pid) => spawned.push(pid),
      onLine: (line) => lines.push(line),
    });
    const r = await proc.done;
    assert.equal(r.exitCode, 0);
    assert.deepEqual(spawned, [proc.pid]);
    assert.ok(lines.length >= 2, JSON.stringify(lines));
    assert.equal(lines[lines.length - 1], 'progress 50%', 'a line without its newline yet counts as the latest');
    assert.ok(lines.includes('two'), JSON.stringify(lines));
    assert.ok(lines.every((l) => ['one', 'two', 'progress 50%'].includes(l)), JSON.stringify(lines));
  });

  it('killGroup of a group that is gone is not an error', async () => {
    const proc = new RunningProcess(spec({ shell: 'exit 0' }));
    await proc.done;
    assert.doesNotThrow(() => killGroup(proc.pid, 'SIGTERM'));
  });
});
