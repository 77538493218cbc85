import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runArchitect, type AgentDeps } from '../../src/agent/architect.js';
import { LruReviewCache } from '../../src/agent/cache.js';
import { fallbackResult } from '../../src/agent/fallback.js';
import { memoryRepoAccess } from '../../src/agent/repo.js';
import type { ArchitectOutcome } from '../../src/agent/types.js';
import {
  anthropicScope,
  fakeLint,
  fixture,
  MIGRATION,
  MIGRATION_PATH,
  PATCH,
  RULES,
  sampleReport,
  SCHEMA_SQL,
  SECRET_ENV,
  testConfig,
  trackUnmatched,
} from './helpers.js';

const files = [{ path: MIGRATION_PATH, content: MIGRATION, patch: PATCH }];

function deps(over: Partial<AgentDeps> = {}): AgentDeps {
  return {
    env: { ...SECRET_ENV },
    anthropic: { maxRetries: 2 },
    repo: memoryRepoAccess({ 'db/schema.sql': SCHEMA_SQL, [MIGRATION_PATH]: MIGRATION }),
    lint: fakeLint,
    rules: RULES,
    cache: new LruReviewCache<ArchitectOutcome>(),
    ...over,
  };
}

type Msg = { role: string; content: string | { type: string; tool_use_id?: string; content?: string; is_error?: boolean; text?: string }[] };

function lastToolResults(body: Record<string, unknown>): { tool_use_id?: string; content?: string; is_error?: boolean }[] {
  const messages = body.messages as Msg[];
  const last = messages[messages.length - 1]!;
  expect(last.role).toBe('user');
  return (last.content as { type: string }[]).filter((b) => b.type === 'tool_result') as { tool_use_id?: string; content?: string; is_error?: boolean }[];
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('runArchitect', () => {
  it('runs a tool-use loop: show_table, then lint_sql, then submit_review', async () => {
    const { scope, bodies, reply } = anthropicScope();
    reply('review-turn1-show-table');
    reply('review-turn2-lint');
    reply('review-turn3-submit');
    const outcome = await runArchitect({ files, report: sampleReport(), config: testConfig() }, deps());
    expect(scope.isDone()).toBe(true);
    expect(bodies).toHaveLength(3);

    // Turn 2 got the users table as it stands before the migration (from db/schema.sql).
    const [showResult] = lastToolResults(bodies[1]!);
    expect(showResult!.tool_use_id).toBe('toolu_show_1');
    expect(showResult!.is_error).toBeUndefined();
    expect(showResult!.content).toContain('<untrusted_schema table="public.users">');
    expect(showResult!.content).toContain('CREATE TABLE public.users (');
    expect(showResult!.content).toContain('CREATE UNIQUE INDEX users_email_idx ON public.users USING btree (email);');
    expect(showResult!.content).not.toContain('orders_user_id_idx');

    // Turn 3 got the analyzer's verdict on the model's own proposal.
    const [lintResult] = lastToolResults(bodies[2]!);
    expect(lintResult!.tool_use_id).toBe('toolu_lint_2');
    const lint = JSON.parse(lintResult!.content!) as { statements: { kind: string; locks: string[]; transactional: boolean }[]; findings: unknown[] };
    expect(lint.statements).toEqual([{ line: 1, kind: 'CREATE INDEX CONCURRENTLY', locks: ['SHARE UPDATE EXCLUSIVE on public.users'], rewritesTable: false, transactional: false }]);
    expect(lint.findings).toEqual([]);

    expect(outcome.source).toBe('model');
    expect(outcome.turns).toBe(3);
    const submitted = ((fixture('review-turn3-submit').content as { input: unknown }[])[0]!).input;
    expect(outcome.result).toEqual(submitted);
    expect(outcome.usage).toEqual({ input: 3700, output: 840, cacheCreation: 2500, cacheRead: 11100 });
    // (3700×3 + 840×15 + 2500×3.75 + 11100×0.3) / 1e6
    expect(outcome.costUsd).toBe(0.036405);
    expect(outcome.model).toBe('claude-sonnet-4-6');
  });

  it('marks the stable prefix for prompt caching and delimits untrusted input', async () => {
    const { bodies, reply } = anthropicScope();
    reply('review-submit-valid');
    await runArchitect({ files, report: sampleReport(), config: testConfig(), pr: { title: 'Add email_verified', body: 'Please review' } }, deps());
    const body = bodies[0]! as {
      model: string;
      system: { type: string; text: string; cache_control?: unknown }[];
      tools: { name: string; cache_control?: unknown }[];
      messages: { content: { text: string; cache_control?: unknown }[] }[];
      tool_choice: unknown;
    };
    expect(body.model).toBe('claude-sonnet-4-6');
    expect(body.system).toHaveLength(2);
    expect(body.system[0]!.cache_control).toBeUndefined();
    expect(body.system[1]!.cache_control).toEqual({ type: 'ephemeral' });
    expect(body.system[1]!.text).toContain('## require-concurrent-index-creation (locking, default error, lock SHARE)');
    expect(body.tools.map((t) => t.name)).toEqual(['read_file', 'list_files', 'show_table', 'lint_sql', 'submit_review']);
    expect(body.tools[4]!.cache_control).toEqual({ type: 'ephemeral' });
    expect(body.tools.slice(0, 4).every((t) => t.cache_control === undefined)).toBe(true);
    expect(body.messages[0]!.content[0]!.cache_control).toEqual({ type: 'ephemeral' });
    expect(body.tool_choice).toEqual({ type: 'auto' });
    const text = body.messages[0]!.content[0]!.text;
    expect(text).toContain(`<untrusted_file path="${MIGRATION_PATH}">\n   1| ALTER TABLE users ADD COLUMN email_verified boolean;`);
    expect(text).toContain(`<untrusted_diff path="${MIGRATION_PATH}">`);
    expect(text).toContain('<untrusted_pull_request>\nTitle: Add email_verified');
    expect(text).toContain('| 3 | ALTER TABLE | ACCESS EXCLUSIVE on public.users | no | yes | yes | reads+writes+ddl |');
  });

  it('never sends an environment secret, even one pasted into a migration', async () => {
    const { bodies, reply } = anthropicScope();
    reply('review-submit-valid');
    const leaky = [{ path: MIGRATION_PATH, content: `-- token ${SECRET_ENV.GITHUB_TOKEN}\n${MIGRATION}` }];
    await runArchitect({ files: leaky, report: sampleReport(), config: testConfig({ agent: { enabled: true, maxTokens: 200_000, notes: `key ${SECRET_ENV.WEBHOOK_SECRET}` } }) }, deps());
    const raw = JSON.stringify(bodies);
    for (const secret of Object.values(SECRET_ENV)) expect(raw).not.toContain(secret);
    expect(raw).toContain('-- token [redacted]');
  });

  it('retries once with the validation error when submit_review is invalid', async () => {
    const { scope, bodies, reply } = anthropicScope();
    reply('review-submit-invalid');
    reply('review-submit-valid');
    const outcome = await runArchitect({ files, report: sampleReport(), config: testConfig() }, deps());
    expect(scope.isDone()).toBe(true);
    const [res] = lastToolResults(bodies[1]!);
    expect(res!.tool_use_id).toBe('toolu_submit_bad');
    expect(res!.is_error).toBe(true);
    expect(res!.content).toContain('Your submit_review input is invalid');
    expect(res!.content).toContain('risk');
    expect(res!.content).toContain('questions');
    expect((bodies[1] as { tool_choice: unknown }).tool_choice).toEqual({ type: 'tool', name: 'submit_review' });
    expect(outcome.source).toBe('model');
    expect(outcome.result.risk).toBe('high');
  });

  it('falls back after a second invalid answer', async () => {
    const { scope, reply } = anthropicScope();
    reply('review-submit-invalid');
    reply('review-submit-invalid');
    const report = sampleReport();
    const outcome = await runArchitect({ files, report, config: testConfig() }, deps());
    expect(scope.isDone()).toBe(true);
    expect(outcome.source).toBe('fallback');
    expect(outcome.unavailableReason).toMatch(/^the model's answer failed validation twice \(/);
    expect(outcome.result).toEqual(fallbackResult(report));
    expect(outcome.turns).toBe(2);
    expect(outcome.usage.input).toBe(2400);
  });

  it('forces submit_review after a text-only answer', async () => {
    const { bodies, reply } = anthropicScope();
    reply('review-text-only');
    reply('review-submit-valid');
    const outcome = await runArchitect({ files, report: sampleReport(), config: testConfig() }, deps());
    expect(outcome.source).toBe('model');
    const second = bodies[1] as { tool_choice: unknown; messages: Msg[] };
    expect(second.tool_choice).toEqual({ type: 'tool', name: 'submit_review' });
    expect(second.messages[2]).toEqual({ role: 'user', content: 'Call submit_review now with your complete answer.' });
  });

  it.each([
    [529, 'error-529-overloaded'],
    [429, 'error-429-rate-limit'],
    [500, 'error-500'],
  ])('retries on HTTP %i and succeeds', async (status, name) => {
    const { scope, bodies, reply } = anthropicScope();
    reply(name, status, { 'retry-after-ms': '1' });
    reply('review-submit-valid');
    const outcome = await runArchitect({ files, report: sampleReport(), config: testConfig() }, deps());
    expect(scope.isDone()).toBe(true);
    expect(bodies).toHaveLength(2);
    expect(bodies[1]).toEqual(bodies[0]);
    expect(outcome.source).toBe('model');
  });

  it('falls back when the API keeps failing', async () => {
    const { scope, reply } = anthropicScope();
    reply('error-529-overloaded', 529, { 'retry-after-ms': '1' });
    reply('error-529-overloaded', 529, { 'retry-after-ms': '1' });
    reply('error-529-overloaded', 529, { 'retry-after-ms': '1' });
    const outcome = await runArchitect({ files, report: sampleReport(), config: testConfig() }, deps());
    expect(scope.isDone()).toBe(true);
    expect(outcome.source).toBe('fallback');
    expect(outcome.unavailableReason).toMatch(/^the Anthropic API failed with HTTP 529 after retries/);
  });

  it('stops at the wall-time limit and falls back', async () => {
    const scope = nock('https://api.anthropic.com').post('/v1/messages').delay(30_000).reply(200, fixture('review-submit-valid'));
    const outcome = await runArchitect(
      { files, report: sampleReport(), config: testConfig() },
      deps({ limits: { wallTimeMs: 200 }, anthropic: { maxRetries: 0 } }),
    );
    expect(outcome.source).toBe('fallback');
    expect(outcome.unavailableReason).toBe('wall time limit reached (0.2 s)');
    scope.persist(false);
  });

  it('stops when the token budget is spent', async () => {
    const { scope, bodies, reply } = anthropicScope();
    reply('review-big-usage');
    const outcome = await runArchitect({ files, report: sampleReport(), config: testConfig({ agent: { enabled: true, maxTokens: 10_000 } }) }, deps());
    expect(scope.isDone()).toBe(true);
    expect(bodies).toHaveLength(1);
    expect((bodies[0] as { max_tokens: number }).max_tokens).toBe(8192);
    expect(outcome.source).toBe('fallback');
    expect(outcome.unavailableReason).toBe('token budget exhausted (10200 of 10000 tokens used)');
    expect(outcome.usage).toEqual({ input: 9000, output: 1200, cacheCreation: 0, cacheRead: 0 });
  });

  it('forces the answer on the last turn, then stops at the turn limit', async () => {
    const { bodies, reply } = anthropicScope();
    reply('review-turn1-show-table');
    reply('review-turn1-show-table');
    const outcome = await runArchitect({ files, report: sampleReport(), config: testConfig() }, deps({ limits: { maxTurns: 2 } }));
    expect(bodies.map((b) => b.tool_choice)).toEqual([{ type: 'auto' }, { type: 'tool', name: 'submit_review' }]);
    expect(outcome.source).toBe('fallback');
    expect(outcome.unavailableReason).toBe('turn limit reached (2 model calls)');
  });

  it('reuses the review for identical input: the second run makes no API call', async () => {
    const cache = new LruReviewCache<ArchitectOutcome>();
    const { scope, reply } = anthropicScope();
    reply('review-submit-valid');
    const unmatched = trackUnmatched();
    const first = await runArchitect({ files, report: sampleReport(), config: testConfig() }, deps({ cache }));
    const second = await runArchitect({ files: files.map((f) => ({ ...f })), report: sampleReport(), config: testConfig() }, deps({ cache }));
    unmatched.stop();
    expect(scope.isDone()).toBe(true);
    expect(unmatched.unmatched).toEqual([]);
    expect(first.source).toBe('model');
    expect(second.source).toBe('cache');
    expect(second.result).toEqual(first.result);
    expect(second.usage).toEqual({ input: 0, output: 0, cacheCreation: 0, cacheRead: 0 });
    expect(second.cacheKey).toBe(first.cacheKey);

    // A changed migration is a new review.
    reply('review-submit-valid');
    const third = await runArchitect({ files: [{ ...files[0]!, content: `${MIGRATION}-- more\n` }], report: sampleReport(), config: testConfig() }, deps({ cache }));
    expect(third.source).toBe('model');
    expect(third.cacheKey).not.toBe(first.cacheKey);
  });

  it('falls back without an API key and calls nothing', async () => {
    const unmatched = trackUnmatched();
    const report = sampleReport();
    const outcome = await runArchitect({ files, report, config: testConfig() }, deps({ env: {} }));
    unmatched.stop();
    expect(unmatched.unmatched).toEqual([]);
    expect(outcome.source).toBe('fallback');
    expect(outcome.unavailableReason).toBe('no ANTHROPIC_API_KEY is configured for this installation');
    expect(outcome.result.findings.map((f) => [f.line, f.severity, f.sql])).toEqual([
      [3, 'error', 'ALTER TABLE users ADD CONSTRAINT users_email_verified_nn CHECK (email_verified IS NOT NULL) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT users_email_verified_nn;\nALTER TABLE users ALTER COLUMN email_verified SET NOT NULL;'],
      [4, 'error', '-- run outside a transaction block\nCREATE INDEX CONCURRENTLY users_email_verified_idx ON users (email_verified);'],
    ]);
    expect(outcome.result.risk).toBe('high');
  });

  it('honours ANTHROPIC_BASE_URL and ANTHROPIC_MODEL; config agent.model wins', async () => {
    const { scope, bodies, reply } = anthropicScope('https://llm-proxy.internal');
    reply('review-submit-valid');
    reply('review-submit-valid');
    const env = { ...SECRET_ENV, ANTHROPIC_BASE_URL: 'https://llm-proxy.internal', ANTHROPIC_MODEL: 'claude-haiku-4-5' };
    const a = await runArchitect({ files, report: sampleReport(), config: testConfig() }, deps({ env }));
    const b = await runArchitect({ files, report: sampleReport(), config: testConfig({ agent: { enabled: true, maxTokens: 200_000, model: 'claude-opus-4-8' } }) }, deps({ env }));
    expect(scope.isDone()).toBe(true);
    expect(bodies.map((x) => x.model)).toEqual(['claude-haiku-4-5', 'claude-opus-4-8']);
    // 1200×1 + 150×5 for haiku; 1200×5 + 150×25 for opus.
    expect(a.costUsd).toBe(0.00195);
    expect(b.costUsd).toBe(0.00975);
  });

  it('confines read_file to the repository', async () => {
    const { bodies, scope } = anthropicScope();
    scope
      .post('/v1/messages', (b: Record<string, unknown>) => (bodies.push(b), true))
      .reply(200, {
        ...fixture('review-turn1-show-table'),
        content: [
          { type: 'tool_use', id: 't1', name: 'read_file', input: { path: '../../etc/passwd' } },
          { type: 'tool_use', id: 't2', name: 'read_file', input: { path: '/etc/passwd' } },
          { type: 'tool_use', id: 't3', name: 'read_file', input: { path: 'db/./schema.sql' } },
          { type: 'tool_use', id: 't4', name: 'list_files', input: { glob: 'db/**/*.sql' } },
          { type: 'tool_use', id: 't5', name: 'show_table', input: { name: 'invoices' } },
        ],
      })
      .post('/v1/messages', (b: Record<string, unknown>) => (bodies.push(b), true))
      .reply(200, fixture('review-submit-valid'));
    await runArchitect({ files, report: sampleReport(), config: testConfig() }, deps());
    const results = lastToolResults(bodies[1]!);
    expect(results.map((r) => [r.tool_use_id, r.is_error ?? false])).toEqual([
      ['t1', true],
      ['t2', true],
      ['t3', false],
      ['t4', false],
      ['t5', true],
    ]);
    expect(results[0]!.content).toBe('Tool read_file failed: `..` is not allowed in paths');
    expect(results[1]!.content).toBe('Tool read_file failed: absolute paths are not allowed; give a path relative to the repository root');
    expect(results[2]!.content).toContain('<untrusted_file path="db/schema.sql">');
    expect(results[3]!.content).toBe(`<untrusted_listing>\n${MIGRATION_PATH}\ndb/schema.sql\n</untrusted_listing>`);
    expect(results[4]!.content).toContain('No definition known for invoices. Tables in the schema context: public.users.');
  });
});
