import { strict as assert } from 'node:assert';
import { assertValidId, ID_PATTERN, ID_RULE, isValidBranchName, isValidId } from '../../src/core/ids';

describe('ids', () => {
  describe('isValidId', () => {
    it('accepts lower-case names with digits, dots, underscores and dashes', () => {
      for (const ok of ['a', '0', 'api', 'build-2', 'v1.2.3', 'a_b', 'x-y.z_0', '9lives']) assert.equal(isValidId(ok), true, ok);
    });

    it('accepts 64 characters and refuses 65', () => {
      assert.equal(isValidId('a'.repeat(64)), true);
      assert.equal(isValidId('a'.repeat(65)), false);
    });

    it('refuses "..", anywhere, and path separators', () => {
      for (const bad of ['..', 'a..b', 'a..', '../x', 'a/b', 'a\\b', '/abs', 'x/..']) assert.equal(isValidId(bad), false, bad);
    });

    it('refuses upper case, a leading symbol, spaces, other characters and non-strings', () => {
      for (const bad of ['A', 'Api', 'apI', '.hidden', '-x', '_x', '', 'a b', 'a\nb', 'é', 'a:b', 'a$b']) assert.equal(isValidId(bad), false, JSON.stringify(bad));
      for (const bad of [1, null, undefined, {}, ['a']]) assert.equal(isValidId(bad), false, JSON.stringify(bad));
    });

    it('ID_PATTERN alone allows ".." (isValidId adds that check)', () => {
      assert.equal(ID_PATTERN.test('a..b'), true);
      assert.equal(isValidId('a..b'), false);
    });
  });

  describe('assertValidId', () => {
    it('returns a valid id and throws with the rule for an invalid one', () => {
      assert.equal(assertValidId('ok-id', 'task id'), 'ok-id');
      assert.throws(() => assertValidId('../etc', 'task id'), { message: `Invalid task id "../etc": use ${ID_RULE}.` });
      assert.throws(() => assertValidId(42, 'session id'), { message: `Invalid session id 42: use ${ID_RULE}.` });
    });
  });

  describe('isValidBranchName', () => {
    it('accepts up to four segments of letters, digits, ".", "_" and "-" (any case)', () => {
      for (const ok of ['main', 'milestone/api', 'Feature/JIRA-12_fix', 'a/b/c/d', 'release/v1.2']) assert.equal(isValidBranchName(ok), true, ok);
    });

    it('refuses what git refuses, and more than four segments', () => {
      for (const bad of ['a/b/c/d/e', 'x.lock', 'feature/x.lock', 'x.', 'a..b', '', '/a', 'a/', 'a//b', '-x', '.x', 'a b', 'a~1', 'a^', 'a:b', 'a@{1}']) {
        assert.equal(isValidBranchName(bad), false, JSON.stringify(bad));
      }
    });
  });
});
