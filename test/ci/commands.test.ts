// `/dbarch` comment commands from an issue_comment workflow: the App's handler, with the
// permission checked through the API and the review run in the job itself.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInputs, runCi } from '../../src/ci/index.js';
import { fakeApi, scratchRepo, UNSAFE_INDEX, type FakeApi, type ScratchRepo } from './helpers.js';

const REPO = '/repos/acme/shop';

function commentEvent(body: string, login = 'alice') {
  return {
    action: 'created',
    issue: { number: 7, title: 'Index emails', body: '', pull_request: { url: 'https://api.github.com/repos/acme/shop/pulls/7' } },
    comment: { id: 900, body, user: { login, type: 'User' } },
    repository: { name: 'shop', full_name: 'acme/shop', owner: { login: 'acme' } },
    sender: { login, type: 'User' },
  };
}

async function run(repo: ScratchRepo, api: FakeApi, event: unknown) {
  const eventPath = join(repo.dir, '..', `${repo.dir.split('/').pop()}-comment.json`);
  writeFileSync(eventPath, JSON.stringify(event));
  let err = '';
  const code = await runCi(parseInputs({ token: 'ghs_workflow_token', trace: 'false' }), {
    env: { GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'issue_comment', GITHUB_EVENT_PATH: eventPath, GITHUB_REPOSITORY: 'acme/shop', GITHUB_WORKSPACE: repo.dir, GITHUB_API_URL: api.url, GITHUB_RUN_ID: '77' },
    cwd: repo.dir,
    io: { out: () => {}, err: (t) => void (err += t) },
    run: { github: { paceWrites: false, retryBaseMs: 1, rateLimitBaseMs: 1 } },
  });
  return { code, err };
}

function pull(repo: ScratchRepo) {
  return { number: 7, state: 'open', draft: false, changed_files: 1, head: { sha: repo.head, ref: 'feature' }, base: { sha: repo.base, ref: 'main' } };
}

describe('comment commands in Actions', () => {
  it('/dbarch help from a writer: acknowledged, permission checked through the API, answered', async () => {
    const api = await fakeApi();
    const repo = scratchRepo({ 'db/migrations/002_add_email_index.sql': UNSAFE_INDEX });
    api.route({ method: 'POST', path: `${REPO}/issues/comments/900/reactions`, status: 201, body: {} });
    api.route({ method: 'GET', path: `${REPO}/collaborators/alice/permission`, body: { permission: 'write', role_name: 'write' } });
    api.route({ method: 'GET', path: `${REPO}/pulls/7`, body: pull(repo) });
    api.route({ method: 'POST', path: `${REPO}/issues/7/comments`, status: 201, body: { id: 2 } });
    const res = await run(repo, api, commentEvent('/dbarch help'));
    expect(api.unexpected).toEqual([]);
    expect(api.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      `GET ${REPO}/collaborators/alice/permission`,
      `POST ${REPO}/issues/comments/900/reactions`,
      `GET ${REPO}/pulls/7`,
      `POST ${REPO}/issues/7/comments`,
      `POST ${REPO}/issues/comments/900/reactions`,
    ]);
    expect(api.calls[3]!.body.body).toContain('/dbarch review');
    expect(api.calls.map((c) => c.body?.content).filter(Boolean)).toEqual(['eyes', 'rocket']);
    expect(res.code).toBe(0);
  });

  it('/dbarch review runs the full review of the PR head in the job: check run, comment, review; exit follows fail-on', async () => {
    const api = await fakeApi();
    const repo = scratchRepo({ 'db/migrations/002_add_email_index.sql': UNSAFE_INDEX });
    api.route({ method: 'POST', path: `${REPO}/issues/comments/900/reactions`, status: 201, body: {} });
    api.route({ method: 'GET', path: `${REPO}/collaborators/alice/permission`, body: { permission: 'admin', role_name: 'admin' } });
    api.route({ method: 'GET', path: `${REPO}/pulls/7`, body: pull(repo) });
    api.route({ method: 'POST', path: `${REPO}/check-runs`, status: 201, body: { id: 555 } });
    api.route({ method: 'PATCH', path: `${REPO}/check-runs/555`, body: {} });
    api.route({ method: 'GET', path: `${REPO}/issues/7/comments?per_page=100`, body: [] });
    api.route({ method: 'POST', path: `${REPO}/issues/7/comments`, status: 201, body: { id: 2 } });
    api.route({ method: 'GET', path: `${REPO}/pulls/7/comments?per_page=100`, body: [] });
    api.route({ method: 'POST', path: `${REPO}/pulls/7/reviews`, body: { id: 3 } });
    const res = await run(repo, api, commentEvent('/dbarch review'));
    expect(api.unexpected).toEqual([]);
    expect(api.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      `GET ${REPO}/collaborators/alice/permission`,
      `POST ${REPO}/issues/comments/900/reactions`,
      `GET ${REPO}/pulls/7`,
      `GET ${REPO}/pulls/7`,
      `POST ${REPO}/check-runs`,
      `PATCH ${REPO}/check-runs/555`,
      `GET ${REPO}/issues/7/comments?per_page=100`,
      `POST ${REPO}/issues/7/comments`,
      `GET ${REPO}/pulls/7/comments?per_page=100`,
      `POST ${REPO}/pulls/7/reviews`,
      `POST ${REPO}/issues/comments/900/reactions`,
    ]);
    expect(api.calls[4]!.body).toMatchObject({ head_sha: repo.head });
    expect(api.calls[5]!.body).toMatchObject({ conclusion: 'failure' });
    expect(api.calls.some((c) => c.path.startsWith('/app'))).toBe(false);
    expect(res.code).toBe(1);
  });

  it('/dbarch approve from a reader is refused without touching the check', async () => {
    const api = await fakeApi();
    const repo = scratchRepo({ 'db/migrations/002_add_email_index.sql': UNSAFE_INDEX });
    api.route({ method: 'POST', path: `${REPO}/issues/comments/900/reactions`, status: 201, body: {} });
    api.route({ method: 'GET', path: `${REPO}/collaborators/bob/permission`, body: { permission: 'read', role_name: 'read' } });
    const res = await run(repo, api, commentEvent('/dbarch approve it is fine', 'bob'));
    expect(api.unexpected).toEqual([]);
    // A refusal is one reaction: anyone can comment on a public repository.
    expect(api.calls.map((c) => `${c.method} ${c.path}`)).toEqual([`GET ${REPO}/collaborators/bob/permission`, `POST ${REPO}/issues/comments/900/reactions`]);
    expect(api.calls[1]!.body).toEqual({ content: 'confused' });
    expect(res.code).toBe(0);
  });

  it('ignores comments by bots (its own output included)', async () => {
    const api = await fakeApi();
    const repo = scratchRepo({ 'db/migrations/002_add_email_index.sql': UNSAFE_INDEX });
    const event = commentEvent('/dbarch review', 'github-actions[bot]');
    const res = await run(repo, api, event);
    expect(api.calls).toEqual([]);
    expect(res.code).toBe(0);
  });
});
