// `npm start`: runs the demo milestone in a fresh copy of examples/demo, so the repository
// itself is never touched, and says where the session state ended up.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const workspace = mkdtempSync(join(tmpdir(), 'milestone-demo-'));
cpSync(join(root, 'examples', 'demo'), workspace, { recursive: true, filter: (src) => !src.includes(`${join('.milestones', 'sessions')}`) });

const git = (...args) => execFileSync('git', args, { cwd: workspace, stdio: 'pipe' });
git('init', '-q', '-b', 'main');
git('-c', 'user.name=Demo', '-c', 'user.email=demo@localhost', 'add', '-A');
git('-c', 'user.name=Demo', '-c', 'user.email=demo@localhost', 'commit', '-q', '-m', 'Demo shop');

console.log(`Demo workspace: ${workspace}\n`);
const run = spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), 'run', '.milestones/add-discounts.yaml', ...process.argv.slice(2)], { cwd: workspace, stdio: 'inherit' });
console.log(`\nSession state: ${join(workspace, '.milestones', 'sessions')}`);
console.log(`Inspect it:    node ${join(root, 'dist', 'cli.js')} status --cwd ${workspace}`);
process.exit(run.status ?? 3);
