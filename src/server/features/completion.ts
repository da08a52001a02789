import { CompletionItemKind, InsertTextFormat, InsertTextMode, MarkupKind, type CompletionItem, type Range } from 'vscode-languageserver';
import { DEFAULT_AGENT_PROFILES } from '../../core/milestone/profiles';
import { AGENT_ONLY_FIELDS, specAt, type FieldSpec } from '../../core/milestone/schema';
import type { Analysis } from '../analysis';
import { cursorContext, type KeyContext, type ValueContext } from './cursor';
import { taskIdsInText } from './outline';
import { codeBlock, fieldMarkdown, inlineCode, mappingOf, typeLabel } from './specText';
import type { Entry } from './taskIndex';

export interface CompletionOptions {
  /** The client accepts snippets (`$0` for where the cursor ends up). */
  snippets?: boolean;
  /** Ask the client to open suggestions again after a key whose value has choices (VS Code's command). */
  retrigger?: boolean;
}

const RETRIGGER = { title: 'Suggest values', command: 'editor.action.triggerSuggest' };

/** Completion items at an offset of the analysed document: keys, enum values, task ids, agent profiles. */
export function completionsAt(analysis: Analysis, offset: number, options: CompletionOptions = {}): CompletionItem[] {
  const text = analysis.document.getText();
  const ctx = cursorContext(text, offset);
  if (!ctx) return [];
  const range: Range = { start: analysis.document.positionAt(ctx.start), end: analysis.document.positionAt(ctx.end) };
  return ctx.kind === 'key' ? keyItems(ctx, range, options) : valueItems(analysis, ctx, range);
}

/**
 * Keys only an agent task understands: left out of a task that runs a shell command, where
 * the validator would say `agent-only`.
 */
const AGENT_ONLY_KEYS: ReadonlySet<string> = new Set(AGENT_ONLY_FIELDS);

function keyItems(ctx: KeyContext, range: Range, options: CompletionOptions): CompletionItem[] {
  const spec = mappingOf(specAt(ctx.path));
  if (!spec) return [];
  const required = new Set(spec.required ?? []);
  const shellTask = ctx.path.length === 2 && ctx.path[0] === 'tasks' && ctx.present.includes('run');
  return Object.entries(spec.fields)
    .filter(([name]) => !ctx.present.includes(name) && !(shellTask && AGENT_ONLY_KEYS.has(name)))
    .map(([name, field], i): CompletionItem => {
      const { newText, snippet } = keyInsertText(name, field, ctx, options.snippets === true);
      const item: CompletionItem = {
        label: name,
        kind: CompletionItemKind.Property,
        detail: `${typeLabel(field)}${required.has(name) ? ' (required)' : ''}`,
        documentation: { kind: MarkupKind.Markdown, value: fieldMarkdown(name, field, required.has(name)) },
        // The schema's order (id first, then what a reader wants next) beats the alphabet.
        sortText: String(i).padStart(3, '0'),
        textEdit: { range, newText },
        insertTextFormat: snippet ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
        // The indentation below the key is computed here; the client must not add its own.
        insertTextMode: InsertTextMode.asIs,
      };
      if (options.retrigger && !ctx.hasColon && hasValueChoices(name, field)) item.command = RETRIGGER;
      return item;
    });
}

function keyInsertText(name: string, field: FieldSpec, ctx: KeyContext, snippets: boolean): { newText: string; snippet: boolean } {
  if (ctx.hasColon) return { newText: name, snippet: false };
  if (ctx.flow) return { newText: `${name}: `, snippet: false };
  const below = ' '.repeat(ctx.column + 2);
  switch (field.type) {
    case 'object':
    case 'map':
      return { newText: `${name}:\n${below}`, snippet: false };
    case 'array':
      if (field.items.type === 'object') return { newText: `${name}:\n${below}- `, snippet: false };
      return snippets ? { newText: `${name}: [$0]`, snippet: true } : { newText: `${name}: `, snippet: false };
    default:
      return { newText: `${name}: `, snippet: false };
  }
}

function hasValueChoices(name: string, field: FieldSpec): boolean {
  return name === 'agent' || (field.type === 'string' && field.enum !== undefined) || field.type === 'boolean' || (field.type === 'array' && field.items.type === 'string' && field.items.format === 'id');
}

function valueItems(analysis: Analysis, ctx: ValueContext, range: Range): CompletionItem[] {
  const space = ctx.needsSpace ? ' ' : '';
  const last = ctx.path[ctx.path.length - 1];
  const owner = ctx.path[ctx.path.length - 2];
  if (typeof last === 'number' && (owner === 'depends_on' || owner === 'after')) return taskIdItems(analysis, ctx, range, (id) => id);
  if (last === 'depends_on' || last === 'after') return taskIdItems(analysis, ctx, range, (id) => `${space}[${id}]`);
  if (last === 'agent' && ctx.path[0] === 'tasks' && ctx.path.length === 3) return profileItems(analysis, range, space);
  const spec = specAt(ctx.path);
  if (spec?.type === 'string' && spec.enum) {
    return spec.enum.map((e, i) => ({
      label: e.value,
      kind: CompletionItemKind.EnumMember,
      documentation: { kind: MarkupKind.Markdown, value: e.doc },
      sortText: String(i).padStart(3, '0'),
      textEdit: { range, newText: `${space}${e.value}` },
    }));
  }
  if (spec?.type === 'boolean') {
    return ['true', 'false'].map((v) => ({ label: v, kind: CompletionItemKind.Value, textEdit: { range, newText: `${space}${v}` } }));
  }
  return [];
}

function taskIdItems(analysis: Analysis, ctx: ValueContext, range: Range, text: (id: string) => string): CompletionItem[] {
  // The YAML tree loses the tasks below an unfinished line; the lines themselves do not.
  const written = taskIdsInText(analysis.document.getText());
  const own = ctx.path[0] === 'tasks' ? written.find((t) => t.index === ctx.path[1])?.id : undefined;
  // A task cannot depend on itself, and an id already in the list is not offered twice.
  const skip = new Set([...ctx.siblings, ...(own !== undefined ? [own] : [])]);
  const ids = [...written.map((t) => t.id), ...analysis.index.ids()];
  const items: CompletionItem[] = [];
  for (const id of ids) {
    if (skip.has(id)) continue;
    skip.add(id);
    const task = analysis.index.definitionsOf(id)[0];
    items.push({
      label: id,
      kind: CompletionItemKind.Reference,
      ...(task?.title !== undefined ? { detail: task.title } : {}),
      ...(task ? { documentation: { kind: MarkupKind.Markdown, value: taskSummary(task) } } : {}),
      sortText: String(items.length).padStart(6, '0'),
      textEdit: { range, newText: text(id) },
    });
  }
  return items;
}

/** What a task does, in a line or a code block: enough to pick the right dependency. */
function taskSummary(task: Entry): string {
  if (task.run !== undefined) return codeBlock(task.run, 'sh');
  if (task.agent !== undefined) return `agent ${inlineCode(task.agent)}${task.prompt !== undefined ? `: ${task.prompt}` : ''}`;
  return task.title ?? '';
}

function profileItems(analysis: Analysis, range: Range, space: string): CompletionItem[] {
  const sources: [string, Readonly<Record<string, readonly string[]>>][] = [
    ['built in', DEFAULT_AGENT_PROFILES],
    ['from the settings (milestones.agentProfiles)', analysis.options.profiles ?? {}],
    ['from this milestone (agents:)', Object.fromEntries(analysis.index.profiles.map((p) => [p, analysis.parsed.milestone.agents[p]?.command ?? []]))],
  ];
  // Later sources override earlier ones, as resolveProfiles does at run time.
  const profiles = new Map<string, { argv: readonly string[]; source: string }>();
  for (const [source, table] of sources) for (const [name, argv] of Object.entries(table)) profiles.set(name, { argv, source });
  return [...profiles].map(([name, { argv, source }]) => ({
    label: name,
    kind: CompletionItemKind.Value,
    detail: `agent profile, ${source}`,
    documentation: { kind: MarkupKind.Markdown, value: argv.length ? `Runs:\n\n${codeBlock(argv.map(shellWord).join(' '), 'sh')}` : 'Defined under `agents:`.' },
    textEdit: { range, newText: `${space}${name}` },
  }));
}

function shellWord(arg: string): string {
  return /^[\w@%+=:,./{}-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
