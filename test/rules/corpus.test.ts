// Robustness over the shared corpus of real migrations: every rule runs on every file
// without crashing. Opt-in (it takes a while): DBARCH_CORPUS_TESTS=1; skipped when the
// corpus is absent. DBARCH_CORPUS_REPORT=1 also prints findings per rule and severity,
// DBARCH_CORPUS_SAMPLE=error:<rule> a sample of one rule's findings.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { lintSql } from '../../src/rules/engine.js';
import { initParser } from '../../src/sql/index.js';
import type { Finding } from '../../src/types.js';

const CORPUS = join(import.meta.dirname, '../../../shared/corpus');
const present = existsSync(join(CORPUS, 'order'));

interface Entry {
  project: string;
  phase: string;
  path: string;
  flags: string;
}

function entries(): Entry[] {
  const out: Entry[] = [];
  for (const file of readdirSync(join(CORPUS, 'order'))) {
    const project = file.replace(/\.tsv$/, '');
    for (const line of readFileSync(join(CORPUS, 'order', file), 'utf8').split('\n').slice(1)) {
      const [, phase, path, flags] = line.split('\t');
      if (phase && path) out.push({ project, phase, path, flags: flags ?? '' });
    }
  }
  return out;
}

describe.skipIf(!present || !process.env.DBARCH_CORPUS_TESTS)('corpus', () => {
  beforeAll(async () => {
    await initParser();
  });

  it('lints every file without a rule crashing', () => {
    const config = configSchema.parse({});
    const crashes: string[] = [];
    const all: (Finding & { file: string })[] = [];
    const times: [number, string][] = [];
    for (const e of entries()) {
      const file = join(CORPUS, e.project, e.path);
      if (!existsSync(file)) continue;
      const transaction = /no-?transaction|autocommit/i.test(e.flags + e.path) ? 'none' : 'transaction';
      const started = performance.now();
      const findings = lintSql(readFileSync(file, 'utf8'), {
        path: file,
        config,
        transaction,
        direction: e.phase === 'down' ? 'down' : 'up',
      });
      times.push([performance.now() - started, e.path]);
      for (const f of findings) {
        if (f.rule === 'internal-error') crashes.push(`${e.project}/${e.path}:${f.line} ${f.message}`);
        all.push({ ...f, file: `${e.project}/${e.path}` });
      }
    }
    if (process.env.DBARCH_CORPUS_REPORT) {
      const counts = new Map<string, number>();
      for (const f of all) counts.set(`${f.severity}\t${f.rule}`, (counts.get(`${f.severity}\t${f.rule}`) ?? 0) + 1);
      console.log([...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n}\t${k}`).join('\n'));
      const examples = new Map<string, string>();
      for (const f of all) if (f.severity === 'error' && !examples.has(f.rule)) examples.set(f.rule, `${f.file}:${f.line} ${f.message}`);
      console.log([...examples.values()].join('\n'));
      const sample = process.env.DBARCH_CORPUS_SAMPLE;
      if (sample) {
        const hits = all.filter((f) => `${f.severity}:${f.rule}` === sample);
        const step = Math.max(1, Math.floor(hits.length / 25));
        console.log(hits.filter((_, i) => i % step === 0).map((f) => `${f.file}:${f.line} ${f.message}`).join('\n'));
      }
      const total = times.reduce((a, [t]) => a + t, 0);
      console.log(`files ${times.length}, ${Math.round(total)} ms; slowest:`, times.sort((a, b) => b[0] - a[0]).slice(0, 5));
    }
    expect(crashes).toEqual([]);
  }, 600_000);
});
