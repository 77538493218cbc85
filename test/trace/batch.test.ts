// Batched replay gives the schema and the replay issues of replaying one file at a time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyBatched } from '../../src/trace/batch.js';
import { applyQuietly, startBlank, type ReplayIssue } from '../../src/trace/replay.js';
import type { PgliteWorker } from '../../src/trace/worker.js';
import { initParser, parseSql } from '../../src/sql/index.js';
import type { TransactionMode } from '../../src/types.js';

const T = 60_000;
const HISTORY: { path: string; transaction: TransactionMode; source: string }[] = [
  { path: '001.sql', transaction: 'transaction', source: 'CREATE TABLE a (id bigint PRIMARY KEY, n int);' },
  { path: '002.sql', transaction: 'transaction', source: 'CREATE SCHEMA other;\nSET search_path = other;\nCREATE TABLE b (id int);' },
  // search_path must be back to public here, as after every replayed file.
  { path: '003.sql', transaction: 'transaction', source: 'CREATE TABLE c (id int);\nCREATE INDEX c_id ON c (id);' },
  { path: '004.sql', transaction: 'transaction', source: 'ALTER TABLE a ADD COLUMN m int;\nALTER TABLE missing ADD COLUMN x int;\nCREATE TABLE d (id int);' },
  { path: '005.sql', transaction: 'transaction', source: 'CREATE INDEX CONCURRENTLY a_n ON a (n);' },
  { path: '006.sql', transaction: 'transaction', source: 'BEGIN;\nCREATE TABLE e (id int);\nCOMMIT;' },
  { path: '007.sql', transaction: 'none', source: 'CREATE INDEX CONCURRENTLY c_id2 ON c (id);' },
  { path: '008.sql', transaction: 'transaction', source: 'ALTER TABLE c ADD COLUMN v text;' },
  { path: '009.sql', transaction: 'transaction', source: 'CREATE TABLE f (id int REFERENCES a);' },
];

const SCHEMA = `SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns
  WHERE table_schema IN ('public', 'other') ORDER BY 1, 2, 3`;
const INDEXES = `SELECT schemaname, indexname, indexdef FROM pg_indexes WHERE schemaname IN ('public', 'other') ORDER BY 1, 2`;

let one: PgliteWorker;
let batched: PgliteWorker;
beforeAll(async () => {
  await initParser();
  one = await startBlank({ extensions: [], memoryMb: 256 });
  batched = await startBlank({ extensions: [], memoryMb: 256 });
}, 300_000);
afterAll(async () => {
  await one?.close();
  await batched?.close();
});

describe('applyBatched', () => {
  it('replays to the same schema with the same issues as one file at a time', async () => {
    const files = HISTORY.map((file) => ({ file, parsed: parseSql(file.source, { path: file.path }) }));
    const issuesOne: ReplayIssue[] = [];
    for (const { file, parsed } of files) await applyQuietly(one, file, parsed, T, issuesOne);
    const issuesBatched: ReplayIssue[] = [];
    const execs: string[] = [];
    const spy = { engine: 'pglite' as const, exec: (sql: string, t: number) => (execs.push(sql), batched.exec(sql, t)), query: batched.query.bind(batched) };
    await applyBatched(spy, files, T, (file, parsed) => applyQuietly(spy, file, parsed, T, issuesBatched));

    expect(issuesBatched).toEqual(issuesOne);
    // 004 fails; 005's CONCURRENTLY fails in a transaction and then runs on its own.
    expect(issuesOne.map((i) => i.path)).toEqual(['004.sql']);
    expect((await one.query<{ indexname: string }>(INDEXES, T)).map((r) => r.indexname)).toContain('a_n');
    expect(await batched.query(SCHEMA, T)).toEqual(await one.query(SCHEMA, T));
    expect(await batched.query(INDEXES, T)).toEqual(await one.query(INDEXES, T));
    expect((await one.query<{ table_name: string }>(SCHEMA, T)).some((r) => r.table_name === 'b')).toBe(true);
    // 001–003 went in as one transaction (the first exec), not one by one.
    expect(execs[0]).toMatch(/^BEGIN;\nCREATE TABLE a[\s\S]*CREATE TABLE b[\s\S]*CREATE INDEX c_id ON c[\s\S]*COMMIT;$/);
  }, 300_000);
});
