// Writes schemas/milestone.schema.json from the milestone spec, or with --check fails when
// the committed file is not what the spec generates.
//   node --import tsx scripts/schema.mjs [--check]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { milestoneSchemaText, SCHEMA_PATH } from '../src/server/jsonSchema.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const file = join(root, SCHEMA_PATH);
const text = milestoneSchemaText();

if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(file, 'utf8');
  } catch {
    // missing counts as different
  }
  if (committed !== text) {
    process.stderr.write(`${SCHEMA_PATH} is out of date: run \`node --import tsx scripts/schema.mjs\`.\n`);
    process.exit(1);
  }
  process.stdout.write(`${SCHEMA_PATH} is up to date.\n`);
} else {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  process.stdout.write(`wrote ${SCHEMA_PATH}\n`);
}
