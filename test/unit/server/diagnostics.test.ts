import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import { ToolChecker } from '../../../src/core/milestone/tools';
import { SOURCE, toLspDiagnostics, toolDiagnostics } from '../../../src/server/features/diagnostics';
import { DiagnosticsPublisher } from '../../../src/server/diagnosticsPublisher';
import { range, TempDirs, writeScript } from '../helpers';
import { fixtureAnalysis, lines, textAnalysis } from './support';

/** The server's diagnostics for a fixture, without tool checks, as code@line:char-line:char. */
function published(name: string, profiles?: Record<string, string[]>): Diagnostic[] {
  const a = fixtureAnalysis(name, profiles ? { profiles } : {});
  return toLspDiagnostics(a.diagnostics, a.document.uri);
}

const at = (list: readonly Diagnostic[]): string[] =>
  list.map((d) => `${String(d.code)}@${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}`);

describe('server/diagnostics', () => {
  describe('the rules, on fixture files', () => {
    it('reports YAML syntax errors, and nothing that would follow from the broken structure', () => {
      const d = published('syntax.yaml');
      assert.deepEqual(at(d), ['yaml-syntax@5:2-5:3', 'yaml-syntax@5:8-5:9', 'yaml-syntax@5:8-6:7']);
      assert.match(d[0]!.message, /^YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a \]/);
      assert.ok(d.every((x) => x.severity === DiagnosticSeverity.Error && x.source === SOURCE));
    });

    it('reports an unknown key with "did you mean", a wrong type and an invalid id', () => {
      const d = published('shape.yaml');
      assert.deepEqual(at(d), ['wrong-type@4:13-4:17', 'unknown-key@5:4-5:13', 'invalid-id@6:8-6:14']);
      assert.equal(d[0]!.message, 'Task "build" retries should be a whole number.');
      assert.match(d[1]!.message, /^Unknown key "dependson" in task "build"\. Did you mean "depends_on"\?/);
      assert.deepEqual(d[1]!.data, { suggestion: 'depends_on' });
      assert.match(d[2]!.message, /^Task "Bad_Id" id "Bad_Id" is not a valid id/);
    });

    it('reports duplicate ids, unknown dependencies and a cycle on each of its edges', () => {
      const d = published('references.yaml');
      assert.deepEqual(at(d), [
        'unknown-dependency@6:24-6:28',
        'dependency-cycle@6:30-6:36',
        'dependency-cycle@10:8-10:12',
        'duplicate-id@11:8-11:13',
        'unknown-dependency@16:12-16:17',
      ]);
      assert.deepEqual(d[0]!.data, { dependency: 'lint' });
      assert.deepEqual(d[4]!.data, { dependency: 'tesst', suggestion: 'test' });
      for (const edge of [d[1]!, d[2]!]) assert.match(edge.message, /^Dependency cycle test → deploy → test: /);
      assert.deepEqual(d[1]!.data, { cycle: ['test', 'deploy', 'test'], from: 'test', to: 'deploy' });
      assert.deepEqual(d[2]!.data, { cycle: ['test', 'deploy', 'test'], from: 'deploy', to: 'test' });
    });

    it('links each cycle edge to the others, and a duplicate id to its first use', () => {
      const d = published('references.yaml');
      const uri = fixtureAnalysis('references.yaml').document.uri;
      assert.deepEqual(d[1]!.relatedInformation, [{ location: { uri, range: range(10, 8, 10, 12) }, message: '"deploy" depends on "test"' }]);
      assert.deepEqual(d[2]!.relatedInformation, [{ location: { uri, range: range(6, 30, 6, 36) }, message: '"test" depends on "deploy"' }]);
      assert.deepEqual(d[3]!.relatedInformation, [{ location: { uri, range: range(2, 8, 2, 13) }, message: '"build" is first used here' }]);
      assert.equal(d[0]!.relatedInformation, undefined);
    });

    it('reports risky commands, a cwd outside the workspace and undefined agent profiles', () => {
      const d = published('safety.yaml');
      assert.deepEqual(at(d), ['risky-command@3:9-3:17', 'cwd-outside-workspace@6:9-6:14', 'unknown-agent-profile@8:11-8:16', 'unknown-agent-profile@11:11-11:19']);
      assert.match(d[0]!.message, /deletes the root directory: refused/);
      assert.match(d[1]!.message, /^Task "elsewhere" has cwd "\.\.\/\.\.", which is outside the workspace /);
      assert.deepEqual(d[2]!.data, { suggestion: 'claude' });
      assert.match(d[3]!.message, /^Agent profile "reviewer" is not defined\./);
    });

    it('knows the agent profiles of the settings', () => {
      assert.deepEqual(at(published('safety.yaml', { reviewer: ['review-bot', '{prompt}'] })), ['risky-command@3:9-3:17', 'cwd-outside-workspace@6:9-6:14', 'unknown-agent-profile@8:11-8:16']);
    });

    it('says nothing about a correct milestone', () => {
      assert.deepEqual(published('demo.yaml'), []);
    });

    it('maps severities and keeps code and data for the quick fixes', () => {
      const a = textAnalysis(lines('id: sev', 'tasks:', '  - id: a', '    prompt: unused', '    run: echo'));
      const [d] = toLspDiagnostics(a.diagnostics, a.document.uri);
      assert.deepEqual(d, {
        range: range(3, 12, 3, 18),
        severity: DiagnosticSeverity.Warning,
        code: 'task-command',
        source: 'milestones',
        message: 'Task "a" has a prompt but no `agent`, so the prompt is unused: add `agent: claude` (or another profile).',
      });
    });
  });

  describe('tool checks', () => {
    const temp = new TempDirs();
    let bin: string;

    beforeEach(async () => {
      bin = await temp.make('ma-server-bin-');
      await writeScript(path.join(bin, 'fake-tool'), '#!/bin/sh\necho "fake-tool 1.4.2"\n');
    });
    afterEach(() => temp.cleanup());

    it('reports a tool missing from PATH and one outside the declared range, at the requirement', async () => {
      const d = toLspDiagnostics(await toolDiagnostics(fixtureAnalysis('tools.yaml'), new ToolChecker(), bin), 'file:///tools.yaml');
      const sorted = [...d].sort((x, y) => x.range.start.character - y.range.start.character);
      assert.deepEqual(at(sorted), ['tool-version@1:11-1:26', 'tool-missing@1:28-1:51']);
      assert.equal(sorted[0]!.message, `Required "fake-tool >=2" but found fake-tool 1.4.2 at ${path.join(bin, 'fake-tool')}: install a version in >=2.`);
      assert.deepEqual(sorted[1]!.data, { tool: 'no-such-tool-anywhere' });
    });

    it('does not look tools up while the YAML does not parse', async () => {
      const a = textAnalysis(lines('id: t', 'requires: [no-such-tool-anywhere', 'tasks: []'));
      assert.deepEqual(await toolDiagnostics(a, new ToolChecker(), bin), []);
    });
  });

  describe('DiagnosticsPublisher', () => {
    const temp = new TempDirs();
    afterEach(() => temp.cleanup());

    interface Publication {
      uri: string;
      version: number | undefined;
      codes: string[];
    }

    function recorder(): { published: Publication[]; next: () => Promise<Publication>; publish: (uri: string, version: number | undefined, d: Diagnostic[]) => void } {
      const published: Publication[] = [];
      const waiting: ((p: Publication) => void)[] = [];
      return {
        published,
        next: () => new Promise((resolve) => waiting.push(resolve)),
        publish: (uri, version, d) => {
          const p = { uri, version, codes: d.map((x) => String(x.code)) };
          published.push(p);
          waiting.splice(0).forEach((w) => w(p));
        },
      };
    }

    it('publishes the checks without I/O first, then everything once a slow tool answers', async () => {
      const bin = await temp.make('ma-server-slow-');
      const gate = path.join(bin, 'gate');
      execFileSync('mkfifo', [gate]);
      // `--version` blocks until the test writes to the FIFO: the tool is exactly as slow as the test needs.
      await writeScript(path.join(bin, 'slow-tool'), `#!/bin/sh\ncat "${gate}" >/dev/null\necho "slow-tool 1.0.0"\n`);
      const r = recorder();
      const publisher = new DiagnosticsPublisher({ checker: new ToolChecker(), send: r.publish, envPath: bin });
      const a = textAnalysis(lines('id: slow', 'requires: ["slow-tool >=2"]', 'tasks:', '  - id: a', '    run: echo', '    depends_on: [nope]'), undefined, {}, 7);
      const first = r.next();
      const done = publisher.publish(a);
      assert.deepEqual(await first, { uri: a.document.uri, version: 7, codes: ['unknown-dependency'] });
      await fs.writeFile(gate, 'go\n');
      const all = await done;
      assert.deepEqual(all?.map((d) => d.code), ['tool-version', 'unknown-dependency']);
      assert.deepEqual(r.published.at(-1), { uri: a.document.uri, version: 7, codes: ['tool-version', 'unknown-dependency'] });
      assert.equal(r.published.length, 2);
    });

    it('publishes once when the tool answers are already cached', async () => {
      const bin = await temp.make('ma-server-bin-');
      await writeScript(path.join(bin, 'fake-tool'), '#!/bin/sh\necho "fake-tool 3.0.0"\n');
      const r = recorder();
      const publisher = new DiagnosticsPublisher({ checker: new ToolChecker(), send: r.publish, envPath: bin });
      const a = textAnalysis(lines('id: cached', 'requires: ["fake-tool >=2", missing-tool-x]', 'tasks: [{ id: a, run: echo }]'));
      await publisher.publish(a);
      r.published.length = 0;
      await publisher.publish(textAnalysis(a.document.getText(), undefined, {}, 2));
      assert.deepEqual(r.published, [{ uri: a.document.uri, version: 2, codes: ['tool-missing'] }]);
    });

    it('runs no tool in an untrusted workspace', async () => {
      const bin = await temp.make('ma-server-untrusted-');
      const ran = path.join(bin, 'ran');
      await writeScript(path.join(bin, 'marker-tool'), `#!/bin/sh\ntouch "${ran}"\necho "marker-tool 1.0.0"\n`);
      const r = recorder();
      const publisher = new DiagnosticsPublisher({ checker: new ToolChecker(), send: r.publish, envPath: bin, toolsAllowed: () => false });
      const a = textAnalysis(lines('id: untrusted', 'requires: ["marker-tool >=2", missing-tool-x]', 'tasks: [{ id: a, run: echo }]'));
      assert.deepEqual(await publisher.publish(a), []);
      await assert.rejects(fs.access(ran));
    });

    it('drops a validation that a newer one of the same document overtook', async () => {
      const r = recorder();
      const publisher = new DiagnosticsPublisher({ checker: new ToolChecker(), send: r.publish, envPath: '' });
      const v1 = textAnalysis(lines('id: race', 'tasks: [{ id: a, run: echo, depends_on: [x] }]'), undefined, {}, 1);
      const v2 = textAnalysis(lines('id: race', 'tasks: [{ id: a, run: echo }]'), undefined, {}, 2);
      const [first, second] = await Promise.all([publisher.publish(v1), publisher.publish(v2)]);
      assert.equal(first, undefined);
      assert.deepEqual(second, []);
      assert.ok(r.published.every((p) => p.version === 2), JSON.stringify(r.published));
    });

    it('publishes a file read from disk under no version', async () => {
      const r = recorder();
      const publisher = new DiagnosticsPublisher({ checker: new ToolChecker(), send: r.publish, envPath: '' });
      const a = textAnalysis(lines('id: disk', 'tasks: [{ id: a, run: echo, depends_on: [x] }]'), undefined, {}, 0);
      await publisher.publish(a, 'disk');
      assert.deepEqual(r.published, [{ uri: a.document.uri, version: undefined, codes: ['unknown-dependency'] }]);
    });

    it('clears a closed document and ignores what was still running for it', async () => {
      const r = recorder();
      const publisher = new DiagnosticsPublisher({ checker: new ToolChecker(), send: r.publish, envPath: '' });
      const a = textAnalysis(lines('id: closed', 'tasks: [{ id: a, run: echo, depends_on: [x] }]'));
      const running = publisher.publish(a);
      publisher.forget(a.document.uri);
      assert.equal(await running, undefined);
      assert.deepEqual(r.published, [{ uri: a.document.uri, version: undefined, codes: [] }]);
    });
  });
});
