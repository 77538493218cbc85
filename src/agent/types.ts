// Shapes the architect agent exchanges with the model and with the App.
import { z } from 'zod';
import { LOCK_MODES } from '../types.js';
import type { Finding, LockMode, Report, StatementReport } from '../types.js';

export const RISKS = ['low', 'medium', 'high', 'critical'] as const;
export type Risk = (typeof RISKS)[number];

export const architectFindingSchema = z
  .object({
    path: z.string().min(1).max(500),
    line: z.number().int().min(1),
    severity: z.enum(['error', 'warning', 'info']),
    category: z.enum([
      'locking',
      'rewrite',
      'backward-compatibility',
      'integrity',
      'data-modeling',
      'performance',
      'security',
      'operations',
      'style',
    ]),
    title: z.string().min(1).max(200),
    explanation: z.string().min(1).max(4000),
    recommendation: z.string().min(1).max(4000),
    sql: z.string().max(8000).optional(),
  })
  .strict();
export type ArchitectFinding = z.infer<typeof architectFindingSchema>;

/** What `submit_review` must carry; the model's whole answer. */
export const architectResultSchema = z
  .object({
    summary: z.string().min(1).max(4000),
    risk: z.enum(RISKS),
    findings: z.array(architectFindingSchema).max(50),
    questions: z.array(z.string().min(1).max(1000)).max(20),
  })
  .strict();
export type ArchitectResult = z.infer<typeof architectResultSchema>;

export interface TokenUsage {
  input: number;
  output: number;
  cacheCreation: number;
  cacheRead: number;
}

export function emptyUsage(): TokenUsage {
  return { input: 0, output: 0, cacheCreation: 0, cacheRead: 0 };
}

export function totalTokens(u: TokenUsage): number {
  return u.input + u.output + u.cacheCreation + u.cacheRead;
}

export interface ArchitectOutcome {
  /** `model`: fresh answer; `cache`: reused from an identical earlier input; `fallback`: analyzer only. */
  source: 'model' | 'cache' | 'fallback';
  result: ArchitectResult;
  /** Why the AI review is missing (set when source is `fallback`). */
  unavailableReason?: string;
  model: string;
  usage: TokenUsage;
  /** USD, from the price table; null when the model is not in it. */
  costUsd: number | null;
  turns: number;
  cacheKey: string;
  /** Model statements contradicted by the trace or the analyzer, as corrected before posting. */
  corrections?: string[];
  /** What the review was verified against and what it could not check (one line). */
  verifiedAgainst?: string;
}

/** A migration file as the agent sees it. */
export interface MigrationInput {
  path: string;
  /** Full text at the head SHA. */
  content: string;
  /** The unified-diff patch GitHub reports for the file (absent for a local run). */
  patch?: string;
}

/** Result of running the analyzer on a snippet (the `lint_sql` tool and the redesign steps). */
export interface SnippetLint {
  findings: Finding[];
  statements: StatementReport[];
}

/** Runs the analyzer on a SQL snippet. `transaction` says whether it runs inside a transaction block. */
export type SnippetLinter = (sql: string, opts: { transaction: boolean }) => Promise<SnippetLint>;

/** Read-only view of the repository at the head SHA. Paths are repo-relative, already confined. */
export interface RepoAccess {
  readFile(path: string): Promise<string | null>;
  listFiles(): Promise<string[]>;
}

export interface AgentLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Strongest lock a statement list takes (for plans and tables). */
export function strongestLock(statements: readonly StatementReport[]): { relation: string; mode: LockMode } | undefined {
  const order: readonly LockMode[] = LOCK_MODES;
  let best: { relation: string; mode: LockMode } | undefined;
  for (const st of statements) {
    for (const l of st.locks) {
      if (!best || order.indexOf(l.mode) > order.indexOf(best.mode)) best = { relation: l.relation, mode: l.mode };
    }
  }
  return best;
}

export type { Report };
