import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import * as path from 'node:path';
import type { PreparedClaude } from '../../scripts/claude/prepare.mjs' with { 'resolution-mode': 'import' };

/**
 * Running the real Claude Code CLI (scripts/claude/prepare.mjs) offline against
 * test/support/fakeAnthropic.ts.
 */

/** The API key the fake receives in x-api-key; any non-empty key passes the CLI's checks. */
export const FAKE_API_KEY = 'sk-ant-api03-fake-key-for-tests';

/** Port 1 is privileged and never listened on here: a proxied request is refused at once. */
const REFUSING_PROXY = 'http://127.0.0.1:1';

/** The parts of the test's own environment the CLI and the tools it runs (Bash) need. */
const INHERITED = ['PATH', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'USER', 'LOGNAME', 'SHELL'];

/**
 * The environment that makes the CLI run headless against the fake and never reach the network.
 * Built from scratch rather than from process.env, so that nothing of the machine's or the
 * developer's setup leaks in: an ANTHROPIC_* or CLAUDE_* variable (set, for instance, when the
 * tests run inside a Claude Code session), XDG dirs, or a real proxy.
 *
 * `home` becomes HOME, TMPDIR (under it) and so every config, session, socket and cache dir of
 * the CLI. No ~/.claude.json is needed: in -p mode the CLI neither onboards nor asks for trust.
 */
export function claudeEnv(fakeUrl: string, home: string, options: { proxy?: string } = {}): NodeJS.ProcessEnv {
  const tmp = path.join(home, 'tmp');
  // Without its own TMPDIR the CLI leaves sockets (cc-socks/<pid>.sock) in the machine's /tmp.
  mkdirSync(tmp, { recursive: true });
  const proxy = options.proxy ?? REFUSING_PROXY;
  const env: NodeJS.ProcessEnv = {};
  for (const name of INHERITED) if (process.env[name] !== undefined) env[name] = process.env[name];
  return {
    ...env,
    SHELL: env.SHELL ?? '/bin/bash',
    HOME: home,
    TMPDIR: tmp,
    ANTHROPIC_BASE_URL: fakeUrl,
    ANTHROPIC_API_KEY: FAKE_API_KEY,
    // The one that matters: without it the CLI opens connections to api.anthropic.com even with
    // ANTHROPIC_BASE_URL set (5 per run in 2.1.332). The others each cover part of it.
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_ERROR_REPORTING: '1',
    // As root the CLI refuses --permission-mode bypassPermissions unless it is told it runs in
    // a sandbox. (The alternative without it: --permission-mode acceptEdits --allowedTools ….)
    IS_SANDBOX: '1',
    // The safety net: whatever the CLI still tries to reach goes to this proxy and fails fast,
    // instead of leaving the machine (or hanging on a machine without network). The fake is
    // on loopback, which NO_PROXY exempts.
    HTTPS_PROXY: proxy,
    HTTP_PROXY: proxy,
    ALL_PROXY: proxy,
    https_proxy: proxy,
    http_proxy: proxy,
    all_proxy: proxy,
    NO_PROXY: '127.0.0.1,localhost,::1',
    no_proxy: '127.0.0.1,localhost,::1',
  };
}

/**
 * The command line of one headless run: the prompt, stream-json on stdout (one JSON object a
 * line: system/init, assistant, user, …, result), every tool allowed without asking.
 * The CLI is a native executable: argv[0] is the CLI itself, not node.
 */
export function claudeArgv(prompt: string, cli: Pick<PreparedClaude, 'claude'>, extraArgs: readonly string[] = []): string[] {
  return [cli.claude, '-p', prompt, '--output-format', 'stream-json', '--verbose', '--permission-mode', 'bypassPermissions', ...extraArgs];
}

export interface StreamJsonLine {
  type: string;
  subtype?: string;
  [key: string]: unknown;
}

export interface ClaudeRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout parsed line by line; a line that is not JSON is left out (it stays in stdout). */
  lines: StreamJsonLine[];
}

/** Runs the CLI to its exit. `signal` kills it, e.g. from an after() hook when a test timed out. */
export async function runClaude(
  argv: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; signal?: AbortSignal },
): Promise<ClaudeRun> {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error('runClaude: empty argv');
  const child = spawn(cmd, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], signal: options.signal });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  const lines: StreamJsonLine[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    try {
      lines.push(JSON.parse(line) as StreamJsonLine);
    } catch {
      // Kept in stdout for the assertion messages.
    }
  }
  return { code, signal, stdout, stderr, lines };
}

export interface NetworkTrap {
  /** A proxy URL for claudeEnv's `proxy`. */
  url: string;
  /** One entry per connection: the first line it sent, e.g. "CONNECT api.anthropic.com:443 HTTP/1.1". */
  attempts: string[];
  close(): Promise<void>;
}

/**
 * A proxy on loopback that refuses everything but remembers what was asked, so a test can
 * assert that the CLI tried to reach nothing beyond the fake (a closed port would only make
 * such attempts fail, unseen).
 */
export async function startNetworkTrap(): Promise<NetworkTrap> {
  const attempts: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    const index = attempts.push('(connected, sent nothing)') - 1;
    socket.once('data', (d: Buffer) => {
      attempts[index] = d.toString('latin1').split('\r\n')[0] ?? '';
      socket.destroy();
    });
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    attempts,
    close: async () => {
      const closed = once(server, 'close');
      server.close();
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
