import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, parseConfig } from '../../src/config/schema.js';
import { renderConfigSchema } from '../../scripts/gen-schema.js';

describe('config schema', () => {
  it('has the documented defaults', () => {
    const c = defaultConfig();
    expect(c.pgVersion).toBe(15);
    expect(c.failOn).toBe('error');
    expect(c.engines).toEqual(['builtin', 'squawk']);
    expect(c.maxFileBytes).toBe(2 * 1024 * 1024);
    expect(c.trace.enabled).toBe(true);
    expect(c.drafts).toBe(false);
  });

  it('names the key and the problem of an invalid config', () => {
    expect(() => parseConfig({ pgVersion: 'fifteen' })).toThrowError(ConfigError);
    expect(() => parseConfig({ pgVersion: 'fifteen' })).toThrowError(/pgVersion: Invalid input: expected number/);
    expect(() => parseConfig({ failOn: 'fatal' })).toThrowError(/failOn: /);
    expect(() => parseConfig({ rules: { 'ban-drop-column': 'loud' } })).toThrowError(/rules\.ban-drop-column/);
    expect(() => parseConfig({ fail_on: 'error' })).toThrowError(/fail_on: unknown key/);
    expect(() => parseConfig({ trace: { enable: false } })).toThrowError(/trace\.enable: unknown key/);
  });

  it('accepts per-rule, per-category and migration-set settings', () => {
    const c = parseConfig({
      rules: { 'prefer-robust-stmts': 'off', 'require-timeout-settings': { severity: 'error' } },
      categories: { style: 'off' },
      migrations: [{ include: ['services/a/migrations/**'], framework: 'flyway', pgVersion: 14 }],
      largeTables: ['public.orders'],
    });
    expect(c.rules['prefer-robust-stmts']).toBe('off');
    expect(c.categories.style).toBe('off');
    expect(c.migrations[0]).toMatchObject({ framework: 'flyway', pgVersion: 14, transaction: 'auto', exclude: [] });
  });

  it('publishes the JSON Schema generated from the zod schema (docs/dbarch.schema.json is up to date)', () => {
    const committed = readFileSync(new URL('../../docs/dbarch.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(renderConfigSchema());
    const schema = JSON.parse(committed);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.failOn.enum).toEqual(['error', 'warning', 'info']);
  });
});
