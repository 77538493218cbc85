// Rails migrations (ActiveRecord DSL) to the SQL the PostgreSQL adapter runs.
import type { Node } from 'web-tree-sitter';
import type { Direction } from '../types.js';
import { shorten, TranslatorBase } from './base.js';
import type { ModelState } from './model.js';
import { callArgs, HeredocIndex, nameOf, namesOf, rubyLiteral, rubyValue, truthy, type CallArgs, type RValue } from './ruby-values.js';
import { toJson, toSqlLiteral } from './values.js';
import { ident, literal, pluralize, sha1Hex, sha256Hex, singularize, stripLineComments } from './sqltext.js';
import type { DslCall, OrmNotice, Translation } from './types.js';

export interface RailsOptions {
  /** Reads another file of the checkout (Scenic view definitions under db/views). */
  readFile?: (path: string) => string | undefined;
  path: string;
}

/** Calls that only wrap other calls: their block is walked. */
const WRAPPERS = new Set(['say_with_time', 'suppress_messages', 'transaction', 'with_lock_retries', 'silence', 'benchmark']);
/** Calls that change nothing in the schema. */
const NO_SCHEMA = new Set(['say', 'puts', 'print', 'p', 'pp', 'raise', 'fail', 'require', 'require_relative', 'disable_ddl_transaction!', 'reset_column_information', 'sleep', 'return', 'next', 'commit_db_transaction']);
/** Embedded SQL is extracted by src/migrations (same positions). */
const EXECUTE = new Set(['execute', 'exec_query', 'exec_update', 'exec_delete', 'exec_insert']);
/** Calls that read the database and decide nothing about the schema. */
const QUERY = new Set(['select_value', 'select_values', 'select_all', 'select_rows', 'select_one', 'table_exists?', 'column_exists?', 'index_exists?', 'foreign_key_exists?', 'check_constraint_exists?', 'index_name_exists?', 'view_exists?', 'extension_enabled?']);
/** Nodes that hold no migration calls: not walked (a squashed schema heredoc is one big string). */
const LEAVES = new Set(['string', 'heredoc_body', 'heredoc_beginning', 'comment', 'simple_symbol', 'constant', 'integer', 'float', 'string_array', 'symbol_array', 'hash', 'array', 'pair', 'argument_list', 'chained_string', 'regex']);
const STATEMENT_PARENTS = new Set(['body_statement', 'block_body', 'do_block', 'block', 'then', 'else', 'begin', 'program', 'method', 'singleton_method', 'ensure', 'rescue']);

interface Ctx {
  direction: Direction;
  /** Inside `def change`: Rails also derives the rollback, which is not reviewed. */
  migration: boolean;
  dirVar?: string;
  table?: TableCtx;
}

interface TableCtx {
  name: string;
  varName: string;
  create?: CreateTable;
}

interface CreateTable {
  columns: string[];
  constraints: string[];
  after: { sql: string; node: Node; op: string; call: DslCall }[];
  model: [string, string][];
  indexes: { name: string; columns: string[] }[];
}

export function translateRails(root: Node, source: string, state: ModelState, opts: RailsOptions): Translation {
  return new RailsTranslator(root, source, state, opts).run();
}

class RailsTranslator extends TranslatorBase {
  private readonly heredocs: HeredocIndex;
  /** Migration version from `ActiveRecord::Migration[7.1]`: datetime precision and index names depend on it. */
  private version = 7.1;

  constructor(
    private readonly root: Node,
    source: string,
    private readonly state: ModelState,
    private readonly opts: RailsOptions,
  ) {
    super(source);
    this.heredocs = new HeredocIndex(root, source);
    this.heredocs.collectConstants(root, source);
  }

  run(): Translation {
    const version = /ActiveRecord::Migration\[(\d+\.\d+)\]/.exec(this.source);
    if (version) this.version = Number(version[1]);
    this.visit(this.root, { direction: 'up', migration: false });
    return this.out;
  }

  private visit(node: Node, ctx: Ctx): void {
    if (node.type === 'method' || node.type === 'singleton_method') {
      const name = node.childForFieldName('name')?.text;
      if (name === 'up' || name === 'change' || name === 'down') {
        const body = node.childForFieldName('body');
        if (body) this.visitChildren(body, { direction: name === 'down' ? 'down' : 'up', migration: true });
      }
      // Helper methods run only where they are called, and such a call is reported there.
      return;
    }
    if (node.type === 'call' || (node.type === 'identifier' && ctx.migration && STATEMENT_PARENTS.has(node.parent?.type ?? ''))) {
      this.call(node, ctx);
      return;
    }
    this.visitChildren(node, ctx);
  }

  private visitChildren(node: Node, ctx: Ctx): void {
    // A cursor reads each child's type without building a node object for the leaves.
    const cursor = node.walk();
    try {
      if (!cursor.gotoFirstChild()) return;
      do {
        if (cursor.nodeIsNamed && !LEAVES.has(cursor.nodeType)) this.visit(cursor.currentNode, ctx);
      } while (cursor.gotoNextSibling());
    } finally {
      cursor.delete();
    }
  }

  private visitBlock(call: Node, ctx: Ctx): void {
    const block = call.childForFieldName('block');
    if (block) this.visitChildren(block, ctx);
  }

  private blockParam(call: Node): string | undefined {
    const params = call.childForFieldName('block')?.childForFieldName('parameters');
    return params?.namedChildren.find((n) => n?.type === 'identifier')?.text;
  }

  private call(node: Node, ctx: Ctx): void {
    const isIdent = node.type === 'identifier';
    const method = isIdent ? node.text : node.childForFieldName('method')?.text;
    const receiver = isIdent ? null : node.childForFieldName('receiver');
    if (!method) return this.visitChildren(node, ctx);
    const atStatement = ctx.migration && STATEMENT_PARENTS.has(node.parent?.type ?? '');

    if (!receiver) {
      if (method === 'reversible') return this.visitBlock(node, { ...ctx, dirVar: this.blockParam(node) });
      if (method === 'up_only') return this.visitBlock(node, { ...ctx, direction: 'up' });
      if (method === 'safety_assured') {
        this.out.ignores.push({ span: this.span(node), directive: 'safety_assured' });
        return this.visitBlock(node, ctx);
      }
      if (WRAPPERS.has(method)) return this.visitBlock(node, ctx);
      if (EXECUTE.has(method)) {
        this.out.embeddedSql = true;
        return;
      }
      if (NO_SCHEMA.has(method) || QUERY.has(method)) return;
      if (!ctx.migration) return;
      const args = callArgs(node, this.heredocs);
      if (args.splat) return this.notice(node, `not analysed: \`${method}\` is called with arguments only known at run time`);
      if (this.operation(node, method, args, ctx)) return;
      if (atStatement) this.notice(node, `not analysed: \`${method}\` is not a schema operation dbarch translates`);
      return;
    }

    const recv = receiver.text;
    // `[:a, :b].each do |table| … end` runs its block once per element.
    if ((method === 'each' || method === 'each_with_index') && ctx.migration) {
      const list = rubyValue(receiver, this.heredocs);
      const param = this.blockParam(node);
      if (list.kind === 'arr' && param) {
        for (const item of list.items) {
          this.heredocs.locals.set(param, item);
          this.visitBlock(node, ctx);
        }
        this.heredocs.locals.delete(param);
        return;
      }
    }
    if (ctx.dirVar && recv === ctx.dirVar && (method === 'up' || method === 'down')) {
      return this.visitBlock(node, { ...ctx, direction: method });
    }
    if (ctx.table && recv === ctx.table.varName) {
      const args = callArgs(node, this.heredocs);
      if (args.splat) return this.notice(node, `not analysed: \`${recv}.${method}\` is called with arguments only known at run time`);
      if (!this.tableOperation(node, method, args, ctx, ctx.table)) this.notice(node, `not analysed: \`${recv}.${method}\` is not a table operation dbarch translates`);
      return;
    }
    if (EXECUTE.has(method)) {
      this.out.embeddedSql = true;
      return;
    }
    if (QUERY.has(method) || NO_SCHEMA.has(method)) return;
    if (recv === 'connection' || recv === 'ActiveRecord::Base.connection') {
      const args = callArgs(node, this.heredocs);
      if (ctx.migration && this.operation(node, method, args, ctx)) return;
    }
    if (atStatement) {
      this.notice(node, `not analysed: \`${shorten(node.text)}\` runs Ruby code (a data change or a helper) that dbarch does not translate`);
      return;
    }
    this.visitChildren(node, ctx);
  }

  private dslCall(node: Node, args: CallArgs, facts: Record<string, string>): DslCall {
    return { text: node.text, options: Object.fromEntries(args.optionText), facts };
  }

  // ------------------------------------------------------------ types and columns

  private columnType(type: string, o: Map<string, RValue>): string | undefined {
    const limit = nameOf(o.get('limit')) ?? numOf(o.get('limit'));
    const precision = o.has('precision') ? (o.get('precision')!.kind === 'nil' ? null : numOf(o.get('precision'))) : undefined;
    const scale = numOf(o.get('scale'));
    let sql: string | undefined;
    switch (type) {
      case 'string':
        sql = limit ? `character varying(${limit})` : 'character varying';
        break;
      case 'text':
        sql = 'text';
        break;
      case 'integer':
        sql = limit === '8' ? 'bigint' : limit === '2' || limit === '1' ? 'smallint' : 'integer';
        break;
      case 'bigint':
      case 'primary_key':
        sql = 'bigint';
        break;
      case 'float':
        sql = 'double precision';
        break;
      case 'decimal':
      case 'numeric':
        sql = precision ? `numeric(${precision}${scale ? `,${scale}` : ''})` : 'numeric';
        break;
      case 'datetime':
      case 'timestamp': {
        // Since 7.0 only :datetime defaults to precision 6; :timestamp keeps PostgreSQL's default.
        const p = precision === undefined ? (this.version >= 7 && type === 'datetime' ? '6' : undefined) : precision;
        sql = p ? `timestamp(${p}) without time zone` : 'timestamp without time zone';
        break;
      }
      case 'timestamptz': {
        const p = precision === undefined ? (this.version >= 7 ? '6' : undefined) : precision;
        sql = p ? `timestamp(${p}) with time zone` : 'timestamp with time zone';
        break;
      }
      case 'time':
        sql = precision ? `time(${precision}) without time zone` : 'time without time zone';
        break;
      case 'binary':
        sql = 'bytea';
        break;
      case 'enum': {
        const enumType = nameOf(o.get('enum_type'));
        sql = enumType ? ident(enumType) : undefined;
        break;
      }
      case 'bit':
        sql = limit ? `bit(${limit})` : 'bit';
        break;
      case 'bit_varying':
        sql = limit ? `bit varying(${limit})` : 'bit varying';
        break;
      default:
        // Rails passes a type it does not know through as written (enum types, domains).
        sql = SIMPLE_TYPES.has(type) || /^[a-z_][a-z0-9_]*$/.test(type) ? type : undefined;
    }
    if (sql && truthy(o.get('array'))) sql += '[]';
    return sql;
  }

  private defaultSql(v: RValue | undefined, sqlType?: string): string | undefined {
    if (!v) return undefined;
    // Rails casts the default through the column type: JSON for json/jsonb, BigDecimal for decimals.
    if (sqlType && /^jsonb?$/.test(sqlType) && (v.kind === 'arr' || v.kind === 'hash')) {
      const json = toJson(v, rubyLiteral);
      if (json !== undefined) return literal(json);
    }
    if (sqlType?.startsWith('numeric') && v.kind === 'num' && /^-?\d+$/.test(v.value)) return `${v.value}.0`;
    const scalar = toSqlLiteral(v, rubyLiteral);
    if (scalar !== undefined) return scalar;
    switch (v.kind) {
      case 'lambda':
        return v.body && (v.body.kind === 'str' || v.body.kind === 'sym') ? v.body.value : undefined;
      case 'arr': {
        const items = v.items.map((i) => (i.kind === 'str' || i.kind === 'sym' ? `"${i.value}"` : i.kind === 'num' ? i.value : undefined));
        return items.every((i) => i !== undefined) ? literal(`{${items.join(',')}}`) : undefined;
      }
      case 'hash':
        return v.pairs.size === 0 ? literal('{}') : undefined;
      default:
        return undefined;
    }
  }

  /** `"name" type DEFAULT x NOT NULL`, or why not. */
  private columnDef(name: string, type: string, o: Map<string, RValue>): { sql: string; sqlType: string } | { error: string } {
    if (type === 'virtual') {
      const as = o.get('as');
      const real = nameOf(o.get('type'));
      const sqlType = real ? this.columnType(real, o) : undefined;
      if (!sqlType || as?.kind !== 'str') return { error: `virtual column \`${name}\` without a known type and expression` };
      return { sql: `${ident(name)} ${sqlType} GENERATED ALWAYS AS (${as.value}) STORED`, sqlType };
    }
    const sqlType = this.columnType(type, o);
    if (!sqlType) return { error: `column type \`${type}\`` };
    let sql = `${ident(name)} ${sqlType}`;
    const collation = nameOf(o.get('collation'));
    if (collation) sql += ` COLLATE ${ident(collation)}`;
    if (o.has('default')) {
      const d = this.defaultSql(o.get('default'), sqlType);
      if (d === undefined) return { error: `the default of \`${name}\`` };
      if (d !== 'NULL') sql += ` DEFAULT ${d}`;
    }
    const nul = o.get('null');
    if (nul?.kind === 'bool' && !nul.value) sql += ' NOT NULL';
    if (type === 'primary_key') sql += ' PRIMARY KEY';
    return { sql, sqlType };
  }

  private indexName(table: string, columns: string[]): string {
    const name = `index_${table}_on_${columns.join('_and_')}`;
    if (Buffer.byteLength(name) <= 62 || this.version < 7.1) return name;
    const hashed = `_${sha256Hex(name, 10)}`;
    const short = `idx_on_${columns.join('_')}`;
    return short.slice(0, 62 - hashed.length) + hashed;
  }

  private fkName(table: string, columns: string[]): string {
    return `fk_rails_${sha256Hex(`${table}_${columns.join('_and_')}_fk`, 10)}`;
  }

  // ------------------------------------------------------------ indexes

  /** CREATE INDEX for `add_index` / `t.index`; `columns` are names or one expression. */
  private indexSql(table: string, colValue: RValue | undefined, o: Map<string, RValue>): { sql: string; name: string; columns: string[] } | { error: string } {
    let columns = namesOf(colValue);
    if (!columns) return { error: 'index columns' };
    // A string with non-word characters is an expression; Rails names it after its words.
    const expression = columns.length === 1 && colValue?.kind === 'str' && /\W/.test(columns[0]!);
    const name = nameOf(o.get('name')) ?? this.indexName(table, expression ? [columns[0]!.match(/\w+/g)!.join('_')] : columns);
    const orders = o.get('order');
    const opclass = o.get('opclass');
    const parts = expression
      ? [columns[0]!]
      : columns.map((c) => {
          let part = ident(c);
          const oc = opclass?.kind === 'hash' ? nameOf(opclass.pairs.get(c)) : nameOf(opclass);
          if (oc) part += ` ${oc}`;
          const ord = orders?.kind === 'hash' ? nameOf(orders.pairs.get(c)) : nameOf(orders);
          if (ord) part += ` ${ord.toUpperCase()}`;
          return part;
        });
    if (expression) columns = [];
    let sql = `CREATE ${truthy(o.get('unique')) ? 'UNIQUE ' : ''}INDEX `;
    if (nameOf(o.get('algorithm')) === 'concurrently') sql += 'CONCURRENTLY ';
    if (truthy(o.get('if_not_exists'))) sql += 'IF NOT EXISTS ';
    sql += `${ident(name)} ON ${ident(table)}`;
    const using = nameOf(o.get('using'));
    if (using) sql += ` USING ${using}`;
    sql += ` (${parts.join(', ')})`;
    const include = namesOf(o.get('include'));
    if (include) sql += ` INCLUDE (${include.map(ident).join(', ')})`;
    if (truthy(o.get('nulls_not_distinct'))) sql += ' NULLS NOT DISTINCT';
    const where = o.get('where');
    if (where) {
      if (where.kind !== 'str' || where.interpolated) return { error: 'the index `where:` condition' };
      sql += ` WHERE ${where.value}`;
    }
    return { sql, name, columns };
  }

  private removeIndexSql(table: string, args: CallArgs): { sql: string; name: string } | { error: string } {
    const o = args.options;
    let name = nameOf(o.get('name'));
    if (!name) {
      const cols = namesOf(args.positional[1] ?? o.get('column'));
      if (!cols) return { error: 'which index to remove' };
      const wanted = cols.join(',');
      const t = this.state.table(table);
      name = [...(t?.indexes ?? [])].find(([, idx]) => idx.columns.join(',') === wanted)?.[0] ?? this.indexName(table, cols);
    }
    let sql = 'DROP INDEX ';
    if (nameOf(o.get('algorithm')) === 'concurrently') sql += 'CONCURRENTLY ';
    if (truthy(o.get('if_exists'))) sql += 'IF EXISTS ';
    return { sql: sql + ident(name), name };
  }

  // ------------------------------------------------------------ references and keys

  private fkSql(table: string, toTable: string, o: Map<string, RValue>, column?: string): { sql: string; name: string; column: string } {
    const cols = namesOf(o.get('column')) ?? [column ?? `${singularize(toTable.split('.').pop()!)}_id`];
    const col = cols.join('_and_');
    const name = nameOf(o.get('name')) ?? this.fkName(table, cols);
    const pk = namesOf(o.get('primary_key')) ?? ['id'];
    let sql = `ALTER TABLE ${ident(table)} ADD CONSTRAINT ${ident(name)} FOREIGN KEY (${cols.map(ident).join(', ')}) REFERENCES ${ident(toTable)} (${pk.map(ident).join(', ')})`;
    sql += refAction('DELETE', nameOf(o.get('on_delete')));
    sql += refAction('UPDATE', nameOf(o.get('on_update')));
    const deferrable = nameOf(o.get('deferrable'));
    if (deferrable === 'immediate') sql += ' DEFERRABLE INITIALLY IMMEDIATE';
    else if (deferrable === 'deferred' || truthy(o.get('deferrable'))) sql += deferrable === undefined || deferrable === 'deferred' ? ' DEFERRABLE INITIALLY DEFERRED' : '';
    const validate = o.get('validate');
    if (validate?.kind === 'bool' && !validate.value) sql += ' NOT VALID';
    return { sql, name, column: col };
  }

  /** The constraint name `validate_foreign_key` / `remove_foreign_key` mean. */
  private fkNameFor(table: string, args: CallArgs): string | undefined {
    const o = args.options;
    const named = nameOf(o.get('name'));
    if (named) return named;
    const column = nameOf(o.get('column'));
    const to = nameOf(args.positional[1]) ?? nameOf(o.get('to_table'));
    const col = column ?? (to ? `${singularize(to.split('.').pop()!)}_id` : undefined);
    return col ? this.fkName(table, [col]) : undefined;
  }

  /** Columns, index and key of `t.references` / `add_reference`. */
  private reference(table: string, refName: string, o: Map<string, RValue>): { columns: { name: string; def: string; type: string }[]; index?: { o: Map<string, RValue>; columns: string[] }; fk?: Map<string, RValue>; error?: string } {
    const type = nameOf(o.get('type')) ?? 'bigint';
    const col = `${refName}_id`;
    const colOpts = new Map(o);
    for (const k of ['index', 'foreign_key', 'polymorphic', 'type']) colOpts.delete(k);
    const def = this.columnDef(col, type, colOpts);
    if ('error' in def) return { columns: [], error: def.error };
    const columns = [{ name: col, def: def.sql, type: def.sqlType }];
    const polymorphic = truthy(o.get('polymorphic'));
    if (polymorphic) {
      const typeOpts = new Map<string, RValue>();
      if (o.has('null')) typeOpts.set('null', o.get('null')!);
      const poly = o.get('polymorphic');
      if (poly?.kind === 'hash') for (const [k, v] of poly.pairs) typeOpts.set(k, v);
      const t = this.columnDef(`${refName}_type`, 'string', typeOpts);
      if (!('error' in t)) columns.push({ name: `${refName}_type`, def: t.sql, type: t.sqlType });
    }
    const result: ReturnType<RailsTranslator['reference']> = { columns };
    const index = o.get('index');
    if (!index || truthy(index)) {
      const idxCols = polymorphic ? [`${refName}_type`, col] : [col];
      const io = new Map(index?.kind === 'hash' ? index.pairs : []);
      // Rails names a polymorphic reference's index after the reference.
      if (polymorphic && !io.has('name')) io.set('name', { kind: 'str', value: `index_${table}_on_${refName}`, interpolated: false });
      result.index = { o: io, columns: idxCols };
    }
    const fk = o.get('foreign_key');
    if (truthy(fk)) {
      const fo = fk?.kind === 'hash' ? new Map(fk.pairs) : new Map<string, RValue>();
      if (!fo.has('to_table')) fo.set('to_table', { kind: 'sym', value: pluralize(refName) });
      result.fk = fo;
    }
    return result;
  }

  // ------------------------------------------------------------ top-level operations

  /** Returns false when `method` is not a schema operation. */
  private operation(node: Node, method: string, args: CallArgs, ctx: Ctx): boolean {
    const p = args.positional;
    const o = args.options;
    const table = nameOf(p[0]);
    const fail = (what: string) => this.notice(node, `not analysed: \`${method}\`: ${what} is not known statically`);
    const call = (facts: Record<string, string>) => this.dslCall(node, args, facts);
    switch (method) {
      case 'create_table':
      case 'create_join_table':
        if (method === 'create_join_table') {
          const a = nameOf(p[0]);
          const b = nameOf(p[1]);
          if (!a || !b) return fail('the table names'), true;
          return this.createTable(node, nameOf(o.get('table_name')) ?? [a, b].sort().join('_'), args, ctx, [a, b]), true;
        }
        if (!table) return fail('the table name'), true;
        this.createTable(node, table, args, ctx);
        return true;
      case 'change_table': {
        if (!table) return fail('the table name'), true;
        const varName = this.blockParam(node);
        if (!varName) return fail('the block'), true;
        this.visitBlock(node, { ...ctx, table: { name: table, varName } });
        return true;
      }
      case 'drop_table':
      case 'drop_join_table': {
        const names = method === 'drop_join_table' ? [[nameOf(p[0]), nameOf(p[1])].sort().join('_')] : p.map(nameOf);
        if (names.some((n) => !n)) return fail('the table name'), true;
        let sql = `DROP TABLE ${truthy(o.get('if_exists')) ? 'IF EXISTS ' : ''}${names.map((n) => ident(n!)).join(', ')}`;
        if (nameOf(o.get('force')) === 'cascade') sql += ' CASCADE';
        this.emit(node, method, sql, ctx, call({ table: names[0]! }));
        for (const n of names) this.state.dropTable(n!);
        return true;
      }
      case 'rename_table': {
        const to = nameOf(p[1]);
        if (!table || !to) return fail('the table names'), true;
        this.emit(node, method, `ALTER TABLE ${ident(table)} RENAME TO ${ident(to)}`, ctx, call({ table, to }));
        const t = this.state.table(table);
        if (t?.serialKey) {
          this.emit(node, method, `ALTER TABLE ${ident(`${table}_${t.serialKey}_seq`)} RENAME TO ${ident(`${to}_${t.serialKey}_seq`)}`, ctx);
        }
        if (t?.hasPrimaryKey) this.emit(node, method, `ALTER INDEX ${ident(`${table}_pkey`)} RENAME TO ${ident(`${to}_pkey`)}`, ctx);
        if (t) {
          for (const [name, idx] of [...t.indexes]) {
            if (name !== this.indexName(table, idx.columns)) continue;
            const renamed = this.indexName(to, idx.columns);
            this.emit(node, method, `ALTER INDEX ${ident(name)} RENAME TO ${ident(renamed)}`, ctx);
            t.indexes.delete(name);
            t.indexes.set(renamed, idx);
          }
        }
        this.state.renameTable(table, to);
        return true;
      }
      case 'add_column': {
        const column = nameOf(p[1]);
        const type = nameOf(p[2]);
        if (!table || !column || !type) return fail('the column'), true;
        const def = this.columnDef(column, type, o);
        if ('error' in def) return fail(def.error), true;
        this.emit(node, method, `ALTER TABLE ${ident(table)} ADD COLUMN ${truthy(o.get('if_not_exists')) ? 'IF NOT EXISTS ' : ''}${def.sql}`, ctx, call({ table, column }));
        this.comment(node, table, column, o, ctx);
        this.state.addColumn(table, column, def.sqlType);
        return true;
      }
      case 'remove_column':
      case 'remove_columns': {
        const cols = (method === 'remove_column' ? [p[1]] : p.slice(1)).map(nameOf);
        if (!table || cols.length === 0 || cols.some((c) => !c)) return fail('the column'), true;
        const ifExists = truthy(o.get('if_exists')) ? 'IF EXISTS ' : '';
        this.emit(node, method, `ALTER TABLE ${ident(table)} ${cols.map((c) => `DROP COLUMN ${ifExists}${ident(c!)}`).join(', ')}`, ctx, call({ table, column: cols[0]! }));
        for (const c of cols) this.state.removeColumn(table, c!);
        return true;
      }
      case 'change_column': {
        const column = nameOf(p[1]);
        const type = nameOf(p[2]);
        if (!table || !column || !type) return fail('the column'), true;
        const sqlType = this.columnType(type, o);
        if (!sqlType) return fail(`column type \`${type}\``), true;
        let alter = `ALTER COLUMN ${ident(column)} TYPE ${sqlType}`;
        const using = o.get('using');
        if (using?.kind === 'str') alter += ` USING ${using.value}`;
        const parts = [alter];
        if (o.has('default')) {
          const d = this.defaultSql(o.get('default'), sqlType);
          parts.push(d === undefined || d === 'NULL' ? `ALTER COLUMN ${ident(column)} DROP DEFAULT` : `ALTER COLUMN ${ident(column)} SET DEFAULT ${d}`);
        }
        const nul = o.get('null');
        if (nul?.kind === 'bool') parts.push(`ALTER COLUMN ${ident(column)} ${nul.value ? 'DROP' : 'SET'} NOT NULL`);
        this.emit(node, method, `ALTER TABLE ${ident(table)} ${parts.join(', ')}`, ctx, call({ table, column, type: sqlType }));
        this.state.addColumn(table, column, sqlType);
        return true;
      }
      case 'change_column_null': {
        const column = nameOf(p[1]);
        const nul = p[2];
        if (!table || !column || nul?.kind !== 'bool') return fail('the column or null flag'), true;
        if (p[3] !== undefined && !nul.value) {
          const d = this.defaultSql(p[3]);
          if (d === undefined) return fail('the replacement value'), true;
          this.emit(node, method, `UPDATE ${ident(table)} SET ${ident(column)} = ${d} WHERE ${ident(column)} IS NULL`, ctx);
        }
        this.emit(node, method, `ALTER TABLE ${ident(table)} ALTER COLUMN ${ident(column)} ${nul.value ? 'DROP' : 'SET'} NOT NULL`, ctx, call({ table, column, null: String(nul.value) }));
        return true;
      }
      case 'change_column_default': {
        const column = nameOf(p[1]);
        // `from: x, to: y` arrives as keyword options.
        const given = p[2] ?? (o.has('to') ? { kind: 'hash' as const, pairs: o } : undefined);
        if (!table || !column || given === undefined) return fail('the column or default'), true;
        let value: RValue = given;
        if (value.kind === 'hash' && value.pairs.has('to')) value = value.pairs.get('to')!;
        // The model knows the column's type from earlier migrations (JSON and decimal defaults).
        const d = this.defaultSql(value, this.state.columnType(table, column));
        if (d === undefined) return fail('the default'), true;
        this.emit(node, method, `ALTER TABLE ${ident(table)} ALTER COLUMN ${ident(column)} ${d === 'NULL' ? 'DROP DEFAULT' : `SET DEFAULT ${d}`}`, ctx, call({ table, column }));
        return true;
      }
      case 'rename_column': {
        const from = nameOf(p[1]);
        const to = nameOf(p[2]);
        if (!table || !from || !to) return fail('the column names'), true;
        this.emit(node, method, `ALTER TABLE ${ident(table)} RENAME COLUMN ${ident(from)} TO ${ident(to)}`, ctx, call({ table, column: from, to }));
        const t = this.state.table(table);
        this.state.renameColumn(table, from, to);
        // Rails renames the indexes it named after the old column.
        if (t) {
          for (const [name, idx] of [...t.indexes]) {
            if (!idx.columns.includes(to)) continue;
            const old = this.indexName(table, idx.columns.map((c) => (c === to ? from : c)));
            if (name !== old) continue;
            const renamed = this.indexName(table, idx.columns);
            this.emit(node, method, `ALTER INDEX ${ident(name)} RENAME TO ${ident(renamed)}`, ctx);
            this.state.renameIndex(name, renamed);
          }
        }
        return true;
      }
      case 'add_index': {
        if (!table) return fail('the table name'), true;
        const idx = this.indexSql(table, p[1], o);
        if ('error' in idx) return fail(idx.error), true;
        this.emit(node, method, idx.sql, ctx, call({ table, index: idx.name }));
        this.state.addIndex(table, idx.name, idx.columns);
        return true;
      }
      case 'remove_index': {
        // `remove_index name: :x` has no table: Rails raises ArgumentError before any SQL is sent.
        if (p.length === 0) return this.notice(node, `not analysed: \`remove_index\` without a table raises ArgumentError in Rails (the table is its first argument), so this ${ctx.direction === 'down' ? 'rollback' : 'migration'} fails before it drops the index`), true;
        if (!table) return fail('the table name'), true;
        const r = this.removeIndexSql(table, args);
        if ('error' in r) return fail(r.error), true;
        this.emit(node, method, r.sql, ctx, call({ table, index: r.name }));
        this.state.removeIndex(r.name);
        return true;
      }
      case 'rename_index': {
        const from = nameOf(p[1]);
        const to = nameOf(p[2]);
        if (!from || !to) return fail('the index names'), true;
        this.emit(node, method, `ALTER INDEX ${ident(from)} RENAME TO ${ident(to)}`, ctx, call({ index: from }));
        this.state.renameIndex(from, to);
        return true;
      }
      case 'add_reference':
      case 'add_belongs_to': {
        const ref = nameOf(p[1]);
        if (!table || !ref) return fail('the reference'), true;
        const r = this.reference(table, ref, o);
        if (r.error) return fail(r.error), true;
        this.emit(node, method, `ALTER TABLE ${ident(table)} ${r.columns.map((c) => `ADD COLUMN ${c.def}`).join(', ')}`, ctx, call({ table, column: r.columns[0]!.name }));
        for (const c of r.columns) this.state.addColumn(table, c.name, c.type);
        if (r.index) {
          const idx = this.indexSql(table, { kind: 'arr', items: r.index.columns.map((c) => ({ kind: 'sym', value: c })) }, r.index.o);
          if (!('error' in idx)) {
            this.emit(node, method, idx.sql, ctx, call({ table, index: idx.name }));
            this.state.addIndex(table, idx.name, idx.columns);
          }
        }
        if (r.fk) {
          const fk = this.fkSql(table, nameOf(r.fk.get('to_table'))!, r.fk, r.columns[0]!.name);
          this.emit(node, method, fk.sql, ctx, call({ table, constraint: fk.name, to: nameOf(r.fk.get('to_table'))! }));
        }
        return true;
      }
      case 'remove_reference':
      case 'remove_belongs_to': {
        const ref = nameOf(p[1]);
        if (!table || !ref) return fail('the reference'), true;
        if (truthy(o.get('foreign_key'))) {
          this.emit(node, method, `ALTER TABLE ${ident(table)} DROP CONSTRAINT ${ident(this.fkName(table, [`${ref}_id`]))}`, ctx);
        }
        const cols = [`${ref}_id`, ...(truthy(o.get('polymorphic')) ? [`${ref}_type`] : [])];
        this.emit(node, method, `ALTER TABLE ${ident(table)} ${cols.map((c) => `DROP COLUMN ${ident(c)}`).join(', ')}`, ctx, call({ table, column: cols[0]! }));
        for (const c of cols) this.state.removeColumn(table, c);
        return true;
      }
      case 'add_foreign_key': {
        const to = nameOf(p[1]);
        if (!table || !to) return fail('the tables'), true;
        const fk = this.fkSql(table, to, o);
        this.emit(node, method, fk.sql, ctx, call({ table, constraint: fk.name, to, column: fk.column }));
        return true;
      }
      case 'validate_foreign_key':
      case 'remove_foreign_key': {
        const name = table ? this.fkNameFor(table, args) : undefined;
        if (!table || !name) return fail('the constraint'), true;
        const verb = method === 'validate_foreign_key' ? 'VALIDATE CONSTRAINT' : `DROP CONSTRAINT${truthy(o.get('if_exists')) ? ' IF EXISTS' : ''}`;
        this.emit(node, method, `ALTER TABLE ${ident(table)} ${verb} ${ident(name)}`, ctx, call({ table, constraint: name }));
        return true;
      }
      case 'add_check_constraint': {
        const expr = p[1];
        if (!table || expr?.kind !== 'str' || expr.interpolated) return fail('the check expression'), true;
        const name = nameOf(o.get('name')) ?? `chk_rails_${sha256Hex(`${table}_${expr.value}_chk`, 10)}`;
        const validate = o.get('validate');
        const notValid = validate?.kind === 'bool' && !validate.value ? ' NOT VALID' : '';
        this.emit(node, method, `ALTER TABLE ${ident(table)} ADD CONSTRAINT ${ident(name)} CHECK (${expr.value})${notValid}`, ctx, call({ table, constraint: name, expression: expr.value }));
        return true;
      }
      case 'validate_check_constraint':
      case 'remove_check_constraint': {
        const expr = p[1];
        const name = nameOf(o.get('name')) ?? (expr?.kind === 'str' && table ? `chk_rails_${sha256Hex(`${table}_${expr.value}_chk`, 10)}` : undefined);
        if (!table || !name) return fail('the constraint'), true;
        const verb = method === 'validate_check_constraint' ? 'VALIDATE CONSTRAINT' : `DROP CONSTRAINT${truthy(o.get('if_exists')) ? ' IF EXISTS' : ''}`;
        this.emit(node, method, `ALTER TABLE ${ident(table)} ${verb} ${ident(name)}`, ctx, call({ table, constraint: name }));
        return true;
      }
      case 'add_timestamps':
      case 'remove_timestamps': {
        if (!table) return fail('the table name'), true;
        if (method === 'remove_timestamps') {
          this.emit(node, method, `ALTER TABLE ${ident(table)} DROP COLUMN "created_at", DROP COLUMN "updated_at"`, ctx, call({ table }));
          return true;
        }
        const to = new Map(o);
        if (!to.has('null')) to.set('null', { kind: 'bool', value: false });
        const defs = ['created_at', 'updated_at'].map((c) => this.columnDef(c, 'datetime', to));
        if (defs.some((d) => 'error' in d)) return fail('the timestamps'), true;
        this.emit(node, method, `ALTER TABLE ${ident(table)} ${defs.map((d) => `ADD COLUMN ${(d as { sql: string }).sql}`).join(', ')}`, ctx, call({ table }));
        return true;
      }
      case 'enable_extension':
      case 'disable_extension': {
        if (!table) return fail('the extension'), true;
        this.emit(node, method, method === 'enable_extension' ? `CREATE EXTENSION IF NOT EXISTS ${ident(table)}` : `DROP EXTENSION IF EXISTS ${ident(table)} CASCADE`, ctx);
        return true;
      }
      case 'create_enum': {
        const values = namesOf(p[1]);
        if (!table || !values) return fail('the enum values'), true;
        this.emit(node, method, `CREATE TYPE ${ident(table)} AS ENUM (${values.map(literal).join(', ')})`, ctx);
        return true;
      }
      case 'drop_enum':
        if (!table) return fail('the enum'), true;
        this.emit(node, method, `DROP TYPE ${truthy(o.get('if_exists')) ? 'IF EXISTS ' : ''}${ident(table)}`, ctx);
        return true;
      case 'add_enum_value': {
        const value = nameOf(p[1]);
        if (!table || !value) return fail('the enum value'), true;
        let sql = `ALTER TYPE ${ident(table)} ADD VALUE ${truthy(o.get('if_not_exists')) ? 'IF NOT EXISTS ' : ''}${literal(value)}`;
        const before = nameOf(o.get('before'));
        const after = nameOf(o.get('after'));
        if (before) sql += ` BEFORE ${literal(before)}`;
        else if (after) sql += ` AFTER ${literal(after)}`;
        this.emit(node, method, sql, ctx);
        return true;
      }
      case 'rename_enum_value': {
        const from = nameOf(o.get('from'));
        const to = nameOf(o.get('to'));
        if (!table || !from || !to) return fail('the enum values'), true;
        this.emit(node, method, `ALTER TYPE ${ident(table)} RENAME VALUE ${literal(from)} TO ${literal(to)}`, ctx);
        return true;
      }
      case 'rename_enum': {
        const to = nameOf(p[1]) ?? nameOf(o.get('to'));
        if (!table || !to) return fail('the enum names'), true;
        this.emit(node, method, `ALTER TYPE ${ident(table)} RENAME TO ${ident(to)}`, ctx);
        return true;
      }
      case 'change_table_comment':
      case 'change_column_comment': {
        const isTable = method === 'change_table_comment';
        const column = isTable ? undefined : nameOf(p[1]);
        let value: RValue | undefined = p[isTable ? 1 : 2];
        if (value?.kind === 'hash' && value.pairs.has('to')) value = value.pairs.get('to');
        const text = value?.kind === 'nil' ? 'NULL' : value?.kind === 'str' ? literal(value.value) : undefined;
        if (!table || text === undefined || (!isTable && !column)) return fail('the comment'), true;
        this.emit(node, method, isTable ? `COMMENT ON TABLE ${ident(table)} IS ${text}` : `COMMENT ON COLUMN ${ident(table)}.${ident(column!)} IS ${text}`, ctx);
        return true;
      }
      case 'create_view':
      case 'update_view':
      case 'replace_view':
      case 'drop_view':
        return this.scenicView(node, method, args, ctx), true;
      default:
        return false;
    }
  }

  private comment(node: Node, table: string, column: string, o: Map<string, RValue>, ctx: Ctx): void {
    const c = o.get('comment');
    if (c?.kind === 'str') this.emit(node, 'comment', `COMMENT ON COLUMN ${ident(table)}.${ident(column)} IS ${literal(c.value)}`, ctx);
  }

  /**
   * Scenic (scenic gem, PostgreSQL adapter): `create_view :name, version: 2` runs
   * `CREATE VIEW "name" AS <db/views/name_v02.sql>`; `update_view` drops the view and creates
   * it again (materialized: DROP + CREATE, or with `side_by_side` CREATE under a temporary name,
   * DROP, RENAME); `replace_view` is `CREATE OR REPLACE VIEW`. `sql_definition:` gives the body
   * inline. When the body's file is not among the files given, the statements that do not need
   * it are still reviewed and the body is reported as not analysed, naming the file.
   */
  private scenicView(node: Node, method: string, args: CallArgs, ctx: Ctx): void {
    const name = nameOf(args.positional[0]);
    const o = args.options;
    const mat = o.get('materialized');
    const materialized = truthy(mat);
    const matOpt = (key: string) => (mat?.kind === 'hash' ? truthy(mat.pairs.get(key)) : false);
    const kind = materialized ? 'MATERIALIZED VIEW' : 'VIEW';
    if (!name) return this.notice(node, `not analysed: \`${method}\`: the view name is not known statically`);
    const view = ident(name);
    if (method === 'drop_view') {
      this.emit(node, method, `DROP ${kind} ${view}`, ctx);
      return;
    }
    // Scenic reads the body before it runs anything: create_view defaults to version 1, the
    // others need a version (or sql_definition).
    const sqlDef = o.get('sql_definition');
    const version = numOf(o.get('version')) ?? (sqlDef || method !== 'create_view' ? undefined : '1');
    let body: string | undefined;
    let missing: string;
    if (sqlDef) {
      body = sqlDef.kind === 'str' && !sqlDef.interpolated ? sqlDef.value : undefined;
      missing = 'its `sql_definition:` is only known at run time';
    } else if (version) {
      const root = this.opts.path.includes('db/migrate/') ? this.opts.path.slice(0, this.opts.path.indexOf('db/migrate/')) : '';
      const file = `${root}db/views/${name}_v${version.padStart(2, '0')}.sql`;
      body = this.opts.readFile?.(file);
      missing = `its SQL is in ${file}, which is not among the files dbarch was given`;
    } else {
      missing = 'the version is not known statically';
    }
    const query = body === undefined ? undefined : stripLineComments(body).trim().replace(/;\s*$/, '');
    const noData = matOpt('no_data') ? ' WITH NO DATA' : '';
    const create = (target: string, prefix = 'CREATE') => {
      if (query !== undefined) this.emit(node, method, `${prefix} ${kind} ${target} AS ${query}${noData}`, ctx);
    };
    if (method === 'update_view' && materialized && matOpt('side_by_side')) {
      // The temporary name is random (`_scenic_sbs_<sha1>`); the indexes are copied to it at run time.
      const temp = ident(`_scenic_sbs_${sha1Hex(name)}`);
      create(temp);
      this.emit(node, method, `DROP MATERIALIZED VIEW ${view}`, ctx);
      if (query !== undefined) this.emit(node, method, `ALTER MATERIALIZED VIEW ${temp} RENAME TO ${view}`, ctx);
    } else if (method === 'update_view') {
      this.emit(node, method, `DROP ${kind} ${view}`, ctx);
      create(view);
    } else {
      create(view, method === 'replace_view' ? 'CREATE OR REPLACE' : 'CREATE');
    }
    if (query === undefined) {
      const ran = method === 'update_view' ? ` (its \`DROP ${kind}\` is reviewed)` : '';
      this.notice(node, `not analysed: the body of Scenic \`${method} :${name}\`${ran}: ${missing}`);
    }
  }

  private createTable(node: Node, table: string, args: CallArgs, ctx: Ctx, joinTables?: string[]): void {
    const o = args.options;
    const create: CreateTable = { columns: [], constraints: [], after: [], model: [], indexes: [] };
    const idOpt = o.get('id');
    const pkName = nameOf(o.get('primary_key')) ?? 'id';
    let serialKey: string | undefined;
    let hasPk = false;
    if (!joinTables && !(idOpt?.kind === 'bool' && !idOpt.value)) {
      const idType = nameOf(idOpt) ?? 'primary_key';
      hasPk = true;
      if (idType === 'uuid') {
        const d = o.has('default') ? this.defaultSql(o.get('default')) : 'gen_random_uuid()';
        create.columns.push(`${ident(pkName)} uuid${d && d !== 'NULL' ? ` DEFAULT ${d}` : ''} NOT NULL PRIMARY KEY`);
        create.model.push([pkName, 'uuid']);
      } else if (idType === 'primary_key' || idType === 'bigint' || idType === 'integer' || idType === 'serial' || idType === 'bigserial') {
        const serial = idType === 'integer' || idType === 'serial' ? 'serial' : 'bigserial';
        create.columns.push(`${ident(pkName)} ${serial} PRIMARY KEY`);
        create.model.push([pkName, serial === 'serial' ? 'integer' : 'bigint']);
        serialKey = pkName;
      } else {
        const sqlType = this.columnType(idType, new Map());
        if (!sqlType) {
          this.notice(node, `not analysed: \`create_table\`: primary key type \`${idType}\``);
          return;
        }
        create.columns.push(`${ident(pkName)} ${sqlType} NOT NULL PRIMARY KEY`);
        create.model.push([pkName, sqlType]);
      }
    }
    if (joinTables) {
      for (const jt of joinTables) {
        const c = `${singularize(jt)}_id`;
        create.columns.push(`${ident(c)} bigint NOT NULL`);
        create.model.push([c, 'bigint']);
      }
    }
    const varName = this.blockParam(node);
    if (varName) this.visitBlock(node, { ...ctx, table: { name: table, varName, create } });
    const kw = `CREATE ${truthy(o.get('temporary')) ? 'TEMPORARY ' : ''}TABLE ${truthy(o.get('if_not_exists')) ? 'IF NOT EXISTS ' : ''}`;
    let sql = `${kw}${ident(table)} (${[...create.columns, ...create.constraints].join(', ')})`;
    const options = o.get('options');
    if (options?.kind === 'str') sql += ` ${options.value}`;
    const force = o.get('force');
    if (force && truthy(force)) this.emit(node, 'create_table', `DROP TABLE IF EXISTS ${ident(table)}${nameOf(force) === 'cascade' ? ' CASCADE' : ''}`, ctx);
    this.emit(node, 'create_table', sql, ctx, this.dslCall(node, args, { table }));
    const comment = o.get('comment');
    if (comment?.kind === 'str') this.emit(node, 'create_table', `COMMENT ON TABLE ${ident(table)} IS ${literal(comment.value)}`, ctx);
    this.state.createTable(table, create.model, hasPk ? { column: pkName, serial: !!serialKey } : undefined);
    for (const idx of create.indexes) this.state.addIndex(table, idx.name, idx.columns);
    for (const a of create.after) this.emit(a.node, a.op, a.sql, ctx, a.call);
  }

  // ------------------------------------------------------------ t.* in create_table / change_table

  private tableOperation(node: Node, method: string, args: CallArgs, ctx: Ctx, table: TableCtx): boolean {
    const p = args.positional;
    const o = args.options;
    const create = table.create;
    const op = `t.${method}`;
    const fail = (what: string) => (this.notice(node, `not analysed: \`${op}\`: ${what} is not known statically`), true);
    const call = (facts: Record<string, string>) => this.dslCall(node, args, facts);
    const alter = (sql: string, facts: Record<string, string> = {}) => this.emit(node, op, `ALTER TABLE ${ident(table.name)} ${sql}`, ctx, call({ table: table.name, ...facts }));

    const addColumns = (names: string[], type: string): boolean => {
      const defs: { name: string; sql: string; sqlType: string }[] = [];
      for (const n of names) {
        const d = this.columnDef(n, type, o);
        if ('error' in d) return fail(d.error);
        defs.push({ name: n, ...d });
      }
      if (create) {
        for (const d of defs) {
          create.columns.push(d.sql);
          create.model.push([d.name, d.sqlType]);
        }
        if (o.has('index') && truthy(o.get('index'))) {
          for (const d of defs) this.tableIndex(node, op, args, table, { kind: 'sym', value: d.name }, o.get('index')!.kind === 'hash' ? (o.get('index') as { pairs: Map<string, RValue> }).pairs : new Map(), ctx);
        }
      } else {
        alter(defs.map((d) => `ADD COLUMN ${d.sql}`).join(', '), { column: defs[0]!.name });
        for (const d of defs) this.state.addColumn(table.name, d.name, d.sqlType);
      }
      return true;
    };

    if (method === 'column') {
      const name = nameOf(p[0]);
      const type = nameOf(p[1]);
      if (!name || !type) return fail('the column');
      return addColumns([name], type);
    }
    if (COLUMN_METHODS.has(method)) {
      const names = p.map(nameOf);
      if (names.length === 0 || names.some((n) => !n)) return fail('the column name');
      return addColumns(names as string[], method);
    }
    switch (method) {
      case 'timestamps': {
        const to = new Map(o);
        if (!to.has('null')) to.set('null', { kind: 'bool', value: false });
        const defs = ['created_at', 'updated_at'].map((c) => ({ c, d: this.columnDef(c, 'datetime', to) }));
        if (create) {
          for (const { c, d } of defs) if (!('error' in d)) (create.columns.push(d.sql), create.model.push([c, d.sqlType]));
        } else alter(defs.map(({ d }) => `ADD COLUMN ${(d as { sql: string }).sql}`).join(', '));
        return true;
      }
      case 'references':
      case 'belongs_to': {
        const names = p.map(nameOf);
        if (names.length === 0 || names.some((n) => !n)) return fail('the reference');
        for (const ref of names as string[]) {
          const r = this.reference(table.name, ref, o);
          if (r.error) return fail(r.error);
          if (create) {
            for (const c of r.columns) (create.columns.push(c.def), create.model.push([c.name, c.type]));
          } else {
            alter(r.columns.map((c) => `ADD COLUMN ${c.def}`).join(', '), { column: r.columns[0]!.name });
            for (const c of r.columns) this.state.addColumn(table.name, c.name, c.type);
          }
          if (r.index) this.tableIndex(node, op, args, table, { kind: 'arr', items: r.index.columns.map((c) => ({ kind: 'sym', value: c })) }, r.index.o, ctx);
          if (r.fk) {
            const to = nameOf(r.fk.get('to_table'))!;
            const fk = this.fkSql(table.name, to, r.fk, r.columns[0]!.name);
            if (create) {
              create.constraints.push(fk.sql.slice(fk.sql.indexOf('CONSTRAINT ')));
            } else this.emit(node, op, fk.sql, ctx, call({ table: table.name, constraint: fk.name, to }));
          }
        }
        return true;
      }
      case 'index': {
        this.tableIndex(node, op, args, table, p[0], o, ctx);
        return true;
      }
      case 'check_constraint': {
        const expr = p[0];
        if (expr?.kind !== 'str' || expr.interpolated) return fail('the check expression');
        const name = nameOf(o.get('name')) ?? `chk_rails_${sha256Hex(`${table.name}_${expr.value}_chk`, 10)}`;
        const validate = o.get('validate');
        const notValid = validate?.kind === 'bool' && !validate.value ? ' NOT VALID' : '';
        if (create) create.constraints.push(`CONSTRAINT ${ident(name)} CHECK (${expr.value})`);
        else alter(`ADD CONSTRAINT ${ident(name)} CHECK (${expr.value})${notValid}`, { constraint: name, expression: expr.value });
        return true;
      }
      case 'remove_check_constraint': {
        const expr = p[0];
        const name = nameOf(o.get('name')) ?? (expr?.kind === 'str' ? `chk_rails_${sha256Hex(`${table.name}_${expr.value}_chk`, 10)}` : undefined);
        if (!name) return fail('the constraint');
        alter(`DROP CONSTRAINT ${ident(name)}`, { constraint: name });
        return true;
      }
      case 'remove':
      case 'remove_references':
      case 'remove_belongs_to': {
        const names = p.map(nameOf);
        if (names.length === 0 || names.some((n) => !n)) return fail('the column');
        const cols = method === 'remove' ? (names as string[]) : (names as string[]).map((n) => `${n}_id`);
        alter(cols.map((c) => `DROP COLUMN ${ident(c)}`).join(', '), { column: cols[0]! });
        for (const c of cols) this.state.removeColumn(table.name, c);
        return true;
      }
      case 'remove_timestamps':
        alter('DROP COLUMN "created_at", DROP COLUMN "updated_at"');
        return true;
      case 'rename': {
        const from = nameOf(p[0]);
        const to = nameOf(p[1]);
        if (!from || !to) return fail('the column names');
        alter(`RENAME COLUMN ${ident(from)} TO ${ident(to)}`, { column: from, to });
        this.state.renameColumn(table.name, from, to);
        return true;
      }
      case 'change': {
        const column = nameOf(p[0]);
        const type = nameOf(p[1]);
        const sqlType = type ? this.columnType(type, o) : undefined;
        if (!column || !sqlType) return fail('the column type');
        alter(`ALTER COLUMN ${ident(column)} TYPE ${sqlType}`, { column, type: sqlType });
        this.state.addColumn(table.name, column, sqlType);
        return true;
      }
      case 'change_default': {
        const column = nameOf(p[0]);
        let value: RValue | undefined = p[1];
        if (value?.kind === 'hash' && value.pairs.has('to')) value = value.pairs.get('to');
        const d = this.defaultSql(value);
        if (!column || d === undefined) return fail('the default');
        alter(`ALTER COLUMN ${ident(column)} ${d === 'NULL' ? 'DROP DEFAULT' : `SET DEFAULT ${d}`}`, { column });
        return true;
      }
      case 'change_null': {
        const column = nameOf(p[0]);
        const nul = p[1];
        if (!column || nul?.kind !== 'bool') return fail('the null flag');
        alter(`ALTER COLUMN ${ident(column)} ${nul.value ? 'DROP' : 'SET'} NOT NULL`, { column, null: String(nul.value) });
        return true;
      }
      case 'remove_index': {
        const r = this.removeIndexSql(table.name, { ...args, positional: [{ kind: 'sym', value: table.name }, ...p] });
        if ('error' in r) return fail(r.error);
        this.emit(node, op, r.sql, ctx, call({ table: table.name, index: r.name }));
        this.state.removeIndex(r.name);
        return true;
      }
      case 'rename_index': {
        const from = nameOf(p[0]);
        const to = nameOf(p[1]);
        if (!from || !to) return fail('the index names');
        this.emit(node, op, `ALTER INDEX ${ident(from)} RENAME TO ${ident(to)}`, ctx);
        this.state.renameIndex(from, to);
        return true;
      }
      case 'foreign_key': {
        const to = nameOf(p[0]);
        if (!to) return fail('the referenced table');
        const fk = this.fkSql(table.name, to, o);
        if (create) create.constraints.push(fk.sql.slice(fk.sql.indexOf('CONSTRAINT ')));
        else this.emit(node, op, fk.sql, ctx, call({ table: table.name, constraint: fk.name, to }));
        return true;
      }
      case 'remove_foreign_key': {
        const name = this.fkNameFor(table.name, { ...args, positional: [{ kind: 'sym', value: table.name }, ...p] });
        if (!name) return fail('the constraint');
        alter(`DROP CONSTRAINT ${ident(name)}`, { constraint: name });
        return true;
      }
      default:
        return false;
    }
  }

  private tableIndex(node: Node, op: string, args: CallArgs, table: TableCtx, cols: RValue | undefined, o: Map<string, RValue>, ctx: Ctx): void {
    const idx = this.indexSql(table.name, cols, o);
    if ('error' in idx) {
      this.notice(node, `not analysed: \`${op}\`: ${idx.error} is not known statically`);
      return;
    }
    const call = this.dslCall(node, args, { table: table.name, index: idx.name });
    if (table.create) {
      table.create.after.push({ sql: idx.sql, node, op, call });
      table.create.indexes.push({ name: idx.name, columns: idx.columns });
    } else {
      this.emit(node, op, idx.sql, ctx, call);
      this.state.addIndex(table.name, idx.name, idx.columns);
    }
  }
}

const SIMPLE_TYPES = new Set([
  'boolean', 'date', 'json', 'jsonb', 'uuid', 'inet', 'cidr', 'macaddr', 'hstore', 'citext', 'ltree', 'xml', 'tsvector', 'money',
  'interval', 'point', 'line', 'lseg', 'box', 'path', 'polygon', 'circle', 'oid', 'daterange', 'numrange', 'tsrange', 'tstzrange',
  'int4range', 'int8range', 'smallint', 'serial', 'bigserial', 'bytea',
]);

const COLUMN_METHODS = new Set([
  'string', 'text', 'integer', 'bigint', 'float', 'decimal', 'numeric', 'datetime', 'timestamp', 'timestamptz', 'time', 'date',
  'binary', 'boolean', 'json', 'jsonb', 'uuid', 'inet', 'cidr', 'macaddr', 'hstore', 'citext', 'ltree', 'xml', 'tsvector', 'money',
  'interval', 'point', 'line', 'lseg', 'box', 'path', 'polygon', 'circle', 'oid', 'daterange', 'numrange', 'tsrange', 'tstzrange',
  'int4range', 'int8range', 'enum', 'virtual', 'bit', 'bit_varying', 'serial', 'bigserial', 'primary_key',
]);

function numOf(v: RValue | undefined): string | undefined {
  return v?.kind === 'num' ? v.value : undefined;
}

function refAction(event: 'DELETE' | 'UPDATE', action: string | undefined): string {
  if (!action) return '';
  const sql = { cascade: 'CASCADE', nullify: 'SET NULL', restrict: 'RESTRICT', no_action: 'NO ACTION' }[action];
  return sql ? ` ON ${event} ${sql}` : '';
}

export type { OrmNotice };
