import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { execFile, execFileSync, spawn } from 'node:child_process';
import type { JournalEvent } from '../../src/core/session/events';
import { clickInlineAction, git, gitWorkspace, harness, launch, paletteEntries, release, stopAfterSuite, ROOT, runWhenListed, settled, tempDir, treeRow, waitForStatusBar, webview, type Session } from './support';

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

/** `ready` is a file outside the workspace: the tasks run in the milestone's integration worktree, not in the user's checkout. */
const FLAKY = (ready: string): string => `id: flaky
title: E2E retry
tasks:
  - { id: needs-file, title: Needs a file, run: "test -f '${ready}' || { echo 'ready.txt is missing'; exit 1; }" }
  - { id: after-it, title: After it, run: "echo after > after.txt", depends_on: [needs-file] }
`;

const FROM_CLI = `id: cli
title: E2E from the CLI
type: custom
tasks:
  - { id: one, run: "sleep 2" }
  - { id: two, run: "sleep 1", depends_on: [one] }
`;

/** A failed task blocks "unlocked" while "held" keeps the session running until the test writes to `fifo`. */
const BLOCKED = (fifo: string): string => `id: blocked
title: E2E blocked dependent
type: custom
tasks:
  - { id: unlock, title: Needs a key, run: "test -f key.txt || { echo 'key.txt is missing'; exit 1; }" }
  - { id: unlocked, title: After the key, run: "echo unlocked > unlocked.txt", depends_on: [unlock] }
  - { id: held, title: Held open, run: "cat '${fifo}'" }
`;

const KILLED = `id: orphan
title: E2E CLI killed
type: custom
tasks:
  - { id: first, run: "echo first >> orphan.log" }
  - { id: stuck, run: "echo stuck >> orphan.log; test -f unstuck.txt || sleep 30", depends_on: [first] }
`;

async function sessionsOf(workspace: string): Promise<string[]> {
  const dir = path.join(workspace, '.milestones', 'sessions');
  // Session records (<id>.yaml) and the run locks (.running/) sit next to the session folders.
  return (await fs.readdir(dir).catch(() => [])).filter((n) => !n.endsWith('.yaml') && !n.startsWith('.'));
}

async function journalOf(workspace: string, milestone: string): Promise<JournalEvent[]> {
  const id = (await sessionsOf(workspace)).find((n) => n.startsWith(`${milestone}-`));
  assert.ok(id, `no session of ${milestone}`);
  const text = await fs.readFile(path.join(workspace, '.milestones', 'sessions', id, 'events.jsonl'), 'utf8');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as JournalEvent);
}

describe('the extension in a real editor (code-server)', function () {
  let workspace: string;
  let s: Session;
  /** Holds the "held" task of BLOCKED open until the test writes to it; outside the workspace, where no watcher reads it. */
  let fifo: string;
  /** The file FLAKY's first task looks for. */
  let ready: string;

  before(async function () {
    const outside = await tempDir('ma-e2e-fifo-');
    fifo = path.join(outside, 'release');
    ready = path.join(outside, 'ready.txt');
    execFileSync('mkfifo', [fifo]);
    workspace = await gitWorkspace({ '.milestones/ok.yaml': OK, '.milestones/flaky.yaml': FLAKY(ready), '.milestones/blocked.yaml': BLOCKED(fifo), '.milestones/cli.yaml': FROM_CLI, '.milestones/orphan.yaml': KILLED, 'README.md': '# e2e\n' });
    s = await launch(workspace, 'trusted', { 'milestones.worktreesDirectory': await tempDir('ma-e2e-worktrees-') });
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
    const done = s.page.locator('.notifications-toasts .notification-list-item', { hasText: 'Milestone "E2E happy path" completed: 3/3 tasks. Its work is on milestone/ok.' }).first();
    await done.waitFor();
    // The milestone ran in a worktree of its own: the user's checkout is as it was.
    assert.equal(git(workspace, 'rev-parse', '--abbrev-ref', 'HEAD'), 'main');
    await assert.rejects(fs.access(path.join(workspace, 'b.txt')));
    await done.locator('.monaco-button', { hasText: 'Merge into main' }).waitFor();
    await settled(s.page.locator('.notifications-toasts'));
    await s.shot('4-completed-take-branch');
    await done.locator('.monaco-button', { hasText: 'Check Out Branch' }).click();
    await h.waitForNotification(s.page, 'Checked out milestone/ok.');
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
    await fs.access(path.join(workspace, 'b.txt'));

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
    await startedViewShown(s);
    const failed = treeRow(s.page, 'Agents', /^needs-file — Needs a file$/);
    await s.page.locator('.pane .monaco-list-row', { hasText: /needs-file — Needs a file[\s\S]*failed/ }).first().waitFor();
    await s.shot('7-task-failed');

    await fs.writeFile(ready, 'now\n');
    await clickInlineAction(s.page, failed, 'Retry Failed Task', s.page.locator('.statusbar .statusbar-item', { hasText: /flaky [12]\/2/ }).first());
    await waitForStatusBar(s.page, /flaky 2\/2 · 100%/);
    await h.waitForNotification(s.page, 'Milestone "E2E retry" completed: 2/2 tasks.');
    assert.equal(git(workspace, 'show', 'milestone/flaky:after.txt'), 'after');
    await s.shot('8-task-retried');
  });

  it('a dependent blocked by a failed task is a warning in the Problems panel until that task is retried', async () => {
    const h = await harness();
    await runWhenListed(s.page, 'Milestone Agents: Start Milestone');
    await s.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'E2E blocked dependent' }).click();
    try {
      await startedViewShown(s);
      await s.page.locator('.pane .monaco-list-row', { hasText: /unlock — Needs a key[\s\S]*failed/ }).first().waitFor();
      await h.runCommand(s.page, 'View: Focus Problems');
      const warning = s.page.locator('.markers-panel .monaco-list-row', { hasText: 'Task "unlocked" is blocked: it depends on "unlock", which failed' }).first();
      await warning.waitFor();
      await s.shot('15-blocked-dependent');

      await fs.writeFile(path.join(workspace, 'key.txt'), 'key\n');
      const failed = treeRow(s.page, 'Agents', /^unlock — Needs a key$/);
      const unlocked = s.page.locator('.pane .monaco-list-row', { hasText: /unlocked — After the key[\s\S]*completed/ }).first();
      await clickInlineAction(s.page, failed, 'Retry Failed Task', unlocked);
      await warning.waitFor({ state: 'detached' });
      // "held" still runs: the warning went with the retry, not with the end of the session.
      assert.match(await waitForStatusBar(s.page, /blocked \d\/3/), /blocked 2\/3/);
      await s.shot('16-blocked-dependent-retried');
    } finally {
      // Whatever happened, the session ends, so the next tests find nothing running here.
      await release(fifo);
    }
    await h.waitForNotification(s.page, 'Milestone "E2E blocked dependent" completed: 3/3 tasks.');
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

  it('a CLI session whose process is killed turns to interrupted, and Resume Interrupted Session finishes it', async () => {
    const h = await harness();
    const cli = spawn(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'run', '.milestones/orphan.yaml'], { cwd: workspace, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => cli.on('exit', (_code, signal) => resolve(signal)));
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        cli.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (/stuck started/.test(out)) resolve();
        });
        cli.on('exit', () => reject(new Error(`the CLI ended before "stuck" started:\n${out}`)));
      });
      await showAgents(s);
      await s.page.locator('.pane .monaco-list-row', { hasText: /E2E CLI killed[\s\S]*read-only/ }).first().waitFor();
      // The editor has read the journal up to the last event before the kill: nothing it reads
      // afterwards could tell it the process is gone, only the lock can.
      await s.page.locator('.pane .monaco-list-row', { hasText: /^stuck\s*running/ }).first().waitFor();

      // No goodbye: the CLI and the task it runs (its own process group) are killed outright.
      const started = (await journalOf(workspace, 'orphan')).find((e) => e.type === 'task_started' && e.data.task === 'stuck');
      assert.ok(started?.type === 'task_started');
      cli.kill('SIGKILL');
      process.kill(-started.data.pid, 'SIGKILL');
      assert.equal(await exited, 'SIGKILL');
    } finally {
      if (cli.exitCode === null && cli.signalCode === null) cli.kill('SIGKILL');
    }
    await fs.writeFile(path.join(workspace, 'unstuck.txt'), 'go\n');

    // Its lock goes stale within seconds: the tree and the status bar say interrupted, and it can be resumed.
    await s.page.locator('.pane .monaco-list-row', { hasText: /E2E CLI killed\s*interrupted · 1\/2/ }).first().waitFor();
    await waitForStatusBar(s.page, /orphan 1\/2 · 50%/);
    await s.shot('17-cli-killed-interrupted');
    await runWhenListed(s.page, 'Milestone Agents: Resume Interrupted Session');
    await h.waitForNotification(s.page, 'Milestone "E2E CLI killed" completed: 2/2 tasks.');
    await s.page.locator('.pane .monaco-list-row', { hasText: /E2E CLI killed\s*completed · 2\/2/ }).first().waitFor();
    assert.deepEqual((await fs.readFile(path.join(workspace, 'orphan.log'), 'utf8')).trim().split('\n'), ['first', 'stuck', 'stuck']);
  });
});

async function showAgents(s: Session): Promise<void> {
  const h = await harness();
  const agents = s.page.locator('.pane-header', { hasText: 'Agents' });
  if (!(await agents.isVisible())) await h.showViewContainer(s.page, 'Milestone Agents');
}

/**
 * Start Milestone reveals the Agents view itself. showAgents would race with that: its
 * click on the activity bar toggles the container, closing it if Start opened it meanwhile.
 */
async function startedViewShown(s: Session): Promise<void> {
  await s.page.locator('.pane-header', { hasText: 'Agents' }).waitFor();
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
    // The palette lists the milestone commands (the extension found the file), but not Start.
    const items = await paletteEntries(s.page, 'Milestone Agents: ', 'Validate Milestone');
    assert.ok(!items.some((i) => i.includes('Milestone Agents: Start Milestone')), `the palette offers Start in Restricted Mode: ${items.join(' | ')}`);

    // The Milestones view keeps its Start action, which says why nothing runs and how to change that.
    await showAgents(s);
    const file = treeRow(s.page, 'Milestones', /^E2E happy path$/);
    const toast = s.page.locator('.notifications-toasts .notification-list-item', { hasText: 'Restricted Mode' }).first();
    await clickInlineAction(s.page, file, 'Start Milestone', toast);
    assert.match(await toast.innerText(), /Starting a milestone is not possible in Restricted Mode/);
    await toast.locator('.monaco-button', { hasText: 'Manage Workspace Trust' }).waitFor();
    await settled(s.page.locator('.notifications-toasts'));
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
