import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { EventData } from '../../../src/core/session/events';
import { Journal } from '../../../src/core/session/journal';
import { SessionPaths } from '../../../src/core/session/layout';
import { SessionStore } from '../../../src/core/session/store';
import { analyze, type Analysis, type AnalysisOptions } from '../../../src/server/analysis';
import { REPO_ROOT } from '../helpers';

export const SERVER_FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'server');

/** A fixture under test/fixtures/server, analysed as the server would analyse the open document. */
export function fixtureAnalysis(name: string, options: AnalysisOptions = {}): Analysis {
  const file = path.join(SERVER_FIXTURES, name);
  return textAnalysis(readFileSync(file, 'utf8'), file, options);
}

export function textAnalysis(text: string, file = path.join(SERVER_FIXTURES, 'inline.yaml'), options: AnalysisOptions = {}, version = 1): Analysis {
  return analyze(TextDocument.create(pathToFileURL(file).href, 'yaml', version, text), file, options);
}

/** Text with one marker (`|` unless the YAML needs that character) at the cursor: the text without it, and the cursor's offset. */
export function cursor(marked: string, marker = '|'): { text: string; offset: number } {
  const offset = marked.indexOf(marker);
  if (offset === -1 || marked.indexOf(marker, offset + 1) !== -1) throw new Error(`expected exactly one ${marker} in ${JSON.stringify(marked)}`);
  return { text: marked.slice(0, offset) + marked.slice(offset + marker.length), offset };
}

/** Lines joined with newlines, with a final one, as files are written. */
export const lines = (...l: string[]): string => `${l.join('\n')}\n`;

export type Step = { [K in keyof EventData]: [K, EventData[K]] }[keyof EventData];

/**
 * A session on disk, written by the core's own writers (the session record and the
 * journal), as a run leaves it.
 */
export async function writeSession(workspace: string, sessionId: string, milestoneId: string, startedAt: string, steps: Step[]): Promise<SessionPaths> {
  const paths = new SessionPaths(workspace, sessionId);
  const store = new SessionStore(paths);
  await store.init();
  const file = path.join(workspace, '.milestones', `${milestoneId}.yaml`);
  await store.writeSession({
    session: { id: sessionId, milestone_id: milestoneId, milestone_file: file, status: 'completed', started_at: startedAt, updated_at: startedAt, ended_at: null, pid: 1, workspace },
  });
  await store.flush();
  const { journal } = await Journal.open(paths.events, sessionId, { create: true });
  journal.append('session_started', {
    milestone_id: milestoneId,
    milestone_file: file,
    workspace,
    title: milestoneId,
    type: 'custom',
    complexity: 'simple',
    tasks: [
      { id: 'build', title: 'Build', depends_on: [], kind: 'run', command: 'make', retries: 0 },
      { id: 'test', title: 'Test', depends_on: ['build'], kind: 'run', command: 'make test', retries: 1 },
    ],
    gates: [{ id: 'unit', title: 'Unit', after: ['build'], blocking: true }],
    executors: { min: 1, max: 1 },
    on_failure: 'continue',
    pid: 1,
    host: 'test',
  });
  for (const [type, data] of steps) journal.append(type, data);
  await journal.close();
  return paths;
}

export const ran = (task: string, ms: number): Step[] => [
  ['task_started', { task, agent: 'executor-1', attempt: 1, pid: 10, command: 'make' }],
  ['task_completed', { task, agent: 'executor-1', attempt: 1, duration_ms: ms }],
];
