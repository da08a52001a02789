// One bundle per process: the CLI, the agent worker, the extension host and the
// language server each start from their own entry, so none pays for the others' code.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const entries = [
  { in: 'src/cli/main.ts', out: 'cli', banner: '#!/usr/bin/env node' },
  { in: 'src/core/agents/worker.ts', out: 'worker' },
  { in: 'src/extension/extension.ts', out: 'extension' },
  { in: 'src/server/server.ts', out: 'server' },
].filter((e) => existsSync(e.in));

const contexts = await Promise.all(
  entries.map((e) =>
    esbuild.context({
      entryPoints: { [e.out]: e.in },
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      outdir: 'dist',
      sourcemap: !production,
      minify: production,
      external: ['vscode'],
      banner: e.banner ? { js: e.banner } : undefined,
      logLevel: 'warning',
    }),
  ),
);

if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}
