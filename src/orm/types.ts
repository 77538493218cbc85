// The contract between the ORM translators and the analyzer: SQL statements the framework
// would run, each tied to the DSL call it came from.
import type { Direction, Span } from '../types.js';

export type OrmLanguage = 'ruby' | 'elixir' | 'python' | 'javascript' | 'typescript';

/** One SQL statement a DSL call runs. */
export interface TranslatedStatement {
  /** A single statement on one line, without the trailing semicolon. */
  sql: string;
  /** The DSL call it came from (file coordinates). */
  span: Span;
  direction: Direction;
  /** The DSL operation, e.g. `add_index`, `t.references`, `create index`. */
  op: string;
  /** What the translator knows to rewrite this call safely (read by `dslFix`). */
  call?: DslCall;
  /** Rules that do not apply: the framework itself wrote this statement (Alembic's COMMIT/BEGIN around autocommit_block). */
  exempt?: string[];
}

/** The DSL call behind a statement, with enough of it to write its safe version. */
export interface DslCall {
  /** Source text of the whole call. */
  text: string;
  /** Keyword options given to the call (`algorithm`, `validate`, `concurrently`…), as source text. */
  options: Record<string, string>;
  /** Translator-specific facts (table, column, constraint name) for fixes. */
  facts: Record<string, string>;
}

/** Something in the file that the translation could not turn into SQL. */
export interface OrmNotice {
  span: Span;
  message: string;
  /** `orm-not-analysed` unless set: `orm-no-sql` for an operation that changes only the ORM's state, `orm-data-migration` for code that writes rows in batches, `unbatched-data-migration` (a warning, as for SQL) when it does not. */
  rule?: 'orm-no-sql' | 'orm-data-migration' | 'unbatched-data-migration';
}

export interface Translation {
  statements: TranslatedStatement[];
  notices: OrmNotice[];
  /** Regions whose statements carry an ignore directive (strong_migrations `safety_assured`). */
  ignores: { span: Span; directive: string }[];
  /** Whether the file's `execute`-style embedded SQL is also to be extracted by src/migrations. */
  embeddedSql: boolean;
}
