// Shared set-up of the real-editor tests: the packaged .vsix, throwaway git workspaces,
// code-server + Chromium through scripts/editor/harness.mjs, and waits on the real UI.
import { execFileSync } from 'node:child_process';
import { constants as fsConstants, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import type { Editor, Workbench } from '../../scripts/editor/harness.mjs' with { 'resolution-mode': 'import' };

export const ROOT = path.resolve(__dirname, '..', '..');
export const RESULTS = path.join(ROOT, 'test-results');
export const SCREENSHOTS = path.join(RESULTS, 'screenshots');

export const harness = (): Promise<typeof import('../../scripts/editor/harness.mjs', { with: { 'resolution-mode': 'import' } })> => import('../../scripts/editor/harness.mjs');

let vsix: Promise<string> | undefined;

/** Packages the extension once per run, from the freshly built dist/, the way users get it. */
export function packagedVsix(): Promise<string> {
  vsix ??= (async () => {
    await fs.mkdir(RESULTS, { recursive: true });
    const out = path.join(RESULTS, 'milestone-agents.vsix');
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--no-rewrite-relative-links', '-o', out], { cwd: ROOT, stdio: 'pipe' });
    return out;
  })();
  return vsix;
}

const temps: string[] = [];

/** An empty directory that the suite's `after` hook removes. */
export async function tempDir(prefix = 'ma-e2e-'): Promise<string> {
  const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), prefix)));
  temps.push(dir);
  return dir;
}

export async function gitWorkspace(files: Record<string, string>): Promise<string> {
  const dir = await tempDir('ma-e2e-ws-');
  for (const [name, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), content);
  }
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'E2E');
  git('config', 'user.email', 'e2e@example.invalid');
  git('add', '-A');
  git('commit', '-q', '-m', 'initial');
  return dir;
}

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
}

export async function removeTemps(): Promise<void> {
  await Promise.all(temps.splice(0).map((d) => fs.rm(d, { recursive: true, force: true })));
}

export interface Session {
  editor: Editor;
  wb: Workbench;
  page: Page;
  shot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts code-server with the packaged extension on `workspace` (and these user settings) and opens it in Chromium. */
export async function launch(workspace: string, trust: 'trusted' | 'restricted' = 'trusted', settings: Record<string, unknown> = {}): Promise<Session> {
  const h = await harness();
  const editor = await h.startEditor({ workspace, vsix: await packagedVsix(), trust, settings });
  let wb: Workbench;
  try {
    wb = await h.openWorkbench(editor, { screenshotsDir: SCREENSHOTS, timeoutMs: 60_000 });
  } catch (err) {
    await editor.stop();
    throw err;
  }
  return {
    editor,
    wb,
    page: wb.page,
    shot: (name) => wb.screenshot(name),
    close: async () => {
      await wb.close().catch(() => undefined);
      await editor.stop();
    },
  };
}

/** Variables that could point an agent the editor starts at a real API, or through a proxy. */
const FOREIGN = /^(ANTHROPIC_|CLAUDE_|AWS_|GOOGLE_|VERTEX_|HTTPS?_PROXY$|ALL_PROXY$)/i;

/**
 * `launch`, with none of those variables in what code-server inherits: the agent tasks get
 * what they need (the fake API) through their own `env:`.
 */
export async function launchWithoutAgentEnv(workspace: string, settings: Record<string, unknown> = {}): Promise<Session> {
  const saved = Object.entries(process.env).filter(([k]) => FOREIGN.test(k));
  for (const [k] of saved) delete process.env[k];
  try {
    return await launch(workspace, 'trusted', settings);
  } finally {
    for (const [k, v] of saved) process.env[k] = v;
  }
}

const IMAGES = path.join(ROOT, 'docs', 'images');

/**
 * A PNG of the window among the test artifacts; with MILESTONE_UPDATE_IMAGES=1 also into
 * docs/images, for the README (a plain test run leaves the repository as it was).
 */
export async function picture(s: Session, name: string): Promise<void> {
  if (process.env.MILESTONE_UPDATE_IMAGES === '1') {
    await fs.mkdir(IMAGES, { recursive: true });
    await s.page.screenshot({ path: path.join(IMAGES, `${name}.png`) });
  }
  await s.shot(name);
}

/** Drags the side bar's edge to the right, so that the tree's descriptions show whole in the pictures. */
export async function widenSideBar(page: Page, by: number): Promise<void> {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box) return;
  const x = box.x + box.width + 1;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + by, y, { steps: 8 });
  await page.mouse.up();
  // Away from the edge, which is drawn highlighted while the pointer is on it.
  await page.mouse.move(x + by + 400, y);
}

/** Opens a file of the workspace through Quick Open and waits for its editor. */
export async function openFile(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(name);
  await page.locator('.quick-input-widget .monaco-list-row.focused', { hasText: name }).waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.tab.active', { hasText: name }).waitFor();
  await page.locator('.monaco-editor .view-lines').first().waitFor();
}

/** The hooks of every real-editor suite: a screenshot of each failed test, then everything stopped. */
export function stopAfterSuite(session: () => Session | undefined): void {
  afterEach(async function () {
    const test = this.currentTest;
    const s = session();
    if (test?.state !== 'failed' || !s) return;
    await s.shot(`failure-${test.title.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
    // CI keeps the output, not the screenshots: say there what the window showed.
    process.stderr.write(`\n--- what the editor showed when "${test.title}" failed ---\n${await describeWindow(s).catch((err: Error) => `(could not read the window: ${err.message})`)}\n`);
  });
  after(async () => {
    await session()?.close();
    await removeTemps();
  });
}

/** The notifications, the side bar's rows, the status bar and our log's last lines, as text. */
async function describeWindow(s: Session): Promise<string> {
  const h = await harness();
  const texts = async (selector: string): Promise<string> => (await s.page.locator(selector).allInnerTexts()).map((t) => `  ${t.replace(/\s+/g, ' ').trim()}`).join('\n');
  const log = (await h.readOutputChannel(s.editor, 'Milestone Agents')).trim().split('\n').slice(-40).join('\n');
  return [
    `notifications:\n${await texts('.notifications-toasts .notification-list-item')}`,
    `side bar rows:\n${await texts('.sidebar .pane .monaco-list-row')}`,
    `status bar:\n${await texts('.statusbar .statusbar-item')}`,
    `Milestone Agents log (last lines):\n${log}`,
  ].join('\n');
}

/** Waits until some status bar item's text matches; returns that text. */
export async function waitForStatusBar(page: Page, pattern: RegExp, timeout = 60_000): Promise<string> {
  const item = page.locator('.statusbar .statusbar-item', { hasText: pattern }).first();
  await item.waitFor({ timeout });
  return (await item.innerText()).replace(/\s+/g, ' ').trim();
}

/** The document inside the (single) open webview: VS Code nests it in two iframes. */
export function webview(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview').frameLocator('iframe#active-frame');
}

/** A row of a tree view, found by its label. */
export function treeRow(page: Page, view: string, label: string | RegExp) {
  const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: view }) });
  return pane.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: label }) }).first();
}

/**
 * Clicks an inline action of a tree row until `done` shows. The action shows only while the
 * row is hovered, and a refresh of the tree re-renders the row: hover again then. A click
 * that lands while the tree re-registers its rows reaches the command without its row, which
 * then asks which task in a QuickPick: close it and click again, so the row's action itself
 * is what must work.
 */
export async function clickInlineAction(page: Page, row: Locator, label: string, done: Locator): Promise<void> {
  const action = row.locator(`.action-label[aria-label="${label}"]`);
  const askedWhich = page.locator('.quick-input-widget .quick-input-list').first();
  let last = '';
  for (let attempt = 1; attempt <= 5; attempt++) {
    await row.hover();
    const failure = await action.click({ timeout: 5_000 }).then(() => undefined, (err: Error) => err);
    if (failure) {
      last = failure.message;
      continue;
    }
    const outcome = await Promise.race([done.waitFor({ timeout: 30_000 }).then(() => 'done' as const), askedWhich.waitFor({ timeout: 30_000 }).then(() => 'asked' as const)]).catch((err: Error) => err);
    if (outcome === 'done') return;
    if (outcome === 'asked') {
      last = 'the command was reached without its row and asked which one';
      await page.keyboard.press('Escape');
      continue;
    }
    throw outcome;
  }
  throw new Error(`the "${label}" action of the row did not take effect after 5 clicks: ${last}`);
}

/**
 * Resolves with the file's content once `test` accepts it. It wakes on file-system events,
 * and looks again now and then: a save can truncate and write the file under one coalesced
 * event, read between the two, after which no event comes. The last look, at the
 * deadline, decides.
 */
export async function waitForFileContent(file: string, test: (text: string) => boolean, timeout = 30_000): Promise<string> {
  const { watch } = await import('node:fs');
  const read = (): Promise<string> => fs.readFile(file, 'utf8').catch(() => '');
  const now = await read();
  if (test(now)) return now;
  return new Promise((resolve, reject) => {
    const check = (): void => {
      void read().then((text) => {
        if (!test(text)) return;
        done();
        resolve(text);
      });
    };
    const watcher = watch(path.dirname(file), check);
    const again = setInterval(check, 250);
    const timer = setTimeout(() => {
      done();
      void read().then((text) => (test(text) ? resolve(text) : reject(new Error(`${file} never matched; it reads:\n${text}`))));
    }, timeout);
    function done(): void {
      clearTimeout(timer);
      clearInterval(again);
      watcher.close();
    }
  });
}

/**
 * Runs a palette command once the palette lists it: the list is fixed when the palette
 * opens, and a command whose `when` clause the extension is still setting up (right after
 * activation) shows only in a palette opened after that.
 */
export async function runWhenListed(page: Page, title: string, timeout = 60_000): Promise<void> {
  const h = await harness();
  const deadline = Date.now() + timeout;
  for (;;) {
    const palette = await h.openCommandPalette(page);
    await palette.locator('input').fill(`>${title}`);
    try {
      await palette.locator('.monaco-list-row.focused', { hasText: title }).waitFor({ timeout: 3_000 });
      await page.keyboard.press('Enter');
      return;
    } catch (err) {
      await page.keyboard.press('Escape');
      if (Date.now() > deadline) throw err;
    }
  }
}

/**
 * The palette's entries for `filter`, read from a palette that lists `ready`: like
 * runWhenListed, it opens the palette again until the extension's `when` clauses are set.
 */
export async function paletteEntries(page: Page, filter: string, ready: string, timeout = 60_000): Promise<string[]> {
  const h = await harness();
  const deadline = Date.now() + timeout;
  for (;;) {
    const palette = await h.openCommandPalette(page);
    await palette.locator('input').fill(`>${filter}`);
    try {
      await palette.locator('.monaco-list-row', { hasText: ready }).first().waitFor({ timeout: 3_000 });
      const items = await h.quickInputItems(page);
      await page.keyboard.press('Escape');
      return items;
    } catch (err) {
      await page.keyboard.press('Escape');
      if (Date.now() > deadline) throw err;
    }
  }
}

/** Resolves once the element's CSS transitions and animations (a toast sliding in) are over: for screenshots. */
export async function settled(locator: Locator): Promise<void> {
  await locator.evaluate(async (el) => {
    // The tests compile without the DOM library: the one method used here, typed by hand.
    const animated = el as unknown as { getAnimations(options: { subtree: boolean }): { finished: Promise<unknown> }[] };
    await Promise.all(animated.getAnimations({ subtree: true }).map((a) => a.finished.catch(() => undefined)));
  });
}

/** Ends a task that waits on a fifo ("held" open); nothing happens when nothing reads it (ENXIO). */
export async function release(fifo: string): Promise<void> {
  const handle = await fs.open(fifo, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK).catch(() => undefined);
  if (!handle) return;
  try {
    await handle.writeFile('go\n');
  } finally {
    await handle.close();
  }
}
