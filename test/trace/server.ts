// The PostgreSQL server of the real-server trace tests; they skip with a message without it.
import pg from 'pg';

export const DATABASE_URL = process.env.DBARCH_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function serverReachable(tests: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3_000 });
  try {
    await c.connect();
    return true;
  } catch {
    console.log(`${tests}: PostgreSQL not reachable at ${DATABASE_URL} (set DBARCH_TEST_DATABASE_URL); skipped`);
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}
