// Drives a real VS Code (code-server) through Chromium for UI tests. Everything it starts lives
// in one throwaway temp dir and one process group, so stop() - or the exit hooks below when a
// test crashes - leaves nothing behind.

import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import { createWriteStream, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { prepareEditor, run } from './prepare.mjs';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Starts code-server on a free loopback port with throwaway user-data and extensions dirs.
 * @param {{workspace: string, vsix?: string | string[], extensionDirs?: string[],
 *   settings?: object, trust?: 'trusted' | 'restricted', timeoutMs?: number, log?: (m: string) => void}} options
 */
export async function startEditor({ workspace, vsix = [], extensionDirs = [], settings = {}, trust = 'trusted', timeoutMs = 60_000, log = () => {} }) {
  const prepared = await prepareEditor({ log });
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'milestone-editor-'));
  const userDataDir = path.join(root, 'ud');
  const extensionsDir = path.join(root, 'ext');
  const cleanup = { pid: undefined, root };
  live.add(cleanup);
  installExitHooks();

  try {
    const env = editorEnv(prepared, root);
    // Folders first: with no extensions.json yet, the first code-server run (the vsix install
    // below, or the server) scans --extensions-dir and records them. Once extensions.json
    // exists, folders added later are ignored. Named the way VS Code names installed extensions.
    for (const dir of extensionDirs) {
      const manifest = JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8'));
      const name = `${manifest.publisher}.${manifest.name}-${manifest.version}`;
      await fs.cp(path.resolve(dir), path.join(extensionsDir, name), { recursive: true });
    }
    for (const file of [vsix].flat()) {
      await run('install extension', prepared.node24, [prepared.codeServer, '--install-extension', path.resolve(file),
        '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir], env);
    }
    await writeUserSettings(userDataDir, settings, trust);

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(
      prepared.node24,
      [prepared.codeServer, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry',
        '--disable-update-check', '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, path.resolve(workspace)],
      { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    cleanup.pid = child.pid;
    const output = captureOutput(child, path.join(root, 'code-server.log'));
    // A test that throws before stop() must still let Node exit, so the exit hook can clean up.
    for (const handle of [child, child.stdout, child.stderr]) handle.unref();
    await waitUntilServing(child, url, output, timeoutMs);

    let stopped;
    return {
      url,
      port,
      pid: child.pid,
      workspace: path.resolve(workspace),
      root,
      userDataDir,
      extensionsDir,
      logsDir: path.join(userDataDir, 'logs'),
      output: () => output.text,
      stop: () => (stopped ??= stopEditor(child, cleanup)),
    };
  } catch (err) {
    await stopEditor(undefined, cleanup);
    throw err;
  }
}

/**
 * Opens the workbench for `editor` in headless Chromium.
 * @param {{url: string, workspace: string, root: string}} editor  as returned by startEditor
 * @param {{screenshotsDir?: string, viewport?: {width: number, height: number}, timeoutMs?: number}} [options]
 */
export async function openWorkbench(editor, { screenshotsDir = path.join(os.tmpdir(), 'editor-screenshots'), viewport = { width: 1400, height: 900 }, timeoutMs = 60_000 } = {}) {
  const { playwrightCore, chromium: executablePath } = await prepareEditor();
  const { chromium } = await import(pathToFileURL(path.join(playwrightCore, 'index.mjs')).href);
  // Chromium's crash reporter writes under $XDG_CONFIG_HOME even with a temp profile.
  const xdg = path.join(editor.root, 'browser');
  const env = { ...process.env, XDG_CONFIG_HOME: path.join(xdg, 'config'), XDG_CACHE_HOME: path.join(xdg, 'cache') };
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true, env });
  try {
    const page = await browser.newPage({ viewport });
    page.setDefaultTimeout(timeoutMs);
    // In code-server the extension host's console.log reaches only the page's console (as
    // "[Extension Host] ..."), not the extension host log file.
    const consoleLines = [];
    page.on('console', (m) => consoleLines.push(m.text()));
    await page.goto(`${editor.url}/?folder=${encodeURIComponent(editor.workspace)}`);
    await page.locator('.monaco-workbench').waitFor();
    // The container appears before its parts; the helpers below need the parts rendered.
    await page.locator('.statusbar').waitFor();
    return {
      browser,
      page,
      screenshot: async (name) => {
        await fs.mkdir(screenshotsDir, { recursive: true });
        const file = path.join(screenshotsDir, `${name}.png`);
        await page.screenshot({ path: file });
        return file;
      },
      runCommand: (title) => runCommand(page, title),
      consoleMessages: () => [...consoleLines],
      close: () => browser.close(),
    };
  } catch (err) {
    await browser.close();
    throw err;
  }
}

/** Opens the command palette, types `title` and runs the entry it highlights for it. */
export async function runCommand(page, title) {
  const palette = await openCommandPalette(page);
  const typed = `>${title}`;
  await palette.locator('input').fill(typed);
  // Enter runs the highlighted row, so wait until filtering has put a matching one there.
  await palette.locator('.monaco-list-row.focused', { hasText: title }).waitFor();
  await page.keyboard.press('Enter');
  // The widget either closes or, for a command that asks something, is reused with new input.
  await page.waitForFunction((text) => {
    const widget = document.querySelector('.quick-input-widget');
    return !widget || widget.style.display === 'none' || widget.querySelector('input')?.value !== text;
  }, typed);
}

/** Opens the command palette; returns its widget locator. */
export async function openCommandPalette(page) {
  const palette = page.locator('.quick-input-widget');
  // A shortcut sent before the workbench has keyboard focus is dropped. Not seen on a quiet
  // machine, but a loaded CI box is slower to settle, and a retry costs nothing when unneeded.
  for (let attempt = 0; ; attempt++) {
    await page.keyboard.press('Control+Shift+P');
    try {
      await palette.waitFor({ state: 'visible', timeout: 2_000 });
      return palette;
    } catch (err) {
      if (attempt >= 4) throw err;
      await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } });
    }
  }
}

/** Labels of the entries the open quick-input lists. */
export async function quickInputItems(page) {
  return page.locator('.quick-input-widget .monaco-list-row .label-name').allInnerTexts();
}

/** Texts of the status bar items, left to right. */
export async function statusBarItems(page) {
  const texts = await page.locator('.statusbar .statusbar-item').allInnerTexts();
  // Items with icons render as several spans, e.g. the problems item reads "0 \n 1".
  return texts.map((t) => t.replace(/\s+/g, ' ').trim()).filter(Boolean);
}

/** Messages of the notification toasts currently shown. */
export async function notificationMessages(page) {
  return page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts();
}

/** Waits until a notification toast containing `text` is visible. */
export async function waitForNotification(page, text, timeout) {
  const toast = page.locator('.notifications-toasts .notification-list-item-message', { hasText: text }).first();
  await toast.waitFor({ timeout });
  return toast.innerText();
}

/** Shows a view container of the activity bar by its title, e.g. one an extension contributes. */
export async function showViewContainer(page, title) {
  await page.locator(`.activitybar .action-label[aria-label^="${title}"]`).click();
}

/** Labels of the rows of a tree view, found by its title in the side bar. */
export async function treeItems(page, viewTitle) {
  const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: viewTitle }) });
  return pane.locator('.monaco-list-row .label-name').allInnerTexts();
}

/**
 * The texts of the problems the Problems panel lists under one file (not their related
 * locations), among the rows it renders: open it first with runCommand(page, 'View: Focus Problems').
 */
export async function problemsIn(page, file) {
  const rows = await page.locator('.markers-panel .monaco-list-row').evaluateAll((elements) =>
    elements.map((e) => ({ index: Number(e.getAttribute('data-index')), level: e.getAttribute('aria-level'), label: e.getAttribute('aria-label') ?? '', text: e.textContent ?? '' })),
  );
  // The list renders rows in any DOM order; data-index is their place in the tree.
  rows.sort((a, b) => a.index - b.index);
  const texts = [];
  let inFile = false;
  for (const row of rows) {
    if (row.level === '1') inFile = row.label.includes(` in file ${file} of folder `);
    else if (inFile && row.level === '2') texts.push(row.text);
  }
  return texts;
}

/** All extension host logs the server wrote so far, concatenated; '' when there are none yet. */
export async function readExtensionHostLog(editor) {
  const files = (await listFiles(editor.logsDir)).filter((f) => /^(remote)?exthost\d*\.log$/.test(path.basename(f)));
  const texts = await Promise.all(files.sort().map((f) => fs.readFile(f, 'utf8')));
  return texts.join('');
}

/**
 * Text of an extension's output channel: a LogOutputChannel is written to
 * exthost1/<extension id>/<name>.log, a plain one to exthost1/output_logging_<time>/<n>-<name>.log.
 */
export async function readOutputChannel(editor, name) {
  const isChannel = (f) => path.basename(f).replace(/^\d+-/, '') === `${name}.log`;
  const files = (await listFiles(editor.logsDir)).filter(isChannel);
  const texts = await Promise.all(files.sort().map((f) => fs.readFile(f, 'utf8')));
  return texts.join('');
}

/** Waits until the extension host log matches `pattern`; the log is a file, so this polls. */
export async function waitForExtensionHostLog(editor, pattern, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await readExtensionHostLog(editor);
    if (pattern.test(text)) return text;
    if (Date.now() > deadline) {
      throw new Error(`extension host log did not match ${pattern} in ${timeoutMs} ms; last lines:\n${tail(text)}`);
    }
    await delay(250);
  }
}

async function listFiles(dir) {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath ?? e.path, e.name));
}

function editorEnv(prepared, root) {
  const env = { ...process.env };
  // Variables from an enclosing VS Code terminal would make code-server talk to that editor.
  for (const key of Object.keys(env)) if (key.startsWith('VSCODE_') || key === 'ELECTRON_RUN_AS_NODE') delete env[key];
  return {
    ...env,
    PATH: `${path.dirname(prepared.node24)}${path.delimiter}${env.PATH ?? ''}`,
    // code-server writes its config (with a password), its own logs and a device id under
    // these; keep them in the throwaway dir rather than the user's home.
    XDG_CONFIG_HOME: path.join(root, 'xdg/config'),
    XDG_DATA_HOME: path.join(root, 'xdg/data'),
    XDG_CACHE_HOME: path.join(root, 'xdg/cache'),
  };
}

async function writeUserSettings(userDataDir, settings, trust) {
  const base = {
    'workbench.startupEditor': 'none',
    'chat.disableAIFeatures': true,
    // Only quiets the logs: lookups of telemetry hosts fail offline anyway.
    'telemetry.telemetryLevel': 'off',
    // The secondary side bar otherwise opens empty for chat, taking a third of the screenshots.
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
  };
  if (trust !== 'restricted') base['security.workspace.trust.enabled'] = false;
  const dir = path.join(userDataDir, 'User');
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'settings.json'), JSON.stringify({ ...base, ...settings }, null, 2));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function captureOutput(child, file) {
  const output = { text: '', listeners: new Set() };
  const sink = createWriteStream(file);
  const onData = (chunk) => {
    output.text = (output.text + chunk).slice(-256 * 1024);
    sink.write(chunk);
    for (const l of output.listeners) l();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  child.once('close', () => sink.end());
  return output;
}

// code-server logs "HTTP server listening on <url>" once bound; wait for that line, then confirm
// with a request, which can still be refused for a moment while the route setup finishes.
async function waitUntilServing(child, url, output, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  const failure = (why) =>
    new Error(`code-server did not start at ${url}: ${why}\n--- code-server output (tail) ---\n${tail(output.text)}`);
  await new Promise((resolve, reject) => {
    const check = () => output.text.includes('HTTP server listening') && done(resolve);
    const onExit = (code, signal) => done(() => reject(failure(`exited with ${signal ?? `code ${code}`}`)));
    const timer = setTimeout(() => done(() => reject(failure(`no "HTTP server listening" within ${timeoutMs} ms`))), timeoutMs);
    const done = (fn) => {
      clearTimeout(timer);
      output.listeners.delete(check);
      child.off('exit', onExit);
      fn();
    };
    output.listeners.add(check);
    child.once('exit', onExit);
    check();
  });
  for (let wait = 50; ; wait = Math.min(wait * 2, 500)) {
    const status = await httpStatus(url).catch(() => 0);
    if (status > 0 && status < 500) return;
    if (Date.now() > deadline) throw failure(`HTTP status ${status || 'connection refused'} on /`);
    await delay(wait);
  }
}

function httpStatus(url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.setTimeout(2_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

const live = new Set();

async function stopEditor(child, cleanup) {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    killGroup(cleanup.pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(cleanup.pid, 'SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  // The extension host and other children share the group; make sure none outlives the server.
  killGroup(cleanup.pid, 'SIGKILL');
  await fs.rm(cleanup.root, { recursive: true, force: true });
  live.delete(cleanup);
}

function killGroup(pid, signal) {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

// Last-resort cleanup when a test run dies without calling stop(): 'exit' handlers must be
// synchronous, so kill and delete without waiting.
function cleanupAllSync() {
  for (const c of live) {
    killGroup(c.pid, 'SIGKILL');
    rmSync(c.root, { recursive: true, force: true });
  }
  live.clear();
}

let hooksInstalled = false;
function installExitHooks() {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.once('exit', cleanupAllSync);
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      cleanupAllSync();
      // Re-raise so the process still dies the way the signal asked.
      process.kill(process.pid, signal);
    });
  }
}

function tail(text, lines = 40) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function delay(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
