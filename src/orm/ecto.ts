// Ecto migrations (Ecto.Migration DSL) to the SQL the Postgres adapter (ecto_sql) runs.
import type { Node } from 'web-tree-sitter';
import type { Direction } from '../types.js';
import { dedent, shorten, TranslatorBase } from './base.js';
import type { ModelState } from './model.js';
import { ident, literal, stripLineComments } from './sqltext.js';
import type { DslCall, Translation } from './types.js';
import { toSqlLiteral, type LiteralOf } from './values.js';

type EValue =
  | { kind: 'atom'; value: string }
  | { kind: 'str'; value: string; interpolated: boolean }
  | { kind: 'list'; items: EValue[] }
  | { kind: 'kw'; pairs: Map<string, EValue> }
  | { kind: 'bool'; value: boolean }
  | { kind: 'nil' }
  | { kind: 'num'; value: string }
  | { kind: 'tuple'; items: EValue[] }
  | { kind: 'call'; name: string; args: EArgs; node: Node }
  | { kind: 'other'; text: string };

/** Elixir values as literals (lists and keyword lists are not used as JSON here). */
const exLiteral: LiteralOf<EValue> = (v) => (v.kind === 'str' || v.kind === 'num' || v.kind === 'bool' ? v : v.kind === 'nil' ? { kind: 'null' } : undefined);

interface EArgs {
  positional: EValue[];
  options: Map<string, EValue>;
  optionText: Map<string, string>;
}

interface Ctx {
  direction: Direction;
  /** `def change`: `execute(up, down)` runs its first argument. */
  change: boolean;
}

export function translateEcto(root: Node, source: string, state: ModelState, opts: { path: string }): Translation {
  void opts;
  return new EctoTranslator(root, source, state).run();
}

const STRUCTURE = new Set(['defmodule', 'use', 'import', 'alias', 'require', '@', 'def', 'defp']);

class EctoTranslator extends TranslatorBase {

  constructor(
    private readonly root: Node,
    source: string,
    private readonly state: ModelState,
  ) {
    super(source);
  }

  run(): Translation {
    this.visitModule(this.root);
    return this.out;
  }

  private visitModule(node: Node): void {
    for (const child of node.namedChildren) {
      if (!child) continue;
      if (child.type === 'call') {
        const target = child.childForFieldName('target')?.text;
        if (target === 'defmodule') {
          const block = child.namedChildren.find((n) => n?.type === 'do_block');
          if (block) this.visitModule(block);
        } else if (target === 'def') {
          const head = child.namedChildren.find((n) => n?.type === 'arguments')?.namedChildren[0];
          const name = head?.type === 'call' ? head.childForFieldName('target')?.text : head?.text;
          const block = child.namedChildren.find((n) => n?.type === 'do_block');
          if (block && (name === 'up' || name === 'down' || name === 'change')) {
            this.visitBody(block, { direction: name === 'down' ? 'down' : 'up', change: name === 'change' });
          }
        }
      }
    }
  }

  private visitBody(block: Node, ctx: Ctx): void {
    for (const stmt of block.namedChildren) {
      if (!stmt || stmt.type === 'comment') continue;
      if (stmt.type !== 'call') {
        this.notice(stmt, `not analysed: \`${shorten(stmt.text)}\` is Elixir code dbarch does not translate`);
        continue;
      }
      this.statement(stmt, ctx);
    }
  }

  private args(call: Node): EArgs {
    const out: EArgs = { positional: [], options: new Map(), optionText: new Map() };
    const list = call.namedChildren.find((n) => n?.type === 'arguments');
    for (const a of list?.namedChildren ?? []) {
      if (!a || a.type === 'comment') continue;
      if (a.type === 'keywords') {
        for (const p of a.namedChildren) {
          if (p?.type !== 'pair') continue;
          const key = p.childForFieldName('key')?.text.replace(/:\s*$/, '');
          const value = p.childForFieldName('value');
          if (key && value) {
            out.options.set(key, this.value(value));
            out.optionText.set(key, value.text);
          }
        }
      } else out.positional.push(this.value(a));
    }
    return out;
  }

  private value(node: Node): EValue {
    switch (node.type) {
      case 'atom':
        return { kind: 'atom', value: node.text.replace(/^:"?|"$/g, '') };
      case 'quoted_atom':
        return { kind: 'atom', value: node.text.slice(2, -1) };
      case 'string':
      case 'charlist': {
        let value = '';
        let interpolated = false;
        for (const c of node.namedChildren) {
          if (!c) continue;
          if (c.type === 'quoted_content') value += c.text;
          else if (c.type === 'escape_sequence') value += ({ n: '\n', t: '\t', '"': '"', '\\': '\\' } as Record<string, string>)[c.text.slice(1)] ?? c.text.slice(1);
          else if (c.type === 'interpolation') {
            interpolated = true;
            value += c.text;
          }
        }
        if (node.text.startsWith('"""')) value = dedent(value);
        return { kind: 'str', value, interpolated };
      }
      case 'list':
        return { kind: 'list', items: node.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment').flatMap((n) => (n.type === 'keywords' ? [this.kw(n)] : [this.value(n)])) };
      case 'keywords':
        return this.kw(node);
      case 'map': {
        const content = node.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment');
        return content.length === 0 ? { kind: 'kw', pairs: new Map() } : { kind: 'other', text: node.text };
      }
      case 'tuple':
        return { kind: 'tuple', items: node.namedChildren.filter((n): n is Node => !!n).map((n) => this.value(n)) };
      case 'boolean':
        return { kind: 'bool', value: node.text === 'true' };
      case 'nil':
        return { kind: 'nil' };
      case 'integer':
      case 'float':
        return { kind: 'num', value: node.text.replace(/_/g, '') };
      case 'call': {
        const name = node.childForFieldName('target')?.text ?? '';
        return { kind: 'call', name, args: this.args(node), node };
      }
      case 'sigil': {
        const content = node.namedChildren.find((n) => n?.type === 'quoted_content');
        return { kind: 'str', value: content?.text ?? '', interpolated: false };
      }
      default:
        return { kind: 'other', text: node.text };
    }
  }

  private kw(node: Node): EValue {
    const pairs = new Map<string, EValue>();
    for (const p of node.namedChildren) {
      if (p?.type !== 'pair') continue;
      const key = p.childForFieldName('key')?.text.replace(/:\s*$/, '');
      const value = p.childForFieldName('value');
      if (key && value) pairs.set(key, this.value(value));
    }
    return { kind: 'kw', pairs };
  }

  private dslCall(node: Node, args: EArgs, facts: Record<string, string>): DslCall {
    return { text: node.text, options: Object.fromEntries(args.optionText), facts };
  }

  private statement(node: Node, ctx: Ctx): void {
    const verb = node.childForFieldName('target')?.text;
    const args = this.args(node);
    const fail = (what: string) => this.notice(node, `not analysed: \`${verb}\`: ${what}`);
    switch (verb) {
      case 'create':
      case 'create_if_not_exists':
      case 'drop':
      case 'drop_if_exists': {
        const obj = args.positional[0];
        if (obj?.kind !== 'call') return fail('its argument is not table(), index() or constraint()');
        const ifx = verb.endsWith('_if_not_exists') ? 'IF NOT EXISTS ' : verb.endsWith('_if_exists') ? 'IF EXISTS ' : '';
        const creating = verb.startsWith('create');
        if (obj.name === 'table') return creating ? this.createTable(node, obj, ifx, ctx) : this.dropTable(node, obj, ifx, args, ctx);
        if (obj.name === 'index' || obj.name === 'unique_index') return this.index(node, obj, creating, ifx, ctx);
        if (obj.name === 'constraint') return this.constraint(node, obj, creating, ifx, ctx);
        return fail(`\`${obj.name}()\` is not translated`);
      }
      case 'alter': {
        const obj = args.positional[0];
        const table = obj?.kind === 'call' && obj.name === 'table' ? nameOf(obj.args.positional[0]) : undefined;
        if (!table) return fail('the table is not known statically');
        const block = node.namedChildren.find((n) => n?.type === 'do_block');
        for (const c of block?.namedChildren ?? []) if (c && c.type !== 'comment') this.columnOp(c, table, false, [], ctx);
        return;
      }
      case 'rename': {
        const obj = args.positional[0];
        const table = obj?.kind === 'call' && obj.name === 'table' ? nameOf(obj.args.positional[0]) : undefined;
        const to = args.options.get('to');
        if (!table || !to) return fail('the names are not known statically');
        if (to.kind === 'call' && to.name === 'table') {
          const newName = nameOf(to.args.positional[0]);
          if (!newName) return fail('the new name is not known statically');
          this.emit(node, 'rename table', `ALTER TABLE ${ident(table)} RENAME TO ${ident(newName)}`, ctx, this.dslCall(node, args, { table }));
          this.state.renameTable(table, newName);
          return;
        }
        const from = nameOf(args.positional[1]);
        const toCol = nameOf(to);
        if (!from || !toCol) return fail('the column names are not known statically');
        this.emit(node, 'rename column', `ALTER TABLE ${ident(table)} RENAME COLUMN ${ident(from)} TO ${ident(toCol)}`, ctx, this.dslCall(node, args, { table, column: from }));
        this.state.renameColumn(table, from, toCol);
        return;
      }
      case 'execute': {
        const sqlArg = ctx.change || ctx.direction === 'up' || ctx.direction === 'down' ? args.positional[0] : undefined;
        if (sqlArg?.kind === 'str' && !sqlArg.interpolated) {
          this.emit(node, 'execute', stripLineComments(sqlArg.value).trim().replace(/;\s*$/, ''), ctx);
          if (ctx.change && args.positional[1]?.kind === 'str') {
            const down = args.positional[1];
            this.emit(node, 'execute', stripLineComments(down.value).trim().replace(/;\s*$/, ''), { ...ctx, direction: 'down' });
          }
          return;
        }
        if (sqlArg?.kind === 'call' && sqlArg.name === 'fn') return fail('a function is run, not SQL');
        return fail('the SQL is not a literal string');
      }
      case 'flush':
      case 'IO.puts':
      case 'Logger.info':
        return;
      default:
        this.notice(node, `not analysed: \`${shorten(node.text)}\` is not a schema operation dbarch translates`);
    }
  }

  // ------------------------------------------------------------ tables and columns

  private type(t: EValue | undefined, o: Map<string, EValue>): string | undefined {
    if (!t) return undefined;
    if (t.kind === 'tuple' && t.items[0]?.kind === 'atom' && t.items[0].value === 'array') {
      const inner = this.type(t.items[1], new Map());
      return inner ? `${inner}[]` : undefined;
    }
    const name = nameOf(t);
    if (!name) return undefined;
    const size = o.get('size')?.kind === 'num' ? (o.get('size') as { value: string }).value : undefined;
    const precision = o.get('precision')?.kind === 'num' ? (o.get('precision') as { value: string }).value : undefined;
    const scale = o.get('scale')?.kind === 'num' ? (o.get('scale') as { value: string }).value : undefined;
    switch (name) {
      case 'string':
        return `varchar(${size ?? 255})`;
      case 'binary_id':
      case 'uuid':
        return 'uuid';
      case 'binary':
        return 'bytea';
      case 'map':
        return 'jsonb';
      case 'utc_datetime':
      case 'naive_datetime':
        return 'timestamp(0)';
      case 'utc_datetime_usec':
      case 'naive_datetime_usec':
        return 'timestamp';
      case 'time':
        return 'time(0)';
      case 'time_usec':
        return 'time';
      case 'decimal':
        return precision ? `decimal(${precision}${scale ? `,${scale}` : ''})` : 'decimal';
      case 'float':
        return 'float';
      case 'id':
        return 'integer';
      default:
        return name;
    }
  }

  private defaultSql(v: EValue | undefined): string | undefined {
    if (!v) return undefined;
    const scalar = toSqlLiteral(v, exLiteral);
    if (scalar !== undefined || v.kind === 'str') return scalar;
    switch (v.kind) {
      case 'call':
        if (v.name === 'fragment' && v.args.positional[0]?.kind === 'str') return v.args.positional[0].value;
        return undefined;
      case 'list':
        return v.items.length === 0 ? "'{}'" : undefined;
      case 'kw':
        return v.pairs.size === 0 ? "'{}'" : undefined;
      default:
        return undefined;
    }
  }

  /** `"c" type …` for `add`; references() becomes an inline foreign key as ecto_sql writes it. */
  private columnDef(table: string, column: string, typeArg: EValue | undefined, o: Map<string, EValue>): { sql: string; type: string; fk?: string } | { error: string } {
    let sql: string;
    let type: string;
    let fk: string | undefined;
    if (typeArg?.kind === 'call' && typeArg.name === 'references') {
      const ref = nameOf(typeArg.args.positional[0]);
      const ro = typeArg.args.options;
      if (!ref) return { error: 'the referenced table is not known statically' };
      type = this.type(ro.get('type'), new Map()) ?? 'bigint';
      const name = nameOf(ro.get('name')) ?? `${table}_${column}_fkey`;
      fk = name;
      let refSql = `CONSTRAINT ${ident(name)} REFERENCES ${ident(ref)}(${ident(nameOf(ro.get('column')) ?? 'id')})`;
      const onDelete = { delete_all: 'CASCADE', nilify_all: 'SET NULL', restrict: 'RESTRICT' }[nameOf(ro.get('on_delete')) ?? ''];
      if (onDelete) refSql += ` ON DELETE ${onDelete}`;
      const onUpdate = { update_all: 'CASCADE', nilify_all: 'SET NULL', restrict: 'RESTRICT' }[nameOf(ro.get('on_update')) ?? ''];
      if (onUpdate) refSql += ` ON UPDATE ${onUpdate}`;
      if (ro.get('validate')?.kind === 'bool' && !(ro.get('validate') as { value: boolean }).value) refSql += ' NOT VALID';
      sql = `${ident(column)} ${type} ${refSql}`;
    } else {
      const t = this.type(typeArg, o);
      if (!t) return { error: `the type of \`${column}\` is not known statically` };
      type = t;
      sql = `${ident(column)} ${t}`;
    }
    if (o.has('default')) {
      const d = this.defaultSql(o.get('default'));
      if (d === undefined) return { error: `the default of \`${column}\` is not known statically` };
      sql += ` DEFAULT ${d}`;
    }
    const nul = o.get('null');
    if (nul?.kind === 'bool' && !nul.value) sql += ' NOT NULL';
    return fk ? { sql, type, fk } : { sql, type };
  }

  private createTable(node: Node, obj: Extract<EValue, { kind: 'call' }>, ifx: string, ctx: Ctx): void {
    const table = nameOf(obj.args.positional[0]);
    if (!table) return this.notice(node, 'not analysed: `create table`: the table name is not known statically');
    const o = obj.args.options;
    const columns: string[] = [];
    const pks: string[] = [];
    const model: [string, string][] = [];
    const pk = o.get('primary_key');
    if (!(pk?.kind === 'bool' && !pk.value)) {
      const pkName = pk?.kind === 'kw' ? (nameOf(pk.pairs.get('name')) ?? 'id') : 'id';
      const pkType = pk?.kind === 'kw' ? (this.type(pk.pairs.get('type'), new Map()) ?? 'bigserial') : 'bigserial';
      columns.push(`${ident(pkName)} ${pkType}`);
      pks.push(pkName);
      model.push([pkName, pkType === 'bigserial' ? 'bigint' : pkType]);
    }
    const block = node.namedChildren.find((n) => n?.type === 'do_block');
    for (const c of block?.namedChildren ?? []) {
      if (!c || c.type === 'comment') continue;
      const added = this.columnOp(c, table, true, pks, ctx);
      for (const a of added) {
        columns.push(a.sql);
        model.push([a.name, a.type]);
      }
    }
    const cols = [...columns, ...(pks.length ? [`PRIMARY KEY (${pks.map(ident).join(', ')})`] : [])];
    this.emit(node, 'create table', `CREATE TABLE ${ifx}${ident(table)} (${cols.join(', ')})`, ctx, { text: node.text, options: {}, facts: { table } });
    this.state.createTable(table, model, pks.length === 1 ? { column: pks[0]!, serial: true } : undefined);
  }

  private dropTable(node: Node, obj: Extract<EValue, { kind: 'call' }>, ifx: string, args: EArgs, ctx: Ctx): void {
    const table = nameOf(obj.args.positional[0]);
    if (!table) return this.notice(node, 'not analysed: `drop table`: the table name is not known statically');
    const cascade = nameOf(args.options.get('mode')) === 'cascade' ? ' CASCADE' : '';
    this.emit(node, 'drop table', `DROP TABLE ${ifx}${ident(table)}${cascade}`, ctx, this.dslCall(node, args, { table }));
    this.state.dropTable(table);
  }

  /** One line of a create/alter block; in create it returns the column definitions. */
  private columnOp(node: Node, table: string, creating: boolean, pks: string[], ctx: Ctx): { name: string; sql: string; type: string }[] {
    if (node.type !== 'call') {
      this.notice(node, `not analysed: \`${shorten(node.text)}\` is Elixir code dbarch does not translate`);
      return [];
    }
    const verb = node.childForFieldName('target')?.text ?? '';
    const args = this.args(node);
    const o = args.options;
    const alter = (sql: string, facts: Record<string, string> = {}) => this.emit(node, verb, `ALTER TABLE ${ident(table)} ${sql}`, ctx, this.dslCall(node, args, { table, ...facts }));
    const fail = (what: string) => (this.notice(node, `not analysed: \`${verb}\`: ${what}`), []);
    switch (verb) {
      case 'add':
      case 'add_if_not_exists': {
        const column = nameOf(args.positional[0]);
        if (!column) return fail('the column name is not known statically');
        const def = this.columnDef(table, column, args.positional[1], o);
        if ('error' in def) return fail(def.error);
        if (creating) {
          if (o.get('primary_key')?.kind === 'bool' && (o.get('primary_key') as { value: boolean }).value) pks.push(column);
          return [{ name: column, sql: def.sql, type: def.type }];
        }
        alter(`ADD COLUMN ${verb === 'add_if_not_exists' ? 'IF NOT EXISTS ' : ''}${def.sql}`, { column, ...(def.fk ? { constraint: def.fk } : {}) });
        this.state.addColumn(table, column, def.type);
        return [];
      }
      case 'timestamps': {
        const type = this.type(o.get('type') ?? { kind: 'atom', value: 'naive_datetime' }, new Map()) ?? 'timestamp(0)';
        const inserted = nameOf(o.get('inserted_at')) ?? 'inserted_at';
        const updated = nameOf(o.get('updated_at')) ?? 'updated_at';
        const nul = o.get('null');
        const notNull = nul?.kind === 'bool' && nul.value ? '' : ' NOT NULL';
        const defs = [inserted, updated].map((c) => ({ name: c, sql: `${ident(c)} ${type}${notNull}`, type }));
        if (creating) return defs;
        alter(defs.map((d) => `ADD COLUMN ${d.sql}`).join(', '));
        return [];
      }
      case 'modify': {
        const column = nameOf(args.positional[0]);
        if (!column || creating) return fail('modify outside alter table, or an unknown column');
        const typeArg = args.positional[1];
        const parts: string[] = [];
        if (typeArg?.kind === 'call' && typeArg.name === 'references') {
          const def = this.columnDef(table, column, typeArg, new Map());
          if ('error' in def) return fail(def.error);
          const fkStart = def.sql.indexOf(' CONSTRAINT ');
          parts.push(`ALTER COLUMN ${ident(column)} TYPE ${def.type}`, `ADD${def.sql.slice(fkStart)} `.trimEnd().replace(/^ADD CONSTRAINT (\S+) REFERENCES/, `ADD CONSTRAINT $1 FOREIGN KEY (${ident(column)}) REFERENCES`));
          const from = o.get('from');
          if (from?.kind === 'call' && from.name === 'references') parts.unshift(`DROP CONSTRAINT ${ident(nameOf(from.args.options.get('name')) ?? `${table}_${column}_fkey`)}`);
        } else {
          const type = this.type(typeArg, o);
          if (!type) return fail(`the type of \`${column}\` is not known statically`);
          parts.push(`ALTER COLUMN ${ident(column)} TYPE ${type}`);
          this.state.addColumn(table, column, type);
        }
        const nul = o.get('null');
        if (nul?.kind === 'bool') parts.push(`ALTER COLUMN ${ident(column)} ${nul.value ? 'DROP' : 'SET'} NOT NULL`);
        if (o.has('default')) {
          const d = this.defaultSql(o.get('default'));
          if (d === undefined) return fail('the default is not known statically');
          parts.push(d === 'NULL' ? `ALTER COLUMN ${ident(column)} DROP DEFAULT` : `ALTER COLUMN ${ident(column)} SET DEFAULT ${d}`);
        }
        alter(parts.join(', '), { column });
        return [];
      }
      case 'remove':
      case 'remove_if_exists': {
        const column = nameOf(args.positional[0]);
        if (!column || creating) return fail('remove outside alter table, or an unknown column');
        alter(`DROP COLUMN ${verb === 'remove_if_exists' ? 'IF EXISTS ' : ''}${ident(column)}`, { column });
        this.state.removeColumn(table, column);
        return [];
      }
      default:
        this.notice(node, `not analysed: \`${shorten(node.text)}\` is not a table operation dbarch translates`);
        return [];
    }
  }

  // ------------------------------------------------------------ indexes and constraints

  private index(node: Node, obj: Extract<EValue, { kind: 'call' }>, creating: boolean, ifx: string, ctx: Ctx): void {
    const table = nameOf(obj.args.positional[0]);
    const cols = obj.args.positional[1];
    const columns = cols?.kind === 'list' ? cols.items.map(nameOf) : cols ? [nameOf(cols)] : [];
    const o = obj.args.options;
    if (!table || columns.some((c) => c === undefined)) return this.notice(node, 'not analysed: `index`: the table or columns are not known statically');
    const names = columns as string[];
    const name =
      nameOf(o.get('name')) ??
      [table, ...names, 'index']
        .map((p) => p.replace(/[^\w_]/g, '_').replace(/_+$/, ''))
        .join('_');
    const concurrently = o.get('concurrently')?.kind === 'bool' && (o.get('concurrently') as { value: boolean }).value ? 'CONCURRENTLY ' : '';
    const call = { text: node.text, options: Object.fromEntries(obj.args.optionText), facts: { table, index: name, inner: obj.node.text } };
    if (!creating) {
      this.emit(node, 'drop index', `DROP INDEX ${concurrently}${ifx}${ident(name)}`, ctx, call);
      this.state.removeIndex(name);
      return;
    }
    const unique = obj.name === 'unique_index' || (o.get('unique')?.kind === 'bool' && (o.get('unique') as { value: boolean }).value);
    const using = nameOf(o.get('using'));
    const parts = names.map((c) => (/[()\s]/.test(c) ? c : ident(c)));
    let sql = `CREATE ${unique ? 'UNIQUE ' : ''}INDEX ${concurrently}${ifx}${ident(name)} ON ${ident(table)}${using ? ` USING ${using}` : ''} (${parts.join(', ')})`;
    const include = o.get('include');
    if (include?.kind === 'list') sql += ` INCLUDE (${include.items.map((i) => ident(nameOf(i) ?? '')).join(', ')})`;
    const where = o.get('where');
    if (where?.kind === 'str') sql += ` WHERE ${where.value}`;
    this.emit(node, 'create index', sql, ctx, call);
    this.state.addIndex(table, name, names);
  }

  private constraint(node: Node, obj: Extract<EValue, { kind: 'call' }>, creating: boolean, ifx: string, ctx: Ctx): void {
    const table = nameOf(obj.args.positional[0]);
    const name = nameOf(obj.args.positional[1]);
    const o = obj.args.options;
    if (!table || !name) return this.notice(node, 'not analysed: `constraint`: the table or name is not known statically');
    const call = { text: node.text, options: Object.fromEntries(obj.args.optionText), facts: { table, constraint: name, inner: obj.node.text } };
    if (!creating) {
      this.emit(node, 'drop constraint', `ALTER TABLE ${ident(table)} DROP CONSTRAINT ${ifx}${ident(name)}`, ctx, call);
      return;
    }
    const check = o.get('check');
    const exclude = o.get('exclude');
    const notValid = o.get('validate')?.kind === 'bool' && !(o.get('validate') as { value: boolean }).value ? ' NOT VALID' : '';
    if (check?.kind === 'str') this.emit(node, 'create constraint', `ALTER TABLE ${ident(table)} ADD CONSTRAINT ${ident(name)} CHECK (${check.value})${notValid}`, ctx, call);
    else if (exclude?.kind === 'str') this.emit(node, 'create constraint', `ALTER TABLE ${ident(table)} ADD CONSTRAINT ${ident(name)} EXCLUDE ${exclude.value}`, ctx, call);
    else this.notice(node, 'not analysed: `constraint`: neither `check:` nor `exclude:` is a literal string');
  }
}

function nameOf(v: EValue | undefined): string | undefined {
  if (!v) return undefined;
  if (v.kind === 'atom') return v.value;
  if (v.kind === 'str' && !v.interpolated) return v.value;
  return undefined;
}
