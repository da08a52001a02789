import { strict as assert } from 'node:assert';
import { editDistance, suggest } from '../../src/core/milestone/suggest';

describe('milestone/suggest', () => {
  describe('editDistance', () => {
    it('counts insertions, deletions and substitutions', () => {
      assert.equal(editDistance('', ''), 0);
      assert.equal(editDistance('abc', 'abc'), 0);
      assert.equal(editDistance('', 'abc'), 3);
      assert.equal(editDistance('abc', ''), 3);
      assert.equal(editDistance('kitten', 'sitting'), 3);
      assert.equal(editDistance('depend_on', 'depends_on'), 1);
      assert.equal(editDistance('flaw', 'lawn'), 2);
    });

    it('is symmetric', () => {
      for (const [a, b] of [['claud', 'claude'], ['x', 'xyz'], ['abcdef', 'azced']] as const) {
        assert.equal(editDistance(a, b), editDistance(b, a));
      }
    });

    it('counts a transposition as two edits (plain Levenshtein)', () => {
      assert.equal(editDistance('titel', 'title'), 2);
    });
  });

  describe('suggest', () => {
    it('returns the closest candidate within a length-scaled limit', () => {
      assert.equal(suggest('claud', ['claude', 'codex', 'aider']), 'claude');
      assert.equal(suggest('developmnet', ['development', 'testing', 'deployment', 'custom']), 'development');
      assert.equal(suggest('depend_on', ['depends_on', 'description']), 'depends_on');
    });

    it('returns undefined when nothing is close', () => {
      assert.equal(suggest('zzz', ['build', 'test']), undefined);
      assert.equal(suggest('colour', ['id', 'title', 'run']), undefined);
      assert.equal(suggest('x', []), undefined);
    });

    it('allows one edit for short words and a third of the length for long ones', () => {
      assert.equal(suggest('ab', ['xb']), 'xb');
      assert.equal(suggest('ab', ['xy']), undefined);
      assert.equal(suggest('abcdef', ['abcdxy']), 'abcdxy');
      assert.equal(suggest('abcdef', ['abcxyz']), undefined);
    });

    it('ignores case when comparing but returns the candidate as written', () => {
      assert.equal(suggest('CLAUDE', ['claude']), 'claude');
      assert.equal(suggest('node', ['Node']), 'Node');
    });

    it('prefers the nearer of two candidates, and the first of two equally near', () => {
      assert.equal(suggest('tests', ['text', 'test']), 'test');
      assert.equal(suggest('cat', ['bat', 'hat']), 'bat');
    });
  });
});
