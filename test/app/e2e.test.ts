// End to end with the real analyzer (parser, lock model, rules, squawk): only GitHub is mocked.
import { afterEach, describe, expect, it } from 'vitest';
import { BASE, HEAD1, REPO, addedPatch, checkCreated, configYaml, graphqlBlobs, lastCheckUpdate, prFile, reviewOpened, setup, teardown, type Harness } from './helpers.js';

afterEach(teardown);

const PATH = 'db/migrate/20261125_add_email_index.sql';
const SQL = "SET lock_timeout = '2s';\nSET statement_timeout = '10min';\nCREATE INDEX idx_users_email ON users (email);\n";

describe('real analyze', () => {
  it('flags a blocking CREATE INDEX with an annotation, a summary comment and a one-click suggestion', async () => {
    const h = await setup({}); // default deps: the real analyze()
    checkCreated(h.api);
    configYaml(h.api, 'trace:\n  enabled: false\n');
    h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, [prFile(PATH, addedPatch(SQL))]);
    graphqlBlobs(h.api, { [PATH]: SQL });
    await reviewOpened(h);

    const calls = h.apiCalls();
    expect(calls[0]!.body).toMatchObject({ name: 'dbarch', head_sha: HEAD1, status: 'in_progress' });
    const done = lastCheckUpdate(h);
    expect(done).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(done.output.title).toMatch(/^1 error/);
    const annotation = done.output.annotations.find((a: any) => a.title === 'require-concurrent-index-creation');
    expect(annotation).toMatchObject({ path: PATH, start_line: 3, end_line: 3, start_column: 1, end_column: 46, annotation_level: 'failure' });
    expect(done.output.summary).toContain('| `db/migrate/20261125_add_email_index.sql:3` CREATE INDEX | `public.users` | SHARE |');

    const comment = calls.find((c) => c.method === 'POST' && c.path.endsWith('/issues/17/comments'))!.body.body;
    expect(comment.startsWith('<!-- dbarch:summary -->')).toBe(true);
    expect(comment).toContain('require-concurrent-index-creation');

    const review = calls.find((c) => c.path.endsWith('/reviews'))!.body;
    const inline = review.comments.find((c: any) => c.body.includes('require-concurrent-index-creation'));
    expect(inline).toMatchObject({ path: PATH, line: 3, side: 'RIGHT' });
    expect(inline.body).toContain('```suggestion\nCREATE INDEX CONCURRENTLY idx_users_email ON users (email);\n```');
  });
});

describe('real analyze with the trace (default config)', () => {
  it('replays the earlier migrations fetched at the base and completes the check', async () => {
    const h = await setup({});
    const history = { 'db/migrate/20260101_create_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n' };
    checkCreated(h.api);
    h.api.get(`${REPO}/contents/.github%2Fdbarch.yml`).reply(404, {});
    h.api.get('/repos/acme/.github/contents/.github%2Fdbarch.yml').reply(404, {});
    h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, [prFile(PATH, addedPatch(SQL))]);
    graphqlBlobs(h.api, { [PATH]: SQL });
    h.api.post('/graphql').reply(200, (_u, body: any) => {
      expect(body.variables.d0).toBe(`${BASE}:db/migrate`);
      return { data: { repository: { d0: { entries: [{ name: '20260101_create_users.sql', type: 'blob', object: {} }] } } } };
    });
    graphqlBlobs(h.api, history);
    await reviewOpened(h);
    const done = lastCheckUpdate(h);
    expect(done.output.title).not.toBe('dbarch could not finish');
    expect(done.conclusion).toBe('failure');
  }, 120_000);
});

/** A Django migration module with these lines in its Migration class. */
const py = (...lines: string[]) => ['from django.db import migrations, models', '', '', 'class Migration(migrations.Migration):', ...lines, ''].join('\n');

/**
 * Reviews a PR adding one ORM migration, trace off: the App lists the earlier migrations at the
 * base (one listing per round, exactly these folders) and fetches them, then posts its review.
 * `probed`: the PR's file is read once to tell what it is before it is fetched for the review.
 */
async function reviewWithHistory(path: string, source: string, rounds: { dirs: string[]; files: Record<string, string> }[], probed = false): Promise<Harness> {
  const h = await setup({});
  checkCreated(h.api);
  configYaml(h.api, 'trace:\n  enabled: false\n');
  h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, [prFile(path, addedPatch(source))]);
  if (probed) graphqlBlobs(h.api, { [path]: source });
  graphqlBlobs(h.api, { [path]: source });
  for (const { dirs, files } of rounds) {
    h.api.post('/graphql').reply(200, (_u, body: any) => {
      expect(Object.keys(body.variables).filter((k) => k.startsWith('d')).map((k) => body.variables[k])).toEqual(dirs.map((d) => `${BASE}:${d}`));
      const entries = (dir: string) => Object.keys(files).filter((p) => p.startsWith(`${dir}/`)).map((p) => ({ name: p.slice(dir.length + 1), type: 'blob', object: {} }));
      return { data: { repository: Object.fromEntries(dirs.map((d, i) => [`d${i}`, { entries: entries(d) }])) } };
    });
    graphqlBlobs(h.api, files);
  }
  await reviewOpened(h);
  return h;
}

describe('real analyze of an ORM migration (trace off)', () => {
  it('fetches the earlier migrations at the base so the model state knows the altered field', async () => {
    const path = 'shop/migrations/0002_order_created_text.py';
    const source = py(
      '    dependencies = [("shop", "0001_initial")]',
      '',
      '    operations = [',
      '        migrations.AlterField(model_name="order", name="created_at", field=models.CharField(max_length=40)),',
      '    ]',
    );
    const initial = py(
      '    initial = True',
      '    operations = [',
      '        migrations.CreateModel(name="Order", fields=[("id", models.BigAutoField(primary_key=True)), ("created_at", models.DateTimeField())]),',
      '    ]',
    );
    const h = await reviewWithHistory(path, source, [{ dirs: ['shop/migrations'], files: { 'shop/migrations/0001_initial.py': initial } }]);
    const done = lastCheckUpdate(h);
    const annotation = done.output.annotations.find((a: any) => a.title === 'changing-column-type');
    expect(annotation).toMatchObject({ path, start_line: 8, end_line: 8, annotation_level: 'failure' });
    expect(done.output.annotations.find((a: any) => a.title === 'orm-not-analysed')).toBeUndefined();
  }, 120_000);

  it('posts a one-click suggestion written as a Liquibase change, with the SQL beside it', async () => {
    const path = 'db/changelog/changes/002-index.xml';
    const source = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">',
      '  <changeSet id="2" author="dev">',
      '    <createIndex tableName="users" indexName="idx_users_email">',
      '      <column name="email"/>',
      '    </createIndex>',
      '  </changeSet>',
      '</databaseChangeLog>',
      '',
    ].join('\n');
    const initial = [
      '<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">',
      '  <changeSet id="1" author="dev">',
      '    <createTable tableName="users">',
      '      <column name="id" type="bigint"><constraints primaryKey="true"/></column>',
      '      <column name="email" type="text"/>',
      '    </createTable>',
      '  </changeSet>',
      '</databaseChangeLog>',
      '',
    ].join('\n');
    const h = await reviewWithHistory(path, source, [{ dirs: ['db/changelog/changes'], files: { 'db/changelog/changes/001-create-users.xml': initial } }]);
    const review = h.apiCalls().find((c) => c.path.endsWith('/reviews'))!.body;
    const inline = review.comments.find((c: any) => c.body.includes('require-concurrent-index-creation'));
    // The suggestion replaces the whole createIndex element (lines 4 to 6) with the sql change.
    expect(inline).toEqual({
      path,
      start_line: 4,
      start_side: 'RIGHT',
      line: 6,
      side: 'RIGHT',
      body: [
        '<!-- dbarch:finding -->',
        '',
        '🛑 **require-concurrent-index-creation**: CREATE INDEX on public.users without CONCURRENTLY blocks writes to the table while the index builds.',
        '',
        'A plain `CREATE INDEX` takes a SHARE lock on the table for the whole build: reads continue, but every INSERT, UPDATE and DELETE waits until the index is built, which takes minutes on a large table. `CREATE INDEX CONCURRENTLY` builds it without blocking writes.',
        '',
        '**Safe rewrite:** Liquibase\'s `createIndex` has no concurrent option: build the index with a `sql` change in a changeset of its own with `runInTransaction="false"` (PostgreSQL refuses CONCURRENTLY inside the changeset\'s transaction). Run it outside a transaction block.',
        '',
        '```suggestion',
        '    <sql splitStatements="false">CREATE INDEX CONCURRENTLY idx_users_email ON users(email)</sql>',
        '```',
        '',
        'SQL it runs:',
        '',
        '```sql',
        'CREATE INDEX CONCURRENTLY idx_users_email ON users(email);',
        '```',
      ].join('\n'),
    });
    // The timeout advice has no Liquibase form: SQL beside the finding, never suggested into XML.
    const timeout = review.comments.find((c: any) => c.body.includes('require-timeout-settings'));
    expect(timeout.body).not.toContain('```suggestion');
  }, 120_000);

  it('reads formatted SQL changelogs at the head and the base to tell them, and suggests the SQL fix over the statement\'s lines', async () => {
    const path = 'db/changelog/changes/002-index.sql';
    const source = ['--liquibase formatted sql', '', '--changeset dev:2', 'CREATE INDEX idx_users_email', '    ON users (email);', '--rollback DROP INDEX idx_users_email;', ''].join('\n');
    const initial = ['--liquibase formatted sql', '--changeset dev:1', 'CREATE TABLE users (id bigint PRIMARY KEY, email text);', ''].join('\n');
    // The earlier changelog is only a migration by its first line: it is read (once) to tell.
    const h = await reviewWithHistory(path, source, [{ dirs: ['db/changelog/changes'], files: { 'db/changelog/changes/001-init.sql': initial } }], true);
    const review = h.apiCalls().find((c) => c.path.endsWith('/reviews'))!.body;
    const inline = review.comments.find((c: any) => c.body.includes('require-concurrent-index-creation'));
    expect(inline).toMatchObject({ path, start_line: 4, line: 5 });
    expect(inline.body).toContain('```suggestion\nCREATE INDEX CONCURRENTLY idx_users_email ON users (email);\n```');
    expect(inline.body).toContain('Put it in a changeset of its own with `runInTransaction:false` on its `--changeset` line');
    // The base's CREATE TABLE makes users an existing table: the index build blocks its writes.
    expect(lastCheckUpdate(h).output.summary).toContain('| `db/changelog/changes/002-index.sql:4` CREATE INDEX | `public.users` | SHARE |');
  }, 120_000);

  it('fetches the other apps\' histories its dependencies name, transitively, so the ForeignKey meets the real table and key', async () => {
    const path = 'shop/migrations/0002_order_customer.py';
    const source = py(
      '    dependencies = [("shop", "0001_initial"), ("accounts", "0001_initial")]',
      '    operations = [',
      '        migrations.AddField(model_name="order", name="customer", field=models.ForeignKey(null=True, on_delete=models.CASCADE, to="accounts.customer")),',
      '    ]',
    );
    const first = {
      'shop/migrations/0001_initial.py': py('    initial = True', '    operations = [', '        migrations.CreateModel(name="Order", fields=[("id", models.BigAutoField(primary_key=True))]),', '    ]'),
      'accounts/migrations/0001_initial.py': py(
        '    dependencies = [("users", "0001_initial")]',
        '    operations = [',
        '        migrations.CreateModel(name="Customer", fields=[("id", models.UUIDField(primary_key=True)), ("user", models.ForeignKey(on_delete=models.CASCADE, to="users.user"))], options={"db_table": "customers"}),',
        '    ]',
      ),
    };
    const second = {
      'users/migrations/0001_initial.py': py('    initial = True', '    operations = [', '        migrations.CreateModel(name="User", fields=[("id", models.BigAutoField(primary_key=True))]),', '    ]'),
    };
    // The PR's folder and the folder of the app it depends on in one listing, then the app that one depends on.
    const h = await reviewWithHistory(path, source, [
      { dirs: ['accounts/migrations', 'shop/migrations'], files: first },
      { dirs: ['users/migrations'], files: second },
    ]);
    const done = lastCheckUpdate(h);
    // accounts' history names the table (db_table) and the key type (UUID) the column and the FK follow.
    const fk = done.output.annotations.find((a: any) => a.title === 'adding-foreign-key-constraint');
    expect(fk).toMatchObject({ path, start_line: 7, annotation_level: 'failure' });
    expect(fk.raw_details).toContain('FOREIGN KEY (customer_id) REFERENCES customers (id) DEFERRABLE INITIALLY DEFERRED NOT VALID;');
    expect(done.output.annotations.find((a: any) => a.title === 'require-timeout-settings').raw_details).toContain('ALTER TABLE "shop_order" ADD COLUMN "customer_id" uuid NULL;');
  }, 120_000);
});

describe('real analyze of a Rails migration that reads a Scenic view file', () => {
  it('fetches db/views/<name>_vNN.sql at the head commit, so the view body is reviewed, not reported missing', async () => {
    const h = await setup({});
    const path = 'db/migrate/20240602090000_update_active_users.rb';
    const source = 'class UpdateActiveUsers < ActiveRecord::Migration[7.1]\n  def change\n    update_view :active_users, version: 2, revert_to_version: 1\n  end\nend\n';
    const view = 'SELECT id, email FROM users WHERE deleted_at IS NULL\n';
    checkCreated(h.api);
    configYaml(h.api, 'trace:\n  enabled: false\n');
    h.api.get(`${REPO}/pulls/17/files?per_page=100`).reply(200, [prFile(path, addedPatch(source))]);
    graphqlBlobs(h.api, { [path]: source });
    h.api.post('/graphql').reply(200, (_u, body: any) => {
      expect(body.variables.d0).toBe(`${BASE}:db/migrate`);
      return { data: { repository: { d0: { entries: [] } } } };
    });
    h.api.post('/graphql').reply(200, (_u, body: any) => {
      expect(body.variables).toMatchObject({ e0: `${HEAD1}:db/views/active_users_v02.sql` });
      expect(body.variables.e1).toBeUndefined();
      return { data: { repository: { f0: { oid: 'v2', byteSize: view.length, isBinary: false, isTruncated: false, text: view } } } };
    });
    await reviewOpened(h);
    const done = lastCheckUpdate(h);
    expect(done.output.title).not.toBe('dbarch could not finish');
    expect(done.output.annotations.filter((a: any) => a.title === 'orm-not-analysed')).toEqual([]);
    const comment = h.apiCalls().find((c) => c.method === 'POST' && c.path.endsWith('/issues/17/comments'))!.body.body;
    expect(comment).not.toContain('active_users_v02.sql');
  }, 120_000);
});
