// What the installers that prepare tools in a cache outside the repository share
// (scripts/editor/prepare.mjs, scripts/claude/prepare.mjs): marker files, running a step,
// and an npm install that lands whole or not at all.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';

/** Writes JSON through a temp file and a rename: a reader never sees half a marker. */
export async function writeJsonAtomically(file, value) {
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(tmp, JSON.stringify(value, null, 2) + '\n');
  await fs.rename(tmp, file);
}

/** The parsed file, or undefined when it is missing or not JSON. */
export async function readJson(file) {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

export async function exists(p) {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

/**
 * Under `npm test` the environment carries the outer npm's settings as npm_config_*
 * variables, and a nested npm reads them as its own (an outer --omit=optional would drop a
 * binary; its user agent would still name the outer Node). Nested installs start clean.
 */
export function withoutNpmRunEnv(env) {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !/^npm_/i.test(k)));
}

/**
 * A function that runs one step of `tool`'s install: it resolves with the output, or
 * rejects naming the step, the command and the tail of its output. `allowFail` resolves
 * whatever the exit (with '' when the command could not start).
 */
export function stepRunner(tool) {
  return function run(step, cmd, args, env = process.env, { cwd, allowFail = false } = {}) {
    return new Promise((resolve, reject) => {
      let out = '';
      const keep = (d) => {
        out = (out + d).slice(-64 * 1024);
      };
      const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      const fail = (why) => {
        const tail = out.trimEnd().split('\n').slice(-40).join('\n');
        reject(new Error(`${tool}: step "${step}" failed (${why})\n  command: ${cmd} ${args.join(' ')}\n--- last output ---\n${tail}`));
      };
      child.on('error', (err) => (allowFail ? resolve('') : fail(err.message)));
      child.on('close', (code, signal) => {
        if (code === 0 || allowFail) resolve(out);
        else fail(signal ? `killed by ${signal}` : `exit code ${code}`);
      });
    });
  };
}

/**
 * npm into a fresh temp dir next to the target, renamed into place only on success: a failed
 * partial install leaves dangling links that break the next attempt in the same directory.
 * Callers only get here when the target lacks its binary, so an existing target is broken.
 */
export async function npmInstallAtomically({ target, spec, step, env, run, extraArgs = [] }) {
  await fs.rm(target, { recursive: true, force: true });
  const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
  await fs.mkdir(tmp, { recursive: true });
  try {
    const args = ['install', '--prefix', tmp, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', ...extraArgs, spec];
    await run(step, 'npm', args, env, { cwd: tmp });
    await fs.rename(tmp, target).catch((err) => {
      // A concurrent prepare finished first; its copy is as good as ours.
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    });
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}
