// Small file helpers shared by the installers that prepare tools in a cache outside the
// repository (scripts/editor/prepare.mjs, scripts/claude/prepare.mjs).
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
