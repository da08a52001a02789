import { strict as assert } from 'node:assert';
import { parseMilestoneText } from '../../src/core/milestone/parse';
import { allowToolEdit, applyEdit, exactRule, isAllowed, ruleAllows, yamlRule } from '../../src/extension/model/allowedTools';

const lines = (...l: string[]): string => `${l.join('\n')}\n`;

/** The file once the rule is added to the task's allowed_tools (fails when there is no edit). */
function allowed(text: string, task: string, rule: string): string {
  const edit = allowToolEdit(text, task, rule);
  assert.ok(edit, `no edit for ${task}`);
  return applyEdit(text, edit);
}

/** The task's allowed_tools as the engine's parser reads them, and the file has no errors. */
function toolsOf(text: string, task: string): string[] {
  const parsed = parseMilestoneText(text, '/ws/.milestones/m.yaml');
  assert.deepEqual(parsed.diagnostics.filter((d) => d.severity === 'error'), [], text);
  return parsed.milestone.tasks.find((t) => t.id === task)?.allowedTools ?? [];
}

const HEAD = ['id: m', 'tasks:'];

describe('adding a rule to a task\'s allowed_tools (the permission-denied quick fix)', () => {
  it('creates the key after the task\'s last one, at the task\'s indentation, past a block scalar and a comment', () => {
    const text = lines(...HEAD, '  - id: deploy', '    agent: claude', '    prompt: |', '      Ship it.', '', '      Then tell me.', '', '  # the next task', '  - id: docs', '    run: make docs # build');
    assert.equal(
      allowed(text, 'deploy', 'Bash'),
      lines(...HEAD, '  - id: deploy', '    agent: claude', '    prompt: |', '      Ship it.', '', '      Then tell me.', '    allowed_tools: [Bash]', '', '  # the next task', '  - id: docs', '    run: make docs # build'),
    );
    assert.equal(allowed(text, 'docs', 'Write'), `${text}    allowed_tools: [Write]\n`, 'after a trailing comment on the last line');
    assert.deepEqual(toolsOf(allowed(text, 'deploy', 'Bash'), 'deploy'), ['Bash']);
  });

  it('appends to a list in its own style: [..], [], a block list, or a key with nothing after it', () => {
    const flow = lines(...HEAD, '  - id: a', '    allowed_tools: [Write, "Bash(npm test:*)"]  # ok', '    agent: claude');
    assert.equal(allowed(flow, 'a', 'Bash'), lines(...HEAD, '  - id: a', '    allowed_tools: [Write, "Bash(npm test:*)", Bash]  # ok', '    agent: claude'));
    const empty = lines(...HEAD, '  - id: a', '    allowed_tools: []');
    assert.equal(allowed(empty, 'a', 'Bash'), lines(...HEAD, '  - id: a', '    allowed_tools: [Bash]'));
    const block = lines(...HEAD, '  - id: a', '    allowed_tools:', '      - Write', '      - Read', '    # keep this', '    agent: claude');
    assert.equal(allowed(block, 'a', 'Bash'), lines(...HEAD, '  - id: a', '    allowed_tools:', '      - Write', '      - Read', '      - Bash', '    # keep this', '    agent: claude'));
    const bare = lines(...HEAD, '  - id: a', '    allowed_tools: # none yet', '    agent: claude');
    assert.equal(allowed(bare, 'a', 'Bash'), lines(...HEAD, '  - id: a', '    allowed_tools: [Bash] # none yet', '    agent: claude'));
    const tilde = lines(...HEAD, '  - id: a', '    allowed_tools: ~');
    assert.equal(allowed(tilde, 'a', 'Bash'), lines(...HEAD, '  - id: a', '    allowed_tools: [Bash]'));
    for (const t of [flow, empty, block, bare, tilde]) assert.ok(toolsOf(allowed(t, 'a', 'Bash'), 'a').includes('Bash'), t);
  });

  it('writes into a task written as a flow mapping, a file without a final newline, and one with CRLF line ends', () => {
    const flowTask = lines(...HEAD, '  - { id: a, agent: claude, prompt: go }', '  - id: b', '    run: make');
    assert.equal(allowed(flowTask, 'a', 'Bash'), lines(...HEAD, '  - { id: a, agent: claude, prompt: go, allowed_tools: [Bash] }', '  - id: b', '    run: make'));
    const noNewline = 'id: m\ntasks:\n  - id: a\n    agent: claude';
    assert.equal(allowed(noNewline, 'a', 'Bash'), 'id: m\ntasks:\n  - id: a\n    agent: claude\n    allowed_tools: [Bash]\n');
    const crlf = 'id: m\r\ntasks:\r\n  - id: a\r\n    agent: claude\r\n  - id: b\r\n    run: make\r\n';
    assert.equal(allowed(crlf, 'a', 'Bash'), 'id: m\r\ntasks:\r\n  - id: a\r\n    agent: claude\r\n    allowed_tools: [Bash]\r\n  - id: b\r\n    run: make\r\n');
    for (const t of [flowTask, noNewline, crlf]) assert.deepEqual(toolsOf(allowed(t, 'a', 'Bash'), 'a'), ['Bash']);
  });

  it('does nothing when the rule is there already, the task is not in the file, or allowed_tools is not a list', () => {
    assert.equal(allowToolEdit(lines(...HEAD, '  - id: a', '    allowed_tools: [Bash]'), 'a', 'Bash'), undefined);
    assert.equal(allowToolEdit(lines(...HEAD, '  - id: a', '    allowed_tools:', '      - Bash'), 'a', 'Bash'), undefined);
    assert.equal(allowToolEdit(lines(...HEAD, '  - id: a', '    run: make'), 'gone', 'Bash'), undefined);
    assert.equal(allowToolEdit(lines(...HEAD, '  - id: a', '    allowed_tools: Bash'), 'a', 'Write'), undefined);
    assert.equal(allowToolEdit('id: m\n', 'a', 'Bash'), undefined);
  });

  it('keeps a rule plain when YAML reads it back the same, and quotes it otherwise', () => {
    assert.equal(yamlRule('Bash'), 'Bash');
    assert.equal(yamlRule('mcp__github__create_issue'), 'mcp__github__create_issue');
    assert.equal(yamlRule('Bash(git push origin main)'), 'Bash(git push origin main)');
    for (const rule of ['Bash(git push origin main)', 'Bash(echo a, b)', 'Bash(echo a: b)', 'Bash(ls # x)', 'Bash(echo "hi")', "Bash(it's)", 'Bash([x])']) {
      const flow = allowed(lines(...HEAD, '  - id: a', '    allowed_tools: [Write]'), 'a', rule);
      assert.deepEqual(toolsOf(flow, 'a'), ['Write', rule], flow);
      const block = allowed(lines(...HEAD, '  - id: a', '    allowed_tools:', '      - Write'), 'a', rule);
      assert.deepEqual(toolsOf(block, 'a'), ['Write', rule], block);
      assert.deepEqual(toolsOf(allowed(lines(...HEAD, '  - id: a', '    agent: claude'), 'a', rule), 'a'), [rule]);
    }
  });

  it('knows which rules allow a refused use, as Claude Code reads them', () => {
    const push = { tool: 'Bash', target: 'git push origin main' };
    assert.ok(ruleAllows('Bash', push));
    assert.ok(ruleAllows('Bash(git push origin main)', push));
    assert.ok(ruleAllows('Bash(git push:*)', push));
    assert.ok(!ruleAllows('Bash(git pull:*)', push));
    assert.ok(!ruleAllows('Bash(git pushy:*)', push));
    assert.ok(!ruleAllows('Write', push));
    assert.ok(!ruleAllows('Bash(git push)', push));
    const write = { tool: 'Write', target: 'src/auth/login.ts' };
    assert.ok(ruleAllows('Write(src/**)', write));
    assert.ok(!ruleAllows('Write(src/*.ts)', write), 'one * stays within a folder');
    assert.ok(ruleAllows('Write(src/auth/*.ts)', write));
    assert.ok(isAllowed(['Read', 'Write(src/**)'], write));
    assert.ok(!isAllowed([], write));
    assert.equal(exactRule(push), 'Bash(git push origin main)');
    assert.equal(exactRule(write), undefined, 'paths have rules of their own');
    assert.equal(exactRule({ tool: 'Bash', target: 'echo $(date)' }), undefined);
  });
});
