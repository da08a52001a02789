import { strict as assert } from 'node:assert';
import { commitMessage } from '../../src/core/git/repository';

describe('agents/git commitMessage', () => {
  it('is `<milestone>: <title> [<task>]`, or without the task', () => {
    assert.equal(commitMessage('demo', 'Build the API', 'api'), 'demo: Build the API [api]');
    assert.equal(commitMessage('demo', 'Final commit'), 'demo: Final commit');
  });

  it('removes newlines and control characters and collapses white space', () => {
    assert.equal(commitMessage('demo', 'Add\nthe\r\nAPI\tnow', 'api'), 'demo: Add the API now [api]');
    assert.equal(commitMessage('demo', '  bell\u0007 and\u0000nul\u001b[31m red \u007f del  ', 't'), 'demo: bell and nul [31m red del [t]');
    const msg = commitMessage('demo', 'line one\n\nline two\u2028', 't');
    assert.ok(!/[\u0000-\u001f\u007f]/.test(msg), JSON.stringify(msg)); // eslint-disable-line no-control-regex
  });

  it('shortens titles over 72 characters to 71 and an ellipsis', () => {
    const long = 'x'.repeat(100);
    const msg = commitMessage('demo', long, 'api');
    assert.equal(msg, `demo: ${'x'.repeat(71)}… [api]`);
    assert.equal(commitMessage('demo', 'y'.repeat(72)), `demo: ${'y'.repeat(72)}`);
    assert.equal(commitMessage('demo', 'z'.repeat(73)), `demo: ${'z'.repeat(71)}…`);
  });

  it('measures the length after cleaning', () => {
    const title = `${'a '.repeat(36)}\n\n\n`;
    // 36 × "a " trimmed is 71 characters: short enough to keep whole.
    assert.equal(commitMessage('demo', title), `demo: ${'a '.repeat(35)}a`);
  });
});
