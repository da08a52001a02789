import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseMilestoneText } from '../../src/core/milestone/parse';
import { ToolChecker } from '../../src/core/milestone/tools';
import { checkSemantics, checkTools, sortDiagnostics, validateMilestoneFile, validateMilestoneText } from '../../src/core/milestone/validate';
import type { Diagnostic } from '../../src/core/milestone/diagnostics';
import { codesAt, milestoneFixture, onlyOne, range, TempDirs, withCode, writeScript } from './helpers';

/** Validates a fixture without tool checks, as if it lived in `workspace`/.milestones. */
async function validateFixture(name: string, options: { workspace?: string; at?: string } = {}): Promise<Diagnostic[]> {
  const { file, text } = milestoneFixture(name);
  const r = await validateMilestoneText(text, options.at ?? file, { tools: false, ...(options.workspace ? { workspace: options.workspace } : {}) });
  return r.diagnostics;
}

const lines = (...l: string[]): string => `${l.join('\n')}\n`;

describe('milestone/validate', () => {
  describe('checkSemantics', () => {
    it('warns where isolation or review can have no effect, and says what to change', () => {
      const noGit = checkSemantics(parseMilestoneText('id: c\ntype: custom\nisolation: worktree\ntasks:\n  - { id: a, run: make, review: true }\n  - { id: b, run: make, isolation: worktree }\n', '/ws/.milestones/c.yaml'));
      assert.deepEqual(withCode(noGit, 'isolation-ignored').map((d) => [d.range.start.line, d.severity]), [[2, 'warning'], [4, 'warning'], [5, 'warning']]);
      assert.match(withCode(noGit, 'isolation-ignored')[2]!.message, /does not use git.*Add a git: block/);
      const inPlace = checkSemantics(parseMilestoneText('id: p\ngit: { in_place: true }\ntasks:\n  - { id: a, agent: claude, prompt: x, isolation: worktree }\n', '/ws/.milestones/p.yaml'));
      assert.match(withCode(inPlace, 'isolation-ignored')[0]!.message, /in_place is true/);
      const fine = checkSemantics(parseMilestoneText('id: f\ntasks:\n  - { id: a, agent: claude, prompt: x, review: true }\n  - { id: b, run: make, isolation: worktree, review: true }\n', '/ws/.milestones/f.yaml'));
      assert.deepEqual(withCode(fine, 'isolation-ignored'), []);
    });

    it('accepts a complete, consistent milestone without any diagnostic', async () => {
      assert.deepEqual(await validateFixture('full.yaml'), []);
      assert.deepEqual(await validateFixture('minimal.yaml'), []);
    });

    it('reports a duplicate task id and names the line of the first one', async () => {
      const d = withCode(await validateFixture('duplicate-ids.yaml'), 'duplicate-id');
      assert.equal(d.length, 2);
      const task = d[0]!;
      assert.deepEqual(task.range, range(6, 8, 6, 13));
      assert.equal(task.severity, 'error');
      assert.equal(task.message, 'Task id "build" is already used on line 3: give this task another id.');
      assert.deepEqual(task.data, { id: 'build', first: range(2, 8, 2, 13) });
    });

    it('reports a gate id that clashes with a task id', async () => {
      const d = withCode(await validateFixture('duplicate-ids.yaml'), 'duplicate-id');
      const gate = d[1]!;
      assert.deepEqual(gate.range, range(9, 8, 9, 12));
      assert.equal(gate.message, 'Gate id "test" is already used on line 5 (task and gate ids share log files): choose another id.');
      assert.deepEqual(gate.data, { id: 'test', first: range(4, 8, 4, 12) });
    });

    it('reports unknown depends_on entries, with a suggestion when one is close', async () => {
      const d = withCode(await validateFixture('unknown-deps.yaml'), 'unknown-dependency');
      assert.deepEqual(codesAt(d), ['unknown-dependency@6:17-6:21', 'unknown-dependency@6:23-6:26', 'unknown-dependency@10:12-10:16']);
      assert.equal(d[0]!.message, 'Task "test" depends on "buil", which is not a task in this milestone. Did you mean "build"?');
      assert.deepEqual(d[0]!.data, { dependency: 'buil', suggestion: 'build' });
      assert.equal(d[1]!.message, 'Task "test" depends on "zzz", which is not a task in this milestone. Remove it or add a task with that id.');
      assert.deepEqual(d[1]!.data, { dependency: 'zzz' });
    });

    it('reports an unknown gate `after` entry', async () => {
      const d = withCode(await validateFixture('unknown-deps.yaml'), 'unknown-dependency')[2]!;
      assert.equal(d.message, 'Gate "check" depends on "nope", which is not a task in this milestone. Remove it or add a task with that id.');
      assert.deepEqual(d.data, { dependency: 'nope' });
    });

    it('does not accept a gate id as a dependency of a task', async () => {
      const text = lines('id: gate-dep', 'tasks:', '  - id: a', '    run: echo a', '    depends_on: [lint]', 'quality:', '  - id: lint', '    run: make lint');
      const r = await validateMilestoneText(text, '/ws/gate-dep.yaml', { tools: false });
      assert.deepEqual(codesAt(r.diagnostics), ['unknown-dependency@4:17-4:21']);
    });

    it('reports a cycle a → b → c → a on each of its three edges, not on the task outside it', async () => {
      const d = await validateFixture('cycle.yaml');
      assert.deepEqual(codesAt(d), ['dependency-cycle@4:17-4:18', 'dependency-cycle@7:17-7:18', 'dependency-cycle@10:17-10:18']);
      const edges = d.map((x) => [x.data?.from, x.data?.to]);
      assert.deepEqual(edges, [['a', 'b'], ['b', 'c'], ['c', 'a']]);
      for (const x of d) {
        assert.equal(x.severity, 'error');
        assert.ok(x.message.includes('a → b → c → a'), x.message);
        assert.deepEqual(x.data?.cycle, ['a', 'b', 'c', 'a']);
      }
      assert.equal(d[1]!.message, 'Dependency cycle a → b → c → a: remove one of these depends_on entries (here "b" depends on "c").');
    });

    it('reports a task that depends on itself', async () => {
      const d = onlyOne(await validateFixture('self-dependency.yaml'), 'dependency-cycle');
      assert.deepEqual(d.range, range(4, 17, 4, 21));
      assert.match(d.message, /^Dependency cycle loop → loop:/);
      assert.deepEqual(d.data, { cycle: ['loop', 'loop'], from: 'loop', to: 'loop' });
    });

    it('reports two disjoint cycles separately', async () => {
      const text = lines(
        'id: two-cycles',
        'tasks:',
        '  - { id: a, run: x, depends_on: [b] }',
        '  - { id: b, run: x, depends_on: [a] }',
        '  - { id: c, run: x, depends_on: [d] }',
        '  - { id: d, run: x, depends_on: [c] }',
      );
      const r = await validateMilestoneText(text, '/ws/two-cycles.yaml', { tools: false });
      const cycles = withCode(r.diagnostics, 'dependency-cycle');
      assert.equal(cycles.length, 4);
      const texts = new Set(cycles.map((c) => (c.data?.cycle as string[]).join(' → ')));
      assert.equal(texts.size, 2);
      for (const c of cycles) {
        const cyc = c.data?.cycle as string[];
        assert.ok(cyc.includes(c.data?.from as string) && cyc.includes(c.data?.to as string));
      }
      assert.deepEqual(new Set(cycles.map((c) => c.data?.from)), new Set(['a', 'b', 'c', 'd']));
    });

    it('reports a task with nothing to do, with both run and agent, and an agent without prompt', async () => {
      const d = withCode(await validateFixture('task-command.yaml'), 'task-command');
      assert.deepEqual(codesAt(d), ['task-command@2:8-2:12', 'task-command@6:11-6:17', 'task-command@9:11-9:17']);
      assert.equal(d[0]!.message, 'Task "idle" has nothing to do: add `run:` (a shell command) or `agent:` with `prompt:`.');
      assert.equal(d[1]!.message, 'Task "both" has both `run` and `agent`: keep one (split it into two tasks if both are needed).');
      assert.equal(d[2]!.message, 'Task "mute" runs agent "claude" without a prompt: add `prompt:`.');
    });

    it('warns about a prompt without an agent', async () => {
      const text = lines('id: p', 'tasks:', '  - id: a', '    run: echo a', '    prompt: unused words');
      const r = await validateMilestoneText(text, '/ws/p.yaml', { tools: false });
      const d = onlyOne(r.diagnostics, 'task-command');
      assert.equal(d.severity, 'warning');
      assert.deepEqual(d.range, range(4, 12, 4, 24));
      assert.match(d.message, /has a prompt but no `agent`/);
    });

    it('reports an unknown agent profile with a suggestion', async () => {
      const d = onlyOne(await validateFixture('task-command.yaml'), 'unknown-agent-profile');
      assert.deepEqual(d.range, range(11, 11, 11, 16));
      assert.equal(d.message, 'Agent profile "claud" is not defined. Did you mean "claude"? Known profiles: claude, codex, aider; define others under `agents:`.');
      assert.deepEqual(d.data, { suggestion: 'claude' });
    });

    it('knows the profiles of the file and those passed in the options', async () => {
      const text = lines('id: prof', 'agents:', '  mine: [mine, "{prompt}"]', 'tasks:', '  - { id: a, agent: mine, prompt: go }', '  - { id: b, agent: extra, prompt: go }', '  - { id: c, agent: zzzzzz, prompt: go }');
      const r = await validateMilestoneText(text, '/ws/prof.yaml', { tools: false, profiles: { extra: ['extra', '{prompt}'] } });
      const d = onlyOne(r.diagnostics, 'unknown-agent-profile');
      assert.deepEqual(d.range, range(6, 20, 6, 26));
      assert.equal(d.message, 'Agent profile "zzzzzz" is not defined. Known profiles: claude, codex, aider, extra, mine; define others under `agents:`.');
      assert.equal(d.data, undefined);
    });

    it('reports an agent profile without a command (error) or without {prompt} (warning)', async () => {
      const text = lines('id: prof', 'agents:', '  empty: []', '  deaf: [deaf, --yes]', 'tasks:', '  - { id: a, run: echo }');
      const r = await validateMilestoneText(text, '/ws/prof.yaml', { tools: false });
      assert.deepEqual(codesAt(r.diagnostics), ['invalid-value@2:9-2:11', 'invalid-value@3:8-3:21']);
      assert.equal(r.diagnostics[0]!.severity, 'error');
      assert.match(r.diagnostics[0]!.message, /^Agent profile "empty" has no command/);
      assert.equal(r.diagnostics[1]!.severity, 'warning');
      assert.match(r.diagnostics[1]!.message, /^Agent profile "deaf" has no \{prompt\} argument/);
    });

    it('warns where an agent field would do nothing: on a shell task, or a Claude Code option on another adapter', async () => {
      const text = lines('id: only', 'tasks:', '  - { id: sh, run: make, verify: make test, budget_usd: 1 }', '  - { id: cx, agent: codex, prompt: go, allowed_tools: [Write], expect_changes: true }', '  - { id: cl, agent: claude, prompt: go, budget_usd: 1, allowed_tools: [Write] }');
      const r = await validateMilestoneText(text, '/ws/only.yaml', { tools: false });
      assert.deepEqual(codesAt(r.diagnostics), ['agent-only@2:33-2:42', 'agent-only@2:56-2:57', 'agent-only@3:55-3:62']);
      assert.ok(r.diagnostics.every((d) => d.severity === 'warning'));
      assert.equal(r.diagnostics[1]!.message, 'Task "sh" is not an agent task, so `budget_usd` does nothing: remove it, or give the task `agent:` and `prompt:`.');
      assert.equal(r.diagnostics[2]!.message, '`allowed_tools` is passed on to Claude Code only; agent profile "codex" uses the codex adapter, which has no such option: remove it, or use a Claude Code profile.');
    });

    describe('risky commands', () => {
      // Named like the fixture, inside a `.milestones` folder of the workspace /work/ws.
      const at = '/work/ws/.milestones/risky.yaml';

      it('refuses rm -rf /, rm -rf ~, curl | sh and git push --force, on the command', async () => {
        const d = withCode(await validateFixture('risky.yaml', { at }), 'risky-command');
        const byTask = new Map(d.map((x) => [/task "([^"]+)"/.exec(x.message)?.[1], x]));
        assert.deepEqual(d.map((x) => x.range), [range(3, 9, 3, 17), range(5, 9, 5, 17), range(7, 9, 7, 59), range(9, 9, 9, 37), range(21, 14, 21, 22)]);
        assert.equal(byTask.get('wipe-root')!.message, 'The run command of task "wipe-root" deletes the root directory: refused. Change the command, or add `allow_risky: true` to the task if it is really intended.');
        assert.deepEqual(byTask.get('wipe-root')!.data, { reason: 'deletes the root directory' });
        assert.deepEqual(byTask.get('wipe-home')!.data, { reason: 'deletes the home directory' });
        assert.deepEqual(byTask.get('pipe-shell')!.data, { reason: 'pipes a download into a shell' });
        assert.deepEqual(byTask.get('force-push')!.data, { reason: 'force-pushes (rewrites remote history)' });
      });

      it('checks rollback commands too', async () => {
        const d = withCode(await validateFixture('risky.yaml', { at }), 'risky-command');
        const rollback = d.find((x) => x.message.includes('risky-rollback'))!;
        assert.match(rollback.message, /^The rollback command of task "risky-rollback" deletes the home directory/);
        assert.deepEqual(rollback.range, range(21, 14, 21, 22));
      });

      it('lets rm -rf dist, --force-with-lease and an absolute path inside the workspace through', async () => {
        const d = withCode(await validateFixture('risky.yaml', { at }), 'risky-command');
        const tasks = d.map((x) => /task "([^"]+)"/.exec(x.message)?.[1]);
        assert.deepEqual(tasks, ['wipe-root', 'wipe-home', 'pipe-shell', 'force-push', 'risky-rollback']);
        for (const fine of ['clean-dist', 'lease-push', 'inside']) assert.ok(!tasks.includes(fine), fine);
      });

      it('is silenced by allow_risky: true', async () => {
        const d = withCode(await validateFixture('risky.yaml', { at }), 'risky-command');
        assert.ok(!d.some((x) => x.message.includes('"allowed"')));
        // The same command without allow_risky is refused (task force-push).
        assert.ok(d.some((x) => x.message.includes('"force-push"')));
      });

      it('treats the same absolute path as outside when the workspace is elsewhere', async () => {
        const d = withCode(await validateFixture('risky.yaml', { at: '/elsewhere/.milestones/risky.yaml' }), 'risky-command');
        const inside = d.find((x) => x.message.includes('"inside"'));
        assert.ok(inside, 'rm -rf /work/ws/build is outside /elsewhere');
        assert.deepEqual(inside.data, { reason: 'deletes files outside the workspace' });
      });

      it('refuses home deletions, cd / && rm, find / -delete and bash <(curl …), saying why and how to allow it', async () => {
        const text = lines(
          'id: r',
          'tasks:',
          '  - { id: keys, run: "rm -rf ~/.ssh" }',
          '  - { id: everything, run: "cd / && rm -rf ." }',
          '  - { id: found, run: "find / -delete" }',
          '  - { id: installer, run: "bash <(curl -s https://x.invalid/i.sh)" }',
          '  - { id: meant, run: "rm -rf ~/.cache/tool", allow_risky: true }',
          '  - { id: tidy, run: "rm -rf ./build node_modules \\"$TMPDIR/x\\"" }',
        );
        const r = await validateMilestoneText(text, '/work/ws/.milestones/r.yaml', { tools: false });
        const d = withCode(r.diagnostics, 'risky-command');
        assert.deepEqual(d.map((x) => /task "([^"]+)"/.exec(x.message)?.[1]), ['keys', 'everything', 'found', 'installer']);
        assert.equal(
          d[0]!.message,
          'The run command of task "keys" deletes files in the home directory, outside the workspace (keys, settings and other projects live there): refused. Change the command, or add `allow_risky: true` to the task if it is really intended.',
        );
        assert.match(d[3]!.message, /^The run command of task "installer" runs a downloaded script unread \(a shell executes whatever curl or wget fetched\): refused\. .*`allow_risky: true`/);
      });

      it('refuses a risky gate command (gates have no allow_risky)', async () => {
        const text = lines('id: g', 'tasks:', '  - { id: a, run: echo }', 'quality:', '  - id: publish', '    run: git push -f origin main');
        const r = await validateMilestoneText(text, '/ws/g.yaml', { tools: false });
        const d = onlyOne(r.diagnostics, 'risky-command');
        assert.deepEqual(d.range, range(5, 9, 5, 32));
        assert.equal(d.message, 'The command of gate "publish" force-pushes (rewrites remote history): refused. Change the command.');
      });
    });

    it('reports a cwd that leaves the workspace, not one inside it', async () => {
      const d = await validateFixture('cwd.yaml', { at: '/work/ws/.milestones/cwd.yaml' });
      assert.deepEqual(codesAt(d), ['cwd-outside-workspace@4:9-4:14']);
      assert.equal(d[0]!.message, 'Task "outside" has cwd "../..", which is outside the workspace /work/ws: use a path inside it.');
    });

    it('accepts a cwd inside the workspace whose name starts with two dots', async () => {
      const text = lines('id: dots', 'tasks:', '  - { id: a, run: ls, cwd: ..cache }', '  - { id: b, run: ls, cwd: sub/../other }', '  - { id: c, run: ls, cwd: sub/../.. }');
      const r = await validateMilestoneText(text, '/work/ws/.milestones/dots.yaml', { tools: false });
      // Only `sub/../..` (= the parent of the workspace) leaves it.
      assert.deepEqual(codesAt(r.diagnostics), ['cwd-outside-workspace@4:27-4:36']);
    });

    it('reports a cwd that leaves the workspace through a symbolic link, not a link that stays inside', async () => {
      const temp = new TempDirs();
      try {
        const ws = await temp.make();
        const outside = await temp.make();
        await fs.mkdir(path.join(ws, 'src', 'real'), { recursive: true });
        await fs.symlink(outside, path.join(ws, 'escape'));
        await fs.symlink(path.join(ws, 'src', 'real'), path.join(ws, 'inner'));
        const text = lines('id: links', 'tasks:', '  - { id: a, run: ls, cwd: escape/sub }', '  - { id: b, run: ls, cwd: inner }', '  - { id: c, run: ls, cwd: not-made-yet/x }');
        const r = await validateMilestoneText(text, path.join(ws, '.milestones', 'links.yaml'), { tools: false });
        assert.deepEqual(codesAt(r.diagnostics), ['cwd-outside-workspace@2:27-2:37']);
        assert.equal(r.diagnostics[0]!.message, `Task "a" has cwd "escape/sub", which leads outside the workspace through a symbolic link (to ${await fs.realpath(outside)}/sub): use a real folder inside the workspace.`);
      } finally {
        await temp.cleanup();
      }
    });

    it('takes the workspace from the options when given', async () => {
      const d = await validateFixture('cwd.yaml', { at: '/work/ws/.milestones/cwd.yaml', workspace: '/a/b/c/d' });
      // ../.. from /a/b/c/d is /a/b: still outside /a/b/c/d.
      assert.match(onlyOne(d, 'cwd-outside-workspace').message, /outside the workspace \/a\/b\/c\/d:/);
    });

    it('reports invalid requirement names and invalid semver ranges', async () => {
      const d = await validateFixture('requirements.yaml');
      assert.deepEqual(codesAt(d), ['invalid-requirement@2:4-2:11', 'invalid-requirement@3:4-3:16', 'invalid-requirement@8:15-8:23']);
      assert.equal(d[0]!.message, '"!node" is not a tool name: write the program\'s name, e.g. "node >=18".');
      assert.equal(d[1]!.message, '">=18 <<" is not a semver range: write e.g. ">=18", "^2.30" or "18.x".');
      assert.match(d[2]!.message, /^"~>>1" is not a semver range/);
    });

    it('reports executors.min above executors.max on min', async () => {
      const d = await validateFixture('executors.yaml');
      assert.deepEqual(codesAt(d), ['invalid-value@2:7-2:8']);
      assert.equal(d[0]!.message, 'executors.min (8) is larger than executors.max (2): lower min or raise max.');
    });

    it('warns when the id and the file name in .milestones differ', async () => {
      const d = await validateFixture('id-mismatch.yaml', { at: '/ws/.milestones/id-mismatch.yaml' });
      const w = onlyOne(d, 'id-mismatch');
      assert.equal(d.length, 1);
      assert.equal(w.severity, 'warning');
      assert.deepEqual(w.range, range(0, 4, 0, 16));
      assert.match(w.message, /^The milestone id "another-name" differs from the file name "id-mismatch\.yaml": rename the file to another-name\.yaml/);
    });

    it('does not warn about the name outside .milestones or when the names agree', async () => {
      assert.deepEqual(await validateFixture('id-mismatch.yaml', { at: '/ws/drafts/id-mismatch.yaml' }), []);
      assert.deepEqual(await validateFixture('id-mismatch.yaml', { at: '/ws/.milestones/another-name.yaml' }), []);
      assert.deepEqual(await validateFixture('id-mismatch.yaml', { at: '/ws/.milestones/another-name.yml' }), []);
    });

    it('validates the branch name', async () => {
      const d = await validateFixture('branch.yaml');
      assert.deepEqual(codesAt(d), ['invalid-value@1:8-1:25']);
      assert.match(d[0]!.message, /^Branch "feature\/bad\.\.name" is not a safe branch name/);

      const deep = await validateMilestoneText(lines('id: b', 'branch: a/b/c/d/e', 'tasks:', '  - { id: a, run: echo }'), '/ws/b.yaml', { tools: false });
      assert.deepEqual(codesAt(deep.diagnostics), ['invalid-value@1:8-1:17']);
      const lock = await validateMilestoneText(lines('id: b', 'branch: feature/x.lock', 'tasks:', '  - { id: a, run: echo }'), '/ws/b.yaml', { tools: false });
      assert.deepEqual(codesAt(lock.diagnostics), ['invalid-value@1:8-1:22']);
      const ok = await validateMilestoneText(lines('id: b', 'branch: Feature/JIRA-12_fix', 'tasks:', '  - { id: a, run: echo }'), '/ws/b.yaml', { tools: false });
      assert.deepEqual(ok.diagnostics, []);
    });

    it('does not run the semantic checks on a file with YAML errors', async () => {
      const { file, text } = milestoneFixture('yaml-syntax.yaml');
      const r = await validateMilestoneText(text, file, { tools: false });
      assert.deepEqual(r.diagnostics.map((d) => d.code), ['yaml-syntax', 'yaml-syntax']);
    });

    it('checkSemantics alone needs only the parse result', () => {
      const { file, text } = milestoneFixture('cycle.yaml');
      const out = checkSemantics(parseMilestoneText(text, file));
      assert.equal(out.length, 3);
      assert.ok(out.every((d) => d.code === 'dependency-cycle'));
    });
  });

  describe('sorting', () => {
    it('returns the diagnostics of validateMilestoneText sorted by position', async () => {
      const text = lines('id: Sorted', 'tasks:', '  - id: a', '    run: rm -rf /', '    depends_on: [zz]', '  - id: a', '    run: echo');
      const r = await validateMilestoneText(text, '/ws/sorted.yaml', { tools: false });
      assert.deepEqual(codesAt(r.diagnostics), ['invalid-id@0:4-0:10', 'risky-command@3:9-3:17', 'unknown-dependency@4:17-4:19', 'duplicate-id@5:8-5:9']);
    });

    it('sortDiagnostics orders by line, then character', () => {
      const mk = (l: number, c: number): Diagnostic => ({ file: 'f', range: range(l, c, l, c + 1), severity: 'error', code: 'wrong-type', message: `${l}:${c}` });
      assert.deepEqual(sortDiagnostics([mk(3, 1), mk(0, 9), mk(3, 0), mk(1, 0)]).map((d) => d.message), ['0:9', '1:0', '3:0', '3:1']);
    });
  });

  describe('tool checks', () => {
    const temp = new TempDirs();
    let bin: string;
    let ws: string;

    beforeEach(async () => {
      bin = await temp.make('ma-tools-');
      ws = await temp.make('ma-ws-');
      await writeScript(path.join(bin, 'faketool'), '#!/bin/sh\necho "faketool version 1.4.2"\n');
      await writeScript(path.join(bin, 'quiet'), '#!/bin/sh\necho "no numbers here"\n');
      await writeScript(path.join(bin, 'mybot'), '#!/bin/sh\nexit 0\n');
    });
    afterEach(() => temp.cleanup());

    const parse = (text: string) => parseMilestoneText(text, path.join(ws, '.milestones', 'tools.yaml'));

    it('reports a missing tool, an unsatisfied range, and nothing for a satisfied one', async () => {
      const p = parse(lines('id: tools', 'requires:', '  - faketool ^1.4', '  - faketool >=2', '  - absent-tool', 'tasks:', '  - { id: a, run: echo }'));
      const out = sortDiagnostics(await checkTools(p, new ToolChecker(), { envPath: bin }));
      assert.deepEqual(codesAt(out), ['tool-version@3:4-3:16', 'tool-missing@4:4-4:15']);
      assert.equal(out[0]!.message, `Required "faketool >=2" but found faketool 1.4.2 at ${path.join(bin, 'faketool')}: install a version in >=2.`);
      assert.deepEqual(out[0]!.data, { tool: 'faketool', version: '1.4.2' });
      assert.equal(out[1]!.message, 'Required tool "absent-tool" is not on PATH: install it, or add its folder to PATH, then validate again.');
      assert.deepEqual(out[1]!.data, { tool: 'absent-tool' });
    });

    it('checks the requirements of tasks at their own position', async () => {
      const p = parse(lines('id: tools', 'tasks:', '  - id: a', '    run: echo', '    requires: [faketool <1, faketool 1.x]'));
      const out = await checkTools(p, new ToolChecker(), { envPath: bin });
      assert.deepEqual(codesAt(out), ['tool-version@4:15-4:26']);
    });

    it('reports a tool whose --version prints no version when a range is asked for', async () => {
      const p = parse(lines('id: tools', 'requires: [quiet >=1, quiet]', 'tasks:', '  - { id: a, run: echo }'));
      const out = await checkTools(p, new ToolChecker(), { envPath: bin });
      assert.deepEqual(codesAt(out), ['tool-version@1:11-1:20']);
      assert.match(out[0]!.message, /found a version of quiet that `quiet --version` does not print/);
      assert.deepEqual(out[0]!.data, { tool: 'quiet' });
    });

    it('reports the missing program of an agent profile on the task\'s agent value', async () => {
      const p = parse(
        lines('id: tools', 'agents:', '  gone: [gone-cli, "{prompt}"]', '  mybot: [mybot, "{prompt}"]', 'tasks:', '  - { id: a, agent: gone, prompt: hi }', '  - { id: b, agent: mybot, prompt: hi }'),
      );
      const out = await checkTools(p, new ToolChecker(), { envPath: bin });
      assert.deepEqual(codesAt(out), ['tool-missing@5:20-5:24']);
      assert.equal(out[0]!.message, 'Agent profile "gone" runs `gone-cli`, which is not on PATH: install it or point the profile at another command under `agents:`.');
      assert.deepEqual(out[0]!.data, { tool: 'gone-cli' });
    });

    it('resolves a profile program with a slash against the workspace', async () => {
      await writeScript(path.join(ws, 'bin', 'agent'), '#!/bin/sh\nexit 0\n');
      const p = parse(lines('id: tools', 'agents:', '  here: [./bin/agent, "{prompt}"]', '  there: [./bin/missing, "{prompt}"]', 'tasks:', '  - { id: a, agent: here, prompt: hi }', '  - { id: b, agent: there, prompt: hi }'));
      const out = await checkTools(p, new ToolChecker(), { envPath: bin });
      assert.deepEqual(codesAt(out), ['tool-missing@6:20-6:25']);
      assert.equal(out[0]!.message, `Agent profile "there" runs ${path.join(ws, 'bin', 'missing')}, which does not exist: fix the profile's command.`);
    });

    it('skips requirements whose syntax is already reported', async () => {
      const p = parse(lines('id: tools', 'requires: ["!x", "absent-tool >=>1"]', 'tasks:', '  - { id: a, run: echo }'));
      assert.deepEqual(await checkTools(p, new ToolChecker(), { envPath: bin }), []);
    });

    it('validateMilestoneText runs the tool checks unless tools: false', async () => {
      const text = lines('id: tools', 'requires: [absent-tool]', 'tasks:', '  - { id: a, run: echo }');
      const file = path.join(ws, '.milestones', 'tools.yaml');
      // validateMilestoneText's options type does not declare envPath, but passes it on to checkTools.
      const withTools = { checker: new ToolChecker(), envPath: bin };
      const r1 = await validateMilestoneText(text, file, withTools);
      assert.deepEqual(codesAt(r1.diagnostics), ['tool-missing@1:11-1:22']);
      const withoutTools = { tools: false, checker: new ToolChecker(), envPath: bin };
      const r2 = await validateMilestoneText(text, file, withoutTools);
      assert.deepEqual(r2.diagnostics, []);
    });
  });

  describe('validateMilestoneFile', () => {
    const temp = new TempDirs();
    afterEach(() => temp.cleanup());

    it('reads and validates a file on disk', async () => {
      const dir = await temp.make();
      const file = path.join(dir, '.milestones', 'disk.yaml');
      await fs.mkdir(path.dirname(file));
      await fs.writeFile(file, lines('id: disk', 'tasks:', '  - { id: a, run: echo, cwd: ../.. }'));
      const r = await validateMilestoneFile(file, { tools: false });
      assert.equal(r.milestone.id, 'disk');
      assert.equal(r.parsed.file, file);
      assert.deepEqual(codesAt(r.diagnostics), ['cwd-outside-workspace@2:29-2:34']);
      assert.ok(r.diagnostics[0]!.message.includes(`outside the workspace ${dir}:`));
    });

    it('explains a missing file and a folder', async () => {
      const dir = await temp.make();
      await assert.rejects(validateMilestoneFile(path.join(dir, 'nope.yaml'), { tools: false }), {
        message: `Cannot read milestone file ${path.join(dir, 'nope.yaml')}: it does not exist.`,
      });
      await assert.rejects(validateMilestoneFile(dir, { tools: false }), { message: `Cannot read milestone file ${dir}: it is a folder.` });
    });
  });
});
