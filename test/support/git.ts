import { execFileSync } from 'node:child_process';

/** Runs git in `cwd` without the machine's system config, and returns its trimmed output. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } }).trim();
}

/** Makes `dir` a repository on `main` with a committer, and everything in it the first commit. */
export function initRepository(dir: string): void {
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.name', 'Test');
  git(dir, 'config', 'user.email', 'test@example.invalid');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'initial');
}
