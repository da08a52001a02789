import { strict as assert } from 'node:assert';
import { formatDiagnostic, hasErrors, type Diagnostic } from '../../src/core/milestone/diagnostics';
import { range } from './helpers';

describe('milestone/diagnostics', () => {
  const d = (severity: Diagnostic['severity']): Diagnostic => ({ file: '/w/.milestones/m.yaml', range: range(4, 17, 4, 18), severity, code: 'dependency-cycle', message: 'Dependency cycle a → b → a.' });

  it('formats one-based like a compiler', () => {
    assert.equal(formatDiagnostic(d('error')), '/w/.milestones/m.yaml:5:18: error [dependency-cycle] Dependency cycle a → b → a.');
  });

  it('hasErrors ignores warnings and infos', () => {
    assert.equal(hasErrors([]), false);
    assert.equal(hasErrors([d('warning'), d('info')]), false);
    assert.equal(hasErrors([d('warning'), d('error')]), true);
  });
});
