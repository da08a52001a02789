import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { execFile, spawn } from 'node:child_process';
import { git, gitWorkspace, harness, launch, stopAfterSuite, ROOT, runWhenListed, treeRow, waitForStatusBar, webview, type Session } from './support';

const OK = `id: ok
title: E2E happy path
executors: { max: 2 }
quality:
  - { id: check, run: "test -f b.txt", after: [b] }
tasks:
  - { id: a, title: Write a, run: "sleep 2 && echo a > a.txt" }
  - { id: b, title: Write b, run: "sleep 1 && echo b > b.txt", depends_on: [a] }
  - { id: c, title: Write c, run: "sleep 2.5 && echo c > c.txt" }
`;

const FLAKY = `id: flaky
title: E2E retry
tasks:
  - { id: needs-file, title: Needs a file, run: "test -f ready.txt || { echo 'ready.txt is missing'; exit 1; }" }
  - { id: after-it, title: After it, run: "echo after > after.txt", depends_on: [needs-file] }
`;

const FROM_CLI = `id: cli
title: E2E from the CLI
type: custom
tasks:
  - { id: one, run: "sleep 2" }
  - { id: two, run: "sleep 1", depends_on: [one] }
`;

async function sessionsOf(workspace: string): Promise<string[]> {
  const dir = path.join(workspace, '.milestones', 'sessions');
  return (await fs.readdir(dir).catch(() => [])).filter((n) => !n.endsWith('.yaml'));
}

describe('the extension in a real editor (code-server)', function () {
  let workspace: string;
  let s: Session;

  before(async function () {
    workspace = await gitWorkspace({ '.milestones/ok.yaml': OK, '.milestones/flaky.yaml': FLAKY, '.milestones/cli.yaml': FROM_CLI, 'README.md': '# e2e\n' });
    s = await launch(workspace);
  });

  stopAfterSuite(() => s);

  it('activates without an error notification or an exception in the extension host log', async () => {
    const h = await harness();
    const log = await h.waitForExtensionHostLog(s.editor, /_doActivateExtension milestone-agents\.milestone-agents\b/);
    await s.page.locator('.activitybar .action-label[aria-label^="Milestone Agents"]').waitFor();
    const ours = log.split('\n').filter((l) => /\[error\]/i.test(l) && /milestone/i.test(l));
    assert.deepEqual(ours, [], `extension host log errors:\n${ours.join('\n')}`);
    const errors = await s.page.locator('.notifications-toasts .notification-list-item .codicon-error').count();
    assert.equal(errors, 0);
    await s.shot('1-activated');
  });

  it('lists its commands in the palette, and hides the ones that do not apply', async () => {
    const h = await harness();
    await h.waitForExtensionHostLog(s.editor, /_doActivateExtension milestone-agents\.milestone-agents\b/);
    // Start is listed once the extension has looked for milestone files.
    await runWhenListed(s.page, 'Milestone Agents: Validate Milestone');
    await s.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'E2E' }).first().waitFor();
    await s.page.keyboard.press('Escape');
    const palette = await h.openCommandPalette(s.page);
    await palette.locator('input').fill('>Milestone Agents: ');
    await palette.locator('.monaco-list-row', { hasText: 'Start Milestone' }).first().waitFor();
    const items = await h.quickInputItems(s.page);
    await s.shot('2-command-palette');
    await s.page.keyboard.press('Escape');
    for (const title of ['Start Milestone', 'New Milestone', 'Validate Milestone', 'Restart Language Server']) {
      assert.ok(items.some((i) => i.includes(`Milestone Agents: ${title}`)), `palette lacks ${title}: ${items.join(' | ')}`);
    }
    for (const title of ['Stop', 'Pause', 'Cancel Task']) {
      assert.ok(!items.some((i) => i === `Milestone Agents: ${title}`), `palette shows ${title} with nothing running`);
    }
  });

  it('Start Milestone runs a milestone: the tree, the status bar and the dashboard follow it, the state lands on disk', async () => {
    const h = await harness();
    await runWhenListed(s.page, 'Milestone Agents: Start Milestone');
    const pick = s.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'E2E happy path' });
    await pick.waitFor();
    assert.match(await pick.innerText(), /ok · 3 tasks/);
    await pick.click();

    // While it runs: a running task in the tree, and the progress in the status bar.
    await treeRow(s.page, 'Agents', /^executor-1$/).waitFor();
    await treeRow(s.page, 'Agents', /^a — Write a$/).waitFor();
    await s.page.locator('.pane .monaco-list-row', { hasText: 'running' }).first().waitFor();
    const running = await waitForStatusBar(s.page, /ok \d\/3 · \d+%/);
    assert.match(running, /ok [0-2]\/3/);
    await s.shot('3-tree-running');

    await waitForStatusBar(s.page, /ok 3\/3 · 100%/);
    await h.waitForNotification(s.page, 'Milestone "E2E happy path" completed: 3/3 tasks.');
    await treeRow(s.page, 'Agents', /^Tasks$/).waitFor();
    // The session row itself turns to completed; agents retired before the last event.
    await s.page.locator('.pane .monaco-list-row', { hasText: /E2E happy path\s*completed · 3\/3 · 100%/ }).waitFor();
    await s.page.locator('.pane .monaco-list-row', { hasText: /executor-1\s*terminated/ }).waitFor();
    const rowTexts = await s.page.locator('.pane .monaco-list-row').allInnerTexts();
    assert.ok(rowTexts.some((t) => /b — Write b[\s\S]*completed/.test(t)), rowTexts.join(' | '));
    await s.shot('4-tree-completed');

    const [sessionId] = await sessionsOf(workspace);
    assert.ok(sessionId);
    const journal = await fs.readFile(path.join(workspace, '.milestones', 'sessions', sessionId, 'events.jsonl'), 'utf8');
    assert.match(journal.trim().split('\n').pop() ?? '', /"type":"milestone_completed"/);
    assert.equal(git(workspace, 'rev-parse', '--abbrev-ref', 'HEAD'), 'milestone/ok');
    assert.ok(git(workspace, 'log', '--format=%s').split('\n').includes('ok: Write b [b]'));

    await h.runCommand(s.page, 'Milestone Agents: Show Dashboard');
    const dash = webview(s.page);
    await dash.locator('#progress-text', { hasText: '3/3 tasks completed · 100%' }).waitFor();
    await dash.locator('#status', { hasText: 'completed' }).waitFor();
    assert.equal(await dash.locator('.node.status-completed').count(), 3);
    await dash.locator('#metrics th', { hasText: 'Executor utilization' }).waitFor();
    await dash.locator('.node[data-task="b"]').click();
    await dash.locator('#log', { hasText: 'echo b > b.txt' }).waitFor();
    await s.shot('5-dashboard');
  });

  it('shows the auto-commits in the Source Control view after the Git extension refresh', async () => {
    const h = await harness();
    // The Source Control graph lists the milestone's commits on its branch.
    await h.runCommand(s.page, 'Source Control: Focus on Graph View');
    await s.page.locator('.monaco-list-row', { hasText: 'ok: Write b [b]' }).first().waitFor();
    await waitForStatusBar(s.page, /milestone\/ok/);
    await s.shot('6-source-control');
  });

  it('restores the dashboard, with its session, after the window reloads', async () => {
    const h = await harness();
    await h.runCommand(s.page, 'Milestone Agents: Show Dashboard');
    await webview(s.page).locator('#title', { hasText: 'E2E happy path' }).waitFor();
    const palette = await h.openCommandPalette(s.page);
    await palette.locator('input').fill('>Developer: Reload Window');
    await palette.locator('.monaco-list-row.focused', { hasText: 'Developer: Reload Window' }).waitFor();
    await Promise.all([s.page.waitForEvent('load'), s.page.keyboard.press('Enter')]);
    await s.page.locator('.monaco-workbench .statusbar').waitFor();
    await webview(s.page).locator('#progress-text', { hasText: '3/3 tasks completed · 100%' }).waitFor();
    await webview(s.page).locator('#title', { hasText: 'E2E happy path' }).waitFor();
  });

  it('a failed task shows in the tree with a Retry action that runs it again', async () => {
    const h = await harness();
    await runWhenListed(s.page, 'Milestone Agents: Start Milestone');
    await s.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'E2E retry' }).click();
    await h.waitForNotification(s.page, 'Milestone "E2E retry" failed');
    await waitForStatusBar(s.page, /flaky 0\/2 · 0%/);
    await showAgents(s);
    const failed = treeRow(s.page, 'Agents', /^needs-file — Needs a file$/);
    await s.page.locator('.pane .monaco-list-row', { hasText: /needs-file — Needs a file[\s\S]*failed/ }).first().waitFor();
    await s.shot('7-task-failed');

    await fs.writeFile(path.join(workspace, 'ready.txt'), 'now\n');
    await failed.hover();
    await failed.locator('.action-label[aria-label="Retry Failed Task"]').click();
    await waitForStatusBar(s.page, /flaky 2\/2 · 100%/);
    await h.waitForNotification(s.page, 'Milestone "E2E retry" completed: 2/2 tasks.');
    await fs.access(path.join(workspace, 'after.txt'));
    await s.shot('8-task-retried');
  });

  it('a session started by the CLI in the same workspace appears and updates live, read-only', async () => {
    const cli = execFile(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'run', '.milestones/cli.yaml'], { cwd: workspace });
    const exited = new Promise<number | null>((resolve) => cli.on('exit', resolve));
    await showAgents(s);
    await s.page.locator('.pane .monaco-list-row', { hasText: /E2E from the CLI[\s\S]*read-only/ }).first().waitFor();
    await waitForStatusBar(s.page, /cli [01]\/2/);
    await s.shot('13-cli-session-followed');
    assert.equal(await exited, 0);
    await waitForStatusBar(s.page, /cli 2\/2 · 100%/);
    await s.page.locator('.pane .monaco-list-row', { hasText: /E2E from the CLI[\s\S]*completed/ }).first().waitFor();
  });
});

async function showAgents(s: Session): Promise<void> {
  const h = await harness();
  const agents = s.page.locator('.pane-header', { hasText: 'Agents' });
  if (!(await agents.isVisible())) await h.showViewContainer(s.page, 'Milestone Agents');
}

describe('Restricted Mode (an untrusted workspace)', function () {
  let workspace: string;
  let s: Session;

  before(async function () {
    workspace = await gitWorkspace({ '.milestones/ok.yaml': OK });
    s = await launch(workspace, 'restricted');
  });

  stopAfterSuite(() => s);

  it('Start Milestone runs nothing and says why', async () => {
    const h = await harness();
    await s.page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).waitFor();
    await h.waitForExtensionHostLog(s.editor, /_doActivateExtension milestone-agents\.milestone-agents\b/);
    await runWhenListed(s.page, 'Milestone Agents: Start Milestone');
    const message = await h.waitForNotification(s.page, 'Restricted Mode');
    assert.match(message, /Starting a milestone is not possible in Restricted Mode/);
    await s.shot('9-restricted-mode');
    assert.deepEqual(await sessionsOf(workspace), []);
    await assert.rejects(fs.access(path.join(workspace, 'a.txt')));
  });
});

describe('a session interrupted before the editor opened', function () {
  let workspace: string;
  let s: Session;

  before(async function () {
    workspace = await gitWorkspace({
      '.milestones/cut.yaml': `id: cut\ntitle: E2E interrupted\ntype: custom\ntasks:\n  - { id: one, run: "echo one >> runs.log" }\n  - { id: two, run: "echo two >> runs.log; test -f go.txt || sleep 30", depends_on: [one] }\n`,
    });
    // Stop a CLI run with Ctrl-C while "two" runs: the session stays resumable (exit code 3).
    const cli = spawn(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'run', '.milestones/cut.yaml'], { cwd: workspace, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    cli.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (/two started/.test(out)) cli.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => cli.on('exit', resolve));
    assert.equal(code, 3, out);
    await fs.writeFile(path.join(workspace, 'go.txt'), 'go\n');
    s = await launch(workspace);
  });

  stopAfterSuite(() => s);

  it('is offered for resume at start-up, and resuming finishes it without running done tasks again', async () => {
    const h = await harness();
    const offer = s.page.locator('.notifications-toasts .notification-list-item', { hasText: 'Milestone "E2E interrupted" was interrupted with 1/2 tasks done' });
    await offer.waitFor();
    await s.shot('14-resume-offered');
    await offer.locator('.monaco-button', { hasText: 'Resume' }).click();
    await h.waitForNotification(s.page, 'Milestone "E2E interrupted" completed: 2/2 tasks.');
    await waitForStatusBar(s.page, /cut 2\/2 · 100%/);
    assert.deepEqual((await fs.readFile(path.join(workspace, 'runs.log'), 'utf8')).trim().split('\n'), ['one', 'two', 'two']);
  });
});
