// Prepares the real Claude Code CLI in a cache outside the repository, for tests that run it
// offline against a fake Anthropic API (test/support/fakeAnthropic.ts). Idempotent: a warm
// run only reads a marker and checks the binary exists.
//
//   node scripts/claude/prepare.mjs        -> prints a JSON summary of absolute paths
//   import { prepareClaude } from './prepare.mjs'
//
// How the package is launched: @anthropic-ai/claude-code 2.x is not a cli.js any more. Its
// `bin/claude.exe` is a placeholder, and the real CLI is a self-contained native executable
// shipped in a per-platform optional dependency (@anthropic-ai/claude-code-linux-x64 etc.,
// fetched from the npm registry like any package). The package's postinstall (install.cjs)
// only hard-links that executable over the placeholder; it downloads nothing. We install with
// --ignore-scripts and run the platform package's executable directly, so nothing depends on
// the postinstall: npm 11 already warns that it is "not yet covered by allowScripts", and the
// wrapper declares engines node >= 22, which only install.cjs would need.

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { exists, npmInstallAtomically as installAtomically, readJson, stepRunner, withoutNpmRunEnv, writeJsonAtomically } from '../lib/install.mjs';
import { fileURLToPath } from 'node:url';

// Exact pin: the marker compares against it, so bumping it re-installs.
export const VERSION = '2.1.332';
const PACKAGE = '@anthropic-ai/claude-code';

export function claudeCacheDir() {
  return path.resolve(
    process.env.MILESTONE_AGENTS_CLAUDE_CACHE || path.join(os.homedir(), '.cache/milestone-agents/claude'),
  );
}

/** @returns {Promise<{claude: string, node: string, version: string, cacheDir: string}>} */
export async function prepareClaude({ log = () => {} } = {}) {
  const cacheDir = claudeCacheDir();
  const installDir = path.join(cacheDir, `claude-code-${VERSION}`);
  const claude = path.join(installDir, 'node_modules', platformPackage(), executableName());
  const markerPath = path.join(cacheDir, 'ready.json');

  const marker = await readJson(markerPath);
  if (marker?.version === VERSION && (await exists(claude))) return summary(cacheDir, claude);

  await fs.mkdir(cacheDir, { recursive: true });
  if (!(await exists(claude))) {
    log(`installing ${PACKAGE}@${VERSION} into ${installDir} (a ~400 MB native binary)`);
    await npmInstallAtomically(installDir, `${PACKAGE}@${VERSION}`, withoutNpmRunEnv(process.env));
    if (!(await exists(claude))) {
      throw new Error(
        `claude: npm installed ${PACKAGE}@${VERSION} but not its native package ${platformPackage()} ` +
          `(no ${claude}); this platform may not be supported, or optional dependencies were omitted.`,
      );
    }
  }

  // --version prints without touching HOME or the network; the temp HOME makes sure of it.
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'claude-version-'));
  try {
    const output = await run('check claude --version', claude, ['--version'], {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    });
    if (!output.includes(VERSION)) {
      throw new Error(`claude: ${claude} --version printed "${output.trim()}", expected ${VERSION}`);
    }
    log(`ready: ${output.trim()}`);
    await writeJsonAtomically(markerPath, { version: VERSION, claudeVersion: output.trim(), at: new Date().toISOString() });
  } finally {
    await fs.rm(home, { recursive: true, force: true });
  }
  return summary(cacheDir, claude);
}

function summary(cacheDir, claude) {
  // `node` is for callers that need a Node.js to run helpers next to the CLI; the CLI itself
  // is a native executable and is run directly, never through node.
  return { claude, node: process.execPath, version: VERSION, cacheDir };
}

// The same platform key as the package's install.cjs (which we do not run): the libc matters
// on Linux, where a musl build lives in its own package.
function platformPackage() {
  const { platform, arch } = process;
  if (platform === 'linux') {
    const glibc = process.report?.getReport?.()?.header?.glibcVersionRuntime;
    return `${PACKAGE}-linux-${arch}${glibc ? '' : '-musl'}`;
  }
  return `${PACKAGE}-${platform}-${arch}`;
}

function executableName() {
  return process.platform === 'win32' ? 'claude.exe' : 'claude';
}

// A prepare killed mid-install (a CI timeout, ^C) leaves its temp dir behind, 400 MB each.
async function removeAbandonedTemps(target) {
  const prefix = `${path.basename(target)}.tmp-`;
  for (const name of await fs.readdir(path.dirname(target))) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (pid && isAlive(pid)) continue;
    await fs.rm(path.join(path.dirname(target), name), { recursive: true, force: true });
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

const run = stepRunner('claude');

/**
 * The package and its platform binary, installed whole or not at all. A prepare killed
 * mid-install leaves its temp dir behind: those go first.
 */
async function npmInstallAtomically(target, spec, env) {
  await fs.rm(target, { recursive: true, force: true });
  await removeAbandonedTemps(target);
  // The wrapper's engines field asks for Node 22 for its postinstall, which we skip.
  const extraArgs = ['--ignore-scripts', '--include=optional', '--engine-strict=false'];
  await installAtomically({ target, spec, step: `install ${spec}`, env, run, extraArgs });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  prepareClaude({ log: (m) => console.error(`[prepare-claude] ${m}`) }).then(
    (result) => console.log(JSON.stringify({ ...result, seconds: (Date.now() - started) / 1000 }, null, 2)),
    (err) => {
      console.error(err.message);
      process.exitCode = 1;
    },
  );
}
