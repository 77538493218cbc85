// `dbarch ci` on GitHub in-process: Enterprise API paths, configuration errors, `paths`, and
// the fallback when only the comment cannot be written.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ciCommand, parseInputs, runCi } from '../../src/ci/index.js';
import { fakeApi, pullRequestEvent, SAFE_MIGRATION, scratchRepo, shallowClone, UNSAFE_INDEX, type FakeApi, type ScratchRepo } from './helpers.js';

const REPO = '/repos/acme/shop';

async function run(repo: ScratchRepo, api: FakeApi, inputs: Record<string, string> = {}) {
  const eventPath = join(repo.dir, '..', `${repo.dir.split('/').pop()}-pr.json`);
  const summary = join(repo.dir, '..', `${repo.dir.split('/').pop()}-summary.md`);
  writeFileSync(eventPath, JSON.stringify(pullRequestEvent(repo)));
  writeFileSync(summary, '');
  let out = '';
  let err = '';
  const code = await runCi(parseInputs({ token: 'ghs_t', trace: 'false', ...inputs }), {
    env: { GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: eventPath, GITHUB_REPOSITORY: 'acme/shop', GITHUB_WORKSPACE: repo.dir, GITHUB_API_URL: api.url, GITHUB_STEP_SUMMARY: summary },
    cwd: repo.dir,
    io: { out: (t) => void (out += t), err: (t) => void (err += t) },
    run: { github: { paceWrites: false, retryBaseMs: 1, rateLimitBaseMs: 1 }, now: () => new Date('2026-11-25T12:00:00Z') },
  });
  return { code, out, err, summary: readFileSync(summary, 'utf8') };
}

describe('dbarch ci on GitHub', () => {
  it('talks to GitHub Enterprise Server under GITHUB_API_URL (/api/v3)', async () => {
    const api = await fakeApi('/api/v3');
    const repo = scratchRepo({ 'db/migrations/002_audit_log.sql': SAFE_MIGRATION });
    api.route({ method: 'POST', path: `${REPO}/check-runs`, status: 201, body: { id: 1 } });
    api.route({ method: 'PATCH', path: `${REPO}/check-runs/1`, body: {} });
    api.route({ method: 'GET', path: `${REPO}/issues/7/comments?per_page=100`, body: [] });
    api.route({ method: 'POST', path: `${REPO}/issues/7/comments`, status: 201, body: { id: 2 } });
    const res = await run(repo, api);
    expect(api.unexpected).toEqual([]);
    expect(api.calls).toHaveLength(4);
    expect(api.calls[1]!.body).toEqual({
      status: 'completed',
      conclusion: 'success',
      completed_at: '2026-11-25T12:00:00.000Z',
      output: expect.objectContaining({ title: 'No hazards found in 1 migration file' }),
    });
    expect(res.code).toBe(0);
  });

  it('an invalid config at the base fails the check naming the key, and exits 2', async () => {
    const api = await fakeApi();
    const repo = scratchRepo({ 'db/migrations/002_audit_log.sql': SAFE_MIGRATION }, { '.github/dbarch.yml': 'failOn: sometimes\n' });
    api.route({ method: 'POST', path: `${REPO}/check-runs`, status: 201, body: { id: 1 } });
    api.route({ method: 'PATCH', path: `${REPO}/check-runs/1`, body: {} });
    const res = await run(repo, api);
    expect(api.unexpected).toEqual([]);
    expect(api.calls[1]!.body).toMatchObject({ conclusion: 'failure', output: { title: 'Invalid dbarch configuration' } });
    expect(api.calls[1]!.body.output.summary).toContain('failOn');
    expect(res.out).toContain('::error title=Invalid dbarch configuration::');
    expect(res.code).toBe(2);
  });

  it('reads the config from the base: a PR cannot relax its own gate', async () => {
    const api = await fakeApi();
    const repo = scratchRepo({ 'db/migrations/002_add_email_index.sql': UNSAFE_INDEX, '.github/dbarch.yml': 'rules:\n  require-concurrent-index-creation: off\n' });
    api.route({ method: 'POST', path: `${REPO}/check-runs`, status: 201, body: { id: 1 } });
    api.route({ method: 'PATCH', path: `${REPO}/check-runs/1`, body: {} });
    api.route({ method: 'GET', path: `${REPO}/issues/7/comments?per_page=100`, body: [] });
    api.route({ method: 'POST', path: `${REPO}/issues/7/comments`, status: 201, body: { id: 2 } });
    api.route({ method: 'GET', path: `${REPO}/pulls/7/comments?per_page=100`, body: [] });
    api.route({ method: 'POST', path: `${REPO}/pulls/7/reviews`, body: { id: 3 } });
    const res = await run(repo, api);
    expect(api.calls[1]!.body).toMatchObject({ conclusion: 'failure' });
    expect(res.code).toBe(1);
  });

  it('`paths` limits the review to matching files', async () => {
    const api = await fakeApi();
    const repo = scratchRepo({ 'db/migrations/002_add_email_index.sql': UNSAFE_INDEX });
    api.route({ method: 'POST', path: `${REPO}/check-runs`, status: 201, body: { id: 1 } });
    api.route({ method: 'PATCH', path: `${REPO}/check-runs/1`, body: {} });
    api.route({ method: 'GET', path: `${REPO}/issues/7/comments?per_page=100`, body: [] });
    const res = await run(repo, api, { paths: 'services/billing/**' });
    expect(api.unexpected).toEqual([]);
    expect(api.calls[1]!.body).toMatchObject({ conclusion: 'success', output: { title: 'No migration changes' } });
    expect(res.code).toBe(0);
  });

  it('when only the comment is refused, the verdict still reaches the log as annotations and the job summary', async () => {
    const api = await fakeApi();
    const repo = scratchRepo({ 'db/migrations/002_add_email_index.sql': UNSAFE_INDEX });
    api.route({ method: 'POST', path: `${REPO}/check-runs`, status: 201, body: { id: 1 } });
    api.route({ method: 'PATCH', path: `${REPO}/check-runs/1`, body: {} });
    api.route({ method: 'GET', path: `${REPO}/issues/7/comments?per_page=100`, body: [] });
    api.route({ method: 'POST', path: `${REPO}/issues/7/comments`, status: 403, body: { message: 'Resource not accessible by integration' } });
    const res = await run(repo, api);
    expect(api.unexpected).toEqual([]);
    expect(res.err).toContain('Resource not accessible by integration');
    expect(res.out).toContain('::error file=db/migrations/002_add_email_index.sql,line=2');
    expect(res.summary).toContain('require-concurrent-index-creation');
    expect(res.code).toBe(1);
  });

  it('outside GitHub Actions and GitLab CI, `dbarch ci` says where it runs and exits 2', async () => {
    let err = '';
    const code = await ciCommand([], { env: {}, cwd: process.cwd(), io: { out: () => {}, err: (t) => void (err += t) } });
    expect(err).toBe('dbarch: dbarch ci runs inside GitHub Actions (GITHUB_ACTIONS=true) or a GitLab merge request pipeline (CI_MERGE_REQUEST_IID); use `dbarch lint` elsewhere\n');
    expect(code).toBe(2);
    err = '';
    expect(await ciCommand(['--fail-on', 'never'], { env: { GITHUB_ACTIONS: 'true' }, cwd: process.cwd(), io: { out: () => {}, err: (t) => void (err += t) } })).toBe(2);
    expect(err).toBe("dbarch: invalid fail-on 'never': expected one of error, warning, info\n");
  });
});

describe('dbarch ci with a shallow checkout', () => {
  it('fetches the PR head and its history from origin before diffing', async () => {
    const api = await fakeApi();
    const origin = scratchRepo({ 'db/migrations/002_add_email_index.sql': UNSAFE_INDEX });
    execFileSync('git', ['update-ref', 'refs/pull/7/head', origin.head], { cwd: origin.dir });
    // What actions/checkout leaves on an issue_comment event with the default depth: the default branch, one commit.
    const work = shallowClone(origin);
    expect(() => execFileSync('git', ['cat-file', '-e', `${origin.head}^{commit}`], { cwd: work, stdio: 'ignore' })).toThrow();
    api.route({ method: 'POST', path: `${REPO}/check-runs`, status: 201, body: { id: 1 } });
    api.route({ method: 'PATCH', path: `${REPO}/check-runs/1`, body: {} });
    api.route({ method: 'GET', path: `${REPO}/issues/7/comments?per_page=100`, body: [] });
    api.route({ method: 'POST', path: `${REPO}/issues/7/comments`, status: 201, body: { id: 2 } });
    api.route({ method: 'GET', path: `${REPO}/pulls/7/comments?per_page=100`, body: [] });
    api.route({ method: 'POST', path: `${REPO}/pulls/7/reviews`, body: { id: 3 } });
    const res = await run({ ...origin, dir: work }, api);
    expect(api.unexpected).toEqual([]);
    expect(res.err).toContain('fetching');
    expect(api.calls[1]!.body.output.annotations).toContainEqual(expect.objectContaining({ path: 'db/migrations/002_add_email_index.sql', start_line: 2 }));
    expect(res.code).toBe(1);
  });
});
