// The deterministic planner on every recorded case: each plan proven on PGlite, every step traced.
import { describe, expect, it } from 'vitest';
import { analyze } from '../../../src/analyze.js';
import { defaultConfig } from '../../../src/config/schema.js';
import { createSnippetLinter } from '../../../src/agent/lint.js';
import { createPlanProver } from '../../../src/agent/prove.js';
import { checkPlan, ruleBasedPlan } from '../../../src/agent/redesign.js';
import { CASES } from './cases.js';

const config = defaultConfig();

describe('deterministic redesign, proven', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const files = [{ path: 'db/migrations/002_change.sql', content: `${c.migration}\n` }];
    const report = await analyze({ files, config, trace: false });
    const plan = await checkPlan(ruleBasedPlan(report, files), createSnippetLinter(analyze, config));
    const prove = createPlanProver({
      history: [{ path: 'db/migrations/001_base.sql', source: c.schema, transaction: 'transaction' }],
      migrations: [{ path: files[0]!.path, source: files[0]!.content, transaction: c.transaction ?? 'transaction' }],
      options: { timeoutMs: 30_000, memoryMb: 256, pgVersion: 16 },
    });
    const proof = await prove(plan);
    expect({ problems: proof.problems, differences: proof.differences }).toEqual({ problems: [], differences: [] });
    expect(proof.proven).toBe(true);
    expect(proof.steps).toHaveLength(plan.steps.length);
  }, 120_000);
});
