// Alembic migrations (alembic.op) to the SQL Alembic and SQLAlchemy's PostgreSQL dialect emit.
import { splitStatements } from '../sql/index.js';
import type { Node } from 'web-tree-sitter';
import type { Direction } from '../types.js';
import { shorten, TranslatorBase } from './base.js';
import type { ModelState } from './model.js';
import { bool, lastName, num, PyEvaluator, str, type PyArgs, type PyValue } from './python-values.js';
import { ident, literal, stripLineComments } from './sqltext.js';
import type { Translation } from './types.js';

interface Ctx {
  direction: Direction;
  /** Inside `with op.get_context().autocommit_block():`. */
  autocommit: boolean;
  /** Inside `with op.batch_alter_table(t) as batch_op:`: the table and the alias. */
  batch?: { table: string; alias: string };
}

export function translateAlembic(root: Node, source: string, state: ModelState, opts: { path: string }): Translation {
  void opts;
  return new AlembicTranslator(root, source, state).run();
}

type Call = Extract<PyValue, { kind: 'call' }>;

class AlembicTranslator extends TranslatorBase {
  private readonly py = new PyEvaluator();

  constructor(
    private readonly root: Node,
    source: string,
    private readonly state: ModelState,
  ) {
    super(source);
  }

  /** autocommit blocks: which statements they hold. */
  private readonly blocks: { node: Node; from: number; to: number; direction: Direction }[] = [];

  run(): Translation {
    this.py.collectConstants(this.root);
    this.functions();
    this.autocommitBoundaries();
    return this.out;
  }

  /**
   * autocommit_block() commits the migration transaction, runs its body in autocommit and
   * begins a new transaction. When the direction also has statements outside such blocks (the
   * file runs in a transaction), the COMMIT and BEGIN are written out so the body is reviewed
   * outside the transaction.
   */
  private autocommitBoundaries(): void {
    const inBlock = new Set<number>();
    for (const b of this.blocks) for (let i = b.from; i < b.to; i++) inBlock.add(i);
    const mixed = new Set(this.out.statements.filter((_, i) => !inBlock.has(i)).map((st) => st.direction));
    for (const b of [...this.blocks].reverse()) {
      if (!mixed.has(b.direction) || b.from === b.to) continue;
      const ctx = { direction: b.direction };
      const end = this.lines.span(b.node.endIndex, b.node.endIndex);
      const exempt = ['transaction-nesting', 'ban-uncommitted-transaction'];
      this.out.statements.splice(b.to, 0, { sql: 'BEGIN', span: end, direction: b.direction, op: 'autocommit_block', exempt });
      this.emit(b.node, 'autocommit_block', 'COMMIT', ctx);
      this.out.statements.splice(b.from, 0, { ...this.out.statements.pop()!, exempt });
    }
  }

  private functions(): void {
    for (const def of this.root.namedChildren) {
      const fn = def?.type === 'function_definition' ? def : def?.type === 'decorated_definition' ? def.childForFieldName('definition') : undefined;
      const name = fn?.childForFieldName('name')?.text;
      const body = fn?.childForFieldName('body');
      if (!body || (name !== 'upgrade' && name !== 'downgrade')) continue;
      this.block(body, { direction: name === 'upgrade' ? 'up' : 'down', autocommit: false });
    }
  }

  private block(body: Node, ctx: Ctx): void {
    for (const stmt of body.namedChildren) {
      if (!stmt || stmt.type === 'comment' || stmt.type === 'pass_statement') continue;
      if (stmt.type === 'try_statement') {
        // The try body is what runs; except branches handle a failure dbarch does not predict.
        const body = stmt.childForFieldName('body');
        if (body) this.block(body, ctx);
        continue;
      }
      if (stmt.type === 'with_statement') {
        this.withStatement(stmt, ctx);
        continue;
      }
      const expr = stmt.type === 'expression_statement' ? stmt.namedChildren[0] : undefined;
      if (expr?.type === 'call') {
        this.call(expr, ctx);
        continue;
      }
      if (expr?.type === 'string') continue; // docstring
      // `conn = op.get_bind()` only fetches the connection.
      if (expr?.type === 'assignment' && /^op\.get_(bind|context)\(\)$/.test(expr.childForFieldName('right')?.text ?? '')) continue;
      if (ctx.direction === 'up') this.notice(stmt, `not analysed: \`${shorten(stmt.text)}\` is Python code dbarch does not translate`);
    }
  }

  private withStatement(stmt: Node, ctx: Ctx): void {
    const items = stmt.descendantsOfType('with_item').filter((n): n is Node => !!n);
    const body = stmt.childForFieldName('body');
    const item = items[0];
    const value = item?.childForFieldName('value');
    const call = value?.type === 'as_pattern' ? value.namedChildren[0] : value;
    const alias = value?.type === 'as_pattern' ? value.childForFieldName('alias')?.text : undefined;
    const fn = call?.type === 'call' ? call.childForFieldName('function')?.text.replace(/\s+/g, '') : undefined;
    if (!body || !fn) {
      if (ctx.direction === 'up') this.notice(stmt, `not analysed: \`${shorten(stmt.text)}\` is Python code dbarch does not translate`);
      return;
    }
    if (/autocommit_block$/.test(fn)) {
      const from = this.out.statements.length;
      this.block(body, { ...ctx, autocommit: true });
      this.blocks.push({ node: stmt, from, to: this.out.statements.length, direction: ctx.direction });
      return;
    }
    if (/batch_alter_table$/.test(fn)) {
      const table = str(this.py.args(call!).positional[0] ?? this.py.args(call!).keywords.get('table_name'));
      if (!table || !alias) {
        if (ctx.direction === 'up') this.notice(stmt, 'not analysed: `batch_alter_table`: the table name is not literal');
        return;
      }
      return this.block(body, { ...ctx, batch: { table, alias } });
    }
    if (ctx.direction === 'up') this.notice(stmt, `not analysed: \`${shorten(stmt.text)}\` is Python code dbarch does not translate`);
  }

  private call(node: Node, ctx: Ctx): void {
    const fn = node.childForFieldName('function')?.text.replace(/\s+/g, '') ?? '';
    const owner = fn.slice(0, fn.lastIndexOf('.'));
    const verb = lastName(fn);
    if (owner !== 'op' && owner !== ctx.batch?.alias) {
      if (ctx.direction === 'up') this.notice(node, `not analysed: \`${shorten(node.text)}\` is Python code dbarch does not translate`);
      return;
    }
    const a = this.py.args(node);
    // batch_op calls take the table from the with block.
    const batch = owner === ctx.batch?.alias ? ctx.batch.table : undefined;
    const tableAt = TABLE_AT[verb];
    const pos = (i: number): PyValue | undefined => a.positional[batch && tableAt !== undefined && i > tableAt ? i - 1 : i];
    const arg = (key: string, i: number) => a.keywords.get(key) ?? pos(i);
    const tableArg = (key: string, i: number) => batch ?? str(arg(key, i));
    const fail = (what: string) => this.notice(node, `not analysed: \`${verb}\`: ${what}`);
    const emit = (sql: string, facts: Record<string, string> = {}) => this.emit(node, verb, sql, ctx, { text: node.text, options: Object.fromEntries(a.keywordText), facts: { ...facts, autocommit: ctx.autocommit ? 'yes' : '' } });
    switch (verb) {
      case 'create_table': {
        const table = str(a.positional[0] ?? a.keywords.get('table_name'));
        if (!table) return fail('the table name is not literal');
        const parts: string[] = [];
        const model: [string, string][] = [];
        const pks: string[] = [];
        for (const item of a.positional.slice(1)) {
          if (item.kind !== 'call') return fail(`\`${shorten(item.kind === 'other' ? item.text : '?')}\` is not a Column or constraint`);
          const kind = lastName(item.name);
          if (kind === 'Column') {
            const c = this.column(item);
            if ('error' in c) return fail(c.error);
            parts.push(c.sql);
            model.push([c.name, c.type]);
            if (c.pk) pks.push(c.name);
            continue;
          }
          const con = this.tableConstraint(item);
          if (con === undefined) return fail(`\`${kind}\` is not translated`);
          if (kind === 'PrimaryKeyConstraint') pks.push(...(item.args.positional.map(str).filter(Boolean) as string[]));
          parts.push(con);
        }
        // SQLAlchemy writes column-level primary keys as one table PRIMARY KEY clause.
        const hasPkClause = a.positional.some((i) => i.kind === 'call' && lastName(i.name) === 'PrimaryKeyConstraint');
        if (!hasPkClause && pks.length) parts.push(`PRIMARY KEY (${pks.map(ident).join(', ')})`);
        emit(`CREATE TABLE ${ident(table)} (${parts.join(', ')})`, { table });
        this.state.createTable(table, model, pks.length === 1 ? { column: pks[0]!, serial: true } : undefined);
        return;
      }
      case 'drop_table': {
        const table = tableArg('table_name', 0);
        if (!table) return fail('the table name is not literal');
        emit(`DROP TABLE ${ident(table)}`, { table });
        this.state.dropTable(table);
        return;
      }
      case 'rename_table': {
        const from = str(arg('old_table_name', 0));
        const to = str(arg('new_table_name', 1));
        if (!from || !to) return fail('the names are not literal');
        emit(`ALTER TABLE ${ident(from)} RENAME TO ${ident(to)}`, { table: from });
        this.state.renameTable(from, to);
        return;
      }
      case 'add_column': {
        const table = tableArg('table_name', 0);
        const col = arg('column', 1);
        if (!table || col?.kind !== 'call') return fail('the table or column is not literal');
        const c = this.column(col);
        if ('error' in c) return fail(c.error);
        emit(`ALTER TABLE ${ident(table)} ADD COLUMN ${c.sql}`, { table, column: c.name });
        this.state.addColumn(table, c.name, c.type);
        return;
      }
      case 'drop_column': {
        const table = tableArg('table_name', 0);
        const column = str(arg('column_name', 1));
        if (!table || !column) return fail('the table or column is not literal');
        emit(`ALTER TABLE ${ident(table)} DROP COLUMN ${ident(column)}`, { table, column });
        this.state.removeColumn(table, column);
        return;
      }
      case 'alter_column': {
        const table = tableArg('table_name', 0);
        const column = str(arg('column_name', 1));
        if (!table || !column) return fail('the table or column is not literal');
        const k = a.keywords;
        const parts: string[] = [];
        const q = ident(column);
        if (k.has('type_')) {
          const type = this.type(k.get('type_'));
          if (!type) return fail('the new type is not translated');
          const using = str(k.get('postgresql_using'));
          parts.push(`ALTER COLUMN ${q} TYPE ${type}${using ? ` USING ${using}` : ''}`);
          this.state.addColumn(table, column, type);
        }
        const nullable = bool(k.get('nullable'));
        if (nullable !== undefined) parts.push(`ALTER COLUMN ${q} ${nullable ? 'DROP' : 'SET'} NOT NULL`);
        if (k.has('server_default')) {
          const d = this.serverDefault(k.get('server_default'));
          if (d === undefined) return fail('the server default is not literal');
          parts.push(d === 'NULL' ? `ALTER COLUMN ${q} DROP DEFAULT` : `ALTER COLUMN ${q} SET DEFAULT ${d}`);
        }
        const statements = parts.map((p) => `ALTER TABLE ${ident(table)} ${p}`);
        const rename = str(k.get('new_column_name'));
        if (rename) {
          statements.push(`ALTER TABLE ${ident(table)} RENAME COLUMN ${q} TO ${ident(rename)}`);
          this.state.renameColumn(table, column, rename);
        }
        if (statements.length === 0) {
          if (ctx.direction === 'up') this.notice(node, `no SQL: \`alter_column\` of \`${table}.${column}\` changes nothing Alembic sends to PostgreSQL (only \`existing_*\` or a comment)`, 'orm-no-sql');
          return;
        }
        // Alembic sends one ALTER TABLE per change.
        for (const s of statements) emit(s, { table, column });
        return;
      }
      case 'create_index': {
        const name = str(arg('index_name', 0));
        const table = tableArg('table_name', 1);
        const cols = arg('columns', 2);
        if (!name || !table || cols?.kind !== 'list') return fail('the name, table or columns are not literal');
        const parts: string[] = [];
        const names: string[] = [];
        for (const c of cols.items) {
          const s = str(c);
          if (s) {
            parts.push(ident(s));
            names.push(s);
          } else if (c.kind === 'call' && lastName(c.name) === 'text' && str(c.args.positional[0])) parts.push(str(c.args.positional[0])!);
          else return fail('an index column is not literal');
        }
        const k = a.keywords;
        const concurrently = bool(k.get('postgresql_concurrently')) ? 'CONCURRENTLY ' : '';
        const unique = bool(k.get('unique')) ? 'UNIQUE ' : '';
        const using = str(k.get('postgresql_using'));
        let sql = `CREATE ${unique}INDEX ${concurrently}${bool(k.get('if_not_exists')) ? 'IF NOT EXISTS ' : ''}${ident(name)} ON ${ident(table)}${using ? ` USING ${using}` : ''} (${parts.join(', ')})`;
        const where = k.get('postgresql_where');
        if (where) {
          const w = str(where) ?? (where.kind === 'call' && lastName(where.name) === 'text' ? str(where.args.positional[0]) : undefined);
          if (!w) return fail('the index condition is not literal');
          sql += ` WHERE ${w}`;
        }
        emit(sql, { table, index: name });
        this.state.addIndex(table, name, names);
        return;
      }
      case 'drop_index': {
        const name = str(arg('index_name', 0));
        if (!name) return fail('the index name is not literal');
        const concurrently = bool(a.keywords.get('postgresql_concurrently')) ? 'CONCURRENTLY ' : '';
        const table = batch ?? str(arg('table_name', 1)) ?? this.state.indexTable(name) ?? '';
        emit(`DROP INDEX ${concurrently}${bool(a.keywords.get('if_exists')) ? 'IF EXISTS ' : ''}${ident(name)}`, { table, index: name });
        this.state.removeIndex(name);
        return;
      }
      case 'create_foreign_key': {
        const source = tableArg('source_table', 1);
        const nameArg = arg('constraint_name', 0);
        const referent = str(arg('referent_table', 2));
        const local = arg('local_cols', 3);
        const remote = arg('remote_cols', 4);
        const lc = local?.kind === 'list' ? local.items.map(str) : [];
        const rc = remote?.kind === 'list' ? remote.items.map(str) : [];
        if ((nameArg?.kind !== 'none' && !str(nameArg)) || !source || !referent || lc.length === 0 || lc.some((x) => !x) || rc.some((x) => !x)) return fail('the names or columns are not literal');
        // Without a name PostgreSQL names it <table>_<columns>_fkey.
        const name = str(nameArg) ?? `${source}_${(lc as string[]).join('_')}_fkey`;
        let sql = `ALTER TABLE ${ident(source)} ADD CONSTRAINT ${ident(name)} FOREIGN KEY (${(lc as string[]).map(ident).join(', ')}) REFERENCES ${ident(referent)} (${(rc as string[]).map(ident).join(', ')})`;
        sql += this.fkActions(a.keywords);
        if (bool(a.keywords.get('postgresql_not_valid'))) sql += ' NOT VALID';
        emit(sql, { table: source, constraint: name });
        return;
      }
      case 'create_unique_constraint':
      case 'create_primary_key': {
        const name = str(arg('constraint_name', 0));
        const table = tableArg('table_name', 1);
        const cols = arg('columns', 2);
        const names = cols?.kind === 'list' ? cols.items.map(str) : [];
        if (!name || !table || names.length === 0 || names.some((x) => !x)) return fail('the name, table or columns are not literal');
        const kind = verb === 'create_primary_key' ? 'PRIMARY KEY' : 'UNIQUE';
        emit(`ALTER TABLE ${ident(table)} ADD CONSTRAINT ${ident(name)} ${kind} (${(names as string[]).map(ident).join(', ')})`, { table, constraint: name });
        this.state.addIndex(table, name, names as string[]);
        return;
      }
      case 'create_check_constraint': {
        const name = str(arg('constraint_name', 0));
        const table = tableArg('table_name', 1);
        const cond = arg('condition', 2);
        const text = str(cond) ?? (cond?.kind === 'call' && lastName(cond.name) === 'text' ? str(cond.args.positional[0]) : undefined);
        if (!name || !table || !text) return fail('the name, table or condition is not literal');
        emit(`ALTER TABLE ${ident(table)} ADD CONSTRAINT ${ident(name)} CHECK (${text})${bool(a.keywords.get('postgresql_not_valid')) ? ' NOT VALID' : ''}`, { table, constraint: name });
        return;
      }
      case 'drop_constraint': {
        const name = str(arg('constraint_name', 0));
        const table = tableArg('table_name', 1);
        if (!name || !table) return fail('the name or table is not literal');
        emit(`ALTER TABLE ${ident(table)} DROP CONSTRAINT ${ident(name)}`, { table, constraint: name });
        this.state.removeIndex(name);
        return;
      }
      case 'execute': {
        const v = arg('sqltext', 0);
        const sql = str(v) ?? (v?.kind === 'call' && lastName(v.name) === 'text' ? str(v.args.positional[0]) : undefined);
        if (!sql) return fail('the SQL is not a literal string');
        for (const s of splitTopLevel(stripLineComments(sql))) emit(s);
        return;
      }
      case 'get_bind':
      case 'get_context':
        return;
      default:
        fail('this operation is not translated');
    }
  }

  private fkActions(k: Map<string, PyValue>): string {
    let sql = '';
    const onDelete = str(k.get('ondelete'));
    const onUpdate = str(k.get('onupdate'));
    if (onDelete) sql += ` ON DELETE ${onDelete.toUpperCase()}`;
    if (onUpdate) sql += ` ON UPDATE ${onUpdate.toUpperCase()}`;
    if (bool(k.get('deferrable'))) sql += ' DEFERRABLE';
    const initially = str(k.get('initially'));
    if (initially) sql += ` INITIALLY ${initially.toUpperCase()}`;
    return sql;
  }

  private column(c: Call): { name: string; sql: string; type: string; pk: boolean } | { error: string } {
    const name = str(c.args.positional[0] ?? c.args.keywords.get('name'));
    if (!name) return { error: 'the column name is not literal' };
    const typeArg = c.args.positional[1] ?? c.args.keywords.get('type_');
    const fks = c.args.positional.slice(1).filter((x): x is Call => x.kind === 'call' && lastName(x.name) === 'ForeignKey');
    let type = typeArg && !(typeArg.kind === 'call' && lastName(typeArg.name) === 'ForeignKey') ? this.type(typeArg) : fks.length ? 'integer' : undefined;
    if (!type) return { error: `the type of \`${name}\` is not translated` };
    const k = c.args.keywords;
    const pk = bool(k.get('primary_key')) === true;
    // SQLAlchemy makes a lone integer primary key SERIAL (autoincrement).
    if (pk && bool(k.get('autoincrement')) !== false && (type === 'integer' || type === 'bigint')) type = type === 'integer' ? 'serial' : 'bigserial';
    let sql = `${ident(name)} ${type}`;
    if (k.has('server_default')) {
      const d = this.serverDefault(k.get('server_default'));
      if (d === undefined) return { error: `the server default of \`${name}\` is not literal` };
      if (d !== 'NULL') sql += ` DEFAULT ${d}`;
    }
    const nullable = bool(k.get('nullable'));
    if (nullable === false || pk) sql += ' NOT NULL';
    if (bool(k.get('unique'))) sql += ' UNIQUE';
    for (const fk of fks) {
      const target = str(fk.args.positional[0]);
      if (!target || !target.includes('.')) return { error: `the foreign key of \`${name}\` is not literal` };
      const dot = target.lastIndexOf('.');
      sql += ` REFERENCES ${ident(target.slice(0, dot))} (${ident(target.slice(dot + 1))})${this.fkActions(fk.args.keywords)}`;
    }
    return { name, sql, type: type.replace(/^serial$/, 'integer').replace(/^bigserial$/, 'bigint'), pk };
  }

  private tableConstraint(c: Call): string | undefined {
    const kind = lastName(c.name);
    const cols = c.args.positional.map(str);
    const name = str(c.args.keywords.get('name'));
    const named = name ? `CONSTRAINT ${ident(name)} ` : '';
    if (kind === 'PrimaryKeyConstraint' || kind === 'UniqueConstraint') {
      if (cols.length === 0 || cols.some((x) => !x)) return undefined;
      return `${named}${kind === 'PrimaryKeyConstraint' ? 'PRIMARY KEY' : 'UNIQUE'} (${(cols as string[]).map(ident).join(', ')})`;
    }
    if (kind === 'ForeignKeyConstraint') {
      const local = c.args.positional[0];
      const remote = c.args.positional[1];
      const lc = local?.kind === 'list' ? local.items.map(str) : [];
      const rc = remote?.kind === 'list' ? remote.items.map(str) : [];
      if (lc.length === 0 || lc.some((x) => !x) || rc.length !== lc.length || rc.some((x) => !x || !x.includes('.'))) return undefined;
      const table = rc[0]!.slice(0, rc[0]!.lastIndexOf('.'));
      return `${named}FOREIGN KEY (${(lc as string[]).map(ident).join(', ')}) REFERENCES ${ident(table)} (${(rc as string[]).map((r) => ident(r.slice(r.lastIndexOf('.') + 1))).join(', ')})${this.fkActions(c.args.keywords)}`;
    }
    if (kind === 'CheckConstraint') {
      const text = str(c.args.positional[0]);
      return text ? `${named}CHECK (${text})` : undefined;
    }
    return undefined;
  }

  private serverDefault(v: PyValue | undefined): string | undefined {
    if (!v) return undefined;
    if (v.kind === 'none') return 'NULL';
    const s = str(v);
    if (s !== undefined) return literal(s);
    if (v.kind === 'call' && lastName(v.name) === 'text') return str(v.args.positional[0]);
    if (v.kind === 'call' && /^(sa\.)?func\./.test(v.name)) return `${lastName(v.name)}()`;
    // json.dumps of a literal: the JSON text as a string constant.
    if (v.kind === 'call' && v.name === 'json.dumps') {
      const x = v.args.positional[0];
      if (x?.kind === 'dict' && x.pairs.size === 0) return `'{}'`;
      if (x?.kind === 'list' && x.items.length === 0) return `'[]'`;
    }
    return undefined;
  }

  /** SQLAlchemy's PostgreSQL type names. */
  private type(v: PyValue | undefined): string | undefined {
    if (!v) return undefined;
    const call = v.kind === 'call' ? v : undefined;
    const nameRaw = v.kind === 'call' ? v.name : v.kind === 'name' ? v.name : undefined;
    if (!nameRaw) return undefined;
    const name = lastName(nameRaw);
    const args: PyArgs | undefined = call?.args;
    const n0 = num(args?.positional[0]) ?? num(args?.keywords.get('length'));
    switch (name.toLowerCase()) {
      case 'integer':
      case 'int':
        return 'integer';
      case 'biginteger':
      case 'bigint':
        return 'bigint';
      case 'smallinteger':
      case 'smallint':
        return 'smallint';
      case 'string':
      case 'unicode':
      case 'varchar':
        return n0 ? `varchar(${n0})` : 'varchar';
      case 'text':
      case 'unicodetext':
        return 'text';
      case 'boolean':
        return 'boolean';
      case 'datetime':
      case 'timestamp':
        return bool(args?.keywords.get('timezone')) ? 'timestamp with time zone' : 'timestamp without time zone';
      case 'date':
        return 'date';
      case 'time':
        return 'time without time zone';
      case 'interval':
        return 'interval';
      case 'float':
        return 'double precision';
      case 'numeric':
      case 'decimal': {
        const p = num(args?.positional[0]) ?? num(args?.keywords.get('precision'));
        const s = num(args?.positional[1]) ?? num(args?.keywords.get('scale'));
        return p ? `numeric(${p}${s ? `, ${s}` : ''})` : 'numeric';
      }
      case 'json':
        return 'json';
      case 'jsonb':
        return 'jsonb';
      case 'uuid':
        return 'uuid';
      case 'largebinary':
      case 'bytea':
        return 'bytea';
      case 'inet':
        return 'inet';
      case 'citext':
        return 'citext';
      case 'tsvectortype':
      case 'tsvector':
        return 'tsvector';
      case 'array': {
        const inner = this.type(args?.positional[0] ?? args?.keywords.get('item_type'));
        return inner ? `${inner}[]` : undefined;
      }
      case 'enum': {
        const enumName = str(args?.keywords.get('name'));
        return enumName ? ident(enumName) : undefined;
      }
      default:
        return undefined;
    }
  }
}

/** Where the table argument sits (a batch_op call leaves it out: the later ones move up). */
const TABLE_AT: Record<string, number> = {
  add_column: 0,
  drop_column: 0,
  alter_column: 0,
  create_index: 1,
  drop_index: 1,
  create_unique_constraint: 1,
  create_check_constraint: 1,
  create_primary_key: 1,
  drop_constraint: 1,
  create_foreign_key: 1,
};

/** Statements of an `op.execute` string, split by the SQL lexer (quotes, dollar quotes and comments respected). */
function splitTopLevel(sql: string): string[] {
  return splitStatements(sql, { scanner: false })
    .map((seg) => sql.slice(seg.start, seg.end).trim())
    .filter(Boolean);
}
