// The JSON Schema of `milestone-agents status --json`, derived from the TypeScript types
// the CLI builds that output with (src/cli/statusDocument.ts), so the documented shape is
// the one the code type-checks against. Used by scripts/schema.mjs and the unit tests.
import * as path from 'node:path';
import { createGenerator } from 'ts-json-schema-generator';

/** Where the schema is committed, for users and their scripts. */
export const STATUS_SCHEMA_PATH = 'schemas/status.schema.json';

const SOURCE = 'src/cli/statusDocument.ts';
const ROOT_TYPE = 'StatusOutput';

export function statusSchema(repoRoot: string): Record<string, unknown> {
  const generated = createGenerator({
    path: path.join(repoRoot, SOURCE),
    tsconfig: path.join(repoRoot, 'tsconfig.json'),
    type: ROOT_TYPE,
    // The document is built field by field: a key the types do not name is a bug.
    additionalProperties: false,
    // tsc checks the source already; the generator only needs the types.
    skipTypeCheck: true,
  }).createSchema(ROOT_TYPE);
  const { $schema, ...rest } = generated;
  return { $schema, title: 'milestone-agents status --json', ...rest };
}

export function statusSchemaText(repoRoot: string): string {
  return `${JSON.stringify(statusSchema(repoRoot), null, 2)}\n`;
}
