// A small JSON Schema check, enough for the draft-07 subset ts-json-schema-generator writes
// for plain interfaces: $ref into definitions, anyOf, type (one or a list), enum, const,
// objects with properties, required and additionalProperties: false, and arrays with items.
// Anything else in a schema is reported, so a richer schema cannot pass unchecked.

type Schema = Record<string, unknown>;

const KNOWN = new Set(['$schema', '$ref', 'title', 'description', 'definitions', 'anyOf', 'type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'items']);

/** Every way `value` breaks `schema`, each with the JSON path where; empty when it conforms. */
export function schemaProblems(schema: Schema, value: unknown): string[] {
  const definitions = (schema.definitions ?? {}) as Record<string, Schema>;
  const problems: string[] = [];
  check(schema, value, '$');
  return problems;

  function check(s: Schema, v: unknown, at: string): void {
    for (const key of Object.keys(s)) if (!KNOWN.has(key)) problems.push(`${at}: the schema uses "${key}", which this check does not know`);
    if (typeof s.$ref === 'string') {
      const name = s.$ref.replace('#/definitions/', '');
      const target = definitions[name];
      if (!target) problems.push(`${at}: no definition ${name}`);
      else check(target, v, at);
    }
    if (Array.isArray(s.anyOf)) {
      const fits = (s.anyOf as Schema[]).some((branch) => schemaProblems({ ...branch, definitions }, v).length === 0);
      if (!fits) problems.push(`${at}: ${JSON.stringify(v)} fits none of anyOf`);
    }
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
      const t = typeOf(v);
      if (!types.includes(t) && !(t === 'integer' && types.includes('number'))) problems.push(`${at}: ${t}, expected ${types.join(' or ')}`);
    }
    if (Array.isArray(s.enum) && !s.enum.includes(v)) problems.push(`${at}: ${JSON.stringify(v)} is not one of ${JSON.stringify(s.enum)}`);
    if ('const' in s && s.const !== v) problems.push(`${at}: ${JSON.stringify(v)} is not ${JSON.stringify(s.const)}`);
    if (s.properties && isObject(v)) {
      const properties = s.properties as Record<string, Schema>;
      for (const key of (s.required ?? []) as string[]) if (!(key in v)) problems.push(`${at}: lacks "${key}"`);
      for (const [key, item] of Object.entries(v)) {
        const p = properties[key];
        if (p) check(p, item, `${at}.${key}`);
        else if (s.additionalProperties === false) problems.push(`${at}: has "${key}", which the schema does not name`);
      }
    }
    if (s.items && Array.isArray(v)) v.forEach((item, i) => check(s.items as Schema, item, `${at}[${i}]`));
  }
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
