// The redesign's equivalence proof, on PGlite: the plan must reach the migration's schema.
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyze.js';
import { defaultConfig } from '../../src/config/schema.js';
import { createSnippetLinter } from '../../src/agent/lint.js';
import { createPlanProver } from '../../src/agent/prove.js';
import { renderRedesign, runRedesign } from '../../src/agent/redesign.js';
import { anthropicScope, MIGRATION, MIGRATION_PATH, SCHEMA_SQL, SECRET_ENV } from './helpers.js';

const config = defaultConfig();
const files = [{ path: MIGRATION_PATH, content: MIGRATION }];
const prover = () =>
  createPlanProver({
    history: [{ path: 'db/schema.sql', source: SCHEMA_SQL, transaction: 'transaction' }],
    migrations: [{ path: MIGRATION_PATH, source: MIGRATION, transaction: 'transaction' }],
    options: { timeoutMs: 30_000, memoryMb: 256, pgVersion: 16 },
  });

beforeAll(() => nock.disableNetConnect());
afterAll(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('equivalence proof', () => {
  it('a plan of meaningless steps is never posted as proven: revised once, then the proven rule-based plan', async () => {
    const report = await analyze({ files, config, trace: false });
    const { scope, bodies, reply } = anthropicScope();
    reply('redesign-plan-meaningless');
    reply('redesign-plan-meaningless');
    const outcome = await runRedesign({ files, report, config }, { env: { ...SECRET_ENV }, anthropic: { maxRetries: 0 }, lint: createSnippetLinter(analyze, config), prove: prover() });
    expect(scope.isDone()).toBe(true);
    const msgs = (bodies[1] as { messages: { content: { is_error?: boolean; content?: string }[] }[] }).messages;
    const feedback = msgs[msgs.length - 1]!.content[0]!.content!;
    expect(feedback).toContain('The plan does not reach the schema the migration produces');
    expect(feedback).toContain('after the plan, index public.users_email_verified_idx is missing');
    expect(feedback).toContain('after the plan, column public.users.email_verified is missing');
    expect([outcome.source, outcome.attempt]).toEqual(['rules', 'fallback']);
    expect(outcome.proof?.proven).toBe(true);
    expect(outcome.proof?.differences).toEqual([]);
    const index = outcome.plan.steps.findIndex((s) => /CREATE INDEX CONCURRENTLY/.test(s.sql));
    expect(index).toBeGreaterThanOrEqual(0);
    expect(outcome.proof?.steps[index]?.locks).toEqual([{ relation: 'public.users', mode: 'SHARE UPDATE EXCLUSIVE' }]);
    expect(outcome.proof?.steps).toHaveLength(outcome.plan.steps.length);
    const body = renderRedesign(outcome);
    expect(body).toContain("> **The model's plan was not posted:** the model's plan failed the equivalence proof after one revision (");
    expect(body).toContain('✅ **Proven:** run step by step on the replayed base schema, the plan reaches the same schema as the original migration.');
    expect(body).toContain('| traced locks | rewrite | time |');
    expect(body).not.toContain('SELECT 1;');
  }, 120_000);

  it('a step taking a stronger lock than it claims fails the plan; declared differences are accepted', async () => {
    const prove = prover();
    const proof = await prove({
      steps: [
        { title: 'add', sql: 'ALTER TABLE users ADD COLUMN email_verified boolean DEFAULT false NOT NULL', in_transaction: true, claimed_lock: 'SHARE' },
        { title: 'index', sql: 'CREATE INDEX CONCURRENTLY users_email_verified_idx ON users (email_verified)', in_transaction: false },
      ],
    });
    expect(proof.problems).toEqual(['step 1 (add) takes ACCESS EXCLUSIVE on public.users, stronger than the SHARE the plan claims']);
    expect(proof.differences).toEqual(['column public.users.email_verified is `boolean NOT NULL DEFAULT false` instead of `boolean NOT NULL`']);
    expect(proof.proven).toBe(false);
    const declared = await prove({
      declared_differences: ['keeps the default on users.email_verified for old application code'],
      steps: [
        { title: 'add', sql: 'ALTER TABLE users ADD COLUMN email_verified boolean DEFAULT false NOT NULL', in_transaction: true, claimed_lock: 'ACCESS EXCLUSIVE' },
        { title: 'index', sql: 'CREATE INDEX CONCURRENTLY users_email_verified_idx ON users (email_verified)', in_transaction: false },
      ],
    });
    expect([declared.proven, declared.declared.length, declared.steps.map((s) => s.rewrote)]).toEqual([true, 1, [[], []]]);
  }, 120_000);
});
