import { as, isNew, qualifyRv } from '../src/rules/ast.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'ban-vacuum-full',
    description: 'VACUUM FULL rewrites the table under an ACCESS EXCLUSIVE lock.',
    category: 'rewrite',
    nodes: ['VacuumStmt'],
    defaultSeverity: 'error',
    severityReason: 'blocks-existing-table',
    hazard:
      '`VACUUM FULL` copies the whole table and rebuilds its indexes while holding an ACCESS EXCLUSIVE lock: no ' +
      'reads or writes until it finishes. Use plain `VACUUM`, or `pg_repack`/`pg_squeeze` to reclaim space ' +
      'online. (VACUUM also cannot run inside a transaction block.)',
    lock: 'ACCESS EXCLUSIVE',
    squawk: ['prefer-repack'],
    messages: { full: 'VACUUM FULL {relation} rewrites the table under an ACCESS EXCLUSIVE lock.' },
    examples: [
      {
        bad: 'VACUUM FULL events;',
        good: 'VACUUM (ANALYZE) events;',
        note: 'Run outside a transaction; use pg_repack to reclaim space without blocking.',
      },
    ],
  },
  check(stmt, ctx) {
    const v = as(stmt.stmt.ast, 'VacuumStmt');
    if (!v?.is_vacuumcmd) return [];
    const full = (v.options ?? []).some((o) => {
      const d = as(o, 'DefElem');
      return d?.defname === 'full' && as(d.arg, 'Boolean')?.boolval !== false && as(d.arg, 'String')?.sval !== 'false';
    });
    if (!full) return [];
    const rels = (v.rels ?? []).map((r) => qualifyRv(ctx, as(r, 'VacuumRelation')?.relation, stmt.stmt.index));
    const existing = rels.filter((r) => !isNew(ctx, stmt, r));
    if (rels.length && !existing.length) return [];
    const relation = existing.join(', ') || 'every table of the database';
    return [{ messageId: 'full', data: { relation }, ...(existing[0] ? { relation: existing[0] } : {}), lockMode: 'ACCESS EXCLUSIVE' }];
  },
});
