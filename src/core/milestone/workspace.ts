import { realpathSync } from 'node:fs';
import * as path from 'node:path';

/** The workspace of a milestone file is the folder that holds its `.milestones` folder. */
export function workspaceOf(file: string): string {
  const dir = path.dirname(path.resolve(file));
  return path.basename(dir) === '.milestones' ? path.dirname(dir) : dir;
}

export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** Is `file` a milestone definition (and not session state under `sessions/`)? */
export function isMilestoneFile(file: string): boolean {
  const dir = path.dirname(file);
  return path.basename(dir) === '.milestones' && /\.ya?ml$/.test(file);
}

/**
 * Where a path really leads: symbolic links resolved as far as the path exists, the rest
 * (not created yet) appended as written. A `cwd` is judged by this, not by its spelling.
 */
export function realPath(p: string): string {
  const rest: string[] = [];
  let existing = path.resolve(p);
  for (;;) {
    try {
      return path.join(realpathSync(existing), ...rest.reverse());
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return path.resolve(p);
      rest.push(path.basename(existing));
      existing = parent;
    }
  }
}
