import { alterTable, as, columnDef } from '../src/rules/ast.js';
import { replaceStatement, stmtText } from '../src/rules/fixes.js';
import { createRule } from '../src/rules/create.js';

const FIXES: [RegExp, string][] = [
  [/^(\s*CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?TABLE)\s+/i, '$1 IF NOT EXISTS '],
  [/^(\s*CREATE\s+(?:UNIQUE\s+)?INDEX(?:\s+CONCURRENTLY)?)\s+/i, '$1 IF NOT EXISTS '],
  [/^(\s*DROP\s+(?:TABLE|INDEX|VIEW|MATERIALIZED\s+VIEW|SEQUENCE|TYPE|FUNCTION|SCHEMA)(?:\s+CONCURRENTLY)?)\s+/i, '$1 IF EXISTS '],
];

export default createRule({
  meta: {
    id: 'prefer-robust-stmts',
    description: 'DDL outside a transaction without IF [NOT] EXISTS cannot be re-run after a partial failure.',
    category: 'style',
    nodes: ['CreateStmt', 'IndexStmt', 'DropStmt', 'AlterTableStmt'],
    defaultSeverity: 'off',
    hazard:
      'A migration that runs outside a transaction (e.g. for CONCURRENTLY) and fails half-way leaves some ' +
      'statements applied. Re-running it then fails on the first `CREATE` of something that exists. ' +
      '`IF NOT EXISTS` / `IF EXISTS` make each step idempotent. (Inside a transaction a failure rolls everything ' +
      'back, so the rule stays quiet there.)',
    squawk: ['prefer-robust-stmts'],
    messages: { robust: '{kind} without IF {exists} cannot be re-run if the migration fails part-way.' },
    examples: [
      {
        bad: 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
        good: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);',
        transaction: 'none',
      },
    ],
  },
  check(stmt) {
    if (stmt.inTransaction || stmt.stmt.nested) return [];
    const ast = stmt.stmt.ast;
    let exists: 'EXISTS' | 'NOT EXISTS' | undefined;
    const create = as(ast, 'CreateStmt');
    if (create && !create.if_not_exists) exists = 'NOT EXISTS';
    const index = as(ast, 'IndexStmt');
    if (index && !index.if_not_exists && index.idxname) exists = 'NOT EXISTS';
    const drop = as(ast, 'DropStmt');
    if (drop && !drop.missing_ok) exists = 'EXISTS';
    const at = alterTable(stmt);
    let fixed: string | undefined;
    if (at && at.cmds.length === 1) {
      const cmd = at.cmds[0]!;
      if (cmd.subtype === 'AT_AddColumn' && columnDef(cmd.def) && !cmd.missing_ok) {
        exists = 'NOT EXISTS';
        fixed = stmtText(stmt).replace(/\bADD\s+(?:COLUMN\s+)?/i, 'ADD COLUMN IF NOT EXISTS ');
      }
      if (cmd.subtype === 'AT_DropColumn' && !cmd.missing_ok) {
        exists = 'EXISTS';
        fixed = stmtText(stmt).replace(/\bDROP\s+(?:COLUMN\s+)?/i, 'DROP COLUMN IF EXISTS ');
      }
    }
    if (!exists) return [];
    if (fixed === undefined) {
      const text = stmtText(stmt);
      for (const [pattern, replacement] of FIXES) {
        if (pattern.test(text)) {
          fixed = text.replace(pattern, replacement);
          break;
        }
      }
    }
    return [
      {
        messageId: 'robust',
        data: { kind: stmt.kind, exists },
        fix: fixed ? replaceStatement(stmt, `Add IF ${exists}.`, `${fixed};`, true) : undefined,
      },
    ];
  },
});
