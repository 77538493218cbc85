// The SQL Knex's and Sequelize's PostgreSQL clients run for each DSL call, and where it sits.
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelHistory, ormUnits, prepareOrm } from '../../src/orm/index.js';
import type { MigrationFile } from '../../src/migrations/types.js';

function file(path: string, framework: 'knex' | 'sequelize', transaction: 'transaction' | 'none'): MigrationFile {
  return { path, framework, direction: 'up', transaction, orderKey: path, set: 'migrations', language: path.endsWith('.ts') ? 'typescript' : 'javascript', kind: 'migration' };
}

function translate(source: string, framework: 'knex' | 'sequelize' = 'knex', path = 'migrations/1_x.js') {
  const units = ormUnits(file(path, framework, framework === 'knex' ? 'transaction' : 'none'), source, new ModelHistory())!;
  const unit = (d: 'up' | 'down') => units.find((u) => u.direction === d);
  return {
    sql: unit('up')!.orm.entries.map((e) => [e.stmt.span.line, e.stmt.sql]),
    down: unit('down')?.orm.entries.map((e) => [e.stmt.span.line, e.stmt.sql]) ?? [],
    notices: unit('up')!.orm.notices.map((n) => [n.line, n.message]),
    exempt: unit('up')!.orm.entries.filter((e) => e.stmt.exempt).map((e) => e.stmt.sql),
    lines: unit('up')!.sql.split('\n').length,
  };
}

beforeAll(async () => {
  await prepareOrm(['x.js', 'x.ts']);
});

describe('Knex', () => {
  it('createTable: Knex pg types, serial primary key, timestamps, unique and foreign key after the table', () => {
    const t = translate(`exports.up = function (knex) {
  return knex.schema.createTable('orders', (table) => {
    table.increments();
    table.string('code', 20).notNullable().unique();
    table.integer('customer_id').unsigned().references('id').inTable('customers').onDelete('CASCADE');
    table.decimal('total');
    table.boolean('paid').notNullable().defaultTo(false);
    table.enu('state', ['new', 'done']);
    table.jsonb('meta').defaultTo({ a: 1 });
    table.timestamp('shipped_at', { useTz: false });
    table.timestamps(true, true);
    table.index(['code', 'customer_id'], null, 'gin');
  });
};
`);
    expect(t.sql).toEqual([
      [
        2,
        `create table "orders" ("id" serial primary key, "code" varchar(20) not null, "customer_id" integer, "total" decimal(8, 2), "paid" boolean not null default '0', "state" text check ("state" in ('new', 'done')), "meta" jsonb default '{"a":1}', "shipped_at" timestamp, "created_at" timestamptz not null default CURRENT_TIMESTAMP, "updated_at" timestamptz not null default CURRENT_TIMESTAMP)`,
      ],
      [4, 'alter table "orders" add constraint "orders_code_unique" unique ("code")'],
      [5, 'alter table "orders" add constraint "orders_customer_id_foreign" foreign key ("customer_id") references "customers" ("id") on delete CASCADE'],
      [12, 'create index "orders_code_customer_id_index" on "orders" using gin ("code", "customer_id")'],
    ]);
    expect(t.notices).toEqual([]);
    expect(t.lines).toBe(15);
  });

  it('alterTable: one statement per line, .alter() as Knex sends it, drops and renames; down is its own unit', () => {
    const t = translate(`export async function up(knex) {
  await knex.schema.alterTable('users', (t) => {
    t.string('email', 100).notNullable().alter();
    t.text('bio');
    t.dropColumn('legacy');
    t.renameColumn('name', 'full_name');
    t.dropIndex(['email']);
    t.foreign('org_id').references('orgs.id');
    t.dropNullable('age');
  });
  await knex.schema.renameTable('users', 'people');
}
export async function down(knex) {
  await knex.schema.dropTableIfExists('people');
}
`);
    expect(t.sql).toEqual([
      [3, 'alter table "users" alter column "email" drop default'],
      [3, 'alter table "users" alter column "email" drop not null'],
      [3, 'alter table "users" alter column "email" type varchar(100) using ("email"::varchar(100))'],
      [3, 'alter table "users" alter column "email" set not null'],
      [4, 'alter table "users" add column "bio" text'],
      [5, 'alter table "users" drop column "legacy"'],
      [6, 'alter table "users" rename "name" to "full_name"'],
      [7, 'drop index "users_email_index"'],
      [8, 'alter table "users" add constraint "users_org_id_foreign" foreign key ("org_id") references "orgs" ("id")'],
      [9, 'alter table "users" alter column "age" set not null'],
      [11, 'alter table "users" rename to "people"'],
    ]);
    expect(t.down).toEqual([[14, 'drop table if exists "people"']]);
  });

  it('raw SQL with Knex bindings and file constants; hasTable conditions and other code are reported', () => {
    const t = translate(`const TABLE = 'users';
exports.up = async (knex) => {
  await knex.raw('UPDATE ?? SET age = ? WHERE age IS NULL', ['users', 0]);
  await knex.schema.raw(\`CREATE INDEX \${TABLE}_age_idx ON \${TABLE} (age)\`);
  if (!(await knex.schema.hasTable('audit'))) {
    await knex.schema.createTable('audit', (t) => { t.bigIncrements(); });
  }
  await knex('users').update({ age: 1 });
  console.log('done');
};
`);
    expect(t.sql).toEqual([
      [3, `UPDATE "users" SET age = 0 WHERE age IS NULL`],
      [4, 'CREATE INDEX users_age_idx ON users (age)'],
      [6, 'create table "audit" ("id" bigserial primary key)'],
    ]);
    expect(t.notices.map(([line, m]) => [line, String(m).replace(/`.*`/, '…')])).toEqual([
      [5, 'not analysed: the condition … is known only at run time; the statements under it are reviewed as if it holds'],
      [8, 'not analysed: … changes rows through the query builder; review how many it touches'],
      [9, 'not analysed: … is JavaScript code dbarch does not translate'],
    ]);
  });

  it('knex.transaction() in a migration without Knex transaction: BEGIN/COMMIT around its body, exempt from nesting rules', () => {
    const t = translate(`exports.config = { transaction: false };
exports.up = async (knex) => {
  await knex.transaction(async (trx) => {
    await trx.schema.alterTable('a', (t) => { t.integer('b'); });
  });
  await knex.raw('CREATE INDEX CONCURRENTLY a_b ON a (b)');
};
`);
    expect(t.sql).toEqual([
      [3, 'BEGIN'],
      [4, 'alter table "a" add column "b" integer'],
      [5, 'COMMIT'],
      [6, 'CREATE INDEX CONCURRENTLY a_b ON a (b)'],
    ]);
    expect(t.exempt).toEqual(['BEGIN', 'COMMIT']);
  });

  it('TypeScript modules with typed parameters', () => {
    const t = translate(
      `import type { Knex } from 'knex';
export const up = async (knex: Knex): Promise<void> => {
  await knex.schema.table('users', (table: Knex.AlterTableBuilder) => {
    table.uuid('token').notNullable().defaultTo(knex.fn.uuid());
  });
};
`,
      'knex',
      'migrations/1_x.ts',
    );
    expect(t.sql).toEqual([[4, 'alter table "users" add column "token" uuid not null default gen_random_uuid()']]);
  });
});

describe('Sequelize', () => {
  it('createTable: DataTypes for PostgreSQL, SERIAL for autoIncrement, enum type first, inline references', () => {
    const t = translate(
      `module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.createTable('orders', {
      id: { type: Sequelize.INTEGER, autoIncrement: true, primaryKey: true, allowNull: false },
      code: { type: Sequelize.STRING(20), allowNull: false, unique: true },
      total: Sequelize.DECIMAL(10, 2),
      state: { type: Sequelize.ENUM('new', 'done'), defaultValue: 'new' },
      customerId: { type: Sequelize.BIGINT, references: { model: 'customers', key: 'id' }, onDelete: 'cascade' },
      tags: { type: Sequelize.ARRAY(Sequelize.TEXT) },
      createdAt: { type: Sequelize.DATE, defaultValue: Sequelize.NOW },
      updatedAt: { type: Sequelize.DATE, defaultValue: Sequelize.fn('now') },
    });
  },
};
`,
      'sequelize',
    );
    expect(t.sql).toEqual([
      [3, `CREATE TYPE "enum_orders_state" AS ENUM('new', 'done')`],
      [
        3,
        `CREATE TABLE IF NOT EXISTS "orders" ("id" SERIAL NOT NULL, "code" VARCHAR(20) NOT NULL UNIQUE, "total" DECIMAL(10,2), "state" "enum_orders_state" DEFAULT 'new', "customerId" BIGINT REFERENCES "customers" ("id") ON DELETE CASCADE, "tags" TEXT[], "createdAt" TIMESTAMP WITH TIME ZONE, "updatedAt" TIMESTAMP WITH TIME ZONE DEFAULT now(), PRIMARY KEY ("id"))`,
      ],
    ]);
  });

  it('changeColumn, indexes with options, constraints, renames; umzug context in TypeScript', () => {
    const t = translate(
      `import { DataTypes, Op } from 'sequelize';
export const up = async ({ context: qi }) => {
  await qi.changeColumn('users', 'email', { type: DataTypes.STRING(320), allowNull: false });
  await qi.addIndex('users', ['email'], { unique: true, concurrently: true, where: { deletedAt: null } });
  await qi.addIndex('users', { fields: ['orgId', { name: 'createdAt', order: 'DESC' }], name: 'users_org_recent' });
  await qi.removeIndex('users', ['orgId']);
  await qi.addConstraint('users', { fields: ['orgId'], type: 'foreign key', references: { table: 'orgs', field: 'id' }, onDelete: 'cascade' });
  await qi.addConstraint('users', { fields: ['age'], type: 'check', where: { age: { [Op.gte]: 0 } } });
  await qi.removeConstraint('users', 'users_orgId_orgs_fk');
  await qi.renameColumn('users', 'name', 'fullName');
  await qi.removeColumn('users', 'legacy');
  await qi.dropTable('old_users');
  await qi.sequelize.query('UPDATE users SET age = :age WHERE age IS NULL', { replacements: { age: 0 } });
};
`,
      'sequelize',
      'migrations/1_x.ts',
    );
    expect(t.sql).toEqual([
      [3, 'ALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL'],
      [3, 'ALTER TABLE "users" ALTER COLUMN "email" DROP DEFAULT'],
      [3, 'ALTER TABLE "users" ALTER COLUMN "email" TYPE VARCHAR(320)'],
      [4, 'CREATE UNIQUE INDEX CONCURRENTLY "users_email" ON "users" ("email") WHERE "deletedAt" IS NULL'],
      [5, 'CREATE INDEX "users_org_recent" ON "users" ("orgId", "createdAt" DESC)'],
      [6, 'DROP INDEX IF EXISTS "users_org_id"'],
      [7, 'ALTER TABLE "users" ADD CONSTRAINT "users_orgId_orgs_fk" FOREIGN KEY ("orgId") REFERENCES "orgs" ("id") ON DELETE CASCADE'],
      [8, 'ALTER TABLE "users" ADD CONSTRAINT "users_age_ck" CHECK ("age" >= 0)'],
      [9, 'ALTER TABLE "users" DROP CONSTRAINT "users_orgId_orgs_fk"'],
      [10, 'ALTER TABLE "users" RENAME COLUMN "name" TO "fullName"'],
      [11, 'ALTER TABLE "users" DROP COLUMN "legacy"'],
      [12, 'DROP TABLE IF EXISTS "old_users"'],
      [13, 'UPDATE users SET age = 0 WHERE age IS NULL'],
    ]);
    expect(t.notices).toEqual([]);
  });

  it('an unmanaged transaction: BEGIN at sequelize.transaction(), COMMIT at commit(); rollback paths are not reviewed', () => {
    const t = translate(
      `module.exports = {
  up: async (queryInterface, Sequelize) => {
    const transaction = await queryInterface.sequelize.transaction();
    try {
      await queryInterface.addColumn('a', 'b', Sequelize.INTEGER, { transaction });
      await transaction.commit();
    } catch (err) {
      await transaction.rollback();
      throw err;
    }
    await queryInterface.bulkInsert('a', [{ b: 1 }]);
  },
};
`,
      'sequelize',
    );
    expect(t.sql).toEqual([
      [3, 'BEGIN'],
      [5, 'ALTER TABLE "a" ADD COLUMN "b" INTEGER'],
      [6, 'COMMIT'],
    ]);
    expect(t.exempt).toEqual(['BEGIN', 'COMMIT']);
    expect(t.notices.map((n) => n[0])).toEqual([11]);
  });

  it('calls inside a transaction callback without the transaction option are said to run on another connection', () => {
    const t = translate(
      `module.exports = {
  up: (queryInterface, Sequelize) => queryInterface.sequelize.transaction((t) =>
    Promise.all([
      queryInterface.addIndex('posts', ['createdAt']),
      queryInterface.addColumn('posts', 'likes', Sequelize.INTEGER, { transaction: t }),
    ]),
  ),
};
`,
      'sequelize',
    );
    expect(t.sql).toEqual([
      [2, 'BEGIN'],
      [4, 'CREATE INDEX "posts_created_at" ON "posts" ("createdAt")'],
      [5, 'ALTER TABLE "posts" ADD COLUMN "likes" INTEGER'],
      [7, 'COMMIT'],
    ]);
    expect(t.notices.map((n) => n[0])).toEqual([4]);
    expect(t.notices[0]![1]).toContain('without the `transaction` option');
  });

  it('says so when the arguments are only known at run time', () => {
    const t = translate(
      `module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.addColumn(tableName(), 'x', Sequelize.STRING);
    await queryInterface.addIndex('users', fields);
    await queryInterface.changeColumn('users', 'x', { type: customType });
  },
};
`,
      'sequelize',
    );
    expect(t.sql).toEqual([]);
    expect(t.notices).toEqual([
      [3, 'not analysed: `addColumn`: the table or column name is not known statically'],
      [4, 'not analysed: `addIndex`: the fields are not known statically'],
      [5, 'not analysed: `changeColumn`: the type of `x` is not known statically'],
    ]);
  });
});
