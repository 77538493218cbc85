// The summary comment says once that the architect review is off, and how to turn it on.
import { describe, expect, it } from 'vitest';
import { buildCommentBody } from '../../src/app/render.js';
import { architectOffNote } from '../../src/app/review.js';
import type { Report } from '../../src/types.js';

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
