import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './helpers';

// The guard vscode-pull-request-github keeps in scripts/check-commands.js: every contributed
// command has a handler, every handler is contributed, and menus name only real commands.
const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  contributes: { commands: { command: string; category?: string }[]; menus: Record<string, { command: string }[]>; views: Record<string, { id: string }[]> };
  activationEvents: string[];
  main: string;
  engines: { vscode: string };
};
const commandsSource = readFileSync(path.join(REPO_ROOT, 'src', 'extension', 'commands.ts'), 'utf8');

describe('package.json contributions', () => {
  const contributed = pkg.contributes.commands.map((c) => c.command).sort();
  const handled = [...commandsSource.matchAll(/^\s+'(milestones\.[A-Za-z]+)': /gm)].map((m) => m[1]!).sort();

  it('every contributed command has a handler in the command table, and the other way round', () => {
    assert.deepEqual(handled, contributed);
  });

  it('every command is namespaced and in the "Milestone Agents" category', () => {
    for (const c of pkg.contributes.commands) {
      assert.match(c.command, /^milestones\.[a-z][A-Za-z]+$/);
      assert.equal(c.category, 'Milestone Agents', c.command);
    }
  });

  it('menus name only contributed commands, and every command has a palette entry with a when clause', () => {
    for (const [menu, items] of Object.entries(pkg.contributes.menus)) {
      for (const item of items) assert.ok(contributed.includes(item.command), `${menu} names ${item.command}`);
    }
    const palette = pkg.contributes.menus.commandPalette ?? [];
    const gated = new Set(palette.map((p) => p.command));
    for (const c of contributed.filter((c) => !['milestones.newMilestone', 'milestones.showOutput'].includes(c))) {
      assert.ok(gated.has(c), `${c} has no commandPalette when clause`);
    }
  });

  it('views are namespaced and the bundle entry is dist/extension.js', () => {
    for (const v of Object.values(pkg.contributes.views).flat()) assert.match(v.id, /^milestones\./);
    assert.equal(pkg.main, './dist/extension.js');
    assert.equal(pkg.engines.vscode, '^1.90.0');
  });
});
