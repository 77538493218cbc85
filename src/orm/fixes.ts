// Safe rewrites written in the framework's own language, for findings on translated calls.
import type { Finding, Fix, Framework, Span } from '../types.js';
import type { TranslatedStatement } from './types.js';

/** `span`: what the suggestion replaces when it is not the flagged call (a whole Knex alterTable). */
type Rewrite = { code: string; description: string; replaces: boolean; span?: Span };

export function dslFix(framework: Framework, finding: Finding, stmt: TranslatedStatement, source: string): Fix | undefined {
  if (!finding.fix || !stmt.call) return undefined;
  const rewrite =
    framework === 'rails' ? railsRewrite(finding.rule, stmt, source)
    : framework === 'ecto' ? ectoRewrite(finding.rule, stmt, source)
    : framework === 'django' ? djangoRewrite(finding.rule, stmt, source)
    : framework === 'alembic' ? alembicRewrite(finding.rule, stmt)
    : framework === 'knex' ? knexRewrite(finding, stmt)
    : framework === 'sequelize' ? sequelizeRewrite(finding, stmt)
    : framework === 'liquibase' ? liquibaseRewrite(finding, stmt)
    : undefined;
  if (!rewrite) return undefined;
  const language = framework === 'rails' ? 'ruby' : framework === 'ecto' ? 'elixir' : framework === 'knex' || framework === 'sequelize' ? 'javascript' : framework === 'liquibase' ? (stmt.call.facts['format'] ?? 'xml') : 'python';
  const at = rewrite.span ?? stmt.span;
  const fix: Fix = { ...finding.fix, description: rewrite.description, dsl: { language, code: indentRest(rewrite.code, at.column - 1) } };
  if (rewrite.replaces) fix.replaces = { ...at };
  else delete fix.replaces;
  return fix;
}

function indentRest(code: string, column: number): string {
  const pad = ' '.repeat(column);
  return code
    .split('\n')
    .map((l, i) => (i === 0 || l === '' ? l : pad + l))
    .join('\n');
}

/** The call with `key: value` set (replaced when present, appended otherwise). */
export function withOption(text: string, options: Record<string, string>, key: string, value: string, sep = ': '): string {
  const current = options[key];
  if (current !== undefined) {
    const re = new RegExp(`(\\b${key}\\s*${sep.trim()}\\s*)${escapeRe(current)}`);
    if (re.test(text)) return text.replace(re, `$1${value}`);
  }
  const trimmed = text.trimEnd();
  if (trimmed.endsWith(')') && /^[\w.!?]+\(/.test(trimmed)) return `${trimmed.slice(0, -1)}, ${key}${sep}${value})`;
  return `${trimmed}, ${key}${sep}${value}`;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function hasRailsNoTransaction(source: string): boolean {
  return /^\s*disable_ddl_transaction!/m.test(source);
}

function railsRewrite(rule: string, stmt: TranslatedStatement, source: string): Rewrite | undefined {
  const call = stmt.call!;
  const { table, constraint, column, to } = call.facts;
  const outside = hasRailsNoTransaction(source) ? '' : ' and add `disable_ddl_transaction!` to the migration class (PostgreSQL refuses CONCURRENTLY inside the DDL transaction)';
  switch (rule) {
    case 'require-concurrent-index-creation': {
      if (stmt.op === 'add_reference' || stmt.op === 't.references' || stmt.op === 't.belongs_to' || stmt.op === 'add_belongs_to') {
        return { code: withOption(call.text, call.options, 'index', '{ algorithm: :concurrently }'), description: `Build the index concurrently${outside}`, replaces: true };
      }
      if (stmt.op !== 'add_index' && stmt.op !== 't.index') return undefined;
      return { code: withOption(call.text, call.options, 'algorithm', ':concurrently'), description: `Build the index concurrently: \`algorithm: :concurrently\`${outside}`, replaces: true };
    }
    case 'require-concurrent-index-deletion':
      if (stmt.op !== 'remove_index' && stmt.op !== 't.remove_index') return undefined;
      return { code: withOption(call.text, call.options, 'algorithm', ':concurrently'), description: `Drop the index concurrently: \`algorithm: :concurrently\`${outside}`, replaces: true };
    case 'ban-concurrent-index-creation-in-transaction':
    case 'non-transactional-statement-in-transaction':
      return { code: 'disable_ddl_transaction!', description: 'Add `disable_ddl_transaction!` to the migration class: Rails then runs this migration outside a transaction', replaces: false };
    case 'adding-foreign-key-constraint': {
      if (!table || !constraint) return undefined;
      const later = `validate_foreign_key :${table}, name: "${constraint}"`;
      if (stmt.op === 'add_foreign_key') {
        return { code: withOption(call.text, call.options, 'validate', 'false'), description: `Add the foreign key without validating existing rows (\`validate: false\`), then run \`${later}\` in a later migration`, replaces: true };
      }
      if (stmt.op === 'add_reference' || stmt.op === 't.references' || stmt.op === 't.belongs_to') {
        const fk = call.options['foreign_key'];
        const value = fk && fk.trim().startsWith('{') ? fk.replace(/\}\s*$/, ', validate: false }') : '{ validate: false }';
        return { code: withOption(call.text, call.options, 'foreign_key', value), description: `Add the foreign key as NOT VALID (\`foreign_key: { validate: false }\`), then run \`${later}\` in a later migration`, replaces: true };
      }
      return undefined;
    }
    case 'constraint-missing-not-valid': {
      if (stmt.op !== 'add_check_constraint' || !table || !constraint) return undefined;
      return { code: withOption(call.text, call.options, 'validate', 'false'), description: `Add the check without validating existing rows (\`validate: false\`), then run \`validate_check_constraint :${table}, name: "${constraint}"\` in a later migration`, replaces: true };
    }
    case 'adding-not-nullable-field': {
      if ((stmt.op !== 'change_column_null' && stmt.op !== 't.change_null') || !table || !column) return undefined;
      const name = `${table}_${column}_not_null`;
      const code = `add_check_constraint :${table}, "${column} IS NOT NULL", name: "${name}", validate: false`;
      const later = `validate_check_constraint :${table}, name: "${name}"; change_column_null :${table}, :${column}, false; remove_check_constraint :${table}, name: "${name}"`;
      return { code, description: `Add a NOT VALID check constraint first; in a later migration run \`${later}\` (SET NOT NULL then uses the validated check and skips the scan)`, replaces: true };
    }
    default:
      void to;
      return undefined;
  }
}

function ectoRewrite(rule: string, stmt: TranslatedStatement, source: string): Rewrite | undefined {
  const call = stmt.call!;
  const outside = /@disable_ddl_transaction\s+true/.test(source) ? '' : ' and set `@disable_ddl_transaction true` and `@disable_migration_lock true` in the module (PostgreSQL refuses CONCURRENTLY inside the migration transaction)';
  const { table, constraint, inner } = call.facts;
  // Options belong to the inner `index(...)` / `constraint(...)` call.
  const setOption = (key: string, value: string) => (inner ? call.text.replace(inner, withOption(inner, call.options, key, value)) : withOption(call.text, call.options, key, value));
  switch (rule) {
    case 'require-concurrent-index-creation':
    case 'require-concurrent-index-deletion': {
      if (!stmt.op.endsWith('index')) return undefined;
      return { code: setOption('concurrently', 'true'), description: `Build or drop the index concurrently: \`concurrently: true\`${outside}`, replaces: true };
    }
    case 'ban-concurrent-index-creation-in-transaction':
    case 'non-transactional-statement-in-transaction':
      return { code: '@disable_ddl_transaction true\n@disable_migration_lock true', description: 'Set `@disable_ddl_transaction true` (and `@disable_migration_lock true`) in the migration module', replaces: false };
    case 'adding-foreign-key-constraint':
      if (!constraint || !table) return undefined;
      if (stmt.op === 'add' && call.text.includes('references(')) {
        const ref = /references\(([^)]*)\)/.exec(call.text)!;
        return {
          code: call.text.replace(ref[0], `references(${ref[1]}, validate: false)`),
          description: `Add the foreign key as NOT VALID (\`validate: false\`), then run \`execute "ALTER TABLE ${table} VALIDATE CONSTRAINT ${constraint}"\` in a later migration`,
          replaces: true,
        };
      }
      return undefined;
    case 'constraint-missing-not-valid':
      if (stmt.op !== 'create constraint' || !table || !constraint) return undefined;
      return { code: setOption('validate', 'false'), description: `Create the check without validating existing rows (\`validate: false\`), then run \`execute "ALTER TABLE ${table} VALIDATE CONSTRAINT ${constraint}"\` in a later migration`, replaces: true };
    default:
      return undefined;
  }
}

/** The call's continuation lines without the call's own indentation (indentRest puts it back). */
function relative(text: string, column: number): string {
  const pad = new RegExp(`^ {0,${Math.max(0, column - 1)}}`);
  return text
    .split('\n')
    .map((l, i) => (i === 0 ? l : l.replace(pad, '')))
    .join('\n');
}

const CONCURRENT_IMPORT = '`from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently`';

function djangoRewrite(rule: string, stmt: TranslatedStatement, source: string): Rewrite | undefined {
  const call = stmt.call!;
  const text = relative(call.text, stmt.span.column);
  const atomic = source.includes('atomic') && /^[ \t]*atomic[ \t]*=[ \t]*False\b/m.test(source) ? '' : ' and set `atomic = False` on the Migration class (PostgreSQL refuses CONCURRENTLY inside the migration transaction)';
  const rename = (to: string) => text.replace(/^[\w.]*?\b(AddIndex|RemoveIndex|AddConstraint)\(/, `${to}(`);
  const { table, constraint } = call.facts;
  switch (rule) {
    case 'require-concurrent-index-creation':
      if (stmt.op !== 'AddIndex') return undefined;
      return { code: rename('AddIndexConcurrently'), description: `Build the index concurrently with \`AddIndexConcurrently\` (${CONCURRENT_IMPORT})${atomic}`, replaces: true };
    case 'require-concurrent-index-deletion':
      if (stmt.op !== 'RemoveIndex') return undefined;
      return { code: rename('RemoveIndexConcurrently'), description: `Drop the index concurrently with \`RemoveIndexConcurrently\` (${CONCURRENT_IMPORT})${atomic}`, replaces: true };
    case 'ban-concurrent-index-creation-in-transaction':
    case 'non-transactional-statement-in-transaction':
      return { code: 'atomic = False', description: 'Set `atomic = False` on the Migration class: Django then runs this migration outside a transaction', replaces: false };
    case 'constraint-missing-not-valid':
    case 'adding-foreign-key-constraint': {
      if (stmt.op !== 'AddConstraint' || !table || !constraint) return undefined;
      const model = /model_name\s*=\s*(['"][^'"]+['"])/.exec(call.text)?.[1] ?? '"…"';
      return {
        code: rename('AddConstraintNotValid'),
        description: `Add the constraint without validating existing rows with \`AddConstraintNotValid\` (\`from django.contrib.postgres.operations import AddConstraintNotValid, ValidateConstraint\`), then run \`ValidateConstraint(model_name=${model}, name="${constraint}")\` in a later migration`,
        replaces: true,
      };
    }
    default:
      return undefined;
  }
}

function alembicRewrite(rule: string, stmt: TranslatedStatement): Rewrite | undefined {
  const call = stmt.call!;
  // A trailing comma before `)` would follow the added keyword argument.
  const text = relative(call.text, stmt.span.column).replace(/,(\s*)\)$/, '$1)');
  const inBlock = call.facts['autocommit'] === 'yes';
  const wrap = (code: string) => (inBlock ? code : `with op.get_context().autocommit_block():\n${code.split('\n').map((l) => `    ${l}`).join('\n')}`);
  const outside = inBlock ? '' : ' inside `with op.get_context().autocommit_block():` (PostgreSQL refuses CONCURRENTLY inside the migration transaction)';
  const { table, constraint } = call.facts;
  switch (rule) {
    case 'require-concurrent-index-creation':
      if (stmt.op !== 'create_index') return undefined;
      return { code: wrap(withOption(text, call.options, 'postgresql_concurrently', 'True', '=')), description: `Build the index concurrently: \`postgresql_concurrently=True\`${outside}`, replaces: true };
    case 'require-concurrent-index-deletion':
      if (stmt.op !== 'drop_index') return undefined;
      return { code: wrap(withOption(text, call.options, 'postgresql_concurrently', 'True', '=')), description: `Drop the index concurrently: \`postgresql_concurrently=True\`${outside}`, replaces: true };
    case 'ban-concurrent-index-creation-in-transaction':
    case 'non-transactional-statement-in-transaction':
      return { code: wrap(text), description: 'Run this statement inside `with op.get_context().autocommit_block():`, outside the migration transaction', replaces: true };
    case 'constraint-missing-not-valid':
    case 'adding-foreign-key-constraint':
      if ((stmt.op !== 'create_check_constraint' && stmt.op !== 'create_foreign_key') || !table || !constraint) return undefined;
      return {
        code: withOption(text, call.options, 'postgresql_not_valid', 'True', '='),
        description: `Add the constraint without validating existing rows (\`postgresql_not_valid=True\`, SQLAlchemy 2.0), then run \`op.execute('ALTER TABLE ${table} VALIDATE CONSTRAINT ${constraint}')\` in a later migration`,
        replaces: true,
      };
    default:
      return undefined;
  }
}

/** A JavaScript string literal of `text`. */
function jsString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * The statements of the rule's SQL fix: the first is what replaces the flagged one, the rest
 * (after "-- In a separate migration") belong to a later migration.
 */
function sqlSteps(fix: Fix | undefined): { now: string[]; later: string[] } {
  const now: string[] = [];
  const later: string[] = [];
  let target = now;
  for (const raw of (fix?.sql ?? '').split('\n')) {
    const line = raw.trim();
    if (line.startsWith('--')) {
      if (/separate migration|later migration/i.test(line)) target = later;
      continue;
    }
    if (line === '') continue;
    const last = target.at(-1);
    if (last !== undefined && !last.endsWith(';')) target[target.length - 1] = `${last} ${line}`;
    else target.push(line);
  }
  const clean = (xs: string[]) => xs.map((x) => x.replace(/;$/, ''));
  return { now: clean(now), later: clean(later) };
}

function knexRewrite(finding: Finding, stmt: TranslatedStatement): Rewrite | undefined {
  const call = stmt.call!;
  const { knex = 'knex', notx, config, outerSpan, raw } = call.facts;
  const outside = notx === 'yes' ? '' : ` and add \`${config}\` to the module (Knex then runs this migration outside a transaction; PostgreSQL refuses CONCURRENTLY inside one)`;
  const steps = sqlSteps(finding.fix);
  const rawCall = (sql: string) => `${knex}.raw(${jsString(sql)})`;
  // A builder line inside a schema callback: the raw call replaces the whole schema call when the
  // callback holds only this line, otherwise it is advice (a raw call inside the callback never runs).
  const place = (code: string, description: string): Rewrite => {
    if (raw === 'yes') return { code, description, replaces: true };
    if (outerSpan) return { code, description, replaces: true, span: JSON.parse(outerSpan) as Span };
    return { code, description: `${description}; move it out of the schema callback, after it`, replaces: false };
  };
  switch (finding.rule) {
    case 'require-concurrent-index-creation':
    case 'require-concurrent-index-deletion': {
      if (steps.now.length !== 1) return undefined;
      const verb = finding.rule.endsWith('creation') ? 'Build' : 'Drop';
      return place(rawCall(steps.now[0]!), `${verb} the index concurrently with \`${knex}.raw\` (Knex's schema builder has no CONCURRENTLY)${outside}`);
    }
    case 'ban-concurrent-index-creation-in-transaction':
    case 'non-transactional-statement-in-transaction':
      return { code: config ?? 'exports.config = { transaction: false };', description: `Add \`${config}\` to the migration module: Knex then runs it outside a transaction`, replaces: false };
    case 'adding-foreign-key-constraint':
    case 'constraint-missing-not-valid':
    case 'adding-not-nullable-field': {
      if (steps.now.length !== 1) return undefined;
      const later = steps.later.map((l) => `\`${rawCall(l)}\``).join(', then ');
      const description = `Add the constraint without validating existing rows (Knex's builder cannot write NOT VALID)${later ? `; in a later migration run ${later}` : ''}`;
      // SET NOT NULL from `.alter()` comes with the other ALTER COLUMN statements of that line: advice only.
      if (finding.rule === 'adding-not-nullable-field' && stmt.op === 'column') return { code: rawCall(steps.now[0]!), description: `${description}; keep \`.alter()\` without \`.notNullable()\``, replaces: false };
      return place(rawCall(steps.now[0]!), description);
    }
    default:
      return undefined;
  }
}

/** `{ a: 1 }` with `key: value` added first. */
function withEntry(objectText: string, entry: string): string {
  const inner = objectText.slice(1, -1).trim();
  return inner === '' ? `{ ${entry} }` : `{ ${entry}, ${objectText.slice(1).replace(/^\s*/, '')}`;
}

function withoutEntry(objectText: string, entry: string): string {
  const at = objectText.indexOf(entry);
  if (at < 0) return objectText;
  let end = at + entry.length;
  let start = at;
  const after = /^\s*,\s*/.exec(objectText.slice(end));
  if (after) end += after[0].length;
  else {
    const before = /,\s*$/.exec(objectText.slice(0, start));
    if (before) start -= before[0].length;
  }
  return objectText.slice(0, start) + objectText.slice(end);
}

function sequelizeRewrite(finding: Finding, stmt: TranslatedStatement): Rewrite | undefined {
  const call = stmt.call!;
  const { qi = 'queryInterface', optionsText, transactionEntry, inTransaction, raw } = call.facts;
  const steps = sqlSteps(finding.fix);
  const setOption = (entry: string) => {
    let text = call.text;
    if (optionsText && text.includes(optionsText)) return text.replace(optionsText, withEntry(optionsText, entry));
    text = text.trimEnd();
    return `${text.slice(0, -1).replace(/,?\s*$/, '')}, { ${entry} })`;
  };
  const txNote = inTransaction === 'yes' || transactionEntry ? ' and call it after the `sequelize.transaction(…)` block, without its `transaction` option (PostgreSQL refuses CONCURRENTLY inside a transaction)' : '';
  const query = (sql: string) => `${qi}.sequelize.query(${jsString(sql)})`;
  switch (finding.rule) {
    case 'require-concurrent-index-creation':
      if (raw === 'yes' && steps.now.length === 1) return { code: query(steps.now[0]!), description: 'Build the index concurrently (Sequelize runs migrations outside a transaction unless the code opens one)', replaces: true };
      if (stmt.op !== 'addIndex') return undefined;
      return { code: setOption('concurrently: true'), description: `Build the index concurrently: \`concurrently: true\`${txNote}`, replaces: !txNote };
    case 'require-concurrent-index-deletion':
      if (raw === 'yes' && steps.now.length === 1) return { code: query(steps.now[0]!), description: 'Drop the index concurrently', replaces: true };
      if (stmt.op !== 'removeIndex') return undefined;
      return { code: setOption('concurrently: true'), description: `Drop the index concurrently: \`concurrently: true\`${txNote}`, replaces: !txNote };
    case 'ban-concurrent-index-creation-in-transaction':
    case 'non-transactional-statement-in-transaction': {
      const code = transactionEntry && optionsText ? call.text.replace(optionsText, withoutEntry(optionsText, transactionEntry)) : call.text;
      return {
        code,
        description: 'Run this call outside the transaction: move it after the `sequelize.transaction(…)` block and drop its `transaction` option (inside the block, a call on another connection would wait for the transaction\'s own locks)',
        replaces: false,
      };
    }
    case 'adding-foreign-key-constraint':
    case 'constraint-missing-not-valid':
    case 'adding-not-nullable-field': {
      if (steps.now.length !== 1) return undefined;
      const later = steps.later.map((l) => `\`${query(l)}\``).join(', then ');
      const description = `Add the constraint without validating existing rows (\`addConstraint\` cannot write NOT VALID)${later ? `; in a later migration run ${later}` : ''}`;
      if (finding.rule === 'adding-not-nullable-field') return { code: query(steps.now[0]!), description: `${description}; keep \`changeColumn\` with \`allowNull: true\` until then`, replaces: false };
      if (stmt.op !== 'addConstraint' && raw !== 'yes') return undefined;
      return { code: query(steps.now[0]!), description, replaces: true };
    }
    default:
      return undefined;
  }
}

type ChangelogFormat = 'xml' | 'yaml' | 'json';

/** A Liquibase `sql` change in the changelog's own format. */
export function liquibaseSqlChange(format: ChangelogFormat, sql: string): string {
  const one = sql.replace(/\s*;\s*$/, '');
  if (format === 'xml') return `<sql splitStatements="false">${one.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</sql>`;
  if (format === 'json') return `"sql": { "sql": ${JSON.stringify(one)}, "splitStatements": false }`;
  return `sql:\n  sql: ${JSON.stringify(one)}\n  splitStatements: false`;
}

/** The change with one attribute set (XML attribute, YAML key, JSON member). */
function setAttribute(format: ChangelogFormat, text: string, key: string, value: string): string | undefined {
  if (format === 'xml') {
    const existing = new RegExp(`(\\s${key}\\s*=\\s*)(["'])[^"']*\\2`);
    if (existing.test(text)) return text.replace(existing, `$1$2${value}$2`);
    // The start tag ends at the first `>` outside quotes.
    let quote = '';
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (quote) {
        if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '>') {
        const at = text[i - 1] === '/' ? i - 1 : i;
        return `${text.slice(0, at).trimEnd()} ${key}="${value}"${text.slice(at)}`;
      }
    }
    return undefined;
  }
  if (format === 'json') {
    const existing = new RegExp(`("${key}"\\s*:\\s*)("[^"]*"|true|false)`);
    if (existing.test(text)) return text.replace(existing, `$1${value}`);
    const brace = text.indexOf('{');
    return brace < 0 ? undefined : `${text.slice(0, brace + 1)} "${key}": ${value},${text.slice(brace + 1)}`;
  }
  const lines = text.split('\n');
  const at = lines.findIndex((l, i) => i > 0 && new RegExp(`^\\s*${key}\\s*:`).test(l));
  if (at > 0) {
    lines[at] = lines[at]!.replace(/:.*$/, `: ${value}`);
    return lines.join('\n');
  }
  const indent = /^\s*/.exec(lines[1] ?? '')![0] || '  ';
  lines.splice(1, 0, `${indent}${key}: ${value}`);
  return lines.join('\n');
}

function liquibaseRewrite(finding: Finding, stmt: TranslatedStatement): Rewrite | undefined {
  const call = stmt.call!;
  if (call.facts['format'] === 'sql') return formattedSqlRewrite(finding, stmt);
  const format = (call.facts['format'] ?? 'xml') as ChangelogFormat;
  const text = relative(call.text, stmt.span.column);
  const { table, constraint, column } = call.facts;
  const noTx = call.facts['runInTransaction'] === 'false';
  const switchOff = format === 'xml' ? 'runInTransaction="false"' : format === 'json' ? '"runInTransaction": false' : 'runInTransaction: false';
  const ownChangeSet = noTx ? '' : ` in a changeset of its own with \`${switchOff}\` (PostgreSQL refuses CONCURRENTLY inside the changeset's transaction)`;
  const later = (sql: string) => `a \`sql\` change in a later changeset: \`${sql}\``;
  switch (finding.rule) {
    case 'require-concurrent-index-creation':
      if (stmt.op !== 'createIndex') return undefined;
      return {
        code: liquibaseSqlChange(format, stmt.sql.replace(/^CREATE (UNIQUE )?INDEX /, 'CREATE $1INDEX CONCURRENTLY ')),
        description: `Liquibase's \`createIndex\` has no concurrent option: build the index with a \`sql\` change${ownChangeSet}`,
        replaces: true,
      };
    case 'require-concurrent-index-deletion':
      if (stmt.op !== 'dropIndex') return undefined;
      return { code: liquibaseSqlChange(format, stmt.sql.replace(/^DROP INDEX /, 'DROP INDEX CONCURRENTLY ')), description: `Drop the index with a \`sql\` change${ownChangeSet}`, replaces: true };
    case 'ban-concurrent-index-creation-in-transaction':
    case 'non-transactional-statement-in-transaction':
      return { code: switchOff, description: `Set \`${switchOff}\` on the changeset (Liquibase then runs it outside a transaction; keep the statement alone in its changeset)`, replaces: false };
    case 'adding-foreign-key-constraint': {
      if (stmt.op !== 'addForeignKeyConstraint' || !table || !constraint) return undefined;
      const code = setAttribute(format, text, 'validate', format === 'xml' ? 'false' : 'false');
      if (!code) return undefined;
      return { code, description: `Add the foreign key without validating existing rows (\`validate: false\`, Liquibase 4.19+, NOT VALID), then run ${later(`ALTER TABLE ${table} VALIDATE CONSTRAINT ${constraint}`)}`, replaces: true };
    }
    case 'adding-not-nullable-field': {
      if (stmt.op !== 'addNotNullConstraint' || !table || !column) return undefined;
      const name = `${table}_${column}_not_null`;
      const check = `ALTER TABLE ${table} ADD CONSTRAINT ${name} CHECK (${column} IS NOT NULL) NOT VALID`;
      return {
        code: liquibaseSqlChange(format, check),
        description: `Add a NOT VALID check constraint first; in a later changeset run \`ALTER TABLE ${table} VALIDATE CONSTRAINT ${name}\`, then this \`addNotNullConstraint\` (SET NOT NULL then uses the validated check and skips the scan) and drop the check`,
        replaces: true,
      };
    }
    default:
      // A statement of a `sql` change alone on its line: the SQL fix replaces it there.
      if ((stmt.op === 'sql' || stmt.op === 'rollback') && finding.fix?.sql && stmt.span.line === stmt.span.endLine && singleLineStatement(call.text, stmt)) {
        return { code: finding.fix.sql, description: finding.fix.description, replaces: true };
      }
      return undefined;
  }
}

/** Formatted SQL changelogs are SQL: the SQL fix is the fix; the transaction switch is on the `--changeset` line. */
function formattedSqlRewrite(finding: Finding, stmt: TranslatedStatement): Rewrite | undefined {
  const facts = stmt.call!.facts;
  const changeset = facts['changesetLine'] ? ` (line ${facts['changesetLine']})` : '';
  if (finding.rule === 'ban-concurrent-index-creation-in-transaction' || finding.rule === 'non-transactional-statement-in-transaction') {
    return { code: 'runInTransaction:false', description: `Add \`runInTransaction:false\` to the changeset's \`--changeset\` line${changeset} (Liquibase then runs it outside a transaction; keep the statement alone in its changeset)`, replaces: false };
  }
  const sql = finding.fix?.sql;
  if (!sql || facts['alone'] !== 'true') return undefined;
  const ownChangeSet = /\bCONCURRENTLY\b/i.test(sql) && facts['runInTransaction'] !== 'false' ? ` Put it in a changeset of its own with \`runInTransaction:false\` on its \`--changeset\` line: PostgreSQL refuses CONCURRENTLY inside the changeset's transaction.` : '';
  return { code: sql, description: `${finding.fix!.description}${ownChangeSet}`, replaces: true };
}

function singleLineStatement(text: string, stmt: TranslatedStatement): boolean {
  return text.split('\n').some((l) => l.trim().replace(/;$/, '').replace(/\s+/g, ' ') === stmt.sql.replace(/\s+/g, ' '));
}
