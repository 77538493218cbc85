// Knex migrations (knex.schema builders, knex.raw) to the SQL Knex's PostgreSQL client runs.
import type { Node } from 'web-tree-sitter';
import { shorten } from './base.js';
import { bodyStatements, flattenChain, jsonOf, JsTranslator, sqlScalar, unwrap, type ChainLink, type JsCtx, type JsValue } from './javascript.js';
import type { ModelState } from './model.js';
import { ident, literal } from './sqltext.js';
import type { DslCall, Translation } from './types.js';

export function translateKnex(root: Node, source: string, state: ModelState, opts: { path: string }): Translation {
  return new KnexTranslator(root, source, state, /\.[cm]?ts$/.test(opts.path)).run();
}

/** Column builder methods and the PostgreSQL type Knex's pg column compiler writes. */
const TYPES = new Set([
  'increments', 'bigIncrements', 'integer', 'bigInteger', 'bigint', 'smallint', 'tinyint', 'mediumint', 'string', 'text', 'mediumtext', 'longtext',
  'float', 'double', 'decimal', 'boolean', 'bool', 'date', 'datetime', 'timestamp', 'time', 'binary', 'json', 'jsonb', 'uuid', 'enu', 'enum',
  'specificType', 'geometry', 'geography', 'point', 'tsvector',
]);

interface Column {
  name: string;
  type: string;
  /** `increments`: serial primary key. */
  pk: boolean;
  notNull?: boolean;
  nullable?: boolean;
  default?: string;
  unique?: { name?: string };
  index?: { name?: string; using?: string };
  primary?: { name?: string };
  fk?: { table?: string; column?: string; onDelete?: string; onUpdate?: string; name?: string; deferrable?: string };
  alter?: { nullable: boolean; type: boolean };
  checks: string[];
  comment?: string;
  /** A native enum type to create first. */
  enumType?: string;
  unknown: string[];
}

interface TableCtx extends JsCtx {
  table: string;
  creating: boolean;
  /** The schema call (createTable/alterTable) and whether its callback holds only this line. */
  outer: Node;
  single: boolean;
}

class KnexTranslator extends JsTranslator {
  private knexNames = new Set<string>();
  private noTransaction = false;
  private configText = 'exports.config = { transaction: false };';

  run(): Translation {
    const { fns, noTransaction } = this.migrationFunctions();
    this.noTransaction = noTransaction;
    const esm = this.root.namedChildren.some((c) => c?.type === 'export_statement' || c?.type === 'import_statement');
    if (esm) this.configText = 'export const config = { transaction: false };';
    for (const f of fns) {
      this.knexNames = new Set([f.params[0] ?? 'knex']);
      this.statements(bodyStatements(f.fn), { direction: f.direction });
    }
    return this.out;
  }

  /** A builder option given as `'name'` or as `{ <prop>: 'name' }` (`.unique({ indexName })`, `.primary({ constraintName })`). */
  private optionName(node: Node | undefined, prop: string): string | undefined {
    const v = this.values.value(node);
    if (v?.kind === 'str') return v.value;
    const p = v?.kind === 'object' ? v.props.get(prop) : undefined;
    return p?.kind === 'str' ? p.value : undefined;
  }

  private call(node: Node, facts: Record<string, string>, options: Record<string, string> = {}): DslCall {
    return { text: node.text, options, facts: { ...facts, notx: this.noTransaction ? 'yes' : 'no', config: this.configText, knex: [...this.knexNames][0] ?? 'knex' } };
  }

  protected override expression(n: Node, ctx: JsCtx): boolean {
    const chain = flattenChain(n);
    if (!chain) return false;
    // knex(table).insert/update/del: a data change, not the schema.
    if (chain.root === '' && this.knexNames.has(chain.links[0]?.name ?? '')) {
      this.notice(n, `not analysed: \`${shorten(n.text)}\` changes rows through the query builder; review how many it touches`);
      return true;
    }
    if (!this.knexNames.has(chain.root)) return false;
    const links = chain.links;
    if (links[0]?.name === 'transaction' && links[0].args) {
      // knex.transaction(async (trx) => …): its body runs in one transaction.
      const fn = links[0].args[0] ? unwrap(links[0].args[0]) : undefined;
      if (!fn || (fn.type !== 'arrow_function' && fn.type !== 'function_expression')) return false;
      const param = fn.childForFieldName('parameters')?.namedChildren[0] ?? fn.childForFieldName('parameter');
      const name = param?.type === 'required_parameter' ? param.childForFieldName('pattern')?.text : param?.text;
      if (name) this.knexNames.add(name);
      this.transactionBlock(n, ctx, () => this.statements(bodyStatements(fn), ctx));
      return true;
    }
    if (links[0]?.name === 'raw' && links[0].args) return this.raw(links[0], ctx), true;
    let i = 0;
    let schemaName: string | undefined;
    if (links[0]?.name !== 'schema') return false;
    i = 1;
    let handled = false;
    for (; i < links.length; i++) {
      const l = links[i]!;
      if (!l.args) return handled;
      if (l.name === 'withSchema') {
        schemaName = this.values.str(l.args[0]);
        continue;
      }
      this.schemaOp(l, schemaName, ctx);
      handled = true;
    }
    return handled;
  }

  protected transactionBlock(node: Node, ctx: JsCtx, body: () => void): void {
    const exempt = ['transaction-nesting', 'ban-uncommitted-transaction'];
    this.emit(node, 'transaction', 'BEGIN', ctx);
    this.out.statements.at(-1)!.exempt = exempt;
    body();
    const end = this.lines.span(node.endIndex, node.endIndex);
    this.out.statements.push({ sql: 'COMMIT', span: end, direction: ctx.direction, op: 'transaction', exempt });
  }

  private raw(link: ChainLink, ctx: JsCtx): void {
    const sql = this.rawSql(link.args![0], link.args![1]);
    if (sql === undefined) return this.notice(link.node, `not analysed: \`${shorten(link.node.text)}\`: the SQL is not a string known statically`);
    if (sql.trim() === '') return;
    this.emit(link.node, 'raw', sql.trim().replace(/;\s*$/, ''), ctx, this.call(link.node, { raw: 'yes', callee: link.node.childForFieldName('function')?.text ?? 'knex.raw' }));
  }

  /** The SQL of `raw(sql, bindings)` with Knex's `?` / `??` bindings filled as Knex fills them. */
  private rawSql(sqlNode: Node | undefined, bindingsNode: Node | undefined): string | undefined {
    const v = this.values.value(sqlNode);
    if (v?.kind !== 'str') return undefined;
    const b = this.values.value(bindingsNode);
    const bindings = b?.kind === 'array' ? b.items : b && b.kind !== 'object' && b.kind !== 'null' ? [b] : [];
    return fillBindings(v.value, bindings);
  }

  private tableName(v: Node | undefined, schema: string | undefined): string | undefined {
    const name = this.values.str(v);
    if (name === undefined) return undefined;
    return schema ? `${schema}.${name}` : name;
  }

  private schemaOp(l: ChainLink, schema: string | undefined, ctx: JsCtx): void {
    const args = l.args!;
    const fail = (why: string) => this.notice(l.node, `not analysed: \`${l.name}\`: ${why}`);
    switch (l.name) {
      case 'createTable':
      case 'createTableIfNotExists':
      case 'alterTable':
      case 'table': {
        const table = this.tableName(args[0], schema);
        if (!table) return fail('the table name is not known statically');
        const cb = args[1] ? unwrap(args[1]) : undefined;
        if (!cb || (cb.type !== 'arrow_function' && cb.type !== 'function_expression')) return fail('the table callback is not a function literal');
        const creating = l.name.startsWith('create');
        return this.tableBody(l.node, cb, table, creating, l.name === 'createTableIfNotExists', ctx);
      }
      case 'dropTable':
      case 'dropTableIfExists': {
        const table = this.tableName(args[0], schema);
        if (!table) return fail('the table name is not known statically');
        this.emit(l.node, l.name, `drop table ${l.name.endsWith('IfExists') ? 'if exists ' : ''}${ident(table)}`, ctx, this.call(l.node, { table }));
        this.state.dropTable(table);
        return;
      }
      case 'renameTable': {
        const from = this.tableName(args[0], schema);
        const to = this.values.str(args[1]);
        if (!from || !to) return fail('the table names are not known statically');
        this.emit(l.node, l.name, `alter table ${ident(from)} rename to ${ident(to)}`, ctx, this.call(l.node, { table: from }));
        this.state.renameTable(from, to);
        return;
      }
      case 'raw':
        return this.raw(l, ctx);
      case 'createSchema':
      case 'createSchemaIfNotExists':
      case 'dropSchema':
      case 'dropSchemaIfExists': {
        const name = this.values.str(args[0]);
        if (!name) return fail('the schema name is not known statically');
        const verb = l.name.startsWith('create') ? 'create' : 'drop';
        const ifx = l.name.endsWith('IfNotExists') ? 'if not exists ' : l.name.endsWith('IfExists') ? 'if exists ' : '';
        this.emit(l.node, l.name, `${verb} schema ${ifx}${ident(name)}${verb === 'drop' && this.values.value(args[1])?.kind === 'bool' ? ' cascade' : ''}`, ctx, this.call(l.node, {}));
        return;
      }
      case 'createExtension':
      case 'createExtensionIfNotExists':
      case 'dropExtension':
      case 'dropExtensionIfExists': {
        const name = this.values.str(args[0]);
        if (!name) return fail('the extension name is not known statically');
        const verb = l.name.startsWith('create') ? 'create' : 'drop';
        const ifx = l.name.endsWith('IfNotExists') ? 'if not exists ' : l.name.endsWith('IfExists') ? 'if exists ' : '';
        this.emit(l.node, l.name, `${verb} extension ${ifx}${ident(name)}`, ctx, this.call(l.node, {}));
        return;
      }
      case 'hasTable':
      case 'hasColumn':
        // Reads the catalog; the condition it feeds is reported where it is tested.
        return;
      default:
        fail('this schema builder method is not translated');
    }
  }

  // ------------------------------------------------------------------ table builder

  private tableBody(outer: Node, cb: Node, table: string, creating: boolean, ifNotExists: boolean, ctx: JsCtx): void {
    const param = cb.childForFieldName('parameters')?.namedChildren[0] ?? cb.childForFieldName('parameter');
    const tname = param?.type === 'required_parameter' ? param.childForFieldName('pattern')?.text : param?.text;
    const stmts = bodyStatements(cb);
    const tctx: TableCtx = { ...ctx, table, creating, outer, single: stmts.length === 1 };
    const defs: { sql: string; col: Column }[] = [];
    const after: (() => void)[] = [];
    const pks: string[] = [];
    let pkName: string | undefined;
    for (const s of stmts) {
      const e = s.type === 'expression_statement' || s.type === 'return_statement' ? s.namedChildren[0] : undefined;
      const chain = e ? flattenChain(e) : undefined;
      if (!e || !chain || chain.root !== tname || !chain.links[0]?.args) {
        if (s.type !== 'comment') this.notice(s, `not analysed: \`${shorten(s.text)}\` is ${this.language} code dbarch does not translate`);
        continue;
      }
      const node = unwrap(e);
      const first = chain.links[0];
      if (TYPES.has(first.name)) {
        const col = this.column(chain.links, node);
        if (!col) continue;
        if (col.unknown.length) this.notice(node, `not analysed: \`${col.unknown.join('`, `')}\` on \`${col.name}\` is not translated`);
        const def = this.columnSql(col, creating);
        if (creating) {
          defs.push({ sql: def, col });
          if (col.primary) {
            pks.push(col.name);
            pkName = col.primary.name;
          }
        }
        after.push(() => this.columnStatements(node, col, def, tctx));
        continue;
      }
      if (first.name === 'timestamps' && creating) {
        const camel = this.values.value(first.args?.[2]);
        const now = this.values.value(first.args?.[1]);
        const suffix = now?.kind === 'bool' && now.value ? ' not null default CURRENT_TIMESTAMP' : '';
        for (const c of camel?.kind === 'bool' && camel.value ? ['createdAt', 'updatedAt'] : ['created_at', 'updated_at']) {
          defs.push({ sql: `${ident(c)} timestamptz${suffix}`, col: { name: c, type: 'timestamptz', pk: false, checks: [], unknown: [] } });
        }
        continue;
      }
      after.push(() => this.tableOp(node, chain.links, tctx));
    }
    if (creating) {
      const cols = defs.map((d) => d.sql);
      if (pks.length) cols.push(`constraint ${ident(pkName ?? `${table.split('.').pop()}_pkey`)} primary key (${pks.map(ident).join(', ')})`);
      for (const d of defs) if (d.col.enumType) this.emit(outer, 'createTable', `create type ${ident(d.col.enumType)} as enum (${d.col.checks[0]})`, ctx, this.call(outer, { table }));
      this.emit(outer, 'createTable', `create table ${ifNotExists ? 'if not exists ' : ''}${ident(table)} (${cols.join(', ')})`, ctx, this.call(outer, { table }));
      const serial = defs.find((d) => d.col.pk);
      this.state.createTable(table, defs.map((d) => [d.col.name, d.col.type]), serial ? { column: serial.col.name, serial: true } : pks.length ? { column: pks[0]!, serial: false } : undefined);
    }
    for (const f of after) f();
  }

  /** Reads `t.string('email', 100).notNullable().unique()…`. */
  private column(links: ChainLink[], node: Node): Column | undefined {
    const first = links[0]!;
    const args = first.args!;
    const name = first.name === 'increments' || first.name === 'bigIncrements' ? (this.values.str(args[0]) ?? 'id') : this.values.str(args[0]);
    if (name === undefined) {
      this.notice(node, `not analysed: \`${first.name}\`: the column name is not known statically`);
      return undefined;
    }
    const col: Column = { name, type: '', pk: false, checks: [], unknown: [] };
    const opt = (i: number) => {
      const v = this.values.value(args[i]);
      return v?.kind === 'object' ? v.props : new Map<string, JsValue>();
    };
    const num = (i: number, d?: string) => {
      const v = this.values.value(args[i]);
      return v?.kind === 'num' ? v.value : v?.kind === 'null' ? null : d;
    };
    switch (first.name) {
      case 'increments':
      case 'bigIncrements': {
        col.type = first.name === 'increments' ? 'serial' : 'bigserial';
        const pk = opt(1).get('primaryKey');
        col.pk = !(pk?.kind === 'bool' && !pk.value);
        break;
      }
      case 'integer':
      case 'mediumint':
        col.type = 'integer';
        break;
      case 'bigInteger':
      case 'bigint':
        col.type = 'bigint';
        break;
      case 'smallint':
      case 'tinyint':
        col.type = 'smallint';
        break;
      case 'string':
        col.type = `varchar(${num(1, '255') ?? '255'})`;
        break;
      case 'text':
      case 'mediumtext':
      case 'longtext':
        col.type = 'text';
        break;
      case 'float':
        col.type = 'real';
        break;
      case 'double':
        col.type = 'double precision';
        break;
      case 'decimal': {
        const p = num(1, '8');
        const s = num(2, '2');
        col.type = p === null ? 'decimal' : `decimal(${p}, ${s ?? '2'})`;
        break;
      }
      case 'boolean':
      case 'bool':
        col.type = 'boolean';
        break;
      case 'date':
        col.type = 'date';
        break;
      case 'datetime':
      case 'timestamp': {
        const o = this.values.value(args[1]);
        let tz = true;
        let precision: string | undefined;
        if (o?.kind === 'bool') tz = !o.value;
        else if (o?.kind === 'object') {
          const useTz = o.props.get('useTz');
          if (useTz?.kind === 'bool') tz = useTz.value;
          const p = o.props.get('precision');
          if (p?.kind === 'num') precision = p.value;
        }
        col.type = `${tz ? 'timestamptz' : 'timestamp'}${precision ? `(${precision})` : ''}`;
        break;
      }
      case 'time':
        col.type = 'time';
        break;
      case 'binary':
        col.type = 'bytea';
        break;
      case 'json':
      case 'jsonb':
      case 'uuid':
      case 'geometry':
      case 'geography':
      case 'point':
      case 'tsvector':
        col.type = first.name;
        if (first.name === 'uuid') {
          const pk = opt(1).get('primaryKey');
          if (pk?.kind === 'bool' && pk.value) col.primary = {};
        }
        break;
      case 'specificType': {
        const t = this.values.str(args[1]);
        if (!t) {
          this.notice(node, `not analysed: \`specificType\`: the type of \`${name}\` is not known statically`);
          return undefined;
        }
        col.type = t;
        break;
      }
      case 'enu':
      case 'enum': {
        const vals = this.values.value(args[1]);
        const list = vals?.kind === 'array' ? vals.items.map((i) => (i.kind === 'str' ? i.value : i.kind === 'num' ? i.value : undefined)) : [];
        const o = opt(2);
        const native = o.get('useNative');
        const enumName = o.get('enumName');
        if (native?.kind === 'bool' && native.value && enumName?.kind === 'str') {
          col.type = ident(enumName.value);
          const existing = o.get('existingType');
          if (!(existing?.kind === 'bool' && existing.value)) {
            if (list.some((x) => x === undefined)) {
              this.notice(node, `not analysed: \`${first.name}\`: the values of \`${name}\` are not known statically`);
              return undefined;
            }
            col.enumType = enumName.value;
            col.checks.push((list as string[]).map(literal).join(', '));
          }
        } else {
          if (list.some((x) => x === undefined) || vals?.kind !== 'array') {
            this.notice(node, `not analysed: \`${first.name}\`: the values of \`${name}\` are not known statically`);
            return undefined;
          }
          col.type = 'text';
          col.checks.push(`check (${ident(name)} in (${(list as string[]).map(literal).join(', ')}))`);
        }
        break;
      }
    }
    for (const m of links.slice(1)) {
      const margs = m.args ?? [];
      switch (m.name) {
        case 'notNullable':
          col.notNull = true;
          col.nullable = false;
          break;
        case 'nullable':
          col.nullable = true;
          col.notNull = false;
          break;
        case 'defaultTo': {
          const d = this.defaultSql(margs[0], col.type);
          if (d === undefined) col.unknown.push('defaultTo');
          else col.default = d;
          break;
        }
        case 'unique': {
          const nm = this.optionName(margs[0], 'indexName');
          col.unique = nm ? { name: nm } : {};
          break;
        }
        case 'index': {
          const nm = this.values.str(margs[0]);
          const u = this.optionName(margs[1], 'indexType');
          col.index = { ...(nm ? { name: nm } : {}), ...(u ? { using: u } : {}) };
          break;
        }
        case 'primary': {
          const nm = this.optionName(margs[0], 'constraintName');
          col.primary = nm ? { name: nm } : {};
          break;
        }
        case 'references': {
          const v = this.values.value(margs[0]);
          col.fk ??= {};
          if (v?.kind === 'str') {
            const dot = v.value.lastIndexOf('.');
            if (dot > 0) {
              col.fk.table = v.value.slice(0, dot);
              col.fk.column = v.value.slice(dot + 1);
            } else col.fk.column = v.value;
          } else if (v?.kind === 'object') {
            const t = v.props.get('table');
            const c = v.props.get('column');
            if (t?.kind === 'str') col.fk.table = t.value;
            if (c?.kind === 'str') col.fk.column = c.value;
          } else col.unknown.push('references');
          break;
        }
        case 'inTable': {
          const t = this.values.str(margs[0]);
          col.fk ??= {};
          if (t) col.fk.table = t;
          else col.unknown.push('inTable');
          break;
        }
        case 'onDelete':
        case 'onUpdate': {
          const a = this.values.str(margs[0]);
          col.fk ??= {};
          if (a) col.fk[m.name] = a;
          break;
        }
        case 'withKeyName':
        case 'foreignKeyConstraintName': {
          const nm = this.values.str(margs[0]);
          col.fk ??= {};
          if (nm) col.fk.name = nm;
          break;
        }
        case 'deferrable': {
          const d = this.values.str(margs[0]);
          if (d && col.fk) col.fk.deferrable = d;
          break;
        }
        case 'alter': {
          const o = this.values.value(margs[0]);
          const flag = (k: string) => {
            const x = o?.kind === 'object' ? o.props.get(k) : undefined;
            return !(x?.kind === 'bool' && !x.value);
          };
          col.alter = { nullable: flag('alterNullable'), type: flag('alterType') };
          break;
        }
        case 'comment': {
          const c = this.values.str(margs[0]);
          if (c !== undefined) col.comment = c;
          break;
        }
        case 'checkPositive':
          col.checks.push(`check (${ident(name)} > 0)`);
          break;
        case 'checkNegative':
          col.checks.push(`check (${ident(name)} < 0)`);
          break;
        case 'unsigned':
        case 'first':
        case 'after':
        case 'collate':
        case 'charset':
          // MySQL-only modifiers: Knex's PostgreSQL client ignores them.
          break;
        default:
          col.unknown.push(m.name);
      }
    }
    return col;
  }

  /** Knex's defaultTo formatting for PostgreSQL. */
  private defaultSql(node: Node | undefined, type: string): string | undefined {
    const v = this.values.value(node);
    if (!v) return undefined;
    switch (v.kind) {
      case 'null':
        return 'null';
      case 'num':
        return literal(v.value);
      case 'bool':
        return type === 'boolean' ? `'${v.value ? 1 : 0}'` : literal(String(v.value));
      case 'str':
        return v.interpolated ? undefined : literal(v.value);
      case 'object':
      case 'array':
        if (type === 'json' || type === 'jsonb') {
          const json = jsonOf(v);
          return json === undefined ? undefined : literal(json);
        }
        return undefined;
      case 'call': {
        const callee = v.callee.split('.');
        const last = callee.at(-1);
        if (callee.length >= 2 && callee.at(-2) === 'fn' && last === 'now') return 'CURRENT_TIMESTAMP';
        if (callee.length >= 2 && callee.at(-2) === 'fn' && last === 'uuid') return 'gen_random_uuid()';
        if (last === 'raw' && this.knexNames.has(callee[0]!)) return this.rawSql(v.args[0]?.node, v.args[1]?.node);
        return undefined;
      }
      default:
        return undefined;
    }
  }

  private columnSql(col: Column, creating: boolean): string {
    let sql = `${ident(col.name)} ${col.type}`;
    if (col.pk) sql += ' primary key';
    if (col.notNull) sql += ' not null';
    if (col.default !== undefined) sql += ` default ${col.default}`;
    for (const c of col.checks) if (c.startsWith('check')) sql += ` ${c}`;
    void creating;
    return sql;
  }

  /** The schema call a fix may replace whole: only when its callback holds this one line. */
  private outer(ctx: TableCtx): Record<string, string> {
    return ctx.single ? { outerSpan: JSON.stringify(this.span(ctx.outer)) } : {};
  }

  private indexName(table: string, columns: string[], kind: 'index' | 'unique' | 'foreign'): string {
    return `${table.replace(/\.|-/g, '_')}_${columns.join('_')}_${kind}`.toLowerCase();
  }

  /** What a column line runs besides its definition (ADD COLUMN / ALTER COLUMN, index, unique, foreign key). */
  private columnStatements(node: Node, col: Column, def: string, ctx: TableCtx): void {
    const t = ident(ctx.table);
    const base = ctx.table.split('.').pop()!;
    const facts = { table: ctx.table, column: col.name, ...this.outer(ctx) };
    const emit = (sql: string, extra: Record<string, string> = {}) => this.emit(node, 'column', sql, ctx, this.call(node, { ...facts, ...extra }));
    if (!ctx.creating) {
      if (col.alter) {
        const c = ident(col.name);
        if (col.alter.type) emit(`alter table ${t} alter column ${c} drop default`);
        if (col.alter.nullable) emit(`alter table ${t} alter column ${c} drop not null`);
        if (col.alter.type) emit(`alter table ${t} alter column ${c} type ${col.type} using (${c}::${col.type})`);
        if (col.default !== undefined) emit(`alter table ${t} alter column ${c} set default ${col.default}`);
        if (col.alter.nullable && col.notNull) emit(`alter table ${t} alter column ${c} set not null`, { setNotNull: 'yes' });
        if (col.alter.type) this.state.addColumn(ctx.table, col.name, col.type);
      } else {
        if (col.enumType) emit(`create type ${ident(col.enumType)} as enum (${col.checks[0]})`);
        emit(`alter table ${t} add column ${def}`);
        this.state.addColumn(ctx.table, col.name, col.type);
        if (col.primary) emit(`alter table ${t} add constraint ${ident(col.primary.name ?? `${base}_pkey`)} primary key (${ident(col.name)})`);
      }
    }
    if (col.comment !== undefined) emit(`comment on column ${t}.${ident(col.name)} is ${literal(col.comment)}`);
    if (col.unique) {
      const name = col.unique.name ?? this.indexName(ctx.table, [col.name], 'unique');
      emit(`alter table ${t} add constraint ${ident(name)} unique (${ident(col.name)})`, { constraint: name });
    }
    if (col.index) {
      const name = col.index.name ?? this.indexName(ctx.table, [col.name], 'index');
      emit(`create index ${ident(name)} on ${t}${col.index.using ? ` using ${col.index.using}` : ''} (${ident(col.name)})`, { index: name });
      this.state.addIndex(ctx.table, name, [col.name]);
    }
    if (col.fk) this.foreign(node, [col.name], col.fk, ctx);
  }

  private foreign(node: Node, columns: string[], fk: NonNullable<Column['fk']>, ctx: TableCtx): void {
    if (!fk.table || !fk.column) return this.notice(node, 'not analysed: the foreign key has no `inTable` / `references` known statically');
    const name = fk.name ?? this.indexName(ctx.table, columns, 'foreign');
    let sql = `alter table ${ident(ctx.table)} add constraint ${ident(name)} foreign key (${columns.map(ident).join(', ')}) references ${ident(fk.table)} (${ident(fk.column)})`;
    if (fk.onUpdate) sql += ` on update ${fk.onUpdate}`;
    if (fk.onDelete) sql += ` on delete ${fk.onDelete}`;
    if (fk.deferrable) sql += ` deferrable initially ${fk.deferrable}`;
    this.emit(node, 'foreign', sql, ctx, this.call(node, { table: ctx.table, constraint: name, ...this.outer(ctx) }));
  }

  private columnsOf(node: Node | undefined): string[] | undefined {
    const v = this.values.value(node);
    if (v?.kind === 'str' && !v.interpolated) return [v.value];
    if (v?.kind === 'array') {
      const cols = v.items.map((i) => (i.kind === 'str' && !i.interpolated ? i.value : undefined));
      return cols.some((c) => c === undefined) ? undefined : (cols as string[]);
    }
    return undefined;
  }

  /** Table-level builder calls: index, unique, foreign, primary, drops, renames, timestamps. */
  private tableOp(node: Node, links: ChainLink[], ctx: TableCtx): void {
    const first = links[0]!;
    const args = first.args!;
    const t = ident(ctx.table);
    const base = ctx.table.split('.').pop()!;
    const facts = { table: ctx.table, ...this.outer(ctx) };
    const emit = (sql: string, extra: Record<string, string> = {}) => this.emit(node, first.name, sql, ctx, this.call(node, { ...facts, ...extra }));
    const fail = (why: string) => this.notice(node, `not analysed: \`${first.name}\`: ${why}`);
    const str = (i: number) => this.values.str(args[i]);
    const opts = (i: number) => {
      const v = this.values.value(args[i]);
      return v?.kind === 'object' ? v.props : new Map<string, JsValue>();
    };
    const optStr = (m: Map<string, JsValue>, k: string) => {
      const v = m.get(k);
      return v?.kind === 'str' ? v.value : undefined;
    };
    switch (first.name) {
      case 'index': {
        const cols = this.columnsOf(args[0]);
        if (!cols) return fail('the columns are not known statically');
        const third = this.values.value(args[2]);
        const o = opts(2);
        const using = third?.kind === 'str' ? third.value : optStr(o, 'indexType');
        const name = str(1) ?? this.indexName(ctx.table, cols, 'index');
        if (o.has('predicate')) this.notice(node, 'not analysed: `predicate` of the index is not translated; the index is reviewed without it');
        emit(`create index ${ident(name)} on ${t}${using ? ` using ${using}` : ''} (${cols.map(ident).join(', ')})`, { index: name });
        this.state.addIndex(ctx.table, name, cols);
        return;
      }
      case 'unique': {
        const cols = this.columnsOf(args[0]);
        if (!cols) return fail('the columns are not known statically');
        const second = this.values.value(args[1]);
        const o = second?.kind === 'object' ? second.props : new Map<string, JsValue>();
        const name = (second?.kind === 'str' ? second.value : optStr(o, 'indexName')) ?? this.indexName(ctx.table, cols, 'unique');
        const useConstraint = o.get('useConstraint');
        const deferrable = optStr(o, 'deferrable');
        if (useConstraint?.kind === 'bool' && !useConstraint.value) {
          emit(`create unique index ${ident(name)} on ${t} (${cols.map(ident).join(', ')})`, { index: name });
          this.state.addIndex(ctx.table, name, cols);
        } else emit(`alter table ${t} add constraint ${ident(name)} unique (${cols.map(ident).join(', ')})${deferrable ? ` deferrable initially ${deferrable}` : ''}`, { constraint: name });
        return;
      }
      case 'primary': {
        const cols = this.columnsOf(args[0]);
        if (!cols) return fail('the columns are not known statically');
        const second = this.values.value(args[1]);
        const name = (second?.kind === 'str' ? second.value : optStr(second?.kind === 'object' ? second.props : new Map(), 'constraintName')) ?? `${base}_pkey`;
        emit(`alter table ${t} add constraint ${ident(name)} primary key (${cols.map(ident).join(', ')})`, { constraint: name });
        return;
      }
      case 'foreign': {
        const cols = this.columnsOf(args[0]);
        if (!cols) return fail('the columns are not known statically');
        const fk: NonNullable<Column['fk']> = {};
        const keyName = str(1);
        if (keyName) fk.name = keyName;
        for (const m of links.slice(1)) {
          const a = m.args ?? [];
          if (m.name === 'references') {
            const v = this.values.str(a[0]);
            if (v) {
              const dot = v.lastIndexOf('.');
              if (dot > 0) {
                fk.table = v.slice(0, dot);
                fk.column = v.slice(dot + 1);
              } else fk.column = v;
            }
          } else if (m.name === 'inTable') fk.table = this.values.str(a[0]);
          else if (m.name === 'onDelete' || m.name === 'onUpdate') fk[m.name] = this.values.str(a[0]);
          else if (m.name === 'withKeyName' || m.name === 'foreignKeyConstraintName') fk.name = this.values.str(a[0]);
          else if (m.name === 'deferrable') fk.deferrable = this.values.str(a[0]);
        }
        return this.foreign(node, cols, fk, ctx);
      }
      case 'dropColumn':
      case 'dropColumns': {
        const cols = args.map((a) => this.columnsOf(a));
        if (cols.some((c) => !c)) return fail('the columns are not known statically');
        const all = cols.flat() as string[];
        emit(`alter table ${t} ${all.map((c) => `drop column ${ident(c)}`).join(', ')}`, { column: all[0]! });
        for (const c of all) this.state.removeColumn(ctx.table, c);
        return;
      }
      case 'renameColumn': {
        const from = str(0);
        const to = str(1);
        if (!from || !to) return fail('the column names are not known statically');
        emit(`alter table ${t} rename ${ident(from)} to ${ident(to)}`, { column: from });
        this.state.renameColumn(ctx.table, from, to);
        return;
      }
      case 'dropIndex':
      case 'dropUnique':
      case 'dropForeign': {
        const cols = this.columnsOf(args[0]) ?? [];
        const kind = first.name === 'dropIndex' ? 'index' : first.name === 'dropUnique' ? 'unique' : 'foreign';
        const name = str(1) ?? (cols.length ? this.indexName(ctx.table, cols, kind) : undefined);
        if (!name) return fail('the index name is not known statically');
        if (kind === 'index') {
          emit(`drop index ${ident(name)}`, { index: name });
          this.state.removeIndex(name);
        } else emit(`alter table ${t} drop constraint ${ident(name)}`, { constraint: name });
        return;
      }
      case 'dropPrimary':
        emit(`alter table ${t} drop constraint ${ident(str(0) ?? `${base}_pkey`)}`);
        return;
      case 'timestamps':
      case 'dropTimestamps': {
        const camel = this.values.value(args[first.name === 'timestamps' ? 2 : 0]);
        const names = camel?.kind === 'bool' && camel.value ? ['createdAt', 'updatedAt'] : ['created_at', 'updated_at'];
        if (first.name === 'dropTimestamps') {
          emit(`alter table ${t} ${names.map((c) => `drop column ${ident(c)}`).join(', ')}`);
          for (const c of names) this.state.removeColumn(ctx.table, c);
          return;
        }
        const now = this.values.value(args[1]);
        const suffix = now?.kind === 'bool' && now.value ? ' not null default CURRENT_TIMESTAMP' : '';
        emit(`alter table ${t} ${names.map((c) => `add column ${ident(c)} timestamptz${suffix}`).join(', ')}`);
        for (const c of names) this.state.addColumn(ctx.table, c, 'timestamptz');
        return;
      }
      case 'setNullable':
      case 'dropNullable': {
        const c = str(0);
        if (!c) return fail('the column name is not known statically');
        emit(`alter table ${t} alter column ${ident(c)} ${first.name === 'setNullable' ? 'drop' : 'set'} not null`, { column: c, ...(first.name === 'dropNullable' ? { setNotNull: 'yes' } : {}) });
        return;
      }
      case 'check': {
        const sql = this.rawSql(args[0], args[1]);
        const name = str(2);
        if (sql === undefined) return fail('the check is not SQL known statically');
        const cname = name ?? `${base}_check`;
        emit(`alter table ${t} add constraint ${ident(cname)} check (${sql})`, { constraint: cname });
        return;
      }
      case 'comment': {
        const c = str(0);
        if (c === undefined) return fail('the comment is not known statically');
        emit(`comment on table ${t} is ${literal(c)}`);
        return;
      }
      case 'engine':
      case 'charset':
      case 'collate':
        return;
      default:
        fail('this table builder method is not translated');
    }
  }
}

/** Knex fills `?` with a value and `??` with an identifier; `\?` is a literal question mark. */
export function fillBindings(sql: string, bindings: JsValue[]): string {
  if (bindings.length === 0) return sql.replace(/\\\?/g, '?');
  let out = '';
  let k = 0;
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i]!;
    if (ch === '\\' && sql[i + 1] === '?') {
      out += '?';
      i++;
      continue;
    }
    if (ch !== '?') {
      out += ch;
      continue;
    }
    const b = bindings[k++];
    if (sql[i + 1] === '?') {
      i++;
      out += b?.kind === 'str' && !b.interpolated ? ident(b.value) : 'x';
      continue;
    }
    out += sqlScalar(b) ?? 'NULL';
  }
  return out;
}
