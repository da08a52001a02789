// Spec output plus the counts written to a file, so scripts/test.mjs can add up the suites.
const fs = require('node:fs');
const Mocha = require('mocha');

class CountingReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once('end', () => {
      const out = process.env.MILESTONE_TEST_STATS;
      if (out) fs.writeFileSync(out, JSON.stringify({ passes: runner.stats.passes, failures: runner.stats.failures, pending: runner.stats.pending }));
    });
  }
}

module.exports = CountingReporter;
