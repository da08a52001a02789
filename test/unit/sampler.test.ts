import { strict as assert } from 'node:assert';
import { Sampler } from '../../src/core/agents/sampler';

describe('agents/sampler', () => {
  it('sends the first value at once, holds back what comes within the interval (merged), and sends it on flush', () => {
    let now = 1000;
    const sent: { action: string; count: number }[] = [];
    const s = new Sampler<{ action: string; count: number }>(250, (v) => sent.push(v), (held, next) => ({ action: next.action, count: (held?.count ?? 0) + next.count }), () => now);
    s.push({ action: 'Read a', count: 1 });
    assert.deepEqual(sent, [{ action: 'Read a', count: 1 }]);
    now += 100;
    s.push({ action: 'Read b', count: 1 });
    s.push({ action: 'Write c', count: 1 });
    assert.equal(sent.length, 1, 'within the interval: held back');
    s.flush();
    assert.deepEqual(sent[1], { action: 'Write c', count: 2 });
    s.flush();
    assert.equal(sent.length, 2, 'nothing held: nothing sent');
    now += 250;
    s.push({ action: 'Bash: npm test', count: 1 });
    assert.deepEqual(sent[2], { action: 'Bash: npm test', count: 1 }, 'an interval after the last send: at once');
  });

  it('keeps only the latest value by default', () => {
    let now = 1000;
    const sent: string[] = [];
    const s = new Sampler<string>(250, (v) => sent.push(v), undefined, () => now);
    s.push('one');
    now = 1010;
    s.push('two');
    s.push('three');
    s.flush();
    assert.deepEqual(sent, ['one', 'three']);
  });
});
