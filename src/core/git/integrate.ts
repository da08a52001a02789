// After a session: the milestone's work is on its branch, and the user's checkout is as
// they left it. Taking the work is the user's choice: check the branch out, or merge it
// into the branch they are on. Plain git does both, and refuses where the user's own
// uncommitted changes would be overwritten; nothing here forces anything.
import { openRepository } from './repository';

export type TakeHow = 'checkout' | 'merge';

export type TakeResult = { ok: true; detail: string } | { ok: false; message: string };

export async function takeMilestoneBranch(workspace: string, branch: string, how: TakeHow, binary?: string): Promise<TakeResult> {
  const repo = await openRepository(workspace, binary);
  if (!repo) return { ok: false, message: `${workspace} is not in a git repository.` };
  const { git } = repo;
  const exists = (await git.branchLocal()).all.includes(branch);
  if (!exists) return { ok: false, message: `There is no branch ${branch}: the session made no commits, or the branch was deleted.` };
  const current = (await git.status()).current;
  if (current === branch) return { ok: true, detail: `${branch} is already checked out.` };
  try {
    if (how === 'checkout') {
      await git.raw(['switch', branch]);
      return { ok: true, detail: `Checked out ${branch}.` };
    }
    const out = await git.raw(['merge', '--no-edit', branch]);
    const status = await git.status();
    if (status.conflicted.length) {
      return { ok: false, message: `Merging ${branch} into ${current ?? 'HEAD'} conflicts in ${status.conflicted.join(', ')}: resolve them and commit, or run git merge --abort.` };
    }
    return { ok: true, detail: /Already up to date/i.test(out) ? `${current ?? 'HEAD'} already has everything on ${branch}.` : `Merged ${branch} into ${current ?? 'HEAD'}.` };
  } catch (err) {
    const first = (err as Error).message.trim().split('\n').slice(0, 4).join(' ');
    return { ok: false, message: `git refused (${first}). Nothing was changed: commit or stash your changes and try again.` };
  }
}
