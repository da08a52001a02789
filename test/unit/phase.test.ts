import { strict as assert } from 'node:assert';
import { Lifecycle, pauseFor, type Phase } from '../../src/core/coordinator/phase';
import type { Diagnostic } from '../../src/core/milestone/diagnostics';
import type { EventData } from '../../src/core/session/events';
import { range } from './helpers';

const PHASES: readonly Phase[] = ['starting', 'running', 'paused', 'stopping', 'finishing', 'closed'];

// Written out again rather than read from the module: the table is the specification the
// module is checked against, so a move added or dropped there by mistake shows up here.
const ALLOWED: Readonly<Record<Phase, readonly Phase[]>> = {
  starting: ['running', 'paused', 'stopping'],
  running: ['paused', 'stopping', 'finishing'],
  paused: ['running', 'stopping'],
  stopping: ['closed'],
  finishing: ['stopping', 'closed'],
  closed: [],
};

/** The shortest allowed way from `starting` to each phase. */
const PATH_TO: Readonly<Record<Phase, readonly Phase[]>> = {
  starting: [],
  running: ['running'],
  paused: ['paused'],
  stopping: ['stopping'],
  finishing: ['running', 'finishing'],
  closed: ['stopping', 'closed'],
};

function lifecycleIn(phase: Phase): Lifecycle {
  const lc = new Lifecycle();
  for (const step of PATH_TO[phase]) lc.to(step);
  assert.equal(lc.phase, phase);
  return lc;
}

function diagnostic(severity: Diagnostic['severity'], line: number, character: number, message: string): Diagnostic {
  return { file: '/ws/.milestones/m.yaml', range: range(line, character, line, character + 3), severity, code: 'dependency-cycle', message };
}

function dependencyIssues(data: EventData['dependency_issues']) {
  return { type: 'dependency_issues' as const, data };
}

describe('coordinator/phase', () => {
  describe('Lifecycle', () => {
    it('starts in starting', () => {
      assert.equal(new Lifecycle().phase, 'starting');
    });

    for (const from of PHASES) {
      for (const to of PHASES) {
        const allowed = ALLOWED[from].includes(to);
        it(`${allowed ? 'allows' : 'refuses'} ${from} → ${to}`, () => {
          const lc = lifecycleIn(from);
          assert.equal(lc.can(to), allowed);
          if (allowed) {
            lc.to(to);
            assert.equal(lc.phase, to);
          } else {
            assert.throws(() => lc.to(to), { message: `coordinator phase ${from} → ${to} is not allowed` });
            assert.equal(lc.phase, from, 'a refused move leaves the phase as it was');
          }
        });
      }
    }

    it('says running, stopping and over for each phase', () => {
      const seen = PHASES.map((p) => {
        const lc = lifecycleIn(p);
        return { p, running: lc.running, stopping: lc.stopping, over: lc.over };
      });
      assert.deepEqual(seen, [
        { p: 'starting', running: false, stopping: false, over: false },
        { p: 'running', running: true, stopping: false, over: false },
        { p: 'paused', running: false, stopping: false, over: false },
        { p: 'stopping', running: false, stopping: true, over: true },
        // Finishing still deploys and replaces agents (the end is being written), but starts no task.
        { p: 'finishing', running: false, stopping: false, over: true },
        { p: 'closed', running: false, stopping: true, over: true },
      ]);
    });
  });

  describe('pauseFor', () => {
    it('pauses for a git conflict, with its detail', () => {
      assert.deepEqual(pauseFor({ type: 'git_conflict', data: { kind: 'unmerged', detail: 'unmerged paths: a.txt' } }), {
        reason: 'git conflict: unmerged paths: a.txt',
        by: 'git_conflict',
      });
    });

    it('pauses for a critical dependency issue found during the run, naming the first error as file:line:col', () => {
      const issues = [diagnostic('warning', 0, 0, 'only a warning'), diagnostic('error', 4, 2, 'a → b → a'), diagnostic('error', 9, 0, 'a second error')];
      for (const source of ['file_changed', 'task_failed', 'tool_check'] as const) {
        assert.deepEqual(pauseFor(dependencyIssues({ source, critical: true, issues })), {
          reason: 'dependency issue: /ws/.milestones/m.yaml:5:3: error [dependency-cycle] a → b → a',
          by: 'dependency_issues',
        });
      }
    });

    it('points at the Problems panel when a critical issue carries no error diagnostic', () => {
      assert.deepEqual(pauseFor(dependencyIssues({ source: 'tool_check', critical: true, issues: [diagnostic('warning', 1, 1, 'w')] })), {
        reason: 'dependency issue: see the Problems panel',
        by: 'dependency_issues',
      });
    });

    it('does not pause for issues found at the start: validation refused the run already if they were critical', () => {
      assert.equal(pauseFor(dependencyIssues({ source: 'start', critical: true, issues: [diagnostic('error', 0, 0, 'e')] })), undefined);
    });

    it('does not pause for a non-critical dependency issue', () => {
      assert.equal(pauseFor(dependencyIssues({ source: 'file_changed', critical: false, issues: [diagnostic('error', 0, 0, 'e')] })), undefined);
    });

    it('does not pause for other events', () => {
      assert.equal(pauseFor({ type: 'git_error', data: { operation: 'commit', message: 'failed' } }), undefined);
      assert.equal(pauseFor({ type: 'task_failed', data: { task: 'a', agent: 'executor-1', attempt: 1, duration_ms: 5, exit_code: 1, signal: null, reason: 'exit', message: 'exit 1', final: true } }), undefined);
    });
  });
});
