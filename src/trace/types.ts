// The trace's input and result types, apart from traceFiles() so that backends
// (PGlite, a real server) can implement them without importing the orchestrator.
import type { Direction, Finding, Fix, ParsedFile, StatementFacts, TransactionMode } from '../types.js';
import type { TraceSession } from './catalog.js';
import type { LockMismatch } from './compare.js';
import type { HistoryFile, ReplayIssue } from './replay.js';
import type { StatementTrace } from './run.js';

export interface TraceTarget {
  path: string;
  source: string;
  parsed: ParsedFile;
  transaction: TransactionMode;
  direction: Direction;
  /** For a down file: the path of its up file (a target or a history file). */
  downOf?: string;
  /** The analyzer's facts for the file; computed with buildFacts when absent. */
  facts?: StatementFacts[];
  /** Only part of the migration is SQL (DSL migrations): failures are not reported as errors. */
  partial?: boolean;
}

export interface FixRequest {
  path: string;
  /** The statement the fix replaces. */
  statementIndex: number;
  fix: Fix;
}

export interface TraceOptions {
  /** Wall-clock limit per migration file. */
  timeoutMs: number;
  memoryMb: number;
  /** Version the static model predicts for (PGlite itself is PostgreSQL 18). */
  pgVersion: number;
  /** Real server (`postgres://…`): a scratch database and role are created and dropped. */
  databaseUrl?: string;
  /** On-disk replay cache, e.g. `.dbarch-cache`. */
  cacheDir?: string;
  /** At most this many fixes are verified (each needs a fresh copy of the schema). Default 20. */
  maxFixes?: number;
  /**
   * Wall-clock limit for everything after the base replay: all targets and fix checks.
   * Files not reached are reported as not traced, fixes as not verified.
   */
  totalMs?: number;
  /** Stops the trace (a superseded review): the running statement's session is closed. */
  signal?: AbortSignal;
}

export interface TraceFilesInput {
  targets: TraceTarget[];
  history: HistoryFile[];
  schemaDump?: { path: string; source: string };
  fixes?: FixRequest[];
  options: TraceOptions;
}

export interface FixVerdict extends FixRequest {
  verdict: { ok: boolean; note: string };
}

export interface TraceFilesResult {
  engine: 'pglite' | 'postgres';
  perStatement: Map<string, Map<number, StatementTrace>>;
  findings: Map<string, Finding[]>;
  fixVerdicts: FixVerdict[];
  mismatches: Map<string, LockMismatch[]>;
  base: {
    key?: string;
    fromCache: 'memory' | 'disk' | false;
    replayMs: number;
    /** History statements that failed during replay (replay continued). */
    issues: ReplayIssue[];
    unavailableExtensions: string[];
  };
}

/** A connection at the base state; PGlite: a worker loaded from the replayed dump. */
export interface OpenedSession {
  session: TraceSession;
  alive(): boolean;
  close(): Promise<void>;
  /** A copy of the session's current state that opens as new sessions (PGlite: a data-directory dump). */
  snapshot?(): Promise<() => Promise<OpenedSession>>;
}

export interface Backend {
  engine: 'pglite' | 'postgres';
  open(): Promise<OpenedSession>;
  base: TraceFilesResult['base'];
  dispose(): Promise<void>;
}
