// The SQL each DSL call becomes, as the framework's PostgreSQL adapter writes it, and where it sits.
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelHistory, ormUnits, prepareOrm } from '../../src/orm/index.js';
import type { MigrationFile } from '../../src/migrations/types.js';

function file(path: string, framework: 'rails' | 'ecto'): MigrationFile {
  return { path, framework, direction: 'up', transaction: 'transaction', orderKey: path, set: 'db', language: framework === 'rails' ? 'ruby' : 'elixir', kind: 'migration' };
}

/** The generated statements of the up direction, with the line they sit on. */
function translate(source: string, framework: 'rails' | 'ecto' = 'rails', history = new ModelHistory()) {
  const units = ormUnits(file(framework === 'rails' ? 'db/migrate/1_x.rb' : 'priv/repo/migrations/1_x.exs', framework), source, history)!;
  const up = units.find((u) => u.direction === 'up')!;
  return {
    sql: up.orm.entries.map((e) => [e.stmt.span.line, e.stmt.sql]),
    notices: up.orm.notices.map((n) => [n.line, n.message]),
    lines: up.sql.split('\n').length,
    units,
  };
}

beforeAll(async () => {
  await prepareOrm(['x.rb', 'x.exs']);
});

describe('Rails', () => {
  it('create_table: PostgreSQL types, bigserial id, references with index and foreign key, timestamps(6)', () => {
    const t = translate(`class X < ActiveRecord::Migration[7.1]
  def change
    create_table :orders do |t|
      t.string :code, null: false, limit: 20
      t.references :customer, foreign_key: true
      t.decimal :total, precision: 10, scale: 2
      t.timestamps
      t.index [:code, :customer_id], unique: true
    end
  end
end
`);
    expect(t.sql).toEqual([
      [
        3,
        'CREATE TABLE "orders" ("id" bigserial PRIMARY KEY, "code" character varying(20) NOT NULL, "customer_id" bigint, "total" numeric(10,2), "created_at" timestamp(6) without time zone NOT NULL, "updated_at" timestamp(6) without time zone NOT NULL, CONSTRAINT "fk_rails_3dad120da9" FOREIGN KEY ("customer_id") REFERENCES "customers" ("id"))',
      ],
      [5, 'CREATE INDEX "index_orders_on_customer_id" ON "orders" ("customer_id")'],
      [8, 'CREATE UNIQUE INDEX "index_orders_on_code_and_customer_id" ON "orders" ("code", "customer_id")'],
    ]);
    // the layout keeps the file's line count, so squawk's lines are the file's
    expect(t.lines).toBe(12);
  });

  it('index options, concurrently, partial, if_not_exists; remove_index finds the name', () => {
    const t = translate(`class X < ActiveRecord::Migration[7.1]
  disable_ddl_transaction!
  def up
    add_index :users, :email, unique: true, where: "deleted_at IS NULL", algorithm: :concurrently, if_not_exists: true
    remove_index :users, column: :email, algorithm: :concurrently
    add_index :events, :payload, using: :gin
  end
end
`);
    expect(t.sql).toEqual([
      [4, 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "index_users_on_email" ON "users" ("email") WHERE deleted_at IS NULL'],
      [5, 'DROP INDEX CONCURRENTLY "index_users_on_email"'],
      [6, 'CREATE INDEX "index_events_on_payload" ON "events" USING gin ("payload")'],
    ]);
  });

  it('column changes, constraints and keys', () => {
    const t = translate(`class X < ActiveRecord::Migration[7.1]
  def up
    add_column :users, :age, :integer, default: 0, null: false
    change_column :users, :age, :bigint
    change_column_null :users, :name, false, "anon"
    change_column_default :users, :age, from: 0, to: nil
    rename_column :users, :name, :full_name
    add_foreign_key :orders, :users, on_delete: :cascade, validate: false
    validate_foreign_key :orders, :users
    add_check_constraint :users, "age >= 0", name: "age_positive", validate: false
    remove_column :users, :legacy
    add_reference :orders, :store, type: :uuid, index: { algorithm: :concurrently }
  end
end
`);
    expect(t.sql).toEqual([
      [3, 'ALTER TABLE "users" ADD COLUMN "age" integer DEFAULT 0 NOT NULL'],
      [4, 'ALTER TABLE "users" ALTER COLUMN "age" TYPE bigint'],
      [5, `UPDATE "users" SET "name" = 'anon' WHERE "name" IS NULL`],
      [5, 'ALTER TABLE "users" ALTER COLUMN "name" SET NOT NULL'],
      [6, 'ALTER TABLE "users" ALTER COLUMN "age" DROP DEFAULT'],
      [7, 'ALTER TABLE "users" RENAME COLUMN "name" TO "full_name"'],
      [8, 'ALTER TABLE "orders" ADD CONSTRAINT "fk_rails_f868b47f6a" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE NOT VALID'],
      [9, 'ALTER TABLE "orders" VALIDATE CONSTRAINT "fk_rails_f868b47f6a"'],
      [10, 'ALTER TABLE "users" ADD CONSTRAINT "age_positive" CHECK (age >= 0) NOT VALID'],
      [11, 'ALTER TABLE "users" DROP COLUMN "legacy"'],
      [12, 'ALTER TABLE "orders" ADD COLUMN "store_id" uuid'],
      [12, 'CREATE INDEX CONCURRENTLY "index_orders_on_store_id" ON "orders" ("store_id")'],
    ]);
  });

  it('rename_table renames the sequence, primary key and default-named indexes it knows from earlier migrations', () => {
    const history = new ModelHistory();
    translate(`class A < ActiveRecord::Migration[7.1]
  def change
    create_table :posts do |t|
      t.string :slug, index: true
    end
  end
end
`, 'rails', history);
    const t = translate(`class B < ActiveRecord::Migration[7.1]
  def change
    rename_table :posts, :articles
  end
end
`, 'rails', history);
    expect(t.sql).toEqual([
      [3, 'ALTER TABLE "posts" RENAME TO "articles"'],
      [3, 'ALTER TABLE "posts_id_seq" RENAME TO "articles_id_seq"'],
      [3, 'ALTER INDEX "posts_pkey" RENAME TO "articles_pkey"'],
      [3, 'ALTER INDEX "index_posts_on_slug" RENAME TO "index_articles_on_slug"'],
    ]);
  });

  it('up/down and reversible give each direction its statements; change has no reviewed rollback', () => {
    const units = translate(`class X < ActiveRecord::Migration[7.1]
  def change
    reversible do |dir|
      dir.up { add_column :a, :b, :text }
      dir.down { remove_column :a, :b }
    end
  end
end
`).units;
    expect(units.map((u) => [u.direction, u.orm.entries.map((e) => e.stmt.sql)])).toEqual([
      ['up', ['ALTER TABLE "a" ADD COLUMN "b" text']],
      ['down', ['ALTER TABLE "a" DROP COLUMN "b"']],
    ]);
  });

  it('what it cannot translate is a notice at its line, never skipped', () => {
    const t = translate(`class X < ActiveRecord::Migration[7.1]
  def change
    add_index :users, columns_for(:users)
    add_column :users, :x, :string, default: Time.now.to_s
    backfill_things
  end
end
`);
    expect(t.sql).toEqual([]);
    expect(t.notices).toEqual([
      [3, 'not analysed: `add_index`: index columns is not known statically'],
      [4, 'not analysed: `add_column`: the default of `x` is not known statically'],
      [5, 'not analysed: `backfill_things` is not a schema operation dbarch translates'],
    ]);
  });
});

describe('Ecto', () => {
  it('create table, alter table, indexes and constraints as ecto_sql writes them', () => {
    const t = translate(`defmodule M do
  use Ecto.Migration

  def change do
    create table(:posts) do
      add :title, :string, null: false
      add :author_id, references(:users, on_delete: :delete_all)
      add :meta, :map, default: %{}
      timestamps()
    end

    alter table(:posts) do
      add :views, :integer, default: 0
      modify :title, :text, null: true
      remove :meta
    end

    create unique_index(:posts, [:title], concurrently: true)
    drop_if_exists index(:posts, [:author_id])
    create constraint(:posts, :views_positive, check: "views >= 0")
    rename table(:posts), :title, to: :headline
  end
end
`, 'ecto');
    expect(t.sql).toEqual([
      [
        5,
        `CREATE TABLE "posts" ("id" bigserial, "title" varchar(255) NOT NULL, "author_id" bigint CONSTRAINT "posts_author_id_fkey" REFERENCES "users"("id") ON DELETE CASCADE, "meta" jsonb DEFAULT '{}', "inserted_at" timestamp(0) NOT NULL, "updated_at" timestamp(0) NOT NULL, PRIMARY KEY ("id"))`,
      ],
      [13, 'ALTER TABLE "posts" ADD COLUMN "views" integer DEFAULT 0'],
      [14, 'ALTER TABLE "posts" ALTER COLUMN "title" TYPE text, ALTER COLUMN "title" DROP NOT NULL'],
      [15, 'ALTER TABLE "posts" DROP COLUMN "meta"'],
      [18, 'CREATE UNIQUE INDEX CONCURRENTLY "posts_title_index" ON "posts" ("title")'],
      [19, 'DROP INDEX IF EXISTS "posts_author_id_index"'],
      [20, 'ALTER TABLE "posts" ADD CONSTRAINT "views_positive" CHECK (views >= 0)'],
      [21, 'ALTER TABLE "posts" RENAME COLUMN "title" TO "headline"'],
    ]);
  });
});
