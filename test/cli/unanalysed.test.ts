// The CLI fails closed too: a migration it could not analyse is not a clean run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function lint(files: Record<string, string | Buffer>, args: string[] = []) {
  dir = mkdtempSync(join(tmpdir(), 'dbarch-unanalysed-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  let stdout = '';
  let stderr = '';
  const code = await main(['lint', ...Object.keys(files).filter((f) => f.endsWith('.sql')), '--engines', 'builtin', '--format', 'json', ...args], {
    cwd: dir,
    color: false,
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
  });
  return { code, stdout, stderr };
}

const PADDED = `-- ${'x'.repeat(3000)}\nCREATE INDEX idx_orders_user ON orders (user_id);\n`;

describe('dbarch lint with a file it cannot analyse', () => {
  it('exits 1 and names the file when a migration is over --max-file-bytes', async () => {
    const r = await lint({ 'big.sql': PADDED }, ['--max-file-bytes', '1000']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('dbarch: not analysed: big.sql: 3054 bytes is over the limit of 1000 bytes (maxFileBytes)\n');
    expect(JSON.parse(r.stdout).files[0].findings.map((f: { rule: string }) => f.rule)).toEqual(['file-too-large']);
  });

  it('exits 1 for a UTF-16 file', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('CREATE INDEX i ON orders (user_id);\n', 'utf16le')]);
    const r = await lint({ 'u.sql': utf16 });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('dbarch: not analysed: u.sql: UTF-16 text; dbarch reads migrations as UTF-8\n');
  });

  it('exits 0 with the warning when the config says `unanalysed: neutral`', async () => {
    const r = await lint({ 'big.sql': PADDED, 'dbarch.yml': 'unanalysed: neutral\n' }, ['--max-file-bytes', '1000', '--config', 'dbarch.yml']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('dbarch: not analysed: big.sql');
  });
});
