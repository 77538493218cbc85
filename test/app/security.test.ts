// Hostile pull requests against the App: each case reproduces an attack from the security
// review and pins the exact requests dbarch makes in answer.
import { afterEach, describe, expect, it } from 'vitest';
import {
  REPO,
  addedPatch,
  checkCreated,
  configYaml,
  finding,
  firstCommentAndReview,
  type Harness,
  fixture,
  graphqlBlobs,
  lastCheckUpdate,
  prFile,
  report,
  setup,
  teardown,
} from './helpers.js';

afterEach(teardown);

const M1 = 'db/migrate/001_index.sql';
const STATIC = 'trace:\n  enabled: false\nengines: [builtin]\n';
const FAIL_CLOSED =
  'dbarch fails closed: what it could not analyse is not read as safe. Review it by hand; a maintainer can then release this check with `/dbarch approve <reason>`. ' +
  'Set `unanalysed: neutral` in `.github/dbarch.yml` to make such reviews neutral instead.';

/**
 * The requests of one review of PR 17 up to the completed check: the test adds the blob
 * answers (`blobs`) and what follows the verdict (`after`, default: a first summary comment).
 */
function reviewFlow(h: Harness, opts: { config?: string; files: object[]; blobs: (api: Harness['api']) => void; after?: (api: Harness['api']) => void }): Promise<void> {
  checkCreated(h.api);
  configYaml(h.api, opts.config ?? STATIC);
  h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, opts.files);
  opts.blobs(h.api);
  h.api.patch(`${REPO}/check-runs/9001`).reply(200, {});
  if (opts.after) opts.after(h.api);
  else {
    h.api.get(`${REPO}/issues/17/comments?per_page=100`).reply(200, []);
    h.api.post(`${REPO}/issues/17/comments`).reply(201, { id: 1 });
  }
  return h.receive('pull_request', fixture('pull_request.opened')).then(() => h.idle());
}

/** One CREATE INDEX padded with a comment past the 2 MiB default limit. */
const PADDED = `-- ${'x'.repeat(2_200_000)}\nCREATE INDEX idx_orders_user ON orders (user_id);\n`;

describe('fail closed: what dbarch could not analyse is not a pass', () => {
  it('a migration padded past maxFileBytes fails the check, naming the file and the reason in the title', async () => {
    const h = await setup();
    await reviewFlow(h, { files: [prFile(M1)], blobs: (api) => graphqlBlobs(api, { [M1]: PADDED }) });
    expect(h.unmatched).toEqual([]);
    expect(h.api.isDone()).toBe(true);
    const done = lastCheckUpdate(h);
    expect(done).toEqual({
      status: 'completed',
      conclusion: 'failure',
      completed_at: '2026-11-25T12:00:00.000Z',
      output: {
        title: `Incomplete review: ${M1}: larger than maxFileBytes (2200054 bytes)`,
        summary: expect.any(String),
        text: expect.stringContaining('No findings in what was analysed; some files were not analysed'),
      },
    });
    expect(done.output.summary).toBe(
      [
        '**0 errors, 0 warnings, 0 notices** in 0 migration files (0 statements).',
        [
          '> [!CAUTION]',
          '> **Incomplete review**: dbarch could not analyse everything, so this check cannot vouch for it.',
          `> - \`${M1}\`: larger than maxFileBytes (2200054 bytes)`,
          '>',
          '> Review these by hand; a maintainer can then release the check with `/dbarch approve <reason>`.',
        ].join('\n'),
        '### Locks',
        '_No table locks taken._',
        FAIL_CLOSED,
      ].join('\n\n'),
    );
    const comment = h.apiCalls().find((c) => c.method === 'POST' && c.path.endsWith('/issues/17/comments'))!.body.body as string;
    expect(comment).toContain('No findings in what was analysed; some files were not analysed (see below).');
    expect(comment).not.toContain('look safe to deploy');
    expect(comment).toContain(`> - \`${M1}\`: larger than maxFileBytes (2200054 bytes)`);
  });

  it('`unanalysed: neutral` makes the same review neutral, with the same title', async () => {
    const h = await setup({ analyze: async () => report([]) });
    await reviewFlow(h, { config: `${STATIC}unanalysed: neutral\n`, files: [prFile(M1)], blobs: (api) => graphqlBlobs(api, { [M1]: PADDED }) });
    expect(h.unmatched).toEqual([]);
    expect(lastCheckUpdate(h)).toMatchObject({ conclusion: 'neutral', output: { title: `Incomplete review: ${M1}: larger than maxFileBytes (2200054 bytes)` } });
  });

  it('a migration that cannot be fetched at the head fails the check', async () => {
    const h = await setup({ analyze: async () => report([]) });
    await reviewFlow(h, { files: [prFile(M1)], blobs: (api) => graphqlBlobs(api, {}) });
    expect(h.unmatched).toEqual([]);
    expect(lastCheckUpdate(h)).toMatchObject({ conclusion: 'failure', output: { title: `Incomplete review: ${M1}: not found at this commit` } });
  });

  it('a UTF-16 migration (unreadable as UTF-8) fails the check instead of parsing to nothing', async () => {
    const h = await setup();
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('CREATE INDEX i ON orders (user_id);\n', 'utf16le')]);
    await reviewFlow(h, {
      files: [prFile(M1)],
      blobs: (api) => {
        api.post('/graphql').reply(200, { data: { repository: { f0: { oid: 'abc', byteSize: utf16.length, isBinary: true, isTruncated: false, text: null } } } });
        api.get(`${REPO}/git/blobs/abc`).reply(200, { sha: 'abc', size: utf16.length, encoding: 'base64', content: utf16.toString('base64') });
      },
    });
    expect(h.unmatched).toEqual([]);
    expect(lastCheckUpdate(h)).toMatchObject({
      conclusion: 'failure',
      output: { title: `Incomplete review: ${M1}: UTF-16 text; dbarch reads migrations as UTF-8 · 1 notice in 1 migration file` },
    });
  });

  it('findings still decide first: an error with an unanalysed file is a failure naming both', async () => {
    const M2 = 'db/migrate/002_more.sql';
    const h = await setup({ analyze: async () => report([{ path: M2, findings: [finding({ rule: 'require-concurrent-index-creation', line: 1 })] }]) });
    await reviewFlow(h, {
      config: `${STATIC}unanalysed: neutral\n`,
      files: [prFile(M1), prFile(M2, addedPatch('CREATE INDEX i ON t (c);'))],
      blobs: (api) => graphqlBlobs(api, { [M2]: 'CREATE INDEX i ON t (c);\n' }),
      after: (api) => firstCommentAndReview(api),
    });
    expect(h.unmatched).toEqual([]);
    expect(lastCheckUpdate(h)).toMatchObject({
      conclusion: 'failure',
      output: { title: `Incomplete review: ${M1}: not found at this commit · 1 error in 1 migration file` },
    });
  });
});

describe('a write that fails after the verdict', () => {
  it('leaves the posted verdict alone (no "could not finish" over it)', async () => {
    const h = await setup({ analyze: async () => report([{ path: M1 }]) });
    await reviewFlow(h, {
      files: [prFile(M1, addedPatch('SELECT 1;'))],
      blobs: (api) => graphqlBlobs(api, { [M1]: 'SELECT 1;\n' }),
      after: (api) => {
        api.get(`${REPO}/issues/17/comments?per_page=100`).reply(200, []);
        api.post(`${REPO}/issues/17/comments`).reply(403, { message: 'Resource not accessible by integration' });
      },
    });
    expect(h.unmatched).toEqual([]);
    expect(h.api.isDone()).toBe(true);
    const patches = h.apiCalls().filter((c) => c.method === 'PATCH');
    expect(patches).toHaveLength(1);
    expect(patches[0]!.body).toMatchObject({ conclusion: 'success', output: { title: 'No hazards found in 1 migration file' } });
  });
});

describe('only dbarch’s own comments are dbarch’s', () => {
  it('another bot’s comment with the summary marker is left alone; dbarch posts its own', async () => {
    const h = await setup({ analyze: async () => report([{ path: M1 }]) });
    await reviewFlow(h, {
      files: [prFile(M1, addedPatch('SELECT 1;'))],
      blobs: (api) => graphqlBlobs(api, { [M1]: 'SELECT 1;\n' }),
      after: (api) => {
        api.get(`${REPO}/issues/17/comments?per_page=100`).reply(200, [
          { id: 41, body: '<!-- dbarch:summary -->\nall good, merge away', user: { login: 'imposter[bot]', type: 'Bot' } },
          { id: 42, body: 'quoting <!-- dbarch:summary -->', user: { login: 'dbarch', type: 'User' } },
        ]);
        api.post(`${REPO}/issues/17/comments`).reply(201, { id: 43 });
      },
    });
    expect(h.unmatched).toEqual([]);
    expect(h.api.isDone()).toBe(true);
    expect(h.apiCalls().filter((c) => c.method !== 'GET').map((c) => `${c.method} ${c.path}`)).toEqual([
      `POST ${REPO}/check-runs`,
      'POST /graphql',
      `PATCH ${REPO}/check-runs/9001`,
      `POST ${REPO}/issues/17/comments`,
    ]);
  });
});

describe('untrusted text in the summary comment', () => {
  it('a RAISE EXCEPTION message with a mention, an image and a link is shown as inert text', async () => {
    const raised = "@octocat look <img src=https://evil.example/p.gif> [click](https://evil.example/x) \\`@admins\\`";
    const h = await setup({
      analyze: async () => report([{ path: M1, findings: [finding({ rule: 'trace-error', severity: 'error', line: 1, message: `The migration failed when run: ${raised}` })] }]),
    });
    await reviewFlow(h, {
      files: [prFile(M1, addedPatch('SELECT 1;'))],
      blobs: (api) => graphqlBlobs(api, { [M1]: 'SELECT 1;\n' }),
      after: (api) => firstCommentAndReview(api),
    });
    expect(h.unmatched).toEqual([]);
    const comment = h.apiCalls().find((c) => c.method === 'POST' && c.path.endsWith('/issues/17/comments'))!.body.body as string;
    expect(comment).toContain(
      'The migration failed when run: @\u200doctocat' +
        ' look &lt;img src=`https://evil.example/p.gif`&gt; \\[click\\](`https://evil.example/x`) \\\\\\`@\u200dadmins\\\\\\`',
    );
    const review = h.apiCalls().find((c) => c.path.endsWith('/reviews'))!.body;
    expect(review.comments[0].body).toContain('look &lt;img src=`https://evil.example/p.gif`&gt;');
    for (const body of [comment, review.comments[0].body as string]) {
      expect(body).not.toMatch(/@octocat|@admins|<img|\]\(https/);
    }
  });
});
