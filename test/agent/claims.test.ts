// Model claims contradicted by the trace are corrected before posting, and noted.
import { describe, expect, it } from 'vitest';
import { checkClaims, verificationLine } from '../../src/agent/claims.js';
import type { ArchitectResult } from '../../src/agent/types.js';
import type { Report } from '../../src/types.js';

const report = {
  files: [
    {
      path: 'db/m.sql',
      findings: [{ rule: 'adding-field-with-default', severity: 'error', line: 1 }],
      statements: [
        { line: 1, endLine: 1, locks: [{ relation: 'public.users', mode: 'SHARE' }], rewritesTable: false, trace: { locks: [{ relation: 'public.users', mode: 'ACCESS EXCLUSIVE' }], rewrote: ['public.users'], durationMs: 3 } },
        { line: 2, endLine: 2, locks: [{ relation: 'public.users', mode: 'SHARE UPDATE EXCLUSIVE' }], rewritesTable: false },
      ],
    },
  ],
} as unknown as Report;

const result = (explanation: string, line = 1): ArchitectResult => ({
  summary: 's',
  risk: 'high',
  questions: [],
  findings: [{ path: 'db/m.sql', line, severity: 'warning', category: 'locking', title: 't', explanation, recommendation: 'r' }],
});

describe('model claims', () => {
  it('a lock weaker than the trace saw and "no rewrite" against an observed rewrite are corrected and noted', () => {
    const out = checkClaims(result('This takes only a SHARE lock and adds the column without a rewrite.'), report);
    expect(out.result.findings[0]!.explanation).toBe(
      'This takes ACCESS EXCLUSIVE lock (corrected by dbarch: the trace saw ACCESS EXCLUSIVE on public.users) and adds the column with a table rewrite (corrected by dbarch: the trace saw public.users rewritten).',
    );
    expect(out.corrections).toEqual([
      'db/m.sql:1: the model said "only a SHARE lock"; the trace saw ACCESS EXCLUSIVE on public.users',
      'db/m.sql:1: the model said "without a rewrite"; the trace saw a rewrite of public.users',
    ]);
  });

  it('claims the analyzer agrees with are kept', () => {
    const out = checkClaims(result('It takes only a SHARE UPDATE EXCLUSIVE lock, no rewrite.', 2), report);
    expect(out.result.findings[0]!.explanation).toBe('It takes only a SHARE UPDATE EXCLUSIVE lock, no rewrite.');
    expect(out.corrections).toEqual([]);
  });

  it('says what the review was verified against and what it could not check', () => {
    expect(verificationLine(report)).toBe(
      'Verified against: analyzer findings (1), trace (1 of 2 statement(s)), schema at base (replayed). Could not check: 1 untraced statement(s); production data volumes and application code.',
    );
  });
});
