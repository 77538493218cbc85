// Writes docs/dbarch.schema.json, the JSON Schema of `.github/dbarch.yml`, from the zod config.
// Run: node dist/scripts/gen-schema.js
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { configJsonSchema } from '../src/config/schema.js';

export function renderConfigSchema(): string {
  const schema = {
    ...(configJsonSchema() as Record<string, unknown>),
    title: 'dbarch configuration (.github/dbarch.yml)',
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(process.argv[2] ?? 'docs/dbarch.schema.json', renderConfigSchema());
}
