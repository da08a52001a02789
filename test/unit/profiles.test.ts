import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { adapterOf, agentArgv, DEFAULT_AGENT_PROFILES, isAgentProfile, passesPrompt, resolveProfiles, usableProfiles } from '../../src/core/milestone/profiles';
import { validateMilestoneText } from '../../src/core/milestone/validate';
import { readSettings } from '../../src/server/settings';

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
      assert.deepEqual(resolveProfiles({}), Object.fromEntries(Object.entries(DEFAULT_AGENT_PROFILES).map(([k, argv]) => [k, { adapter: adapterOf(argv), command: argv }])));
      assert.deepEqual(Object.values(resolveProfiles({})).map((p) => p.adapter), ['claude', 'codex', 'generic']);
    });

    it('lets settings override the defaults and the milestone override both', () => {
      const p = resolveProfiles({ claude: { adapter: 'generic', command: ['my-claude', '{prompt}'] }, own: { adapter: 'claude', command: ['own', '{prompt}'] } }, { claude: ['settings-claude', '{prompt}'], codex: ['/opt/bin/codex', '{prompt}'] });
      assert.deepEqual(p.claude, { adapter: 'generic', command: ['my-claude', '{prompt}'] });
      assert.deepEqual(p.codex, { adapter: 'codex', command: ['/opt/bin/codex', '{prompt}'] });
      assert.deepEqual(p.aider, { adapter: 'generic', command: DEFAULT_AGENT_PROFILES.aider });
      assert.deepEqual(p.own, { adapter: 'claude', command: ['own', '{prompt}'] });
    });
  });

  describe('the rule for a profile (one for milestone files, editor settings and the language server)', () => {
    const CANDIDATES: [string, unknown, boolean][] = [
      ['a program and the prompt', ['bot', '{prompt}'], true],
      ['a program alone', ['bot'], true],
      ['no {prompt}', ['bot', '--yes'], true],
      ['an empty list', [], false],
      ['an empty program name', [''], false],
      ['a blank program name', ['  ', '{prompt}'], false],
      ['a number among the strings', ['bot', 1], false],
      ['a string, not a list', 'bot {prompt}', false],
      ['null', null, false],
    ];

    it('accepts a non-empty list of strings that starts with a program name', () => {
      for (const [what, argv, ok] of CANDIDATES) assert.equal(isAgentProfile(argv), ok, what);
    });

    it('tells a profile that passes the prompt from one that does not', () => {
      assert.equal(passesPrompt(['bot', '--message={prompt}']), true);
      assert.equal(passesPrompt(['bot', '--yes']), false);
    });

    it('keeps the usable profiles of a settings map and names the others', () => {
      assert.deepEqual(usableProfiles({ bot: ['bot', '{prompt}'], blank: [''], deaf: ['deaf'] }), { profiles: { bot: ['bot', '{prompt}'], deaf: ['deaf'] }, rejected: ['blank'] });
    });

    it('is the same rule in the language server settings and in a milestone file', async () => {
      for (const [what, argv, ok] of CANDIDATES) {
        const server = readSettings({ agentProfiles: { p: argv } });
        assert.equal('p' in server.settings.agentProfiles, ok, `server: ${what}`);
        // In a milestone file a non-list is the schema's wrong-type error, and a YAML number
        // in a list of arguments is the text it reads as ("5" in [bot, --turns, 5]), as in
        // every text field of the file: only lists of strings are compared here.
        if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string')) continue;
        const yaml = `id: prof\nagents:\n  p: ${JSON.stringify(argv)}\ntasks:\n  - { id: a, agent: p, prompt: go }\n`;
        const r = await validateMilestoneText(yaml, '/ws/.milestones/prof.yaml', { tools: false });
        const refused = r.diagnostics.some((d) => d.severity === 'error' && d.message.startsWith('Agent profile "p" has no command'));
        assert.equal(!refused, ok, `milestone file: ${what}: ${JSON.stringify(r.diagnostics)}`);
      }
    });
  });
});
