// The CLI in-process: options, config, path handling, formats and exit codes. analyze() is
// replaced by a recorder so these tests pin the CLI's own behaviour.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type AnalyzeInput, type CliDeps } from '../../src/cli/main.js';
import type { Finding, Report, Severity } from '../../src/types.js';

let root: string;

const FILES: Record<string, string> = {
  'db/migrations/000001_create_users.up.sql': 'CREATE TABLE users (id bigint PRIMARY KEY);\n',
  'db/migrations/000001_create_users.down.sql': 'DROP TABLE users;\n',
  'db/migrations/000002_add_email.up.sql': '-- é\nALTER TABLE users ADD COLUMN email text NOT NULL;\n',
  'db/migrations/000002_add_email.down.sql': 'ALTER TABLE users DROP COLUMN email;\n',
  'node_modules/some-pkg/migrations/001_x.sql': 'DROP TABLE x;\n',
  'scripts/cleanup.sql': 'DELETE FROM sessions;\n',
  'README.md': '# app\n',
};

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'dbarch-cli-'));
  for (const [path, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A fake analyze: one finding of the given severity on line 2 of every file. */
function recorder(severity: Severity | null = 'error') {
  const calls: AnalyzeInput[] = [];
  const analyze = async (input: AnalyzeInput): Promise<Report> => {
    calls.push(input);
    const files = input.files.map((f) => {
      const findings: Finding[] = severity
        ? [{
            rule: 'adding-not-nullable-field', severity, line: 2, column: 22, endLine: 2, endColumn: 49,
            message: 'NOT NULL without a default.', relation: 'public.users', lockMode: 'ACCESS EXCLUSIVE', engine: 'builtin',
            fix: { description: 'Add it nullable first.', sql: 'ALTER TABLE users ADD COLUMN email text;' },
          }]
        : [];
      return {
        path: f.path, framework: 'golang-migrate' as const, direction: 'up' as const, transaction: 'none' as const,
        statements: [{
          line: 2, column: 1, endLine: 2, endColumn: 50, kind: 'ALTER TABLE',
          locks: [{ relation: 'public.users', mode: 'ACCESS EXCLUSIVE' as const }], rewritesTable: false, scansTable: false,
          inTransaction: false, transactional: true, blocks: { reads: true, writes: true, ddl: true },
        }],
        findings,
      };
    });
    const n = severity ? files.length : 0;
    return {
      files,
      summary: {
        files: files.length, statements: files.length,
        errors: severity === 'error' ? n : 0, warnings: severity === 'warning' ? n : 0, infos: severity === 'info' ? n : 0,
      },
    };
  };
  return { calls, analyze };
}

async function cli(argv: string[], deps: Partial<CliDeps> = {}, cwd = root) {
  let stdout = '';
  let stderr = '';
  const rec = recorder();
  const code = await main(argv, {
    cwd,
    color: false,
    analyze: rec.analyze,
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    ...deps,
  });
  return { code, stdout, stderr, calls: rec.calls };
}

describe('usage errors exit 2 with a one-line message naming the problem', () => {
  const cases: [string, string[], string][] = [
    ['unknown option', ['lint', '--frobnicate', '.'], 'dbarch: unknown option --frobnicate (see dbarch --help)\n'],
    ['missing option value', ['lint', '.', '--format'], 'dbarch: option --format needs a value\n'],
    ['bad --format', ['lint', '--format', 'xml', '.'], "dbarch: invalid --format 'xml': expected one of text, json, sarif, markdown, github, junit, gitlab\n"],
    ['bad --pg-version', ['lint', '--pg-version', 'fifteen', '.'], "dbarch: invalid --pg-version 'fifteen': expected a PostgreSQL major version from 10 to 18\n"],
    ['too old --pg-version', ['lint', '--pg-version', '9', '.'], "dbarch: invalid --pg-version '9': expected a PostgreSQL major version from 10 to 18\n"],
    ['bad --fail-on', ['lint', '--fail-on', 'never', '.'], "dbarch: invalid --fail-on 'never': expected one of error, warning, info\n"],
    ['bad --engines', ['lint', '--engines', 'builtin,sqlfluff', '.'], "dbarch: invalid --engines 'sqlfluff': expected one of builtin, squawk\n"],
    ['bad --max-file-bytes', ['lint', '--max-file-bytes=-5', '.'], "dbarch: invalid --max-file-bytes '-5': expected a positive integer up to 8388608\n"],
    ['--max-file-bytes over the memory cap', ['lint', '--max-file-bytes=52428800', '.'], "dbarch: invalid --max-file-bytes '52428800': expected a positive integer up to 8388608\n"],
    ['dash value', ['lint', '--max-file-bytes', '-5', '.'], 'dbarch: option --max-file-bytes needs a value (write --max-file-bytes=<value> for one starting with -)\n'],
    ['value for a flag', ['lint', '--trace=yes', '.'], 'dbarch: option --trace takes no value\n'],
    ['missing path', ['lint', 'db/nope.sql'], 'dbarch: path not found: db/nope.sql\n'],
    ['unknown command', ['check', '.'], "dbarch: unknown command 'check' (see dbarch --help)\n"],
    ['no command', [], 'dbarch: missing command: use `dbarch lint <paths>` (see dbarch --help)\n'],
    ['missing config file', ['lint', '--config', 'nope.yml', '.'], 'dbarch: config file not found: nope.yml\n'],
  ];
  for (const [name, argv, message] of cases) {
    it(name, async () => {
      const r = await cli(argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(message);
      expect(r.stdout).toBe('');
      expect(r.calls).toHaveLength(0);
    });
  }

  it('an invalid config key is named, with the config file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbarch-cli-config-'));
    try {
      writeFileSync(join(dir, 'dbarch.yml'), 'pgVersoin: 14\ntrace:\n  enabeld: false\n');
      const r = await cli(['lint', '.'], {}, dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^dbarch: Invalid config in dbarch\.yml: .*\n$/);
      expect(r.stderr).toContain('pgVersoin: unknown key');
      expect(r.stderr).toContain('trace.enabeld: unknown key');
      writeFileSync(join(dir, 'bad.json'), '{"failOn": "fatal"}');
      const j = await cli(['lint', '--config', 'bad.json', '.'], {}, dir);
      expect(j.code).toBe(2);
      expect(j.stderr).toMatch(/^dbarch: Invalid config in bad\.json: failOn: .+\n$/);
      writeFileSync(join(dir, 'broken.yml'), 'rules: [unclosed\n');
      const y = await cli(['lint', '--config', 'broken.yml', '.'], {}, dir);
      expect(y.code).toBe(2);
      expect(y.stderr).toMatch(/^dbarch: invalid YAML\/JSON in broken\.yml: .+\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('help and version', () => {
  it('--help prints usage and exits 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: dbarch lint \[options\] \[paths\.\.\.\]/);
    expect(r.stdout).toContain('--fail-on <error|warning|info>');
    expect((await cli(['lint', '-h'])).stdout).toBe(r.stdout);
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8'));
    const r = await cli(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });
});

describe('what gets linted', () => {
  it('walks directories, lets discovery pick migrations and skips node_modules', async () => {
    const r = await cli(['lint', '.', '--format', 'json']);
    expect(r.calls).toHaveLength(1);
    expect(r.calls[0]!.files.map((f) => f.path).sort()).toEqual([
      'db/migrations/000001_create_users.down.sql',
      'db/migrations/000001_create_users.up.sql',
      'db/migrations/000002_add_email.down.sql',
      'db/migrations/000002_add_email.up.sql',
    ]);
    const content = r.calls[0]!.files.find((f) => f.path.endsWith('000002_add_email.up.sql'))!.content;
    expect(Buffer.from(content).toString('utf8')).toBe(FILES['db/migrations/000002_add_email.up.sql']);
    expect(r.calls[0]!.history).toBeUndefined();
    // Discovery's verdict on the whole tree travels with each file.
    const up = r.calls[0]!.files.find((f) => f.path.endsWith('000002_add_email.up.sql'))!;
    expect(up.migration).toMatchObject({ framework: 'golang-migrate', direction: 'up', transaction: 'none' });
  });

  it('always lints a file passed explicitly, migration or not', async () => {
    const r = await cli(['lint', 'scripts/cleanup.sql', 'db/migrations/000002_add_email.up.sql']);
    expect(r.calls[0]!.files.map((f) => f.path).sort()).toEqual(['db/migrations/000002_add_email.up.sql', 'scripts/cleanup.sql']);
    // not a migration discovery knows: plain SQL run as psql runs it, classified here as analyze
    // would (the cache keys and the analysis then see the same migration sets)
    expect(r.calls[0]!.files.find((f) => f.path === 'scripts/cleanup.sql')!.migration).toMatchObject({ framework: 'sql', set: 'scripts', transaction: 'none' });
    // each file named without --since is its own change
    expect(r.calls[0]!.files.map((f) => f.change).sort()).toEqual(['db/migrations/000002_add_email.up.sql', 'scripts/cleanup.sql']);
  });

  it('reports paths relative to the working directory, also from a subdirectory', async () => {
    const r = await cli(['lint', 'migrations/000002_add_email.up.sql', '--format', 'json'], {}, join(root, 'db'));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).files[0].path).toBe('migrations/000002_add_email.up.sql');
    const outside = await cli(['lint', '../db/migrations/000002_add_email.up.sql', '--format', 'json'], {}, join(root, 'scripts'));
    // The display path keeps ../; analyze gets a path discovery can match.
    expect(JSON.parse(outside.stdout).files[0].path).toBe('../db/migrations/000002_add_email.up.sql');
    expect(outside.calls[0]!.files[0]!.path).toBe('db/migrations/000002_add_email.up.sql');
  });

  it('says so when a directory holds no migrations', async () => {
    const r = await cli(['lint', 'scripts'], { analyze: recorder(null).analyze });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('dbarch: no migration files found in scripts\n');
  });

  it('passes config and option overrides to analyze', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbarch-cli-opts-'));
    try {
      mkdirSync(join(dir, '.github'));
      writeFileSync(join(dir, '.github', 'dbarch.yml'), 'pgVersion: 13\nrules:\n  ban-drop-table: off\nengines: [builtin]\n');
      writeFileSync(join(dir, 'm.sql'), 'SELECT 1;\n');
      const plain = await cli(['lint', 'm.sql'], {}, dir);
      expect(plain.calls[0]!.config).toMatchObject({ pgVersion: 13, engines: ['builtin'], rules: { 'ban-drop-table': 'off' } });
      expect(plain.calls[0]!.trace).toBeUndefined();
      const over = await cli(
        ['lint', 'm.sql', '--pg-version', '17', '--engines', 'squawk,builtin', '--max-file-bytes', '1000', '--database-url', 'postgres://127.0.0.1/x'],
        {},
        dir,
      );
      expect(over.calls[0]!.config).toMatchObject({ pgVersion: 17, engines: ['squawk', 'builtin'], maxFileBytes: 1000 });
      expect(over.calls[0]!.trace).toEqual({ databaseUrl: 'postgres://127.0.0.1/x' });
      expect((await cli(['lint', 'm.sql', '--trace'], {}, dir)).calls[0]!.trace).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--since lints only changed migrations, with the earlier ones as history', async () => {
    const changed = [join(root, 'db/migrations/000002_add_email.up.sql'), join(root, 'README.md')];
    const r = await cli(['lint', '.', '--since', 'origin/main'], { changedSince: (ref) => (ref === 'origin/main' ? changed : []) });
    expect(r.calls[0]!.files.map((f) => f.path)).toEqual(['db/migrations/000002_add_email.up.sql']);
    expect(r.calls[0]!.history!.map((f) => f.path)).toEqual(['db/migrations/000001_create_users.up.sql']);
  });

  it('--since with nothing changed lints nothing and says so', async () => {
    const r = await cli(['lint', '.', '--since', 'HEAD'], { changedSince: () => [] });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('dbarch: no migrations changed since HEAD\n');
    expect(r.calls[0]!.files).toEqual([]);
  });

  it('--since with a bad ref is a usage error', async () => {
    const r = await cli(['lint', '.', '--since', 'nope'], {
      changedSince: () => {
        throw Object.assign(new Error('Command failed'), { stderr: "fatal: ambiguous argument 'nope...HEAD': unknown revision\nmore" });
      },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("dbarch: --since nope: fatal: ambiguous argument 'nope...HEAD': unknown revision\n");
  });
});

describe('exit codes follow --fail-on', () => {
  const run = async (severity: Severity | null, extra: string[] = [], cwd = root) => {
    const rec = recorder(severity);
    return cli(['lint', 'db/migrations/000002_add_email.up.sql', ...extra], { analyze: rec.analyze }, cwd);
  };
  it('errors fail by default', async () => expect((await run('error')).code).toBe(1));
  it('warnings pass by default', async () => expect((await run('warning')).code).toBe(0));
  it('warnings fail with --fail-on warning', async () => expect((await run('warning', ['--fail-on', 'warning'])).code).toBe(1));
  it('infos pass with --fail-on warning', async () => expect((await run('info', ['--fail-on', 'warning'])).code).toBe(0));
  it('infos fail with --fail-on info', async () => expect((await run('info', ['--fail-on', 'info'])).code).toBe(1));
  it('a clean run exits 0', async () => expect((await run(null, ['--fail-on', 'info'])).code).toBe(0));
  it('failOn from the config applies, and --fail-on overrides it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbarch-cli-failon-'));
    try {
      mkdirSync(join(dir, 'db/migrations'), { recursive: true });
      writeFileSync(join(dir, 'db/migrations/000002_add_email.up.sql'), 'SELECT 1;\n');
      writeFileSync(join(dir, 'dbarch.yml'), 'failOn: warning\n');
      expect((await run('warning', [], dir)).code).toBe(1);
      expect((await run('warning', ['--fail-on', 'error'], dir)).code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('formats', () => {
  const target = 'db/migrations/000002_add_email.up.sql';

  it('text shows a code frame of the real file and the safe rewrite', async () => {
    const r = await cli(['lint', target]);
    expect(r.stdout).toContain(
      [
        '    > 2 | ALTER TABLE users ADD COLUMN email text NOT NULL;',
        `        | ${' '.repeat(21)}${'^'.repeat(27)}`,
      ].join('\n'),
    );
    expect(r.stdout).toContain('  Safe rewrite: Add it nullable first.\n      ALTER TABLE users ADD COLUMN email text;');
    expect(r.stdout).not.toContain('\u001b[');
  });

  it('--color forces colors and --no-color wins over it', async () => {
    expect((await cli(['lint', target, '--color'])).stdout).toContain('\u001b[31m');
    expect((await cli(['lint', target, '--no-color'], { color: true })).stdout).not.toContain('\u001b[');
    expect((await cli(['lint', target], { color: true })).stdout).toContain('\u001b[');
  });

  it('json follows the contract', async () => {
    const r = await cli(['lint', target, '--format', 'json']);
    const json = JSON.parse(r.stdout);
    expect(json.summary).toEqual({ files: 1, statements: 1, errors: 1, warnings: 0, infos: 0 });
    expect(json.files[0].findings[0]).toMatchObject({ rule: 'adding-not-nullable-field', line: 2, column: 22, relation: 'public.users', lockMode: 'ACCESS EXCLUSIVE' });
  });

  it('sarif is 2.1.0 with code-point columns', async () => {
    const r = await cli(['lint', target, '--format', 'sarif']);
    const sarif = JSON.parse(r.stdout);
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].columnKind).toBe('unicodeCodePoints');
    expect(sarif.runs[0].results[0].locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: target, uriBaseId: '%SRCROOT%' },
      region: { startLine: 2, startColumn: 22, endLine: 2, endColumn: 49 },
    });
  });

  it('markdown is the PR comment', async () => {
    const r = await cli(['lint', target, '--format', 'markdown']);
    expect(r.stdout.startsWith('<!-- dbarch:summary -->\n## 🛑 dbarch: 1 error, 0 warnings, 0 infos\n')).toBe(true);
  });

  it('--output writes the report to a file and nothing to stdout', async () => {
    const r = await cli(['lint', target, '--format', 'json', '--output', 'report.json']);
    expect(r.stdout).toBe('');
    expect(JSON.parse(readFileSync(join(root, 'report.json'), 'utf8')).summary.errors).toBe(1);
    expect(r.code).toBe(1);
  });
});

describe('--since with a real git repository', () => {
  it('lints the migration added after the ref and passes the earlier one as history', async () => {
    const { execFileSync } = await import('node:child_process');
    const dir = mkdtempSync(join(tmpdir(), 'dbarch-cli-git-'));
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
    try {
      mkdirSync(join(dir, 'db/migrations'), { recursive: true });
      writeFileSync(join(dir, 'db/migrations/000001_init.up.sql'), 'CREATE TABLE t (id bigint PRIMARY KEY);\n');
      git('init', '-q');
      git('add', '.');
      git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-q', '-m', 'init');
      writeFileSync(join(dir, 'db/migrations/000002_idx.up.sql'), 'CREATE INDEX t_id ON t (id);\n');
      const r = await cli(['lint', 'migrations', '--since', 'HEAD'], {}, join(dir, 'db'));
      expect(r.stderr).toBe('');
      expect(r.calls[0]!.files.map((f) => f.path)).toEqual(['migrations/000002_idx.up.sql']);
      expect(r.calls[0]!.history!.map((f) => f.path)).toEqual(['migrations/000001_init.up.sql']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
