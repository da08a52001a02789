// Checks that the real editor works end to end on this machine: prepare, start code-server with
// a hand-made extension, open the workbench, list a built-in command in the palette, stop.
//   node scripts/editor/smoke.mjs      (screenshots go to /tmp/editor-smoke/)

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { prepareEditor } from './prepare.mjs';
import { openCommandPalette, openWorkbench, quickInputItems, startEditor, statusBarItems, waitForExtensionHostLog } from './harness.mjs';

const screenshotsDir = '/tmp/editor-smoke';
const log = (m) => console.error(`[smoke] ${m}`);
const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;

await fs.rm(screenshotsDir, { recursive: true, force: true });
const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'editor-smoke-'));
let editor;
let workbench;
try {
  await prepareEditor({ log });
  log(`prepared (${elapsed()})`);

  const workspace = path.join(tmp, 'workspace');
  await fs.mkdir(workspace);
  await fs.writeFile(path.join(workspace, 'README.md'), '# smoke\n');
  const extension = await writeSmokeExtension(path.join(tmp, 'extension'));

  editor = await startEditor({ workspace, extensionDirs: [extension], log });
  log(`code-server serving ${editor.url} (${elapsed()})`);
  workbench = await openWorkbench(editor, { screenshotsDir });
  log(`workbench loaded (${elapsed()})`);

  await workbench.page.locator('.statusbar-item', { hasText: 'smoke-ok' }).waitFor();
  await waitForExtensionHostLog(editor, /_doActivateExtension milestone-agents-test\.editor-smoke\b/);
  log(`smoke extension active; status bar: ${JSON.stringify(await statusBarItems(workbench.page))}`);
  await workbench.screenshot('1-workbench');

  const palette = await openCommandPalette(workbench.page);
  await palette.locator('input').fill('>Developer: Reload Window');
  await palette.locator('.monaco-list-row', { hasText: 'Developer: Reload Window' }).first().waitFor();
  log(`palette lists: ${JSON.stringify((await quickInputItems(workbench.page)).slice(0, 5))}`);
  await workbench.screenshot('2-command-palette');
  await workbench.page.keyboard.press('Escape');

  console.log(`smoke: passed in ${elapsed()}; screenshots in ${screenshotsDir}`);
} catch (err) {
  await workbench?.screenshot('failure').catch(() => {});
  console.error(`smoke: FAILED after ${elapsed()}\n${err.stack ?? err}`);
  if (editor) console.error(`--- code-server output (tail) ---\n${editor.output().split('\n').slice(-30).join('\n')}`);
  process.exitCode = 1;
} finally {
  await workbench?.close();
  await editor?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
}

// Smallest extension that proves the extension host runs and loads from --extensions-dir.
async function writeSmokeExtension(dir) {
  await fs.mkdir(dir, { recursive: true });
  const manifest = {
    name: 'editor-smoke',
    publisher: 'milestone-agents-test',
    version: '0.0.1',
    engines: { vscode: '^1.90.0' },
    activationEvents: ['onStartupFinished'],
    main: './extension.js',
  };
  await fs.writeFile(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  await fs.writeFile(
    path.join(dir, 'extension.js'),
    `const vscode = require('vscode');
exports.activate = (context) => {
  const item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 1000);
  item.text = 'smoke-ok';
  item.show();
  context.subscriptions.push(item);
};
`,
  );
  return dir;
}
