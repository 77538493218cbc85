// A PR's ORM migrations start from the model state the earlier migrations (the history) built,
// as they do when the whole history is linted together.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import { configSchema } from '../../src/config/schema.js';

const root = join(import.meta.dirname, '../../fixtures/projects/django');
const INITIAL = 'shop/migrations/0001_initial.py';
const ALTER = 'shop/migrations/0009_order_created_date.py';
const ALTER_SOURCE = `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="created_at",
            field=models.CharField(max_length=40),
        ),
    ]
`;

const config = configSchema.parse({ engines: ['builtin'] });

describe('ORM model state primed from the history', () => {
  it('translates AlterField against the history, not as unknown', async () => {
    const report = await analyze({
      files: [{ path: ALTER, content: ALTER_SOURCE }],
      history: [{ path: INITIAL, content: readFileSync(join(root, INITIAL), 'utf8') }],
      config,
    });
    const file = report.files.find((f) => f.path === ALTER && f.direction === 'up')!;
    expect(file.findings.filter((f) => f.rule === 'orm-not-analysed')).toEqual([]);
    expect(file.statements.map((s) => [s.line, s.kind, s.rewritesTable])).toEqual([[8, 'ALTER TABLE', true]]);
    expect(file.findings.find((f) => f.rule === 'changing-column-type')).toMatchObject({ line: 8, severity: 'error' });
  });

  it('without the history the same AlterField is reported as not analysed (the old field is unknown)', async () => {
    const report = await analyze({ files: [{ path: ALTER, content: ALTER_SOURCE }], config });
    const file = report.files.find((f) => f.path === ALTER && f.direction === 'up')!;
    expect(file.statements).toEqual([]);
    expect(file.findings.find((f) => f.rule === 'orm-not-analysed')).toMatchObject({ line: 8 });
  });
});
