import { as, names } from '../src/rules/ast.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'ban-drop-schema',
    description: 'Dropping a schema drops everything in it.',
    category: 'backward-compatibility',
    nodes: ['DropStmt'],
    defaultSeverity: 'warning',
    hazard:
      '`DROP SCHEMA` removes the schema and, with CASCADE, every table, view and function in it: data loss and ' +
      'broken code in one statement.',
    messages: { drop: 'Dropping schema {name} removes it and everything in it.' },
    examples: [{ bad: 'DROP SCHEMA reporting CASCADE;', good: '-- move the objects out, then drop the empty schema' }],
  },
  check(stmt, ctx) {
    const drop = as(stmt.stmt.ast, 'DropStmt');
    if (drop?.removeType !== 'OBJECT_SCHEMA') return [];
    const schemas = (drop.objects ?? []).map((o) => as(o, 'String')?.sval ?? names(as(o, 'List')?.items).join('.'));
    const created = new Set(
      ctx.statements
        .filter((s) => s.stmt.index < stmt.stmt.index)
        .map((s) => as(s.stmt.ast, 'CreateSchemaStmt')?.schemaname)
        .filter(Boolean),
    );
    const dropped = schemas.filter((s) => !created.has(s));
    return dropped.length ? [{ messageId: 'drop', data: { name: dropped.join(', ') } }] : [];
  },
});
