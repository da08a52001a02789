import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isInside } from '../milestone/workspace';
import type { ProcessSpec } from './processSpec';

export interface ProcessResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
  spawnError?: string;
  durationMs: number;
}

/** Signal a whole process group; a group that is already gone is not an error. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: nothing left in the group
  }
}

/**
 * One child process in its own process group, output appended to a log file. Timeout and
 * cancel send SIGTERM to the group and SIGKILL after a grace period; when the main process
 * exits, whatever it left in its group is killed too, so no task outlives its run.
 */
export class RunningProcess {
  readonly done: Promise<ProcessResult>;
  pid = 0;
  private cancelled = false;
  private timedOut = false;
  private killTimer: NodeJS.Timeout | undefined;
  private timeoutTimer: NodeJS.Timeout | undefined;
  private partial = '';
  /** Standard output since its last newline, kept as chunks so a long line costs linear time. */
  private stdoutTail: Buffer[] = [];

  constructor(
    readonly spec: ProcessSpec,
    private readonly hooks: {
      onSpawn?: (pid: number) => void;
      /** The latest non-empty line of each chunk of output (a sample, for live views). */
      onLine?: (line: string) => void;
      /** Every complete line of standard output, in order (an agent's JSON stream). */
      onStdoutLine?: (line: string) => void;
    } = {},
  ) {
    this.done = this.start();
  }

  private async start(): Promise<ProcessResult> {
    const started = Date.now();
    await fs.mkdir(path.dirname(this.spec.logFile), { recursive: true });
    const log = createWriteStream(this.spec.logFile, { flags: 'a' });
    const closeLog = (): Promise<void> => new Promise((resolve) => log.end(resolve));
    log.write(`${this.spec.header}\n`);
    const refused = await this.checkCwd();
    if (refused) {
      log.write(`[milestone-agents] ${refused}\n`);
      await closeLog();
      return { exitCode: null, signal: null, timedOut: false, cancelled: false, spawnError: refused, durationMs: Date.now() - started };
    }
    const [file, args] = 'shell' in this.spec.command ? ['/bin/sh', ['-c', this.spec.command.shell]] : [this.spec.command.argv[0] ?? '', this.spec.command.argv.slice(1)];
    return new Promise<ProcessResult>((resolve) => {
      let child: ChildProcess;
      try {
        child = spawn(file, args, { cwd: this.spec.cwd, env: this.spec.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (err) {
        const message = (err as Error).message;
        log.write(`[milestone-agents] could not start: ${message}\n`);
        void closeLog().then(() => resolve({ exitCode: null, signal: null, timedOut: false, cancelled: false, spawnError: message, durationMs: Date.now() - started }));
        return;
      }
      this.pid = child.pid ?? 0;
      if (this.pid) this.hooks.onSpawn?.(this.pid);
      const onData = (chunk: Buffer): void => {
        log.write(chunk);
        if (this.hooks.onLine) this.trackLine(chunk.toString('utf8'));
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      if (this.hooks.onStdoutLine) child.stdout?.on('data', (chunk: Buffer) => this.splitStdout(chunk));
      if (this.spec.timeoutMs !== undefined) {
        this.timeoutTimer = setTimeout(() => {
          this.timedOut = true;
          this.terminate();
        }, this.spec.timeoutMs);
      }
      let exit: { code: number | null; signal: string | null } | undefined;
      child.once('error', (err) => {
        this.clearTimers();
        const message = (err as NodeJS.ErrnoException).code === 'ENOENT' ? `command not found: ${file}` : err.message;
        log.write(`[milestone-agents] could not start: ${message}\n`);
        void closeLog().then(() => resolve({ exitCode: null, signal: null, timedOut: false, cancelled: this.cancelled, spawnError: message, durationMs: Date.now() - started }));
      });
      child.once('exit', (code, signal) => {
        exit = { code, signal };
        this.clearTimers();
        // Grandchildren left in the group would keep the pipes open (and keep running).
        if (this.pid) killGroup(this.pid, 'SIGKILL');
      });
      child.once('close', () => {
        if (!exit) return;
        this.flushStdout();
        const durationMs = Date.now() - started;
        const note = this.timedOut ? `timed out after ${this.spec.timeoutMs}ms` : this.cancelled ? 'cancelled' : exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
        log.write(`\n[milestone-agents] ${note} after ${durationMs}ms\n`);
        void closeLog().then(() => resolve({ exitCode: exit!.code, signal: exit!.signal, timedOut: this.timedOut, cancelled: this.cancelled, durationMs }));
      });
    });
  }

  /** Why the process may not start in its working directory, if it may not. */
  private async checkCwd(): Promise<string | undefined> {
    try {
      const st = await fs.stat(this.spec.cwd);
      if (!st.isDirectory()) return `working directory ${this.spec.cwd} is not a folder`;
    } catch {
      return `working directory ${this.spec.cwd} does not exist`;
    }
    if (this.spec.within !== undefined) {
      const [real, root] = await Promise.all([fs.realpath(this.spec.cwd), fs.realpath(this.spec.within)]);
      if (!isInside(root, real)) return `working directory ${this.spec.cwd} leads outside the workspace (to ${real}) through a symbolic link: refused`;
    }
    return undefined;
  }

  private splitStdout(chunk: Buffer): void {
    let from = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, from)) {
      this.stdoutTail.push(chunk.subarray(from, nl));
      from = nl + 1;
      this.flushStdout();
    }
    if (from < chunk.length) this.stdoutTail.push(chunk.subarray(from));
  }

  private flushStdout(): void {
    if (this.stdoutTail.length === 0) return;
    const line = Buffer.concat(this.stdoutTail).toString('utf8');
    this.stdoutTail = [];
    this.hooks.onStdoutLine?.(line);
  }

  private trackLine(text: string): void {
    const lines = (this.partial + text).split(/\r?\n|\r/);
    this.partial = lines.pop() ?? '';
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = lines[i]!.trim();
      if (line) {
        this.hooks.onLine?.(line);
        return;
      }
    }
    if (this.partial.trim()) this.hooks.onLine?.(this.partial.trim());
  }

  cancel(): void {
    this.cancelled = true;
    this.terminate();
  }

  private terminate(): void {
    if (!this.pid || this.killTimer) return;
    killGroup(this.pid, 'SIGTERM');
    this.killTimer = setTimeout(() => killGroup(this.pid, 'SIGKILL'), this.spec.graceMs);
  }

  private clearTimers(): void {
    if (this.timeoutTimer) clearTimeout(this.timeoutTimer);
    if (this.killTimer) clearTimeout(this.killTimer);
  }
}
