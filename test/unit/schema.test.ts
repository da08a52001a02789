import { strict as assert } from 'node:assert';
import { ID_PATTERN } from '../../src/core/ids';
import { parseDuration } from '../../src/core/duration';
import { AUTO_COMMIT_MODES, COMPLEXITIES, FAILURE_POLICIES, MILESTONE_SPEC, MILESTONE_TYPES, specAt, toJsonSchema } from '../../src/core/milestone/schema';

type Schema = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('milestone/schema', () => {
  const schema = toJsonSchema() as Schema;

  describe('toJsonSchema', () => {
    it('is a draft-07 schema for an object with exactly the milestone keys', () => {
      assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
      assert.equal(schema.title, 'Milestone');
      assert.equal(schema.type, 'object');
      assert.equal(schema.additionalProperties, false);
      assert.deepEqual(schema.required, ['id', 'tasks']);
      assert.deepEqual(Object.keys(schema.properties as object), [
        'id', 'title', 'description', 'type', 'complexity', 'branch', 'executors', 'git', 'requires', 'quality', 'agents', 'budget_usd', 'isolation', 'setup', 'on_failure', 'stall_after', 'tasks',
      ]);
      assert.deepEqual(Object.keys(schema.properties as object), Object.keys(MILESTONE_SPEC.fields));
    });

    it('lists the enum values', () => {
      assert.deepEqual(schema.properties.type.enum, ['development', 'testing', 'deployment', 'custom']);
      assert.deepEqual(schema.properties.type.enum, MILESTONE_TYPES.map((e) => e.value));
      assert.deepEqual(schema.properties.complexity.enum, COMPLEXITIES.map((e) => e.value));
      assert.deepEqual(schema.properties.on_failure.enum, ['continue', 'stop']);
      assert.deepEqual(schema.properties.on_failure.enum, FAILURE_POLICIES.map((e) => e.value));
      assert.deepEqual(schema.properties.git.properties.auto_commit.enum, AUTO_COMMIT_MODES.map((e) => e.value));
    });

    it('uses the id pattern of ids.ts for every id field', () => {
      assert.equal(schema.properties.id.pattern, ID_PATTERN.source);
      const task = schema.properties.tasks.items;
      assert.equal(task.properties.id.pattern, ID_PATTERN.source);
      assert.equal(task.properties.depends_on.items.pattern, ID_PATTERN.source);
      assert.equal(schema.properties.quality.items.properties.id.pattern, ID_PATTERN.source);
      assert.equal(schema.properties.quality.items.properties.after.items.pattern, ID_PATTERN.source);
    });

    it('closes the nested objects and keeps their required keys', () => {
      const task = schema.properties.tasks.items;
      assert.equal(schema.properties.tasks.type, 'array');
      assert.equal(task.type, 'object');
      assert.equal(task.additionalProperties, false);
      assert.deepEqual(task.required, ['id']);
      assert.equal(task.$schema, undefined, 'only the root names the draft');
      const gate = schema.properties.quality.items;
      assert.equal(gate.additionalProperties, false);
      assert.deepEqual(gate.required, ['id', 'run']);
      assert.equal(schema.properties.executors.additionalProperties, false);
      assert.equal(schema.properties.executors.required, undefined);
      assert.deepEqual(schema.properties.executors.properties.min, { description: 'Executors kept alive (default 1).', type: 'integer', minimum: 1 });
      assert.equal(task.properties.retries.minimum, 0);
      assert.equal(task.properties.allow_risky.type, 'boolean');
    });

    it('describes maps: env values may be scalars, agent profiles are lists of strings or { adapter, command }', () => {
      const task = schema.properties.tasks.items;
      assert.equal(task.properties.env.type, 'object');
      assert.deepEqual(task.properties.env.additionalProperties, { type: ['string', 'number', 'boolean'] });
      const agents = schema.properties.agents;
      assert.equal(agents.type, 'object');
      const [list, object] = agents.additionalProperties.oneOf;
      assert.equal(list.type, 'array');
      assert.equal(list.items.type, 'string');
      assert.deepEqual(object.required, ['command']);
      assert.deepEqual(object.properties.adapter.enum, ['claude', 'codex', 'generic']);
      assert.equal(object.properties.command.type, 'array');
    });

    it('accepts as a duration string exactly what parseDuration accepts', () => {
      const duration = schema.properties.stall_after;
      assert.deepEqual(duration.anyOf[0], { type: 'number', minimum: 0 });
      const re = new RegExp(duration.anyOf[1].pattern as string);
      for (const s of ['90s', '2m', '1h30m', '500ms', '1.5s', '10', '2.5', '1m30s']) {
        assert.ok(re.test(s), s);
        assert.notEqual(parseDuration(s), undefined, s);
      }
      for (const s of ['5 minutes', '10x', 'm', '', '-1s', '1d']) {
        assert.ok(!re.test(s), s);
        assert.equal(parseDuration(s), undefined, s);
      }
    });

    it('carries the documentation of every field', () => {
      assert.equal(schema.description, MILESTONE_SPEC.doc);
      assert.equal(schema.properties.tasks.items.properties.prompt.description, 'Prompt passed to the agent profile as one argument, never through a shell.');
    });
  });

  describe('specAt', () => {
    it('walks objects, lists and maps', () => {
      assert.equal(specAt([]), MILESTONE_SPEC);
      assert.equal(specAt(['tasks'])?.type, 'array');
      assert.equal(specAt(['tasks', 0])?.type, 'object');
      assert.equal(specAt(['tasks', 0, 'retries'])?.type, 'integer');
      assert.equal(specAt(['tasks', 'timeout'])?.type, 'duration', 'an array of objects can be skipped over');
      assert.equal(specAt(['tasks', 3, 'env', 'ANY_NAME'])?.type, 'string');
      assert.equal(specAt(['agents', 'mine', 1])?.type, 'string');
      assert.equal(specAt(['agents', 'mine', 'adapter'])?.type, 'string');
      assert.equal(specAt(['agents', 'mine', 'command', 0])?.type, 'string');
      assert.equal(specAt(['git', 'auto_commit'])?.type, 'string');
    });

    it('returns undefined for paths outside the schema', () => {
      assert.equal(specAt(['nope']), undefined);
      assert.equal(specAt(['id', 'deeper']), undefined);
      assert.equal(specAt(['tasks', 0, 'nope', 'x']), undefined);
      assert.equal(specAt(['title', 0]), undefined);
    });
  });
});
