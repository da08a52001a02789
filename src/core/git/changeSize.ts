import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { SimpleGit } from 'simple-git';

export const BUDGETS = {
  simple: { files: 10, lines: 300 },
  medium: { files: 40, lines: 2000 },
  complex: { files: 200, lines: 20000 },
} as const;

export interface ChangeSize {
  files: number;
  lines: number;
}

/** Files and lines changed since `base`, counting untracked files too. */
export async function changeSize(git: SimpleGit, root: string, base: string): Promise<ChangeSize> {
  const numstat = await git.raw(['diff', '--numstat', base, '--']);
  let files = 0;
  let lines = 0;
  for (const row of numstat.split('\n')) {
    const [added, removed] = row.split('\t');
    if (added === undefined || removed === undefined) continue;
    files++;
    lines += (Number(added) || 0) + (Number(removed) || 0);
  }
  const untracked = (await git.raw(['ls-files', '--others', '--exclude-standard'])).split('\n').filter(Boolean);
  for (const f of untracked) {
    files++;
    const text = await fs.readFile(path.join(root, f), 'utf8').catch(() => '');
    if (text.length < 1 << 20) lines += text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  }
  return { files, lines };
}

function dependencyNames(json: string): Set<string> {
  try {
    const pkg = JSON.parse(json) as Record<string, Record<string, string> | undefined>;
    return new Set(['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'].flatMap((k) => Object.keys(pkg[k] ?? {})));
  } catch {
    return new Set();
  }
}

/** package.json dependencies added since `base`. */
export async function newDependencies(git: SimpleGit, root: string, base: string): Promise<string[]> {
  const now = await fs.readFile(path.join(root, 'package.json'), 'utf8').catch(() => undefined);
  if (now === undefined) return [];
  const before = await git.show([`${base}:package.json`]).catch(() => '{}');
  const old = dependencyNames(before);
  return [...dependencyNames(now)].filter((d) => !old.has(d));
}
