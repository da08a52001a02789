// The command line with an agent task run by the real Claude Code CLI (offline, against a
// fake of the Messages API on loopback): what `run` prints of the agent as it works, and
// what `status` and `status --json` say of it afterwards. Run `node esbuild.mjs` first.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { StatusDocument } from '../../src/cli/statusDocument';
import { claudeEnv } from '../support/claudeCode';
import type { ConversationRequest, Reply } from '../support/fakeAnthropic';
import { useRealClaude, workingDirectoryOf } from '../support/realClaude';
import { schemaProblems } from '../support/schemaCheck';
import { cleanupTempDirs, git, ROOT, runCli, tempDir, workspace } from './helpers';

describe('milestone-agents with a Claude Code agent task', function () {
  this.timeout(180_000);
  const claude = useRealClaude();
  after(cleanupTempDirs);

  it('prints what the agent does and was refused, its cost and the total, and status --json carries it', async () => {
    // The model tries a push (refused: only Write is allowed), then writes the file, then ends its turn.
    const script = (r: ConversationRequest, turn: number): Reply =>
      turn === 1
        ? [{ type: 'tool_use', name: 'Bash', input: { command: 'git push origin main' } }]
        : turn === 2
          ? [{ type: 'tool_use', name: 'Write', input: { file_path: path.join(workingDirectoryOf(r), 'notes.txt'), content: 'shipped\n' } }]
          : [{ type: 'text', text: 'Done.' }];
    const { fake, trap } = await claude.serve(script);
    const env = claudeEnv(fake.url, await tempDir('ma-claude-home-'), { proxy: trap.url }) as Record<string, string>;
    const command = JSON.stringify([claude.cli.claude, '-p', '{prompt}', '--permission-mode', 'default']);
    const w = await workspace(`id: ship
agents:
  claude: { adapter: claude, command: ${command} }
tasks:
  - id: deploy
    agent: claude
    prompt: Push, then write notes.txt.
    allowed_tools: [Write]
`);
    const worktrees = await tempDir('ma-wts-');

    const run = await runCli(['run', w.file, '--worktrees', worktrees], { cwd: w.dir, env });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const out = run.stdout;
    assert.ok(![...out].some((ch) => ch.charCodeAt(0) < 0x20 && ch !== '\n'), 'a pipe gets plain lines');
    assert.match(out, /\] … deploy: Claude Code starts conversation [0-9a-f-]{36}\n/);
    assert.match(out, /\] … deploy: model \S+\n/);
    assert.match(out, /\] … deploy: Bash: git push origin main\n/, 'its first action is journaled at once');
    assert.match(out, /\] ! deploy: Claude Code ended \(success · 3 turns · \$0\.\d{4}\), refused Bash: git push origin main — allow with allowed_tools, or change the prompt\n/);
    assert.match(out, /\] ✓ deploy deploy · [\d.]+m?s · \$0\.\d{4}\n/);
    const spent = /\n {2}agents spent: {2}(\$0\.\d{4}) · tokens: [\d,]+ in · [\d,]+ out/.exec(out);
    assert.ok(spent, out);
    assert.equal(git(w.dir, 'show', 'milestone/ship:notes.txt'), 'shipped');

    const json = await runCli(['status', '--json'], { cwd: w.dir, env });
    const doc = JSON.parse(json.stdout) as StatusDocument;
    const schema = JSON.parse(readFileSync(path.join(ROOT, 'schemas', 'status.schema.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(schemaProblems(schema, doc), []);
    const agentRun = doc.tasks[0]?.agent_run;
    assert.ok(agentRun, json.stdout);
    assert.equal(agentRun.adapter, 'claude');
    assert.match(agentRun.session_id ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(out.includes(`starts conversation ${agentRun.session_id}`), true, 'the conversation the run printed');
    assert.deepEqual([agentRun.turns, agentRun.continued, agentRun.result, agentRun.retry, agentRun.quota_until], [3, false, 'success', null, null]);
    assert.deepEqual(agentRun.permission_denials, [{ tool: 'Bash', target: 'git push origin main' }]);
    assert.equal(agentRun.last_action, 'Write notes.txt');
    assert.ok(agentRun.cost_usd !== null && agentRun.cost_usd > 0);
    assert.ok(agentRun.tokens.input > 0 && agentRun.tokens.output > 0);
    assert.deepEqual([doc.cost_usd, doc.cost_unknown, doc.tokens, doc.agent_limit], [agentRun.cost_usd, false, agentRun.tokens, null]);
    assert.equal(spent[1], `$${agentRun.cost_usd.toFixed(4)}`, 'the total the run printed');

    const text = await runCli(['status'], { cwd: w.dir, env });
    assert.match(text.stdout, /✓ deploy +completed +\S+\n +agent: Claude Code · \S+ · 3 turns · \$0\.\d{4}\n +refused Bash: git push origin main — allow it with allowed_tools\n/);
    assert.match(text.stdout, /\n {2}agents spent: \$0\.\d{4} · tokens: /);
    assert.deepEqual(trap.attempts, [], 'nothing tried to leave the machine');
  });
});
