import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { agentArgv, DEFAULT_AGENT_PROFILES, resolveProfiles } from '../../src/core/milestone/profiles';

const NASTY = 'Fix "the bug" in it\'s `parser`; $(rm -rf ~) && echo $HOME\nsecond line * ? | > out';

describe('milestone/profiles', () => {
  describe('agentArgv', () => {
    it('puts the prompt into one argument, whatever it contains', () => {
      const argv = agentArgv(DEFAULT_AGENT_PROFILES.claude!, NASTY);
      assert.deepEqual(argv, ['claude', '-p', NASTY, '--permission-mode', 'acceptEdits']);
    });

    it('replaces {prompt} inside a larger argument and every occurrence of it', () => {
      assert.deepEqual(agentArgv(['bot', '--message={prompt}', '--echo', '{prompt}'], 'a b'), ['bot', '--message=a b', '--echo', 'a b']);
    });

    it('does not expand replacement patterns or a {prompt} inside the prompt', () => {
      assert.deepEqual(agentArgv(['bot', '{prompt}'], "$& $1 $` $' {prompt}"), ['bot', "$& $1 $` $' {prompt}"]);
    });

    it('leaves a profile without {prompt} unchanged, and an empty prompt as an empty argument', () => {
      assert.deepEqual(agentArgv(['bot', '--yes'], 'ignored'), ['bot', '--yes']);
      assert.deepEqual(agentArgv(['bot', '{prompt}'], ''), ['bot', '']);
    });

    it('reaches a real program as exactly one argument', () => {
      const argv = agentArgv([process.execPath, '-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', '{prompt}'], NASTY);
      const out = execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
      assert.deepEqual(JSON.parse(out), [NASTY]);
    });
  });

  describe('resolveProfiles', () => {
    it('ships claude, codex and aider', () => {
      assert.deepEqual(Object.keys(DEFAULT_AGENT_PROFILES), ['claude', 'codex', 'aider']);
      for (const argv of Object.values(DEFAULT_AGENT_PROFILES)) assert.ok(argv.includes('{prompt}'));
      assert.deepEqual(resolveProfiles({}), DEFAULT_AGENT_PROFILES);
    });

    it('lets settings override the defaults and the milestone override both', () => {
      const p = resolveProfiles({ claude: ['my-claude', '{prompt}'], own: ['own', '{prompt}'] }, { claude: ['settings-claude', '{prompt}'], codex: ['settings-codex', '{prompt}'] });
      assert.deepEqual(p.claude, ['my-claude', '{prompt}']);
      assert.deepEqual(p.codex, ['settings-codex', '{prompt}']);
      assert.deepEqual(p.aider, DEFAULT_AGENT_PROFILES.aider);
      assert.deepEqual(p.own, ['own', '{prompt}']);
    });
  });
});
