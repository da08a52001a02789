import { MarkupKind, type Hover } from 'vscode-languageserver';
import { formatDuration } from '../../core/duration';
import { specAt } from '../../core/milestone/schema';
import type { Analysis } from '../analysis';
import { cursorContext } from './cursor';
import type { LatestRun, MilestoneRef } from './sessionInfo';
import { codeBlock, fieldMarkdown, inlineCode, mappingOf, typeLabel } from './specText';
import type { Entry } from './taskIndex';

/** Where hovers find the latest session; `SessionInfo` in the server. */
export interface RunLookup {
  latest(workspace: string, milestone: MilestoneRef): Promise<LatestRun | undefined>;
}

/**
 * On a task or gate id (where it is defined, or named in `depends_on` / `after`): what it
 * does, what it needs and what needs it, and how it went in the latest session.
 * On a key or an enum value: its documentation.
 */
export async function hoverAt(analysis: Analysis, offset: number, runs?: RunLookup): Promise<Hover | null> {
  const { index, document } = analysis;
  const site = index.siteAt(offset);
  if (site) {
    const at = 'definition' in site ? site.definition.id! : site.reference;
    const range = at.range;
    const entry = 'definition' in site ? site.definition : index.definitionsOf(at.id)[0];
    if (!entry) {
      return { range, contents: { kind: MarkupKind.Markdown, value: `No task ${inlineCode(at.id)} in this milestone.` } };
    }
    const run = await runs?.latest(analysis.workspace, { id: analysis.parsed.milestone.id, file: analysis.file });
    return { range, contents: { kind: MarkupKind.Markdown, value: entryMarkdown(analysis, entry, at.id, run) } };
  }
  const ctx = cursorContext(document.getText(), offset);
  if (!ctx || ctx.start === ctx.end) return null;
  const word = document.getText().slice(ctx.start, ctx.end);
  const range = { start: document.positionAt(ctx.start), end: document.positionAt(ctx.end) };
  if (ctx.kind === 'key') {
    const spec = specAt(ctx.path);
    // The name of an agent profile of your own: what its value holds.
    if (spec?.type === 'map' && spec.keys === 'profile') return { range, contents: { kind: MarkupKind.Markdown, value: `**${word}**: agent profile, ${typeLabel(spec.values)}\n\n${spec.values.doc}` } };
    const parent = mappingOf(spec);
    const field = parent?.fields[word];
    if (!parent || !field) return null;
    return { range, contents: { kind: MarkupKind.Markdown, value: fieldMarkdown(word, field, parent.required?.includes(word) ?? false) } };
  }
  const spec = specAt(ctx.path);
  const value = spec?.type === 'string' ? spec.enum?.find((e) => e.value === word) : undefined;
  return value ? { range, contents: { kind: MarkupKind.Markdown, value: `${inlineCode(value.value)}: ${value.doc}` } } : null;
}

function entryMarkdown(analysis: Analysis, entry: Entry, id: string, run: LatestRun | undefined): string {
  const { index } = analysis;
  const what = entry.kind === 'task' ? 'Task' : 'Gate';
  const parts = [`**${what} ${inlineCode(id)}**${entry.title !== undefined && entry.title !== id ? `: ${entry.title}` : ''}`];
  const copies = (entry.kind === 'task' ? index.definitionsOf(id) : index.gates.filter((g) => g.id?.id === id)).length;
  if (copies > 1) parts.push(`Defined ${copies} times: the first one counts.`);
  if (entry.run !== undefined) parts.push(codeBlock(entry.run, 'sh'));
  else if (entry.agent !== undefined) parts.push(`Agent ${inlineCode(entry.agent)}${entry.prompt !== undefined ? ', prompt:' : ''}`, ...(entry.prompt !== undefined ? [quote(entry.prompt)] : []));
  const deps = entry.dependencies.map((d) => inlineCode(d.id));
  if (entry.kind === 'task') {
    parts.push(`Depends on: ${deps.length ? deps.join(', ') : 'nothing'}`);
    const dependents = index.dependentsOf(id).map((e) => `${e.kind === 'gate' ? 'gate ' : ''}${inlineCode(e.id?.id ?? `#${e.index + 1}`)}`);
    parts.push(`Needed by: ${dependents.length ? dependents.join(', ') : 'nothing'}`);
  } else {
    parts.push(deps.length ? `Runs after: ${deps.join(', ')}` : 'Runs after all tasks');
  }
  if (run) parts.push(runLine(run, entry.kind, id));
  return parts.join('\n\n');
}

function runLine(run: LatestRun, kind: Entry['kind'], id: string): string {
  const session = `Latest session ${inlineCode(run.sessionId)} (${run.status})`;
  const state = kind === 'task' ? run.tasks.get(id) : run.gates.get(id);
  if (!state) return `${session}: not part of it.`;
  const took = state.durationMs !== null ? ` in ${formatDuration(state.durationMs)}` : '';
  const attempts = 'attempts' in state && state.attempts > 1 ? `, attempt ${state.attempts}` : '';
  const why = state.message ? `: ${state.message}` : '';
  return `${session}: **${state.status}**${took}${attempts}${why}`;
}

function quote(text: string): string {
  return text
    .replace(/\n+$/, '')
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n');
}
