// Types of prepare.mjs for the TypeScript tests.
export interface PreparedClaude {
  /** The Claude Code CLI: a native executable, run directly (not through node). */
  claude: string;
  /** A Node.js binary (the one running prepare), for helpers; the CLI does not need it. */
  node: string;
  version: string;
  cacheDir: string;
}
export const VERSION: string;
export function claudeCacheDir(): string;
export function prepareClaude(options?: { log?: (m: string) => void }): Promise<PreparedClaude>;
