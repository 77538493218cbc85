import type { Direction, Framework, TransactionMode } from '../types.js';
import type { RuleSetting } from '../config/schema.js';

export type MigrationLanguage = 'sql' | 'ruby' | 'python' | 'javascript' | 'typescript' | 'elixir' | 'xml' | 'yaml' | 'json';
/** `schema`: a schema dump (pg_dump output, Rails `structure.sql`), loaded into an empty database rather than run on a live one. */
export type MigrationKind = 'migration' | 'repeatable' | 'verify' | 'schema';

export interface MigrationFile {
  /** Repository-relative path with `/` separators. */
  path: string;
  framework: Framework;
  /** `down` for rollback/undo files (diesel down.sql, Flyway U…, sqitch revert/, *.down.sql). */
  direction: Direction;
  /** Whether the framework runs this file (its `direction` part) inside one transaction. */
  transaction: TransactionMode;
  /**
   * For two-way files (dbmate sections, Rails/Django/Alembic/Knex/TypeORM/Sequelize): the
   * transaction mode of the down part. Absent = same as `transaction`.
   */
  downTransaction?: TransactionMode;
  /** Sorting a set's files by orderKey gives the framework's apply order: ups, repeatables, then downs newest first. */
  orderKey: string;
  /** Name of the migration set (usually its directory). Order and history are per set. */
  set: string;
  language: MigrationLanguage;
  kind: MigrationKind;
  /** Version as the framework reads it (Flyway `1.2`, a timestamp, a sqitch change name…). */
  version?: string;
  /** Human name / description part of the file name. */
  name?: string;
  /**
   * Prisma and golang-migrate send the whole file as one multi-statement query: PostgreSQL
   * runs such a query as one implicit transaction, so CONCURRENTLY only works when it is the
   * only statement.
   */
  singleQuery?: boolean;
  /** From a configured migration set. */
  pgVersion?: number;
  rules?: Record<string, RuleSetting>;
  /** Why the transaction mode is what it is (e.g. `disable_ddl_transaction!`), for reports. */
  transactionReason?: string;
  /** Template placeholder values from the framework's configuration (Flyway placeholders). */
  vars?: Record<string, string>;
}

export interface DiscoveryResult {
  /** Sorted with sortMigrations. */
  migrations: MigrationFile[];
  /** Schema dumps (schema.sql, structure.sql, schema.rb, schema.prisma). */
  schemas: string[];
  /** Candidate files that are not migrations (excluded by config, other SQL dialects, non-migration scripts). */
  ignored: string[];
}

export interface DiscoverInput {
  paths: string[];
  config: import('../config/schema.js').DbarchConfig;
  /** Returns the file's content, or undefined when it does not exist / cannot be read. */
  readFile: (path: string) => string | undefined;
}

/** The SQL of one direction of a migration file, ready for the parser. */
export interface SqlUnit {
  direction: Direction;
  transaction: TransactionMode;
  /** Same length and line layout as the original file: positions map 1:1. */
  sql: string;
}
