import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'vitest';
import { initParser, parseSql } from '../../src/sql/index.js';
import { buildFacts } from '../../src/pg/index.js';
import { lintFacts, buildContext } from '../../src/rules/engine.js';
import { RULES } from '../../src/rules/registry.js';
import { configSchema } from '../../src/config/schema.js';
import type { Rule } from '../../src/rules/types.js';
it('prof', async () => {
  await initParser();
  const C = '/work/shared/corpus';
  const acc = new Map<string, number>();
  const wrapped: Rule[] = RULES.map((r) => ({ meta: r.meta, check: (s, c) => { const t = performance.now(); const v = r.check(s, c); acc.set(r.meta.id, (acc.get(r.meta.id) ?? 0) + performance.now() - t); return v; } }));
  const config = configSchema.parse({});
  let tp = 0, tf = 0, tl = 0, tc = 0, n = 0;
  for (const file of readdirSync(join(C, 'order'))) {
    const project = file.replace(/\.tsv$/, '');
    for (const line of readFileSync(join(C, 'order', file), 'utf8').split('\n').slice(1)) {
      const path = line.split('\t')[2];
      if (!path || !existsSync(join(C, project, path))) continue;
      const src = readFileSync(join(C, project, path), 'utf8');
      let t = performance.now();
      const p = parseSql(src, { path });
      tp += performance.now() - t; t = performance.now();
      const f = buildFacts(p, { transaction: 'transaction', pgVersion: 15 });
      tf += performance.now() - t; t = performance.now();
      lintFacts(f, { path, config, direction: 'up', directives: p.directives, rules: wrapped });
      tl += performance.now() - t; t = performance.now();
      buildContext(f, { pgVersion: 15, largeTables: [], direction: 'up' });
      tc += performance.now() - t;
      n += f.length;
    }
  }
  console.log({ tp, tf, tl, tc, n, checks: [...acc.values()].reduce((a, b) => a + b, 0) });
  console.log([...acc].sort((a, b) => b[1] - a[1]).slice(0, 12));
}, 600000);
