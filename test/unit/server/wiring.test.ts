import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Debouncer } from '../../../src/server/debounce';
import { milestoneSchemaText, SCHEMA_PATH } from '../../../src/server/jsonSchema';
import { classifyWatchedFile, milestoneFileOf } from '../../../src/server/paths';
import { readSettings, SettingsCache } from '../../../src/server/settings';
import { fileWatchers, WATCHED_GLOBS } from '../../../src/server/watchers';
import { REPO_ROOT } from '../helpers';

const uri = (p: string): string => pathToFileURL(p).href;

describe('server wiring', () => {
  describe('JSON Schema', () => {
    it('is committed exactly as the milestone spec generates it (run `node --import tsx scripts/schema.mjs` to update)', () => {
      assert.equal(readFileSync(path.join(REPO_ROOT, SCHEMA_PATH), 'utf8'), milestoneSchemaText());
    });
  });

  describe('paths', () => {
    it('handles YAML files directly in .milestones, as file: URIs only', () => {
      assert.equal(milestoneFileOf(uri('/ws/.milestones/demo.yaml')), '/ws/.milestones/demo.yaml');
      assert.equal(milestoneFileOf(uri('/ws/.milestones/my demo.yml')), '/ws/.milestones/my demo.yml');
      assert.equal(milestoneFileOf(uri('/ws/.milestones/sessions/demo-1.yaml')), undefined);
      assert.equal(milestoneFileOf(uri('/ws/.milestones/sessions/demo-1/agents/executor-1.yaml')), undefined);
      assert.equal(milestoneFileOf(uri('/ws/config/demo.yaml')), undefined);
      assert.equal(milestoneFileOf(uri('/ws/.milestones/notes.md')), undefined);
      assert.equal(milestoneFileOf('untitled:Untitled-1'), undefined);
      assert.equal(milestoneFileOf('vscode-vfs://github/o/r/.milestones/demo.yaml'), undefined);
    });

    it('tells milestone changes from session changes in watcher notifications', () => {
      assert.deepEqual(classifyWatchedFile(uri('/ws/.milestones/demo.yaml')), { kind: 'milestone', file: '/ws/.milestones/demo.yaml' });
      assert.deepEqual(classifyWatchedFile(uri('/ws/.milestones/sessions/demo-1/events.jsonl')), { kind: 'session', workspace: '/ws' });
      assert.deepEqual(classifyWatchedFile(uri('/ws/.milestones/sessions/demo-1.yaml')), { kind: 'session', workspace: '/ws' });
      assert.deepEqual(classifyWatchedFile(uri('/.milestones/sessions/demo-1.yaml')), { kind: 'session', workspace: '/' });
      assert.deepEqual(classifyWatchedFile(uri('/ws/src/index.ts')), { kind: 'other' });
    });
  });

  describe('settings', () => {
    it('reads agent profiles and names each malformed one instead of failing', () => {
      assert.deepEqual(readSettings(undefined), { settings: { agentProfiles: {} }, problems: [] });
      assert.deepEqual(readSettings({ agentProfiles: { bot: ['bot', '{prompt}'], empty: [], mixed: ['x', 1], blank: [''], deaf: ['deaf', '--yes'] } }), {
        settings: { agentProfiles: { bot: ['bot', '{prompt}'], deaf: ['deaf', '--yes'] } },
        problems: [
          'milestones.agentProfiles.empty should be a non-empty list of strings that starts with the program to run, e.g. ["empty", "{prompt}"]; it is ignored.',
          'milestones.agentProfiles.mixed should be a non-empty list of strings that starts with the program to run, e.g. ["mixed", "{prompt}"]; it is ignored.',
          'milestones.agentProfiles.blank should be a non-empty list of strings that starts with the program to run, e.g. ["blank", "{prompt}"]; it is ignored.',
          'milestones.agentProfiles.deaf has no {prompt} argument, so the task\'s prompt is never passed: add "{prompt}" where it goes.',
        ],
      });
      assert.deepEqual(readSettings({ agentProfiles: ['bot'] }).problems, ['milestones.agentProfiles should map profile names to argument vectors; it is ignored.']);
    });
  });

  describe('SettingsCache', () => {
    it('asks once per document until reset, keeps the options object, and warns once per problem', async () => {
      const asked: string[] = [];
      const warnings: string[] = [];
      const cache = new SettingsCache(
        (u) => {
          asked.push(u);
          return Promise.resolve({ agentProfiles: { bot: ['bot', '{prompt}'], bad: 'bot' } });
        },
        (w) => warnings.push(w),
      );
      const first = await cache.optionsFor('file:///a.yaml');
      assert.deepEqual(first, { profiles: { bot: ['bot', '{prompt}'] } });
      assert.equal(await cache.optionsFor('file:///a.yaml'), first);
      await cache.optionsFor('file:///b.yaml');
      assert.deepEqual(asked, ['file:///a.yaml', 'file:///b.yaml']);
      assert.equal(warnings.length, 1);
      cache.reset();
      assert.notEqual(await cache.optionsFor('file:///a.yaml'), first);
      assert.equal(asked.length, 3);
    });

    it('falls back to the defaults when the client cannot answer', async () => {
      const warnings: string[] = [];
      const cache = new SettingsCache(() => Promise.reject(new Error('no configuration')), (w) => warnings.push(w));
      assert.deepEqual(await cache.optionsFor('file:///a.yaml'), { profiles: {} });
      assert.deepEqual(warnings, ['Could not read the milestones.* settings: no configuration; using the defaults.']);
    });
  });

  describe('file watchers', () => {
    it('scopes the globs to the workspace folders when the client takes relative patterns', () => {
      const folders = [{ uri: 'file:///a', name: 'a' }, { uri: 'file:///b', name: 'b' }];
      assert.deepEqual(fileWatchers(folders, false), WATCHED_GLOBS.map((globPattern) => ({ globPattern })));
      assert.deepEqual(fileWatchers([], true), WATCHED_GLOBS.map((globPattern) => ({ globPattern })));
      const scoped = fileWatchers(folders, true);
      assert.equal(scoped.length, 2 * WATCHED_GLOBS.length);
      assert.deepEqual(scoped[0], { globPattern: { baseUri: 'file:///a', pattern: '**/.milestones/*.{yaml,yml}' } });
      assert.deepEqual(scoped.at(-1), { globPattern: { baseUri: 'file:///b', pattern: '**/.milestones/sessions/*/events.jsonl' } });
    });
  });

  describe('Debouncer', () => {
    it('runs only the last call scheduled for a key, and each key on its own', async () => {
      const d = new Debouncer<string>(1);
      const ran: string[] = [];
      const both = new Promise<void>((resolve) => {
        const done = (what: string): void => {
          ran.push(what);
          if (ran.length === 2) resolve();
        };
        d.schedule('a', () => done('a1'));
        d.schedule('b', () => done('b1'));
        d.schedule('a', () => done('a2'));
      });
      await both;
      assert.deepEqual(ran.sort(), ['a2', 'b1']);
    });

    it('forgets a cancelled call', async () => {
      const d = new Debouncer<string>(1);
      const ran: string[] = [];
      await new Promise<void>((resolve) => {
        d.schedule('a', () => ran.push('a'));
        d.cancel('a');
        d.schedule('b', () => resolve());
      });
      assert.deepEqual(ran, []);
      d.dispose();
    });
  });
});
