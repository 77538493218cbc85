// A fixed sample of the corpus (two whole projects, about 600 statements) replayed on
// PGlite: the static model must agree with the traced truth on every statement except
// the known, explained disagreements in fixtures/agreement/known.json (see
// docs/agreement.md). A new disagreement fails; one that went away is reported.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { corpusDir, disagreementKeys, loadCorpusProject, replayProject, summarize, type ProjectAgreement } from '../../src/trace/agreement.js';
import { initParser } from '../../src/sql/index.js';

const SAMPLE = ['appflowy-cloud', 'harbor'];
const dir = corpusDir([process.env.DBARCH_CORPUS, fileURLToPath(new URL('../../../shared/corpus', import.meta.url)), resolve(process.cwd(), '../shared/corpus')]);
if (!dir) console.warn('agreement test skipped: ../shared/corpus (MANIFEST.tsv) not found; set DBARCH_CORPUS to run it');
const known = new Set(JSON.parse(readFileSync(new URL('../../fixtures/agreement/known.json', import.meta.url), 'utf8')) as string[]);

beforeAll(async () => {
  await initParser();
});

describe.skipIf(!dir)('agreement of the model with PGlite on a corpus sample', () => {
  it(`${SAMPLE.join(', ')}: no disagreement beyond the known ones`, async () => {
    const results: ProjectAgreement[] = [];
    for (const name of SAMPLE) results.push(await replayProject(loadCorpusProject(dir!, name), { pgVersion: 18, timeoutMs: 60_000, memoryMb: 512 }));
    const s = summarize(results);
    console.log(`agreement sample: ${s.statements} statements, locks ${s.lockAgree}/${s.lockCompared}, rewrites ${s.rewriteAgree}/${s.rewriteCompared}, ${s.failed} failed`);
    expect(s.lockCompared).toBeGreaterThanOrEqual(300);
    expect(s.rewriteCompared).toBeGreaterThanOrEqual(300);
    const keys = disagreementKeys(results);
    const gone = [...known].filter((k) => SAMPLE.some((p) => k.startsWith(`${p}/`)) && !keys.includes(k));
    if (gone.length) console.log(`now agreeing (remove from fixtures/agreement/known.json):\n  ${gone.join('\n  ')}`);
    expect(keys.filter((k) => !known.has(k))).toEqual([]);
  }, 120_000);
});
