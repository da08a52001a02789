// `npm run editor`: the cached code-server on a copy of the demo workspace, with the freshly
// packaged extension installed — how to try the extension without a VS Code desktop.
// Prints the loopback URL and runs until Ctrl-C.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startEditor } from './harness.mjs';

const root = resolve(import.meta.dirname, '..', '..');
const run = (cmd, args, cwd = root) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] });

console.log('Building and packaging the extension…');
run(process.execPath, ['esbuild.mjs', '--production']);
const out = mkdtempSync(join(tmpdir(), 'milestone-editor-vsix-'));
const vsix = join(out, 'milestone-agents.vsix');
run(process.execPath, [join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--no-rewrite-relative-links', '-o', vsix]);

const workspace = mkdtempSync(join(tmpdir(), 'milestone-demo-'));
cpSync(join(root, 'examples', 'demo'), workspace, { recursive: true });
const git = (...args) => run('git', ['-c', 'user.name=Demo', '-c', 'user.email=demo@localhost', ...args], workspace);
git('init', '-q', '-b', 'main');
git('add', '-A');
git('commit', '-q', '-m', 'Demo shop');

console.log('Starting code-server (the first run installs it: a few minutes)…');
const editor = await startEditor({ workspace, vsix, log: (m) => console.log(`  ${m}`) });
console.log(`\nOpen ${editor.url}/?folder=${encodeURIComponent(workspace)}\n(loopback only; Ctrl-C stops it)`);
const stop = () => void editor.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
// Keep the process alive until a signal: code-server's handles are unref'd by the harness.
setInterval(() => {}, 1 << 30);
