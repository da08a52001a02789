// Runs the suites one after the other (unit, integration, then the real editor) and ends
// with one line, `tests: N passed, N failed`, that CI and people can read at a glance.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const only = process.argv.slice(2);
const suites = [
  { name: 'unit', config: '.mocharc.unit.json' },
  { name: 'integration', config: '.mocharc.integration.json' },
  { name: 'e2e', config: '.mocharc.e2e.json' },
].filter((s) => existsSync(s.config) && (only.length === 0 || only.includes(s.name)));

const dir = mkdtempSync(join(tmpdir(), 'milestone-tests-'));
let passed = 0;
let failed = 0;
const problems = [];
for (const suite of suites) {
  const stats = join(dir, `${suite.name}.json`);
  process.stdout.write(`\n=== ${suite.name} tests ===\n`);
  const r = spawnSync(process.execPath, ['node_modules/mocha/bin/mocha.js', '--config', suite.config], {
    stdio: 'inherit',
    env: { ...process.env, MILESTONE_TEST_STATS: stats },
  });
  if (existsSync(stats)) {
    const s = JSON.parse(readFileSync(stats, 'utf8'));
    passed += s.passes;
    failed += s.failures;
    if (s.failures) problems.push(`${suite.name}: ${s.failures} failed`);
  } else {
    // The suite died before mocha could report (a crash, or a before() hook that threw).
    failed += 1;
    problems.push(`${suite.name}: did not complete (exit code ${r.status ?? r.signal})`);
  }
  if (r.status !== 0 && existsSync(stats) && JSON.parse(readFileSync(stats, 'utf8')).failures === 0) {
    failed += 1;
    problems.push(`${suite.name}: mocha exited with ${r.status}`);
  }
}
rmSync(dir, { recursive: true, force: true });
if (problems.length) process.stdout.write(`\n${problems.join('\n')}\n`);
process.stdout.write(`\ntests: ${passed} passed, ${failed} failed\n`);
process.exit(failed ? 1 : 0);
