// `dbarch ci` in a GitLab merge request pipeline, with the GitLab API faked in-process.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCi, parseInputs } from '../../src/ci/index.js';
import { fakeApi, SAFE_MIGRATION, scratchRepo, UNSAFE_INDEX, type FakeApi, type ScratchRepo } from './helpers.js';

const MR = '/projects/123/merge_requests/5';
const INDEX_FILE = 'db/migrations/002_add_email_index.sql';

function gitlabEnv(repo: ScratchRepo, api: FakeApi): Record<string, string> {
  return {
    GITLAB_CI: 'true',
    CI: 'true',
    CI_API_V4_URL: api.url,
    CI_PROJECT_ID: '123',
    CI_PROJECT_DIR: repo.dir,
    CI_MERGE_REQUEST_IID: '5',
    CI_MERGE_REQUEST_DIFF_BASE_SHA: repo.base,
    CI_COMMIT_SHA: repo.head,
    CI_PIPELINE_SOURCE: 'merge_request_event',
  };
}

async function run(repo: ScratchRepo, api: FakeApi, token = 'glpat-test') {
  let out = '';
  let err = '';
  const code = await runCi(parseInputs({ token, trace: 'false' }), {
    env: gitlabEnv(repo, api),
    cwd: repo.dir,
    io: { out: (t) => void (out += t), err: (t) => void (err += t) },
  });
  return { code, out, err };
}

const VERSIONS = [{ id: 2, base_commit_sha: 'b'.repeat(40), start_commit_sha: 's'.repeat(40), head_commit_sha: 'h'.repeat(40) }];

/** Checks a report against GitLab's documented Code Quality format (the fields the widget reads). */
function validateCodeQuality(json: unknown): string[] {
  const problems: string[] = [];
  if (!Array.isArray(json)) return ['the report must be a JSON array'];
  const fingerprints = new Set<string>();
  json.forEach((issue: any, i) => {
    const at = `[${i}]`;
    for (const k of ['description', 'check_name', 'fingerprint']) if (typeof issue[k] !== 'string' || !issue[k]) problems.push(`${at}.${k} must be a non-empty string`);
    if (!['info', 'minor', 'major', 'critical', 'blocker'].includes(issue.severity)) problems.push(`${at}.severity ${issue.severity} is not a GitLab severity`);
    if (typeof issue.location?.path !== 'string' || issue.location.path.startsWith('/') || issue.location.path.startsWith('./')) problems.push(`${at}.location.path must be relative to the project`);
    const begin = issue.location?.lines?.begin ?? issue.location?.positions?.begin?.line;
    if (!Number.isInteger(begin) || begin < 1) problems.push(`${at}.location.lines.begin must be a positive integer`);
    if (fingerprints.has(issue.fingerprint)) problems.push(`${at}.fingerprint is not unique`);
    fingerprints.add(issue.fingerprint);
  });
  return problems;
}

describe('dbarch ci on GitLab', () => {
  it('posts one note, a discussion with a GitLab suggestion on the added line, writes Code Quality, exits 1', async () => {
    const api = await fakeApi('/api/v4');
    api.route({ method: 'GET', path: '/user', body: { id: 99, username: 'project_123_bot' } });
    api.route({ method: 'GET', path: `${MR}/notes?sort=asc&order_by=created_at&per_page=100&page=1`, body: [{ id: 1, body: 'LGTM <!-- dbarch:summary -->', author: { id: 7 } }] });
    api.route({ method: 'POST', path: `${MR}/notes`, status: 201, body: { id: 50 } });
    api.route({ method: 'GET', path: `${MR}/versions`, body: VERSIONS });
    api.route({ method: 'GET', path: `${MR}/discussions?per_page=100&page=1`, body: [] });
    api.route({ method: 'POST', path: `${MR}/discussions`, status: 201, body: { id: 'd1' } });
    const repo = scratchRepo({ [INDEX_FILE]: UNSAFE_INDEX });
    const res = await run(repo, api);

    expect(api.unexpected).toEqual([]);
    expect(api.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /user',
      `GET ${MR}/notes?sort=asc&order_by=created_at&per_page=100&page=1`,
      `POST ${MR}/notes`,
      `GET ${MR}/versions`,
      `GET ${MR}/discussions?per_page=100&page=1`,
      // The error and the lock_timeout warning on the same line: one thread each.
      `POST ${MR}/discussions`,
      `POST ${MR}/discussions`,
    ]);
    expect(api.calls.every((c) => c.headers['private-token'] === 'glpat-test')).toBe(true);
    expect(api.calls[2]!.body.body).toContain('<!-- dbarch:summary -->');
    const discussion = api.calls.slice(5).map((c) => c.body).find((b) => b.body.includes('require-concurrent-index-creation'))!;
    expect(discussion.position).toEqual({
      position_type: 'text',
      base_sha: 'b'.repeat(40),
      start_sha: 's'.repeat(40),
      head_sha: 'h'.repeat(40),
      old_path: INDEX_FILE,
      new_path: INDEX_FILE,
      new_line: 2,
    });
    expect(discussion.body).toContain('```suggestion:-0+0\nCREATE INDEX CONCURRENTLY idx_users_email ON users (email);\n```');

    const report = JSON.parse(readFileSync(join(repo.dir, 'gl-code-quality-report.json'), 'utf8'));
    expect(validateCodeQuality(report)).toEqual([]);
    expect(report).toContainEqual(expect.objectContaining({ check_name: 'dbarch/require-concurrent-index-creation', severity: 'critical', location: { path: INDEX_FILE, lines: { begin: 2 } } }));
    expect(res.code).toBe(1);
  });

  it('a re-run edits its note in place and does not repeat the thread', async () => {
    const api = await fakeApi('/api/v4');
    const repo = scratchRepo({ [INDEX_FILE]: UNSAFE_INDEX });
    // First run, to learn the exact bodies it writes.
    api.route({ method: 'GET', path: '/user', body: { id: 99 } });
    api.route({ method: 'GET', path: `${MR}/notes?sort=asc&order_by=created_at&per_page=100&page=1`, body: [], times: 1 });
    api.route({ method: 'POST', path: `${MR}/notes`, status: 201, body: { id: 50 }, times: 1 });
    api.route({ method: 'GET', path: `${MR}/versions`, body: VERSIONS });
    api.route({ method: 'GET', path: `${MR}/discussions?per_page=100&page=1`, body: [], times: 1 });
    api.route({ method: 'POST', path: `${MR}/discussions`, status: 201, body: { id: 'd1' }, times: 2 });
    await run(repo, api);
    const note = api.calls.find((c) => c.method === 'POST' && c.path === `${MR}/notes`)!.body.body as string;
    const threads = api.calls.filter((c) => c.method === 'POST' && c.path === `${MR}/discussions`).map((c) => c.body);
    expect(threads).toHaveLength(2);
    api.calls.length = 0;

    // Second run: the note is there (by us, with an older text), the thread too.
    api.route({ method: 'GET', path: `${MR}/notes?sort=asc&order_by=created_at&per_page=100&page=1`, body: [{ id: 50, body: note.replace('1 error', '3 errors'), author: { id: 99 } }] });
    api.route({ method: 'PUT', path: `${MR}/notes/50`, body: { id: 50 } });
    api.route({ method: 'GET', path: `${MR}/discussions?per_page=100&page=1`, body: threads.map((t, i) => ({ notes: [{ id: 60 + i, body: t.body, author: { id: 99 }, position: { new_path: INDEX_FILE, new_line: 2 } }] })) });
    const res = await run(repo, api);
    expect(api.unexpected).toEqual([]);
    expect(api.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /user',
      `GET ${MR}/notes?sort=asc&order_by=created_at&per_page=100&page=1`,
      `PUT ${MR}/notes/50`,
      `GET ${MR}/versions`,
      `GET ${MR}/discussions?per_page=100&page=1`,
    ]);
    expect(api.calls[2]!.body).toEqual({ body: note });
    expect(res.code).toBe(1);
  });

  it('a token that cannot write does not fail the job: the Code Quality report stands and the exit code follows the findings', async () => {
    const api = await fakeApi('/api/v4');
    api.route({ method: 'GET', path: '/user', body: { id: 99 } });
    api.route({ method: 'GET', path: `${MR}/notes?sort=asc&order_by=created_at&per_page=100&page=1`, body: [] });
    api.route({ method: 'POST', path: `${MR}/notes`, status: 403, body: { message: '403 Forbidden' } });
    const repo = scratchRepo({ 'db/migrations/002_audit_log.sql': SAFE_MIGRATION });
    const res = await run(repo, api);
    expect(api.unexpected).toEqual([]);
    expect(res.err).toContain('could not write to the merge request');
    expect(validateCodeQuality(JSON.parse(readFileSync(join(repo.dir, 'gl-code-quality-report.json'), 'utf8')))).toEqual([]);
    expect(res.code).toBe(0);
  });

  it('without a token writes only the Code Quality report, and makes no request', async () => {
    const api = await fakeApi('/api/v4');
    const repo = scratchRepo({ [INDEX_FILE]: UNSAFE_INDEX });
    const res = await run(repo, api, '');
    expect(api.calls).toEqual([]);
    expect(res.err).toContain('DBARCH_GITLAB_TOKEN');
    expect(JSON.parse(readFileSync(join(repo.dir, 'gl-code-quality-report.json'), 'utf8')).length).toBeGreaterThan(0);
    expect(res.code).toBe(1);
  });

  it('fails closed: a migration padded past maxFileBytes is not analysed, so the job fails even with no finding', async () => {
    const api = await fakeApi('/api/v4');
    const padded = `${UNSAFE_INDEX}\n-- ${'x'.repeat(2_200_000)}\n`;
    const repo = scratchRepo({ [INDEX_FILE]: padded });
    const res = await run(repo, api, '');
    expect(api.calls).toEqual([]);
    expect(res.code).toBe(1);
  });
});
