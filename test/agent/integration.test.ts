// The agent against the real analyzer: the snippet linter and the rule-based redesign.
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import { defaultConfig } from '../../src/config/schema.js';
import { runArchitect } from '../../src/agent/architect.js';
import { createSnippetLinter } from '../../src/agent/lint.js';
import { checkPlan, ruleBasedPlan, runRedesign } from '../../src/agent/redesign.js';
import { anthropicScope, MIGRATION, MIGRATION_PATH, SECRET_ENV } from './helpers.js';

const config = defaultConfig();
const files = [{ path: MIGRATION_PATH, content: MIGRATION }];

beforeAll(() => nock.disableNetConnect());
afterAll(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('with the real analyzer', () => {
  it('lint_sql reports the lock and the transaction hazard of a snippet', async () => {
    const lint = createSnippetLinter(analyze, config);
    const outside = await lint('CREATE INDEX CONCURRENTLY users_email_idx ON users (email);', { transaction: false });
    expect(outside.statements.map((s) => [s.kind, s.locks, s.transactional])).toEqual([
      ['CREATE INDEX CONCURRENTLY', [{ relation: 'public.users', mode: 'SHARE UPDATE EXCLUSIVE' }], false],
    ]);
    expect(outside.findings.filter((f) => f.severity === 'error')).toEqual([]);
    const inside = await lint('CREATE INDEX CONCURRENTLY users_email_idx ON users (email);', { transaction: true });
    expect(inside.findings.map((f) => f.rule)).toContain('ban-concurrent-index-creation-in-transaction');
  });

  it('the rule-based plan passes its own lint, step by step, in expand → backfill → contract order', async () => {
    const report = await analyze({ files, config, trace: false });
    expect(report.files[0]!.findings.some((f) => f.fix)).toBe(true);
    const plan = await checkPlan(ruleBasedPlan(report, files), createSnippetLinter(analyze, config));
    const phases = plan.steps.map((s) => s.phase);
    expect(phases.indexOf('backfill')).toBeGreaterThan(phases.lastIndexOf('expand'));
    expect(phases.indexOf('contract')).toBeGreaterThan(phases.lastIndexOf('backfill'));
    expect(plan.steps.filter((s) => s.flagged).map((s) => [s.title, s.issues])).toEqual([]);
    const index = plan.steps.find((s) => /CREATE INDEX CONCURRENTLY/.test(s.sql))!;
    expect([index.in_transaction, index.lock]).toEqual([false, 'SHARE UPDATE EXCLUSIVE on public.users']);
    const backfill = plan.steps.find((s) => s.phase === 'backfill')!;
    expect([backfill.batched, backfill.in_transaction, backfill.deploy]).toEqual([true, false, 'before-app-change']);
    expect(plan.steps.find((s) => /SET NOT NULL/.test(s.sql))!.deploy).toBe('after-app-change');
  });

  it('the fallback review carries every finding of the report with its safe rewrite', async () => {
    const report = await analyze({ files, config, trace: false });
    const outcome = await runArchitect({ files, report, config }, { env: {} });
    const all = report.files[0]!.findings;
    expect(outcome.result.findings).toHaveLength(all.length);
    expect(outcome.result.findings.filter((f) => f.sql).length).toBe(all.filter((f) => f.fix).length);
  });

  it('a model plan failing its lint is revised once; the revision passes, every step with its lock', async () => {
    const report = await analyze({ files, config, trace: false });
    const { scope, bodies, reply } = anthropicScope();
    reply('redesign-plan-failing-step');
    reply('redesign-plan-revised');
    const outcome = await runRedesign({ files, report, config }, { env: { ...SECRET_ENV }, anthropic: { maxRetries: 0 }, lint: createSnippetLinter(analyze, config) });
    expect(scope.isDone()).toBe(true);
    const msgs = (bodies[1] as { messages: { content: { is_error?: boolean; content?: string }[] }[] }).messages;
    const sentBack = msgs[msgs.length - 1]!.content[0]!;
    expect(sentBack.is_error).toBe(true);
    expect(sentBack.content).toMatch(/^These steps fail the analyzer's own lint:\n- step 2 \(Index the column\): require-concurrent-index-creation: /);
    expect(sentBack.content).toMatch(/\n- step 4 \(Enforce NOT NULL\): hold-access-exclusive-lock: /);
    expect(outcome.source).toBe('model');
    expect(outcome.plan.steps.map((s) => [s.lock, s.flagged])).toEqual([
      ['ACCESS EXCLUSIVE on public.users', false],
      ['SHARE UPDATE EXCLUSIVE on public.users', false],
      ['ROW EXCLUSIVE on public.users', false],
      ['ACCESS EXCLUSIVE on public.users', false],
      ['SHARE UPDATE EXCLUSIVE on public.users', false],
      ['ACCESS EXCLUSIVE on public.users', false],
    ]);
  });
});
