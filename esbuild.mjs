// One bundle per process: the CLI, the agent worker, the extension host, the language
// server and the dashboard webview each start from their own entry, so none pays for the
// others' code. `vscode` is provided by the editor at run time.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const node = (entry, out, extra = {}) => ({ entryPoints: { [out]: entry }, platform: 'node', target: 'node20', format: 'cjs', external: ['vscode'], ...extra });
const entries = [
  node('src/cli/main.ts', 'cli', { banner: { js: '#!/usr/bin/env node' } }),
  node('src/core/agents/worker.ts', 'worker'),
  node('src/extension/extension.ts', 'extension'),
  node('src/server/server.ts', 'server'),
  { entryPoints: { 'webview/dashboard': 'src/webview/dashboard.ts' }, platform: 'browser', target: 'es2022', format: 'iife' },
].filter((e) => existsSync(Object.values(e.entryPoints)[0]));

const contexts = await Promise.all(
  entries.map((e) => esbuild.context({ ...e, bundle: true, outdir: 'dist', sourcemap: !production, minify: production, logLevel: 'warning' })),
);

// The JSON Schema for the YAML extension's `yamlValidation` ships inside dist/.
if (existsSync('schemas/milestone.schema.json')) {
  mkdirSync('dist', { recursive: true });
  copyFileSync('schemas/milestone.schema.json', 'dist/milestone.schema.json');
}

if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}
