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
