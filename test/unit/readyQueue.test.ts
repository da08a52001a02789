import { strict as assert } from 'node:assert';
import { ReadyQueue } from '../../src/core/coordinator/readyQueue';

/** Deterministic pseudo-random numbers (mulberry32). */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const drain = (q: ReadyQueue): string[] => {
  const out: string[] = [];
  for (let id = q.pop(); id !== undefined; id = q.pop()) out.push(id);
  return out;
};

describe('coordinator/readyQueue', () => {
  it('pops the highest priority first', () => {
    const q = new ReadyQueue();
    q.push('low', 1, 0);
    q.push('high', 9, 1);
    q.push('mid', 5, 2);
    assert.equal(q.size, 3);
    assert.deepEqual(drain(q), ['high', 'mid', 'low']);
    assert.equal(q.size, 0);
    assert.equal(q.pop(), undefined);
  });

  it('breaks ties by the order of the tasks in the milestone', () => {
    const q = new ReadyQueue();
    q.push('c', 2, 2);
    q.push('a', 2, 0);
    q.push('z', 3, 9);
    q.push('b', 2, 1);
    assert.deepEqual(drain(q), ['z', 'a', 'b', 'c']);
  });

  it('ignores a task pushed twice', () => {
    const q = new ReadyQueue();
    q.push('a', 1, 0);
    q.push('a', 100, 0);
    assert.equal(q.size, 1);
    assert.deepEqual(drain(q), ['a']);
    // Once popped, it may be pushed again.
    q.push('a', 1, 0);
    assert.equal(q.has('a'), true);
  });

  it('removes a task from anywhere and keeps the order of the rest', () => {
    const q = new ReadyQueue();
    ['a', 'b', 'c', 'd', 'e', 'f', 'g'].forEach((id, i) => q.push(id, 10 - i, i));
    assert.equal(q.remove('c'), true);
    assert.equal(q.remove('c'), false);
    assert.equal(q.remove('nope'), false);
    assert.equal(q.remove('g'), true, 'the last element');
    assert.equal(q.has('c'), false);
    assert.equal(q.size, 5);
    assert.deepEqual(drain(q), ['a', 'b', 'd', 'e', 'f']);
  });

  it('clear empties the queue and returns what was in it', () => {
    const q = new ReadyQueue();
    q.push('a', 1, 0);
    q.push('b', 2, 1);
    assert.deepEqual(q.clear().sort(), ['a', 'b']);
    assert.equal(q.size, 0);
    assert.equal(q.has('a'), false);
    assert.deepEqual(q.ids(), []);
    q.push('a', 1, 0);
    assert.deepEqual(q.ids(), ['a']);
  });

  it('agrees with a sorted list under random pushes, pops and removes', () => {
    const rand = prng(42);
    const q = new ReadyQueue();
    const model = new Map<string, { priority: number; order: number }>();
    const best = (): string | undefined =>
      [...model.entries()].sort(([, x], [, y]) => y.priority - x.priority || x.order - y.order)[0]?.[0];
    for (let step = 0; step < 3000; step++) {
      const r = rand();
      if (r < 0.5) {
        const order = Math.floor(rand() * 500);
        const id = `t${order}`;
        const priority = Math.floor(rand() * 20);
        q.push(id, priority, order);
        if (!model.has(id)) model.set(id, { priority, order });
      } else if (r < 0.8) {
        const expected = best();
        assert.equal(q.pop(), expected, `step ${step}`);
        if (expected) model.delete(expected);
      } else {
        const id = `t${Math.floor(rand() * 500)}`;
        assert.equal(q.remove(id), model.delete(id), `step ${step}`);
      }
      assert.equal(q.size, model.size);
    }
    assert.deepEqual(drain(q), [...model.entries()].sort(([, x], [, y]) => y.priority - x.priority || x.order - y.order).map(([id]) => id));
  });
});
