// Sequelize migrations (sequelize-cli, umzug) to the SQL Sequelize's PostgreSQL query
// generator writes for each queryInterface call.
import type { Node } from 'web-tree-sitter';
import { shorten } from './base.js';
import { bodyStatements, flattenChain, jsonOf, JsTranslator, sqlScalar, unwrap, type ChainLink, type JsCtx, type JsValue } from './javascript.js';
import type { ModelState } from './model.js';
import { ident, literal } from './sqltext.js';
import type { DslCall, Translation } from './types.js';

export function translateSequelize(root: Node, source: string, state: ModelState, opts: { path: string }): Translation {
  return new SequelizeTranslator(root, source, state, /\.[cm]?ts$/.test(opts.path)).run();
}

/** DataTypes and the PostgreSQL type Sequelize's postgres dialect writes. */
const SIMPLE_TYPES: Record<string, string> = {
  TEXT: 'TEXT', CITEXT: 'CITEXT', INTEGER: 'INTEGER', BIGINT: 'BIGINT', SMALLINT: 'SMALLINT', TINYINT: 'SMALLINT', MEDIUMINT: 'INTEGER',
  FLOAT: 'FLOAT', REAL: 'REAL', DOUBLE: 'DOUBLE PRECISION', BOOLEAN: 'BOOLEAN', DATEONLY: 'DATE', TIME: 'TIME', UUID: 'UUID', JSON: 'JSON',
  JSONB: 'JSONB', BLOB: 'BYTEA', INET: 'INET', CIDR: 'CIDR', MACADDR: 'MACADDR', TSVECTOR: 'TSVECTOR', HSTORE: 'HSTORE', GEOMETRY: 'GEOMETRY',
  GEOGRAPHY: 'GEOGRAPHY',
};
const READS = new Set(['describeTable', 'showAllTables', 'tableExists']);
const TYPE_NAMES = new Set([...Object.keys(SIMPLE_TYPES), 'STRING', 'CHAR', 'DECIMAL', 'NUMERIC', 'DATE', 'ENUM', 'ARRAY']);

interface Attr {
  type: string;
  /** A PostgreSQL enum type Sequelize creates first: `enum_<table>_<column>`. */
  enumValues?: string[];
  allowNull?: boolean;
  default?: string;
  primaryKey: boolean;
  unique: boolean;
  references?: string;
  comment?: string;
}

class SequelizeTranslator extends JsTranslator {
  private qi = new Set<string>();
  /** Variables holding a transaction opened with `sequelize.transaction()`. */
  private readonly txVars = new Set<string>();
  private inTransaction = false;

  run(): Translation {
    const { fns } = this.migrationFunctions();
    for (const f of fns) {
      this.qi = new Set([f.params[0] ?? 'queryInterface']);
      this.txVars.clear();
      this.inTransaction = false;
      this.statements(bodyStatements(f.fn), { direction: f.direction });
    }
    return this.out;
  }

  private dsl(node: Node, facts: Record<string, string>, options: Record<string, string> = {}): DslCall {
    return { text: node.text, options, facts: { ...facts, inTransaction: this.inTransaction ? 'yes' : 'no', qi: [...this.qi][0] ?? 'queryInterface' } };
  }

  private exemptLast(): void {
    this.out.statements.at(-1)!.exempt = ['transaction-nesting', 'ban-uncommitted-transaction'];
  }

  protected override declaration(decl: Node, value: Node, ctx: JsCtx): boolean {
    const chain = flattenChain(value);
    const name = decl.childForFieldName('name');
    // const t = await queryInterface.sequelize.transaction();
    if (chain && this.qi.has(chain.root) && chain.links.length === 2 && chain.links[0]!.name === 'sequelize' && chain.links[1]!.name === 'transaction' && chain.links[1]!.args?.length === 0) {
      if (name?.type === 'identifier') this.txVars.add(name.text);
      this.emit(value, 'transaction', 'BEGIN', ctx);
      this.exemptLast();
      this.inTransaction = true;
      return true;
    }
    // const sequelize = queryInterface.sequelize;
    if (chain && this.qi.has(chain.root) && chain.links.length === 1 && chain.links[0]!.name === 'sequelize' && !chain.links[0]!.args) return true;
    return false;
  }

  protected override expression(n: Node, ctx: JsCtx): boolean {
    const chain = flattenChain(n);
    if (!chain) return false;
    const links = chain.links;
    if (this.txVars.has(chain.root) && links.length === 1 && (links[0]!.name === 'commit' || links[0]!.name === 'rollback')) {
      if (links[0]!.name === 'commit') {
        this.emit(n, 'commit', 'COMMIT', ctx);
        this.exemptLast();
        this.inTransaction = false;
      }
      return true;
    }
    if (!this.qi.has(chain.root)) return false;
    if (links[0]?.name === 'sequelize' && !links[0].args) {
      const l = links[1];
      if (l?.name === 'query' && l.args) {
        this.outsideTransaction(l);
        this.query(l, ctx);
        return true;
      }
      if (l?.name === 'transaction' && l.args && links.length === 2) {
        const fn = l.args.map((a) => unwrap(a)).find((a) => a.type === 'arrow_function' || a.type === 'function_expression');
        if (!fn) return false;
        const exempt = ['transaction-nesting', 'ban-uncommitted-transaction'];
        this.emit(n, 'transaction', 'BEGIN', ctx);
        this.exemptLast();
        const was = this.inTransaction;
        this.inTransaction = true;
        this.statements(bodyStatements(fn), ctx);
        this.inTransaction = was;
        this.out.statements.push({ sql: 'COMMIT', span: this.lines.span(n.endIndex, n.endIndex), direction: ctx.direction, op: 'transaction', exempt });
        return true;
      }
      return false;
    }
    if (links.length !== 1 || !links[0]!.args) return false;
    this.outsideTransaction(links[0]!);
    this.operation(links[0]!, ctx);
    return true;
  }

  /**
   * Inside a transaction, a call without the `transaction` option runs on another connection of
   * the pool, outside it, while the transaction holds its locks (a lock it needs waits for the
   * transaction, which waits for the call). It is reviewed in the transaction, and said so.
   */
  private outsideTransaction(l: ChainLink): void {
    if (!this.inTransaction || READS.has(l.name)) return;
    const passes = l.args!.some((a) => {
      const v = this.values.value(a);
      return v?.kind === 'object' && v.props.has('transaction');
    });
    if (!passes) this.notice(l.node, `not analysed: \`${l.name}\` is called without the \`transaction\` option inside a transaction: Sequelize runs it on another connection, outside the transaction, while the transaction keeps its locks; it is reviewed as if inside`);
  }

  private query(l: ChainLink, ctx: JsCtx): void {
    const v = this.values.value(l.args![0]);
    if (v?.kind !== 'str') return this.notice(l.node, `not analysed: \`${shorten(l.node.text)}\`: the SQL is not a string known statically`);
    const o = this.values.value(l.args![1]);
    const repl = o?.kind === 'object' ? o.props.get('replacements') : undefined;
    const sql = replacements(v.value, repl).trim().replace(/;\s*$/, '');
    if (sql === '') return;
    this.emit(l.node, 'query', sql, ctx, this.dsl(l.node, { raw: 'yes' }));
  }

  // ------------------------------------------------------------------ types and attributes

  private dataType(v: JsValue | undefined): { sql: string; enumValues?: string[] } | undefined {
    if (!v) return undefined;
    if (v.kind === 'str' && !v.interpolated) return { sql: v.value };
    let path: string[];
    let args: JsValue[] = [];
    if (v.kind === 'ref') path = v.path.split('.');
    else if (v.kind === 'call') {
      path = v.callee.split('.');
      args = v.args;
    } else return undefined;
    const at = path.findIndex((p) => TYPE_NAMES.has(p));
    if (at < 0) return undefined;
    const name = path[at]!;
    const modifiers = path.slice(at + 1);
    const num = (i: number) => (args[i]?.kind === 'num' ? (args[i] as { value: string }).value : undefined);
    const opt = (k: string) => (args[0]?.kind === 'object' ? args[0].props.get(k) : undefined);
    switch (name) {
      case 'STRING': {
        if (modifiers.includes('BINARY') || (args[1]?.kind === 'bool' && args[1].value)) return { sql: 'BYTEA' };
        const len = num(0) ?? (opt('length')?.kind === 'num' ? (opt('length') as { value: string }).value : undefined);
        return { sql: `VARCHAR(${len ?? 255})` };
      }
      case 'CHAR':
        return { sql: `CHAR(${num(0) ?? 255})` };
      case 'DECIMAL':
      case 'NUMERIC': {
        const p = num(0);
        const s = num(1);
        return { sql: p ? `DECIMAL(${p}${s ? `,${s}` : ''})` : 'DECIMAL' };
      }
      case 'DATE': {
        const p = num(0);
        return { sql: p ? `TIMESTAMP(${p}) WITH TIME ZONE` : 'TIMESTAMP WITH TIME ZONE' };
      }
      case 'ENUM': {
        const items = args.length === 1 && args[0]!.kind === 'array' ? args[0]!.items : args[0]?.kind === 'object' ? ((opt('values') as { items?: JsValue[] } | undefined)?.items ?? []) : args;
        const vals = items.map((i) => (i.kind === 'str' && !i.interpolated ? i.value : undefined));
        if (vals.some((x) => x === undefined)) return undefined;
        return { sql: 'ENUM', enumValues: vals as string[] };
      }
      case 'ARRAY': {
        const inner = this.dataType(args[0]);
        return inner && !inner.enumValues ? { sql: `${inner.sql}[]` } : undefined;
      }
      default: {
        if (name === 'INTEGER' || name === 'BIGINT' || name === 'SMALLINT') {
          // INTEGER(11) etc. are MySQL display widths; PostgreSQL has none.
          return { sql: SIMPLE_TYPES[name]! };
        }
        return { sql: SIMPLE_TYPES[name]! };
      }
    }
  }

  /** Sequelize's escaping of a schemable default; undefined when it writes none (NOW, UUIDV4) or it is unknown. */
  private defaultSql(v: JsValue, type: string): { sql?: string } | undefined {
    if (v.kind === 'str' || v.kind === 'num' || v.kind === 'bool' || v.kind === 'null') {
      const sql = sqlScalar(v);
      return sql === undefined ? undefined : { sql };
    }
    switch (v.kind) {
      case 'ref': {
        const last = v.path.split('.').at(-1)!;
        if (last === 'NOW' || last === 'UUIDV4' || last === 'UUIDV1') return {};
        return undefined;
      }
      case 'call': {
        const last = v.callee.split('.').at(-1)!;
        if (last === 'literal' && v.args[0]?.kind === 'str') return { sql: v.args[0].value };
        if (last === 'fn' && v.args[0]?.kind === 'str') {
          const rest = v.args.slice(1).map((a) => (a.kind === 'str' ? literal(a.value) : a.kind === 'num' ? a.value : undefined));
          if (rest.some((r) => r === undefined)) return undefined;
          return { sql: `${v.args[0].value}(${rest.join(', ')})` };
        }
        return undefined;
      }
      case 'object':
      case 'array':
        if (/^JSONB?$/.test(type)) {
          const json = jsonOf(v);
          return json === undefined ? undefined : { sql: literal(json) };
        }
        return undefined;
      default:
        return undefined;
    }
  }

  private attribute(table: string, column: string, node: Node | undefined): Attr | { error: string } {
    const v = this.values.value(node);
    const def = v?.kind === 'object' ? v.props : undefined;
    const typeVal = def ? def.get('type') : v;
    const t = this.dataType(typeVal);
    if (!t) return { error: `the type of \`${column}\` is not known statically` };
    const attr: Attr = { type: t.sql, primaryKey: false, unique: false };
    if (t.enumValues || (t.sql === 'ENUM' && def?.get('values')?.kind === 'array')) {
      const vals = t.enumValues ?? (def!.get('values') as { items: JsValue[] }).items.map((i) => (i.kind === 'str' ? i.value : ''));
      attr.enumValues = vals;
      attr.type = ident(`enum_${table.split('.').pop()}_${column}`);
    }
    if (!def) return attr;
    const flag = (k: string) => {
      const x = def.get(k);
      return x?.kind === 'bool' ? x.value : undefined;
    };
    if (flag('autoIncrement')) attr.type = attr.type === 'BIGINT' ? 'BIGSERIAL' : 'SERIAL';
    const an = flag('allowNull');
    if (an !== undefined) attr.allowNull = an;
    attr.primaryKey = flag('primaryKey') ?? false;
    attr.unique = flag('unique') ?? (def.get('unique')?.kind === 'str');
    if (def.has('defaultValue')) {
      const d = this.defaultSql(def.get('defaultValue')!, attr.type);
      if (!d) return { error: `the default of \`${column}\` is not known statically` };
      if (d.sql !== undefined) attr.default = d.sql;
    }
    const ref = def.get('references');
    if (ref?.kind === 'object') {
      const model = ref.props.get('model');
      const key = ref.props.get('key');
      const tableName = model?.kind === 'str' ? model.value : model?.kind === 'object' && model.props.get('tableName')?.kind === 'str' ? (model.props.get('tableName') as { value: string }).value : undefined;
      if (!tableName) return { error: `the table \`${column}\` references is not known statically` };
      let sql = `REFERENCES ${ident(tableName)} (${ident(key?.kind === 'str' ? key.value : 'id')})`;
      const od = def.get('onDelete');
      const ou = def.get('onUpdate');
      if (od?.kind === 'str') sql += ` ON DELETE ${od.value.toUpperCase()}`;
      if (ou?.kind === 'str') sql += ` ON UPDATE ${ou.value.toUpperCase()}`;
      attr.references = sql;
    }
    const c = def.get('comment');
    if (c?.kind === 'str') attr.comment = c.value;
    return attr;
  }

  private attrSql(a: Attr, inCreate: boolean): string {
    let sql = a.type;
    if (a.allowNull === false) sql += ' NOT NULL';
    if (a.default !== undefined) sql += ` DEFAULT ${a.default}`;
    if (a.unique) sql += ' UNIQUE';
    if (a.primaryKey && !inCreate) sql += ' PRIMARY KEY';
    if (a.references) sql += ` ${a.references}`;
    return sql;
  }

  private createEnum(node: Node, table: string, column: string, a: Attr, ctx: JsCtx, op: string): void {
    if (!a.enumValues) return;
    this.emit(node, op, `CREATE TYPE ${a.type} AS ENUM(${a.enumValues.map(literal).join(', ')})`, ctx, this.dsl(node, { table, column }));
  }

  // ------------------------------------------------------------------ queryInterface calls

  private operation(l: ChainLink, ctx: JsCtx): void {
    const args = l.args!;
    const node = l.node;
    const fail = (why: string) => this.notice(node, `not analysed: \`${l.name}\`: ${why}`);
    const str = (i: number) => this.tableOf(args[i]);
    // addColumn / changeColumn (table, column, attribute)
    const columnAttribute = () => {
      const table = str(0);
      const column = this.values.str(args[1]);
      if (!table || !column) return { error: 'the table or column name is not known statically' };
      const a = this.attribute(table, column, args[2]);
      return 'error' in a ? a : { table, column, a };
    };
    const optionsNode = (i: number) => (args[i] && unwrap(args[i]!).type === 'object' ? args[i] : undefined);
    const options = (i: number) => {
      const v = this.values.value(optionsNode(i));
      return v?.kind === 'object' ? v.props : new Map<string, JsValue>();
    };
    const emit = (op: string, sql: string, facts: Record<string, string>, opts: Record<string, string> = {}) => this.emit(node, op, sql, ctx, this.dsl(node, facts, opts));
    switch (l.name) {
      case 'createTable': {
        const table = str(0);
        const attrs = this.values.value(args[1]);
        if (!table) return fail('the table name is not known statically');
        if (attrs?.kind !== 'object') return fail('the attributes are not an object literal');
        const cols: string[] = [];
        const pks: string[] = [];
        const model: [string, string][] = [];
        const attrNodes = unwrap(args[1]!).namedChildren.filter((p): p is Node => !!p && p.type === 'pair');
        for (const p of attrNodes) {
          const column = this.values.str(p.childForFieldName('key')) ?? p.childForFieldName('key')?.text.replace(/^['"]|['"]$/g, '');
          if (!column) continue;
          const a = this.attribute(table, column, p.childForFieldName('value') ?? undefined);
          if ('error' in a) return fail(a.error);
          this.createEnum(node, table, column, a, ctx, 'createTable');
          cols.push(`${ident(column)} ${this.attrSql(a, true)}`);
          if (a.primaryKey) pks.push(column);
          model.push([column, a.type.replace(/^BIGSERIAL$/, 'BIGINT').replace(/^SERIAL$/, 'INTEGER')]);
        }
        if (pks.length) cols.push(`PRIMARY KEY (${pks.map(ident).join(', ')})`);
        emit('createTable', `CREATE TABLE IF NOT EXISTS ${ident(table)} (${cols.join(', ')})`, { table });
        const serial = attrNodes.length && pks.length === 1;
        this.state.createTable(table, model, serial ? { column: pks[0]!, serial: true } : undefined);
        return;
      }
      case 'dropTable': {
        const table = str(0);
        if (!table) return fail('the table name is not known statically');
        const cascade = options(1).get('cascade');
        emit('dropTable', `DROP TABLE IF EXISTS ${ident(table)}${cascade?.kind === 'bool' && cascade.value ? ' CASCADE' : ''}`, { table });
        this.state.dropTable(table);
        return;
      }
      case 'renameTable': {
        const from = str(0);
        const to = str(1);
        if (!from || !to) return fail('the table names are not known statically');
        emit('renameTable', `ALTER TABLE ${ident(from)} RENAME TO ${ident(to)}`, { table: from });
        this.state.renameTable(from, to);
        return;
      }
      case 'addColumn': {
        const target = columnAttribute();
        if ('error' in target) return fail(target.error);
        const { table, column, a } = target;
        this.createEnum(node, table, column, a, ctx, 'addColumn');
        emit('addColumn', `ALTER TABLE ${ident(table)} ADD COLUMN ${ident(column)} ${this.attrSql(a, false)}`, { table, column });
        if (a.comment !== undefined) emit('addColumn', `COMMENT ON COLUMN ${ident(table)}.${ident(column)} IS ${literal(a.comment)}`, { table, column });
        this.state.addColumn(table, column, a.type);
        return;
      }
      case 'changeColumn': {
        const target = columnAttribute();
        if ('error' in target) return fail(target.error);
        const { table, column, a } = target;
        const t = ident(table);
        const c = ident(column);
        const facts = { table, column };
        if (a.allowNull === false) emit('changeColumn', `ALTER TABLE ${t} ALTER COLUMN ${c} SET NOT NULL`, { ...facts, setNotNull: 'yes' });
        else if (!a.references) emit('changeColumn', `ALTER TABLE ${t} ALTER COLUMN ${c} DROP NOT NULL`, facts);
        if (a.default !== undefined) emit('changeColumn', `ALTER TABLE ${t} ALTER COLUMN ${c} SET DEFAULT ${a.default}`, facts);
        else if (!a.references) emit('changeColumn', `ALTER TABLE ${t} ALTER COLUMN ${c} DROP DEFAULT`, facts);
        if (a.enumValues) {
          this.createEnum(node, table, column, a, ctx, 'changeColumn');
          emit('changeColumn', `ALTER TABLE ${t} ALTER COLUMN ${c} TYPE ${a.type} USING (${c}::${a.type})`, facts);
        } else if (a.references) emit('changeColumn', `ALTER TABLE ${t} ADD FOREIGN KEY (${c}) ${a.references}`, facts);
        else emit('changeColumn', `ALTER TABLE ${t} ALTER COLUMN ${c} TYPE ${a.type}`, facts);
        if (a.unique) emit('changeColumn', `ALTER TABLE ${t} ADD UNIQUE (${c})`, facts);
        this.state.addColumn(table, column, a.type);
        return;
      }
      case 'removeColumn': {
        const table = str(0);
        const column = this.values.str(args[1]);
        if (!table || !column) return fail('the table or column name is not known statically');
        emit('removeColumn', `ALTER TABLE ${ident(table)} DROP COLUMN ${ident(column)}`, { table, column });
        this.state.removeColumn(table, column);
        return;
      }
      case 'renameColumn': {
        const table = str(0);
        const from = this.values.str(args[1]);
        const to = this.values.str(args[2]);
        if (!table || !from || !to) return fail('the names are not known statically');
        emit('renameColumn', `ALTER TABLE ${ident(table)} RENAME COLUMN ${ident(from)} TO ${ident(to)}`, { table, column: from });
        this.state.renameColumn(table, from, to);
        return;
      }
      case 'addIndex':
        return this.addIndex(l, ctx);
      case 'removeIndex': {
        const table = str(0);
        const target = this.values.value(args[1]);
        if (!table) return fail('the table name is not known statically');
        let name: string | undefined;
        if (target?.kind === 'str' && !target.interpolated) name = target.value;
        else if (target?.kind === 'array') {
          const cols = target.items.map((i) => (i.kind === 'str' ? i.value : undefined));
          if (!cols.some((c) => c === undefined)) name = underscore(`${table}_${cols.join('_')}`);
        }
        if (!name) return fail('the index name is not known statically');
        const o = options(2);
        const conc = o.get('concurrently')?.kind === 'bool' && (o.get('concurrently') as { value: boolean }).value;
        emit('removeIndex', `DROP INDEX ${conc ? 'CONCURRENTLY ' : ''}IF EXISTS ${ident(name)}`, { table, index: name, ...optionFacts(optionsNode(2)) });
        this.state.removeIndex(name);
        return;
      }
      case 'addConstraint':
        return this.addConstraint(l, ctx);
      case 'removeConstraint': {
        const table = str(0);
        const name = this.values.str(args[1]);
        if (!table || !name) return fail('the table or constraint name is not known statically');
        emit('removeConstraint', `ALTER TABLE ${ident(table)} DROP CONSTRAINT ${ident(name)}`, { table, constraint: name });
        return;
      }
      case 'createSchema':
      case 'dropSchema': {
        const name = this.values.str(args[0]);
        if (!name) return fail('the schema name is not known statically');
        emit(l.name, l.name === 'createSchema' ? `CREATE SCHEMA IF NOT EXISTS ${ident(name)}` : `DROP SCHEMA IF EXISTS ${ident(name)} CASCADE`, {});
        return;
      }
      case 'bulkInsert':
      case 'bulkUpdate':
      case 'bulkDelete':
        return this.notice(node, `not analysed: \`${l.name}\` changes rows; review how many it touches (${shorten(node.text)})`);
      case 'describeTable':
      case 'showAllTables':
      case 'tableExists':
        // Reads the catalog; the condition it feeds is reported where it is tested.
        return;
      default:
        fail('this queryInterface method is not translated');
    }
  }

  /** A table argument: a name, or `{ tableName, schema }`. */
  private tableOf(node: Node | undefined): string | undefined {
    const v = this.values.value(node);
    if (v?.kind === 'str' && !v.interpolated) return v.value;
    if (v?.kind === 'object') {
      const t = v.props.get('tableName');
      const s = v.props.get('schema');
      if (t?.kind === 'str') return s?.kind === 'str' ? `${s.value}.${t.value}` : t.value;
    }
    return undefined;
  }

  private addIndex(l: ChainLink, ctx: JsCtx): void {
    const args = l.args!;
    const node = l.node;
    const fail = (why: string) => this.notice(node, `not analysed: \`addIndex\`: ${why}`);
    const table = this.tableOf(args[0]);
    if (!table) return fail('the table name is not known statically');
    const second = this.values.value(args[1]);
    const third = this.values.value(args[2]);
    const o = new Map<string, JsValue>([...(third?.kind === 'object' ? third.props : []), ...(second?.kind === 'object' ? second.props : [])]);
    const fieldsVal = second?.kind === 'array' ? second : o.get('fields');
    if (fieldsVal?.kind !== 'array') return fail('the fields are not known statically');
    const parts: string[] = [];
    const names: string[] = [];
    for (const f of fieldsVal.items) {
      if (f.kind === 'str' && !f.interpolated) {
        parts.push(ident(f.value));
        names.push(f.value);
      } else if (f.kind === 'object') {
        const n = f.props.get('name') ?? f.props.get('attribute');
        if (n?.kind !== 'str') return fail('a field is not known statically');
        const order = f.props.get('order');
        const op = f.props.get('operator');
        parts.push(`${ident(n.value)}${op?.kind === 'str' ? ` ${op.value}` : ''}${order?.kind === 'str' ? ` ${order.value}` : ''}`);
        names.push(n.value);
      } else if (f.kind === 'call' && f.callee.endsWith('literal') && f.args[0]?.kind === 'str') {
        parts.push(f.args[0].value);
        names.push(f.args[0].value);
      } else return fail('a field is not known statically');
    }
    const s = (k: string) => (o.get(k)?.kind === 'str' ? (o.get(k) as { value: string }).value : undefined);
    const b = (k: string) => o.get(k)?.kind === 'bool' && (o.get(k) as { value: boolean }).value;
    const name = s('name') ?? underscore(`${table.split('.').pop()}_${names.join('_')}`);
    const unique = b('unique') || s('type')?.toUpperCase() === 'UNIQUE';
    const conc = b('concurrently');
    const using = s('using') ?? s('method');
    let sql = `CREATE ${unique ? 'UNIQUE ' : ''}INDEX ${conc ? 'CONCURRENTLY ' : ''}${ident(name)} ON ${ident(table)}${using ? ` USING ${using}` : ''} (${parts.join(', ')})`;
    if (o.has('where')) {
      const w = whereSql(o.get('where')!);
      if (w === undefined) return fail('the `where` condition is not known statically');
      sql += ` WHERE ${w}`;
    }
    const optionsNode = second?.kind === 'object' ? second.node : third?.kind === 'object' ? third.node : undefined;
    this.emit(node, 'addIndex', sql, ctx, this.dsl(node, { table, index: name, ...optionFacts(optionsNode) }));
    this.state.addIndex(table, name, names);
  }

  private addConstraint(l: ChainLink, ctx: JsCtx): void {
    const args = l.args!;
    const node = l.node;
    const fail = (why: string) => this.notice(node, `not analysed: \`addConstraint\`: ${why}`);
    const table = this.tableOf(args[0]);
    if (!table) return fail('the table name is not known statically');
    // v5+: addConstraint(table, { fields, type, … }); v4: addConstraint(table, fields, { type, … }).
    const second = this.values.value(args[1]);
    const o = second?.kind === 'array' ? new Map([...((this.values.value(args[2]) as { props?: Map<string, JsValue> } | undefined)?.props ?? []), ['fields', second] as [string, JsValue]]) : second?.kind === 'object' ? second.props : undefined;
    if (!o) return fail('the options are not an object literal');
    const fieldsVal = o.get('fields');
    const fields = fieldsVal?.kind === 'array' ? fieldsVal.items.map((f) => (f.kind === 'str' ? f.value : f.kind === 'object' && f.props.get('attribute')?.kind === 'str' ? (f.props.get('attribute') as { value: string }).value : undefined)) : [];
    if (fields.some((f) => f === undefined)) return fail('the fields are not known statically');
    const type = (o.get('type')?.kind === 'str' ? (o.get('type') as { value: string }).value : '').toLowerCase();
    const base = table.split('.').pop()!;
    const cols = (fields as string[]).map(ident).join(', ');
    const given = o.get('name')?.kind === 'str' ? (o.get('name') as { value: string }).value : undefined;
    let name: string;
    let snippet: string;
    switch (type) {
      case 'unique':
        name = given ?? `${base}_${fields.join('_')}_uk`;
        snippet = `UNIQUE (${cols})`;
        break;
      case 'primary key':
        name = given ?? `${base}_${fields.join('_')}_pk`;
        snippet = `PRIMARY KEY (${cols})`;
        break;
      case 'check': {
        name = given ?? `${base}_${fields.join('_')}_ck`;
        const w = o.get('where') ? whereSql(o.get('where')!) : undefined;
        if (w === undefined) return fail('the check condition is not known statically');
        snippet = `CHECK (${w})`;
        break;
      }
      case 'foreign key': {
        const ref = o.get('references');
        const rt = ref?.kind === 'object' ? ref.props.get('table') : undefined;
        const rf = ref?.kind === 'object' ? ref.props.get('field') ?? ref.props.get('fields') : undefined;
        const refTable = rt?.kind === 'str' ? rt.value : rt?.kind === 'object' && rt.props.get('tableName')?.kind === 'str' ? (rt.props.get('tableName') as { value: string }).value : undefined;
        const refFields = rf?.kind === 'str' ? [rf.value] : rf?.kind === 'array' ? rf.items.map((x) => (x.kind === 'str' ? x.value : '')) : [];
        if (!refTable || refFields.length === 0) return fail('the referenced table or field is not known statically');
        name = given ?? `${base}_${fields.join('_')}_${refTable}_fk`;
        snippet = `FOREIGN KEY (${cols}) REFERENCES ${ident(refTable)} (${refFields.map(ident).join(', ')})`;
        const od = o.get('onDelete');
        const ou = o.get('onUpdate');
        if (od?.kind === 'str') snippet += ` ON DELETE ${od.value.toUpperCase()}`;
        if (ou?.kind === 'str') snippet += ` ON UPDATE ${ou.value.toUpperCase()}`;
        break;
      }
      default:
        return fail(`the constraint type ${type ? `'${type}'` : ''} is not translated`);
    }
    const sql = `ALTER TABLE ${ident(table)} ADD CONSTRAINT ${ident(name)} ${snippet}`;
    this.emit(node, 'addConstraint', sql, ctx, this.dsl(node, { table, constraint: name, type }));
  }
}

/** The options object's text and its `transaction` entry, for fixes that edit them. */
function optionFacts(node: Node | undefined): Record<string, string> {
  if (!node) return {};
  const o = unwrap(node);
  const facts: Record<string, string> = { optionsText: o.text };
  for (const p of o.namedChildren) {
    if (!p) continue;
    const key = p.type === 'pair' ? p.childForFieldName('key')?.text : p.type === 'shorthand_property_identifier' ? p.text : undefined;
    if (key === 'transaction') facts['transactionEntry'] = p.text;
  }
  return facts;
}

/** inflection's `underscore`, which Sequelize applies to generated index names. */
function underscore(s: string): string {
  return s.replace(/([a-z\d])([A-Z])/g, '$1_$2').replace(/-/g, '_').toLowerCase();
}

const OPS: Record<string, string> = { eq: '=', ne: '!=', gt: '>', gte: '>=', lt: '<', lte: '<=', like: 'LIKE', notLike: 'NOT LIKE', iLike: 'ILIKE' };

/** A Sequelize `where` object as SQL: equality, IS NULL, `Op.*` comparisons, `Op.in`, and/or. */
function whereSql(v: JsValue): string | undefined {
  if (v.kind === 'call' && v.callee.endsWith('literal') && v.args[0]?.kind === 'str') return v.args[0].value;
  if (v.kind !== 'object') return undefined;
  const parts: string[] = [];
  for (const [key, val] of v.props) {
    const op = /^\[(?:\w+\.)*Op\.(\w+)\]$/.exec(key)?.[1];
    if (op === 'and' || op === 'or') {
      const items = val.kind === 'array' ? val.items : val.kind === 'object' ? [...val.props].map(([k, x]) => ({ kind: 'object', props: new Map([[k, x]]), node: val.node }) as JsValue) : [];
      const sub = items.map(whereSql);
      if (sub.some((s) => s === undefined) || sub.length === 0) return undefined;
      parts.push(`(${sub.join(op === 'and' ? ' AND ' : ' OR ')})`);
      continue;
    }
    if (op) return undefined;
    const col = ident(key);
    if (val.kind === 'object') {
      for (const [k, x] of val.props) {
        const o = /^\[(?:\w+\.)*Op\.(\w+)\]$/.exec(k)?.[1];
        if (!o) return undefined;
        if ((o === 'ne' || o === 'not') && x.kind === 'null') parts.push(`${col} IS NOT NULL`);
        else if ((o === 'eq' || o === 'is') && x.kind === 'null') parts.push(`${col} IS NULL`);
        else if ((o === 'in' || o === 'notIn') && x.kind === 'array') {
          const items = x.items.map(sqlScalar);
          if (items.some((i) => i === undefined)) return undefined;
          parts.push(`${col} ${o === 'in' ? 'IN' : 'NOT IN'} (${items.join(', ')})`);
        } else if (OPS[o]) {
          const s = sqlScalar(x);
          if (s === undefined) return undefined;
          parts.push(`${col} ${OPS[o]} ${s}`);
        } else return undefined;
      }
      continue;
    }
    if (val.kind === 'null') {
      parts.push(`${col} IS NULL`);
      continue;
    }
    const s = sqlScalar(val);
    if (s === undefined) return undefined;
    parts.push(`${col} = ${s}`);
  }
  return parts.length ? parts.join(' AND ') : undefined;
}

/** `?` replacements from an array, `:name` from an object, as Sequelize fills them. */
function replacements(sql: string, repl: JsValue | undefined): string {
  if (!repl) return sql;
  if (repl.kind === 'array') {
    let k = 0;
    let out = '';
    for (const ch of sql) {
      if (ch === '?') {
        const v = repl.items[k++];
        out += (v && sqlScalar(v)) ?? 'NULL';
      } else out += ch;
    }
    return out;
  }
  if (repl.kind === 'object') {
    let out = '';
    for (let i = 0; i < sql.length; i++) {
      const m = sql[i] === ':' && sql[i - 1] !== ':' && sql[i + 1] !== ':' ? /^:([A-Za-z_]\w*)/.exec(sql.slice(i)) : null;
      const v = m ? repl.props.get(m[1]!) : undefined;
      if (m && v) {
        out += sqlScalar(v) ?? 'NULL';
        i += m[0].length - 1;
      } else out += sql[i];
    }
    return out;
  }
  return sql;
}
