import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, TempDirs } from './helpers';

const VSCE = path.join(REPO_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');

/** What the .vsix must hold: the bundles, the media the extension shows, the docs. */
const SHIPPED = [
  'CHANGELOG.md',
  'LICENSE',
  'README.md',
  'dist/cli.js',
  'dist/extension.js',
  'dist/milestone.schema.json',
  'dist/server.js',
  'dist/webview/dashboard.js',
  'dist/worker.js',
  'media/dashboard.css',
  'media/milestones.svg',
  'media/walkthrough/create.md',
  'media/walkthrough/start.md',
  'media/walkthrough/watch.md',
  'package.json',
];

/** Files a build or a checkout has next to them, none of which may ship. */
const LEFT_OUT = [
  'dist/cli.js.map',
  'dist/extension.js.map',
  'dist/webview/dashboard.js.map',
  'media/screenshots/dashboard.png',
  'media/screenshots/new-one.png',
  'media/walkthrough/notes.txt',
  'schemas/milestone.schema.json',
  'src/cli/main.ts',
  'test/unit/x.test.ts',
  'test-results/screenshots/x.png',
  'node_modules/yaml/index.js',
  'examples/demo/.milestones/add-discounts.yaml',
  'tsconfig.json',
  'esbuild.mjs',
];

// vsce decides from the working tree, so the test builds one: the real package.json and
// .vscodeignore, and a file (empty where its content does not matter) at every path.
describe('the packaged extension (.vscodeignore)', function () {
  this.timeout(30_000);
  const temps = new TempDirs();
  after(() => temps.cleanup());

  it('holds the bundles, the media without screenshots and the docs, and nothing else', async () => {
    const dir = await temps.make('ma-vsix-');
    for (const name of ['package.json', '.vscodeignore', 'README.md', 'CHANGELOG.md', 'LICENSE']) {
      await fs.copyFile(path.join(REPO_ROOT, name), path.join(dir, name));
    }
    for (const name of [...SHIPPED, ...LEFT_OUT]) {
      const file = path.join(dir, name);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, '', { flag: 'a' });
    }
    const { stdout } = await promisify(execFile)(process.execPath, [VSCE, 'ls', '--no-dependencies'], { cwd: dir });
    const listed = stdout.split('\n').filter(Boolean).sort();
    assert.deepEqual(listed, [...SHIPPED].sort());
  });

  it('ships every file package.json points at', async () => {
    const pkg = await fs.readFile(path.join(REPO_ROOT, 'package.json'), 'utf8');
    const referenced = new Set([...pkg.matchAll(/"(?:\.\/)?((?:dist|media)\/[^"]+)"/g)].map((m) => m[1]!));
    assert.ok(referenced.has('dist/extension.js') && referenced.has('media/walkthrough/create.md'), [...referenced].join(', '));
    for (const file of referenced) assert.ok(SHIPPED.includes(file), `package.json names ${file}, which is not shipped`);
  });
});
