import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import type { AnalyzeInput } from '../../src/app/review.js';
import type { Report } from '../../src/types.js';
import type { Harness } from './helpers.js';
import {
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
  prFile,
  report,
  setup,
  reviewOpened,
  teardown, firstCommentAndReview } from './helpers.js';

afterEach(teardown);

const M1 = 'db/migrate/001_users.sql';
const SQL1 = 'CREATE INDEX idx_users_email ON users (email);\nALTER TABLE users ADD COLUMN status text;\n';
const NO_TRACE = 'trace:\n  enabled: false\n';

function oneError(path = M1): Report {
  return report([
    {
      path,
      findings: [
        finding({
          rule: 'require-concurrent-index-creation',
          line: 1,
          endColumn: 47,
          message: 'CREATE INDEX blocks writes',
          fix: { description: 'Build it concurrently', sql: 'CREATE INDEX CONCURRENTLY idx_users_email ON users (email);', replaces: { line: 1, column: 1, endLine: 1, endColumn: 47, offset: 0, endOffset: 46 } },
        }),
      ],
    },
  ]);
}

function routes(h: Harness): string[] {
  return h.apiCalls().map((c) => `${c.method} ${c.path.replace(/\?.*$/, '')}`);
}

function check(h: Harness, id: number): any[] {
  return h.apiCalls().filter((c) => c.method === 'PATCH' && c.path === `${REPO}/check-runs/${id}`).map((c) => c.body);
}

describe('check run output', () => {
  it('sends more than 50 annotations in batches of 50, completing with the last batch', async () => {
    const findings = Array.from({ length: 120 }, (_, i) => finding({ rule: 'r', severity: i % 2 ? 'warning' : 'info', line: i + 1, message: `finding ${i + 1}` }));
    const h = await setup({ analyze: async () => report([{ path: M1, findings }]) });
    checkCreated(h.api);
    configYaml(h.api, NO_TRACE);
    h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, [prFile(M1, '@@ -1,0 +1,1 @@\n+x')]); // findings outside the diff: no review
    graphqlBlobs(h.api, { [M1]: SQL1 });
    h.api.get(`${REPO}/issues/17/comments?per_page=100`).reply(200, []);
    h.api.post(`${REPO}/issues/17/comments`).reply(201, { id: 1 });
    h.api.patch(`${REPO}/check-runs/9001`).times(3).reply(200, {});

    await h.receive('pull_request', fixture('pull_request.opened'));
    await h.idle();
    expect(h.unmatched).toEqual([]);
    expect(h.api.isDone()).toBe(true);
    const patches = check(h, 9001);
    expect(patches.map((p) => [p.status, p.conclusion, p.output.annotations.length])).toEqual([
      [undefined, undefined, 50],
      [undefined, undefined, 50],
      ['completed', 'success', 20],
    ]);
    expect(patches.flatMap((p) => p.output.annotations.map((a: any) => a.start_line))).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    expect(patches[0].output.annotations[1]).toEqual({ path: M1, start_line: 2, end_line: 2, start_column: 1, end_column: 10, annotation_level: 'warning', title: 'r', message: 'finding 2' });
    expect(patches[0].output.title).toBe('60 warnings, 60 notices in 1 migration file');
    expect(patches[2].output.title).toBe('60 warnings, 60 notices in 1 migration file');
  });

  it('keeps every output field within 65,535 characters', async () => {
    const long = 'x'.repeat(3000);
    const findings = Array.from({ length: 60 }, (_, i) => finding({ rule: 'r', line: i + 1, message: long, help: long }));
    const statements = Array.from({ length: 60 }, (_, i) => ({ ...report([{ path: M1 }]).files[0]!.statements[0]!, line: i + 1, kind: `ALTER TABLE ${'y'.repeat(2000)}` }));
    const h = await setup({ analyze: async () => report([{ path: M1, findings, statements }]) });
    checkCreated(h.api);
    configYaml(h.api, NO_TRACE);
    h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, [prFile(M1, '@@ -0,0 +500,1 @@\n+x')]);
    graphqlBlobs(h.api, { [M1]: SQL1 });
    h.api.get(`${REPO}/issues/17/comments?per_page=100`).reply(200, []);
    h.api.post(`${REPO}/issues/17/comments`).reply(201, { id: 1 });
    h.api.patch(`${REPO}/check-runs/9001`).times(2).reply(200, {});
    await h.receive('pull_request', fixture('pull_request.opened'));
    await h.idle();
    expect(h.unmatched).toEqual([]);
    const done = check(h, 9001).at(-1);
    expect(done.conclusion).toBe('failure');
    expect(done.output.text.length).toBeLessThanOrEqual(65_535);
    expect(done.output.summary.length).toBeLessThanOrEqual(65_535);
    expect(done.output.text).toContain('Truncated');
    const comment = h.apiCalls().find((c) => c.method === 'POST' && c.path.endsWith('/issues/17/comments'))!;
    expect(comment.body.body.length).toBeLessThanOrEqual(65_535);
    expect(comment.body.body).toContain('Truncated');
  });
});

describe('summary comment and review across pushes', () => {
  it('creates the comment on the first push, edits it on the next, and does not repeat a review comment', async () => {
    let push = 0;
    const h = await setup({
      analyze: async () => {
        const r = oneError();
        // The second push adds a notice, so the summary changes; the error stays on line 1.
        if (++push === 2) r.files[0]!.findings.push(finding({ rule: 'prefer-text-field', severity: 'info', line: 2 }));
        return r;
      },
    });
    const patch = addedPatch(SQL1);
    // push 1
    checkCreated(h.api, 9001);
    configYaml(h.api, NO_TRACE);
    h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, [prFile(M1, patch)]);
    graphqlBlobs(h.api, { [M1]: SQL1 });
    h.api.get(`${REPO}/issues/17/comments?per_page=100`).reply(200, [{ id: 1, body: 'LGTM', user: { login: 'octocat', type: 'User' } }]);
    h.api.post(`${REPO}/issues/17/comments`).reply(201, { id: 555 });
    h.api.get(`${REPO}/pulls/17/comments?per_page=100`).reply(200, []);
    h.api.post(`${REPO}/pulls/17/reviews`).reply(200, { id: 1 });
    h.api.patch(`${REPO}/check-runs/9001`).reply(200, {});
    await h.receive('pull_request', fixture('pull_request.opened'));
    await h.idle();
    expect(h.unmatched).toEqual([]);
    expect(h.api.isDone()).toBe(true);
    const firstComment = h.apiCalls().find((c) => c.method === 'POST' && c.path.endsWith('/issues/17/comments'))!.body.body as string;
    const review = h.apiCalls().find((c) => c.path.endsWith('/reviews'))!.body;
    expect(review.comments).toHaveLength(1);

    // push 2: same finding on the same line
    h.calls.length = 0;
    checkCreated(h.api, 9002);
    configYaml(h.api, NO_TRACE);
    h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, [prFile(M1, patch)]);
    graphqlBlobs(h.api, { [M1]: SQL1 });
    h.api.get(`${REPO}/issues/17/comments?per_page=100`).reply(200, [
      { id: 1, body: `> ${firstComment.slice(0, 40)}`, user: { login: 'octocat', type: 'User' } },
      { id: 555, body: firstComment, user: { login: 'dbarch[bot]', type: 'Bot' } },
    ]);
    h.api.patch(`${REPO}/issues/comments/555`).reply(200, { id: 555 });
    h.api.get(`${REPO}/pulls/17/comments?per_page=100`).reply(200, [{ id: 9, path: M1, line: 1, original_line: 1, body: review.comments[0].body, user: { login: 'dbarch[bot]', type: 'Bot' } }]);
    h.api.patch(`${REPO}/check-runs/9002`).reply(200, {});
    await h.receive('pull_request', fixture('pull_request.synchronize'));
    await h.idle();
    expect(h.unmatched).toEqual([]);
    expect(h.api.isDone()).toBe(true);
    expect(routes(h)).toEqual([
      `POST ${REPO}/check-runs`,
      `GET ${REPO}/contents/.github%2Fdbarch.yml`,
      `GET ${REPO}/pulls/17/files`,
      'POST /graphql',
      `PATCH ${REPO}/check-runs/9002`,
      `GET ${REPO}/issues/17/comments`,
      `PATCH ${REPO}/issues/comments/555`,
      `GET ${REPO}/pulls/17/comments`,
    ]);
    expect(h.apiCalls()[0]!.body.head_sha).toBe(HEAD2);
  });

  it('turns a multi-line statement fix into a multi-line suggestion', async () => {
    const sql = 'ALTER TABLE users\n  ADD CONSTRAINT users_org_fk FOREIGN KEY (org_id) REFERENCES orgs (id);\n';
    const stmtEnd = sql.indexOf(';');
    const r = report([
      {
        path: M1,
        findings: [
          finding({
            rule: 'adding-foreign-key-constraint',
            severity: 'warning',
            line: 1,
            endLine: 2,
            message: 'Validating the foreign key locks both tables',
            fix: {
              description: 'Add it NOT VALID, validate separately',
              sql: 'ALTER TABLE users\n  ADD CONSTRAINT users_org_fk FOREIGN KEY (org_id) REFERENCES orgs (id) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT users_org_fk;',
              replaces: { line: 1, column: 1, endLine: 2, endColumn: 72, offset: 0, endOffset: stmtEnd },
            },
          }),
        ],
      },
    ]);
    const h = await setup({ analyze: async () => r });
    checkCreated(h.api);
    configYaml(h.api, NO_TRACE);
    h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, [prFile(M1, addedPatch(sql))]);
    graphqlBlobs(h.api, { [M1]: sql });
    firstCommentAndReview(h.api);
    h.api.patch(`${REPO}/check-runs/9001`).reply(200, {});
    await h.receive('pull_request', fixture('pull_request.opened'));
    await h.idle();
    expect(h.unmatched).toEqual([]);
    const review = h.apiCalls().find((c) => c.path.endsWith('/reviews'))!.body;
    expect(review.comments).toHaveLength(1);
    const c = review.comments[0];
    expect([c.start_line, c.start_side, c.line, c.side]).toEqual([1, 'RIGHT', 2, 'RIGHT']);
    expect(c.body).toContain(
      '```suggestion\nALTER TABLE users\n  ADD CONSTRAINT users_org_fk FOREIGN KEY (org_id) REFERENCES orgs (id) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT users_org_fk;\n```',
    );
    expect(check(h, 9001).at(-1).conclusion).toBe('success'); // warnings do not reach failOn: error
  });
});

describe('pull requests without migrations', () => {
  it('completes success "No migration changes" and posts no comment', async () => {
    const h = await setup({ analyze: async () => { throw new Error('must not run'); } });
    checkCreated(h.api);
    configNotFound(h.api);
    h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, [prFile('src/index.ts', '@@ -1 +1 @@\n-a\n+b', 'modified'), prFile('README.md')]);
    h.api.get(`${REPO}/issues/17/comments?per_page=100`).reply(200, []);
    h.api.patch(`${REPO}/check-runs/9001`).reply(200, {});
    await h.receive('pull_request', fixture('pull_request.opened'));
    await h.idle();
    expect(h.unmatched).toEqual([]);
    expect(h.api.isDone()).toBe(true);
    expect(check(h, 9001)).toEqual([
      {
        status: 'completed',
        conclusion: 'success',
        completed_at: '2026-11-25T12:00:00.000Z',
        output: { title: 'No migration changes', summary: 'This pull request does not change any migration files.' },
      },
    ]);
    expect(h.apiCalls().filter((c) => c.method !== 'GET').map((c) => `${c.method} ${c.path}`)).toEqual([`POST ${REPO}/check-runs`, `PATCH ${REPO}/check-runs/9001`]);
  });

  it('edits the earlier comment when the migrations disappear from the PR', async () => {
    const h = await setup({ analyze: async () => { throw new Error('must not run'); } });
    checkCreated(h.api);
    configNotFound(h.api);
    h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, [prFile('src/index.ts', '@@ -1 +1 @@\n-a\n+b', 'modified')]);
    h.api.get(`${REPO}/issues/17/comments?per_page=100`).reply(200, [{ id: 555, body: '<!-- dbarch:summary -->\nold findings', user: { login: 'dbarch[bot]', type: 'Bot' } }]);
    h.api.patch(`${REPO}/issues/comments/555`).reply(200, {});
    h.api.patch(`${REPO}/check-runs/9001`).reply(200, {});
    await h.receive('pull_request', fixture('pull_request.synchronize'));
    await h.idle();
    expect(h.unmatched).toEqual([]);
    expect(h.api.isDone()).toBe(true);
    const edit = h.apiCalls().find((c) => c.path.endsWith('/issues/comments/555'))!;
    expect(edit.body).toEqual({
      body: '<!-- dbarch:summary -->\n\n## dbarch\n\nAs of 2222222 this pull request no longer changes any migration files, so there is nothing to review.',
    });
    expect(check(h, 9001)[0].output.title).toBe('No migration changes');
  });
});

describe('configuration', () => {
  it('fails the check naming the bad keys, without falling back to defaults', async () => {
    const h = await setup({ analyze: async () => { throw new Error('must not run'); } });
    checkCreated(h.api);
    configYaml(h.api, 'failOn: critical\nenginez: [builtin]\n');
    h.api.patch(`${REPO}/check-runs/9001`).reply(200, {});
    await h.receive('pull_request', fixture('pull_request.opened'));
    await h.idle();
    expect(h.unmatched).toEqual([]);
    expect(h.api.isDone()).toBe(true);
    const [done] = check(h, 9001);
    expect(done.conclusion).toBe('failure');
    expect(done.output.title).toBe('Invalid dbarch configuration');
    expect(done.output.summary).toContain('enginez: unknown key');
    expect(done.output.summary).toContain('failOn:');
    expect(done.output.summary).toMatchSnapshot();
  });

  it('fails the check on YAML that does not parse', async () => {
    const h = await setup({ analyze: async () => { throw new Error('must not run'); } });
    checkCreated(h.api);
    configYaml(h.api, 'failOn: [error\n');
    h.api.patch(`${REPO}/check-runs/9001`).reply(200, {});
    await h.receive('pull_request', fixture('pull_request.opened'));
    await h.idle();
    expect(h.unmatched).toEqual([]);
    const [done] = check(h, 9001);
    expect([done.conclusion, done.output.title]).toEqual(['failure', 'Invalid dbarch configuration']);
    expect(done.output.summary).toContain('invalid YAML');
  });

  it('merges organisation defaults from the .github repository', async () => {
    const seen: AnalyzeInput[] = [];
    const h = await setup({ analyze: async (i) => (seen.push(i), report([{ path: M1 }])) });
    checkCreated(h.api);
    h.api.get(`${REPO}/contents/.github%2Fdbarch.yml`).reply(404, {});
    h.api.get('/repos/acme/.github/contents/.github%2Fdbarch.yml').reply(200, 'failOn: warning\ntrace:\n  enabled: false\nlargeTables: [public.users]\n', { 'content-type': 'application/vnd.github.raw; charset=utf-8' });
    h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, [prFile(M1, addedPatch(SQL1))]);
    graphqlBlobs(h.api, { [M1]: SQL1 });
    h.api.get(`${REPO}/issues/17/comments?per_page=100`).reply(200, []);
    h.api.post(`${REPO}/issues/17/comments`).reply(201, { id: 1 });
    h.api.patch(`${REPO}/check-runs/9001`).reply(200, {});
    await h.receive('pull_request', fixture('pull_request.opened'));
    await h.idle();
    expect(h.unmatched).toEqual([]);
    expect(seen[0]!.config.failOn).toBe('warning');
    expect(seen[0]!.config.largeTables).toEqual(['public.users']);
    expect(seen[0]!.trace).toBe(false);
  });

  it('completes a draft PR as neutral without reviewing it', async () => {
    const h = await setup({ analyze: async () => { throw new Error('must not run'); } });
    const payload = fixture('pull_request.opened');
    payload.pull_request.draft = true;
    checkCreated(h.api);
    configNotFound(h.api);
    h.api.patch(`${REPO}/check-runs/9001`).reply(200, {});
    await h.receive('pull_request', payload);
    await h.idle();
    expect(h.unmatched).toEqual([]);
    expect(h.api.isDone()).toBe(true);
    expect(check(h, 9001)[0]).toMatchObject({ status: 'completed', conclusion: 'neutral', output: { title: 'Draft pull request: not reviewed' } });
  });
});

describe('architect agent hook', () => {
  it('runs after the verdict with the report and the files, and its failure changes nothing', async () => {
    const seen: any[] = [];
    const r = oneError();
    const h = await setup({
      analyze: async () => r,
      architect: async (ctx) => {
        seen.push({ pull: ctx.pull, files: ctx.files, report: ctx.report, agent: ctx.config.agent.enabled });
        throw new Error('anthropic down');
      },
    });
    checkCreated(h.api);
    configYaml(h.api, NO_TRACE);
    h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, [prFile(M1, addedPatch(SQL1))]);
    graphqlBlobs(h.api, { [M1]: SQL1 });
    await reviewOpened(h);
    expect(seen).toEqual([{ pull: { owner: 'acme', repo: 'shop', number: 17, headSha: HEAD1 }, files: [{ path: M1, content: SQL1, patch: addedPatch(SQL1) }], report: r, agent: true }]);
    expect(check(h, 9001)).toHaveLength(1);
    expect(check(h, 9001)[0].conclusion).toBe('failure');
  });

  it('records the agent\'s tokens and cost in the check details without touching the conclusion', async () => {
    const h = await setup({ analyze: async () => oneError(), architect: async () => '3 turns, 12,400 tokens, ~$0.05 (claude-sonnet-4-6)' });
    checkCreated(h.api);
    configYaml(h.api, NO_TRACE);
    h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, [prFile(M1, addedPatch(SQL1))]);
    graphqlBlobs(h.api, { [M1]: SQL1 });
    await reviewOpened(h, 2);
    const [completed, details] = check(h, 9001);
    expect(completed.conclusion).toBe('failure');
    expect(details).toEqual({
      output: {
        title: completed.output.title,
        summary: completed.output.summary,
        text: [completed.output.text, 'Architect review: 3 turns, 12,400 tokens, ~$0.05 (claude-sonnet-4-6)'].filter(Boolean).join('\n\n'),
      },
    });
  });

  it('is off without an Anthropic key, or when the repo disables the agent', async () => {
    const { defaultArchitect } = await import('../../src/app/index.js');
    expect(defaultArchitect(async () => report([]), {})).toBeUndefined();
    expect(typeof defaultArchitect(async () => report([]), { ANTHROPIC_API_KEY: 'k' })).toBe('function');
    let called = false;
    const h = await setup({ analyze: async () => oneError(), architect: async () => void (called = true) });
    checkCreated(h.api);
    configYaml(h.api, `${NO_TRACE}agent:\n  enabled: false\n`);
    h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, [prFile(M1, addedPatch(SQL1))]);
    graphqlBlobs(h.api, { [M1]: SQL1 });
    firstCommentAndReview(h.api);
    h.api.patch(`${REPO}/check-runs/9001`).reply(200, {});
    await h.receive('pull_request', fixture('pull_request.opened'));
    await h.idle();
    expect(h.unmatched).toEqual([]);
    expect(called).toBe(false);
  });
});

describe('migrations recognisable only by content', () => {
  it('reads unplaced scripts once to let discovery decide (a TypeORM migration)', async () => {
    const TS = 'src/migrations/1700000000-AddIndex.ts';
    const code = [
      "import { MigrationInterface, QueryRunner } from 'typeorm';",
      'export class AddIndex1700000000000 implements MigrationInterface {',
      '  public async up(queryRunner: QueryRunner): Promise<void> {',
      '    await queryRunner.query(`CREATE INDEX idx_users_email ON users (email)`);',
      '  }',
      '  public async down(queryRunner: QueryRunner): Promise<void> {',
      '    await queryRunner.query(`DROP INDEX idx_users_email`);',
      '  }',
      '}',
      '',
    ].join('\n');
    let input!: AnalyzeInput;
    const h = await setup({ analyze: async (i) => ((input = i), report([{ path: TS }])) });
    checkCreated(h.api);
    configYaml(h.api, NO_TRACE);
    h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, [prFile(TS, addedPatch(code)), prFile('src/app.ts', '@@ -1 +1 @@\n-a\n+b', 'modified')]);
    graphqlBlobs(h.api, { [TS]: code }); // the probe
    graphqlBlobs(h.api, { [TS]: code }); // the review's fetch
    h.api.get(`${REPO}/issues/17/comments?per_page=100`).reply(200, []);
    h.api.post(`${REPO}/issues/17/comments`).reply(201, { id: 1 });
    h.api.patch(`${REPO}/check-runs/9001`).reply(200, {});
    await h.receive('pull_request', fixture('pull_request.opened'));
    await h.idle();
    expect(h.unmatched).toEqual([]);
    expect(h.api.isDone()).toBe(true);
    const probe = h.apiCalls().find((c) => c.path === '/graphql')!;
    expect(probe.body.variables).toEqual({ owner: 'acme', repo: 'shop', e0: `${HEAD1}:${TS}` });
    expect(input.files).toEqual([{ path: TS, content: code, change: 'pull request' }]);
  });
});
