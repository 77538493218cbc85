// The shared contract of dbarch. Every module (parser, lock model, rules, engines,
// discovery, trace, app, agent, CLI) speaks these types; change them with care.
import type { Node } from '@pgsql/types';

export const SEVERITIES = ['error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const SEVERITY_RANK: Record<Severity, number> = { info: 1, warning: 2, error: 3 };

export const CATEGORIES = [
  'locking',
  'rewrite',
  'backward-compatibility',
  'integrity',
  'data-modeling',
  'security',
  'style',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** PostgreSQL table-level lock modes, weakest first (the order of the docs' table 13.2). */
export const LOCK_MODES = [
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
] as const;
export type LockMode = (typeof LOCK_MODES)[number];

/**
 * A place in a source file. Lines and columns are 1-based; columns count Unicode code
 * points (a tab is one column); endColumn is exclusive (one past the last character),
 * as in SARIF. offset/endOffset are JS string indexes into the decoded source text
 * (after BOM removal), used to slice text and to place fixes.
 */
export interface Span {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  offset: number;
  endOffset: number;
}

export interface LockRef {
  /** Schema-qualified relation, e.g. `public.users`. */
  relation: string;
  mode: LockMode;
}

export interface Blocks {
  reads: boolean;
  writes: boolean;
  ddl: boolean;
}

/** Every migration framework dbarch knows: the config's `frameworks:` values and reports use this list. */
export const FRAMEWORKS = [
  'flyway',
  'prisma',
  'golang-migrate',
  'diesel',
  'dbmate',
  'sqitch',
  'supabase',
  'rails',
  'django',
  'alembic',
  'knex',
  'typeorm',
  'sequelize',
  'ecto',
  'liquibase',
  'generic',
  'sql',
] as const;
export type Framework = (typeof FRAMEWORKS)[number];
export type Direction = 'up' | 'down';
/** How a file runs: inside one transaction (framework-implicit or configured) or statement by statement. */
export type TransactionMode = 'transaction' | 'none';

// ---------------------------------------------------------------- parser (src/sql)

/** One statement as the parser found it. `ast` is absent when it could not be parsed. */
export interface SqlStatement {
  /** Position among the file's statements, in source order (nested ones follow their parent). */
  index: number;
  /** Exact source text of the statement, without the trailing semicolon. */
  text: string;
  span: Span;
  /** The RawStmt's `stmt`, e.g. `{ AlterTableStmt: {...} }`. */
  ast?: Node;
  /** Parse error for this statement (span points at the error position). */
  error?: { message: string; span: Span };
  /** Set for statements taken out of a DO block / PL/pgSQL body the migration runs. */
  nested?: { parentIndex: number; via: 'static' | 'execute' };
  /** The statement as parsed and run, when template placeholders in `text` were substituted. */
  rendered?: string;
  /**
   * Subtract from a `location` in `ast` to get a UTF-8 byte offset into `text`; set when the
   * AST was parsed from `text` as written (not for templates, blanked psql lines or DO bodies).
   */
  astLocation?: number;
}

export interface IgnoreDirectives {
  /** Rules ignored for the whole file (`dbarch-ignore-file` / `squawk-ignore-file`); '*' = all. */
  file: Set<string>;
  /** Rules ignored for the statement starting on the line after a directive; key = statement index. */
  byStatement: Map<number, Set<string>>;
}

export interface ParsedFile {
  path: string;
  /** Decoded text (BOM removed). */
  source: string;
  statements: SqlStatement[];
  directives: IgnoreDirectives;
  /** `syntax-error` findings and `info` findings for anything skipped (meta-commands, COPY data, size…). */
  notices: Finding[];
  /** `SET search_path` seen in the file applies from the statement index on. */
}

// ---------------------------------------------------------------- lock model (src/pg)

/** What one statement does to the database, judged statically (the eugene-style summary). */
export interface StatementEffect {
  /** Human kind, e.g. `ALTER TABLE`, `CREATE INDEX CONCURRENTLY`, `UPDATE`. */
  kind: string;
  /** Strongest lock per relation, taken by this statement. */
  locks: LockRef[];
  /** Relations whose heap/indexes are rewritten. */
  rewrites: string[];
  /** Relations fully scanned while the lock is held (e.g. SET NOT NULL, ADD CHECK validation). */
  scans: string[];
  /** false for statements PostgreSQL refuses inside a transaction block (CONCURRENTLY, VACUUM…). */
  transactional: boolean;
  /** Relations created / dropped by the statement (schema-qualified). */
  creates: string[];
  drops: string[];
  /** Tables whose replica identity this statement takes away or gives back (absent when none). */
  replicaIdentity?: ReplicaIdentityChange;
  /** Foreign keys whose column changes type here: their other table is locked too (absent when none). */
  foreignKeyTypeChanges?: ForeignKeyTypeChange[];
}

export interface ReplicaIdentityLoss {
  relation: string;
  /** The primary key (what REPLICA IDENTITY DEFAULT uses) or the index REPLICA IDENTITY USING INDEX names. */
  what: 'primary-key' | 'identity-index';
  /** The constraint or index dropped. */
  name: string;
  /** How the model knows `name` is that key: from the schema, or from PostgreSQL's default name `<table>_pkey`. */
  known: 'catalog' | 'default-name';
  /** Publications the model knows publish UPDATE or DELETE of the table. */
  publications: string[];
}

export interface ReplicaIdentityChange {
  lost: ReplicaIdentityLoss[];
  /** Tables given a usable replica identity (ADD PRIMARY KEY under DEFAULT, USING INDEX, FULL). */
  restored: string[];
}

export interface ForeignKeyTypeChange {
  /** The table whose column type changes. */
  table: string;
  column: string;
  /** The foreign key's name and the other table of it. */
  constraint: string;
  other: string;
  /** `referencing`: the column is the FK's own column; `referenced`: another table's FK points at it. */
  side: 'referencing' | 'referenced';
}

/** A statement with its effect and its place in the file's transaction model. */
export interface StatementFacts extends StatementEffect {
  stmt: SqlStatement;
  /** Whether this statement runs inside a transaction block (explicit BEGIN or implicit). */
  inTransaction: boolean;
  /** Locks held at this point in the current transaction, including this statement's. */
  heldLocks: LockRef[];
  /** search_path in effect (first entry is where unqualified names resolve). */
  searchPath: string[];
}

// ---------------------------------------------------------------- findings

export interface Fix {
  description: string;
  sql: string;
  /** The fix replaces the statement text at this span (used for one-click suggestions). */
  replaces?: Span;
  /** The fix must run outside a transaction block (CONCURRENTLY etc.). */
  outsideTransaction?: boolean;
  /**
   * The framework's own way to run the migration outside its transaction, and the file it is
   * written in (a new `metadata.toml` for diesel, `V1__x.sql.conf` for Flyway, the migration itself…).
   */
  optOut?: { file: string; action: 'create' | 'edit'; text: string };
  /**
   * For migrations written in an ORM's DSL: the same fix in the file's language. With
   * `replaces`, this code (not `sql`) replaces the DSL call; `sql` stays the SQL it runs.
   */
  dsl?: { language: string; code: string };
  /** Set by the trace when the fix was executed on the replayed schema. */
  verified?: { ok: boolean; note: string };
}

export type EngineName = 'builtin' | 'squawk' | 'trace';

export interface Finding {
  rule: string;
  severity: Severity;
  category?: Category;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  message: string;
  /** Longer explanation of the hazard. */
  help?: string;
  relation?: string;
  lockMode?: LockMode;
  fix?: Fix;
  /** Which engine produced it; `engines` lists all when de-duplicated across engines. */
  engine: EngineName;
  engines?: EngineName[];
  /** Index of the statement the finding is about, when it is about one. */
  statementIndex?: number;
}

// ---------------------------------------------------------------- report (JSON contract)

export interface TraceResult {
  locks: LockRef[];
  rewrote: string[];
  error?: string;
  durationMs: number;
}

export interface StatementReport {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  kind: string;
  locks: LockRef[];
  rewritesTable: boolean;
  scansTable: boolean;
  inTransaction: boolean;
  transactional: boolean;
  blocks: Blocks;
  trace?: TraceResult;
}

export interface FileReport {
  path: string;
  framework: Framework;
  direction: Direction;
  transaction: TransactionMode;
  statements: StatementReport[];
  findings: Finding[];
  /** Findings silenced by `dbarch-ignore` / `squawk-ignore` comments (present when there are any). */
  suppressed?: Finding[];
}

export interface ReportSummary {
  files: number;
  statements: number;
  errors: number;
  warnings: number;
  infos: number;
  /** Findings silenced by ignore directives (present when there are any). */
  suppressed?: number;
}

export interface Report {
  files: FileReport[];
  summary: ReportSummary;
}

/** The change key the App and the CI step give a pull request's files: one change, reviewed and deployed together. */
export const PULL_REQUEST_CHANGE = 'pull request';
