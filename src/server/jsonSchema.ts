import { toJsonSchema } from '../core/milestone/schema';

/** Where the JSON Schema is committed; package.json's `yamlValidation` points at it. */
export const SCHEMA_PATH = 'schemas/milestone.schema.json';

/**
 * The text of schemas/milestone.schema.json, generated from the same spec the parser checks
 * against, so users of the YAML extension get the same rules. A unit test fails when the
 * committed file differs; `node --import tsx scripts/schema.mjs` writes it.
 */
export function milestoneSchemaText(): string {
  return `${JSON.stringify(toJsonSchema(), null, 2)}\n`;
}
