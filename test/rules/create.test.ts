// createRule: typed handlers by statement kind, options parsed by the rule's schema, the
// file-level hook, and the engine behaviour a rule declares instead of inheriting silently.
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configSchema } from '../../src/config/schema.js';
import { createRule } from '../../src/rules/create.js';
import { lintSql, RuleOptionsError, ruleOptionErrors } from '../../src/rules/engine.js';
import { initParser } from '../../src/sql/index.js';

beforeAll(initParser);

const base = {
  description: 'A rule written for the tests.',
  category: 'locking' as const,
  defaultSeverity: 'warning' as const,
  hazard: 'Only here to exercise the rule creator and the engine around it.',
  examples: [],
};

const dropColumn = createRule({
  meta: { ...base, id: 'probe-drop', messages: { drop: 'drop {column} from {relation} (max {max})' } },
  options: z.object({ max: z.number().int().positive().default(2) }).strict(),
  on: {
    AlterTableStmt(node, stmt, ctx) {
      const relation = ctx.file.qualify(node.relation?.relname ?? '?', node.relation?.schemaname, stmt.stmt.index);
      return (node.cmds ?? []).flatMap((c) => {
        const cmd = 'AlterTableCmd' in c ? c.AlterTableCmd : undefined;
        if (cmd?.subtype !== 'AT_DropColumn') return [];
        return [{ messageId: 'drop' as const, data: { column: cmd.name ?? '?', relation, max: ctx.options.max }, relation }];
      });
    },
  },
});

const lint = (sql: string, rules: unknown = {}, rule = dropColumn) =>
  lintSql(sql, { config: configSchema.parse({ rules }), rules: [rule], transaction: 'transaction' });

describe('createRule', () => {
  it('dispatches by statement kind: the handler declares the kinds', () => {
    expect(dropColumn.meta.nodes).toEqual(['AlterTableStmt']);
    const found = lint('SELECT 1;\nALTER TABLE users DROP COLUMN a;\nDROP TABLE t;');
    expect(found.map((f) => [f.line, f.message])).toEqual([[2, 'drop a from public.users (max 2)']]);
  });

  it('parses options with the schema: defaults, and a clear error naming the key', () => {
    const found = lint('ALTER TABLE users DROP COLUMN a;', { 'probe-drop': { options: { max: 5 } } });
    expect(found[0]!.message).toBe('drop a from public.users (max 5)');
    const bad = configSchema.parse({ rules: { 'probe-drop': { options: { max: 'many' } } } });
    expect(() => lintSql('SELECT 1;', { config: bad, rules: [dropColumn] })).toThrow(RuleOptionsError);
    expect(ruleOptionErrors(bad, [dropColumn])).toEqual([
      'Invalid options for rule probe-drop (rules.probe-drop.options): max: Invalid input: expected number, received string',
    ]);
  });

  it('the engine drops findings on new relations only for rules that say so', () => {
    const sql = 'CREATE TABLE t (a int);\nALTER TABLE t DROP COLUMN a;';
    expect(lint(sql)).toEqual([]);
    const reporting = createRule({ ...dropColumn, meta: { ...dropColumn.meta, id: 'probe-drop', messages: { drop: 'drop' }, newRelations: 'report' }, check: dropColumn.check });
    expect(lint(sql, {}, reporting).map((f) => f.line)).toEqual([2]);
  });

  it('down migrations demote only rules that say so', () => {
    const sql = 'ALTER TABLE users DROP COLUMN a;';
    const down = (rule = dropColumn) =>
      lintSql(sql, { config: configSchema.parse({}), rules: [rule], direction: 'down' }).map((f) => f.severity);
    expect(down()).toEqual(['warning']);
    const demoted = createRule({ ...dropColumn, meta: { ...dropColumn.meta, onDown: 'info' as const }, check: dropColumn.check });
    expect(down(demoted)).toEqual(['info']);
  });

  it('a file-level hook reports on the statement it names; directives still apply', () => {
    const lastAlter = createRule({
      meta: { ...base, id: 'probe-file', category: 'integrity', messages: { last: 'last of {n}' } },
      checkFile(ctx) {
        const alters = ctx.statements.filter((s) => s.kind === 'ALTER TABLE');
        const last = alters.at(-1);
        return last ? [{ statementIndex: last.stmt.index, messageId: 'last', data: { n: alters.length } }] : [];
      },
    });
    const sql = 'ALTER TABLE a ADD COLUMN x int;\nSELECT 1;\nALTER TABLE b ADD COLUMN y int;';
    expect(lint(sql, {}, lastAlter).map((f) => [f.line, f.message])).toEqual([[3, 'last of 2']]);
    expect(lint(`${sql.replace('\nALTER TABLE b', '\n-- dbarch-ignore probe-file\nALTER TABLE b')}`, {}, lastAlter)).toEqual([]);
  });
});
