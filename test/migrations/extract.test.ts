import { beforeAll, describe, expect, it } from 'vitest';
import { extractSql, sqlUnits, type MigrationFile } from '../../src/migrations/index.js';
import { find, initPg, project, statements } from './helpers.js';

beforeAll(() => initPg());

/** [line, column, statement text] as the real parser reports them on the extracted SQL. */
type At = [number, number, string];

/** Extracted SQL keeps the file's layout: same length, same newlines, SQL text in place. */
function checkLayout(original: string, extracted: string): void {
  expect(extracted.length).toBe(original.length);
  for (let i = 0; i < original.length; i++) {
    if (original[i] === '\n') expect(extracted[i]).toBe('\n');
    else if (extracted[i] === '\n') throw new Error(`newline invented at ${i}`);
  }
}

function expectStatements(original: string, sql: string | undefined, expected: At[]): void {
  expect(sql).toBeDefined();
  checkLayout(original, sql!);
  const found = statements(sql!);
  expect(found.map((s): At => [s.line, s.column, s.text])).toEqual(expected);
  for (const s of found) {
    // The parser's position is a position in the original file: same text there.
    const firstWord = s.text.split(/\s/)[0]!;
    expect(original.slice(s.offset, s.offset + firstWord.length)).toBe(firstWord);
    expect(find(original.slice(s.offset), firstWord).offset).toBe(0);
  }
}

function fixture(name: string, file: string) {
  const p = project(name);
  const m = p.migrations.find((x) => x.path === file);
  if (!m) throw new Error(`${file} not discovered`);
  const src = p.read(file);
  return { m, src, x: extractSql(m, src) };
}

describe('Rails', () => {
  it('execute "…" in up and down', () => {
    const { src, x } = fixture('rails', 'db/migrate/20240215093000_index_users_email.rb');
    expectStatements(src, x.up, [[5, 14, 'CREATE INDEX CONCURRENTLY index_users_on_email ON users (email)']]);
    expectStatements(src, x.down, [[9, 14, 'DROP INDEX CONCURRENTLY index_users_on_email']]);
  });
  it('heredocs in reversible dir.up / dir.down blocks', () => {
    const { src, x } = fixture('rails', 'db/migrate/20240301080000_add_status_to_users.rb');
    expectStatements(src, x.up, [
      [6, 11, "ALTER TABLE users ADD COLUMN status text NOT NULL DEFAULT 'active'"],
      [7, 11, 'CREATE INDEX index_users_on_status ON users (status)'],
    ]);
    expectStatements(src, x.down, [[12, 11, 'ALTER TABLE users DROP COLUMN status']]);
  });
  it('change counts as up; an interpolated constant is filled in; %q{}', () => {
    const a = fixture('rails', 'db/migrate/20240102120000_create_users.rb');
    expectStatements(a.src, a.x.up, [[7, 14, "ALTER TABLE users ADD CONSTRAINT users_email_present CHECK (email <> '')"]]);
    expect(a.x.down).toBeUndefined();
    const b = fixture('rails', 'db/migrate/20240410101500_backfill_user_names.rb');
    expectStatements(b.src, b.x.up, [
      // TABLE = "users" is a constant of the file and fits: its value fills #{TABLE}.
      [6, 14, 'UPDATE users    SET email = lower(email) WHERE email <> lower(email)'],
      [7, 16, 'CREATE INDEX index_users_on_lower_email ON users (lower(email))'],
    ]);
    expectStatements(b.src, b.x.down, [[11, 14, 'DROP INDEX index_users_on_lower_email']]);
  });
  it('ignores comments, other calls, symbols; handles <<-ID, quoted ids, two heredocs on a line (the second is the log name of execute), escapes and multi-byte text', () => {
    const src = [
      'class X < ActiveRecord::Migration[7.1]',
      '  # execute "DROP TABLE comment_only"',
      '  def up',
      '    puts "SELECT 1"',
      '    say_with_time(:"execute") { execute("UPDATE t SET name = \'Zoë\' WHERE note = \\"x\\"") }; execute "SELECT 2"',
      "    execute <<~'SQL'.squish, <<-EOS",
      "      SELECT '#{not_interpolated}'",
      '    SQL',
      '      SELECT 3',
      '      EOS',
      '    execute(%Q(CREATE INDEX i ON t ((lower(a)))))',
      '  end',
      'end',
      '',
    ].join('\n');
    const x = extractSql({ framework: 'rails', language: 'ruby' }, src);
    expectStatements(src, x.up, [
      [5, 42, 'UPDATE t SET name = \'Zoë\' WHERE note =  "x "'],
      [5, 101, 'SELECT 2'],
      [7, 7, "SELECT '#{not_interpolated}'"],
      [11, 16, 'CREATE INDEX i ON t ((lower(a)))'],
    ]);
  });
});

describe('layout edge cases', () => {
  it('CRLF line ends, a BOM and execute(<<~SQL) keep positions', () => {
    const src = '\ufeffclass X < ActiveRecord::Migration[7.1]\r\n  def up\r\n    execute(<<~SQL)\r\n      CREATE INDEX i ON t (a)\r\n    SQL\r\n  end\r\nend\r\n';
    const x = extractSql({ framework: 'rails', language: 'ruby' }, src);
    expect(x.up.startsWith('\ufeff')).toBe(true);
    expect(x.up.match(/\r\n/g)).toHaveLength(7);
    // The parser strips the BOM like the file reader does: offsets are JS indexes of the original.
    const body = x.up.slice(1);
    const [stmt] = statements(body);
    expect(stmt!.text).toBe('CREATE INDEX i ON t (a)');
    expect(src.slice(1 + stmt!.offset, 1 + stmt!.offset + stmt!.text.length)).toBe(stmt!.text);
    expect([stmt!.line, stmt!.column]).toEqual([4, 7]);
  });
  it('interpolations: unknown or too long → x___ identifier; glued constants padded with _', () => {
    const src = [
      "const tb = 'ab';",
      "const long = 'a_really_long_table_name';",
      'exports.up = async (knex) => {',
      '  await knex.raw(`CREATE INDEX ${tb}_idx ON ${tb} (a)`);',
      '  await knex.raw(`DROP TABLE ${long}, ${other}`);',
      '};',
      '',
    ].join('\n');
    const x = extractSql({ framework: 'knex', language: 'javascript' }, src);
    expectStatements(src, x.up, [
      [4, 19, 'CREATE INDEX ab____idx ON ab    (a)'],
      [5, 19, 'DROP TABLE x______, x_______'],
    ]);
  });
  it('a literal made only of an interpolation is left out (no fake syntax error)', () => {
    const src = 'exports.up = (knex) => knex.raw(`${sql}`);\n';
    const x = extractSql({ framework: 'knex', language: 'javascript' }, src);
    expect(x.up.trim()).toBe('');
  });
});

describe('lexer corner cases', () => {
  it('Ruby: interpolation in a heredoc, %i[] arrays, regexes and ?-chars do not open strings', () => {
    const src = [
      'class X < ActiveRecord::Migration[7.1]',
      '  COLS = %i[a b]',
      '  def up',
      '    return if name =~ /"quote/',
      '    execute <<~SQL.squish',
      '      UPDATE t SET v = #{quote("x}")} WHERE k = 1',
      '    SQL',
      '  end',
      'end',
      '',
    ].join('\n');
    const x = extractSql({ framework: 'rails', language: 'ruby' }, src);
    expectStatements(src, x.up, [[6, 7, 'UPDATE t SET v = x_____________ WHERE k = 1']]);
  });
  it('Python: nested quotes in f-strings, comments after calls, byte and raw prefixes', () => {
    const src = [
      'def upgrade():',
      '    op.execute(f"UPDATE t SET v = {d[\'k\']} WHERE id = 1")  # op.execute("nope")',
      "    op.execute(R'SELECT 1')",
      '',
    ].join('\n');
    const x = extractSql({ framework: 'alembic', language: 'python' }, src);
    expectStatements(src, x.up, [
      [2, 18, 'UPDATE t SET v = x_______ WHERE id = 1'],
      [3, 18, 'SELECT 1'],
    ]);
  });
  it('JS: braces and backticks inside an interpolation, division after a value', () => {
    const src = [
      'export async function up(knex) {',
      '  const half = total / 2; const re = a / b / c;',
      '  await knex.raw(`SELECT ${fn({ a: "}`" })} AS v`);',
      '}',
      '',
    ].join('\n');
    const x = extractSql({ framework: 'knex', language: 'javascript' }, src);
    expectStatements(src, x.up, [[3, 19, `SELECT x${'_'.repeat('${fn({ a: "}`" })}'.length - 1)} AS v`]]);
  });
});

describe('SQL held in variables', () => {
  it('a local variable resolves to its nearest assignment before the call', () => {
    const src = [
      'class X < ActiveRecord::Migration[7.1]',
      '  def up',
      '    sql = "CREATE INDEX i ON t (a)"',
      '    execute sql',
      '  end',
      '  def down',
      '    sql = "DROP INDEX i"',
      '    execute(sql)',
      '  end',
      'end',
      '',
    ].join('\n');
    const x = extractSql({ framework: 'rails', language: 'ruby' }, src);
    expectStatements(src, x.up, [[3, 12, 'CREATE INDEX i ON t (a)']]);
    expectStatements(src, x.down, [[7, 12, 'DROP INDEX i']]);
  });
});

describe('Django', () => {
  it('RunSQL positional sql and reverse_sql=', () => {
    const { src, x } = fixture('django', 'shop/migrations/0002_order_created_idx.py');
    expectStatements(src, x.up, [[11, 14, 'CREATE INDEX CONCURRENTLY shop_order_created_idx ON shop_order (created_at)']]);
    expectStatements(src, x.down, [[12, 26, 'DROP INDEX CONCURRENTLY shop_order_created_idx']]);
  });
  it('module constants, triple quotes, lists, (sql, params) tuples, implicit concatenation, %s', () => {
    const { src, x } = fixture('django', 'shop/migrations/0003_order_note.py');
    expectStatements(src, x.up, [
      [4, 1, "ALTER TABLE shop_order ADD COLUMN note text NOT NULL DEFAULT ''"],
      [15, 18, 'CREATE INDEX shop_order_note_idx  \n                 ON shop_order (note)'],
      [17, 19, "UPDATE shop_order SET note = x_ WHERE note = ''"],
    ]);
    expectStatements(src, x.down, [
      [12, 50, 'ALTER TABLE shop_order DROP COLUMN note'],
      [19, 27, 'DROP INDEX shop_order_note_idx'],
    ]);
  });
  it('no RunSQL: blank SQL of the same length', () => {
    const { src, x } = fixture('django', 'shop/migrations/0001_initial.py');
    expect(x.up.trim()).toBe('');
    expect(x.up.length).toBe(src.length);
  });
});

describe('Alembic', () => {
  it('op.execute("…") and op.execute(sa.text("""…""")) split by upgrade/downgrade', () => {
    const { src, x } = fixture('alembic', 'alembic/versions/3f9a10c2d4e1_add_account_status.py');
    expectStatements(src, x.up, [
      [14, 17, "ALTER TABLE account ADD COLUMN status text NOT NULL DEFAULT 'active'"],
      [16, 9, 'CREATE INDEX account_status_idx ON account (status)'],
    ]);
    expectStatements(src, x.down, [[21, 17, 'DROP INDEX account_status_idx']]);
  });
  it('adjacent literals over two lines form one statement', () => {
    const { src, x } = fixture('alembic', 'alembic/versions/a77b02e5f6d3_account_name_idx.py');
    expectStatements(src, x.up, [[15, 14, 'CREATE INDEX CONCURRENTLY account_name_idx  \n             ON account (name)']]);
    expectStatements(src, x.down, [[22, 21, 'DROP INDEX CONCURRENTLY account_name_idx']]);
  });
  it('f-strings, raw strings, escapes, comments', () => {
    const src = [
      'def upgrade():',
      '    # op.execute("DROP TABLE nope")',
      '    op.execute(f"UPDATE {table} SET a = \'{{x}}\'")',
      '    op.execute(r"SELECT \'\\d\'")',
      '    op.get_bind().exec_driver_sql("SELECT \\"q\\"")',
      '',
    ].join('\n');
    const x = extractSql({ framework: 'alembic', language: 'python' }, src);
    expectStatements(src, x.up, [
      [3, 18, "UPDATE x______ SET a = ' {x }'"],
      [4, 18, "SELECT '\\d'"],
      [5, 36, 'SELECT  "q "'],
    ]);
  });
});

describe('Knex', () => {
  it('knex.raw / knex.schema.raw with templates and ? bindings', () => {
    const { src, x } = fixture('knex', 'migrations/20240305090000_users_age.js');
    expectStatements(src, x.up, [
      [4, 26, 'ALTER TABLE users    ADD COLUMN age integer NOT NULL'],
      [5, 19, 'UPDATE users SET age = x WHERE age IS NULL'],
    ]);
    expectStatements(src, x.down, [[8, 43, 'ALTER TABLE users DROP COLUMN age']]);
  });
  it('exports.up / exports.down functions', () => {
    const { src, x } = fixture('knex', 'migrations/20240210090000_users_email_idx.js');
    expectStatements(src, x.up, [[5, 19, 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email)']]);
    expectStatements(src, x.down, [[9, 19, 'DROP INDEX CONCURRENTLY users_email_idx']]);
  });
  it('comments, regexes and nested templates do not confuse the lexer', () => {
    const src = [
      'export async function up(knex) {',
      "  // knex.raw('DROP TABLE nope')",
      '  const re = /knex.raw\\(/g; /* knex.raw("x") */',
      '  await knex.raw(`SELECT ${`a${1}`} FROM t`);',
      "  await knex.raw('SELECT 1 ' + 'FROM t2');",
      '}',
      'export async function down(knex) {',
      '  await knex.raw("SELECT 3");',
      '}',
      '',
    ].join('\n');
    const x = extractSql({ framework: 'knex', language: 'javascript' }, src);
    expectStatements(src, x.up, [
      [4, 19, 'SELECT x_________ FROM t'],
      [5, 19, 'SELECT 1      FROM t2'],
    ]);
    expectStatements(src, x.down, [[8, 19, 'SELECT 3']]);
  });
});

describe('TypeORM and Sequelize', () => {
  it('queryRunner.query(`…`) in up() and down()', () => {
    const { src, x } = fixture('typeorm', 'src/migrations/1706800000000-PostPublishedIndex.ts');
    expectStatements(src, x.up, [
      [8, 34, 'ALTER TABLE "post" ADD "published" boolean'],
      [10, 14, 'CREATE INDEX CONCURRENTLY "IDX_post_published" ON "post" ("published")'],
    ]);
    expectStatements(src, x.down, [
      [15, 34, 'DROP INDEX CONCURRENTLY "IDX_post_published"'],
      [16, 34, 'ALTER TABLE "post" DROP COLUMN "published"'],
    ]);
  });
  it('queryInterface.sequelize.query in up: / down: properties', () => {
    const { src, x } = fixture('sequelize', 'migrations/20240220100000-product-price.js');
    expectStatements(src, x.up, [
      [6, 8, 'ALTER TABLE products ADD COLUMN price numeric NOT NULL'],
      [8, 43, 'CREATE INDEX CONCURRENTLY products_price_idx ON products (price)'],
    ]);
    expectStatements(src, x.down, [
      [11, 43, 'DROP INDEX CONCURRENTLY products_price_idx'],
      [12, 43, 'ALTER TABLE products DROP COLUMN price'],
    ]);
  });
});

describe('SQL files', () => {
  it('dbmate: up section and down section, each keeping the file layout', () => {
    const { src, x } = fixture('dbmate', 'db/migrations/20240201100000_orders_status.sql');
    expectStatements(src, x.up, [
      [2, 1, 'ALTER TABLE orders ADD COLUMN status text NOT NULL'],
      [3, 1, 'CREATE INDEX orders_status_idx ON orders (status)'],
    ]);
    expectStatements(src, x.down, [[6, 1, 'ALTER TABLE orders DROP COLUMN status']]);
  });
  it('plain SQL is returned unchanged', () => {
    const { src, x } = fixture('flyway', 'src/main/resources/db/migration/V2__add_accounts_plan.sql');
    expect(x).toEqual({ up: src });
  });
});

describe('sqlUnits', () => {
  it('gives each direction with its transaction mode', () => {
    const dbmate = fixture('dbmate', 'db/migrations/20240115100000_index_orders_customer.sql');
    expect(sqlUnits(dbmate.m, dbmate.src).map((u) => [u.direction, u.transaction])).toEqual([
      ['up', 'none'],
      ['down', 'none'],
    ]);
    const down = fixture('diesel', 'migrations/2024-01-10-120000_create_posts/down.sql');
    expect(sqlUnits(down.m, down.src)).toEqual([{ direction: 'down', transaction: 'transaction', sql: down.src }]);
    const mixed: MigrationFile = { ...dbmate.m, transaction: 'none', downTransaction: 'transaction' };
    expect(sqlUnits(mixed, dbmate.src).map((u) => u.transaction)).toEqual(['none', 'transaction']);
  });
});
