// Every rule's documented examples: bad is flagged (at the expected lines), good is clean,
// and each fix, applied and re-linted, comes out clean of that rule.
import { beforeAll, describe, expect, it } from 'vitest';
import { RULES } from '../../src/rules/registry.js';
import { initParser } from '../../src/sql/index.js';
import { applyFixes, runRule } from './support.js';

beforeAll(async () => {
  await initParser();
});

/** Lines of the findings of the rule on its first bad example. */
const EXPECTED_LINES: Record<string, number[]> = {
  'require-concurrent-index-creation': [1],
  'require-concurrent-index-deletion': [1],
  'ban-concurrent-index-creation-in-transaction': [2],
  'non-transactional-statement-in-transaction': [2],
  'transaction-nesting': [3],
  'ban-uncommitted-transaction': [1],
  'require-timeout-settings': [1],
  'hold-access-exclusive-lock': [2],
  'ban-lock-table': [2],
  'adding-foreign-key-constraint': [1],
  'constraint-missing-not-valid': [1],
  'adding-not-nullable-field': [1],
  'adding-required-field': [1],
  'adding-field-with-default': [1],
  'adding-auto-increment-column': [1],
  'adding-serial-primary-key-field': [1],
  'adding-primary-key-constraint': [1],
  'disallowed-unique-constraint': [1],
  'changing-column-type': [1],
  'unbatched-data-migration': [1],
  'attach-partition-without-check': [2],
  'redundant-index': [3],
  'require-index-for-foreign-key': [1],
  'security-definer-without-search-path': [1],
  'ban-multiple-foreign-keys': [2],
  'unique-index-on-existing-data': [1],
};

/** Rules whose first bad example must come with a statement-replacing (or appended) fix. */
const FIXABLE = new Set([
  'adding-column-with-check',
  'concurrent-index-if-not-exists',
  'require-concurrent-index-creation',
  'require-concurrent-index-deletion',
  'ban-concurrent-index-creation-in-transaction',
  'non-transactional-statement-in-transaction',
  'require-timeout-settings',
  'require-statement-timeout',
  'adding-foreign-key-constraint',
  'constraint-missing-not-valid',
  'adding-not-nullable-field',
  'adding-required-field',
  'adding-field-with-default',
  'adding-auto-increment-column',
  'adding-serial-primary-key-field',
  'adding-primary-key-constraint',
  'disallowed-unique-constraint',
  'unbatched-data-migration',
  'require-concurrent-reindex',
  'require-concurrent-refresh',
  'require-concurrent-partition-detach',
  'attach-partition-without-check',
  'ban-alter-domain-with-add-constraint',
  'ban-truncate-cascade',
  'ban-drop-cascade',
  'security-definer-without-search-path',
  'prefer-timestamptz',
  'prefer-jsonb',
  'ban-char-field',
  'ban-money-type',
  'prefer-text-field',
  'prefer-identity',
  'prefer-bigint-over-int',
  'prefer-bigint-over-smallint',
  'prefer-bigint-primary-key',
  'prefer-robust-stmts',
  'require-index-for-foreign-key',
]);

const MOVE_OUT = new Set(['ban-concurrent-index-creation-in-transaction', 'non-transactional-statement-in-transaction']);

describe.each(RULES.map((r) => [r.meta.id, r] as const))('%s', (id, rule) => {
  rule.meta.examples.forEach((example, i) => {
    const opts = { transaction: example.transaction ?? ('transaction' as const), ...(example.schema ? { history: example.schema } : {}) };

    it(`flags bad example ${i + 1}`, () => {
      const found = runRule(rule, example.bad, opts);
      expect(found.length).toBeGreaterThan(0);
      if (i === 0 && EXPECTED_LINES[id]) expect(found.map((f) => f.line)).toEqual(EXPECTED_LINES[id]);
      for (const f of found) {
        expect(f.engine).toBe('builtin');
        expect(f.category).toBe(rule.meta.category);
        expect(f.message).not.toMatch(/\{\w+\}/);
      }
    });

    it(`leaves good example ${i + 1} clean`, () => {
      expect(runRule(rule, example.good, opts)).toEqual([]);
    });

    it(`fix of bad example ${i + 1} lints clean`, () => {
      const found = runRule(rule, example.bad, opts);
      const fixes = found.filter((f) => f.fix);
      if (i === 0) {
        if (FIXABLE.has(id)) expect(fixes.length).toBeGreaterThan(0);
        else expect(fixes).toEqual([]);
      }
      if (!fixes.length) return;
      if (MOVE_OUT.has(id)) {
        // The fix moves the statement into a migration of its own, without a transaction.
        for (const f of fixes) expect(runRule(rule, f.fix!.sql, { ...opts, transaction: 'none' })).toEqual([]);
        return;
      }
      const replacing = fixes.filter((f) => f.fix!.replaces);
      let fixed = applyFixes(example.bad, replacing);
      for (const f of fixes) if (!f.fix!.replaces) fixed += `\n${f.fix!.sql}`;
      const outside = fixes.some((f) => f.fix!.outsideTransaction);
      const after = runRule(rule, fixed, { ...opts, transaction: outside ? 'none' : opts.transaction });
      expect(after, `fixed SQL:\n${fixed}`).toEqual([]);
    });
  });
});
