// A coding agent as a task in the real editor: the real Claude Code CLI (offline, against the
// loopback fake of the Anthropic API) writes a file in its task's worktree. While the fake
// holds the agent's next turn, the Agents tree and the dashboard show what it does now; once
// it is let go, the dashboard, the tree and the status bar show what it cost.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { claudeEnv, type NetworkTrap } from '../support/claudeCode';
import type { ConversationRequest, FakeAnthropic, Reply } from '../support/fakeAnthropic';
import { useRealClaude, workingDirectoryOf } from '../support/realClaude';
import { git, gitWorkspace, harness, launchWithoutAgentEnv, picture, runWhenListed, stopAfterSuite, tempDir, waitForStatusBar, webview, widenSideBar, type Session } from './support';


/** A row of the Agents tree whose text matches. */
const row = (page: Page, text: RegExp) => page.locator('.pane .monaco-list-row', { hasText: text }).first();

describe('coding agents in a real editor', function () {
  // The CLI installed once; the fake API and the network trap, closed after the test.
  const claude = useRealClaude();
  let fake: FakeAnthropic;
  let trap: NetworkTrap;
  let workspace: string;
  let s: Session;
  /** Lets the agent's second turn be answered: until then it waits mid-run, its file written. */
  let letGo!: () => void;
  const held = new Promise<void>((resolve) => (letGo = resolve));

  before(async function () {
    // Turn 1: write src/login.ts in the task's worktree. Turn 2 (the tool's result): held, then done.
    const script = async (r: ConversationRequest, turn: number): Promise<Reply> => {
      if (turn === 1) return [{ type: 'tool_use', name: 'Write', input: { file_path: path.join(workingDirectoryOf(r), 'src', 'login.ts'), content: 'export const login = true;\n' } }];
      await held;
      return [{ type: 'text', text: 'Wrote src/login.ts.' }];
    };
    ({ fake, trap } = await claude.serve(script));
    const home = await tempDir('ma-e2e-claude-home-');
    // The task's env overrides what it inherits from the editor: it runs against the fake only.
    const env = claudeEnv(fake.url, home, { proxy: trap.url });
    const command = JSON.stringify([claude.cli.claude, '-p', '{prompt}', '--permission-mode', 'bypassPermissions']);
    workspace = await gitWorkspace({
      '.milestones/agents.yaml': `id: agents
title: E2E coding agent
agents:
  claude: { adapter: claude, command: ${command} }
tasks:
  - id: login
    title: Login module
    agent: claude
    prompt: Write src/login.ts exporting login.
    env: ${JSON.stringify(env)}
`,
      'README.md': '# app\n',
    });
    const worktrees = await tempDir('ma-e2e-worktrees-');
    // What the editor inherits must not point the agent anywhere either: the task's env sets
    // the variables that matter, and the others are left out of the editor's environment.
    s = await launchWithoutAgentEnv(workspace, { 'milestones.worktreesDirectory': worktrees });
  });

  stopAfterSuite(() => s);
  after(() => letGo());

  it("shows the agent's current action in the Agents tree and the dashboard, then its cost in the dashboard, the tree and the status bar", async () => {
    const h = await harness();
    await h.waitForExtensionHostLog(s.editor, /_doActivateExtension milestone-agents\.milestone-agents\b/);
    await runWhenListed(s.page, 'Milestone Agents: Start Milestone');
    await s.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'E2E coding agent' }).click();
    try {
      await s.page.locator('.pane-header', { hasText: 'Agents' }).waitFor();
      await widenSideBar(s.page, 260);
      // The agent wrote its file and waits for its next turn: the tree says what it did last.
      await fake.waitForRequest((r) => r.kind === 'conversation' && r.turn === 2);
      await row(s.page, /login — Login module\s*Write src\/login\.ts · /).waitFor({ timeout: 90_000 });
      await row(s.page, /executor-1\s*running login · Write src\/login\.ts/).waitFor();

      await runWhenListed(s.page, 'Milestone Agents: Show Dashboard');
      const dash = webview(s.page);
      const agentRow = dash.locator('#coding-tasks tr[data-task="login"]');
      await agentRow.locator('td', { hasText: 'Write src/login.ts' }).waitFor();
      assert.match(await dash.locator('#coding-spend').innerText(), /No cost reported yet/);
      await (await harness()).runCommand(s.page, 'Notifications: Clear All Notifications');
      await picture(s, 'agent-activity');
    } finally {
      letGo();
    }

    await h.waitForNotification(s.page, 'Milestone "E2E coding agent" completed: 1/1 tasks.', 90_000);
    const dash = webview(s.page);
    const cost = /^\$\d+\.\d{4}$/;
    const costCell = dash.locator('#coding-tasks tr[data-task="login"] td').nth(4);
    await dash.locator('#coding-tasks tr[data-task="login"] td', { hasText: cost }).waitFor();
    const spent = (await costCell.innerText()).trim();
    assert.match(spent, cost);
    assert.notEqual(Number(spent.slice(1)), 0, 'Claude Code reported a cost for the tokens the fake counted');
    assert.equal((await dash.locator('#coding-tasks tr[data-task="login"] td').nth(3).innerText()).trim(), '2', 'two turns');
    assert.match(await dash.locator('#coding-spend').innerText(), new RegExp(`^\\${spent} spent · tokens [\\d,]+ in · [\\d,]+ out`));
    await row(s.page, new RegExp(`login — Login module\\s*completed · [\\d.]+m?s · 2 turns · \\${spent} · 1 file \\+1 −0`)).waitFor();
    assert.match(await waitForStatusBar(s.page, /agents 1\/1 · 100% · \$/), new RegExp(`agents 1/1 · 100% · \\${spent}$`));
    await (await harness()).runCommand(s.page, 'Notifications: Clear All Notifications');
    await picture(s, 'agent-cost');

    // The agent's work is on the milestone branch, and nothing tried to leave the machine.
    assert.equal(git(workspace, 'show', 'milestone/agents:src/login.ts'), 'export const login = true;');
    assert.deepEqual(fake.errors, []);
    assert.deepEqual(trap.attempts, [], 'nothing tried to leave the machine');
  });
});
