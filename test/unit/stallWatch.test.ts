import { strict as assert } from 'node:assert';
import { StallWatch } from '../../src/core/agents/stallWatch';
import { FakeClock } from '../support/fakeClock';

describe('agents/stallWatch', () => {
  const setup = (): { clock: FakeClock; stalled: string[]; watch: StallWatch } => {
    const clock = new FakeClock();
    const stalled: string[] = [];
    return { clock, stalled, watch: new StallWatch(300, (t) => stalled.push(t), clock) };
  };

  it('reports a task silent for the whole wait, and only that one', () => {
    const { clock, stalled, watch } = setup();
    watch.arm('quiet');
    watch.arm('chatty');
    for (let i = 0; i < 10; i++) {
      clock.advance(299);
      watch.activity('chatty');
    }
    assert.deepEqual(stalled, ['quiet']);
  });

  it('reports each silence once, and a new one after the task printed again', () => {
    const { clock, stalled, watch } = setup();
    watch.arm('t');
    clock.advance(1000);
    assert.deepEqual(stalled, ['t'], 'one alert however long the silence');
    watch.activity('t');
    clock.advance(300);
    assert.deepEqual(stalled, ['t', 't']);
  });

  it('forgets a task once it ended: its late output arms nothing', () => {
    const { clock, stalled, watch } = setup();
    watch.arm('t');
    watch.clear('t');
    watch.activity('t');
    clock.advance(1000);
    assert.deepEqual(stalled, []);
    assert.equal(clock.waiting, 0);
  });

  it('dispose cancels every wait', () => {
    const { clock, stalled, watch } = setup();
    watch.arm('a');
    watch.arm('b');
    watch.dispose();
    clock.advance(1000);
    assert.deepEqual(stalled, []);
  });
});
