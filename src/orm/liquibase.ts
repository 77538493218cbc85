// Liquibase changelogs (XML, YAML, JSON, formatted SQL) to the SQL Liquibase's PostgreSQL
// generators send, one changeset at a time: each changeset is its own transaction unless
// runInTransaction=false.
import { changelogFormatOf, parseChangelog, type ChangelogFormat, type ChangelogNode } from '../migrations/changelog.js';
import { LineIndex, splitStatements } from '../sql/index.js';
import { lex } from '../sql/lexer.js';
import type { Direction, Span } from '../types.js';
import { shorten } from './base.js';
import type { ModelState } from './model.js';
import { literal, oneLine } from './sqltext.js';
import type { DslCall, OrmNotice, TranslatedStatement, Translation } from './types.js';

interface Ctx {
  direction: Direction;
  changeSet: ChangelogNode;
  /** Statements of this changeset run in its transaction. */
  transaction: boolean;
}

const EXEMPT = ['transaction-nesting', 'ban-uncommitted-transaction'];

/** Parts of a changelog that run nothing and need no review. */
const QUIET = new Set(['comment', 'validCheckSum', 'preConditions', 'property', 'include', 'includeAll', 'tagDatabase', 'output', 'empty', 'stop']);

class LiquibaseTranslator {
  private readonly lines: LineIndex;
  private readonly out: Translation = { statements: [], notices: [], ignores: [], embeddedSql: false };

  constructor(
    private readonly source: string,
    private readonly state: ModelState,
    readonly format: ChangelogFormat,
    private readonly vars: Record<string, string>,
    private readonly filter: ChangesetFilter = {},
  ) {
    this.lines = new LineIndex(source);
  }

  run(): Translation {
    const parsed = parseChangelog(this.source, this.format);
    if ('error' in parsed) {
      this.out.notices.push({ span: this.lines.span(parsed.offset, parsed.offset), message: `not analysed: the ${this.format.toUpperCase()} changelog could not be read: ${parsed.error}` });
      return this.out;
    }
    for (const c of parsed.root.children) {
      if (c.tag === 'property') this.property(c);
      else if (c.tag === 'changeSet') this.changeSet(c);
      else if (c.tag === 'sqlOutsideChangeSet') this.notice(c, 'not analysed: SQL before the first `--changeset` belongs to no changeset (Liquibase refuses the changelog or runs none of it)');
      else if (!QUIET.has(c.tag)) this.notice(c, `not analysed: \`${c.tag}\` in the changelog is not something dbarch translates`);
    }
    return this.out;
  }

  private span(n: ChangelogNode): Span {
    return this.lines.span(n.start, n.end);
  }

  private notice(n: ChangelogNode, message: string, rule?: OrmNotice['rule']): void {
    this.out.notices.push({ span: this.span(n), message, ...(rule ? { rule } : {}) });
  }

  /** Changelog properties are set once (the first definition wins), as in Liquibase. */
  private property(n: ChangelogNode): void {
    const name = n.attrs['name'];
    if (!name || n.attrs['value'] === undefined || !runsOnPostgres(n.attrs['dbms'])) return;
    if (this.vars[name] === undefined && !this.state.properties.has(name)) this.state.properties.set(name, n.attrs['value']);
  }

  /** `${name}` replaced by the changelog's properties; unknown ones stay for the SQL template handling. */
  private expand(text: string | undefined): string | undefined {
    if (text === undefined || !text.includes('${')) return text;
    return text.replace(/\$\{([\w.-]+)\}/g, (all, name: string) => this.vars[name] ?? this.state.properties.get(name) ?? all);
  }

  private attr(n: ChangelogNode, key: string): string | undefined {
    return this.expand(n.attrs[key]);
  }

  private changeSet(cs: ChangelogNode): void {
    const id = `${cs.attrs['id'] ?? '?'}::${cs.attrs['author'] ?? '?'}`;
    if (cs.attrs['malformed']) {
      this.notice(cs, 'not analysed: a `--changeset` line needs `author:id` (Liquibase refuses the changelog)');
      return;
    }
    if (!runsOnPostgres(cs.attrs['dbms'])) {
      this.notice(cs, `changeset ${id} runs no SQL on PostgreSQL (dbms: ${cs.attrs['dbms']})`, 'orm-no-sql');
      return;
    }
    if (cs.attrs['ignore'] === 'true') {
      this.notice(cs, `changeset ${id} is skipped by Liquibase (ignore: true)`, 'orm-no-sql');
      return;
    }
    const skipped = filteredOut(cs.attrs, this.filter);
    if (skipped) {
      this.notice(cs, `changeset ${id} does not run with the configured ${skipped}: not reviewed`, 'orm-no-sql');
      return;
    }
    const transaction = cs.attrs['runInTransaction'] !== 'false';
    const ctx: Ctx = { direction: 'up', changeSet: cs, transaction };
    const from = this.out.statements.length;
    for (const c of cs.children) {
      if (c.tag === 'rollback') this.rollback(c, { ...ctx, direction: 'down' });
      else if (!QUIET.has(c.tag)) this.change(c, ctx);
    }
    if (!transaction) return;
    // Liquibase commits each changeset: BEGIN at the changeSet, COMMIT at its end.
    const ups = this.out.statements.slice(from).filter((s) => s.direction === 'up');
    if (ups.length === 0) return;
    const span = this.span(cs);
    const end = this.lines.span(cs.end, cs.end);
    const at = this.out.statements.indexOf(ups[0]!);
    this.out.statements.splice(at, 0, { sql: 'BEGIN', span, direction: 'up', op: 'changeSet', exempt: EXEMPT });
    const last = this.out.statements.lastIndexOf(ups.at(-1)!);
    this.out.statements.splice(last + 1, 0, { sql: 'COMMIT', span: { ...end, column: Math.max(1, end.column - 1) }, direction: 'up', op: 'changeSet', exempt: EXEMPT });
  }

  private rollback(n: ChangelogNode, ctx: Ctx): void {
    if (n.text?.trim()) this.sqlText(n, n.text, n.textAt, ctx, 'rollback', true);
    for (const c of n.children) if (!QUIET.has(c.tag)) this.change(c, ctx);
  }

  private emit(n: ChangelogNode, sql: string, ctx: Ctx, facts: Record<string, string> = {}, span = this.span(n)): void {
    const call: DslCall = { text: this.source.slice(n.start, n.end), options: { ...n.attrs }, facts: { ...facts, format: this.format, runInTransaction: String(ctx.transaction) } };
    const stmt: TranslatedStatement = { sql: oneLine(sql), span, direction: ctx.direction, op: n.tag, call };
    this.out.statements.push(stmt);
  }

  private table(n: ChangelogNode, key = 'tableName', schemaKey = 'schemaName'): string | undefined {
    const t = this.attr(n, key);
    if (!t) return undefined;
    const schema = this.attr(n, schemaKey);
    return schema ? `${name(schema)}.${name(t)}` : name(t);
  }

  private change(n: ChangelogNode, ctx: Ctx): void {
    if (!runsOnPostgres(n.attrs['dbms'])) {
      this.notice(n, `\`${n.tag}\` runs no SQL on PostgreSQL (dbms: ${n.attrs['dbms']})`, 'orm-no-sql');
      return;
    }
    const fail = (what: string) => this.notice(n, `not analysed: \`${n.tag}\`: ${what}`);
    const need = (...keys: string[]) => {
      const missing = keys.filter((k) => !this.attr(n, k));
      if (missing.length) fail(`${missing.join(', ')} missing`);
      return missing.length === 0;
    };
    const t = this.table(n);
    const rawTable = this.attr(n, 'tableName') ?? '';
    switch (n.tag) {
      case 'createTable': {
        if (!t) return fail('tableName missing');
        return this.createTable(n, t, rawTable, ctx);
      }
      case 'addColumn': {
        if (!t) return fail('tableName missing');
        const cols = n.children.filter((c) => c.tag === 'column');
        if (cols.length === 0) return fail('no column');
        for (const c of cols) {
          const col = this.column(c, rawTable);
          if (!col) return fail('a column without name or type');
          this.emit(n, `ALTER TABLE ${t} ADD ${col.sql}`, ctx, { table: rawTable, column: col.name });
          this.state.addColumn(rawTable, col.name, col.type);
          for (const fk of col.foreignKeys) this.emit(n, `ALTER TABLE ${t} ADD ${fk}`, ctx, { table: rawTable, column: col.name });
          const value = valueOf(c, 'value', this);
          if (value !== undefined) this.emit(n, `UPDATE ${t} SET ${name(col.name)} = ${value}`, ctx, { table: rawTable, column: col.name });
        }
        return;
      }
      case 'dropColumn': {
        if (!t) return fail('tableName missing');
        const cols = [this.attr(n, 'columnName'), ...n.children.filter((c) => c.tag === 'column').map((c) => this.attr(c, 'name'))].filter((c): c is string => !!c);
        if (cols.length === 0) return fail('columnName missing');
        for (const c of cols) {
          this.emit(n, `ALTER TABLE ${t} DROP COLUMN ${name(c)}`, ctx, { table: rawTable, column: c });
          this.state.removeColumn(rawTable, c);
        }
        return;
      }
      case 'renameColumn': {
        if (!t || !need('oldColumnName', 'newColumnName')) return t ? undefined : fail('tableName missing');
        const from = this.attr(n, 'oldColumnName')!;
        const to = this.attr(n, 'newColumnName')!;
        this.emit(n, `ALTER TABLE ${t} RENAME COLUMN ${name(from)} TO ${name(to)}`, ctx, { table: rawTable, column: from, to });
        this.state.renameColumn(rawTable, from, to);
        return;
      }
      case 'modifyDataType': {
        if (!t || !need('columnName', 'newDataType')) return t ? undefined : fail('tableName missing');
        const c = this.attr(n, 'columnName')!;
        const type = pgType(this.attr(n, 'newDataType')!);
        this.emit(n, `ALTER TABLE ${t} ALTER COLUMN ${name(c)} TYPE ${type} USING (${name(c)}::${type})`, ctx, { table: rawTable, column: c });
        this.state.addColumn(rawTable, c, type);
        return;
      }
      case 'addNotNullConstraint': {
        if (!t || !need('columnName')) return t ? undefined : fail('tableName missing');
        const c = this.attr(n, 'columnName')!;
        const fill = this.attr(n, 'defaultNullValue');
        if (fill !== undefined) {
          const type = this.attr(n, 'columnDataType') ?? this.state.columnType(rawTable, c) ?? '';
          this.emit(n, `UPDATE ${t} SET ${name(c)} = ${typedValue(fill, type)} WHERE ${name(c)} IS NULL`, ctx, { table: rawTable, column: c });
        }
        this.emit(n, `ALTER TABLE ${t} ALTER COLUMN ${name(c)} SET NOT NULL`, ctx, { table: rawTable, column: c });
        return;
      }
      case 'dropNotNullConstraint': {
        if (!t || !need('columnName')) return t ? undefined : fail('tableName missing');
        this.emit(n, `ALTER TABLE ${t} ALTER COLUMN ${name(this.attr(n, 'columnName')!)} DROP NOT NULL`, ctx, { table: rawTable });
        return;
      }
      case 'addForeignKeyConstraint': {
        const base = this.table(n, 'baseTableName', 'baseTableSchemaName');
        const ref = this.table(n, 'referencedTableName', 'referencedTableSchemaName');
        if (!base || !ref || !need('baseColumnNames', 'referencedColumnNames', 'constraintName')) return base && ref ? undefined : fail('baseTableName or referencedTableName missing');
        const cname = this.attr(n, 'constraintName')!;
        let sql = `ALTER TABLE ${base} ADD CONSTRAINT ${name(cname)} FOREIGN KEY (${names(this.attr(n, 'baseColumnNames')!)}) REFERENCES ${ref} (${names(this.attr(n, 'referencedColumnNames')!)})`;
        sql += fkActions(n, this);
        if (this.attr(n, 'validate') === 'false') sql += ' NOT VALID';
        this.emit(n, sql, ctx, { table: this.attr(n, 'baseTableName')!, constraint: cname });
        return;
      }
      case 'dropForeignKeyConstraint': {
        const base = this.table(n, 'baseTableName', 'baseTableSchemaName');
        if (!base || !need('constraintName')) return base ? undefined : fail('baseTableName missing');
        this.emit(n, `ALTER TABLE ${base} DROP CONSTRAINT ${name(this.attr(n, 'constraintName')!)}`, ctx);
        return;
      }
      case 'addUniqueConstraint':
      case 'addPrimaryKey': {
        if (!t || !need('columnNames')) return t ? undefined : fail('tableName missing');
        const cname = this.attr(n, 'constraintName');
        const kind = n.tag === 'addPrimaryKey' ? 'PRIMARY KEY' : 'UNIQUE';
        const index = this.attr(n, 'forIndexName');
        let sql = `ALTER TABLE ${t} ADD ${cname ? `CONSTRAINT ${name(cname)} ` : ''}${kind}`;
        sql += index ? ` USING INDEX ${name(index)}` : ` (${names(this.attr(n, 'columnNames')!)})`;
        if (this.attr(n, 'deferrable') === 'true') sql += ' DEFERRABLE';
        if (this.attr(n, 'initiallyDeferred') === 'true') sql += ' INITIALLY DEFERRED';
        this.emit(n, sql, ctx, { table: rawTable, ...(cname ? { constraint: cname } : {}) });
        if (cname) this.state.addIndex(rawTable, cname, listOf(this.attr(n, 'columnNames')!));
        return;
      }
      case 'dropUniqueConstraint':
      case 'dropPrimaryKey': {
        if (!t) return fail('tableName missing');
        const cname = this.attr(n, 'constraintName') ?? (n.tag === 'dropPrimaryKey' ? `${rawTable}_pkey` : undefined);
        if (!cname) return fail('constraintName missing');
        this.emit(n, `ALTER TABLE ${t} DROP CONSTRAINT ${name(cname)}`, ctx);
        return;
      }
      case 'createIndex': {
        if (!t) return fail('tableName missing');
        const cols = n.children.filter((c) => c.tag === 'column');
        if (cols.length === 0) return fail('no column');
        const parts = cols.map((c) => {
          const cn = this.attr(c, 'name') ?? '';
          const expr = c.attrs['computed'] === 'true' ? cn : name(cn);
          return c.attrs['descending'] === 'true' ? `${expr} DESC` : expr;
        });
        const iname = this.attr(n, 'indexName');
        const unique = this.attr(n, 'unique') === 'true' ? 'UNIQUE ' : '';
        const where = n.children.find((c) => c.tag === 'where')?.text?.trim();
        this.emit(n, `CREATE ${unique}INDEX ${iname ? `${name(iname)} ` : ''}ON ${t}(${parts.join(', ')})${where ? ` WHERE ${where}` : ''}`, ctx, { table: rawTable, ...(iname ? { index: iname } : {}) });
        if (iname) this.state.addIndex(rawTable, iname, cols.map((c) => this.attr(c, 'name') ?? ''));
        return;
      }
      case 'dropIndex': {
        if (!need('indexName')) return;
        const iname = this.attr(n, 'indexName')!;
        const schema = this.attr(n, 'schemaName');
        this.emit(n, `DROP INDEX ${schema ? `${name(schema)}.` : ''}${name(iname)}`, ctx, { index: iname });
        this.state.removeIndex(iname);
        return;
      }
      case 'dropTable': {
        if (!t) return fail('tableName missing');
        this.emit(n, `DROP TABLE ${t}${this.attr(n, 'cascadeConstraints') === 'true' ? ' CASCADE' : ''}`, ctx, { table: rawTable });
        this.state.dropTable(rawTable);
        return;
      }
      case 'renameTable': {
        if (!need('oldTableName', 'newTableName')) return;
        const schema = this.attr(n, 'schemaName');
        const from = this.attr(n, 'oldTableName')!;
        const to = this.attr(n, 'newTableName')!;
        this.emit(n, `ALTER TABLE ${schema ? `${name(schema)}.` : ''}${name(from)} RENAME TO ${name(to)}`, ctx, { table: from, to });
        this.state.renameTable(from, to);
        return;
      }
      case 'addDefaultValue': {
        if (!t || !need('columnName')) return t ? undefined : fail('tableName missing');
        const value = defaultOf(n, this);
        if (value === undefined) return fail('no defaultValue*');
        this.emit(n, `ALTER TABLE ${t} ALTER COLUMN ${name(this.attr(n, 'columnName')!)} SET DEFAULT ${value}`, ctx, { table: rawTable });
        return;
      }
      case 'dropDefaultValue': {
        if (!t || !need('columnName')) return t ? undefined : fail('tableName missing');
        this.emit(n, `ALTER TABLE ${t} ALTER COLUMN ${name(this.attr(n, 'columnName')!)} DROP DEFAULT`, ctx, { table: rawTable });
        return;
      }
      case 'createSequence': {
        if (!need('sequenceName')) return;
        const schema = this.attr(n, 'schemaName');
        let sql = `CREATE SEQUENCE ${this.attr(n, 'ifNotExists') === 'true' ? 'IF NOT EXISTS ' : ''}${schema ? `${name(schema)}.` : ''}${name(this.attr(n, 'sequenceName')!)}`;
        const dataType = this.attr(n, 'dataType');
        if (dataType) sql += ` AS ${pgType(dataType)}`;
        const opt = (key: string, kw: string) => {
          const v = this.attr(n, key);
          if (v !== undefined && /^-?\d+$/.test(v)) sql += ` ${kw} ${v}`;
        };
        opt('startValue', 'START WITH');
        opt('incrementBy', 'INCREMENT BY');
        opt('minValue', 'MINVALUE');
        opt('maxValue', 'MAXVALUE');
        opt('cacheSize', 'CACHE');
        if (this.attr(n, 'cycle') === 'true') sql += ' CYCLE';
        this.emit(n, sql, ctx);
        return;
      }
      case 'dropSequence': {
        if (!need('sequenceName')) return;
        this.emit(n, `DROP SEQUENCE ${name(this.attr(n, 'sequenceName')!)}`, ctx);
        return;
      }
      case 'sql': {
        if (n.attrs['formatted'] === 'true') return this.formattedSql(n, ctx);
        const text = this.expand(n.text ?? n.attrs['sql']);
        if (!text?.trim()) return fail('no SQL');
        this.sqlText(n, text, n.textAt, ctx, 'sql', n.attrs['splitStatements'] !== 'false');
        return;
      }
      case 'sqlFile': {
        const path = this.attr(n, 'path');
        if (!path) return fail('path missing');
        const target = n.attrs['relativeToChangelogFile'] === 'true' ? joinPath(dirOf(this.pathOf()), path) : path;
        const text = this.readFile?.(target) ?? this.readFile?.(joinPath(dirOf(this.pathOf()), path));
        if (text === undefined) return fail(`${target} is not among the files given, so its SQL was not reviewed`);
        this.sqlText(n, this.expand(text)!, undefined, ctx, 'sqlFile', n.attrs['splitStatements'] !== 'false');
        return;
      }
      default:
        return fail(`\`${shorten(n.tag)}\` is not a change dbarch translates`);
    }
  }

  /** Set by the caller: reads a file of the checkout (sqlFile). */
  readFile?: (path: string) => string | undefined;
  path = '';
  private pathOf(): string {
    return this.path;
  }

  /** SQL text of a `sql`/`sqlFile`/`rollback`: split as Liquibase does, each statement at its own line when the text's lines are the file's. */
  private sqlText(n: ChangelogNode, text: string, at: number | undefined, ctx: Ctx, op: string, split: boolean): void {
    const firstLine = at === undefined ? undefined : this.lines.position(at).line;
    const pieces = split ? splitStatements(text, { scanner: false }).map((s) => ({ start: s.start, sql: text.slice(s.start, s.end) })) : [{ start: text.search(/\S/), sql: text.trim() }];
    for (const p of pieces) {
      const sql = stripComments(p.sql);
      if (!sql) continue;
      let span = this.span(n);
      if (firstLine !== undefined) {
        const line = firstLine + countLines(text, p.start);
        const start = this.lines.lineStarts[line - 1] ?? this.source.length;
        const lineText = this.lineText(line);
        span = this.lines.span(start + Math.max(0, lineText.search(/\S/)), start + lineText.length);
      }
      this.emit(n, sql, { ...ctx }, { op }, span);
    }
  }

  /**
   * A formatted SQL changeset (or its rollback): each statement at its own lines of the file.
   * An `endDelimiter` line (`GO`, `/`) ends a chunk and is not SQL; within a chunk the lexer
   * finds the statements as PostgreSQL does.
   */
  private formattedSql(n: ChangelogNode, ctx: Ctx): void {
    const text = n.text ?? '';
    const at = n.textAt ?? n.start;
    let emitted = 0;
    for (const [from, to] of chunks(text, n.attrs['endDelimiter'])) {
      const piece = text.slice(from, to);
      for (const seg of lex(piece).segments) {
        // One line: a line break and the indentation around it become one space.
        const sql = uncomment(piece.slice(seg.start, seg.end)).trim().replace(/[ \t]*\r?\n[ \t]*/g, ' ');
        if (!sql) continue;
        const start = at + from + seg.start;
        const end = at + from + (seg.semicolon >= 0 ? seg.semicolon + 1 : seg.end);
        const span = this.lines.span(start, end);
        const lineStart = this.lines.lineStarts[span.line - 1] ?? start;
        const nl = this.source.indexOf('\n', end);
        const node: ChangelogNode = { ...n, start: lineStart, end: nl < 0 ? this.source.length : nl };
        // Alone on its lines, the statement can be replaced by its fix in place.
        const alone = this.source.slice(node.start, node.end).trim() === this.source.slice(start, end).trim();
        const changesetLine = String(this.lines.position(ctx.changeSet.start).line);
        this.emit(node, this.expand(sql)!, ctx, { op: 'sql', alone: String(alone), changesetLine }, span);
        emitted++;
      }
    }
    if (emitted === 0 && ctx.direction === 'up') this.notice(ctx.changeSet, `not analysed: changeset ${ctx.changeSet.attrs['id'] ?? '?'}::${ctx.changeSet.attrs['author'] ?? '?'} has no SQL (Liquibase refuses it)`);
  }

  private lineText(line: number): string {
    const start = this.lines.lineStarts[line - 1] ?? this.source.length;
    const end = this.source.indexOf('\n', start);
    return this.source.slice(start, end < 0 ? undefined : end).replace(/\r$/, '');
  }

  private createTable(n: ChangelogNode, t: string, rawTable: string, ctx: Ctx): void {
    const defs: string[] = [];
    const pk: string[] = [];
    let pkName: string | undefined;
    const tail: string[] = [];
    const cols: [string, string][] = [];
    let serial: string | undefined;
    for (const c of n.children) {
      if (c.tag !== 'column') continue;
      const col = this.column(c, rawTable);
      if (!col) return this.notice(n, 'not analysed: `createTable`: a column without name or type');
      defs.push(col.sql);
      cols.push([col.name, col.type]);
      if (col.primaryKey) {
        pk.push(name(col.name));
        pkName ??= col.primaryKeyName;
        if (col.autoIncrement) serial = col.name;
      }
      tail.push(...col.foreignKeys);
    }
    if (pk.length) defs.push(`${pkName ? `CONSTRAINT ${name(pkName)} ` : ''}PRIMARY KEY (${pk.join(', ')})`);
    defs.push(...tail);
    this.emit(n, `CREATE TABLE ${t} (${defs.join(', ')})`, ctx, { table: rawTable });
    this.state.createTable(rawTable, cols, pk.length ? { column: serial ?? '', serial: !!serial } : undefined);
  }

  /** A `<column>`'s definition as Liquibase writes it for PostgreSQL. */
  private column(c: ChangelogNode, table: string): { name: string; type: string; sql: string; primaryKey: boolean; primaryKeyName?: string; autoIncrement: boolean; foreignKeys: string[] } | undefined {
    const cn = this.attr(c, 'name');
    const rawType = this.attr(c, 'type');
    if (!cn || !rawType) return undefined;
    const type = pgType(rawType);
    const k = c.children.find((x) => x.tag === 'constraints');
    const ka = (key: string) => (k ? this.attr(k, key) : undefined);
    const autoIncrement = this.attr(c, 'autoIncrement') === 'true';
    let sql = `${name(cn)} ${type}`;
    if (autoIncrement) sql += ' GENERATED BY DEFAULT AS IDENTITY';
    const def = defaultOf(c, this);
    if (def !== undefined) sql += ` DEFAULT ${def}`;
    const primaryKey = ka('primaryKey') === 'true';
    if (ka('nullable') === 'false' || primaryKey) sql += ' NOT NULL';
    if (ka('unique') === 'true') sql += ka('uniqueConstraintName') ? ` CONSTRAINT ${name(ka('uniqueConstraintName')!)} UNIQUE` : ' UNIQUE';
    const check = ka('checkConstraint');
    if (check) sql += ` CHECK (${check})`;
    const foreignKeys: string[] = [];
    const references = ka('references');
    const refTable = ka('referencedTableName');
    if (references || refTable) {
      const target = refTable ? `${ka('referencedTableSchemaName') ? `${name(ka('referencedTableSchemaName')!)}.` : ''}${name(refTable)}(${names(ka('referencedColumnNames') ?? 'id')})` : references!;
      const fkName = ka('foreignKeyName');
      let fk = `${fkName ? `CONSTRAINT ${name(fkName)} ` : ''}FOREIGN KEY (${name(cn)}) REFERENCES ${target}`;
      if (ka('deleteCascade') === 'true') fk += ' ON DELETE CASCADE';
      if (ka('deferrable') === 'true') fk += ' DEFERRABLE';
      if (ka('initiallyDeferred') === 'true') fk += ' INITIALLY DEFERRED';
      if (ka('validateForeignKey') === 'false') fk += ' NOT VALID';
      foreignKeys.push(fk);
    }
    void table;
    const out = { name: cn, type, sql, primaryKey, autoIncrement, foreignKeys };
    const pkName = ka('primaryKeyName');
    return pkName ? { ...out, primaryKeyName: pkName } : out;
  }

  /** Used by the free helpers below for `${property}` expansion. */
  value(n: ChangelogNode, key: string): string | undefined {
    return this.attr(n, key);
  }
}

type Attrs = { value(n: ChangelogNode, key: string): string | undefined };

/** `defaultValue*` attributes as SQL. */
function defaultOf(n: ChangelogNode, t: Attrs): string | undefined {
  return valueOf(n, 'defaultValue', t);
}

/** `<prefix>`, `<prefix>Numeric`, `…Boolean`, `…Date`, `…Computed`, `…SequenceNext` as SQL. */
function valueOf(n: ChangelogNode, prefix: string, t: Attrs): string | undefined {
  const v = (suffix: string) => t.value(n, `${prefix}${suffix}`);
  if (v('Computed') !== undefined) return v('Computed');
  if (v('Numeric') !== undefined) return v('Numeric');
  if (v('Boolean') !== undefined) return v('Boolean')!.toLowerCase() === 'true' ? 'TRUE' : 'FALSE';
  if (v('Date') !== undefined) return literal(v('Date')!);
  if (v('SequenceNext') !== undefined) return `nextval('${v('SequenceNext')!.replace(/'/g, "''")}')`;
  if (v('') !== undefined) return literal(v('')!);
  return undefined;
}

function typedValue(value: string, type: string): string {
  if (/^(true|false)$/i.test(value) && /bool|bit/i.test(type)) return value.toUpperCase();
  if (/^-?\d+(\.\d+)?$/.test(value) && (type === '' || /int|num|dec|float|double|real|serial|money/i.test(type))) return value;
  return literal(value);
}

function fkActions(n: ChangelogNode, t: Attrs): string {
  let sql = '';
  const onUpdate = t.value(n, 'onUpdate');
  const onDelete = t.value(n, 'onDelete') ?? (t.value(n, 'deleteCascade') === 'true' ? 'CASCADE' : undefined);
  if (onUpdate) sql += ` ON UPDATE ${onUpdate.toUpperCase()}`;
  if (onDelete) sql += ` ON DELETE ${onDelete.toUpperCase()}`;
  if (t.value(n, 'deferrable') === 'true') sql += ' DEFERRABLE';
  if (t.value(n, 'initiallyDeferred') === 'true') sql += ' INITIALLY DEFERRED';
  return sql;
}

/** `dbms` lists: `postgresql`, `!mysql`, `all`, `none`. Liquibase's short name for PostgreSQL is `postgresql`. */
export function runsOnPostgres(dbms: string | undefined): boolean {
  if (!dbms?.trim()) return true;
  const items = dbms.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (items.includes('none')) return false;
  if (items.includes('all')) return true;
  if (items.some((i) => i === '!postgresql' || i === '!postgres')) return false;
  const positive = items.filter((i) => !i.startsWith('!'));
  return positive.length === 0 || positive.includes('postgresql') || positive.includes('postgres');
}

const SIMPLE = /^[A-Za-z_][A-Za-z0-9_$]*$/;
const RESERVED = new Set(['user', 'order', 'group', 'table', 'select', 'from', 'where', 'default', 'check', 'column', 'constraint', 'primary', 'references', 'limit', 'offset', 'desc', 'asc', 'end', 'to', 'all', 'and', 'or', 'not', 'null', 'true', 'false', 'case', 'when', 'then', 'else', 'unique', 'index', 'key', 'grant', 'window', 'analyse', 'analyze', 'both', 'current_user', 'session_user', 'into', 'on', 'in', 'is', 'as', 'do', 'for', 'having', 'union', 'using', 'with', 'create', 'foreign', 'only', 'some', 'any', 'array', 'cast', 'collate', 'distinct', 'except', 'fetch', 'leading', 'trailing', 'placing', 'returning', 'variadic', 'lateral', 'initially', 'deferrable', 'symmetric', 'asymmetric', 'intersect', 'current_date', 'current_time', 'current_timestamp', 'current_role', 'current_catalog', 'localtime', 'localtimestamp']);

/** Liquibase leaves names unquoted (PostgreSQL folds them) and quotes reserved words and unusual names. */
function name(n: string): string {
  return SIMPLE.test(n) && !RESERVED.has(n.toLowerCase()) ? n : `"${n.replace(/"/g, '""')}"`;
}

function listOf(cols: string): string[] {
  return cols.split(',').map((c) => c.trim()).filter(Boolean);
}

function names(cols: string): string {
  return listOf(cols).map(name).join(', ');
}

/** Liquibase's type names to PostgreSQL's (its DataTypeFactory for PostgresDatabase). */
export function pgType(raw: string): string {
  const t = raw.trim().replace(/^java\.sql\.Types\./i, '');
  const m = /^([A-Za-z][\w ]*?)\s*(\(.*\))?\s*(\[\])?$/.exec(t);
  if (!m) return t;
  const base = m[1]!.toLowerCase();
  const args = m[2] ?? '';
  const arr = m[3] ?? '';
  const map: Record<string, string> = {
    int: 'INTEGER', integer: 'INTEGER', int4: 'INTEGER', mediumint: 'INTEGER',
    bigint: 'BIGINT', int8: 'BIGINT', long: 'BIGINT',
    smallint: 'SMALLINT', int2: 'SMALLINT', tinyint: 'SMALLINT',
    boolean: 'BOOLEAN', bool: 'BOOLEAN', bit: 'BOOLEAN',
    text: 'TEXT', clob: 'TEXT', nclob: 'TEXT', longtext: 'TEXT', mediumtext: 'TEXT', longvarchar: 'TEXT',
    blob: 'BYTEA', longblob: 'BYTEA', bytea: 'BYTEA', binary: 'BYTEA', varbinary: 'BYTEA', longvarbinary: 'BYTEA', image: 'BYTEA',
    datetime: 'TIMESTAMP WITHOUT TIME ZONE', timestamp: 'TIMESTAMP WITHOUT TIME ZONE',
    timestamptz: 'TIMESTAMP WITH TIME ZONE', 'timestamp with time zone': 'TIMESTAMP WITH TIME ZONE', 'timestamp without time zone': 'TIMESTAMP WITHOUT TIME ZONE',
    date: 'DATE', time: 'TIME WITHOUT TIME ZONE', timetz: 'TIME WITH TIME ZONE',
    double: 'DOUBLE PRECISION', 'double precision': 'DOUBLE PRECISION', float8: 'DOUBLE PRECISION', float: 'FLOAT', real: 'REAL', float4: 'REAL',
    decimal: 'DECIMAL', numeric: 'DECIMAL', number: 'DECIMAL', currency: 'DECIMAL', money: 'DECIMAL',
    varchar: 'VARCHAR', nvarchar: 'VARCHAR', varchar2: 'VARCHAR', nvarchar2: 'VARCHAR', 'character varying': 'VARCHAR',
    char: 'CHAR', nchar: 'CHAR', character: 'CHAR',
    uuid: 'UUID', uniqueidentifier: 'UUID', json: 'JSON', jsonb: 'JSONB', xml: 'XML',
  };
  const mapped = map[base];
  if (!mapped) return t;
  if (base === 'timestamp' || base === 'datetime') return args ? `TIMESTAMP${args} WITHOUT TIME ZONE${arr}` : `${mapped}${arr}`;
  if (mapped === 'BOOLEAN' || mapped === 'TEXT' || mapped === 'BYTEA' || mapped === 'UUID' || mapped.startsWith('TIMESTAMP WITH')) return `${mapped}${arr}`;
  return `${mapped}${args}${arr}`;
}

function stripComments(sql: string): string {
  return sql.replace(/^(\s*--[^\n]*\n)+/, '').trim();
}

function countLines(text: string, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

function dirOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}

function joinPath(dir: string, p: string): string {
  const out: string[] = [];
  for (const seg of `${dir}/${p}`.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return out.join('/');
}

export function translateChangelog(
  source: string,
  state: ModelState,
  opts: { path: string; readFile?: (path: string) => string | undefined; vars?: Record<string, string>; changesets?: ChangesetFilter },
): Translation {
  const t = new LiquibaseTranslator(source, state, changelogFormatOf(opts.path, source) ?? 'xml', opts.vars ?? {}, opts.changesets);
  t.path = opts.path;
  if (opts.readFile) t.readFile = opts.readFile;
  return t.run();
}

/**
 * The statement with its comments blanked, those inside dollar-quoted bodies too: it then
 * stays the same statement on one line (a `--` comment would swallow the rest).
 */
function uncomment(text: string): string {
  const lexed = lex(text);
  const cuts = [...lexed.comments.map((c) => ({ start: c.start, end: c.end, body: false })), ...lexed.dollarBodies.map((b) => ({ ...b, body: true }))].sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const c of cuts) {
    if (c.start < at) continue;
    out += text.slice(at, c.start) + (c.body ? uncomment(text.slice(c.start, c.end)) : ' ');
    at = c.end;
  }
  return out + text.slice(at);
}

/** Ranges of a formatted changeset's text between `endDelimiter` lines (the whole text without one). */
function chunks(text: string, delimiter: string | undefined): [number, number][] {
  const d = delimiter?.trim().toLowerCase();
  if (!d || d === ';') return [[0, text.length]];
  const out: [number, number][] = [];
  let from = 0;
  for (let lineStart = 0; lineStart <= text.length; ) {
    const nl = text.indexOf('\n', lineStart);
    const lineEnd = nl < 0 ? text.length : nl;
    if (text.slice(lineStart, lineEnd).trim().toLowerCase() === d) {
      out.push([from, lineStart]);
      from = lineEnd;
    }
    lineStart = lineEnd + 1;
  }
  out.push([from, text.length]);
  return out;
}

/** The changesets a deployment runs: Liquibase's `--contexts` and `--label-filter`. */
export interface ChangesetFilter {
  /** Contexts the deployment runs with, comma-separated (`prod`); unset runs every changeset. */
  contexts?: string;
  /** A label expression (`!experimental and v2`); unset runs every changeset. */
  labels?: string;
}

/**
 * Which filter keeps this changeset out, if one does. As in Liquibase: a changeset without a
 * context (labels) always runs; its context is an expression over the deployment's contexts,
 * while the label filter is an expression over the changeset's labels.
 */
function filteredOut(attrs: Record<string, string>, filter: ChangesetFilter): string | undefined {
  const context = attrs['contextFilter'] ?? attrs['context'];
  if (filter.contexts?.trim() && context?.trim()) {
    const active = new Set(listOf(filter.contexts).map((c) => c.toLowerCase()));
    if (!evaluate(context, (w) => active.has(w))) return `contexts \`${filter.contexts}\` (context: ${context})`;
  }
  const labels = attrs['labels'];
  if (filter.labels?.trim() && labels?.trim()) {
    const own = new Set(listOf(labels).map((l) => l.toLowerCase()));
    if (!evaluate(filter.labels, (w) => own.has(w))) return `label filter \`${filter.labels}\` (labels: ${labels})`;
  }
  return undefined;
}

/** Liquibase's context/label expressions: names joined by `,`/`or`, `and`, `!`/`not`, parentheses. */
export function evaluate(expression: string, has: (name: string) => boolean): boolean {
  const tokens = expression.toLowerCase().match(/[(),!]|[^\s(),!]+/g) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const or = (): boolean => {
    let v = and();
    while (peek() === ',' || peek() === 'or') {
      i++;
      v = and() || v;
    }
    return v;
  };
  const and = (): boolean => {
    let v = unary();
    while (peek() === 'and') {
      i++;
      v = unary() && v;
    }
    return v;
  };
  const unary = (): boolean => {
    const t = tokens[i++];
    if (t === '!' || t === 'not') return !unary();
    if (t === '(') {
      const v = or();
      if (peek() === ')') i++;
      return v;
    }
    return t === undefined ? true : has(t.replace(/^@/, ''));
  };
  return tokens.length === 0 || or();
}
