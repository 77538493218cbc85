// Django migrations (django.db.migrations operations) to the SQL Django's PostgreSQL schema
// editor runs (Django 4.2+: identity primary keys, deferrable foreign keys, hashed names).
import { createHash } from 'node:crypto';
import type { Node } from 'web-tree-sitter';
import type { Direction } from '../types.js';
import { shorten, TranslatorBase } from './base.js';
import type { ModelState } from './model.js';
import { bool, lastName, num, PyEvaluator, pyLiteral, str, type PyArgs, type PyValue } from './python-values.js';
import { toSqlLiteral } from './values.js';
import { ident, literal } from './sqltext.js';
import type { Translation } from './types.js';

interface Ctx {
  direction: Direction;
  /** SeparateDatabaseAndState's state_operations: the model changes, no SQL. */
  stateOnly: boolean;
}

interface FieldSql {
  column: string;
  type: string;
  /** Column definition without constraints added later (`"c" varchar(10) NOT NULL`). */
  def: string;
  fk?: { table: string; column: string };
  unique: boolean;
  index: boolean;
  /** varchar/text columns with an index also get a `_like` pattern_ops index. */
  like: boolean;
  check?: string;
  m2m?: { to: string };
  defaultSql?: string;
  nullable: boolean;
}

export function translateDjango(root: Node, source: string, state: ModelState, opts: { path: string }): Translation {
  return new DjangoTranslator(root, source, state, appLabel(opts.path)).run();
}

/** The app label is the folder above `migrations/`. */
export function appLabel(path: string): string {
  const parts = path.split('/');
  const at = parts.lastIndexOf('migrations');
  return at > 0 ? parts[at - 1]! : 'app';
}

/** Django's `names_digest`: md5 over the parts, hex, cut. */
function namesDigest(parts: string[], length: number): string {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest('hex').slice(0, length);
}

/** Django's `BaseDatabaseSchemaEditor._create_index_name`. */
export function djangoIndexName(table: string, columns: string[], suffix = ''): string {
  const hashSuffix = `${namesDigest([table, ...columns], 8)}${suffix}`;
  let name = `${table}_${columns.join('_')}_${hashSuffix}`;
  if (name.length <= 63 && !/^[_\d]/.test(name)) return name;
  const other = Math.floor((63 - hashSuffix.length) / 2) - 1;
  name = `${table.slice(0, other)}_${columns.join('_').slice(0, other)}_${hashSuffix}`;
  if (/^[_\d]/.test(name)) name = `D${name.slice(0, -1)}`;
  return name;
}

const EXTENSIONS: Record<string, string> = {
  HStoreExtension: 'hstore',
  CryptoExtension: 'pgcrypto',
  TrigramExtension: 'pg_trgm',
  BtreeGinExtension: 'btree_gin',
  BtreeGistExtension: 'btree_gist',
  CITextExtension: 'citext',
  UnaccentExtension: 'unaccent',
  BloomExtension: 'bloom',
};

const STATE_ONLY = new Set(['AlterModelOptions', 'AlterModelManagers', 'AlterIndexTogether', 'AlterOrderWithRespectTo', 'AlterField__choices']);

class DjangoTranslator extends TranslatorBase {
  private readonly py = new PyEvaluator();

  constructor(
    private readonly root: Node,
    source: string,
    private readonly state: ModelState,
    private readonly app: string,
  ) {
    super(source);
  }

  run(): Translation {
    this.py.collectConstants(this.root);
    const cls = this.root.namedChildren.find((n) => n?.type === 'class_definition' && n.childForFieldName('name')?.text === 'Migration');
    if (!cls) {
      this.out.notices.push({ span: this.lines.span(0, 0), message: 'not analysed: no `class Migration` in this Django migration' });
      return this.out;
    }
    const body = cls.childForFieldName('body');
    for (const stmt of body?.namedChildren ?? []) {
      const a = stmt?.type === 'expression_statement' ? stmt.namedChildren[0] : undefined;
      if (a?.type !== 'assignment' || a.childForFieldName('left')?.text !== 'operations') continue;
      const right = a.childForFieldName('right');
      const lists = right ? this.operationLists(right, 0) : undefined;
      if (!lists) {
        if (right) this.notice(right, 'not analysed: `operations` is not a literal list');
        continue;
      }
      for (const list of lists) this.operations(list, { direction: 'up', stateOnly: false });
    }
    return this.out;
  }

  /** `operations = [...]`, or module-level lists joined with `+` (`A_OPS + B_OPS`). */
  private operationLists(node: Node, depth: number): Node[] | undefined {
    if (depth > 8) return undefined;
    if (node.type === 'list' || node.type === 'tuple') return [node];
    if (node.type === 'parenthesized_expression') {
      const inner = node.namedChildren.find((n) => n && n.type !== 'comment');
      return inner ? this.operationLists(inner, depth + 1) : undefined;
    }
    if (node.type === 'binary_operator' && node.childForFieldName('operator')?.text === '+') {
      const l = node.childForFieldName('left');
      const r = node.childForFieldName('right');
      const a = l && this.operationLists(l, depth + 1);
      const b = r && this.operationLists(r, depth + 1);
      return a && b ? [...a, ...b] : undefined;
    }
    if (node.type === 'identifier') {
      const c = this.py.constants.get(node.text);
      return c ? this.operationLists(c, depth + 1) : undefined;
    }
    return undefined;
  }

  private operations(list: Node, ctx: Ctx): void {
    for (const op of list.namedChildren) {
      if (!op || op.type === 'comment') continue;
      if (op.type !== 'call') {
        if (!ctx.stateOnly) this.notice(op, `not analysed: \`${shorten(op.text)}\` is not a migration operation dbarch translates`);
        continue;
      }
      this.operation(op, ctx);
    }
  }

  private table(model: string): string {
    return this.state.djangoModel(this.app, model)?.table ?? `${this.app}_${model.toLowerCase()}`;
  }

  /** `"app.Model"` or `"Model"` (same app), or a `settings.AUTH_USER_MODEL` reference. */
  private target(to: PyValue | undefined): { table: string; pkType: string; pk: string } | undefined {
    let ref = str(to);
    if (!ref && to?.kind === 'name' && /AUTH_USER_MODEL$/.test(to.name)) ref = 'account.User';
    if (!ref) return undefined;
    const [app, model] = ref.includes('.') ? [ref.slice(0, ref.indexOf('.')), ref.slice(ref.indexOf('.') + 1)] : [this.app, ref];
    const known = this.state.djangoModel(app, model);
    if (known) return { table: known.table, pkType: known.pkType, pk: known.pk };
    return { table: `${app}_${model.toLowerCase()}`, pkType: 'integer', pk: 'id' };
  }

  private operation(node: Node, ctx: Ctx): void {
    const name = lastName(node.childForFieldName('function')?.text ?? '');
    const a = this.py.args(node);
    const arg = (key: string, pos: number) => a.keywords.get(key) ?? a.positional[pos];
    const fail = (what: string) => {
      if (!ctx.stateOnly) this.notice(node, `not analysed: \`${name}\`: ${what}`);
    };
    const emit = (sql: string, facts: Record<string, string> = {}) => {
      if (!ctx.stateOnly) this.emit(node, name, sql, ctx, { text: node.text, options: Object.fromEntries(a.keywordText), facts });
    };
    switch (name) {
      case 'CreateModel': {
        const model = str(arg('name', 0));
        const fields = arg('fields', 1);
        if (!model || fields?.kind !== 'list') return fail('the model name or fields are not literal');
        const options = arg('options', 2);
        const o = options?.kind === 'dict' ? options.pairs : new Map<string, PyValue>();
        const table = str(o.get('db_table')) ?? `${this.app}_${model.toLowerCase()}`;
        const cols: string[] = [];
        const after: string[] = [];
        const model2: [string, string][] = [];
        const nulls: [string, boolean][] = [];
        let pk: { column: string; type: string } | undefined;
        for (const f of fields.items) {
          if (f.kind !== 'list' || f.items.length < 2) return fail('a field is not a `(name, Field(...))` pair');
          const fname = str(f.items[0]);
          const fv = f.items[1]!;
          if (!fname || fv.kind !== 'call') return fail(`the field \`${fname ?? '?'}\` is not a literal Field(...)`);
          const fs = this.field(table, fname, fv, true);
          if ('error' in fs) return fail(fs.error);
          if (fs.m2m) {
            after.push(...this.m2mTable(table, model, fname, fs.m2m.to, fv));
            continue;
          }
          cols.push(fs.def);
          model2.push([fs.column, fs.type.replace(/ GENERATED.*$/, '')]);
          nulls.push([fs.column, fs.nullable]);
          if (bool(fv.args.keywords.get('primary_key'))) pk = { column: fs.column, type: fs.type.replace(/ GENERATED.*$/, '') };
          after.push(...this.fieldExtras(table, fs));
        }
        emit(`CREATE TABLE ${ident(table)} (${cols.join(', ')})`, { table });
        for (const s of after) emit(s, { table });
        this.state.createTable(table, model2, pk ? { column: pk.column, serial: false } : undefined);
        for (const [c, n] of nulls) this.state.table(table)!.columns.get(c)!.nullable = n;
        this.state.setDjangoModel(this.app, model, { table, pk: pk?.column ?? 'id', pkType: pk?.type ?? 'integer' });
        for (const s of this.modelOptions(table, o)) emit(s, { table });
        return;
      }
      case 'DeleteModel': {
        const model = str(arg('name', 0));
        if (!model) return fail('the model name is not literal');
        const table = this.table(model);
        emit(`DROP TABLE ${ident(table)} CASCADE`, { table });
        this.state.dropTable(table);
        return;
      }
      case 'RenameModel': {
        const from = str(arg('old_name', 0));
        const to = str(arg('new_name', 1));
        if (!from || !to) return fail('the names are not literal');
        const known = this.state.djangoModel(this.app, from);
        const oldTable = this.table(from);
        // A model with its own db_table keeps its table.
        const newTable = known && known.table !== `${this.app}_${from.toLowerCase()}` ? known.table : `${this.app}_${to.toLowerCase()}`;
        if (newTable !== oldTable) {
          emit(`ALTER TABLE ${ident(oldTable)} RENAME TO ${ident(newTable)}`, { table: oldTable });
          this.state.renameTable(oldTable, newTable);
        }
        this.state.setDjangoModel(this.app, to, { table: newTable, pk: known?.pk ?? 'id', pkType: known?.pkType ?? 'integer' });
        return;
      }
      case 'AlterModelTable': {
        const model = str(arg('name', 0));
        const to = str(arg('table', 1));
        if (!model) return fail('the model name is not literal');
        const known = this.state.djangoModel(this.app, model);
        const oldTable = this.table(model);
        const newTable = to ?? `${this.app}_${model.toLowerCase()}`;
        if (oldTable !== newTable) emit(`ALTER TABLE ${ident(oldTable)} RENAME TO ${ident(newTable)}`, { table: oldTable });
        else if (!ctx.stateOnly) this.notice(node, `no SQL: \`AlterModelTable\`: \`${model}\` already uses the table \`${newTable}\``, 'orm-no-sql');
        this.state.renameTable(oldTable, newTable);
        this.state.setDjangoModel(this.app, model, { table: newTable, pk: known?.pk ?? 'id', pkType: known?.pkType ?? 'integer' });
        return;
      }
      case 'AddField':
      case 'AlterField': {
        const model = str(arg('model_name', 0));
        const fname = str(arg('name', 1));
        const fv = arg('field', 2);
        if (!model || !fname || fv?.kind !== 'call') return fail('the model, name or field is not literal');
        const table = this.table(model);
        const fs = this.field(table, fname, fv, false);
        if ('error' in fs) return fail(fs.error);
        if (fs.m2m || (fs.type === '' && !ctx.stateOnly)) {
          if (name === 'AddField' && fs.m2m) for (const s of this.m2mTable(table, model, fname, fs.m2m.to, fv)) emit(s, { table });
          else if (!ctx.stateOnly) this.notice(node, `no SQL: \`${name}\` of the many-to-many \`${fname}\` changes only Django's model state (its join table stays)`, 'orm-no-sql');
          return;
        }
        if (name === 'AddField') {
          const facts = { table, column: fs.column };
          if (fs.defaultSql !== undefined) {
            // Django adds the column with the default so existing rows get it, then drops it.
            emit(`ALTER TABLE ${ident(table)} ADD COLUMN ${fs.def}`, facts);
            emit(`ALTER TABLE ${ident(table)} ALTER COLUMN ${ident(fs.column)} DROP DEFAULT`, facts);
          } else emit(`ALTER TABLE ${ident(table)} ADD COLUMN ${fs.def}`, facts);
          for (const s of this.fieldExtras(table, fs)) emit(s, facts);
          this.state.addColumn(table, fs.column, fs.type);
          this.state.table(table)!.columns.get(fs.column)!.nullable = fs.nullable;
          return;
        }
        this.alterField(node, table, fs, emit);
        return;
      }
      case 'RemoveField': {
        const model = str(arg('model_name', 0));
        const fname = str(arg('name', 1));
        if (!model || !fname) return fail('the model or field name is not literal');
        const table = this.table(model);
        const t = this.state.table(table);
        const column = t?.columns.has(`${fname}_id`) ? `${fname}_id` : fname;
        if (t && !t.columns.has(column) && this.state.table(`${table}_${fname}`)) {
          emit(`DROP TABLE ${ident(`${table}_${fname}`)} CASCADE`, { table });
          this.state.dropTable(`${table}_${fname}`);
          return;
        }
        emit(`ALTER TABLE ${ident(table)} DROP COLUMN ${ident(column)} CASCADE`, { table, column });
        this.state.removeColumn(table, column);
        return;
      }
      case 'RenameField': {
        const model = str(arg('model_name', 0));
        const from = str(arg('old_name', 1));
        const to = str(arg('new_name', 2));
        if (!model || !from || !to) return fail('the names are not literal');
        const table = this.table(model);
        const fk = this.state.table(table)?.columns.has(`${from}_id`);
        const [c1, c2] = fk ? [`${from}_id`, `${to}_id`] : [from, to];
        emit(`ALTER TABLE ${ident(table)} RENAME COLUMN ${ident(c1)} TO ${ident(c2)}`, { table, column: c1 });
        this.state.renameColumn(table, c1, c2);
        return;
      }
      case 'AddIndex':
      case 'AddIndexConcurrently': {
        const model = str(arg('model_name', 0));
        const idx = arg('index', 1);
        if (!model || idx?.kind !== 'call') return fail('the model or index is not literal');
        const table = this.table(model);
        const sql = this.indexSql(table, idx, name === 'AddIndexConcurrently');
        if ('error' in sql) return fail(sql.error);
        emit(sql.sql, { table, index: sql.name });
        this.state.addIndex(table, sql.name, sql.columns);
        return;
      }
      case 'RemoveIndex':
      case 'RemoveIndexConcurrently': {
        const model = str(arg('model_name', 0));
        const iname = str(arg('name', 1));
        if (!model || !iname) return fail('the model or index name is not literal');
        emit(`DROP INDEX ${name === 'RemoveIndexConcurrently' ? 'CONCURRENTLY ' : ''}IF EXISTS ${ident(iname)}`, { table: this.table(model), index: iname });
        this.state.removeIndex(iname);
        return;
      }
      case 'RenameIndex': {
        const model = str(arg('model_name', 0));
        const to = str(arg('new_name', 1));
        const from = str(a.keywords.get('old_name'));
        if (!model || !to || !from) return fail('the names are not literal (old_fields is not translated)');
        emit(`ALTER INDEX ${ident(from)} RENAME TO ${ident(to)}`, { table: this.table(model), index: from });
        this.state.renameIndex(from, to);
        return;
      }
      case 'AddConstraint':
      case 'AddConstraintNotValid': {
        const model = str(arg('model_name', 0));
        const c = arg('constraint', 1);
        if (!model || c?.kind !== 'call') return fail('the model or constraint is not literal');
        const table = this.table(model);
        const sql = this.constraintSql(table, c, name === 'AddConstraintNotValid');
        if ('error' in sql) return fail(sql.error);
        emit(sql.sql, { table, constraint: sql.name });
        return;
      }
      case 'RemoveConstraint': {
        const model = str(arg('model_name', 0));
        const cname = str(arg('name', 1));
        if (!model || !cname) return fail('the model or constraint name is not literal');
        const table = this.table(model);
        emit(`ALTER TABLE ${ident(table)} DROP CONSTRAINT ${ident(cname)}`, { table, constraint: cname });
        return;
      }
      case 'ValidateConstraint': {
        const model = str(arg('model_name', 0));
        const cname = str(arg('name', 1));
        if (!model || !cname) return fail('the model or constraint name is not literal');
        const table = this.table(model);
        emit(`ALTER TABLE ${ident(table)} VALIDATE CONSTRAINT ${ident(cname)}`, { table, constraint: cname });
        return;
      }
      case 'AlterUniqueTogether': {
        const model = str(arg('name', 0));
        const ut = arg('unique_together', 1);
        if (!model) return fail('the model name is not literal');
        const table = this.table(model);
        const sets = this.togetherSets(ut);
        if (!sets) return fail('unique_together is not literal');
        const t = this.state.ensure(table);
        const before = this.out.statements.length;
        // Django drops the unique-together constraints that are gone and adds the new ones.
        const wanted = new Map(sets.map((cols) => [djangoIndexName(table, cols, '_uniq'), cols]));
        for (const [iname, idx] of t.indexes) {
          if (!iname.endsWith('_uniq') || wanted.has(iname) || idx.columns.length < 2) continue;
          emit(`ALTER TABLE ${ident(table)} DROP CONSTRAINT ${ident(iname)}`, { table, constraint: iname });
          t.indexes.delete(iname);
        }
        for (const [iname, cols] of wanted) {
          if (t.indexes.has(iname)) continue;
          emit(`ALTER TABLE ${ident(table)} ADD CONSTRAINT ${ident(iname)} UNIQUE (${cols.map(ident).join(', ')})`, { table, constraint: iname });
          t.indexes.set(iname, { columns: cols });
        }
        if (this.out.statements.length === before && !ctx.stateOnly) this.notice(node, `no SQL: \`AlterUniqueTogether\`: the unique constraints of \`${table}\` do not change`, 'orm-no-sql');
        return;
      }
      case 'CreateExtension':
      case 'HStoreExtension':
      case 'CryptoExtension':
      case 'TrigramExtension':
      case 'BtreeGinExtension':
      case 'BtreeGistExtension':
      case 'CITextExtension':
      case 'UnaccentExtension':
      case 'BloomExtension': {
        const ext = name === 'CreateExtension' ? str(arg('name', 0)) : EXTENSIONS[name];
        if (!ext) return fail('the extension name is not literal');
        emit(`CREATE EXTENSION IF NOT EXISTS ${ident(ext)}`);
        return;
      }
      case 'RunSQL': {
        // The SQL strings stay where they are written; src/migrations extracts them.
        this.out.embeddedSql = true;
        return;
      }
      case 'RunPython':
        if (!ctx.stateOnly) this.runPython(node, a);
        return;
      case 'SeparateDatabaseAndState': {
        const db = a.keywords.get('database_operations');
        const st = a.keywords.get('state_operations');
        const dbNode = a.keywordNodes.get('database_operations');
        const stNode = a.keywordNodes.get('state_operations');
        if (db?.kind === 'list' && dbNode) this.operations(dbNode, ctx);
        if (st?.kind === 'list' && stNode) this.operations(stNode, { ...ctx, stateOnly: true });
        return;
      }
      default:
        if (STATE_ONLY.has(name)) return;
        fail('this operation is not translated');
    }
  }

  /** The model's Meta options that create database objects (indexes, constraints, unique_together). */
  private modelOptions(table: string, o: Map<string, PyValue>): string[] {
    const out: string[] = [];
    const ut = this.togetherSets(o.get('unique_together'));
    for (const cols of ut ?? []) {
      const iname = djangoIndexName(table, cols, '_uniq');
      out.push(`ALTER TABLE ${ident(table)} ADD CONSTRAINT ${ident(iname)} UNIQUE (${cols.map(ident).join(', ')})`);
      this.state.addIndex(table, iname, cols);
    }
    const indexes = o.get('indexes');
    for (const i of indexes?.kind === 'list' ? indexes.items : []) {
      if (i.kind !== 'call') continue;
      const s = this.indexSql(table, i, false);
      if (!('error' in s)) {
        out.push(s.sql);
        this.state.addIndex(table, s.name, s.columns);
      }
    }
    const constraints = o.get('constraints');
    for (const c of constraints?.kind === 'list' ? constraints.items : []) {
      if (c.kind !== 'call') continue;
      const s = this.constraintSql(table, c, false);
      if (!('error' in s)) out.push(s.sql);
    }
    return out;
  }

  private togetherSets(v: PyValue | undefined): string[][] | undefined {
    if (!v || v.kind === 'none') return [];
    if (v.kind === 'call' && /^(set|tuple|list)$/.test(v.name) && v.args.positional.length === 0) return [];
    if (v.kind !== 'list') return undefined;
    if (v.items.every((x) => x.kind === 'str')) return v.items.length ? [v.items.map((x) => str(x)!)] : [];
    const sets: string[][] = [];
    for (const s of v.items) {
      if (s.kind !== 'list') return undefined;
      const cols = s.items.map((x) => str(x));
      if (cols.some((c) => !c)) return undefined;
      sets.push(cols.map((c) => this.columnName(c!)));
    }
    return sets;
  }

  /** Field names in Meta options are field names: a foreign key's column has `_id`. */
  private columnName(field: string): string {
    return field;
  }

  private indexSql(table: string, idx: Extract<PyValue, { kind: 'call' }>, concurrently: boolean): { sql: string; name: string; columns: string[] } | { error: string } {
    const k = idx.args.keywords;
    const fieldsV = k.get('fields');
    const name = str(k.get('name'));
    if (!name) return { error: 'the index has no literal name' };
    const fields = fieldsV?.kind === 'list' ? fieldsV.items.map((x) => str(x)) : [];
    const exprs = idx.args.positional;
    if (fields.some((f) => !f) || (fields.length === 0 && exprs.length === 0)) return { error: 'the index fields are not literal' };
    const t = this.state.table(table);
    const cols = (fields as string[]).map((f) => {
      const desc = f.startsWith('-');
      const field = desc ? f.slice(1) : f;
      const col = t?.columns.has(`${field}_id`) && !t.columns.has(field) ? `${field}_id` : field;
      return { col, desc };
    });
    const opclasses = k.get('opclasses');
    const ops = opclasses?.kind === 'list' ? opclasses.items.map((x) => str(x) ?? '') : [];
    const parts = cols.map((c, i) => `${ident(c.col)}${ops[i] ? ` ${ops[i]}` : ''}${c.desc ? ' DESC' : ''}`);
    for (const e of exprs) {
      const f = e.kind === 'call' && lastName(e.name) === 'F' ? str(e.args.positional[0]) : undefined;
      const u = e.kind === 'call' && lastName(e.name) === 'Upper' ? str(e.args.positional[0]) : undefined;
      const l = e.kind === 'call' && lastName(e.name) === 'Lower' ? str(e.args.positional[0]) : undefined;
      if (f) parts.push(ident(f));
      else if (u) parts.push(`(UPPER(${ident(u)}))`);
      else if (l) parts.push(`(LOWER(${ident(l)}))`);
      else return { error: `the index expression \`${shorten(e.kind === 'call' ? e.node.text : '?')}\` is not translated` };
    }
    const kind = lastName(idx.name);
    const using = { GinIndex: 'gin', GistIndex: 'gist', BrinIndex: 'brin', HashIndex: 'hash', BTreeIndex: 'btree', SpGistIndex: 'spgist', BloomIndex: 'bloom' }[kind];
    let sql = `CREATE INDEX ${concurrently ? 'CONCURRENTLY ' : ''}${ident(name)} ON ${ident(table)}${using ? ` USING ${using}` : ''} (${parts.join(', ')})`;
    const include = k.get('include');
    if (include?.kind === 'list') sql += ` INCLUDE (${include.items.map((x) => ident(str(x) ?? '')).join(', ')})`;
    const condition = k.get('condition');
    if (condition) {
      const where = this.q(condition);
      if (!where) return { error: 'the index condition is not translated' };
      sql += ` WHERE ${where}`;
    }
    return { sql, name, columns: cols.map((c) => c.col) };
  }

  private constraintSql(table: string, c: Extract<PyValue, { kind: 'call' }>, notValid: boolean): { sql: string; name: string } | { error: string } {
    const k = c.args.keywords;
    const name = str(k.get('name'));
    if (!name) return { error: 'the constraint has no literal name' };
    const kind = lastName(c.name);
    if (kind === 'CheckConstraint') {
      const check = this.q(k.get('check') ?? k.get('condition'));
      if (!check) return { error: 'the check condition is not translated' };
      return { sql: `ALTER TABLE ${ident(table)} ADD CONSTRAINT ${ident(name)} CHECK (${check})${notValid ? ' NOT VALID' : ''}`, name };
    }
    if (kind === 'UniqueConstraint') {
      const fieldsV = k.get('fields');
      const fields = fieldsV?.kind === 'list' ? fieldsV.items.map((x) => str(x)) : [];
      if (fields.length === 0 || fields.some((f) => !f)) return { error: 'the unique fields are not literal (expressions are not translated)' };
      const t = this.state.table(table);
      const cols = (fields as string[]).map((f) => (t?.columns.has(`${f}_id`) && !t.columns.has(f) ? `${f}_id` : f));
      const condition = k.get('condition');
      if (condition) {
        const where = this.q(condition);
        if (!where) return { error: 'the unique condition is not translated' };
        this.state.addIndex(table, name, cols);
        return { sql: `CREATE UNIQUE INDEX ${ident(name)} ON ${ident(table)} (${cols.map(ident).join(', ')}) WHERE ${where}`, name };
      }
      this.state.addIndex(table, name, cols);
      return { sql: `ALTER TABLE ${ident(table)} ADD CONSTRAINT ${ident(name)} UNIQUE (${cols.map(ident).join(', ')})`, name };
    }
    return { error: `\`${kind}\` is not translated` };
  }

  /** Q objects and lookups as a SQL condition (the common lookups only). */
  private q(v: PyValue | undefined): string | undefined {
    if (!v || v.kind !== 'call') return undefined;
    const kind = lastName(v.name);
    if (kind !== 'Q') return undefined;
    const parts: string[] = [];
    for (const p of v.args.positional) {
      const s = this.q(p);
      if (!s) return undefined;
      parts.push(s);
    }
    for (const [key, val] of v.args.keywords) {
      if (key === '_connector' || key === '_negated') continue;
      const s = lookup(key, val);
      if (!s) return undefined;
      parts.push(s);
    }
    const connector = str(v.args.keywords.get('_connector')) === 'OR' ? ' OR ' : ' AND ';
    const joined = parts.length === 1 ? parts[0]! : `(${parts.join(connector)})`;
    return bool(v.args.keywords.get('_negated')) ? `NOT ${joined}` : joined;
  }

  // ------------------------------------------------------------ fields

  private field(table: string, name: string, f: Extract<PyValue, { kind: 'call' }>, creating: boolean): FieldSql | { error: string } {
    const k = f.args.keywords;
    const kind = lastName(f.name);
    const nullable = bool(k.get('null')) === true;
    const pk = bool(k.get('primary_key')) === true;
    const unique = bool(k.get('unique')) === true || kind === 'OneToOneField';
    let column = str(k.get('db_column')) ?? name;
    let type: string | undefined;
    let fk: FieldSql['fk'];
    let check: string | undefined;
    if (kind === 'ManyToManyField') {
      const to = this.target(k.get('to') ?? f.args.positional[0]);
      if (k.has('through')) return { column, type: '', def: '', unique: false, index: false, like: false, nullable: true };
      if (!to) return { error: `the target of \`${name}\` is not literal` };
      return { column, type: '', def: '', unique: false, index: false, like: false, nullable: true, m2m: { to: str(k.get('to') ?? f.args.positional[0]) ?? 'account.User' } };
    }
    if (kind === 'ForeignKey' || kind === 'OneToOneField') {
      const to = this.target(k.get('to') ?? f.args.positional[0]);
      if (!to) return { error: `the target of \`${name}\` is not literal` };
      column = str(k.get('db_column')) ?? `${name}_id`;
      type = to.pkType;
      const toField = str(k.get('to_field'));
      if (bool(k.get('db_constraint')) !== false) fk = { table: to.table, column: toField ?? to.pk };
      if (toField) type = this.state.columnType(to.table, toField) ?? type;
    } else {
      type = this.fieldType(kind, k, f);
      if (!type) return { error: `the field type \`${kind}\` of \`${name}\` is not translated` };
      if (/^Positive/.test(kind)) check = `${ident(column)} >= 0`;
    }
    let def = `${ident(column)} ${type}`;
    let defaultSql: string | undefined;
    // Django sets the default in the database only while adding a NOT NULL or defaulted column.
    if (!creating && k.has('default') && !pk) {
      defaultSql = this.defaultSql(k.get('default')!, type);
      if (defaultSql === undefined) return { error: `the default of \`${name}\` is not known statically` };
      if (defaultSql === 'NULL') defaultSql = undefined;
    } else if (!creating && !nullable && !pk && !k.has('default') && bool(k.get('auto_now_add')) !== true && bool(k.get('auto_now')) !== true) {
      // NOT NULL without default: Django asks for a one-off default in makemigrations; none here means it fails on rows.
    } else if (!creating && (bool(k.get('auto_now_add')) || bool(k.get('auto_now'))) && !nullable) {
      defaultSql = `'2000-01-01T00:00:00+00:00'::timestamptz`;
    }
    if (defaultSql !== undefined) def += ` DEFAULT ${defaultSql}`;
    def += nullable ? ' NULL' : ' NOT NULL';
    if (pk) def += ' PRIMARY KEY';
    else if (unique) def += ' UNIQUE';
    if (check) def += ` CHECK (${check})`;
    const index = !pk && !unique && (bool(k.get('db_index')) === true || (kind === 'SlugField' && bool(k.get('db_index')) !== false) || (!!fk && bool(k.get('db_index')) !== false) || (kind === 'ForeignKey' && bool(k.get('db_index')) !== false));
    const like = (index || (unique && !pk)) && /^(varchar|text)/.test(type);
    const out: FieldSql = { column, type, def, unique, index, like, nullable };
    if (fk) out.fk = fk;
    if (defaultSql !== undefined) out.defaultSql = defaultSql;
    return out;
  }

  /** Django's PostgreSQL `data_types`. */
  private fieldType(kind: string, k: Map<string, PyValue>, f: Extract<PyValue, { kind: 'call' }>): string | undefined {
    const maxLength = num(k.get('max_length'));
    switch (kind) {
      case 'AutoField':
        return 'integer GENERATED BY DEFAULT AS IDENTITY';
      case 'BigAutoField':
        return 'bigint GENERATED BY DEFAULT AS IDENTITY';
      case 'SmallAutoField':
        return 'smallint GENERATED BY DEFAULT AS IDENTITY';
      case 'CharField':
      case 'CountryField':
      case 'LanguageField':
        return maxLength ? `varchar(${maxLength})` : kind === 'CountryField' ? 'varchar(2)' : 'text';
      case 'SlugField':
        return `varchar(${maxLength ?? 50})`;
      case 'EmailField':
        return `varchar(${maxLength ?? 254})`;
      case 'URLField':
        return `varchar(${maxLength ?? 200})`;
      case 'FileField':
      case 'ImageField':
      case 'VersatileImageField':
      case 'FilePathField':
        return `varchar(${maxLength ?? 100})`;
      case 'TextField':
      case 'HTMLField':
        return 'text';
      case 'IntegerField':
      case 'PositiveIntegerField':
        return 'integer';
      case 'BigIntegerField':
      case 'PositiveBigIntegerField':
        return 'bigint';
      case 'SmallIntegerField':
      case 'PositiveSmallIntegerField':
        return 'smallint';
      case 'BooleanField':
      case 'NullBooleanField':
        return 'boolean';
      case 'DateField':
        return 'date';
      case 'DateTimeField':
        return 'timestamp with time zone';
      case 'TimeField':
        return 'time';
      case 'DurationField':
        return 'interval';
      case 'DecimalField':
      case 'MoneyField': {
        const digits = num(k.get('max_digits'));
        const places = num(k.get('decimal_places'));
        return digits && places ? `numeric(${digits}, ${places})` : kind === 'MoneyField' ? 'numeric' : undefined;
      }
      case 'FloatField':
      case 'MeasurementField':
        return 'double precision';
      case 'UUIDField':
        return 'uuid';
      case 'BinaryField':
        return 'bytea';
      case 'JSONField':
      case 'SanitizedJSONField':
        return 'jsonb';
      case 'GenericIPAddressField':
      case 'IPAddressField':
        return 'inet';
      case 'HStoreField':
        return 'hstore';
      case 'CITextField':
      case 'CICharField':
      case 'CIEmailField':
        return 'citext';
      case 'SearchVectorField':
        return 'tsvector';
      case 'DateTimeRangeField':
        return 'tstzrange';
      case 'DateRangeField':
        return 'daterange';
      case 'IntegerRangeField':
        return 'int4range';
      case 'BigIntegerRangeField':
        return 'int8range';
      case 'DecimalRangeField':
        return 'numrange';
      case 'ArrayField': {
        const base = k.get('base_field') ?? f.args.positional[0];
        if (base?.kind !== 'call') return undefined;
        const inner = this.fieldType(lastName(base.name), base.args.keywords, base);
        const size = num(k.get('size'));
        return inner ? `${inner.replace(/ GENERATED.*$/, '')}[${size ?? ''}]` : undefined;
      }
      default:
        return maxLength ? `varchar(${maxLength})` : undefined;
    }
  }

  /** The default Django computes once and writes as a constant while adding the column. */
  private defaultSql(v: PyValue, type: string): string | undefined {
    if (v.kind === 'str' || v.kind === 'num' || v.kind === 'bool' || v.kind === 'none') return toSqlLiteral(v, pyLiteral);
    switch (v.kind) {
      case 'list':
        if (type === 'jsonb') return v.items.length === 0 ? `'[]'` : undefined;
        return v.items.length === 0 ? `'{}'` : undefined;
      case 'dict':
        return v.pairs.size === 0 ? `'{}'` : undefined;
      case 'name':
      case 'call': {
        // A callable (timezone.now, uuid.uuid4, dict, list): Django calls it once.
        const n = v.kind === 'name' ? v.name : v.name;
        if (/^(dict|list)$/.test(lastName(n))) return type.endsWith(']') ? `'{}'` : lastName(n) === 'dict' ? `'{}'` : `'[]'`;
        if (/Decimal$/.test(n) && v.kind === 'call' && (str(v.args.positional[0]) ?? num(v.args.positional[0]))) return str(v.args.positional[0]) ?? num(v.args.positional[0]);
        // Any other value known at run time only: a constant of the column's type (the lock and
        // the rewrite do not depend on which constant).
        return placeholder(type);
      }
      default:
        return undefined;
    }
  }

  /** Constraints and indexes Django adds after the column: FK, FK index, unique and `_like` indexes. */
  private fieldExtras(table: string, fs: FieldSql): string[] {
    const out: string[] = [];
    if (fs.fk) {
      const cname = djangoIndexName(table, [fs.column], `_fk_${fs.fk.table}_${fs.fk.column}`);
      out.push(`ALTER TABLE ${ident(table)} ADD CONSTRAINT ${ident(cname)} FOREIGN KEY (${ident(fs.column)}) REFERENCES ${ident(fs.fk.table)} (${ident(fs.fk.column)}) DEFERRABLE INITIALLY DEFERRED`);
    }
    if (fs.index) {
      const iname = djangoIndexName(table, [fs.column]);
      out.push(`CREATE INDEX ${ident(iname)} ON ${ident(table)} (${ident(fs.column)})`);
      this.state.addIndex(table, iname, [fs.column]);
    }
    if (fs.like) {
      const iname = djangoIndexName(table, [fs.column], '_like');
      const ops = fs.type.startsWith('text') ? 'text_pattern_ops' : 'varchar_pattern_ops';
      out.push(`CREATE INDEX ${ident(iname)} ON ${ident(table)} (${ident(fs.column)} ${ops})`);
      this.state.addIndex(table, iname, [fs.column]);
    }
    return out;
  }

  private m2mTable(table: string, model: string, field: string, to: string, f: Extract<PyValue, { kind: 'call' }>): string[] {
    const target = this.target({ kind: 'str', value: to, interpolated: false }) ?? { table: 'unknown', pkType: 'integer', pk: 'id' };
    const joinTable = str(f.args.keywords.get('db_table')) ?? `${table}_${field}`;
    const from = model.toLowerCase();
    let other = (to.includes('.') ? to.slice(to.indexOf('.') + 1) : to).toLowerCase();
    if (other === from) other = `to_${other}`;
    const fromCol = `${other === `to_${from}` ? `from_${from}` : from}_id`;
    const toCol = `${other}_id`;
    const fromPk = this.state.djangoModel(this.app, model)?.pkType ?? 'integer';
    const out = [
      `CREATE TABLE ${ident(joinTable)} ("id" bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL PRIMARY KEY, ${ident(fromCol)} ${fromPk} NOT NULL, ${ident(toCol)} ${target.pkType} NOT NULL)`,
      `ALTER TABLE ${ident(joinTable)} ADD CONSTRAINT ${ident(djangoIndexName(joinTable, [fromCol, toCol], '_uniq'))} UNIQUE (${ident(fromCol)}, ${ident(toCol)})`,
      `ALTER TABLE ${ident(joinTable)} ADD CONSTRAINT ${ident(djangoIndexName(joinTable, [fromCol], `_fk_${table}_id`))} FOREIGN KEY (${ident(fromCol)}) REFERENCES ${ident(table)} ("id") DEFERRABLE INITIALLY DEFERRED`,
      `ALTER TABLE ${ident(joinTable)} ADD CONSTRAINT ${ident(djangoIndexName(joinTable, [toCol], `_fk_${target.table}_${target.pk}`))} FOREIGN KEY (${ident(toCol)}) REFERENCES ${ident(target.table)} (${ident(target.pk)}) DEFERRABLE INITIALLY DEFERRED`,
      `CREATE INDEX ${ident(djangoIndexName(joinTable, [fromCol]))} ON ${ident(joinTable)} (${ident(fromCol)})`,
      `CREATE INDEX ${ident(djangoIndexName(joinTable, [toCol]))} ON ${ident(joinTable)} (${ident(toCol)})`,
    ];
    this.state.createTable(joinTable, [['id', 'bigint'], [fromCol, fromPk], [toCol, target.pkType]], { column: 'id', serial: false });
    return out;
  }

  /** AlterField: Django compares the old and new field and runs only what changed. */
  private alterField(node: Node, table: string, fs: FieldSql, emit: (sql: string, facts?: Record<string, string>) => void): void {
    const facts = { table, column: fs.column };
    const old = this.state.columnType(table, fs.column);
    if (old === undefined) {
      this.notice(node, `not analysed: \`AlterField\`: the earlier definition of \`${table}.${fs.column}\` is not in the migrations given, so what changes is unknown`);
      return;
    }
    const newType = fs.type.replace(/ GENERATED.*$/, '');
    let changed = false;
    if (old.replace(/ GENERATED.*$/, '') !== newType) {
      emit(`ALTER TABLE ${ident(table)} ALTER COLUMN ${ident(fs.column)} TYPE ${newType} USING ${ident(fs.column)}::${newType}`, facts);
      changed = true;
    }
    const t = this.state.ensure(table);
    const wasNullable = t.columns.get(fs.column)?.nullable;
    if (wasNullable !== undefined && wasNullable !== fs.nullable) {
      emit(`ALTER TABLE ${ident(table)} ALTER COLUMN ${ident(fs.column)} ${fs.nullable ? 'DROP' : 'SET'} NOT NULL`, facts);
      changed = true;
    }
    const hadIndex = [...t.indexes.entries()].some(([n, i]) => i.columns.length === 1 && i.columns[0] === fs.column && n === djangoIndexName(table, [fs.column]));
    if (fs.index && !hadIndex) {
      const { fk: _fk, ...plain } = fs;
      for (const s of this.fieldExtras(table, { ...plain, unique: false })) emit(s, facts);
      changed = true;
    }
    if (fs.unique && !t.indexes.has(djangoIndexName(table, [fs.column], '_uniq'))) {
      const n = djangoIndexName(table, [fs.column], '_uniq');
      emit(`ALTER TABLE ${ident(table)} ADD CONSTRAINT ${ident(n)} UNIQUE (${ident(fs.column)})`, facts);
      t.indexes.set(n, { columns: [fs.column] });
      changed = true;
    }
    // Options Django keeps in its model state only (verbose_name, choices, help_text…).
    if (!changed) this.notice(node, `no SQL: \`AlterField\` changes only Django's model state of \`${table}.${fs.column}\``, 'orm-no-sql');
    this.state.addColumn(table, fs.column, newType);
    t.columns.get(fs.column)!.nullable = fs.nullable;
  }

  private runPython(node: Node, a: PyArgs): void {
    const fn = a.positional[0] ?? a.keywords.get('code');
    const fname = fn?.kind === 'name' ? fn.name : undefined;
    if (fname && /RunPython\.noop$/.test(fname)) return;
    const def = fname ? this.root.namedChildren.find((n) => n?.type === 'function_definition' && n.childForFieldName('name')?.text === fname) : undefined;
    if (!def) {
      this.notice(node, `not analysed: RunPython${fname ? ` \`${fname}\`` : ''} is a data migration whose code dbarch cannot see`);
      return;
    }
    const calls = def.descendantsOfType('call').filter((c): c is Node => !!c);
    const methods = calls.map((c) => c.childForFieldName('function')).filter((f): f is Node => f?.type === 'attribute').map((f) => f.childForFieldName('attribute')?.text ?? '');
    const loops = def.descendantsOfType(['for_statement', 'while_statement']).length > 0;
    const sliced = def.descendantsOfType('subscript').some((s) => s?.text.includes(':'));
    const chunked = methods.includes('iterator') || /\bBATCH|batch|chunk/.test(def.text);
    const writes = methods.filter((m) => ['update', 'bulk_update', 'delete', 'save', 'bulk_create', 'create', 'execute'].includes(m));
    const batched = loops && (sliced || chunked);
    const what = writes.length ? `writes rows (${[...new Set(writes)].map((m) => `.${m}()`).join(', ')})` : 'reads or writes rows';
    this.notice(node, `RunPython \`${fname}\` is a data migration that ${what}; ${batched ? 'it works in batches' : 'it is not batched: on a large table it holds row locks for the whole migration transaction'}`, batched || writes.length === 0 ? 'orm-data-migration' : 'unbatched-data-migration');
  }
}

function placeholder(type: string): string | undefined {
  if (type.endsWith(']')) return `'{}'`;
  if (/^(integer|bigint|smallint|numeric|double)/.test(type)) return '0';
  if (/^(varchar|text|citext)/.test(type)) return `''`;
  if (type === 'boolean') return 'false';
  if (type === 'uuid') return `'00000000-0000-0000-0000-000000000000'`;
  if (type === 'jsonb') return `'{}'`;
  if (/^timestamp|^date/.test(type)) return `'2000-01-01T00:00:00+00:00'`;
  if (type === 'interval') return `'0'`;
  if (type === 'inet') return `'0.0.0.0'`;
  return undefined;
}

/** One Django field lookup (`price__gte=0`) as SQL. */
function lookup(key: string, v: PyValue): string | undefined {
  const parts = key.split('__');
  const ops: Record<string, string> = { gt: '>', gte: '>=', lt: '<', lte: '<=', exact: '=' };
  let op = '=';
  if (parts.length > 1 && (ops[parts[parts.length - 1]!] || ['isnull', 'in'].includes(parts[parts.length - 1]!))) {
    const last = parts.pop()!;
    if (last === 'isnull') return bool(v) === undefined ? undefined : `${ident(parts.join('__'))} IS ${bool(v) ? '' : 'NOT '}NULL`;
    if (last === 'in') {
      if (v.kind !== 'list') return undefined;
      const items = v.items.map((i) => (i.kind === 'str' ? literal(i.value) : i.kind === 'num' ? i.value : undefined));
      if (items.some((i) => i === undefined)) return undefined;
      return `${ident(parts.join('__'))} IN (${items.join(', ')})`;
    }
    op = ops[last]!;
  }
  if (parts.length !== 1) return undefined;
  const col = ident(parts[0]!);
  if (v.kind === 'none') return `${col} IS NULL`;
  if (v.kind === 'str') return `${col} ${op} ${literal(v.value)}`;
  if (v.kind === 'num') return `${col} ${op} ${v.value}`;
  if (v.kind === 'bool') return `${col} ${op} ${v.value}`;
  if (v.kind === 'call' && lastName(v.name) === 'F') {
    const f = str(v.args.positional[0]);
    return f ? `${col} ${op} ${ident(f)}` : undefined;
  }
  return undefined;
}
