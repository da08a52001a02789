import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { checkTool, findOnPath, readToolVersion, ToolChecker, TOOL_NAME } from '../../src/core/milestone/tools';
import { TempDirs, writeScript } from './helpers';

describe('milestone/tools', () => {
  const temp = new TempDirs();
  let a: string;
  let b: string;

  beforeEach(async () => {
    a = await temp.make('ma-path-a-');
    b = await temp.make('ma-path-b-');
    await writeScript(path.join(a, 'faketool'), '#!/bin/sh\necho "faketool version 1.4.2"\n');
    await writeScript(path.join(b, 'faketool'), '#!/bin/sh\necho "faketool 3.0.0"\n');
    await writeScript(path.join(b, 'stderr-tool'), '#!/bin/sh\necho "stderr-tool v2.7" >&2\nexit 1\n');
    await writeScript(path.join(b, 'prerelease'), '#!/bin/sh\necho "prerelease 2.0.0-beta.3"\n');
    await writeScript(path.join(b, 'major-only'), '#!/bin/sh\necho "major-only release 12"\n');
    await fs.writeFile(path.join(b, 'not-executable'), '#!/bin/sh\necho 1.0.0\n', { mode: 0o644 });
    await fs.mkdir(path.join(b, 'a-folder'));
  });
  afterEach(() => temp.cleanup());

  describe('TOOL_NAME', () => {
    it('accepts program names and refuses paths and shell syntax', () => {
      for (const ok of ['node', 'g++', 'python3.12', 'docker-compose', 'x_y']) assert.ok(TOOL_NAME.test(ok), ok);
      for (const bad of ['', '-rf', '../bin/x', 'a/b', '$(id)', 'a b', '!node']) assert.ok(!TOOL_NAME.test(bad), bad);
    });
  });

  describe('findOnPath', () => {
    it('finds the first executable file along PATH', async () => {
      assert.equal(await findOnPath('faketool', [a, b].join(path.delimiter)), path.join(a, 'faketool'));
      assert.equal(await findOnPath('faketool', ['', b, a].join(path.delimiter)), path.join(b, 'faketool'));
    });

    it('skips non-executable files and folders, and refuses names that are not tool names', async () => {
      assert.equal(await findOnPath('not-executable', b), undefined);
      assert.equal(await findOnPath('a-folder', b), undefined);
      assert.equal(await findOnPath('absent', `${a}${path.delimiter}${b}`), undefined);
      assert.equal(await findOnPath(`../${path.basename(b)}/faketool`, a), undefined);
      assert.equal(await findOnPath('faketool', ''), undefined);
    });
  });

  describe('readToolVersion', () => {
    it('reads the first version in the output of --version, from stdout or stderr', async () => {
      assert.equal(await readToolVersion(path.join(a, 'faketool')), '1.4.2');
      assert.equal(await readToolVersion(path.join(b, 'stderr-tool')), '2.7.0');
      assert.equal(await readToolVersion(path.join(b, 'major-only')), '12.0.0');
      assert.equal(await readToolVersion(path.join(b, 'prerelease')), '2.0.0');
    });

    it('gives undefined for a program that cannot run', async () => {
      assert.equal(await readToolVersion(path.join(b, 'absent')), undefined);
    });
  });

  describe('checkTool', () => {
    it('answers ok, missing or version', async () => {
      assert.deepEqual(await checkTool({ raw: 'faketool', name: 'faketool' }, a), { status: 'ok', name: 'faketool', path: path.join(a, 'faketool') });
      assert.deepEqual(await checkTool({ raw: 'faketool ^1.4', name: 'faketool', range: '^1.4' }, a), { status: 'ok', name: 'faketool', path: path.join(a, 'faketool'), version: '1.4.2' });
      assert.deepEqual(await checkTool({ raw: 'faketool >=2', name: 'faketool', range: '>=2' }, a), { status: 'version', name: 'faketool', path: path.join(a, 'faketool'), version: '1.4.2', range: '>=2' });
      assert.deepEqual(await checkTool({ raw: 'nope', name: 'nope' }, a), { status: 'missing', name: 'nope' });
    });
  });

  describe('ToolChecker', () => {
    it('caches an answer per PATH, name and range until cleared', async () => {
      const checker = new ToolChecker();
      const first = checker.check({ raw: 'faketool ^1', name: 'faketool', range: '^1' }, a);
      assert.equal(checker.check({ raw: 'faketool ^1', name: 'faketool', range: '^1' }, a), first);
      assert.notEqual(checker.check({ raw: 'faketool ^1', name: 'faketool', range: '^1' }, b), first, 'another PATH is another question');
      assert.notEqual(checker.check({ raw: 'faketool ^3', name: 'faketool', range: '^3' }, a), first, 'another range is another question');
      assert.equal((await first).status, 'ok');
      checker.clear();
      assert.notEqual(checker.check({ raw: 'faketool ^1', name: 'faketool', range: '^1' }, a), first);
    });

    it('sees a new tool after the cache expires (ttl 0)', async () => {
      const checker = new ToolChecker(0);
      assert.equal((await checker.check({ raw: 'late', name: 'late' }, a)).status, 'missing');
      await writeScript(path.join(a, 'late'), '#!/bin/sh\necho 1.0.0\n');
      assert.equal((await checker.check({ raw: 'late', name: 'late' }, a)).status, 'ok');
    });
  });
});
