// Worktrees and the merge queue in the real editor: two agent tasks write the same line of
// shared.txt in worktrees of their own; the second to finish conflicts, its dependent
// waits, and the user resolves the conflict in VS Code's merge editor.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import type { JournalEvent } from '../../src/core/session/events';
import { clickInlineAction, git, gitWorkspace, harness, launch, picture, release, runWhenListed, settled, stopAfterSuite, tempDir, treeRow, waitForFileContent, webview, widenSideBar, type Session } from './support';

/**
 * A stand-in for a coding agent: writes its prompt into shared.txt in the folder it runs in
 * (its task's worktree), after waiting the given milliseconds.
 */
const FAKE_AGENT = `const fs = require('node:fs');
const [, , wait, prompt] = process.argv;
setTimeout(() => {
  fs.writeFileSync('shared.txt', prompt.trim().split('\\n')[0] + '\\n');
  console.log('wrote shared.txt: ' + prompt);
}, Number(wait));
`;

// Three executors whatever the machine's load: the held task must not keep the dependent waiting for one.
const milestone = (id: string, title: string, agent: string, extra = ''): string => `id: ${id}
title: ${title}
executors: { min: 3, max: 3 }
agents:
  fast: ${JSON.stringify([process.execPath, agent, '0', '{prompt}'])}
  slow: ${JSON.stringify([process.execPath, agent, '3000', '{prompt}'])}
tasks:
  - { id: left, title: Left writes the line, agent: fast, prompt: "left was here" }
  - { id: right, title: Right writes the line, agent: slow, prompt: "right was here" }
  - { id: after, title: After right, run: "cat shared.txt > after.txt", depends_on: [right] }
${extra}`;

const RESOLVED = 'left and right were here';

async function journal(workspace: string, milestoneId: string): Promise<JournalEvent[]> {
  const dir = path.join(workspace, '.milestones', 'sessions');
  const id = (await fs.readdir(dir)).find((n) => n.startsWith(`${milestoneId}-`) && !n.endsWith('.yaml'));
  assert.ok(id, `no session of ${milestoneId}`);
  const text = await fs.readFile(path.join(dir, id, 'events.jsonl'), 'utf8');
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as JournalEvent);
}

/** The worktree the engine made for a task, from the journal. */
async function worktreeOf(workspace: string, milestoneId: string, task: string): Promise<string> {
  const created = (await journal(workspace, milestoneId)).find((e) => e.type === 'worktree_created' && e.data.task === task);
  assert.ok(created?.type === 'worktree_created', `no worktree for ${task}`);
  return created.data.path;
}


/**
 * Picks the item labelled `label` in the quick pick that a command opened: once the list
 * shows it focused after filtering (not a row of the palette it replaced). Returns its text.
 */
async function pickInQuickInput(page: Page, label: string): Promise<string> {
  const widget = page.locator('.quick-input-widget');
  await widget.locator('.quick-input-list .monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) }).first().waitFor();
  await widget.locator('input').fill(label);
  const row = widget.locator('.quick-input-list .monaco-list-row.focused', { has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) }).first();
  await row.waitFor();
  const text = await row.innerText();
  await page.keyboard.press('Enter');
  return text;
}

/**
 * Resolves the conflict in the merge editor that is open: the result pane (the one editor
 * of the merge editor that can be written) gets the resolved text, and is saved.
 */
async function resolveInMergeEditor(page: Page, file: string): Promise<void> {
  // Toasts sit over the bottom right of the editor area, where the result pane is.
  await (await harness()).runCommand(page, 'Notifications: Clear All Notifications');
  const mergeEditor = page.locator('.merge-editor');
  await mergeEditor.waitFor();
  // The two inputs above, the result below: the one editor that can be written.
  const result = mergeEditor.locator('.code-view.result .monaco-editor').first();
  await result.locator('.view-lines').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.type(`${RESOLVED}\n`);
  await page.keyboard.press('Control+S');
  await waitForFileContent(file, (t) => t.trim() === RESOLVED, 30_000);
}

describe('worktrees and the merge queue in a real editor', function () {
  let workspace: string;
  let worktrees: string;
  let s: Session;
  /** Keeps the first session running (a task reading it) until the test writes to it. */
  let fifo: string;

  before(async function () {
    const tools = await tempDir('ma-e2e-agent-');
    const agent = path.join(tools, 'fake-agent.cjs');
    await fs.writeFile(agent, FAKE_AGENT);
    fifo = path.join(tools, 'hold');
    execFileSync('mkfifo', [fifo]);
    worktrees = await tempDir('ma-e2e-worktrees-');
    workspace = await gitWorkspace({
      '.milestones/merge.yaml': milestone('merge', 'E2E merge conflict', agent, `  - { id: held, title: Held open, run: "cat '${fifo}'", isolation: worktree }\n`),
      '.milestones/later.yaml': milestone('later', 'E2E merge after the session', agent),
      '.milestones/reviewed.yaml': `id: reviewed
title: E2E review before merge
agents:
  fast: ${JSON.stringify([process.execPath, agent, '0', '{prompt}'])}
tasks:
  - { id: polish, title: Polish the line, agent: fast, prompt: "polished", review: true }
  - { id: ship, title: Ship it, run: "cat shared.txt > shipped.txt", depends_on: [polish] }
`,
      'shared.txt': 'nobody was here\n',
    });
    s = await launch(workspace, 'trusted', { 'milestones.worktreesDirectory': worktrees });
  });

  stopAfterSuite(() => s);

  it('a conflicted task shows in the tree; resolved in the merge editor and marked resolved, its dependent runs', async () => {
    const h = await harness();
    await h.waitForExtensionHostLog(s.editor, /_doActivateExtension milestone-agents\.milestone-agents\b/);
    await runWhenListed(s.page, 'Milestone Agents: Start Milestone');
    await s.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'E2E merge conflict' }).click();
    try {
      await s.page.locator('.pane-header', { hasText: 'Agents' }).waitFor();
      await widenSideBar(s.page, 200);
      // "left" merged first; "right" conflicts with it, first among the tasks, its file under it.
      const conflicted = treeRow(s.page, 'Agents', /^right — Right writes the line$/);
      await s.page.locator('.pane .monaco-list-row', { hasText: /right — Right writes the line\s*needs merge · 1 file \+\d+ −\d+/ }).first().waitFor({ timeout: 90_000 });
      await s.page.locator('.pane .monaco-list-row', { hasText: /left — Left writes the line\s*completed/ }).first().waitFor();
      const file = treeRow(s.page, 'Agents', /^shared\.txt$/);
      await file.waitFor();
      assert.match(await s.page.locator('.pane .monaco-list-row', { hasText: /^after — After right/ }).first().innerText(), /pending/);
      // The toast that says so, and the tree, in one picture.
      await h.waitForNotification(s.page, 'Task "right" conflicts with milestone/merge in shared.txt');
      await settled(s.page.locator('.notifications-toasts'));
      await picture(s, 'merge-tree-needs-merge');

      // The user's checkout is untouched while the milestone runs.
      assert.equal(git(workspace, 'rev-parse', '--abbrev-ref', 'HEAD'), 'main');
      assert.equal(await fs.readFile(path.join(workspace, 'shared.txt'), 'utf8'), 'nobody was here\n');
      const wt = await worktreeOf(workspace, 'merge', 'right');
      assert.ok(wt.startsWith(worktrees), `${wt} is not under the configured worktrees directory ${worktrees}`);

      await h.runCommand(s.page, 'Notifications: Clear All Notifications');
      await file.click();
      await s.page.locator('.merge-editor').waitFor();
      // Both sides are there, titled by whose they are.
      await s.page.locator('.merge-editor', { hasText: 'right was here' }).waitFor();
      await s.page.locator('.merge-editor', { hasText: 'left was here' }).waitFor();
      await s.page.locator('.merge-editor', { hasText: 'Task right' }).first().waitFor();
      await s.page.locator('.merge-editor', { hasText: 'milestone/merge' }).first().waitFor();
      await picture(s, 'merge-editor');
      await resolveInMergeEditor(s.page, path.join(wt, 'shared.txt'));

      const after = s.page.locator('.pane .monaco-list-row', { hasText: /after — After right\s*completed/ }).first();
      await clickInlineAction(s.page, conflicted, 'Mark Resolved', after);
      await s.page.locator('.pane .monaco-list-row', { hasText: /right — Right writes the line\s*completed/ }).first().waitFor();
      assert.equal(git(workspace, 'show', 'milestone/merge:shared.txt'), RESOLVED);
      await s.shot('merge-resolved');
      // Merged, the task's worktree is gone, and with it the file the merge editor showed.
      await h.runCommand(s.page, 'View: Close All Editors');
    } finally {
      await release(fifo);
    }
    // Done: its work is on the milestone branch, and the notification offers to take it.
    const done = s.page.locator('.notifications-toasts .notification-list-item', { hasText: 'Milestone "E2E merge conflict" completed: 4/4 tasks. Its work is on milestone/merge.' }).first();
    await done.waitFor({ timeout: 60_000 });
    await done.locator('.monaco-button', { hasText: 'Merge into main' }).click();
    await h.waitForNotification(s.page, 'Merged milestone/merge into main.');
    assert.equal(git(workspace, 'rev-parse', '--abbrev-ref', 'HEAD'), 'main');
    assert.equal((await fs.readFile(path.join(workspace, 'shared.txt'), 'utf8')).trim(), RESOLVED);
    assert.equal((await fs.readFile(path.join(workspace, 'after.txt'), 'utf8')).trim(), RESOLVED);
  });

  it('a session that stopped for a merge goes on once it is resolved: the merge editor from its notification, Mark Resolved from the palette', async () => {
    const h = await harness();
    await runWhenListed(s.page, 'Milestone Agents: Start Milestone');
    await s.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'E2E merge after the session' }).click();
    const waits = s.page.locator('.notifications-toasts .notification-list-item', { hasText: 'Milestone "E2E merge after the session" waits for you: task "right" needs a merge (shared.txt).' }).first();
    await waits.waitFor({ timeout: 90_000 });
    await waits.locator('.monaco-button', { hasText: 'Open Conflict' }).waitFor();
    await s.page.locator('.pane .monaco-list-row', { hasText: /E2E merge after the session\s*interrupted · 1\/3 · 33% · 1 needs merge/ }).first().waitFor();

    // The dashboard lists what waits, with the same actions, and the worktrees that are left.
    await runWhenListed(s.page, 'Milestone Agents: Show Dashboard');
    const dash = webview(s.page);
    const card = dash.locator('#attention .attention-task[data-task="right"]');
    await card.waitFor();
    assert.match(await card.innerText(), /needs merge[\s\S]*milestone\/later-tasks\/right · 1 file \+\d+ −\d+ · conflicts in shared\.txt/);
    await dash.locator('#worktrees-text', { hasText: /\d+ live worktrees? · [\d.]+ (B|KB|MB) on disk · 1 needs merge/ }).waitFor();
    await dash.locator('#isolation tr[data-task="right"]', { hasText: 'own worktree' }).waitFor();
    await (await harness()).runCommand(s.page, 'Notifications: Clear All Notifications');
    await picture(s, 'merge-dashboard');
    await card.locator('button', { hasText: 'Open in Merge Editor' }).click();
    await resolveInMergeEditor(s.page, path.join(await worktreeOf(workspace, 'later', 'right'), 'shared.txt'));

    await runWhenListed(s.page, 'Milestone Agents: Mark Resolved');
    assert.match(await pickInQuickInput(s.page, 'right'), /needs merge/);
    await h.waitForNotification(s.page, 'Milestone "E2E merge after the session" completed: 3/3 tasks.', 90_000);
    await s.page.locator('.pane .monaco-list-row', { hasText: /after — After right\s*completed/ }).first().waitFor();
    assert.equal(git(workspace, 'show', 'milestone/later:shared.txt'), RESOLVED);

    // Merged, its branch gone: Review Changes still shows what the task changed, from git.
    await runWhenListed(s.page, 'Milestone Agents: Review Changes');
    await pickInQuickInput(s.page, 'right');
    await s.page.locator('.tab', { hasText: /^Task right: [0-9a-f]{7}\.\.[0-9a-f]{7}/ }).first().waitFor();
    await s.page.locator('.editor-container', { hasText: RESOLVED }).first().waitFor();
  });

  it('a task reviewed before its merge: the diff from its notification, Approve in the tree, and its dependent runs', async () => {
    const h = await harness();
    await h.runCommand(s.page, 'View: Close All Editors');
    await runWhenListed(s.page, 'Milestone Agents: Start Milestone');
    await s.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'E2E review before merge' }).click();
    const waits = s.page.locator('.notifications-toasts .notification-list-item', { hasText: 'Milestone "E2E review before merge" waits for you: task "polish" waits for review.' }).first();
    await waits.waitFor({ timeout: 90_000 });
    const row = treeRow(s.page, 'Agents', /^polish — Polish the line$/);
    await s.page.locator('.pane .monaco-list-row', { hasText: /polish — Polish the line\s*in review · 1 file \+1 −1/ }).first().waitFor();
    await waits.locator('.monaco-button', { hasText: 'Review Changes' }).click();
    await s.page.locator('.tab', { hasText: /^Task polish: / }).first().waitFor();
    await s.page.locator('.editor-container', { hasText: 'polished' }).first().waitFor();
    await s.shot('review-changes');
    // Nothing reached the milestone branch before the approval.
    assert.notEqual(git(workspace, 'show', 'milestone/reviewed:shared.txt'), 'polished');

    const shipped = s.page.locator('.pane .monaco-list-row', { hasText: /ship — Ship it\s*completed/ }).first();
    await clickInlineAction(s.page, row, 'Approve Task Result', shipped);
    await h.waitForNotification(s.page, 'Milestone "E2E review before merge" completed: 2/2 tasks.', 90_000);
    assert.equal(git(workspace, 'show', 'milestone/reviewed:shipped.txt'), 'polished');
  });
});
