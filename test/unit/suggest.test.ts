import { strict as assert } from 'node:assert';
import { TASK_SPEC } from '../../src/core/milestone/schema';
import { editDistance, prefixDistance, suggest } from '../../src/core/milestone/suggest';

const TASK_KEYS = TASK_SPEC.type === 'object' ? Object.keys(TASK_SPEC.fields) : [];

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

    it('counts a swap of two neighbouring letters as one edit (optimal string alignment)', () => {
      assert.equal(editDistance('titel', 'title'), 1);
      assert.equal(editDistance('ab', 'ba'), 1);
      assert.equal(editDistance('depnedson', 'dependson'), 1);
      // OSA, not full Damerau: a swapped pair is not edited again.
      assert.equal(editDistance('ca', 'abc'), 3);
    });
  });

  describe('prefixDistance', () => {
    it('is the distance to the nearest start of the second word', () => {
      assert.equal(prefixDistance('desc', 'description'), 0);
      assert.equal(prefixDistance('retry', 'retries'), 1);
      assert.equal(prefixDistance('dependz', 'dependson'), 1);
      assert.equal(prefixDistance('xyz', 'description'), 3);
    });

    it('only counts starts at least minLength long', () => {
      assert.equal(prefixDistance('ab', 'abcdef', 4), 2);
      assert.equal(prefixDistance('abcd', 'abcdef', 4), 0);
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

    it('catches the common slips in task keys: swaps, abbreviations, plurals and separators', () => {
      const cases: [string, string][] = [
        ['titel', 'title'],
        ['dependz', 'depends_on'],
        ['depends', 'depends_on'],
        ['dependson', 'depends_on'],
        ['depends-on', 'depends_on'],
        ['DependsOn', 'depends_on'],
        ['timout', 'timeout'],
        ['timeout_ms', 'timeout'],
        ['retry', 'retries'],
        ['desc', 'description'],
        ['allowrisky', 'allow_risky'],
      ];
      for (const [typo, key] of cases) assert.equal(suggest(typo, TASK_KEYS), key, typo);
    });

    it('suggests nothing for short or unrelated words', () => {
      for (const word of ['x', 're', 'tim', 'deps', 'name', 'tags', 'user', 'colour', 'runner', 'command', 'script', 'output', 'priority']) {
        assert.equal(suggest(word, TASK_KEYS), undefined, word);
      }
    });

    it('takes a start shared by several candidates as no suggestion at all', () => {
      assert.equal(suggest('build', ['build-api', 'build-web', 'lint']), undefined);
      assert.equal(suggest('build', ['build-api', 'lint']), 'build-api');
      assert.equal(suggest('test', ['development', 'testing', 'deployment', 'custom']), 'testing');
    });

    it('prefers a near word over an abbreviation', () => {
      assert.equal(suggest('tests', ['testing', 'test']), 'test');
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
