// What the user can do next with a session that stopped for them: the tasks whose results
// wait for a merge or an approval, each with the commands that settle it, and where the
// milestone's work is and how to take it into their checkout.
import * as path from 'node:path';
import type { SessionState } from '../core/session/state';
import { cliCommand, shellWord } from './common';
import type { Palette } from './render';
import { changesText, filesText, printable } from './text';

/** Each task that needs a merge or waits for review, with its files, worktree and commands. */
export function awaitingLines(s: SessionState, c: Palette, workspace: string): string[] {
  const lines: string[] = [];
  for (const id of s.taskOrder) {
    const t = s.tasks.get(id);
    if (t?.status === 'needs_merge') {
      const changes = t.merge?.changes ? c.dim(` (its changes: ${changesText(t.merge.changes)})`) : '';
      lines.push(`  ${c.red('needs merge:')}   ${t.id} conflicts with the milestone branch in ${filesText(t.merge?.files ?? [])}${changes}`);
      if (t.worktree) lines.push(`                 worktree: ${printable(t.worktree.path)}`);
      const commands: [string, string][] = [
        [cliCommand(['resolve', t.id, '--by-hand'], workspace), 'once you fixed the files in its worktree'],
        // A shell task has no agent to ask.
        ...(t.kind === 'agent' ? [[cliCommand(['resolve', t.id, '--agent'], workspace), 'its agent resolves the conflict'] as [string, string]] : []),
        [cliCommand(['resolve', t.id, '--discard'], workspace), 'drop its result (its commits are kept)'],
      ];
      lines.push(...commandColumn('resolve:', commands, c));
    } else if (t?.status === 'in_review') {
      const changes = t.merge?.changes ? ` (${changesText(t.merge.changes)})` : '';
      lines.push(`  ${c.cyan('in review:')}     ${t.id} waits for your approval${changes}${t.worktree ? ` on branch ${printable(t.worktree.branch)}` : ''}`);
      if (t.worktree && s.branch) lines.push(`                 see it:   git diff ${shellWord(printable(s.branch))}...${shellWord(printable(t.worktree.branch))}`);
      const commands: [string, string][] = [
        [cliCommand(['review', t.id, '--approve'], workspace), 'merge it'],
        [cliCommand(['review', t.id, '--reject'], workspace), 'do not merge it'],
      ];
      lines.push(...commandColumn('review:', commands, c));
    }
  }
  return lines;
}

function commandColumn(head: string, commands: readonly [string, string][], c: Palette): string[] {
  const width = Math.max(...commands.map(([cmd]) => cmd.length));
  return commands.map(([cmd, why], i) => `                 ${(i === 0 ? head : '').padEnd(10)}${printable(cmd).padEnd(width)}  ${c.dim(why)}`);
}

/**
 * Where the work is, when the session integrated it outside the user's checkout, and the
 * two ways to take it: check the branch out, or merge it into the branch they are on.
 */
export function integrateOffer(s: SessionState, c: Palette, workspace: string): string[] {
  if (!s.integration || !s.branch) return [];
  const branch = printable(s.branch);
  const what = s.status === 'completed' ? 'the work is' : 'the work so far is';
  const checkout = cliCommand(['integrate', '--checkout'], workspace);
  const merge = cliCommand(['integrate', '--merge'], workspace);
  const width = Math.max(checkout.length, merge.length);
  const git = path.resolve(workspace) === process.cwd() ? 'git' : `git -C ${shellWord(path.relative(process.cwd(), workspace) || '.')}`;
  return [
    `  ${c.bold('take it:')}       ${what} on branch ${branch}; your checkout was not touched`,
    `                 ${checkout.padEnd(width)}  ${c.dim(`or: ${git} switch ${shellWord(branch)}`)}`,
    `                 ${merge.padEnd(width)}  ${c.dim('merge it into the branch you are on')}`,
  ];
}
