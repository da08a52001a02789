// `npm start`: runs the demo milestone in a fresh copy of examples/demo, so the repository
// itself is never touched, and says where the session state ended up.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
// `--claude`: the same shop built by real Claude Code agents (needs the CLI and a key).
const withClaude = process.argv.includes('--claude');
const args = process.argv.slice(2).filter((a) => a !== '--claude');
if (withClaude) {
  const found = spawnSync('claude', ['--version'], { encoding: 'utf8' });
  const missing = [];
  if (found.status !== 0) missing.push('the Claude Code CLI on PATH (npm install -g @anthropic-ai/claude-code)');
  if (!process.env.ANTHROPIC_API_KEY) missing.push('ANTHROPIC_API_KEY in the environment');
  if (missing.length) {
    console.error(`The Claude Code demo needs ${missing.join(' and ')}. The offline demo is \`npm start\`.`);
    process.exit(2);
  }
}
const milestone = withClaude ? '.milestones/claude-discounts.yaml' : '.milestones/add-discounts.yaml';
const workspace = mkdtempSync(join(tmpdir(), 'milestone-demo-'));
cpSync(join(root, 'examples', 'demo'), workspace, { recursive: true, filter: (src) => !src.includes(`${join('.milestones', 'sessions')}`) });

const git = (...args) => execFileSync('git', args, { cwd: workspace, stdio: 'pipe' });
git('init', '-q', '-b', 'main');
git('-c', 'user.name=Demo', '-c', 'user.email=demo@localhost', 'add', '-A');
git('-c', 'user.name=Demo', '-c', 'user.email=demo@localhost', 'commit', '-q', '-m', 'Demo shop');

console.log(`Demo workspace: ${workspace}\n`);
const run = spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), 'run', milestone, ...args], { cwd: workspace, stdio: 'inherit' });
console.log(`\nSession state: ${join(workspace, '.milestones', 'sessions')}`);
console.log(`Inspect it:    node ${join(root, 'dist', 'cli.js')} status --cwd ${workspace}`);
process.exit(run.status ?? 3);
