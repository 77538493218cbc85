import { as } from '../src/rules/ast.js';
import { insertAfterWords, renderList, replaceStatement, stmtText } from '../src/rules/fixes.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'security-definer-without-search-path',
    description: 'A SECURITY DEFINER function without a fixed search_path can be hijacked.',
    category: 'security',
    nodes: ['CreateFunctionStmt'],
    defaultSeverity: 'warning',
    hazard:
      'A `SECURITY DEFINER` function runs with its owner\'s privileges but resolves unqualified names through the ' +
      "caller's `search_path`. A user who can create objects in a schema on that path (or `pg_temp`) can plant a " +
      'function or operator that the definer then calls with elevated rights. Pin the path with ' +
      '`SET search_path = pg_catalog, pg_temp` (and schema-qualify everything else).',
    messages: { definer: 'SECURITY DEFINER function {name} does not set search_path.' },
    examples: [
      {
        bad: "CREATE FUNCTION app.delete_user(uid bigint) RETURNS void LANGUAGE sql SECURITY DEFINER AS 'DELETE FROM app.users WHERE id = uid';",
        good:
          "CREATE FUNCTION app.delete_user(uid bigint) RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'DELETE FROM app.users WHERE id = uid';",
      },
    ],
  },
  check(stmt) {
    const fn = as(stmt.stmt.ast, 'CreateFunctionStmt');
    if (!fn) return [];
    const options = (fn.options ?? []).map((o) => as(o, 'DefElem'));
    const definer = options.some((d) => d?.defname === 'security' && as(d.arg, 'Boolean')?.boolval === true);
    if (!definer) return [];
    const setsPath = options.some((d) => d?.defname === 'set' && as(d.arg, 'VariableSetStmt')?.name === 'search_path');
    if (setsPath) return [];
    const text = stmtText(stmt);
    const fixed = insertAfterWords(text, ['SECURITY', 'DEFINER'], 'SET search_path = pg_catalog, pg_temp');
    return [
      {
        messageId: 'definer',
        data: { name: renderList(fn.funcname) },
        fix:
          fixed !== undefined && !stmt.stmt.nested
            ? replaceStatement(stmt, 'Pin search_path for the function.', `${fixed};`)
            : undefined,
      },
    ];
  },
});
