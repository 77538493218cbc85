import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import { defaultConfig } from '../../src/config/schema.js';

describe('analyze smoke', () => {
  it('runs', async () => {
    const report = await analyze({
      files: [{ path: 'db/migrations/001_x.up.sql', content: 'ALTER TABLE users ADD COLUMN email text NOT NULL;\nCREATE INDEX idx ON users (email);\n' }],
      config: defaultConfig(),
    });
    console.log(JSON.stringify(report, null, 1).slice(0, 6000));
    expect(report.files).toHaveLength(1);
  });
});
