// Secrets committed to the repository: the agent never reads secret files, and credentials
// in what it reads or writes are masked before they reach the model or a posted review.
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runArchitect } from '../../src/agent/architect.js';
import { LruReviewCache } from '../../src/agent/cache.js';
import { memoryRepoAccess } from '../../src/agent/repo.js';
import { isSecretPath, redactSecretPatterns } from '../../src/agent/secrets.js';
import type { ArchitectOutcome } from '../../src/agent/types.js';
import { anthropicScope, fakeLint, fixture, MIGRATION, MIGRATION_PATH, PATCH, RULES, sampleReport, SECRET_ENV, testConfig } from './helpers.js';

// built from parts so that this file itself does not look like it leaks credentials
const AWS_ID = ['AKIA', 'IOSFODNN7EXAMPLE'].join('');
const AWS_SECRET = ['wJalrXUtnFEMI', '/K7MDENG/bPxRfiCY', 'EXAMPLEKEY'].join('');
const GH = ['ghp_', 'a'.repeat(36)].join('');
const SLACK = ['xoxb-', '123456789012-abcdefABCDEF'].join('');
const ANTHROPIC = ['sk-ant-', 'api03-', 'Z'.repeat(40)].join('');
const OPENAI = ['sk-proj-', 'Q'.repeat(40)].join('');
const PEM = ['-----BEGIN RSA PRIVATE', ' KEY-----\nMIIEowIBAAKCAQEA\nabc\n-----END RSA PRIVATE', ' KEY-----'].join('');

describe('secret files', () => {
  it('refuses .env*, *.pem, *.key and id_* by name, wherever they are', () => {
    for (const p of ['.env', '.env.production', 'deploy/.env.local', 'certs/server.pem', 'tls/app.key', 'ops/id_rsa', 'id_ed25519.pub', 'config/credentials.json', '.pgpass']) expect(isSecretPath(p), p).toBe(true);
    for (const p of ['db/schema.sql', 'environment.ts', 'src/keys.ts', 'db/migrate/20240101_add_keys.rb', 'docs/identity.md']) expect(isSecretPath(p), p).toBe(false);
  });
});

describe('redactSecretPatterns', () => {
  it('masks well-known credential formats and says what they were', () => {
    const text = [
      `aws_access_key_id = ${AWS_ID}`,
      `aws_secret_access_key = ${AWS_SECRET}`,
      `token: ${GH}`,
      `slack ${SLACK}`,
      `ANTHROPIC_API_KEY=${ANTHROPIC}`,
      `OPENAI_API_KEY=${OPENAI}`,
      'DATABASE_URL=postgres://app:s3cr3t-pw@db.internal:5432/app',
      "ALTER ROLE app PASSWORD 'hunter2-but-longer';",
      PEM,
      'SELECT 1; -- an ordinary line stays',
    ].join('\n');
    expect(redactSecretPatterns(text)).toBe(
      [
        'aws_access_key_id = [redacted AWS access key id]',
        'aws_secret_access_key = [redacted AWS secret access key]',
        'token: [redacted GitHub token]',
        'slack [redacted Slack token]',
        'ANTHROPIC_API_KEY=[redacted Anthropic API key]',
        'OPENAI_API_KEY=[redacted OpenAI API key]',
        'DATABASE_URL=postgres://app:[redacted URL password]@db.internal:5432/app',
        'ALTER ROLE app PASSWORD [redacted SQL password];',
        '[redacted private key]',
        'SELECT 1; -- an ordinary line stays',
      ].join('\n'),
    );
  });

  it('masks an unterminated key block to the end and stays linear on many openings', () => {
    expect(redactSecretPatterns(`a\n${PEM.split('\n')[0]}\nMIIE`)).toBe('a\n[redacted private key]');
    const many = `${PEM.split('\n')[0]}\n`.repeat(50_000);
    expect(redactSecretPatterns(many)).toBe('[redacted private key]');
  });
});

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('the architect and committed secrets', () => {
  it('never reads .env, masks credentials in files it reads and in the review it posts', async () => {
    const repo = memoryRepoAccess({
      '.env': `AWS_SECRET_ACCESS_KEY=${AWS_SECRET}\n`,
      'config/deploy.yml': `aws_access_key_id: ${AWS_ID}\naws_secret_access_key: ${AWS_SECRET}\ngithub: ${GH}\n`,
      [MIGRATION_PATH]: MIGRATION,
    });
    const read = repo.readFile.bind(repo);
    const asked: string[] = [];
    repo.readFile = (p: string) => (asked.push(p), read(p));
    const { bodies, scope } = anthropicScope();
    const submit = fixture('review-submit-valid') as { content: { input: { summary: string } }[] };
    submit.content[0]!.input.summary = `The deploy config holds ${AWS_ID} and ${GH}; rotate them.`;
    scope
      .post('/v1/messages', (b: Record<string, unknown>) => (bodies.push(b), true))
      .reply(200, {
        ...fixture('review-turn1-show-table'),
        content: [
          { type: 'tool_use', id: 't1', name: 'read_file', input: { path: '.env' } },
          { type: 'tool_use', id: 't2', name: 'read_file', input: { path: 'config/deploy.yml' } },
        ],
      })
      .post('/v1/messages', (b: Record<string, unknown>) => (bodies.push(b), true))
      .reply(200, submit);
    const outcome = await runArchitect(
      { files: [{ path: MIGRATION_PATH, content: MIGRATION, patch: PATCH }], report: sampleReport(), config: testConfig() },
      { env: { ...SECRET_ENV }, anthropic: { maxRetries: 0 }, repo, lint: fakeLint, rules: RULES, cache: new LruReviewCache<ArchitectOutcome>() },
    );
    expect(scope.isDone()).toBe(true);
    expect(asked).not.toContain('.env');
    const sent = JSON.stringify(bodies);
    for (const secret of [AWS_ID, AWS_SECRET, GH]) expect(sent).not.toContain(secret);
    const messages = bodies[1]!.messages as { content: { type: string; content?: string; is_error?: boolean }[] | string }[];
    const results = (messages.at(-1)!.content as { type: string; content?: string; is_error?: boolean }[]).filter((b) => b.type === 'tool_result');
    expect(results[0]).toMatchObject({ is_error: true, content: 'Refused: .env is a secrets file (.env, key, certificate or credentials); dbarch never reads those.' });
    expect(results[1]!.content).toContain('aws_secret_access_key: [redacted AWS secret access key]');
    expect(outcome.result.summary).toBe('The deploy config holds [redacted AWS access key id] and [redacted GitHub token]; rotate them.');
  });
});
