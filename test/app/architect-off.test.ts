// The summary comment says once that the architect review is off, and how to turn it on.
import { afterEach, describe, expect, it } from 'vitest';
import { defaultArchitect } from '../../src/app/index.js';
import { buildCommentBody } from '../../src/app/render.js';
import { architectOffNote } from '../../src/app/review.js';
import type { Report } from '../../src/types.js';
import { SECRET_ENV } from '../agent/helpers.js';
import { addedPatch, checkCreated, configNotFound, configYaml, fixture, graphqlBlobs, prFile, REPO, setup, teardown, type Harness } from './helpers.js';

const report: Report = {
  version: 1,
  files: [{ path: 'db/migrate/001_add.sql', statements: [], findings: [] }],
  summary: { files: 1, statements: 0, errors: 0, warnings: 0, infos: 0, suppressed: 0 },
} as unknown as Report;

const NO_KEY =
  "_Architect review: off. No Anthropic API key is configured for this installation; set `ANTHROPIC_API_KEY` in the App's environment to turn on the AI review and `/dbarch redesign` plans. The findings above are the deterministic review._";
const DISABLED =
  '_Architect review: off. `agent.enabled` is `false` in `.github/dbarch.yml`; set it to `true` (with an Anthropic API key configured for the App) to turn on the AI review and `/dbarch redesign` plans. The findings above are the deterministic review._';

describe('architect review off', () => {
  it('says why and how to turn it on; nothing when it runs', () => {
    expect(architectOffNote(false, true)).toBe(NO_KEY);
    expect(architectOffNote(true, false)).toBe(DISABLED);
    expect(architectOffNote(false, false)).toBe(DISABLED);
    expect(architectOffNote(true, true)).toBeUndefined();
  });

  it('the summary comment ends with the note, once', () => {
    const body = buildCommentBody(report, { architectOff: NO_KEY });
    expect(body).toBe(
      `<!-- dbarch:summary -->\n## ✅ dbarch: 0 errors, 0 warnings, 0 infos\n\nReviewed 1 migration file (0 statements).\n\nNo findings: these migrations look safe to deploy.\n\n\n---\n${NO_KEY}\n`,
    );
    expect(body.split('Architect review: off').length).toBe(2);
    expect(buildCommentBody(report, {})).not.toContain('Architect review');
  });
});

describe('architect review off, through the App', () => {
  const MIGRATION = 'db/migrate/20261125_add_status.sql';
  const SQL = 'ALTER TABLE users ADD COLUMN status text;\n';
  const clean = async (): Promise<Report> =>
    ({
      version: 1,
      files: [{ path: MIGRATION, framework: 'sql', direction: 'up', transaction: 'transaction', statements: [], findings: [] }],
      summary: { files: 1, statements: 0, errors: 0, warnings: 0, infos: 0, suppressed: 0 },
    }) as unknown as Report;

  function review(h: Harness, config?: string): string[] {
    const posted: string[] = [];
    checkCreated(h.api);
    if (config) configYaml(h.api, config);
    else configNotFound(h.api);
    h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, [prFile(MIGRATION, addedPatch(SQL))]);
    graphqlBlobs(h.api, { [MIGRATION]: SQL });
    graphqlBlobs(h.api, {});
    h.api.patch(`${REPO}/check-runs/9001`).reply(200, { id: 9001 });
    h.api.get(`${REPO}/issues/17/comments?per_page=100`).reply(200, []);
    h.api.post(`${REPO}/issues/17/comments`, (b: { body: string }) => (posted.push(b.body), true)).reply(201, { id: 555 });
    return posted;
  }

  const summary = (note: string) =>
    `<!-- dbarch:summary -->\n## ✅ dbarch: 0 errors, 0 warnings, 0 infos\n\nReviewed 1 migration file (0 statements).\n\nNo findings: these migrations look safe to deploy.\n\n\n---\n${note}\n`;

  afterEach(teardown);

  it('no Anthropic key: the summary comment says so once and how to turn it on; nothing is sent to a model', async () => {
    const h = await setup({ analyze: clean, env: {}, architect: defaultArchitect(clean, {}) });
    const posted = review(h);
    await h.receive('pull_request', fixture('pull_request.opened'), 'd-off-1');
    await h.idle();
    expect(h.unmatched).toEqual([]);
    expect(h.api.isDone()).toBe(true);
    expect(posted).toEqual([summary(NO_KEY)]);
    expect(h.apiCalls().map((c) => `${c.method} ${c.path}`)).not.toContain(`POST ${REPO}/pulls/17/reviews`);
  });

  it('agent.enabled false with a key: the summary comment says the review is disabled; nothing is sent to a model', async () => {
    const h = await setup({ analyze: clean, env: { ...SECRET_ENV }, architect: defaultArchitect(clean, { ...SECRET_ENV }) });
    expect(h.app.deps.architect).toBeDefined();
    const posted = review(h, 'agent:\n  enabled: false\n');
    await h.receive('pull_request', fixture('pull_request.opened'), 'd-off-2');
    await h.idle();
    // api.anthropic.com is not mocked: any request to it would be listed here
    expect(h.unmatched).toEqual([]);
    expect(h.api.isDone()).toBe(true);
    expect(posted).toEqual([summary(DISABLED)]);
  });
});
