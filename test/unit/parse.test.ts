import { strict as assert } from 'node:assert';
import * as os from 'node:os';
import { parseMilestoneText, parseRequirement } from '../../src/core/milestone/parse';
import { DEFAULT_GIT_THRESHOLD, DEFAULT_STALL_AFTER_MS } from '../../src/core/milestone/model';
import { ID_RULE } from '../../src/core/ids';
import { codesAt, milestoneFixture, onlyOne, range, withCode } from './helpers';

const parseFixture = (name: string) => {
  const { file, text } = milestoneFixture(name);
  return parseMilestoneText(text, file);
};

describe('milestone/parse', () => {
  describe('YAML problems', () => {
    it('reports each YAML syntax error at its position and builds no model from a broken file', () => {
      const p = parseFixture('yaml-syntax.yaml');
      // Line 3 is `    run: echo: a: b`: both extra colons start a nested mapping.
      assert.deepEqual(codesAt(p.diagnostics), ['yaml-syntax@3:9-3:10', 'yaml-syntax@3:15-3:16']);
      for (const d of p.diagnostics) {
        assert.equal(d.severity, 'error');
        assert.equal(d.file, p.file);
        assert.equal(
          d.message,
          'YAML syntax error: Nested mappings are not allowed in compact mappings. A value that contains ": " must be quoted, e.g. `run: "echo a: b"`; a key on a line of its own must be indented like the keys next to it.',
        );
      }
      // Nothing of the broken document is trusted: the model has no tasks.
      assert.deepEqual(p.milestone.tasks, []);
      assert.equal(p.milestone.id, 'yaml-syntax');
    });

    it('reports a tab used as indentation on its line', () => {
      const p = parseMilestoneText('id: x\n\tbad: tab\n', '/ws/x.yaml');
      const d = onlyOne(p.diagnostics, 'yaml-syntax');
      assert.deepEqual(d.range, range(1, 0, 1, 1));
      assert.equal(d.message, 'YAML syntax error: Tabs are not allowed as indentation. Indent with spaces, not tabs.');
    });

    it('reports a duplicate key as a YAML error at the second occurrence', () => {
      const p = parseFixture('duplicate-key.yaml');
      assert.equal(p.diagnostics.length, 1);
      const d = p.diagnostics[0]!;
      assert.equal(d.code, 'yaml-syntax');
      assert.equal(d.severity, 'error');
      assert.deepEqual(d.range, range(2, 0, 2, 1));
      assert.equal(d.message, 'YAML syntax error: Map keys must be unique. Each key may appear once in a mapping: remove this one or merge it into the first.');
    });

    it('ends the library message with a full stop and adds advice for the common YAML errors', () => {
      const cases: [string, RegExp][] = [
        ['id: x\ntasks:\n  - id: a\n   run: echo\n', /^YAML syntax error: Sequence item without - indicator\. Add the missing character: .*`- ` in front of a list item/],
        ['id: x\ntasks:\n  - id: a\n  run: b\n', /^YAML syntax error: All mapping items must start at the same column\. Line up the keys of one mapping/],
        ['id: x\ntasks: [a, b\n', /^YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a \]\. .*close a `\[` or `\{`/],
        ['id: x\ntitle: foo\nbar\nbaz: 1\n', /^YAML syntax error: Implicit keys need to be on a single line\. Write `key: value` with the colon on the same line/],
        ['id: x\n]\n', /^YAML syntax error: Unexpected flow-seq-end token in YAML stream: "\]"\. Remove the stray character/],
        ['id: x\n---\nid: y\n', /^YAML syntax error: The file holds more than one YAML document \(a `---` line starts another\)\. A milestone file holds one document/],
        ['id: @x\n', /^YAML syntax error: Plain value cannot start with reserved character @\. Quote the value/],
      ];
      for (const [text, expected] of cases) {
        const messages = withCode(parseMilestoneText(text, '/ws/x.yaml').diagnostics, 'yaml-syntax').map((d) => d.message);
        assert.ok(messages.some((m) => expected.test(m)), `${JSON.stringify(text)} gave ${JSON.stringify(messages)}`);
        for (const m of messages) assert.match(m, /\. [A-Z].*\.$/, 'two sentences: the problem, then what to do');
      }
    });

    it('adds advice to the YAML warnings too', () => {
      const p = parseMilestoneText('id: !foo x\ntasks: []\n', '/ws/x.yaml');
      const d = onlyOne(p.diagnostics, 'yaml-syntax');
      assert.equal(d.severity, 'warning');
      assert.equal(d.message, 'YAML warning: Unresolved tag: !foo. Remove the `!` tag: milestone files use plain values.');
    });

    it('reports an empty file as missing id and tasks at 0:0', () => {
      const p = parseFixture('empty.yaml');
      const d = onlyOne(p.diagnostics, 'missing-field');
      assert.equal(p.diagnostics.length, 1);
      assert.deepEqual(d.range, range(0, 0, 0, 0));
      assert.match(d.message, /The milestone file is empty/);
      assert.match(d.message, /`id:` and `tasks:`/);
    });

    it('treats a file with only a comment as empty', () => {
      const p = parseMilestoneText('# nothing here yet\n', '/ws/.milestones/later.yaml');
      assert.deepEqual(codesAt(p.diagnostics), ['missing-field@0:0-0:0']);
      assert.match(p.diagnostics[0]!.message, /empty/);
    });

    it('reports a top level that is a list, not a mapping', () => {
      const p = parseMilestoneText('- id: a\n- id: b\n', '/ws/x.yaml');
      const d = onlyOne(p.diagnostics, 'wrong-type');
      assert.equal(d.message, 'The milestone should be a mapping (`key: value` lines).');
      assert.deepEqual(d.range.start, { line: 0, character: 0 });
    });
  });

  describe('shape against the schema', () => {
    it('reports unknown keys, with a "did you mean" suggestion only when one is close', () => {
      const p = parseFixture('unknown-key.yaml');
      const unknown = withCode(p.diagnostics, 'unknown-key');
      assert.deepEqual(codesAt(unknown), ['unknown-key@1:0-1:10', 'unknown-key@5:4-5:13', 'unknown-key@6:4-6:10']);

      const [top, dep, colour] = unknown;
      assert.match(top!.message, /^Unknown key "descripton" in the milestone\. Did you mean "description"\?/);
      assert.deepEqual(top!.data, { suggestion: 'description' });

      assert.match(dep!.message, /^Unknown key "depend_on" in task "a"\. Did you mean "depends_on"\?/);
      assert.match(dep!.message, /Known keys: id, title, description, run, agent, prompt, depends_on,/);
      assert.deepEqual(dep!.data, { suggestion: 'depends_on' });

      assert.match(colour!.message, /^Unknown key "colour" in task "a"\. Known keys:/);
      assert.doesNotMatch(colour!.message, /Did you mean/);
      assert.equal(colour!.data, undefined);
      // The task is still built from its good keys; the unknown ones are dropped.
      assert.deepEqual(p.milestone.tasks[0]!.dependsOn, []);
      assert.equal(p.milestone.tasks[0]!.run, 'echo a');
    });

    it('suggests the key for a swapped, abbreviated or singular slip', () => {
      const p = parseMilestoneText('id: x\ntasks:\n  - id: a\n    titel: A\n    run: echo a\n    dependz: []\n    retry: 2\n    timout: 5s\n', '/ws/x.yaml');
      const unknown = withCode(p.diagnostics, 'unknown-key');
      assert.deepEqual(unknown.map((d) => d.data?.suggestion), ['title', 'depends_on', 'retries', 'timeout']);
      assert.match(unknown[0]!.message, /^Unknown key "titel" in task "a"\. Did you mean "title"\? Known keys:/);
    });

    it('reports a list where text is expected and text where an integer is expected', () => {
      const p = parseFixture('wrong-types.yaml');
      assert.deepEqual(codesAt(p.diagnostics), ['wrong-type@1:7-1:17', 'wrong-type@5:13-5:17']);
      assert.equal(p.diagnostics[0]!.message, 'Title should be text.');
      assert.equal(p.diagnostics[1]!.message, 'Task "a" retries should be a whole number.');
      // Unusable values fall back to the defaults.
      assert.equal(p.milestone.title, 'wrong-types');
      assert.equal(p.milestone.tasks[0]!.retries, 0);
    });

    it('reports a non-boolean allow_risky and a mapping where a list is expected', () => {
      const text = ['id: types', 'tasks:', '  - id: a', '    run: echo a', '    allow_risky: yes please', '    depends_on: {b: c}', ''].join('\n');
      const p = parseMilestoneText(text, '/ws/types.yaml');
      assert.deepEqual(codesAt(p.diagnostics), ['wrong-type@4:17-4:27', 'wrong-type@5:16-5:22']);
      assert.equal(p.diagnostics[0]!.message, 'Task "a" allow_risky should be true or false.');
      assert.equal(p.diagnostics[1]!.message, 'Task "a" depends_on should be a list (`- item` lines or `[a, b]`).');
    });

    it('reports invalid milestone and task ids with the id rule', () => {
      const p = parseFixture('invalid-ids.yaml');
      assert.deepEqual(codesAt(p.diagnostics), ['invalid-id@0:4-0:10', 'invalid-id@2:8-2:17', 'invalid-id@4:8-4:13']);
      assert.equal(p.diagnostics[0]!.message, `Id "Bad_Id" is not a valid id: use ${ID_RULE}.`);
      assert.match(p.diagnostics[1]!.message, /"\.\.\/escape" is not a valid id/);
      assert.match(p.diagnostics[2]!.message, /"UPPER" is not a valid id/);
      // An invalid milestone id is not used: the file name stands in.
      assert.equal(p.milestone.id, 'invalid-ids');
    });

    it('reports an invalid enum value, suggesting the closest one when there is one', () => {
      const p = parseFixture('invalid-enum.yaml');
      assert.deepEqual(codesAt(p.diagnostics), ['invalid-value@1:6-1:17', 'invalid-value@2:12-2:16']);
      const [type, policy] = p.diagnostics;
      assert.equal(type!.message, 'Type "developmnet" is not one of development, testing, deployment, custom. Did you mean "development"?');
      assert.deepEqual(type!.data, { suggestion: 'development' });
      assert.match(policy!.message, /"halt" is not one of continue, stop\.$/);
      assert.equal(policy!.data, undefined);
      assert.equal(p.milestone.type, 'development');
      assert.equal(p.milestone.onFailure, 'continue');
    });

    it('reports invalid durations at top level and in a task', () => {
      const p = parseFixture('invalid-duration.yaml');
      assert.deepEqual(codesAt(p.diagnostics), ['invalid-value@1:13-1:16', 'invalid-value@5:13-5:22']);
      assert.match(p.diagnostics[0]!.message, /"10x" is not a duration: write e\.g\. 90s, 2m, 1h30m or 500ms\./);
      assert.equal(p.diagnostics[1]!.message, 'Task "a" timeout "5 minutes" is not a duration: write e.g. 90s, 2m, 1h30m or 500ms.');
      assert.equal(p.milestone.stallAfterMs, DEFAULT_STALL_AFTER_MS);
      assert.equal(p.milestone.tasks[0]!.timeoutMs, undefined);
    });

    it('reports integers below their minimum', () => {
      const text = ['id: limits', 'executors:', '  max: 0', 'tasks:', '  - id: a', '    run: echo a', '    retries: -1', ''].join('\n');
      const p = parseMilestoneText(text, '/ws/limits.yaml');
      assert.deepEqual(codesAt(p.diagnostics), ['invalid-value@2:7-2:8', 'invalid-value@6:13-6:15']);
      assert.equal(p.diagnostics[0]!.message, 'Executors.max must be at least 1, not 0.');
      assert.equal(p.diagnostics[1]!.message, 'Task "a" retries must be at least 0, not -1.');
    });

    it('reports the missing id and tasks of a milestone on its first character', () => {
      const p = parseFixture('missing-top.yaml');
      assert.deepEqual(codesAt(p.diagnostics), ['missing-field@0:0-0:1', 'missing-field@0:0-0:1']);
      assert.match(p.diagnostics[0]!.message, /^The milestone has no "id": add `id:`/);
      assert.match(p.diagnostics[1]!.message, /^The milestone has no "tasks": add `tasks:`/);
    });

    it('counts `tasks:` with no value as missing', () => {
      const p = parseMilestoneText('id: bare\ntasks:\n', '/ws/bare.yaml');
      assert.deepEqual(codesAt(p.diagnostics), ['missing-field@0:0-0:1']);
      assert.match(p.diagnostics[0]!.message, /no "tasks"/);
    });

    it('reports a task without id and a gate without run on the first character of the item', () => {
      const p = parseFixture('missing-task-fields.yaml');
      assert.deepEqual(codesAt(p.diagnostics), ['missing-field@2:4-2:5', 'missing-field@4:4-4:5']);
      assert.match(p.diagnostics[0]!.message, /^Task #1 has no "id": add `id:`/);
      assert.match(p.diagnostics[1]!.message, /^Gate "lint" has no "run": add `run:`/);
      // The nameless task still exists in the model, under a placeholder id.
      assert.equal(p.milestone.tasks[0]!.id, '#1');
      assert.equal(p.milestone.quality[0]!.run, '');
    });

    it('checks the names of env variables and agent profiles', () => {
      const text = ['id: names', 'agents:', '  Bad: [x]', 'tasks:', '  - id: a', '    run: echo a', '    env:', '      1BAD: x', '      OK: 3', ''].join('\n');
      const p = parseMilestoneText(text, '/ws/names.yaml');
      assert.deepEqual(codesAt(p.diagnostics), ['invalid-id@2:2-2:5', 'invalid-value@7:6-7:10']);
      assert.match(p.diagnostics[0]!.message, /^"Bad" in agents is not a valid name/);
      assert.match(p.diagnostics[1]!.message, /^"1BAD" in task "a" env is not a valid name: use letters, digits and "_", not starting with a digit\./);
      assert.deepEqual(p.milestone.agents, {});
      assert.deepEqual(p.milestone.tasks[0]!.env, { OK: '3' });
    });
  });

  describe('the model', () => {
    it('fills in the defaults', () => {
      const p = parseFixture('defaults.yaml');
      assert.deepEqual(p.diagnostics, []);
      const m = p.milestone;
      assert.equal(m.file, milestoneFixture('defaults.yaml').file);
      assert.equal(m.id, 'defaults');
      assert.equal(m.title, 'defaults');
      assert.equal(m.description, undefined);
      assert.equal(m.type, 'development');
      assert.equal(m.complexity, 'medium');
      assert.equal(m.branch, 'milestone/defaults');
      const cpus = Math.max(1, os.availableParallelism());
      assert.deepEqual(m.executors, { min: 1, max: cpus });
      assert.deepEqual(m.git, { autoCommit: 'task', threshold: DEFAULT_GIT_THRESHOLD, push: false, configured: false, inPlace: false });
      assert.equal(DEFAULT_GIT_THRESHOLD, 10);
      assert.equal(m.onFailure, 'continue');
      assert.equal(m.stallAfterMs, 5 * 60_000);
      assert.deepEqual(m.requires, []);
      assert.deepEqual(m.quality, []);
      assert.deepEqual(m.agents, {});
      assert.deepEqual(m.tasks, [
        { id: 'build', title: 'build', dependsOn: [], requires: [], env: {}, retries: 0, allowRisky: false, run: 'make', isolation: 'shared', touches: [], review: false, allowedTools: [], expectChanges: false, onResume: 'continue' },
        { id: 'test', title: 'test', dependsOn: ['build'], requires: [], env: {}, retries: 0, allowRisky: false, run: 'make test', isolation: 'shared', touches: [], review: false, allowedTools: [], expectChanges: false, onResume: 'continue' },
      ]);
    });

    it('raises the default executors.max to executors.min when min is above the CPU count', () => {
      const min = Math.max(1, os.availableParallelism()) + 5;
      const p = parseMilestoneText(`id: many\nexecutors:\n  min: ${min}\ntasks:\n  - id: a\n    run: echo\n`, '/ws/many.yaml');
      assert.deepEqual(p.diagnostics, []);
      assert.deepEqual(p.milestone.executors, { min, max: min });
    });

    it('reads every key of a complete milestone', () => {
      const p = parseFixture('full.yaml');
      assert.deepEqual(p.diagnostics, []);
      const m = p.milestone;
      assert.equal(m.title, 'Everything set');
      assert.equal(m.description, 'A milestone with every key.');
      assert.equal(m.type, 'deployment');
      assert.equal(m.complexity, 'complex');
      assert.equal(m.branch, 'release/v2');
      assert.deepEqual(m.executors, { min: 2, max: 3 });
      assert.deepEqual(m.git, { autoCommit: 'threshold', threshold: 4, push: true, configured: true, inPlace: false });
      assert.deepEqual(m.requires, [{ raw: 'node >=18', name: 'node', range: '>=18' }, { raw: 'git', name: 'git' }]);
      assert.equal(m.onFailure, 'stop');
      assert.equal(m.stallAfterMs, 90_000);
      assert.deepEqual(m.agents, { local: { adapter: 'generic', command: ['./bin/agent', '--prompt', '{prompt}'] } });
      assert.deepEqual(m.quality, [{ id: 'unit', title: 'Unit tests', run: 'npm test', after: ['api'], blocking: false, timeoutMs: 120_000 }]);
      assert.deepEqual(m.tasks[0], {
        id: 'api',
        title: 'Build the API',
        run: 'npm run build:api',
        dependsOn: [],
        requires: [{ raw: 'npm ^10', name: 'npm', range: '^10' }],
        cwd: 'packages/api',
        env: { NODE_ENV: 'production', RETRIES: '3' },
        timeoutMs: 90_000,
        retries: 2,
        rollback: 'git checkout -- packages/api',
        allowRisky: false,
        isolation: 'shared',
        touches: [],
        review: false,
        allowedTools: [],
        expectChanges: false,
        onResume: 'continue',
      });
      // An agent task is isolated by default.
      assert.deepEqual(m.tasks[1], { id: 'docs', title: 'docs', agent: 'local', prompt: 'Document the API', dependsOn: ['api'], requires: [], env: {}, retries: 0, allowRisky: false, isolation: 'worktree', touches: [], review: false, allowedTools: [], expectChanges: false, onResume: 'continue' });
    });

    it('reads the agent fields: budgets, allowed tools, verify, expect_changes, on_resume, and profiles with an adapter', () => {
      const parsed = parseMilestoneText(`id: agents
budget_usd: 2.5
agents:
  fast: { adapter: claude, command: ["my-claude", "-p", "{prompt}"] }
  plain: ["/usr/bin/codex", "exec", "{prompt}"]
tasks:
  - id: a
    agent: fast
    prompt: Do it
    budget_usd: 0.25
    allowed_tools: [Write, "Bash(npm test:*)"]
    verify: npm test
    expect_changes: true
    on_resume: restart
`, '/ws/.milestones/agents.yaml');
      assert.deepEqual(parsed.diagnostics, []);
      const m = parsed.milestone;
      assert.equal(m.budgetUsd, 2.5);
      assert.deepEqual(m.agents, { fast: { adapter: 'claude', command: ['my-claude', '-p', '{prompt}'] }, plain: { adapter: 'codex', command: ['/usr/bin/codex', 'exec', '{prompt}'] } });
      const [t] = m.tasks;
      assert.equal(t?.budgetUsd, 0.25);
      assert.deepEqual(t?.allowedTools, ['Write', 'Bash(npm test:*)']);
      assert.equal(t?.verify, 'npm test');
      assert.equal(t?.expectChanges, true);
      assert.equal(t?.onResume, 'restart');
    });

    it('refuses a budget that is not a positive number, and a profile that is neither a list nor a mapping', () => {
      const parsed = parseMilestoneText(`id: agents
budget_usd: 0
agents:
  bad: claude
tasks:
  - { id: a, agent: bad, prompt: x, budget_usd: lots }
`, '/ws/.milestones/agents.yaml');
      const messages = parsed.diagnostics.map((d) => `${d.range.start.line + 1}: ${d.message}`);
      assert.deepEqual(messages, [
        '2: Budget_usd must be more than 0, not 0.',
        '4: Agents.bad should be a list of arguments, or a mapping with `command:`.',
        '6: Task "a" budget_usd should be a number, e.g. 0.50.',
      ]);
    });

    it('reads isolation, touches, setup and review, with the milestone defaults and git.in_place', () => {
      const m = parseMilestoneText(`id: iso
isolation: worktree
setup: npm ci
git: { in_place: true }
tasks:
  - { id: a, run: make }
  - { id: b, run: make, isolation: shared, touches: ["src/**", docs/a.md], setup: "true", review: true }
`, 'iso.yaml').milestone;
      assert.equal(m.git.inPlace, true);
      assert.deepEqual([m.tasks[0]!.isolation, m.tasks[0]!.setup, m.tasks[0]!.review], ['worktree', 'npm ci', false]);
      assert.deepEqual([m.tasks[1]!.isolation, m.tasks[1]!.setup, m.tasks[1]!.review, m.tasks[1]!.touches], ['shared', 'true', true, ['src/**', 'docs/a.md']]);
    });

    it('takes a gate as blocking unless it says blocking: false', () => {
      const p = parseMilestoneText('id: g\ntasks:\n  - id: a\n    run: echo\nquality:\n  - id: check\n    run: make check\n', '/ws/g.yaml');
      assert.deepEqual(p.milestone.quality, [{ id: 'check', title: 'check', run: 'make check', after: [], blocking: true }]);
    });

    it('reads bare numbers as seconds for durations', () => {
      const p = parseMilestoneText('id: n\nstall_after: 1.5\ntasks:\n  - id: a\n    run: echo\n    timeout: 90\n', '/ws/n.yaml');
      assert.deepEqual(p.diagnostics, []);
      assert.equal(p.milestone.stallAfterMs, 1500);
      assert.equal(p.milestone.tasks[0]!.timeoutMs, 90_000);
    });
  });

  describe('rangeOf', () => {
    const p = parseFixture('full.yaml');

    it('finds the value of a top-level key', () => {
      // `branch: release/v2` is line 5.
      assert.deepEqual(p.rangeOf(['branch']), range(5, 8, 5, 18));
    });

    it('finds the key itself when asked for it', () => {
      assert.deepEqual(p.rangeOf(['branch'], 'key'), range(5, 0, 5, 6));
      assert.deepEqual(p.rangeOf(['tasks', 0, 'run'], 'key'), range(33, 4, 33, 7));
    });

    it('finds nested values through list indexes', () => {
      // `    depends_on: [api]` is line 45, `api` starts at character 17.
      assert.deepEqual(p.rangeOf(['tasks', 1, 'depends_on', 0]), range(45, 17, 45, 20));
      assert.deepEqual(p.rangeOf(['tasks', 0, 'env', 'NODE_ENV']), range(37, 16, 37, 26));
      assert.deepEqual(p.rangeOf(['quality', 0, 'after', 0]), range(27, 12, 27, 15));
      assert.deepEqual(p.rangeOf(['agents', 'local', 2]), range(22, 6, 22, 16));
    });

    it('returns undefined for paths that are not in the file', () => {
      assert.equal(p.rangeOf(['tasks', 5, 'run']), undefined);
      assert.equal(p.rangeOf(['nope']), undefined);
      assert.equal(p.rangeOf(['tasks', 1, 'run']), undefined);
      assert.equal(p.rangeOf(['description'], 'key') !== undefined, true);
      assert.deepEqual(p.rangeOf(['title'], 'key'), range(1, 0, 1, 5));
    });
  });

  describe('parseRequirement', () => {
    it('splits a name from its range', () => {
      assert.deepEqual(parseRequirement('node >=18'), { raw: 'node >=18', name: 'node', range: '>=18' });
      assert.deepEqual(parseRequirement('  git  '), { raw: '  git  ', name: 'git' });
      assert.deepEqual(parseRequirement('python >=3.10 <4'), { raw: 'python >=3.10 <4', name: 'python', range: '>=3.10 <4' });
    });
  });
});
