// Recorded redesign cases: a base schema and a migration each, covering the rule catalog's hazards
// on several tables, foreign keys and enums. The deterministic planner must prove every one.
export interface RedesignCase {
  name: string;
  schema: string;
  migration: string;
  /**
   * What the recorded model answer (fixtures/anthropic/redesign-cases/<slug>.json) leads to: proven
   * as first submitted, proven after the one revision, or replaced by the rule-based plan.
   */
  model: 'first' | 'revised' | 'fallback';
  /** How the framework runs the migration (default: in a transaction). */
  transaction?: 'transaction' | 'none';
}

const USERS = `CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name text, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL, total numeric(10,2), status text);
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE TABLE people (id bigint PRIMARY KEY, feeling mood);
INSERT INTO users SELECT g, 'u' || g || '@x.io', 'n' || g, now() FROM generate_series(1, 200) g;
INSERT INTO orders SELECT g, 1 + g % 200, g, 'new' FROM generate_series(1, 400) g;`;

/** The fixture name of a case's recorded model answers. */
export const slug = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

export const CASES: RedesignCase[] = [
  { name: 'index without CONCURRENTLY', model: 'first', schema: USERS, migration: 'CREATE INDEX users_name_idx ON users (name);' },
  { name: 'unique index without CONCURRENTLY', model: 'first', schema: USERS, migration: 'CREATE UNIQUE INDEX users_email_key2 ON users (email);' },
  { name: 'drop index without CONCURRENTLY', model: 'first', schema: `${USERS}\nCREATE INDEX orders_status_idx ON orders (status);`, migration: 'DROP INDEX orders_status_idx;' },
  { name: 'foreign key validated at once', model: 'first', schema: USERS, migration: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);' },
  { name: 'check constraint validated at once', model: 'revised', schema: USERS, migration: 'ALTER TABLE orders ADD CONSTRAINT orders_total_pos CHECK (total >= 0);' },
  { name: 'set not null', model: 'first', schema: USERS, migration: 'ALTER TABLE users ALTER COLUMN name SET NOT NULL;' },
  { name: 'add column, backfill, not null, index', model: 'fallback', schema: USERS, migration: 'ALTER TABLE users ADD COLUMN verified boolean;\nUPDATE users SET verified = false;\nALTER TABLE users ALTER COLUMN verified SET NOT NULL;\nCREATE INDEX users_verified_idx ON users (verified);' },
  { name: 'add column with constant default', model: 'revised', schema: USERS, migration: "ALTER TABLE orders ADD COLUMN currency text DEFAULT 'EUR';" },
  { name: 'add column with volatile default', model: 'first', schema: USERS, migration: 'ALTER TABLE orders ADD COLUMN created_at timestamptz DEFAULT clock_timestamp();' },
  { name: 'whole-table update', model: 'first', schema: USERS, migration: "UPDATE orders SET status = 'open' WHERE status = 'new';" },
  { name: 'enum value added', model: 'first', schema: USERS, migration: "ALTER TYPE mood ADD VALUE 'happy';" },
  { name: 'new table with foreign key', model: 'first', schema: USERS, migration: 'CREATE TABLE payments (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders (id), amount numeric(10,2));' },
  { name: 'index on a new table', model: 'first', schema: USERS, migration: 'CREATE TABLE tags (id bigint PRIMARY KEY, label text);\nCREATE INDEX tags_label_idx ON tags (label);' },
  { name: 'unique constraint', model: 'fallback', schema: USERS, migration: 'ALTER TABLE users ADD CONSTRAINT users_name_key UNIQUE (name);' },
  { name: 'primary key on a new column set', model: 'first', schema: `${USERS}\nCREATE TABLE audit (id bigint NOT NULL, note text);`, migration: 'ALTER TABLE audit ADD PRIMARY KEY (id);' },
  { name: 'drop column', model: 'revised', schema: USERS, migration: 'ALTER TABLE orders DROP COLUMN status;' },
  { name: 'lock_timeout set, concurrent index', model: 'first', schema: USERS, migration: "SET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY orders_user_idx ON orders (user_id);", transaction: 'none' },
  { name: 'two tables, index and foreign key', model: 'revised', schema: USERS, migration: 'CREATE INDEX orders_user_id_idx ON orders (user_id);\nALTER TABLE orders ADD CONSTRAINT orders_user_fk2 FOREIGN KEY (user_id) REFERENCES users (id);' },
  { name: 'enum column on a table', model: 'first', schema: USERS, migration: "ALTER TABLE orders ADD COLUMN feeling mood DEFAULT 'ok';" },
  { name: 'drop not null', model: 'first', schema: USERS, migration: 'ALTER TABLE users ALTER COLUMN email DROP NOT NULL;' },
  { name: 'view over orders', model: 'first', schema: USERS, migration: 'CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100;' },
  { name: 'grant', model: 'fallback', schema: `${USERS}\nCREATE ROLE reporting;`, migration: 'GRANT SELECT ON orders TO reporting;' },
];
