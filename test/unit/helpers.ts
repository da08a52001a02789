import { strict as assert } from 'node:assert';
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Diagnostic, DiagnosticCode, Range } from '../../src/core/milestone/diagnostics';
import type { EventData, EventType, JournalEvent } from '../../src/core/session/events';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const MILESTONE_FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'unit', 'milestones');

/** Absolute path and text of a fixture under test/fixtures/unit/milestones. */
export function milestoneFixture(name: string): { file: string; text: string } {
  const file = path.join(MILESTONE_FIXTURES, name);
  return { file, text: readFileSync(file, 'utf8') };
}

/** Zero-based range, written as compactly as the assertions need it. */
export function range(startLine: number, startChar: number, endLine: number, endChar: number): Range {
  return { start: { line: startLine, character: startChar }, end: { line: endLine, character: endChar } };
}

/** The diagnostics with one code, in the order they were reported. */
export function withCode(diagnostics: readonly Diagnostic[], code: DiagnosticCode): Diagnostic[] {
  return diagnostics.filter((d) => d.code === code);
}

/** Exactly one diagnostic with this code (fails the test otherwise) */
export function onlyOne(diagnostics: readonly Diagnostic[], code: DiagnosticCode): Diagnostic {
  const found = withCode(diagnostics, code);
  assert.equal(found.length, 1, `expected one "${code}" diagnostic, got ${found.length}: ${JSON.stringify(diagnostics, null, 1)}`);
  return found[0]!;
}

/** A compact, comparable view of a diagnostic list: code@line:char-line:char. */
export function codesAt(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => `${d.code}@${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}`);
}

/**
 * A temporary directory that the returned `cleanup` removes. Use it in before/after (or
 * beforeEach/afterEach) hooks so nothing is left in os.tmpdir().
 */
export class TempDirs {
  private readonly dirs: string[] = [];

  async make(prefix = 'ma-unit-'): Promise<string> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  async cleanup(): Promise<void> {
    const dirs = this.dirs.splice(0);
    await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
  }
}

/** Writes an executable shell script. */
export async function writeScript(file: string, body: string): Promise<string> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, body, { mode: 0o755 });
  return file;
}

/** Builds journal events with consecutive seq numbers and increasing timestamps. */
export class EventFactory {
  private seq = 0;
  private clock: number;

  constructor(
    readonly session: string,
    start = Date.parse('2025-01-01T10:00:00.000Z'),
  ) {
    this.clock = start;
  }

  /** Moves the clock forward (milliseconds) before the next event. */
  advance(ms: number): this {
    this.clock += ms;
    return this;
  }

  at(): string {
    return new Date(this.clock).toISOString();
  }

  make<K extends EventType>(type: K, data: EventData[K]): JournalEvent {
    this.seq++;
    return { seq: this.seq, timestamp: new Date(this.clock).toISOString(), type, data, session: this.session } as JournalEvent;
  }
}

export { isRunning } from '../support/processes';

/** Polls a condition without asserting on elapsed time; fails with `what` after `tries` polls. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, tries = 200, everyMs = 25): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  assert.fail(`gave up waiting for ${what}`);
}
