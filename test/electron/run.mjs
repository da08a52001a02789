// `npm run test:electron`: the smoke suite in a VS Code desktop through @vscode/test-electron,
// for machines that have one (it downloads VS Code, or uses VSCODE_EXECUTABLE). These
// machines have no VS Code desktop: the real-editor suite (npm run test:e2e, code-server)
// is the one CI runs.
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runTests } from '@vscode/test-electron';

const root = resolve(import.meta.dirname, '..', '..');
const workspace = mkdtempSync(join(tmpdir(), 'milestone-electron-'));
cpSync(join(root, 'examples', 'demo'), workspace, { recursive: true });
try {
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: join(root, 'test', 'electron', 'suite.cjs'),
    launchArgs: [workspace, '--disable-extensions'],
    ...(process.env.VSCODE_EXECUTABLE ? { vscodeExecutablePath: process.env.VSCODE_EXECUTABLE } : {}),
  });
} catch (err) {
  console.error(`test:electron failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
