import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './helpers';

// The guard vscode-pull-request-github keeps in scripts/check-commands.js: every contributed
// command has a handler, every handler is contributed, and menus name only real commands.
const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  contributes: {
    commands: { command: string; category?: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
    views: Record<string, { id: string }[]>;
    viewsWelcome: { view: string; contents: string; when?: string }[];
  };
  activationEvents: string[];
  main: string;
  engines: { vscode: string };
};
// The command table is commands.ts with the merge commands of mergeCommands.ts spread in.
const commandsSource = ['commands.ts', 'mergeCommands.ts'].map((f) => readFileSync(path.join(REPO_ROOT, 'src', 'extension', f), 'utf8')).join('\n');

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

  it('hides the commands that run something in Restricted Mode, except the Start action of the Milestones view, which explains the refusal', () => {
    // Resolving a merge resumes the session or runs git in the task's worktree; taking the branch runs git in the checkout.
    const runs = ['milestones.start', 'milestones.resume', 'milestones.resumeInterrupted', 'milestones.retryTask', 'milestones.markResolved', 'milestones.resolveWithAgent', 'milestones.discardResult', 'milestones.approveTask', 'milestones.rejectTask', 'milestones.checkOutBranch', 'milestones.mergeBranch'];
    // A conjunct of the clause, not "!isWorkspaceTrusted" nor part of an "||".
    const trustedOnly = (when = ''): boolean => !when.includes('||') && when.split('&&').some((c) => c.trim() === 'isWorkspaceTrusted');
    const explained = (menu: string, when = ''): boolean => menu === 'view/item/context' && /view == milestones\.files\b/.test(when);
    let checked = 0;
    for (const [menu, items] of Object.entries(pkg.contributes.menus)) {
      for (const item of items.filter((i) => runs.includes(i.command))) {
        checked++;
        if (explained(menu, item.when)) assert.ok(!/isWorkspaceTrusted/.test(item.when ?? ''), `${menu}: ${item.command} must stay visible in Restricted Mode (${item.when})`);
        else assert.ok(trustedOnly(item.when), `${menu}: ${item.command} is not hidden in Restricted Mode (${item.when ?? 'no when clause'})`);
      }
    }
    assert.ok(checked >= runs.length + 3, `only ${checked} menu entries checked`);
    for (const welcome of pkg.contributes.viewsWelcome.filter((w) => runs.some((c) => w.contents.includes(`command:${c})`)))) {
      assert.ok(trustedOnly(welcome.when), `the welcome of ${welcome.view} links to a command that runs something in Restricted Mode`);
    }
  });

  it('the merge actions of the Agents tree match the context values the tree gives its rows', () => {
    const items = pkg.contributes.menus['view/item/context'] ?? [];
    const shown = (command: string, viewItem: string): string[] =>
      items
        .filter((i) => i.command === command && /view == milestones\.agents/.test(i.when ?? ''))
        .filter((i) => [...(i.when ?? '').matchAll(/viewItem =~ \/(.+?)\/(?= |$)/g)].every((m) => new RegExp(m[1]!).test(viewItem)) && [...(i.when ?? '').matchAll(/viewItem == (\S+)/g)].every((m) => m[1] === viewItem))
        .map((i) => (i as { group?: string }).group ?? '');
    // A conflicted task of a session run here, of one that ended (resumed to resolve), and of one run elsewhere (read-only).
    assert.ok(shown('milestones.openConflict', 'task.needs_merge.live.merge.agent.diff').includes('inline@1'));
    assert.ok(shown('milestones.markResolved', 'task.needs_merge.merge.diff').includes('inline@2'));
    assert.ok(shown('milestones.resolveWithAgent', 'task.needs_merge.live.merge.agent.diff').length > 0);
    assert.deepEqual(shown('milestones.resolveWithAgent', 'task.needs_merge.live.merge.diff'), [], 'only agent tasks are resolved by their agent');
    assert.deepEqual(shown('milestones.markResolved', 'task.needs_merge.diff'), [], 'nothing to resolve in a session run elsewhere');
    assert.ok(shown('milestones.openConflict', 'conflict.merge').includes('inline@1'));
    assert.ok(shown('milestones.approveTask', 'task.in_review.live.merge.diff').includes('inline@2'));
    assert.ok(shown('milestones.reviewChanges', 'task.in_review.live.merge.diff').includes('inline@1'));
    assert.ok(shown('milestones.reviewChanges', 'task.completed.live.diff').length > 0);
    assert.deepEqual(shown('milestones.reviewChanges', 'task.completed.live'), []);
    assert.ok(shown('milestones.checkOutBranch', 'session.completed.none.take').length > 0);
    assert.deepEqual(shown('milestones.mergeBranch', 'session.completed.none'), []);
    // The older actions still find their rows among the longer context values.
    assert.ok(shown('milestones.openTaskLog', 'task.needs_merge.live.merge.agent.diff').length > 0);
    assert.deepEqual(shown('milestones.cancelTask', 'task.needs_merge.live.merge.agent.diff'), []);
  });

  it('views are namespaced and the bundle entry is dist/extension.js', () => {
    for (const v of Object.values(pkg.contributes.views).flat()) assert.match(v.id, /^milestones\./);
    assert.equal(pkg.main, './dist/extension.js');
    assert.equal(pkg.engines.vscode, '^1.90.0');
  });
});
