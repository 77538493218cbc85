// The rule contract: one rule per file in `rules/`, metadata beside its check.
import type { Node } from '@pgsql/types';
import type { FileFacts } from '../pg/file.js';
import type { Category, Finding, Fix, LockMode, Severity, StatementFacts, TransactionMode } from '../types.js';

type UnionKeys<T> = T extends unknown ? keyof T : never;
/** A libpg_query node kind, e.g. `AlterTableStmt`. */
export type NodeTag = UnionKeys<Node>;
/** The payload of a node of kind K. */
export type NodeOf<K extends NodeTag> = Extract<Node, Record<K, unknown>>[K];

export const SEVERITY_REASONS = ['blocks-existing-table', 'fails-at-runtime'] as const;
export type SeverityReason = (typeof SEVERITY_REASONS)[number];

export interface RuleExample {
  /**
   * The schema earlier migrations built, when the example needs one: the model reviews `bad`
   * and `good` with it as history, and the fix round-trip test runs the fix on it.
   */
  schema?: string;
  /** SQL that the rule must flag (docs + tests run it). */
  bad: string;
  /** The safe rewrite of `bad`; it must lint clean of this rule. */
  good: string;
  /** Notes shown under the example (e.g. "run outside a transaction"). */
  note?: string;
  /** How the example runs (default `transaction`, like a plain migration file). */
  transaction?: TransactionMode;
}

export interface RuleMeta {
  /** kebab-case; squawk's id where the hazard is the same. */
  id: string;
  /** One line. */
  description: string;
  category: Category;
  defaultSeverity: Severity | 'off';
  /**
   * Why findings of this rule may be errors; required for every rule that can report `error`.
   * `error` is reserved for reads or writes blocked on an existing table by a scan, rewrite or
   * index build, and for statements that fail at runtime: everything else is warning or info.
   */
  severityReason?: SeverityReason;
  /** Short explanation of the hazard (markdown). */
  hazard: string;
  /** PostgreSQL major versions the rule applies to (inclusive bounds). */
  pgVersions?: { min?: number; max?: number };
  /** Lock the bad example takes, for the docs (e.g. 'ACCESS EXCLUSIVE'). */
  lock?: LockMode;
  /** The squawk rule id that flags the same hazard, for de-duplication. */
  squawk?: string[];
  /**
   * Statement node tags the rule looks at (e.g. `AlterTableStmt`); the engine skips the
   * rule on other statements. Absent: every statement.
   */
  nodes?: NodeTag[];
  /**
   * Findings on a relation created earlier in the file, or provably empty (see
   * `FileFacts.isNewOrEmpty`): `skip` drops them, `report` keeps them. Default: `skip` for the
   * locking and rewrite categories (no traffic to block, nothing to rewrite), else `report`.
   */
  newRelations?: 'skip' | 'report';
  /**
   * Severity of the rule's findings in a down (rollback) migration: `info` demotes them,
   * `keep` leaves them. Default: `info` for backward-compatibility rules (a rollback undoes
   * a change the code never shipped against), else `keep`.
   */
  onDown?: 'info' | 'keep';
  /** A warning from this rule becomes an error on a configured `largeTables` relation. */
  escalateOnLargeTables?: boolean;
  /** Message templates keyed by id; `{name}` placeholders. */
  messages: Record<string, string>;
  examples: RuleExample[];
}

export interface RuleContext {
  pgVersion: number;
  /** How the runner executes the file; BEGIN/COMMIT in the file change it per statement (see `inTransaction`). */
  transaction: TransactionMode;
  /** The model's file-level facts: relation states, timeouts, search_path, transaction blocks. */
  file: FileFacts;
  /** Relations (schema-qualified) configured as large/busy: escalate severity there. */
  largeTables: ReadonlySet<string>;
  direction: 'up' | 'down';
  /** All statements of the file, in order. */
  statements: readonly StatementFacts[];
  /** Was this relation created earlier in this file (so it is new and empty)? */
  createdEarlier(relation: string, beforeIndex: number): boolean;
  /** Was `SET lock_timeout` (or `SET LOCAL lock_timeout`) in effect before this statement? */
  lockTimeoutSet(beforeIndex: number): boolean;
  statementTimeoutSet(beforeIndex: number): boolean;
  /** Resolve a possibly unqualified name with the search_path in effect at the statement. */
  qualify(name: string, schema: string | undefined, atIndex: number): string;
  /** Options for this rule from config, parsed by the rule's `optionsSchema` when it has one. */
  options: Record<string, unknown>;
}

/** What a rule returns; the engine fills severity, category, engine, span defaults. */
export interface Violation<M extends string = string> {
  messageId: M;
  data?: Record<string, string | number>;
  /** Defaults to the statement's span; give a narrower one when known. */
  span?: { line: number; column: number; endLine: number; endColumn: number };
  relation?: string;
  lockMode?: LockMode;
  fix?: Fix;
  /** Override the configured severity (e.g. escalate on large tables). */
  severity?: Severity;
}

/** A violation from a file-level check names the statement it is about. */
export interface FileViolation<M extends string = string> extends Violation<M> {
  statementIndex: number;
}

/** What the engine runs. Write rules with `createRule` (src/rules/create.ts), which types all of it. */
export interface Rule {
  meta: RuleMeta;
  /** Runs on each statement of the kinds in `meta.nodes` (every statement when absent). */
  check?(stmt: StatementFacts, ctx: RuleContext): Violation[];
  /** Runs once per file, for hazards that only the whole file shows. */
  checkFile?(ctx: RuleContext): FileViolation[];
  /** Schema of `rules.<id>.options` in the config; `ctx.options` is its parsed output (defaults applied). */
  optionsSchema?: OptionsSchema;
}

/**
 * What the engine needs of an options schema: a zod schema fits, and so does a small
 * hand-written parser for a rule that must not load zod at start-up.
 */
export interface OptionsSchema {
  safeParse(value: unknown): { success: true; data: unknown } | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
}

export type { Finding };
