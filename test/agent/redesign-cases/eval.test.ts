// Every recorded case, proven on PGlite: the deterministic planner's plan, then the model's
// recorded answers replayed as Messages API responses, where the posted plan (the model's, or the
// rule-based fallback) must be proven with every step traced in the post. One prover per case
// serves both, so the base schema and the migration's result are prepared once.
import { readFileSync } from 'node:fs';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../../src/analyze.js';
import { defaultConfig } from '../../../src/config/schema.js';
import { createSnippetLinter } from '../../../src/agent/lint.js';
import { createPlanProver } from '../../../src/agent/prove.js';
import { checkPlan, renderRedesign, ruleBasedPlan, runRedesign } from '../../../src/agent/redesign.js';
import { FIXTURES, SECRET_ENV, trackUnmatched } from '../helpers.js';
import { CASES, slug } from './cases.js';

const config = defaultConfig();
const tally = { first: 0, revised: 0, fallback: 0 };
let deterministic = 0;

beforeAll(() => nock.disableNetConnect());
afterAll(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

function recorded(name: string): Record<string, unknown>[] {
  return JSON.parse(readFileSync(`${FIXTURES}/redesign-cases/${slug(name)}.json`, 'utf8')) as Record<string, unknown>[];
}

describe('redesign cases, proven', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const files = [{ path: 'db/migrations/002_change.sql', content: `${c.migration}\n` }];
    const report = await analyze({ files, config, trace: false });
    const lint = createSnippetLinter(analyze, config);
    const prove = createPlanProver({
      history: [{ path: 'db/migrations/001_base.sql', source: c.schema, transaction: 'transaction' }],
      migrations: [{ path: files[0]!.path, source: files[0]!.content, transaction: c.transaction ?? 'transaction' }],
      options: { timeoutMs: 30_000, memoryMb: 256, pgVersion: 16 },
    });

    // the deterministic planner proves every case
    const rules = await checkPlan(ruleBasedPlan(report, files), lint);
    const own = await prove(rules);
    expect({ problems: own.problems, differences: own.differences }).toEqual({ problems: [], differences: [] });
    expect(own.proven).toBe(true);
    expect(own.steps).toHaveLength(rules.steps.length);
    deterministic++;

    // the model's recorded answers
    const answers = recorded(c.name);
    const scope = nock('https://api.anthropic.com');
    for (const a of answers) scope.post('/v1/messages').reply(200, a, { 'content-type': 'application/json' });
    const unmatched = trackUnmatched();
    const outcome = await runRedesign(
      { files, report, config },
      {
        env: { ...SECRET_ENV },
        anthropic: { maxRetries: 0 },
        lint,
        prove,
      },
    );
    unmatched.stop();
    expect(unmatched.unmatched).toEqual([]);
    expect(scope.isDone()).toBe(true);
    const { attempt, proof } = outcome;
    expect({ attempt, problems: proof?.problems, differences: proof?.differences }).toEqual({ attempt: c.model, problems: [], differences: [] });
    expect(outcome.source).toBe(c.model === 'fallback' ? 'rules' : 'model');
    expect(proof?.proven).toBe(true);
    expect(proof?.steps).toHaveLength(outcome.plan.steps.length);
    tally[c.model]++;

    const body = renderRedesign(outcome);
    expect(body).toContain('✅ **Proven:**');
    expect(body).not.toContain('Not proven');
    expect(body).not.toMatch(/^SELECT 1;$/m);
    // one row per step, each with the traced locks, the rewrite and the duration
    const rows = body.split('\n').filter((l) => /^\| \d+ \|/.test(l));
    expect(rows).toHaveLength(outcome.plan.steps.length);
    rows.forEach((row, i) => {
      const cells = row.split(' | ');
      expect(cells).toHaveLength(9);
      const t = proof!.steps[i]!;
      expect(cells[6]).toBe(t.locks.length ? t.locks.map((l) => `${l.mode} on ${l.relation}`).join(', ') + (t.observed ? '' : ' (documented)') : 'no table lock');
      expect(cells[7]).toBe(t.rewrote.length ? `rewrote ${t.rewrote.join(', ')}` : 'no');
      expect(cells[8]).toMatch(/^[\d.]+ ms \|$/);
    });
    if (c.model === 'fallback') expect(body).toContain("> **The model's plan was not posted:** the model's plan failed the equivalence proof after one revision (");
  }, 400_000);

  // The figures in docs/agent.md (Evaluation).
  it('figures: deterministic plans proven; model plans proven first try, revised, fell back', () => {
    expect(CASES.length).toBe(22);
    expect(deterministic).toBe(CASES.length);
    expect(tally).toEqual({ first: 15, revised: 4, fallback: 3 });
  });
});
