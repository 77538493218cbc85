import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import { configSchema, defaultConfig, parseConfig } from '../../src/config/schema.js';

const migration = 'db/migrations/001_users.up.sql';

describe('analyze()', () => {
  it('reports statements with locks and findings at exact lines, one finding per hazard across engines', async () => {
    const report = await analyze({
      files: [{ path: migration, content: 'SET lock_timeout = \'2s\';\nCREATE INDEX idx_users_email ON users (email);\n' }],
      config: defaultConfig(),
    });
    const [file] = report.files;
    expect(file).toMatchObject({ path: migration, framework: 'golang-migrate', direction: 'up', transaction: 'none' });
    expect(file!.statements[1]).toMatchObject({
      line: 2,
      column: 1,
      kind: 'CREATE INDEX',
      locks: [{ relation: 'public.users', mode: 'SHARE' }],
      rewritesTable: false,
      // golang-migrate sends the file as one query: its two statements are one implicit transaction
      inTransaction: true,
      blocks: { reads: false, writes: true, ddl: true },
    });
    const index = file!.findings.filter((f) => f.rule === 'require-concurrent-index-creation');
    expect(index).toHaveLength(1);
    expect(index[0]).toMatchObject({ line: 2, severity: 'error', engines: ['builtin', 'squawk'], lockMode: 'SHARE', relation: 'public.users' });
    expect(index[0]!.fix!.sql).toBe('CREATE INDEX CONCURRENTLY idx_users_email ON users (email);');
    expect(report.summary).toMatchObject({ files: 1, statements: 2, errors: 1 });
  });

  it('skips a file over maxFileBytes in both engines with one info finding', async () => {
    const big = `-- ${'x'.repeat(2000)}\nALTER TABLE t ADD COLUMN c int;\n`;
    const config = configSchema.parse({ maxFileBytes: 1000 });
    const report = await analyze({ files: [{ path: migration, content: big }], config });
    expect(report.files[0]!.findings.map((f) => [f.rule, f.severity, f.engine])).toEqual([['file-too-large', 'info', 'builtin']]);
  });

  it('rejects a maxFileBytes above the memory cap, naming the key', () => {
    expect(() => parseConfig({ maxFileBytes: 50 * 1024 * 1024 })).toThrowError(/maxFileBytes: Too big/);
  });

  it('uses the classification the caller discovered over the whole checkout (companion files)', async () => {
    const sql = 'CREATE INDEX CONCURRENTLY idx ON users (email);\n';
    const path = 'db/migration/V2__idx.sql';
    const inTx = await analyze({ files: [{ path, content: sql }], config: configSchema.parse({ engines: ['builtin'] }) });
    expect(inTx.files[0]!.findings.map((f) => f.rule)).toContain('ban-concurrent-index-creation-in-transaction');
    const outside = await analyze({
      files: [{ path, content: sql, migration: { path, framework: 'flyway', direction: 'up', transaction: 'none', orderKey: '2', set: 'db/migration', language: 'sql', kind: 'migration' } }],
      config: configSchema.parse({ engines: ['builtin'] }),
    });
    expect(outside.files[0]!.findings.map((f) => f.rule)).not.toContain('ban-concurrent-index-creation-in-transaction');
  });
});
