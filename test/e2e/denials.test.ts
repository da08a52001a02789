// A permission the coding agent was refused, in the real editor: the command line ran the
// milestone (Claude Code, offline against the loopback fake of the Anthropic API, was
// refused `git push` and so changed nothing, which fails a task with expect_changes). The
// editor shows the refusal in the Problems panel on the task's id; its quick fix adds Bash
// to the task's allowed_tools (Write was allowed already), saves the file and offers to resume the session, which runs
// the task again with Bash allowed.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import { claudeEnv, type NetworkTrap } from '../support/claudeCode';
import { toolResults, type ConversationRequest, type FakeAnthropic, type Reply } from '../support/fakeAnthropic';
import { useRealClaude, workingDirectoryOf } from '../support/realClaude';
import { git, gitWorkspace, harness, launchWithoutAgentEnv, openFile, ROOT, stopAfterSuite, tempDir, waitForFileContent, type Session } from './support';

const REFUSAL = 'Claude Code was refused Bash: git push origin main in task "deploy"';

describe('a refused permission in a real editor: Problems and its quick fix', function () {
  // The CLI installed once; the fake API and the network trap, closed after the test.
  const claude = useRealClaude();
  let fake: FakeAnthropic;
  let trap: NetworkTrap;
  let workspace: string;
  let file: string;
  let s: Session;

  before(async function () {
    // The command line's run and code-server's start.
    this.timeout(5 * 60_000);
    // Turn 1: push. Refused, the model gives up (nothing changed); allowed (the push fails for
    // want of a remote, but it ran), it writes the notes. Then it ends its turn.
    const script = (r: ConversationRequest, turn: number): Reply => {
      if (turn === 1) return [{ type: 'tool_use', name: 'Bash', input: { command: 'git push origin main', description: 'Push' } }];
      const pushed = toolResults(r.body).length > 0 && turn === 2 && !toolResults(r.body).some((t) => t.is_error === true && /permission|approv|grant/i.test(JSON.stringify(t.content)));
      if (pushed) return [{ type: 'tool_use', name: 'Write', input: { file_path: path.join(workingDirectoryOf(r), 'notes.txt'), content: 'shipped\n' } }];
      return [{ type: 'text', text: 'Done.' }];
    };
    ({ fake, trap } = await claude.serve(script));
    const env = claudeEnv(fake.url, await tempDir('ma-e2e-claude-home-'), { proxy: trap.url });
    const command = JSON.stringify([claude.cli.claude, '-p', '{prompt}', '--permission-mode', 'default']);
    workspace = await gitWorkspace({
      '.milestones/ship.yaml': `id: ship
title: Ship it
agents:
  claude: { adapter: claude, command: ${command} }
tasks:
  - id: deploy
    agent: claude
    prompt: Push, then write notes.txt.
    expect_changes: true
    allowed_tools: [Write]
    env: ${JSON.stringify(env)}
`,
    });
    file = path.join(workspace, '.milestones', 'ship.yaml');
    const worktrees = await tempDir('ma-e2e-worktrees-');
    // The command line runs it first (in a process of its own: the fake answers from this
    // one), and the editor finds the failed session on disk.
    const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'run', file, '--worktrees', worktrees], { cwd: workspace, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let run = '';
    child.stdout.on('data', (d: Buffer) => (run += d.toString()));
    const [code] = (await once(child, 'close')) as [number | null];
    assert.equal(code, 1, run);
    assert.match(run, /refused Bash: git push origin main/, run);
    assert.match(run, /✗ deploy the agent changed no file/, run);
    s = await launchWithoutAgentEnv(workspace, { 'milestones.worktreesDirectory': worktrees });
  });

  stopAfterSuite(() => s);

  it('warns on the task in Problems; "Allow Bash for task deploy" adds it to allowed_tools, saves, and resuming runs the task with it', async () => {
    const h = await harness();
    await h.waitForExtensionHostLog(s.editor, /_doActivateExtension milestone-agents\.milestone-agents\b/);
    await openFile(s.page, 'ship.yaml');
    await h.runCommand(s.page, 'View: Focus Problems');
    const problem = s.page.locator('.markers-panel .monaco-list-row', { hasText: REFUSAL }).first();
    await problem.waitFor({ timeout: 60_000 });
    assert.ok((await h.problemsIn(s.page, 'ship.yaml')).some((p) => p.includes(REFUSAL) && p.includes('permission-denied') && p.includes('[Ln 6, Col 9]')), (await h.problemsIn(s.page, 'ship.yaml')).join('\n'));

    // On the task's id, the quick fix.
    await s.page.locator('.monaco-editor .view-line', { hasText: '- id: deploy' }).locator('span', { hasText: /^deploy$/ }).first().click();
    await s.page.locator('.monaco-editor .lightBulbWidget').first().waitFor();
    const fix = s.page.getByText('Allow Bash for task deploy', { exact: true }).first();
    // A key press can be lost while a loaded editor is busy: ask for the menu again, twice at most.
    for (let attempt = 1; ; attempt++) {
      await s.page.keyboard.press('Control+.');
      if (await fix.waitFor({ timeout: 10_000 }).then(() => true, () => false)) break;
      if (attempt === 3) throw new Error('the quick fix menu did not list "Allow Bash for task deploy" after three Ctrl+.');
      await s.page.keyboard.press('Escape');
    }
    assert.equal(await s.page.getByText('Allow only Bash(git push origin main) for task deploy', { exact: true }).count(), 1, 'the narrower rule is offered too');
    await s.shot('denial-quick-fix');
    await fix.click();

    // The rule is in the file, saved, and the refusal is gone from Problems.
    const text = await waitForFileContent(file, (t) => t.includes('allowed_tools: [Write, Bash]'));
    assert.match(text, /\n {4}expect_changes: true\n {4}allowed_tools: \[Write, Bash\]\n {4}env: \{.*\}\n$/);
    await problem.waitFor({ state: 'detached' });

    // The session is not running: the offer is to resume it, which runs the task again.
    const offer = s.page.locator('.notifications-toasts .notification-list-item', { hasText: 'Bash is allowed for task "deploy". Its session is not running: resume it to run the task again?' });
    await offer.waitFor();
    await offer.getByRole('button', { name: 'Resume Session' }).click();
    await h.waitForNotification(s.page, 'Milestone "Ship it" completed: 1/1 tasks.', 120_000);
    assert.equal(git(workspace, 'show', 'milestone/ship:notes.txt'), 'shipped');
    assert.deepEqual(fake.errors, []);
    assert.deepEqual(trap.attempts, [], 'nothing tried to leave the machine');
  });
});
