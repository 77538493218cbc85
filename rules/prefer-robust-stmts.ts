import { alterTable, as, columnDef } from '../src/rules/ast.js';
import { codeTokens, findWords, insertAfterToken, replaceStatement, stmtText } from '../src/rules/fixes.js';
import { createRule } from '../src/rules/create.js';

// The keywords after which IF [NOT] EXISTS goes, per statement (PostgreSQL's tokens, not patterns).
const DROP_WORDS: Record<string, string[]> = {
  OBJECT_TABLE: ['TABLE'],
  OBJECT_INDEX: ['INDEX'],
  OBJECT_VIEW: ['VIEW'],
  OBJECT_MATVIEW: ['MATERIALIZED', 'VIEW'],
  OBJECT_SEQUENCE: ['SEQUENCE'],
  OBJECT_TYPE: ['TYPE'],
  OBJECT_FUNCTION: ['FUNCTION'],
  OBJECT_SCHEMA: ['SCHEMA'],
};

/** `text` with `clause` after `words` (and a CONCURRENTLY right after them). */
function withClause(text: string, words: string[], clause: string): string | undefined {
  const tokens = codeTokens(text);
  const at = tokens ? findWords(tokens, words) : -1;
  if (at < 0) return undefined;
  let last = at + words.length - 1;
  if (findWords(tokens!, ['CONCURRENTLY'], last + 1) === last + 1) last++;
  return insertAfterToken(text, tokens![last]!, clause);
}

/** `ADD [COLUMN]` / `DROP [COLUMN]` of a one-command ALTER TABLE, spelled out with the clause. */
function columnClause(text: string, verb: 'ADD' | 'DROP', clause: string): string | undefined {
  const tokens = codeTokens(text);
  // the verb after ALTER TABLE [IF EXISTS] [ONLY] name: the first one past the relation name
  const at = tokens ? findWords(tokens, [verb], 3) : -1;
  if (at < 0) return undefined;
  const last = findWords(tokens!, ['COLUMN'], at + 1) === at + 1 ? at + 1 : at;
  return `${text.slice(0, tokens![at]!.start)}${verb} COLUMN ${clause}${text.slice(tokens![last]!.end)}`;
}

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
        fixed = columnClause(stmtText(stmt), 'ADD', 'IF NOT EXISTS');
      }
      if (cmd.subtype === 'AT_DropColumn' && !cmd.missing_ok) {
        exists = 'EXISTS';
        fixed = columnClause(stmtText(stmt), 'DROP', 'IF EXISTS');
      }
    }
    if (!exists) return [];
    if (fixed === undefined && !at) {
      const words = create ? ['TABLE'] : index ? ['INDEX'] : drop?.removeType ? DROP_WORDS[drop.removeType] : undefined;
      if (words) fixed = withClause(stmtText(stmt), words, `IF ${exists}`);
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
