// Robustness over ../shared/corpus (3,052 real migrations). Skipped when the corpus is absent.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, test } from 'vitest';
import { initParser, parseSql, splitStatements } from '../../src/sql/index.js';
import { lex } from '../../src/sql/lexer.js';
import { mine, oracle } from './scanner-oracle.js';

const corpus = [process.env.DBARCH_CORPUS, resolve(fileURLToPath(new URL('../../../shared/corpus', import.meta.url)))].find(
  (d): d is string => !!d && existsSync(join(d, 'order')),
);
if (!corpus) console.warn('test/sql/corpus.test.ts: corpus not found (../shared/corpus or $DBARCH_CORPUS); skipping');

function files(dir: string): string[] {
  const out: string[] = [];
  for (const tsv of readdirSync(join(dir, 'order')).filter((f) => f.endsWith('.tsv'))) {
    const project = tsv.slice(0, -4);
    for (const row of readFileSync(join(dir, 'order', tsv), 'utf8').split('\n').slice(1)) {
      const path = row.split('\t')[2];
      if (path) out.push(join(dir, project, path));
    }
  }
  return out;
}

beforeAll(async () => {
  await initParser();
});

test.skipIf(!corpus)(
  'every corpus file parses without throwing, with consistent spans',
  () => {
    const paths = files(corpus!);
    let statements = 0;
    let nested = 0;
    const errorFiles = new Set<string>();
    const problems: string[] = [];
    for (const path of paths) {
      const f = parseSql(readFileSync(path), { path });
      statements += f.statements.length;
      for (const n of f.notices) {
        if (n.rule === 'internal-error') problems.push(`${path}: ${n.message}`);
        if (n.rule === 'syntax-error') errorFiles.add(path);
      }
      let prevEnd = 0;
      f.statements.forEach((s, i) => {
        if (s.index !== i) problems.push(`${path}: statement ${i} has index ${s.index}`);
        const { span } = s;
        if (span.line < 1 || span.column < 1 || span.endOffset < span.offset || span.endLine < span.line) {
          problems.push(`${path}: bad span ${JSON.stringify(span)}`);
        }
        if (s.nested) {
          nested++;
          if (s.nested.parentIndex >= i) problems.push(`${path}: nested ${i} before its parent`);
          return;
        }
        // Top-level statements: text is the exact source slice, in order, without `;`.
        if (f.source.slice(span.offset, span.endOffset) !== s.text) problems.push(`${path}: text/span mismatch at ${i}`);
        if (span.offset < prevEnd) problems.push(`${path}: statement ${i} overlaps the previous one`);
        if (s.text.endsWith(';') || s.text !== s.text.trim()) problems.push(`${path}: untrimmed text at ${i}`);
        prevEnd = span.endOffset;
      });
      // Our lexer (meta-commands, COPY data, fallback splitting) agrees with PostgreSQL's scanner.
      const text = lex(f.source).parserText;
      const ours = lex(text).segments;
      const pg = splitStatements(text);
      if (JSON.stringify(ours) !== JSON.stringify(pg)) problems.push(`${path}: lexer and scanner split differently`);
    }
    console.log(
      `corpus: ${paths.length} files, ${statements} statements (${nested} from DO blocks), ${errorFiles.size} files with syntax errors`,
    );
    expect(problems.slice(0, 20)).toEqual([]);
    expect(paths.length).toBeGreaterThan(3000);
    // Only genuine errors remain (musicbrainz 20130702: CREATE EXTENSION … FROM, a trailing comma).
    expect(errorFiles.size).toBeLessThanOrEqual(1);
  },
  120_000,
);

test.skipIf(!corpus)(
  "dbarch's scanner gives PostgreSQL's tokens on every corpus file",
  () => {
    const differ: string[] = [];
    for (const path of files(corpus!)) {
      const text = readFileSync(path, 'utf8');
      if (text.trim() !== '' && JSON.stringify(mine(text)) !== JSON.stringify(oracle(text))) differ.push(path);
    }
    expect(differ).toEqual([]);
  },
  120_000,
);
