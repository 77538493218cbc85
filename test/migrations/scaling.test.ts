// Hostile file contents: discovery, extraction and parsing stay linear in the input size and
// never crash, for long runs of one character, deep nesting and random text. Scaling is
// asserted (time for 4n over time for n), not wall time, so a loaded machine does not fail it.
import { describe, expect, it, beforeAll } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { discover, extractSql, sqlUnits } from '../../src/migrations/index.js';
import { initParser, parseSql } from '../../src/sql/index.js';

/** One file per framework detection path, so every content regex and lexer is reached. */
const PATHS = [
  'db/migrate/20240101000000_add_things.rb',
  'app/migrations/0002_things.py',
  'alembic/versions/abc123_things.py',
  'migrations/20240101000000_things.js',
  'src/migrations/helpers.ts',
  'db/migration/V2__things.sql',
  'db/migrations/20240101000000_things.sql',
  'migrations/2024-01-01-000000_things/up.sql',
];
const config = configSchema.parse({});

/** Discovery, with the content read for framework detection and the transaction mode. */
function discovery(path: string, content: string): number {
  const files: Record<string, string> = { [path]: content, [`${path}.conf`]: content, [`${path.replace(/[^/]+$/, '')}metadata.toml`]: content };
  return discover({ paths: [path], config, readFile: (p) => files[p] }).migrations.length;
}

/** Discovery, extraction and parsing, as the CLI and the App run them on a changed file. */
function pipeline(path: string, content: string): number {
  const found = discover({ paths: [path], config, readFile: (p) => (p === path ? content : undefined) });
  let statements = 0;
  for (const file of found.migrations) {
    for (const unit of sqlUnits(file, content)) statements += parseSql(unit.sql, { path }).statements.length;
  }
  return statements;
}

/** One extractor on its own, whatever discovery made of the file, and the parser on its output. */
const extractor = (file: { framework: 'rails' | 'django' | 'knex' | 'dbmate'; language: 'ruby' | 'python' | 'javascript' | 'sql' }) => (content: string): number => {
  const { up, down } = extractSql(file, content);
  let statements = 0;
  for (const sql of down === undefined ? [up] : [up, down]) statements += parseSql(sql, { path: 'x' }).statements.length;
  return statements;
};

const OPERATIONS: [string, (content: string) => number][] = [
  ...PATHS.map((path): [string, (content: string) => number] => [`discover ${path}`, (content) => discovery(path, content)]),
  ['extract ruby', extractor({ framework: 'rails', language: 'ruby' })],
  ['extract python', extractor({ framework: 'django', language: 'python' })],
  ['extract javascript', extractor({ framework: 'knex', language: 'javascript' })],
  ['parse sql (dbmate sections)', extractor({ framework: 'dbmate', language: 'sql' })],
];

type Gen = (n: number) => string;
const rep = (unit: string, tail = '') => (n: number) => unit.repeat(Math.ceil(n / unit.length)) + tail;
const nest = (open: string, close: string) => (n: number) => open.repeat(n / (open.length + close.length)) + close.repeat(n / (open.length + close.length));

const GENERATORS: Record<string, Gen> = {
  'blank lines then a statement': rep('\n', 'CREATE INDEX i ON t (c);\n'),
  'CRLF blank lines': rep('\r\n', 'CREATE INDEX i ON t (c);\n'),
  'indented blank lines': rep('  \n'),
  'comment lines': rep('--\n'),
  'revision lines without =': rep('revision\n'),
  'down_revision: with no =': rep('down_revision: x\n'),
  'unclosed config = {': rep('config = {'),
  'migrate:up markers': rep('-- migrate:up \n'),
  'nested ${ in templates': (n) => '`' + '${`'.repeat(n / 3),
  'nested ${ closed': (n) => '`' + '${`'.repeat(n / 6) + '`}'.repeat(n / 6) + '`',
  'nested parentheses': nest('(', ')'),
  'unclosed parentheses': rep('('),
  'execute( nesting': (n) => 'execute('.repeat(n / 9) + ')'.repeat(n / 9),
  'query( with strings': rep('queryRunner.query("'),
  'single quotes': rep("'"),
  'backslashes': rep('\\'),
  'unicode escapes without }': (n) => '"' + '\\u{'.repeat(n / 3),
  'named escapes without }': (n) => 'u"' + '\\N{'.repeat(n / 3),
  'heredocs': rep('<<SQL '),
  'squiggly heredocs': rep('execute <<~SQL\n'),
  '%q( openers': rep('%q('),
  'block comments': rep('/*'),
  'tagged dollar quotes': rep('$a$'),
  'f-string braces': (n) => 'f"' + '{'.repeat(n - 2),
  'python triple quotes': rep('"""'),
  'psql meta-commands': rep('\\set x 1\n'),
  'BEGIN lines': rep('BEGIN;\n'),
  'ruby =begin': rep('=begin\n'),
};

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const ALPHABET = ' \n\t\r()[]{}<>`\'"\\$#%;:=,./*-_!?@&|^~+0123456789abcdefSQLselectupdown{}\u00e9\u{1F600}';
const WORDS = ['execute', 'query', 'sql', '<<~SQL', 'SQL', '"""', "'''", '${', '}', '`', 'f"', 'r"', 'op.execute(', 'migrations.RunSQL(', 'knex.raw(', 'queryRunner.query(', '\n', '  ', '#{', '%s', '$$', 'BEGIN;', 'CREATE INDEX CONCURRENTLY i ON t (c);', '-- migrate:down', '/*', '*/', '--'];

function randomText(rand: () => number, n: number): string {
  const out: string[] = [];
  let len = 0;
  while (len < n) {
    const piece = rand() < 0.5 ? ALPHABET[Math.floor(rand() * ALPHABET.length)]! : WORDS[Math.floor(rand() * WORDS.length)]!;
    out.push(piece);
    len += piece.length;
  }
  return out.join('');
}

function fastest(fn: () => void, runs: number): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/**
 * Time for 4n over time for n, n = 128k characters (4n = 512k): a linear
 * operation gives about 4, a quadratic one 16. Much smaller inputs fit V8's young generation,
 * where allocation is cheaper per object, and would exaggerate the ratio. Measured again
 * when high, so one hiccup of a loaded machine is not taken for a quadratic path.
 */
function growth(op: (content: string) => number, gen: Gen): { t1: number; t4: number } {
  const small = gen(128 * 1024);
  const large = gen(512 * 1024);
  // each minimum is the best estimate of the true cost; GC pauses only add
  let t1 = Infinity;
  let t4 = Infinity;
  for (let attempt = 0; attempt < 3 && !(t4 / t1 <= 10); attempt++) {
    t1 = Math.min(t1, fastest(() => op(small), 1));
    t4 = Math.min(t4, fastest(() => op(large), 1));
  }
  return { t1, t4 };
}

/** Everything that reads a changed file's content before the rules run. */
function everything(content: string): number {
  return OPERATIONS.reduce((n, [, op]) => n + op(content), 0);
}

beforeAll(async () => {
  await initParser();
});

describe('discovery, extraction and parsing of hostile content', () => {
  // One measurement of all operations together: a quadratic part of any of them dominates
  // the sum. The message then names the operations that grew fastest.
  for (const [name, gen] of Object.entries(GENERATORS)) {
    it(`scale linearly: ${name}`, () => {
      const g = growth(everything, gen);
      // under 100 ms for half a megabyte it is fast whatever the ratio says
      if (g.t4 > 100 && g.t4 / Math.max(g.t1, 1) > 10) {
        const culprits = OPERATIONS.map(([what, op]) => ({ what, g: growth(op, gen) }))
          .filter((x) => x.g.t4 > 50 && x.g.t4 / Math.max(x.g.t1, 1) > 10)
          .map((x) => `${x.what}: 128k chars ${x.g.t1.toFixed(1)} ms, 512k: ${x.g.t4.toFixed(1)} ms`);
        expect(culprits, `all together: 128k chars ${g.t1.toFixed(1)} ms, 512k: ${g.t4.toFixed(1)} ms`).toEqual([]);
      }
    }, 120_000);
  }

  it('never crashes on random text', () => {
    const rand = seeded(20261206);
    for (let i = 0; i < 300; i++) {
      const text = randomText(rand, 200 + Math.floor(rand() * 4_000));
      const path = PATHS[i % PATHS.length]!;
      expect(() => pipeline(path, text), `${path} seed#${i}`).not.toThrow();
      for (const [what, op] of OPERATIONS.slice(-4)) expect(() => op(text), `${what} seed#${i}`).not.toThrow();
    }
  }, 120_000);

  it('never crashes on nesting far deeper than any real file', () => {
    const deep = {
      '66k nested ${': '`' + '${`'.repeat(66_000),
      '100k nested parentheses': '('.repeat(100_000) + ')'.repeat(100_000),
      '100k nested execute(': 'execute('.repeat(100_000),
      '100k f-string braces': 'f"' + '{'.repeat(100_000),
    };
    for (const [name, text] of Object.entries(deep)) {
      for (const [what, op] of OPERATIONS.slice(-4)) expect(() => op(text), `${what}: ${name}`).not.toThrow();
    }
    expect(() => pipeline('migrations/20240101000000_things.js', `exports.up = (knex) => knex.raw(${deep['66k nested ${']})`)).not.toThrow();
  }, 120_000);
});
