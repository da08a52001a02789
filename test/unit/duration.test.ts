import { strict as assert } from 'node:assert';
import { formatDuration, parseDuration } from '../../src/core/duration';

describe('duration', () => {
  describe('parseDuration', () => {
    it('parses unit suffixes and their combinations', () => {
      assert.equal(parseDuration('500ms'), 500);
      assert.equal(parseDuration('90s'), 90_000);
      assert.equal(parseDuration('2m'), 120_000);
      assert.equal(parseDuration('1h'), 3_600_000);
      assert.equal(parseDuration('1m30s'), 90_000);
      assert.equal(parseDuration('1h30m'), 5_400_000);
      assert.equal(parseDuration('1h2m3s4ms'), 3_723_004);
      assert.equal(parseDuration('10m5s'), 605_000);
    });

    it('parses fractions and rounds to whole milliseconds', () => {
      assert.equal(parseDuration('1.5s'), 1500);
      assert.equal(parseDuration('0.25h'), 900_000);
      assert.equal(parseDuration('1.2345s'), 1235);
    });

    it('reads a bare number, or numeric text, as seconds', () => {
      assert.equal(parseDuration(2), 2000);
      assert.equal(parseDuration(0), 0);
      assert.equal(parseDuration(1.5), 1500);
      assert.equal(parseDuration('10'), 10_000);
      assert.equal(parseDuration('2.5'), 2500);
    });

    it('ignores surrounding white space', () => {
      assert.equal(parseDuration('  2m  '), 120_000);
    });

    it('refuses malformed input', () => {
      for (const bad of ['', 'abc', '5 minutes', '1m 30s', '1d', '-1s', 's', '1.s', '.5s', '10x', '1ms5']) {
        assert.equal(parseDuration(bad), undefined, JSON.stringify(bad));
      }
      for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, null, undefined, true, {}, ['1s']]) {
        assert.equal(parseDuration(bad), undefined, JSON.stringify(bad));
      }
    });
  });

  describe('formatDuration', () => {
    it('prints milliseconds below a second', () => {
      assert.equal(formatDuration(0), '0ms');
      assert.equal(formatDuration(999), '999ms');
      assert.equal(formatDuration(12.4), '12ms');
    });

    it('prints seconds with one decimal below ten seconds, whole seconds below a minute', () => {
      assert.equal(formatDuration(1000), '1.0s');
      assert.equal(formatDuration(1500), '1.5s');
      assert.equal(formatDuration(9_940), '9.9s');
      assert.equal(formatDuration(12_000), '12s');
      assert.equal(formatDuration(45_400), '45s');
    });

    it('prints minutes and seconds, then hours and minutes', () => {
      assert.equal(formatDuration(60_000), '1m');
      assert.equal(formatDuration(90_000), '1m30s');
      assert.equal(formatDuration(30 * 60_000), '30m');
      assert.equal(formatDuration(3_600_000), '1h0m');
      assert.equal(formatDuration(5_400_000), '1h30m');
      assert.equal(formatDuration(26 * 3_600_000 + 5 * 60_000), '26h5m');
    });

    it('never prints 60 seconds: rounding carries into the next unit', () => {
      // 119.7 s rounds to 120 s, which is 2m, not "1m60s".
      assert.equal(formatDuration(119_700), '2m');
      assert.equal(formatDuration(59_600), '1m');
      assert.equal(formatDuration(3_599_700), '1h0m');
    });

    it('round-trips through parseDuration for whole units', () => {
      for (const ms of [500, 12_000, 60_000, 90_000, 30 * 60_000, 5_400_000]) {
        assert.equal(parseDuration(formatDuration(ms)), ms, formatDuration(ms));
      }
    });
  });
});
