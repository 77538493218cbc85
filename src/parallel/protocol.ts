// Messages between the main thread and the lint workers.
import type { Finding, StatementReport } from '../types.js';

/** What a worker needs of an analysis unit (structured-clonable). */
export interface LintableUnit {
  sql: string;
  raw?: string | Uint8Array;
}

export interface ChunkResult {
  findings: Finding[];
  /** Findings an ignore directive silenced (reported separately). */
  suppressed: Finding[];
  statements: StatementReport[];
}

/** `prelude`: the units between the worker's previous chunk and this one, linted elsewhere. */
export type ToWorker = { type: 'chunk'; chunk: number; prelude: LintableUnit[]; units: LintableUnit[] };

export type ToMain =
  | { type: 'ready' }
  | { type: 'done'; chunk: number; results: ChunkResult[] }
  | { type: 'failed'; chunk: number; message: string };
