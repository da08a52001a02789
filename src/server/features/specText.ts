import type { FieldSpec } from '../../core/milestone/schema';

/**
 * The mapping whose keys go where the spec is: an object's, or the mapping shape of a list
 * or a mapping (`agents: { fast: { adapter, command } }`); undefined for anything else.
 */
export function mappingOf(spec: FieldSpec | undefined): (FieldSpec & { type: 'object' }) | undefined {
  if (spec?.type === 'object') return spec;
  if (spec?.type === 'listOrObject') return spec.object;
  return undefined;
}

/** A short description of what a field holds, for completion details and hovers. */
export function typeLabel(spec: FieldSpec): string {
  switch (spec.type) {
    case 'string':
      if (spec.enum) return spec.enum.map((e) => e.value).join(' | ');
      switch (spec.format) {
        case 'id':
          return 'id';
        case 'command':
          return 'shell command';
        case 'path':
          return 'path';
        case 'branch':
          return 'branch name';
        case 'requirement':
          return 'tool [semver range]';
        default:
          return 'text';
      }
    case 'integer':
      return `whole number ≥ ${spec.minimum}`;
    case 'number':
      return `number > ${spec.above}`;
    case 'listOrObject':
      return `${typeLabel(spec.list)}, or mapping`;
    case 'boolean':
      return 'true | false';
    case 'duration':
      return 'duration, e.g. 90s, 2m, 1h30m';
    case 'object':
      return 'mapping';
    case 'map':
      return spec.keys === 'env' ? 'mapping of variable names to values' : 'mapping of names to argument vectors';
    case 'array':
      return `list of ${spec.items.type === 'object' ? 'entries' : typeLabel(spec.items)}`;
  }
}

/** The documentation of a field as Markdown: what it is for, and its values when there is a fixed set. */
export function fieldMarkdown(name: string, spec: FieldSpec, required: boolean): string {
  const lines = [`**${name}**${required ? ' (required)' : ''}: ${typeLabel(spec)}`, '', spec.doc];
  if (spec.type === 'string' && spec.enum) {
    lines.push('', ...spec.enum.map((e) => `- \`${e.value}\`: ${e.doc}`));
  }
  return lines.join('\n');
}

/** A fenced code block that no backtick run inside the code can close early. */
export function codeBlock(code: string, language = ''): string {
  const longest = Math.max(2, ...[...code.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${code}\n${fence}`;
}

/** Inline code that survives backticks in the text. */
export function inlineCode(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return longest ? `${fence} ${text} ${fence}` : `${fence}${text}${fence}`;
}
