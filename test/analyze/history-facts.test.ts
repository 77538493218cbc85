// Facts the new hazard rules need come from the migration history: foreign keys and
// publications created by earlier files reach the rules through analyze().
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import { configSchema } from '../../src/config/schema.js';

describe('history facts for foreign keys and publications', () => {
  it('names the referenced table of a type change and the publication of a dropped primary key', async () => {
    const history = [
      {
        path: 'db/migrations/001_a.up.sql',
        content: 'CREATE TABLE users (id int PRIMARY KEY);\nCREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users (id));\nCREATE PUBLICATION cdc FOR ALL TABLES;\n',
      },
    ];
    const report = await analyze({
      config: configSchema.parse({ engines: ['builtin'] }),
      history,
      files: [{ path: 'db/migrations/002_b.up.sql', content: 'BEGIN;\nALTER TABLE orders ALTER COLUMN user_id TYPE bigint;\nALTER TABLE orders DROP CONSTRAINT orders_pkey;\nCOMMIT;\n' }],
    });
    const pick = (rule: string) => report.files[0]!.findings.filter((f) => f.rule === rule).map((f) => [f.line, f.severity, f.relation, f.lockMode]);
    expect(pick('changing-foreign-key-column-type')).toEqual([[2, 'error', 'public.users', 'ACCESS EXCLUSIVE']]);
    expect(pick('drop-replica-identity')).toEqual([[3, 'error', 'public.orders', 'ACCESS EXCLUSIVE']]);
    const stmt = report.files[0]!.statements[1]!;
    expect(stmt.locks).toEqual(expect.arrayContaining([{ relation: 'public.orders', mode: 'ACCESS EXCLUSIVE' }, { relation: 'public.users', mode: 'ACCESS EXCLUSIVE' }]));
  });
});
