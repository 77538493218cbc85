// The catalog is consistent: files, registry and docs agree; metadata is complete.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getRule, RULES } from '../../src/rules/registry.js';
import { SEVERITY_REASONS } from '../../src/rules/types.js';
import { initParser } from '../../src/sql/index.js';
import { CATEGORIES, LOCK_MODES } from '../../src/types.js';
import { runRule } from './support.js';

const ROOT = join(import.meta.dirname, '../..');

describe('rule catalog', () => {
  it('has one file in rules/ per registered rule, named after its id', () => {
    const files = readdirSync(join(ROOT, 'rules'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    expect(RULES.map((r) => r.meta.id).sort()).toEqual(files);
  });

  it('has unique kebab-case ids reachable through getRule', () => {
    const ids = RULES.map((r) => r.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
      expect(getRule(id)?.meta.id).toBe(id);
    }
    expect(getRule('no-such-rule')).toBeUndefined();
  });

  it('gives every rule complete metadata', () => {
    for (const { meta } of RULES) {
      expect(CATEGORIES, meta.id).toContain(meta.category);
      expect(['error', 'warning', 'info', 'off'], meta.id).toContain(meta.defaultSeverity);
      expect(meta.description.length, meta.id).toBeGreaterThan(10);
      expect(meta.hazard.length, meta.id).toBeGreaterThan(40);
      expect(meta.examples.length, meta.id).toBeGreaterThan(0);
      expect(Object.keys(meta.messages).length, meta.id).toBeGreaterThan(0);
      if (meta.lock) expect(LOCK_MODES, meta.id).toContain(meta.lock);
      for (const ex of meta.examples) {
        expect(ex.bad.trim(), meta.id).not.toBe('');
        expect(ex.good.trim(), meta.id).not.toBe('');
        expect(ex.good, meta.id).not.toBe(ex.bad);
      }
    }
  });

  it('names only real statement node types in meta.nodes', () => {
    const dts = readFileSync(join(ROOT, 'node_modules/@pgsql/types/types.d.ts'), 'utf8');
    const nodeTypes = new Set([...dts.matchAll(/export interface (\w+) /g)].map((m) => m[1]));
    for (const { meta } of RULES) {
      for (const tag of meta.nodes ?? []) expect(nodeTypes, `${meta.id}: ${tag}`).toContain(tag);
    }
  });

  it('reserves error for blocked tables and runtime failures (severityReason)', async () => {
    await initParser();
    for (const { meta } of RULES) {
      if (meta.severityReason) expect(SEVERITY_REASONS, meta.id).toContain(meta.severityReason);
      if (meta.defaultSeverity === 'error') expect(meta.severityReason, `${meta.id} is error without a severityReason`).toBeDefined();
    }
    // a rule may also escalate a finding to error on its own: its examples show it
    for (const rule of RULES) {
      for (const ex of rule.meta.examples) {
        const errors = runRule(rule, ex.bad, { ...(ex.transaction ? { transaction: ex.transaction } : {}), ...(ex.schema ? { history: ex.schema } : {}) }).filter((f) => f.severity === 'error');
        if (errors.length) expect(rule.meta.severityReason, `${rule.meta.id} reports error without a severityReason`).toBeDefined();
      }
    }
  });

  it('keeps style rules quiet by default', () => {
    for (const { meta } of RULES.filter((r) => r.meta.category === 'style')) {
      expect(['info', 'off'], meta.id).toContain(meta.defaultSeverity);
    }
  });

  it('covers the squawk rules that have a PostgreSQL hazard', () => {
    const squawkIds = new Set(RULES.flatMap((r) => [r.meta.id, ...(r.meta.squawk ?? [])]));
    for (const id of [
      'adding-field-with-default',
      'adding-foreign-key-constraint',
      'adding-not-nullable-field',
      'adding-required-field',
      'adding-serial-primary-key-field',
      'ban-alter-domain-with-add-constraint',
      'ban-char-field',
      'ban-concurrent-index-creation-in-transaction',
      'ban-create-domain-with-constraint',
      'ban-drop-column',
      'ban-drop-database',
      'ban-drop-not-null',
      'ban-drop-table',
      'ban-truncate-cascade',
      'ban-uncommitted-transaction',
      'changing-column-type',
      'constraint-missing-not-valid',
      'disallowed-unique-constraint',
      'identifier-too-long',
      'prefer-bigint-over-int',
      'prefer-bigint-over-smallint',
      'prefer-identity',
      'prefer-repack',
      'prefer-robust-stmts',
      'prefer-text-field',
      'prefer-timestamp-tz',
      'renaming-column',
      'renaming-table',
      'require-concurrent-index-creation',
      'require-concurrent-index-deletion',
      'require-concurrent-partition-detach',
      'require-concurrent-reindex',
      'require-lock-timeout',
      'require-statement-timeout',
      'require-timeout-settings',
      'transaction-nesting',
    ]) {
      expect(squawkIds, id).toContain(id);
    }
  });
});
