import { strict as assert } from 'node:assert';
import { rollbackOrder } from '../../src/core/agents/workflow';
import type { ProcessSpec } from '../../src/core/process/processSpec';
import type { JournalEvent } from '../../src/core/session/events';
import { EventFactory } from './helpers';

const SESSION = 'wf-20250101-100000-abcd';

function step(task: string): { task: string; spec: ProcessSpec } {
  return { task, spec: { command: { shell: `undo ${task}` }, cwd: '/ws', env: {}, logFile: `/ws/logs/${task}.log`, graceMs: 100, header: `$ undo ${task}` } };
}

/** A journal in which the tasks complete in the order given (a task may come twice). */
function completions(...tasks: string[]): JournalEvent[] {
  const f = new EventFactory(SESSION);
  return tasks.flatMap((task) => [
    f.make('task_started', { task, agent: 'executor-1', attempt: 1, pid: 100, command: 'x' }),
    f.advance(10).make('task_completed', { task, agent: 'executor-1', attempt: 1, duration_ms: 10 }),
  ]);
}

const order = (steps: readonly { task: string }[]): string[] => steps.map((s) => s.task);

describe('agents/workflow', () => {
  describe('rollbackOrder', () => {
    it('undoes the last completed task first', () => {
      assert.deepEqual(order(rollbackOrder([step('a'), step('b'), step('c')], completions('a', 'b', 'c'))), ['c', 'b', 'a']);
      assert.deepEqual(order(rollbackOrder([step('a'), step('b'), step('c')], completions('b', 'c', 'a'))), ['a', 'c', 'b']);
    });

    it('ranks a task completed twice (reset and run again) by its latest completion', () => {
      assert.deepEqual(order(rollbackOrder([step('a'), step('b')], completions('a', 'b', 'a'))), ['a', 'b']);
    });

    it('puts the tasks the history does not show completing first: they completed after it was read', () => {
      assert.deepEqual(order(rollbackOrder([step('a'), step('late'), step('b')], completions('a', 'b'))), ['late', 'b', 'a']);
    });

    it('keeps the given order between tasks that rank the same', () => {
      assert.deepEqual(order(rollbackOrder([step('x'), step('a'), step('y'), step('z')], completions('a'))), ['x', 'y', 'z', 'a']);
      assert.deepEqual(order(rollbackOrder([step('z'), step('y'), step('x')], [])), ['z', 'y', 'x']);
    });

    it('leaves the steps it is given as they were', () => {
      const steps = [step('a'), step('b')];
      const sorted = rollbackOrder(steps, completions('a', 'b'));
      assert.deepEqual(order(steps), ['a', 'b']);
      assert.equal(sorted[0], steps[1], 'the same step objects, reordered');
    });
  });
});
