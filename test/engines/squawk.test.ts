import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ENGINE_UNAVAILABLE_RULE,
  SQUAWK_SYNTAX_RULE,
  configureSquawkFindings,
  engineUnavailableFinding,
  resolveSquawkBinary,
  runSquawk,
  squawkExcludedRules,
} from '../../src/engines/squawk.js';
import { LineIndex } from '../../src/sql/index.js';

/** squawk's (0-based line by "\n", UTF-8 byte column) through the one LineIndex. */
const at = (idx: LineIndex, line0: number, byteColumn: number) => idx.position(idx.offsetOfLfLineByte(line0, byteColumn));

const binary = resolveSquawkBinary();
const TIMEOUTS = ['require-lock-timeout', 'require-statement-timeout'];

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'dbarch-squawk-test-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function fakeBinary(name: string, script: string): string {
  const path = join(scratch, name);
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
  return path;
}

function countingSpawn(calls: string[][]): typeof spawn {
  return ((cmd: string, args: string[], opts: object) => {
    calls.push(args);
    return spawn(cmd, args, opts);
  }) as typeof spawn;
}

describe('LineIndex: squawk byte columns to code-point columns', () => {
  it('converts 0-based lines and UTF-8 byte offsets to 1-based code points', () => {
    const src = 'ab\n"é" x\n🎉\tz';
    const idx = new LineIndex(src);
    expect(at(idx, 0, 0)).toEqual({ line: 1, column: 1 });
    // `"é" x`: bytes " (0) é (1-2) " (3) space (4) x (5)
    expect(at(idx, 1, 5)).toEqual({ line: 2, column: 5 });
    expect(at(idx, 1, 3)).toEqual({ line: 2, column: 3 });
    // The emoji is 4 bytes, 2 UTF-16 units, 1 code point; the tab counts as one column.
    expect(at(idx, 2, 4)).toEqual({ line: 3, column: 2 });
    expect(at(idx, 2, 5)).toEqual({ line: 3, column: 3 });
  });

  it('keeps CRLF lines aligned and clamps out-of-range positions', () => {
    const idx = new LineIndex('select 1;\r\nselect ñ;\r\n');
    expect(at(idx, 1, 9)).toEqual({ line: 2, column: 9 });
    expect(at(idx, 1, 99)).toEqual({ line: 2, column: 11 });
    expect(at(idx, 9, 0)).toEqual({ line: 3, column: 1 });
  });
});

describe.skipIf(!binary)('runSquawk with the real binary', () => {
  it('maps findings on multi-byte text to exact 1-based code-point positions', async () => {
    const source = '-- héllo wörld\nALTER TABLE "é" ADD COLUMN "ñ" int NOT NULL;\nALTER TABLE "ééé" ADD CONSTRAINT c CHECK (x > 0);\n';
    const { findings, unavailable } = await runSquawk(
      [{ path: 'db/migrations/001_é.sql', source, transaction: 'transaction' }],
      { pgVersion: 15, excludedRules: TIMEOUTS },
    );
    expect(unavailable).toBeUndefined();
    const list = findings.get('db/migrations/001_é.sql')!;
    const pick = (rule: string) => {
      const f = list.find((x) => x.rule === rule)!;
      return [f.line, f.column, f.endLine, f.endColumn, f.severity, f.engine];
    };
    // `ADD COLUMN "ñ" int NOT NULL` starts after `ALTER TABLE "é" ` (16 code points, 17 bytes).
    expect(pick('adding-required-field')).toEqual([2, 17, 2, 44, 'warning', 'squawk']);
    // `int` is at code points 32..35 (bytes 33..36).
    expect(pick('prefer-bigint-over-int')).toEqual([2, 32, 2, 35, 'warning', 'squawk']);
    // `ADD CONSTRAINT …` after `ALTER TABLE "ééé" ` (18 code points, 21 bytes).
    expect(pick('constraint-missing-not-valid')).toEqual([3, 19, 3, 49, 'warning', 'squawk']);
    expect(list.some((f) => TIMEOUTS.includes(f.rule))).toBe(false);
    const text = source.split('\n')[1]!;
    expect([...text].slice(16, 43).join('')).toBe('ADD COLUMN "ñ" int NOT NULL');
  });

  it('batches by transaction mode: 6 files in 2 processes, --assume-in-transaction only for transactional ones', async () => {
    const calls: string[][] = [];
    // squawk exempts one-statement files from the in-transaction check, so use two.
    const concurrent = 'SELECT 1;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS ix_a ON a (x);\n';
    const files = [
      ...[1, 2, 3].map((i) => ({ path: `tx/${i}.sql`, source: concurrent, transaction: 'transaction' as const })),
      ...[1, 2, 3].map((i) => ({ path: `no-tx/${i}.sql`, source: concurrent, transaction: 'none' as const })),
    ];
    const { findings, unavailable } = await runSquawk(files, {
      pgVersion: 15,
      excludedRules: TIMEOUTS,
      spawn: countingSpawn(calls),
    });
    expect(unavailable).toBeUndefined();
    expect(calls).toHaveLength(2);
    const withTx = calls.filter((a) => a.includes('--assume-in-transaction'));
    expect(withTx).toHaveLength(1);
    expect(withTx[0]!.filter((a) => a.endsWith('.sql'))).toHaveLength(3);
    for (const c of calls) expect(c.slice(0, 4)).toEqual(['--reporter', 'json', '--pg-version', '15']);
    const rules = (p: string) => findings.get(p)!.map((f) => f.rule);
    expect(rules('tx/2.sql')).toContain('ban-concurrent-index-creation-in-transaction');
    expect(rules('no-tx/2.sql')).not.toContain('ban-concurrent-index-creation-in-transaction');
  });

  it('splits a large group over a few parallel processes, never one per file', async () => {
    const calls: string[][] = [];
    const big = 'ALTER TABLE t ADD COLUMN c int;\n'.repeat(4000); // ~128 kB each
    const files = Array.from({ length: 40 }, (_, i) => ({ path: `m/${i}.sql`, source: big, transaction: 'none' as const }));
    const { findings, unavailable } = await runSquawk(files, {
      pgVersion: 15,
      excludedRules: TIMEOUTS,
      concurrency: 3,
      spawn: countingSpawn(calls),
    });
    expect(unavailable).toBeUndefined();
    expect(calls).toHaveLength(3);
    expect(calls.flatMap((a) => a.filter((x) => x.endsWith('.sql'))).sort()).toHaveLength(40);
    const single = await runSquawk([files[0]!], { pgVersion: 15, excludedRules: TIMEOUTS });
    const perFile = single.findings.get('m/0.sql')!.length;
    expect(perFile).toBeGreaterThanOrEqual(4000);
    for (const f of files) expect(findings.get(f.path)!.length).toBe(perFile);
  });

  it('reports a squawk parse failure once, as info, not as a hazard', async () => {
    const source = '\\set ON_ERROR_STOP 1\nALTER TABLE t ADD COLUMN c int NOT NULL;\nSELECT ;;; (\n';
    const { findings } = await runSquawk([{ path: 'a.sql', source, transaction: 'none' }], { pgVersion: 15 });
    const list = findings.get('a.sql')!;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      rule: SQUAWK_SYNTAX_RULE,
      severity: 'info',
      engine: 'squawk',
      line: 1,
    });
    expect(list[0]!.message).toMatch(/^squawk could not parse this file; the built-in engine still covers it/);
  });

  it('gives every input path an entry, even a clean file, and passes paths with glob characters', async () => {
    const { findings, unavailable } = await runSquawk(
      [
        { path: 'weird [1]/*.sql', source: 'SELECT 1;\n', transaction: 'none' },
        { path: '../escape.sql', source: 'DROP TABLE users;\n', transaction: 'none' },
      ],
      { pgVersion: 15 },
    );
    expect(unavailable).toBeUndefined();
    expect(findings.get('weird [1]/*.sql')).toEqual([]);
    expect(findings.get('../escape.sql')!.map((f) => f.rule)).toContain('ban-drop-table');
  });
});

describe('runSquawk when squawk cannot run', () => {
  const files = [{ path: 'a.sql', source: 'SELECT 1;', transaction: 'none' as const }];

  it('reports a missing binary', async () => {
    const r = await runSquawk(files, { pgVersion: 15, binary: join(scratch, 'nope', 'squawk') });
    expect(r.unavailable).toMatch(/^squawk binary not found at .*nope\/squawk$/);
    expect(r.findings.get('a.sql')).toEqual([]);
  });

  it('passes squawk no secrets from the environment, only NO_COLOR', async () => {
    const envFile = join(scratch, 'env.txt');
    const bin = fakeBinary('printenv', `/usr/bin/env > ${envFile}\necho '[]'`);
    const saved = { key: process.env.ANTHROPIC_API_KEY, db: process.env.DATABASE_URL };
    process.env.ANTHROPIC_API_KEY = 'sk-ant-test-secret';
    process.env.DATABASE_URL = 'postgres://admin:hunter2@db/x';
    try {
      const r = await runSquawk(files, { pgVersion: 15, binary: bin });
      expect(r.unavailable).toBeUndefined();
    } finally {
      for (const [k, v] of [['ANTHROPIC_API_KEY', saved.key], ['DATABASE_URL', saved.db]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    const vars = readFileSync(envFile, 'utf8').split('\n').filter(Boolean).map((l) => l.split('=')[0]);
    // the shell adds PWD (and may add SHLVL) itself
    expect(vars.filter((v) => v !== 'PWD' && v !== 'SHLVL' && v !== '_').sort()).toEqual(['NO_COLOR']);
  });

  it('reports a crash with its exit code and first stderr line', async () => {
    const bin = fakeBinary('crash', 'echo "thread main panicked" >&2; exit 101');
    const r = await runSquawk(files, { pgVersion: 15, binary: bin });
    expect(r.unavailable).toBe('squawk exited with code 101: thread main panicked');
  });

  it('reports a binary killed by a signal', async () => {
    const bin = fakeBinary('segv', 'kill -SEGV $$');
    const r = await runSquawk(files, { pgVersion: 15, binary: bin });
    expect(r.unavailable).toBe('squawk was killed by SIGSEGV');
  });

  it('reports garbage output', async () => {
    const bin = fakeBinary('garbage', 'echo "Segmentation fault (core dumped) [{"; exit 0');
    const r = await runSquawk(files, { pgVersion: 15, binary: bin });
    expect(r.unavailable).toBe('squawk printed output that is not its JSON report');
  });

  it('reports JSON of the wrong shape as garbage too', async () => {
    const bin = fakeBinary('wrongshape', 'echo \'{"files": []}\'');
    const r = await runSquawk(files, { pgVersion: 15, binary: bin });
    expect(r.unavailable).toBe('squawk printed output that is not its JSON report');
  });

  it('kills a hanging binary (and its children) after the timeout', async () => {
    const pidFile = join(scratch, 'child.pid');
    const bin = fakeBinary('hang', `sleep 600 &\necho $! > ${pidFile}\nwait`);
    const r = await runSquawk(files, { pgVersion: 15, binary: bin, timeoutMs: 3000 });
    expect(r.unavailable).toBe('squawk timed out after 3000 ms and was killed');
    expect(existsSync(pidFile)).toBe(true);
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    // The grandchild was in the killed process group; give the kernel a moment to reap it.
    const deadline = Date.now() + 10_000;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    expect(isAlive(pid)).toBe(false);
  });

  it('builds the per-file engine-unavailable warning', () => {
    expect(engineUnavailableFinding('squawk timed out')).toMatchObject({
      rule: ENGINE_UNAVAILABLE_RULE,
      severity: 'warning',
      line: 1,
      column: 1,
      engine: 'squawk',
      message: expect.stringContaining('squawk timed out'),
    });
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers signal 0; it is dead for our purpose.
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2]!.startsWith('Z');
  } catch {
    return false;
  }
}

describe('squawk rules in the dbarch config', () => {
  const rules = { 'prefer-robust-stmts': 'off', 'ban-drop-table': { severity: 'error' }, 'prefer-bigint-over-int': 'info' } as const;
  const finding = (rule: string) => ({ rule, severity: 'warning' as const, line: 1, column: 1, endLine: 1, endColumn: 2, message: rule, engine: 'squawk' as const });

  it('lists the rules turned off, for --exclude', () => {
    expect(squawkExcludedRules({ ...rules, 'changing-column-type': { severity: 'off' } })).toEqual(['changing-column-type', 'prefer-robust-stmts']);
  });

  it('applies configured severities and drops rules turned off', () => {
    const out = configureSquawkFindings(
      ['prefer-robust-stmts', 'ban-drop-table', 'prefer-bigint-over-int', 'renaming-column', SQUAWK_SYNTAX_RULE].map(finding),
      rules,
    );
    expect(out.map((f) => [f.rule, f.severity])).toEqual([
      ['ban-drop-table', 'error'],
      ['prefer-bigint-over-int', 'info'],
      ['renaming-column', 'warning'],
      [SQUAWK_SYNTAX_RULE, 'warning'],
    ]);
  });
});
