// The bundled action (dist-action/index.mjs) as GitHub runs it: a node process with only the
// runner's variables, a real git checkout, and the GitHub API faked in-process.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { actionEnv, fakeApi, pullRequestEvent, SAFE_MIGRATION, scratchRepo, UNSAFE_INDEX, type FakeApi, type ScratchRepo } from './helpers.js';

const BUNDLE = join(import.meta.dirname, '../../dist-action/index.mjs');
const REPO = '/repos/acme/shop';
const INDEX_FILE = 'db/migrations/002_add_email_index.sql';

function runAction(env: Record<string, string>, cwd: string, bundle = BUNDLE): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bundle], { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function writesOk(api: FakeApi, existingComments: unknown[] = []): void {
  api.route({ method: 'POST', path: `${REPO}/check-runs`, status: 201, body: { id: 555 } });
  api.route({ method: 'PATCH', path: `${REPO}/check-runs/555`, body: {} });
  api.route({ method: 'GET', path: `${REPO}/issues/7/comments?per_page=100`, body: existingComments });
  api.route({ method: 'POST', path: `${REPO}/issues/7/comments`, status: 201, body: { id: 1 } });
  api.route({ method: 'PATCH', path: `${REPO}/issues/comments/31`, body: {} });
  api.route({ method: 'GET', path: `${REPO}/pulls/7/comments?per_page=100`, body: [] });
  api.route({ method: 'POST', path: `${REPO}/pulls/7/reviews`, body: { id: 1 } });
}

describe('bundled action', () => {
  it('fails the dbarch check of a PR that indexes users without CONCURRENTLY: annotation, one comment, a suggestion, job summary, exit 1', async () => {
    const api = await fakeApi();
    writesOk(api);
    const repo = scratchRepo({ [INDEX_FILE]: UNSAFE_INDEX });
    // Trace left at the App's default (on): the bundle's own PGlite replays the base.
    const env = actionEnv(repo.dir, api.url, 'pull_request', pullRequestEvent(repo));
    const res = await runAction(env, repo.dir);

    expect(api.unexpected).toEqual([]);
    expect(api.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      `POST ${REPO}/check-runs`,
      `PATCH ${REPO}/check-runs/555`,
      `GET ${REPO}/issues/7/comments?per_page=100`,
      `POST ${REPO}/issues/7/comments`,
      `GET ${REPO}/pulls/7/comments?per_page=100`,
      `POST ${REPO}/pulls/7/reviews`,
    ]);
    // The workflow token, never an App JWT or installation token.
    expect(api.calls.every((c) => c.headers.authorization === 'token ghs_workflow_token')).toBe(true);
    expect(api.calls.some((c) => c.path.startsWith('/app'))).toBe(false);

    const [create, complete, , comment, , review] = api.calls;
    expect(create!.body).toMatchObject({ name: 'dbarch', head_sha: repo.head, status: 'in_progress' });
    expect(complete!.body).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(complete!.body.output.annotations).toContainEqual(
      expect.objectContaining({ path: INDEX_FILE, start_line: 2, end_line: 2, annotation_level: 'failure', title: 'require-concurrent-index-creation' }),
    );
    expect(complete!.body.output.summary).toContain('SHARE (');
    expect(comment!.body.body).toContain('<!-- dbarch:summary -->');
    expect(review!.body).toMatchObject({ commit_id: repo.head, event: 'COMMENT' });
    const suggestion = review!.body.comments.find((c: any) => c.body.includes('```suggestion'));
    expect(suggestion).toMatchObject({ path: INDEX_FILE, line: 2, side: 'RIGHT' });
    expect(suggestion.body).toContain('```suggestion\nCREATE INDEX CONCURRENTLY idx_users_email ON users (email);\n```');

    // The job summary is the comment.
    expect(readFileSync(env.GITHUB_STEP_SUMMARY!, 'utf8').trimEnd()).toBe(comment!.body.body.trimEnd());
    expect(readFileSync(env.GITHUB_OUTPUT!, 'utf8')).toContain('conclusion=failure\n');
    expect(JSON.parse(readFileSync(join(repo.dir, 'dbarch.sarif'), 'utf8')).runs[0].results.length).toBeGreaterThan(0);
    expect(res.stderr).not.toContain('internal error');
    expect(res.code).toBe(1);
  });

  it('passes a safe migration: success check, a summary comment, no review, exit 0', async () => {
    const api = await fakeApi();
    writesOk(api);
    const repo = scratchRepo({ 'db/migrations/002_audit_log.sql': SAFE_MIGRATION });
    const env = actionEnv(repo.dir, api.url, 'pull_request', pullRequestEvent(repo), { trace: 'false' });
    const res = await runAction(env, repo.dir);
    expect(api.unexpected).toEqual([]);
    expect(api.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      `POST ${REPO}/check-runs`,
      `PATCH ${REPO}/check-runs/555`,
      `GET ${REPO}/issues/7/comments?per_page=100`,
      `POST ${REPO}/issues/7/comments`,
    ]);
    expect(api.calls[1]!.body).toMatchObject({ conclusion: 'success' });
    expect(readFileSync(env.GITHUB_STEP_SUMMARY!, 'utf8')).toContain('<!-- dbarch:summary -->');
    expect(res.code).toBe(0);
  });

  it('edits the summary comment the App (or an earlier run) left instead of adding a second', async () => {
    const api = await fakeApi();
    writesOk(api, [{ id: 31, body: '<!-- dbarch:summary -->\nold', user: { login: 'github-actions[bot]', type: 'Bot' } }]);
    const repo = scratchRepo({ 'db/migrations/002_audit_log.sql': SAFE_MIGRATION });
    const env = actionEnv(repo.dir, api.url, 'pull_request', pullRequestEvent(repo), { trace: 'false' });
    const res = await runAction(env, repo.dir);
    expect(api.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      `POST ${REPO}/check-runs`,
      `PATCH ${REPO}/check-runs/555`,
      `GET ${REPO}/issues/7/comments?per_page=100`,
      `PATCH ${REPO}/issues/comments/31`,
    ]);
    expect(res.code).toBe(0);
  });

  it('on a fork PR writes nothing through the API: workflow annotations, job summary and SARIF, and says why', async () => {
    const api = await fakeApi();
    const repo = scratchRepo({ [INDEX_FILE]: UNSAFE_INDEX });
    const env = actionEnv(repo.dir, api.url, 'pull_request', pullRequestEvent(repo, { fork: true }), { trace: 'false' });
    const res = await runAction(env, repo.dir);
    expect(api.calls).toEqual([]);
    expect(res.stdout).toContain(`::error file=${INDEX_FILE},line=2,endLine=2,col=1,endColumn=46,title=dbarch require-concurrent-index-creation::CREATE INDEX on public.users without CONCURRENTLY`);
    expect(res.stderr).toContain('fork mallory/shop');
    expect(readFileSync(env.GITHUB_STEP_SUMMARY!, 'utf8')).toContain('require-concurrent-index-creation');
    const sarif = JSON.parse(readFileSync(join(repo.dir, 'dbarch.sarif'), 'utf8'));
    expect(sarif.runs[0].results.map((r: any) => r.ruleId)).toContain('require-concurrent-index-creation');
    // Exit 1 is the finding (fail-on error), not the read-only token.
    expect(res.code).toBe(1);
  });

  it('a read-only token (403 on writes) never fails the step: a safe migration exits 0 with the fallback outputs', async () => {
    const api = await fakeApi();
    api.route({ method: 'POST', path: `${REPO}/check-runs`, status: 403, body: { message: 'Resource not accessible by integration' } });
    const repo = scratchRepo({ 'db/migrations/002_audit_log.sql': SAFE_MIGRATION });
    const env = actionEnv(repo.dir, api.url, 'pull_request', pullRequestEvent(repo), { trace: 'false' });
    const res = await runAction(env, repo.dir);
    expect(api.unexpected).toEqual([]);
    expect(api.calls.map((c) => `${c.method} ${c.path}`)).toEqual([`POST ${REPO}/check-runs`]);
    expect(res.stderr).toContain('Resource not accessible by integration');
    expect(existsSync(join(repo.dir, 'dbarch.sarif'))).toBe(true);
    expect(readFileSync(env.GITHUB_STEP_SUMMARY!, 'utf8')).toContain('<!-- dbarch:summary -->');
    expect(res.code).toBe(0);
  });

  it('runs from the action checkout alone (no node_modules above it): PGlite from dist-action, squawk left out with a notice', async () => {
    const action = mkdtempSync(join(tmpdir(), 'dbarch-action-'));
    try {
      cpSync(join(import.meta.dirname, '../../dist-action'), join(action, 'dist-action'), { recursive: true });
      cpSync(join(import.meta.dirname, '../../action.yml'), join(action, 'action.yml'));
      const api = await fakeApi();
      writesOk(api);
      const repo = scratchRepo({ [INDEX_FILE]: UNSAFE_INDEX });
      const env = actionEnv(repo.dir, api.url, 'pull_request', pullRequestEvent(repo));
      const res = await runAction(env, repo.dir, join(action, 'dist-action/index.mjs'));
      expect(api.unexpected).toEqual([]);
      expect(res.stderr).toContain("squawk's native binary is not installed here: running the built-in engine only");
      const annotations = api.calls[1]!.body.output.annotations as any[];
      expect(annotations.map((a) => a.title)).toContain('require-concurrent-index-creation');
      expect(annotations.map((a) => a.title)).not.toContain('engine-unavailable');
      // The trace ran on the shipped PGlite: the lock table has the observed lock.
      expect(api.calls[1]!.body.output.summary).toMatch(/\| SHARE \(\d+ ms\) \|/);
      expect(res.code).toBe(1);
    } finally {
      rmSync(action, { recursive: true, force: true });
    }
  });
});
