import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { claudeEnv } from '../support/claudeCode';
import type { ConversationRequest, Reply } from '../support/fakeAnthropic';
import { useRealClaude } from '../support/realClaude';
import { cleanupTempDirs, git, ofType, resume, start, tempDir, workspace } from './helpers';

/**
 * The real Claude Code CLI as the agent of isolated tasks, offline, against a fake of the
 * Messages API on loopback: two agents write the same file in their own worktrees; the
 * second result conflicts; the agent is asked to resolve it, and does, in its worktree.
 */
describe('isolation with the real Claude Code CLI as the agent', function () {
  this.timeout(120_000);
  const real = useRealClaude();
  after(cleanupTempDirs);

  it("runs two agents in worktrees, records the conflict, and the agent resolves it when asked; the dependent then sees both sides", async () => {
    const worktrees = await tempDir('ma-wts-');
    let alphaMerged!: () => void;
    const merged = new Promise<void>((resolve) => (alphaMerged = resolve));
    const firstUser = (r: ConversationRequest): string => JSON.stringify(r.body.messages[0]?.content ?? '');
    // The agent's folder is its worktree: the model names it in the Write it asks for.
    const folderOf = (r: ConversationRequest): string => {
      const m = new RegExp(`${worktrees.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/[^\\s"'\\\\]+?/(alpha|beta)`).exec(JSON.stringify(r.body));
      assert.ok(m, 'the conversation names the worktree');
      return m[0];
    };
    const script = async (r: ConversationRequest, turn: number): Promise<Reply> => {
      if (turn > 1) return [{ type: 'text', text: 'Done.' }];
      const prompt = firstUser(r);
      if (/conflict markers/.test(prompt)) {
        return [{ type: 'tool_use', name: 'Write', input: { file_path: path.join(folderOf(r), 'shared.txt'), content: 'alpha line\nbeta line\n' } }];
      }
      const who = /write shared.txt (alpha|beta)/.exec(prompt)?.[1];
      assert.ok(who, prompt);
      // beta answers once alpha's result is merged, so beta's is the one that conflicts.
      if (who === 'beta') await merged;
      return [{ type: 'tool_use', name: 'Write', input: { file_path: path.join(folderOf(r), 'shared.txt'), content: `${who} line\n` } }];
    };
    const { fake, trap } = await real.serve(script);
    const home = await tempDir('ma-claude-home-');
    const env = claudeEnv(fake.url, home, { proxy: trap.url });
    const claude = JSON.stringify([real.cli.claude, '-p', '{prompt}', '--output-format', 'stream-json', '--verbose', '--permission-mode', 'bypassPermissions']);
    const w = await workspace(`id: claude-merge
agents:
  claude: ${claude}
tasks:
  - { id: alpha, title: Alpha, agent: claude, prompt: "write shared.txt alpha" }
  - { id: beta, title: Beta, agent: claude, prompt: "write shared.txt beta" }
  - { id: after, title: After beta, run: "cp shared.txt seen.txt", depends_on: [beta] }
`, { files: { 'shared.txt': 'base line\n' } });

    const s = await start(w.file, { worktreesDir: worktrees, executors: 2, env });
    await s.waitFor((e) => e.type === 'task_merged' && e.data.task === 'alpha');
    alphaMerged();
    const first = await s.outcome;
    assert.equal(first.status, 'interrupted', first.reason);
    assert.deepEqual(ofType(s.events, 'merge_conflict').map((e) => [e.data.task, e.data.files]), [['beta', ['shared.txt']]]);
    assert.equal(git(w.dir, 'show', 'milestone/claude-merge:shared.txt'), 'alpha line');
    assert.equal(git(w.dir, 'show', 'milestone/claude-merge-tasks/beta:shared.txt'), 'beta line');

    const again = await resume(w.dir, s.coordinator.sessionId, { worktreesDir: worktrees, env, resolutions: [{ task: 'beta', how: 'agent' }] });
    const done = await again.outcome;
    assert.equal(done.status, 'completed', done.reason);
    assert.equal(git(w.dir, 'show', 'milestone/claude-merge:seen.txt'), 'alpha line\nbeta line');
    // The agent was shown both sides of the conflict.
    const resolution = fake.conversation().find((r) => JSON.stringify(r.body).includes('conflict markers'));
    assert.ok(resolution);
    assert.match(JSON.stringify(resolution.body), /alpha line[\s\S]*beta line|beta line[\s\S]*alpha line/);
    assert.deepEqual(trap.attempts, [], 'nothing tried to leave the machine');
    assert.equal(git(w.dir, 'worktree', 'list').split('\n').length, 1);
  });
});
