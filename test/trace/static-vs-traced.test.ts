// Every lock-model fixture is executed, and the static prediction (table → strongest mode)
// must equal what PostgreSQL took: on PGlite always, and on the real server when present.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { buildFacts, catalogFromHistory } from '../../src/pg/index.js';
import { initParser, parseSql } from '../../src/sql/index.js';
import type { LockMode } from '../../src/types.js';
import { compareLocks, describeMismatch } from '../../src/trace/compare.js';
import type { TraceSession } from '../../src/trace/catalog.js';
import { openPostgresBackend } from '../../src/trace/postgres.js';
import { traceFile } from '../../src/trace/run.js';
import { PgliteWorker } from '../../src/trace/worker.js';
import type { OpenedSession, Backend } from '../../src/trace/index.js';

interface LockCase {
  name: string;
  setup: string;
  sql: string;
  expected: Record<string, LockMode>;
  rewrites: string[];
  transactional: boolean;
}

const cases = JSON.parse(readFileSync(new URL('../../fixtures/locks/cases.json', import.meta.url), 'utf8')) as LockCase[];
const DATABASE_URL = process.env.DBARCH_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

interface Outcome {
  agree: string[];
  disagree: string[];
  /** Non-transactional statements on PGlite: only the lock model's mode exists. */
  unobservable: string[];
  /** The server lacks the syntax/feature (real server older than the grammar). */
  unsupported: string[];
  failed: string[];
  rewriteDisagree: string[];
}

const RESET = `DO $$ DECLARE s text; BEGIN
  FOR s IN SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_%' LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s);
  END LOOP;
  CREATE SCHEMA public;
  FOR s IN SELECT pubname FROM pg_publication LOOP
    EXECUTE format('DROP PUBLICATION %I', s);
  END LOOP;
END $$;`;

async function runCases(session: TraceSession, pgVersion: number): Promise<Outcome> {
  const out: Outcome = { agree: [], disagree: [], unobservable: [], unsupported: [], failed: [], rewriteDisagree: [] };
  for (const c of cases) {
    const reset = await session.exec(RESET, 60_000);
    if (!reset.ok) throw new Error(`reset failed: ${reset.error.message}`);
    if (c.setup.trim()) {
      const setup = await session.exec(c.setup, 60_000);
      if (!setup.ok) {
        (['42601', '0A000', '42704'].includes(setup.error.code ?? '') ? out.unsupported : out.failed).push(`${c.name}: setup: ${setup.error.message}`);
        continue;
      }
    }
    const parsed = parseSql(c.sql, { path: `${c.name}.sql` });
    const transaction = c.transactional ? 'transaction' : 'none';
    // the review passes the history's catalog too: it names partitions, children, FK targets
    const catalog = catalogFromHistory([parseSql(c.setup, { path: 'setup.sql' })]);
    const facts = buildFacts(parsed, { transaction, pgVersion, catalog });
    const trace = await traceFile(session, parsed, { transaction, pgVersion, timeoutMs: 60_000, facts });
    if (trace.failure) {
      const unsupported = ['42601', '0A000'].includes(trace.failure.code ?? '') || trace.failure.kind === 'refused';
      const where = unsupported ? out.unsupported : out.failed;
      where.push(`${c.name}: ${trace.failure.message}`);
      continue;
    }
    const fact = facts[0]!;
    const t = trace.statements.get(fact.stmt.index)!;
    if (!t.observed) {
      out.unobservable.push(c.name);
      continue;
    }
    const mismatches = compareLocks(fact.stmt.index, fact.locks, t);
    if (mismatches.length) out.disagree.push(`${c.name}: ${mismatches.map(describeMismatch).join('; ')}`);
    else out.agree.push(c.name);
    const staticRewrites = [...fact.rewrites].sort().join(',');
    if (staticRewrites !== t.rewrote.join(',')) out.rewriteDisagree.push(`${c.name}: lock model rewrites [${staticRewrites}], trace rewrote [${t.rewrote.join(',')}]`);
  }
  return out;
}

function report(engine: string, o: Outcome): void {
  const compared = o.agree.length + o.disagree.length;
  console.log(`static-vs-traced: ${o.agree.length}/${compared} cases agree (${engine})` +
    (o.unobservable.length ? `, ${o.unobservable.length} non-transactional cases use the documented mode (${o.unobservable.join(', ')})` : '') +
    (o.unsupported.length ? `, ${o.unsupported.length} not supported by this server` : ''));
  for (const d of o.disagree) console.log(`  DISAGREE ${d}`);
  for (const d of o.failed) console.log(`  FAILED ${d}`);
  for (const d of o.unsupported) console.log(`  UNSUPPORTED ${d}`);
  for (const d of o.rewriteDisagree) console.log(`  REWRITE ${d}`);
}

beforeAll(async () => {
  await initParser();
});

describe('static lock model vs traced locks', () => {
  let worker: PgliteWorker | undefined;
  afterAll(async () => {
    await worker?.close();
  });

  it(`PGlite: all ${cases.length} fixtures agree`, async () => {
    worker = await PgliteWorker.start({ memoryMb: 512 });
    const o = await runCases(worker, 18);
    report('PGlite', o);
    expect(o.failed).toEqual([]);
    expect(o.disagree).toEqual([]);
    // only COPY … PROGRAM is not run (sandbox), and every fixture is accounted for
    expect(o.unsupported.filter((u) => !u.includes('COPY … PROGRAM'))).toEqual([]);
    expect(o.agree.length + o.disagree.length + o.unobservable.length + o.unsupported.length).toBe(cases.length);
  }, 600_000);

  let serverUp = false;
  beforeAll(async () => {
    const c = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3_000 });
    try {
      await c.connect();
      serverUp = true;
    } catch {
      console.log(`static-vs-traced: PostgreSQL not reachable at ${DATABASE_URL}; the real-server run is skipped`);
    } finally {
      await c.end().catch(() => undefined);
    }
  });

  it('real PostgreSQL: all fixtures the server supports agree, CONCURRENTLY observed by a second connection', async (ctx) => {
    if (!serverUp) ctx.skip();
    let backend: Backend | undefined;
    let opened: OpenedSession | undefined;
    try {
      backend = await openPostgresBackend({ targets: [], history: [], options: { timeoutMs: 60_000, memoryMb: 512, pgVersion: 15, databaseUrl: DATABASE_URL } }, []);
      opened = await backend.open();
      const version = Number((await opened.session.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`, 10_000))[0]!.v.slice(0, 2));
      const o = await runCases(opened.session, version);
      report(`PostgreSQL ${version}`, o);
      expect(o.failed).toEqual([]);
      expect(o.disagree).toEqual([]);
      expect(o.unobservable).toEqual([]);
    } finally {
      await opened?.close();
      await backend?.dispose();
    }
  }, 600_000);
});
