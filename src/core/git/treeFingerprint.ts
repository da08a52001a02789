// Whether an agent changed any file: the working tree's content as one git tree id, taken
// before and after. A copy of the index lets `git add -A` reuse what git already knows of
// unchanged files (it hashes only what changed) without touching the real index, so the
// user's staged state and the engine's commits are unaffected. (execFile, not simple-git:
// this needs GIT_INDEX_FILE on top of the inherited environment, which simple-git's
// guard against unsafe variables refuses whenever EDITOR is set.)
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The tree id of everything in `dir`'s working tree (ignored files excepted); undefined outside a repository. */
export async function workingTreeId(dir: string, binary = 'git'): Promise<string | undefined> {
  const git = async (args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> => (await run(binary, args, { cwd: dir, env, maxBuffer: 16 * 1024 * 1024 })).stdout.trim();
  let index: string;
  let top: string;
  try {
    [index, top] = (await git(['rev-parse', '--path-format=absolute', '--git-path', 'index', '--show-toplevel'])).split('\n') as [string, string];
  } catch {
    return undefined;
  }
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'ma-index-'));
  const copy = path.join(scratch, 'index');
  try {
    await fs.copyFile(index, copy).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    const env = { ...process.env, GIT_INDEX_FILE: copy };
    await git(['-C', top, 'add', '-A', '.'], env);
    return await git(['-C', top, 'write-tree'], env);
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}
