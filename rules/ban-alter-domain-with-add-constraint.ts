import { as, constraintOf, names } from '../src/rules/ast.js';
import { parenAfter, quoteIdent, renderList, replaceStatement, stmtText } from '../src/rules/fixes.js';
import { createRule } from '../src/rules/create.js';

export default createRule({
  meta: {
    id: 'ban-alter-domain-with-add-constraint',
    description: 'ALTER DOMAIN … ADD CONSTRAINT checks every column of every table that uses the domain.',
    category: 'locking',
    nodes: ['AlterDomainStmt'],
    defaultSeverity: 'warning',
    escalateOnLargeTables: true,
    hazard:
      'Adding a constraint to a domain validates every stored value of every column of that domain, scanning ' +
      'each of those tables under a SHARE lock (no writes). Add it `NOT VALID` and `VALIDATE CONSTRAINT` later, ' +
      'or put CHECK constraints on the tables instead.',
    squawk: ['ban-alter-domain-with-add-constraint'],
    messages: { add: 'Adding constraint {name} to domain {domain} scans every table that uses the domain.' },
    examples: [
      {
        bad: "ALTER DOMAIN email ADD CONSTRAINT email_has_at CHECK (VALUE LIKE '%@%');",
        good:
          "ALTER DOMAIN email ADD CONSTRAINT email_has_at CHECK (VALUE LIKE '%@%') NOT VALID;\n" +
          '-- In a separate migration:\nALTER DOMAIN email VALIDATE CONSTRAINT email_has_at;',
      },
    ],
  },
  check(stmt) {
    const d = as(stmt.stmt.ast, 'AlterDomainStmt');
    const con = constraintOf(d?.def);
    if (!d || d.subtype !== 'C' || !con || con.skip_validation) return [];
    const domain = renderList(d.typeName);
    const name = con.conname ?? `${names(d.typeName).pop() ?? 'domain'}_check`;
    const expr = con.contype === 'CONSTR_CHECK' ? parenAfter(stmtText(stmt), ['CHECK']) : undefined;
    const fix =
      expr !== undefined && !stmt.stmt.nested
        ? replaceStatement(
            stmt,
            'Add the constraint NOT VALID, then validate it in a separate migration.',
            `ALTER DOMAIN ${domain} ADD CONSTRAINT ${quoteIdent(name)} CHECK (${expr}) NOT VALID;\n` +
              `-- In a separate migration:\nALTER DOMAIN ${domain} VALIDATE CONSTRAINT ${quoteIdent(name)};`,
          )
        : undefined;
    return [{ messageId: 'add', data: { name, domain }, fix }];
  },
});
