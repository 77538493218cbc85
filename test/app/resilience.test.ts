import { afterEach, describe, expect, it } from 'vitest';
import type { AnalyzeInput } from '../../src/app/review.js';
import type { Harness } from './helpers.js';
import {
  API,
  BASE,
  HEAD1,
  HEAD2,
  REPO,
  addedPatch,
  checkCreated,
  configNotFound,
  configYaml,
  finding,
  fixture,
  graphqlBlobs,
  lastCheckUpdate,
  prFile,
  report,
  setup,
  teardown, firstCommentAndReview } from './helpers.js';

afterEach(teardown);

const M1 = 'db/migrate/001_users.sql';
const SQL1 = 'CREATE INDEX idx_users_email ON users (email);\n';
const NO_TRACE = 'trace:\n  enabled: false\n';

function writes(h: Harness): string[] {
  return h.apiCalls().filter((c) => c.method !== 'GET' && c.path !== '/graphql').map((c) => `${c.method} ${c.path}`);
}

/** The no-migrations flow: the cheapest complete review. */
function noMigrationsFlow(h: Harness, checkId = 9001): void {
  checkCreated(h.api, checkId);
  configNotFound(h.api);
  h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, [prFile('README.md')]);
  h.api.get(`${REPO}/issues/17/comments?per_page=100`).reply(200, []);
  h.api.patch(`${REPO}/check-runs/${checkId}`).reply(200, {});
}

describe('duplicates', () => {
  it('ignores a redelivered webhook (same X-GitHub-Delivery)', async () => {
    const h = await setup();
    noMigrationsFlow(h);
    await h.receive('pull_request', fixture('pull_request.opened'), 'same-delivery');
    await h.idle();
    await h.receive('pull_request', fixture('pull_request.opened'), 'same-delivery');
    await h.idle();
    expect(h.unmatched).toEqual([]);
    expect(h.api.isDone()).toBe(true);
    expect(writes(h)).toEqual([`POST ${REPO}/check-runs`, `PATCH ${REPO}/check-runs/9001`]);
    expect(h.app.queue.stats()).toMatchObject({ completed: 1, dropped: 1 });
  });

  it('ignores a second event for the same head SHA while the first is pending, running or just done', async () => {
    const h = await setup();
    noMigrationsFlow(h);
    const opened = fixture('pull_request.opened');
    await h.receive('pull_request', opened, 'd-1');
    await h.receive('pull_request', { ...opened, action: 'reopened' }, 'd-2'); // while running
    await h.idle();
    await h.receive('pull_request', { ...opened, action: 'reopened' }, 'd-3'); // just done
    await h.idle();
    expect(h.unmatched).toEqual([]);
    expect(writes(h)).toEqual([`POST ${REPO}/check-runs`, `PATCH ${REPO}/check-runs/9001`]);
  });

  it('reviews the same SHA again when a draft becomes ready for review', async () => {
    const h = await setup();
    const draft = fixture('pull_request.opened');
    draft.pull_request.draft = true;
    checkCreated(h.api, 9001);
    configNotFound(h.api);
    h.api.patch(`${REPO}/check-runs/9001`).reply(200, {});
    await h.receive('pull_request', draft, 'd-draft');
    await h.idle();
    noMigrationsFlow(h, 9002);
    await h.receive('pull_request', fixture('pull_request.ready_for_review'), 'd-ready');
    await h.idle();
    expect(h.unmatched).toEqual([]);
    expect(h.api.isDone()).toBe(true);
    expect(writes(h)).toEqual([`POST ${REPO}/check-runs`, `PATCH ${REPO}/check-runs/9001`, `POST ${REPO}/check-runs`, `PATCH ${REPO}/check-runs/9002`]);
  });
});

describe('a newer push supersedes a running review', () => {
  it('cancels the stale run, which then writes neither comment nor review, and completes the newer one', async () => {
    let reached!: () => void;
    const reachedAnalyze = new Promise<void>((r) => (reached = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const seen: string[] = [];
    const h = await setup({
      analyze: async (input: AnalyzeInput) => {
        const content = String(input.files[0]!.content);
        seen.push(content);
        if (content.includes('v1')) {
          reached();
          await released;
        }
        return report([{ path: M1, findings: [finding({ rule: 'r', line: 1 })] }]);
      },
    });
    const v1 = `-- v1\n${SQL1}`;
    const v2 = `-- v2\n${SQL1}`;
    // head 1
    checkCreated(h.api, 9001);
    configYaml(h.api, NO_TRACE);
    h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, [prFile(M1, addedPatch(v1))]);
    graphqlBlobs(h.api, { [M1]: v1 });
    h.api.patch(`${REPO}/check-runs/9001`).reply(200, {});
    // head 2
    checkCreated(h.api, 9002);
    configYaml(h.api, NO_TRACE);
    h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, [prFile(M1, addedPatch(v2))]);
    graphqlBlobs(h.api, { [M1]: v2 });
    firstCommentAndReview(h.api);
    h.api.patch(`${REPO}/check-runs/9002`).reply(200, {});

    await h.receive('pull_request', fixture('pull_request.opened'), 'd-head1');
    await reachedAnalyze;
    await h.receive('pull_request', fixture('pull_request.synchronize'), 'd-head2');
    release();
    await h.idle();

    expect(h.unmatched).toEqual([]);
    expect(h.api.isDone()).toBe(true);
    expect(seen).toEqual([v1, v2]);
    expect(writes(h)).toEqual([
      `POST ${REPO}/check-runs`,
      `PATCH ${REPO}/check-runs/9001`,
      `POST ${REPO}/check-runs`,
      `PATCH ${REPO}/check-runs/9002`,
      `POST ${REPO}/issues/17/comments`,
      `POST ${REPO}/pulls/17/reviews`,
    ]);
    const creates = h.apiCalls().filter((c) => c.method === 'POST' && c.path.endsWith('/check-runs'));
    expect(creates.map((c) => c.body.head_sha)).toEqual([HEAD1, HEAD2]);
    const stale = h.apiCalls().find((c) => c.path.endsWith('/check-runs/9001'))!.body;
    expect(stale).toEqual({
      status: 'completed',
      conclusion: 'cancelled',
      completed_at: '2026-11-25T12:00:00.000Z',
      output: { title: 'Superseded by a newer push', summary: 'This run was cancelled: superseded by a newer push (2222222).' },
    });
    expect(h.apiCalls().find((c) => c.path.endsWith('/check-runs/9002'))!.body.conclusion).toBe('failure');
    expect(h.apiCalls().find((c) => c.path.endsWith('/reviews'))!.body.commit_id).toBe(HEAD2);
  });
});

describe('GitHub errors', () => {
  it('retries a 500 and a secondary-rate-limit 429 (respecting retry-after)', async () => {
    const h = await setup();
    h.api.post(`${REPO}/check-runs`).reply(500, { message: 'Server Error' });
    checkCreated(h.api);
    configNotFound(h.api);
    h.api
      .get(`${REPO}/pulls/17/files?per_page=100`)
      .reply(429, { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' }, { 'retry-after': '2' });
    h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, [prFile('README.md')]);
    h.api.get(`${REPO}/issues/17/comments?per_page=100`).reply(200, []);
    h.api.patch(`${REPO}/check-runs/9001`).reply(200, {});
    await h.receive('pull_request', fixture('pull_request.opened'));
    await h.idle();
    expect(h.unmatched).toEqual([]);
    expect(h.api.isDone()).toBe(true);
    expect(h.apiCalls().map((c) => `${c.method} ${c.path.replace(/\?.*/, '')}`)).toEqual([
      `POST ${REPO}/check-runs`,
      `POST ${REPO}/check-runs`,
      `GET ${REPO}/contents/.github%2Fdbarch.yml`,
      'GET /repos/acme/.github/contents/.github%2Fdbarch.yml',
      `GET ${REPO}/pulls/17/files`,
      `GET ${REPO}/pulls/17/files`,
      `PATCH ${REPO}/check-runs/9001`,
      `GET ${REPO}/issues/17/comments`,
    ]);
    expect(lastCheckUpdate(h).conclusion).toBe('success');
  });

  it('waits for a primary rate-limit reset (403, remaining 0), but not for an hour', async () => {
    const soon = String(Math.floor(Date.now() / 1000) + 2);
    const h = await setup();
    checkCreated(h.api);
    configNotFound(h.api);
    h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(403, { message: 'API rate limit exceeded' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': soon });
    h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, [prFile('README.md')]);
    h.api.get(`${REPO}/issues/17/comments?per_page=100`).reply(200, []);
    h.api.patch(`${REPO}/check-runs/9001`).reply(200, {});
    await h.receive('pull_request', fixture('pull_request.opened'));
    await h.idle();
    expect(h.unmatched).toEqual([]);
    expect(h.api.isDone()).toBe(true);
    expect(lastCheckUpdate(h).conclusion).toBe('success');

    const later = String(Math.floor(Date.now() / 1000) + 3600);
    const h2 = await setup();
    checkCreated(h2.api);
    configNotFound(h2.api);
    h2.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(403, { message: 'API rate limit exceeded' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': later });
    h2.api.patch(`${REPO}/check-runs/9001`).reply(200, {});
    await h2.receive('pull_request', fixture('pull_request.opened'));
    await h2.idle();
    expect(h2.unmatched).toEqual([]);
    expect(h2.api.isDone()).toBe(true);
    expect(lastCheckUpdate(h2).output.title).toBe('dbarch could not finish');
    expect(lastCheckUpdate(h2).output.summary).toContain('HTTP 403: API rate limit exceeded');
  });

  it('retries a request that times out', async () => {
    const h = await setup({}, { requestTimeoutMs: 100 });
    checkCreated(h.api);
    configNotFound(h.api);
    h.api.get(`${REPO}/pulls/17/files?per_page=100`).delay(2000).reply(200, []);
    h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, [prFile('README.md')]);
    h.api.get(`${REPO}/issues/17/comments?per_page=100`).reply(200, []);
    h.api.patch(`${REPO}/check-runs/9001`).reply(200, {});
    await h.receive('pull_request', fixture('pull_request.opened'));
    await h.idle();
    expect(h.unmatched).toEqual([]);
    expect(h.api.isDone()).toBe(true);
    expect(h.apiCalls().filter((c) => c.path.includes('/files')).length).toBe(2);
    expect(lastCheckUpdate(h).conclusion).toBe('success');
  });

  it('completes "dbarch could not finish" when GitHub keeps failing, naming the step', async () => {
    const h = await setup();
    checkCreated(h.api);
    configNotFound(h.api);
    h.api.get(`${REPO}/pulls/17/files?per_page=100`).times(4).reply(502, { message: 'Bad Gateway' });
    h.api.patch(`${REPO}/check-runs/9001`).reply(200, {});
    await h.receive('pull_request', fixture('pull_request.opened'));
    await h.idle();
    expect(h.unmatched).toEqual([]);
    expect(h.api.isDone()).toBe(true);
    const done = h.apiCalls().at(-1)!;
    expect(done.path).toBe(`${REPO}/check-runs/9001`);
    expect(done.body.conclusion).toBe('failure');
    expect(done.body.output.title).toBe('dbarch could not finish');
    expect(done.body.output.summary).toContain('dbarch failed while listing the pull request files');
    expect(done.body.output.summary).toContain('HTTP 502');
  });

  it('completes "dbarch could not finish" when the analysis throws', async () => {
    const h = await setup({ analyze: async () => { throw new Error('parser exploded'); } });
    checkCreated(h.api);
    configYaml(h.api, NO_TRACE);
    h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, [prFile(M1, addedPatch(SQL1))]);
    graphqlBlobs(h.api, { [M1]: SQL1 });
    h.api.patch(`${REPO}/check-runs/9001`).reply(200, {});
    await h.receive('pull_request', fixture('pull_request.opened'));
    await h.idle();
    expect(h.unmatched).toEqual([]);
    expect(h.api.isDone()).toBe(true);
    expect(h.apiCalls().at(-1)!.body).toEqual({
      status: 'completed',
      conclusion: 'failure',
      completed_at: '2026-11-25T12:00:00.000Z',
      output: { title: 'dbarch could not finish', summary: 'dbarch failed while analysing the migrations:\n\n```\nparser exploded\n```\n\nRe-run the check to try again.' },
    });
  });
});

describe('large pull requests', () => {
  it('reviews 40 migrations among 300 changed files in 14 API requests', async () => {
    const migrations = Array.from({ length: 40 }, (_, i) => `db/migrate/${String(100 + i)}_step.sql`);
    const others = Array.from({ length: 260 }, (_, i) => `src/module${i}.ts`);
    const all = [...others.slice(0, 130), ...migrations, ...others.slice(130)].map((p) =>
      p.endsWith('.sql') ? prFile(p, addedPatch(`ALTER TABLE t${p.length} ADD COLUMN c int;`)) : prFile(p, '@@ -1 +1 @@\n-a\n+b', 'modified'),
    );
    const history = Array.from({ length: 12 }, (_, i) => `db/migrate/0${String(10 + i)}_old.sql`);
    let input!: AnalyzeInput;
    const h = await setup({
      analyze: async (i) => {
        input = i;
        return report(i.files.map((f) => ({ path: f.path, findings: [finding({ rule: 'r', line: 1, severity: 'warning' })] })));
      },
    });
    const link = (page: number) => ({ link: `<${API}/repositories/700001/pulls/17/files?per_page=100&page=${page}>; rel="next", <${API}/repositories/700001/pulls/17/files?per_page=100&page=3>; rel="last"` });
    checkCreated(h.api);
    configNotFound(h.api);
    h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, all.slice(0, 100), link(2));
    h.api.get('/repositories/700001/pulls/17/files?per_page=100&page=2').reply(200, all.slice(100, 200), link(3));
    h.api.get('/repositories/700001/pulls/17/files?per_page=100&page=3').reply(200, all.slice(200));
    graphqlBlobs(h.api, Object.fromEntries(migrations.map((p) => [p, `ALTER TABLE t${p.length} ADD COLUMN c int;`])));
    h.api.post('/graphql').reply(200, (_u, body: any) => {
      expect(body.variables).toEqual({ owner: 'acme', repo: 'shop', d0: `${BASE}:db/migrate` });
      const entries = [...history, ...migrations.slice(0, 2), 'db/migrate/README.md'].map((p) => ({ name: p.split('/').pop(), type: 'blob', object: {} }));
      return { data: { repository: { d0: { entries } } } };
    });
    graphqlBlobs(h.api, Object.fromEntries(history.map((p) => [p, 'CREATE TABLE x (id int);'])));
    firstCommentAndReview(h.api);
    h.api.patch(`${REPO}/check-runs/9001`).reply(200, {});
    const payload = fixture('pull_request.opened');
    payload.pull_request.changed_files = 300;
    await h.receive('pull_request', payload);
    await h.idle();

    expect(h.unmatched).toEqual([]);
    expect(h.api.isDone()).toBe(true);
    expect(h.apiCalls()).toHaveLength(14);
    expect(input.files.map((f) => f.path)).toEqual(migrations);
    expect(input.history!.map((f) => f.path)).toEqual(history);
    const blobQuery = h.apiCalls().filter((c) => c.path === '/graphql')[0]!;
    expect(Object.keys(blobQuery.body.variables)).toHaveLength(42);
    const review = h.apiCalls().find((c) => c.path.endsWith('/reviews'))!.body;
    expect(review.comments).toHaveLength(40);
    const done = lastCheckUpdate(h);
    expect(done.output.annotations).toHaveLength(40);
    expect(done.output.title).toBe('40 warnings in 40 migration files');
  });

  it('fetches a blob over 1 MB from the git blobs API', async () => {
    const big = `-- ${'x'.repeat(100)}\n${SQL1}`;
    let input!: AnalyzeInput;
    const h = await setup({ analyze: async (i) => ((input = i), report([{ path: M1 }])) });
    checkCreated(h.api);
    configYaml(h.api, NO_TRACE);
    h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, [prFile(M1)]);
    graphqlBlobs(h.api, { [M1]: null }, { truncated: [M1] });
    h.api.get(`${REPO}/git/blobs/oid-${encodeURIComponent(M1)}`).reply(200, { sha: 'x', size: big.length, encoding: 'base64', content: Buffer.from(big).toString('base64') });
    h.api.get(`${REPO}/issues/17/comments?per_page=100`).reply(200, []);
    h.api.post(`${REPO}/issues/17/comments`).reply(201, { id: 1 });
    h.api.patch(`${REPO}/check-runs/9001`).reply(200, {});
    await h.receive('pull_request', fixture('pull_request.opened'));
    await h.idle();
    expect(h.unmatched).toEqual([]);
    expect(h.api.isDone()).toBe(true);
    expect(new TextDecoder().decode(input.files[0]!.content as Uint8Array)).toBe(big);
  });

  it('fails closed when GitHub stops listing files at 3,000 (a migration may be among the unlisted ones)', async () => {
    const h = await setup();
    const page = (n: number) => Array.from({ length: 100 }, (_, i) => prFile(`src/f${n * 100 + i}.ts`, '@@ -1 +1 @@\n-a\n+b', 'modified'));
    checkCreated(h.api);
    configNotFound(h.api);
    for (let p = 1; p <= 30; p++) {
      const next: Record<string, string> = p < 30 ? { link: `<${API}/repositories/700001/pulls/17/files?per_page=100&page=${p + 1}>; rel="next"` } : {};
      const path = p === 1 ? `${REPO}/pulls/17/files?per_page=100` : `/repositories/700001/pulls/17/files?per_page=100&page=${p}`;
      h.api.get(path).reply(200, page(p), next);
    }
    h.api.get(`${REPO}/issues/17/comments?per_page=100`).reply(200, []);
    h.api.patch(`${REPO}/check-runs/9001`).reply(200, {});
    const payload = fixture('pull_request.opened');
    payload.pull_request.changed_files = 3400;
    await h.receive('pull_request', payload);
    await h.idle();
    expect(h.unmatched).toEqual([]);
    expect(h.api.isDone()).toBe(true);
    expect(lastCheckUpdate(h)).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(lastCheckUpdate(h).output).toEqual({
      title: 'Incomplete review: GitHub listed only the first 3,000 changed files',
      summary:
        'No migration files among the first 3,000 changed files, but GitHub lists no more than that, so the rest of this pull request was not reviewed.\n\n' +
        'dbarch fails closed: what it could not analyse is not read as safe. Review it by hand; a maintainer can then release this check with `/dbarch approve <reason>`. ' +
        'Set `unanalysed: neutral` in `.github/dbarch.yml` to make such reviews neutral instead.',
    });
  });
});

describe('rerequested checks', () => {
  it('check_run.rerequested fetches the PR and reviews its head again', async () => {
    const h = await setup();
    h.api.get(`${REPO}/pulls/17`).reply(200, { number: 17, state: 'open', draft: false, changed_files: 1, head: { sha: HEAD1 }, base: { sha: BASE, ref: 'main' } });
    noMigrationsFlow(h);
    await h.receive('check_run', fixture('check_run.rerequested'));
    await h.idle();
    expect(h.unmatched).toEqual([]);
    expect(h.api.isDone()).toBe(true);
    expect(h.apiCalls()[1]!.body.head_sha).toBe(HEAD1);
  });

  it('check_suite.rerequested without PR numbers (a fork) finds the PR by commit', async () => {
    const h = await setup();
    const payload = fixture('check_suite.rerequested');
    payload.check_suite.pull_requests = [];
    h.api.get(`${REPO}/commits/${HEAD1}/pulls`).reply(200, [{ number: 17, state: 'open', draft: false, head: { sha: HEAD1 }, base: { sha: BASE, ref: 'main' } }]);
    noMigrationsFlow(h);
    await h.receive('check_suite', payload);
    await h.idle();
    expect(h.unmatched).toEqual([]);
    expect(h.api.isDone()).toBe(true);
  });

  it('a rerequest for an older commit refreshes its check but leaves the comment alone', async () => {
    const h = await setup({ analyze: async () => report([{ path: M1 }]) });
    h.api.get(`${REPO}/pulls/17`).reply(200, { number: 17, state: 'open', draft: false, head: { sha: HEAD2 }, base: { sha: BASE, ref: 'main' } });
    checkCreated(h.api);
    configYaml(h.api, NO_TRACE);
    h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, [prFile(M1, addedPatch(SQL1))]);
    graphqlBlobs(h.api, { [M1]: SQL1 });
    h.api.patch(`${REPO}/check-runs/9001`).reply(200, {});
    await h.receive('check_run', fixture('check_run.rerequested'));
    await h.idle();
    expect(h.unmatched).toEqual([]);
    expect(h.api.isDone()).toBe(true);
    expect(writes(h)).toEqual([`POST ${REPO}/check-runs`, `PATCH ${REPO}/check-runs/9001`]);
  });
});

describe('/dbarch review comment', () => {
  it('queues a fresh review of the PR head through the same pipeline', async () => {
    const h = await setup();
    h.api.post(`${REPO}/issues/comments/31337/reactions`).times(2).optionally().reply(201, {});
    h.api.get(`${REPO}/collaborators/octocat/permission`).reply(200, { permission: 'write' });
    h.api.get(`${REPO}/pulls/17`).times(2).reply(200, { number: 17, state: 'open', draft: false, changed_files: 1, head: { sha: HEAD2 }, base: { sha: BASE, ref: 'main' } });
    noMigrationsFlow(h);
    await h.receive('issue_comment', fixture('issue_comment.created'), 'd-comment');
    await h.idle();
    expect(h.unmatched).toEqual([]);
    expect(h.api.isDone()).toBe(true);
    const create = h.apiCalls().find((c) => c.method === 'POST' && c.path === `${REPO}/check-runs`)!;
    expect(create.body.head_sha).toBe(HEAD2);
    expect(lastCheckUpdate(h)).toMatchObject({ conclusion: 'success', output: { title: 'No migration changes' } });
  });
});
