// Writes the committed JSON Schemas, or with --check fails when a committed file is not what
// its source generates:
//   schemas/milestone.schema.json  from the milestone spec (src/core/milestone/schema.ts)
//   schemas/status.schema.json     from the types of `status --json` (src/cli/statusDocument.ts)
//   node --import tsx scripts/schema.mjs [--check]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { milestoneSchemaText, SCHEMA_PATH } from '../src/server/jsonSchema.ts';
import { STATUS_SCHEMA_PATH, statusSchemaText } from './statusSchema.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schemas = [
  [SCHEMA_PATH, milestoneSchemaText()],
  [STATUS_SCHEMA_PATH, statusSchemaText(root)],
];

if (process.argv.includes('--check')) {
  let stale = 0;
  for (const [relative, text] of schemas) {
    let committed = '';
    try {
      committed = readFileSync(join(root, relative), 'utf8');
    } catch {
      // missing counts as different
    }
    if (committed === text) {
      process.stdout.write(`${relative} is up to date.\n`);
    } else {
      stale++;
      process.stderr.write(`${relative} is out of date: run \`npm run schema\`.\n`);
    }
  }
  process.exit(stale ? 1 : 0);
} else {
  for (const [relative, text] of schemas) {
    const file = join(root, relative);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    process.stdout.write(`wrote ${relative}\n`);
  }
}
