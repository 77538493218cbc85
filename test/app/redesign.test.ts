// `/dbarch redesign` through the App: the base branch's migrations are read at the base commit,
// every plan is proven on PGlite against the migration, and only a proven plan is called proven.
import { afterEach, describe, expect, it } from 'vitest';
import { anthropicScope, MIGRATION, MIGRATION_PATH, SCHEMA_SQL, SECRET_ENV } from '../agent/helpers.js';
import { addedPatch, BASE, configNotFound, fixture, HEAD1, prFile, REPO, setup, teardown, type Harness } from './helpers.js';

afterEach(teardown);

const BASE_MIGRATION = 'db/migrations/20261101_base.sql';

/** The App with a key; the redesign task is awaited instead of running detached. */
async function redesignApp(): Promise<{ h: Harness; tasks: Promise<void>[] }> {
  const tasks: Promise<void>[] = [];
  const h = await setup({
    env: { ...SECRET_ENV },
    commands: {
      agent: { env: { ...SECRET_ENV }, anthropic: { maxRetries: 0 } },
      schedule: (_name, task) => {
        tasks.push(task());
      },
    },
  });
  return { h, tasks };
}

/** GitHub as the redesign reads it: permission, the PR, config, files at head, history at base. */
function github(h: Harness): string[] {
  const posted: string[] = [];
  h.api.get(`${REPO}/collaborators/octocat/permission`).reply(200, { permission: 'write', role_name: 'write' });
  h.api.post(`${REPO}/issues/comments/31337/reactions`).times(2).reply(201, {});
  h.api.get(`${REPO}/pulls/17`).reply(200, { number: 17, state: 'open', head: { sha: HEAD1 }, base: { sha: BASE, ref: 'main' } });
  configNotFound(h.api);
  h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, [prFile(MIGRATION_PATH, addedPatch(MIGRATION))]);
  // one query each: the migration at head, the directory at base, the earlier migration at base
  h.api.post('/graphql').reply(200, { data: { repository: { f0: { oid: 'o1', byteSize: MIGRATION.length, isBinary: false, isTruncated: false, text: MIGRATION } } } });
  h.api.post('/graphql').reply(200, {
    data: { repository: { d0: { entries: [{ name: '20261101_base.sql', type: 'blob' }, { name: '20261125_add_email_verified.sql', type: 'blob' }] } } },
  });
  h.api.post('/graphql').reply(200, { data: { repository: { f0: { oid: 'o2', byteSize: SCHEMA_SQL.length, isBinary: false, isTruncated: false, text: SCHEMA_SQL } } } });
  // the agent's schema context looks for a dump in the tree at head
  h.api.get(`${REPO}/git/trees/${HEAD1}`).query({ recursive: 'true' }).reply(200, { tree: [{ path: BASE_MIGRATION, type: 'blob' }, { path: MIGRATION_PATH, type: 'blob' }] });
  h.api.post(`${REPO}/issues/17/comments`, (b: { body: string }) => (posted.push(b.body), true)).reply(201, { id: 99 });
  return posted;
}

const EXPECTED_CALLS = [
  `GET ${REPO}/collaborators/octocat/permission`,
  `POST ${REPO}/issues/comments/31337/reactions`,
  `GET ${REPO}/pulls/17`,
  `GET ${REPO}/contents/.github%2Fdbarch.yml`,
  'GET /repos/acme/.github/contents/.github%2Fdbarch.yml',
  `GET ${REPO}/pulls/17/files?per_page=100`,
  'POST /graphql',
  'POST /graphql',
  'POST /graphql',
  `GET ${REPO}/git/trees/${HEAD1}?recursive=true`,
  `POST ${REPO}/issues/17/comments`,
  `POST ${REPO}/issues/comments/31337/reactions`,
];

function comment(): unknown {
  const payload = fixture('issue_comment.created');
  payload.comment.body = '/dbarch redesign';
  return payload;
}

/** Timings vary from run to run. */
const normalise = (body: string) => body.replace(/\| [\d.]+ ms \|/g, '| N ms |');

describe('/dbarch redesign in the App', () => {
  it('a model plan of SELECT 1 steps is never posted as proven: the proven fallback builds the index concurrently', async () => {
    const { h, tasks } = await redesignApp();
    const posted = github(h);
    const { scope, bodies, reply } = anthropicScope();
    reply('redesign-plan-meaningless');
    reply('redesign-plan-meaningless');
    await h.receive('issue_comment', comment(), 'd-redesign-1');
    await Promise.all(tasks);
    expect(h.unmatched).toEqual([]);
    expect(scope.isDone()).toBe(true);
    expect(h.api.isDone()).toBe(true);
    const calls = h.apiCalls();
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(EXPECTED_CALLS);
    const gql = calls.filter((c) => c.path === '/graphql').map((c) => c.body.variables);
    expect(gql).toEqual([
      { owner: 'acme', repo: 'shop', e0: `${HEAD1}:${MIGRATION_PATH}` },
      { owner: 'acme', repo: 'shop', d0: `${BASE}:db/migrations` },
      // the earlier migration, read at the base commit; the PR's own file is not history
      { owner: 'acme', repo: 'shop', e0: `${BASE}:${BASE_MIGRATION}` },
    ]);
    expect(calls.filter((c) => c.path.endsWith('/reactions')).map((c) => c.body)).toEqual([{ content: 'eyes' }, { content: 'rocket' }]);

    // the revision request carried the catalog differences
    const msgs = (bodies[1] as { messages: { content: { content?: string }[] }[] }).messages;
    expect(msgs.at(-1)!.content[0]!.content).toContain('after the plan, index public.users_email_verified_idx is missing compared with the original migration');

    expect(posted).toHaveLength(1);
    const body = normalise(posted[0]!);
    expect(body).not.toContain('SELECT 1;');
    expect(body).toContain(
      "> **The model's plan was not posted:** the model's plan failed the equivalence proof after one revision (column public.users.email_verified is missing; constraint public.users.email_verified (not null) is missing; constraint-validity public.users.email_verified (not null) is missing).",
    );
    expect(body).toContain('✅ **Proven:** run step by step on the replayed base schema, the plan reaches the same schema as the original migration.');
    expect(body).toContain(
      [
        '| # | phase | deploy | transaction | lock | lint | traced locks | rewrite | time |',
        '|---|---|---|---|---|---|---|---|---|',
        '| 1 | expand | before the app change | inside | ACCESS EXCLUSIVE on public.users | ✅ | ACCESS EXCLUSIVE on public.users | no | N ms |',
        '| 2 | expand | before the app change | inside | ACCESS EXCLUSIVE on public.users | ✅ | ACCESS EXCLUSIVE on public.users | no | N ms |',
        '| 3 | expand | before the app change | outside | SHARE UPDATE EXCLUSIVE on public.users | ✅ | SHARE UPDATE EXCLUSIVE on public.users (documented) | no | N ms |',
        '| 4 | backfill (batched) | before the app change | outside | ROW EXCLUSIVE on public.users | ✅ | ROW EXCLUSIVE on public.users | no | N ms |',
        '| 5 | contract | after the app change | inside | SHARE UPDATE EXCLUSIVE on public.users | ✅ | SHARE UPDATE EXCLUSIVE on public.users | no | N ms |',
        '| 6 | contract | after the app change | inside | ACCESS EXCLUSIVE on public.users | ✅ | ACCESS EXCLUSIVE on public.users | no | N ms |',
        '| 7 | contract | after the app change | inside | ACCESS EXCLUSIVE on public.users | ✅ | ACCESS EXCLUSIVE on public.users | no | N ms |',
      ].join('\n'),
    );
    expect(body).toContain('CREATE INDEX CONCURRENTLY users_email_verified_idx ON users (email_verified)');
    expect(body).toContain('_Every step was linted and traced on PGlite by dbarch._');
    expect(body).toMatchSnapshot('fallback redesign comment');
  }, 400_000);

  it('a correct model plan is proven on its first submission and posted with its traced locks', async () => {
    const { h, tasks } = await redesignApp();
    const posted = github(h);
    const { scope, reply } = anthropicScope();
    reply('redesign-plan-proven');
    await h.receive('issue_comment', comment(), 'd-redesign-2');
    await Promise.all(tasks);
    expect(h.unmatched).toEqual([]);
    expect(scope.isDone()).toBe(true);
    expect(h.apiCalls().map((c) => `${c.method} ${c.path}`)).toEqual(EXPECTED_CALLS);
    const body = normalise(posted[0]!);
    expect(body).not.toContain('was not posted');
    expect(body).not.toContain('unavailable');
    expect(body).toContain('✅ **Proven:**');
    expect(body).toContain('✅ **Proven:** run step by step on the replayed base schema, the plan reaches the same schema as the original migration, apart from 1 difference(s) the plan declares.');
    expect(body).toMatch(/\| 2 \| expand \| before the app change \| outside \| SHARE UPDATE EXCLUSIVE on public\.users \| ✅ \| SHARE UPDATE EXCLUSIVE on public\.users \(documented\) \| no \| N ms \|/);
    expect(body).toContain('_Every step was linted and traced on PGlite by dbarch; model `claude-sonnet-4-6`');
  }, 400_000);
});

