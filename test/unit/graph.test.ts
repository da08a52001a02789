import { strict as assert } from 'node:assert';
import { buildGraph, criticalPathLengths, findCycles, topologicalOrder, transitiveDependents, type TaskGraphInput } from '../../src/core/milestone/graph';

const t = (id: string, ...dependsOn: string[]): TaskGraphInput => ({ id, dependsOn });

/** A diamond: b and c depend on a, d depends on b and c. */
const diamond = (): TaskGraphInput[] => [t('a'), t('b', 'a'), t('c', 'a'), t('d', 'b', 'c')];

/** t0 ← t1 ← … ← t(n-1): each task depends on the one before it. */
const chain = (n: number): TaskGraphInput[] => Array.from({ length: n }, (_, i) => (i === 0 ? t('t0') : t(`t${i}`, `t${i - 1}`)));

/** Is `order` a valid topological order of `graph` (every dependency before its dependent)? */
function assertTopological(order: string[], tasks: TaskGraphInput[]): void {
  const pos = new Map(order.map((id, i) => [id, i]));
  for (const task of tasks) {
    for (const d of task.dependsOn) {
      if (pos.has(task.id) && pos.has(d)) assert.ok(pos.get(d)! < pos.get(task.id)!, `${d} before ${task.id}`);
    }
  }
}

describe('milestone/graph', () => {
  describe('buildGraph', () => {
    it('keeps edges in both directions, in task order', () => {
      const g = buildGraph(diamond());
      assert.deepEqual(g.ids, ['a', 'b', 'c', 'd']);
      assert.deepEqual(Object.fromEntries(g.deps), { a: [], b: ['a'], c: ['a'], d: ['b', 'c'] });
      assert.deepEqual(Object.fromEntries(g.dependents), { a: ['b', 'c'], b: ['d'], c: ['d'], d: [] });
    });

    it('drops unknown and repeated dependencies', () => {
      const g = buildGraph([t('a'), t('b', 'a', 'ghost', 'a')]);
      assert.deepEqual(g.deps.get('b'), ['a']);
      assert.deepEqual(g.dependents.get('a'), ['b']);
      assert.equal(g.dependents.has('ghost'), false);
    });

    it('uses the first definition of a duplicated id', () => {
      const g = buildGraph([t('a'), t('b', 'a'), t('b')]);
      assert.deepEqual(g.deps.get('b'), ['a']);
      assert.deepEqual(g.dependents.get('a'), ['b']);
    });
  });

  describe('findCycles', () => {
    it('finds a three-task cycle as a closed path in dependency direction', () => {
      assert.deepEqual(findCycles(buildGraph([t('a', 'b'), t('b', 'c'), t('c', 'a'), t('d', 'a')])), [['a', 'b', 'c', 'a']]);
    });

    it('finds each of several disjoint cycles once', () => {
      const cycles = findCycles(buildGraph([t('a', 'b'), t('b', 'a'), t('free'), t('x', 'y'), t('y', 'z'), t('z', 'x'), t('after', 'x')]));
      assert.equal(cycles.length, 2);
      const normalised = cycles.map((c) => [...new Set(c)].sort().join(','));
      assert.deepEqual(normalised.sort(), ['a,b', 'x,y,z']);
      for (const c of cycles) {
        assert.equal(c[0], c[c.length - 1], 'a cycle ends where it starts');
        const g = buildGraph([t('a', 'b'), t('b', 'a'), t('x', 'y'), t('y', 'z'), t('z', 'x')]);
        for (let i = 0; i + 1 < c.length; i++) assert.ok(g.deps.get(c[i]!)!.includes(c[i + 1]!), `${c[i]} depends on ${c[i + 1]}`);
      }
    });

    it('finds a self-loop', () => {
      assert.deepEqual(findCycles(buildGraph([t('a'), t('loop', 'loop', 'a')])), [['loop', 'loop']]);
    });

    it('reports a shortest cycle when a component holds several', () => {
      // a→b→a and a→c→d→a share a: one component, reported by its shortest cycle through a.
      const cycles = findCycles(buildGraph([t('a', 'c', 'b'), t('b', 'a'), t('c', 'd'), t('d', 'a')]));
      assert.deepEqual(cycles, [['a', 'b', 'a']]);
    });

    it('finds no cycle in a diamond or an empty graph', () => {
      assert.deepEqual(findCycles(buildGraph(diamond())), []);
      assert.deepEqual(findCycles(buildGraph([])), []);
    });

    it('walks a 10,000-task chain without overflowing the stack', () => {
      // Reversed so the search from the first id goes 10,000 levels deep.
      const tasks = chain(10_000).reverse();
      assert.deepEqual(findCycles(buildGraph(tasks)), []);
      // Closing the chain makes one cycle through all 10,000 tasks.
      tasks[tasks.length - 1] = t('t0', 't9999');
      const cycles = findCycles(buildGraph(tasks));
      assert.equal(cycles.length, 1);
      assert.equal(cycles[0]!.length, 10_001);
      assert.equal(cycles[0]![0], cycles[0]![10_000]);
    });
  });

  describe('topologicalOrder', () => {
    it('puts dependencies before dependents, in task order among equals', () => {
      assert.deepEqual(topologicalOrder(buildGraph(diamond())), ['a', 'b', 'c', 'd']);
      const tasks = [t('d', 'b', 'c'), t('c', 'a'), t('b', 'a'), t('a')];
      const order = topologicalOrder(buildGraph(tasks));
      assert.deepEqual(order, ['a', 'c', 'b', 'd']);
      assertTopological(order, tasks);
    });

    it('leaves out the tasks on a cycle and those behind it', () => {
      const order = topologicalOrder(buildGraph([t('ok'), t('a', 'b', 'ok'), t('b', 'a'), t('after', 'a'), t('also', 'ok')]));
      assert.deepEqual(order, ['ok', 'also']);
    });

    it('orders a long chain', () => {
      const tasks = chain(10_000).reverse();
      const order = topologicalOrder(buildGraph(tasks));
      assert.equal(order.length, 10_000);
      assert.equal(order[0], 't0');
      assert.equal(order[9_999], 't9999');
      assertTopological(order, tasks);
    });
  });

  describe('criticalPathLengths', () => {
    it('counts the longest remaining path including the task itself', () => {
      const lengths = criticalPathLengths(buildGraph(diamond()));
      assert.deepEqual(Object.fromEntries(lengths), { a: 3, b: 2, c: 2, d: 1 });
    });

    it('weights tasks by their estimated duration', () => {
      const weights: Record<string, number> = { a: 5, b: 1, c: 10, d: 2 };
      const lengths = criticalPathLengths(buildGraph(diamond()), (id) => weights[id]!);
      // d = 2; b = 1 + 2; c = 10 + 2; a = 5 + max(b, c) = 17.
      assert.deepEqual(Object.fromEntries(lengths), { a: 17, b: 3, c: 12, d: 2 });
    });

    it('counts down a chain and handles independent tasks', () => {
      const lengths = criticalPathLengths(buildGraph([...chain(4), t('alone')]));
      assert.deepEqual(Object.fromEntries(lengths), { t0: 4, t1: 3, t2: 2, t3: 1, alone: 1 });
    });

    it('gives no length to tasks on a cycle', () => {
      const lengths = criticalPathLengths(buildGraph([t('x'), t('a', 'b'), t('b', 'a')]));
      assert.deepEqual([...lengths.keys()], ['x']);
    });
  });

  describe('transitiveDependents', () => {
    it('collects every task that depends on one, directly or not', () => {
      const g = buildGraph([...diamond(), t('e', 'd'), t('other')]);
      assert.deepEqual(transitiveDependents(g, 'a').sort(), ['b', 'c', 'd', 'e']);
      assert.deepEqual(transitiveDependents(g, 'c').sort(), ['d', 'e']);
      assert.deepEqual(transitiveDependents(g, 'e'), []);
      assert.deepEqual(transitiveDependents(g, 'unknown'), []);
    });

    it('terminates on a cycle', () => {
      const g = buildGraph([t('a', 'b'), t('b', 'a'), t('c', 'a')]);
      assert.deepEqual(transitiveDependents(g, 'a').sort(), ['a', 'b', 'c']);
    });
  });
});
