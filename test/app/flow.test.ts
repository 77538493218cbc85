import { afterEach, describe, expect, it } from 'vitest';
import type { AnalyzeInput } from '../../src/app/review.js';
import {
  API,
  BASE,
  HEAD1,
  REPO,
  addedPatch,
  checkCreated,
  configNotFound,
  finding,
  fixture,
  graphqlBlobs,
  prFile,
  report,
  setup,
  teardown,
} from './helpers.js';

afterEach(teardown);

const MIGRATION = 'db/migrate/20261125_add_email_index.sql';
const SQL = "SET lock_timeout = '2s';\nCREATE INDEX idx_users_email ON users (email);\nALTER TABLE users ADD COLUMN status text;\n";

describe('pull_request.opened with a migration', () => {
  it('creates the check in_progress, then completes it with annotations, a summary comment and a review with a suggestion', async () => {
    const inputs: AnalyzeInput[] = [];
    const h = await setup({
      analyze: async (input) => {
        inputs.push(input);
        return report([
          {
            path: MIGRATION,
            findings: [
              finding({
                rule: 'require-concurrent-index-creation',
                line: 2,
                column: 1,
                endColumn: 47,
                message: 'CREATE INDEX blocks writes to public.users',
                help: 'Build it CONCURRENTLY.',
                lockMode: 'SHARE',
                fix: {
                  description: 'Create the index concurrently',
                  sql: 'CREATE INDEX CONCURRENTLY idx_users_email ON users (email);',
                  outsideTransaction: true,
                  replaces: { line: 2, column: 1, endLine: 2, endColumn: 47, offset: 25, endOffset: 71 },
                },
              }),
              finding({ rule: 'prefer-text-field', severity: 'info', line: 3, column: 1, endColumn: 41 }),
            ],
          },
        ]);
      },
    });
    checkCreated(h.api);
    configNotFound(h.api);
    h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, [prFile(MIGRATION, addedPatch(SQL)), prFile('src/app.ts', '@@ -1 +1 @@\n-a\n+b', 'modified')]);
    graphqlBlobs(h.api, { [MIGRATION]: SQL });
    graphqlBlobs(h.api, {}); // history listing at the base: the directory is new
    h.api.get(`${REPO}/issues/17/comments?per_page=100`).reply(200, []);
    h.api.post(`${REPO}/issues/17/comments`).reply(201, { id: 555 });
    h.api.get(`${REPO}/pulls/17/comments?per_page=100`).reply(200, []);
    h.api.post(`${REPO}/pulls/17/reviews`).reply(200, { id: 777 });
    h.api.patch(`${REPO}/check-runs/9001`).reply(200, { id: 9001 });

    await h.receive('pull_request', fixture('pull_request.opened'), 'delivery-1');
    await h.idle();

    expect(h.unmatched).toEqual([]);
    expect(h.api.isDone()).toBe(true);
    expect(h.apiCalls().map((c) => `${c.method} ${c.path}`)).toEqual([
      `POST ${REPO}/check-runs`,
      `GET ${REPO}/contents/.github%2Fdbarch.yml`,
      'GET /repos/acme/.github/contents/.github%2Fdbarch.yml',
      `GET ${REPO}/pulls/17/files?per_page=100`,
      'POST /graphql',
      'POST /graphql',
      `PATCH ${REPO}/check-runs/9001`,
      `GET ${REPO}/issues/17/comments?per_page=100`,
      `POST ${REPO}/issues/17/comments`,
      `GET ${REPO}/pulls/17/comments?per_page=100`,
      `POST ${REPO}/pulls/17/reviews`,
    ]);
    const [create, , , , blobs, tree, done, , comment, , review] = h.apiCalls();
    expect(create!.body).toEqual({
      name: 'dbarch',
      head_sha: HEAD1,
      status: 'in_progress',
      started_at: '2026-11-25T12:00:00.000Z',
      output: { title: 'Reviewing migrations…', summary: 'dbarch is analysing the migrations changed by this pull request.' },
    });
    expect(blobs!.body.variables).toEqual({ owner: 'acme', repo: 'shop', e0: `${HEAD1}:${MIGRATION}` });
    expect(tree!.body.variables).toEqual({ owner: 'acme', repo: 'shop', d0: `${BASE}:db/migrate` });
    expect(inputs).toHaveLength(1);
    expect(inputs[0]!.files).toEqual([{ path: MIGRATION, content: SQL, change: 'pull request' }]);
    expect(inputs[0]!.history).toEqual([]);
    expect(inputs[0]!.trace).toBe(true);
    expect(comment!.body.body).toMatchSnapshot('summary comment');
    expect(review!.body).toMatchSnapshot('review');
    expect(review!.body.comments[0].body).toContain(
      '```suggestion\nCREATE INDEX CONCURRENTLY idx_users_email ON users (email);\n```',
    );
    expect(review!.body.comments.map((c: any) => [c.path, c.line, c.side, c.start_line])).toEqual([[MIGRATION, 2, 'RIGHT', undefined]]);
    expect(done!.body.status).toBe('completed');
    expect(done!.body.conclusion).toBe('failure');
    expect(done!.body.output.title).toBe('1 error, 1 notice in 1 migration file');
    expect(done!.body.output.annotations).toEqual([
      {
        path: MIGRATION,
        start_line: 2,
        end_line: 2,
        start_column: 1,
        end_column: 47,
        annotation_level: 'failure',
        title: 'require-concurrent-index-creation',
        message: 'CREATE INDEX blocks writes to public.users\n\nBuild it CONCURRENTLY.',
        raw_details: 'Create the index concurrently\n\nCREATE INDEX CONCURRENTLY idx_users_email ON users (email);',
      },
      { path: MIGRATION, start_line: 3, end_line: 3, start_column: 1, end_column: 41, annotation_level: 'notice', title: 'prefer-text-field', message: 'prefer-text-field message' },
    ]);
    expect(done!.body).toMatchSnapshot('completed check');
  });
});
