import picomatch from 'picomatch';
import type { Framework, TransactionMode } from '../types.js';
import type { DbarchConfig, MigrationSet } from '../config/schema.js';
import { flywayPlaceholders } from './flyway-conf.js';
import { flywayVersionKey, leadingVersionKey, makeOrderKey, naturalKey, sortMigrations } from './order.js';
import { parseSqitchPlan, type SqitchPlan } from './sqitch.js';
import { orderDjango } from './django-order.js';
import { isJsMigrationConfig, jsMigrationDirs } from './js-config.js';
import { changelogFormat, isFormattedSql, looksLikeChangelog } from './changelog.js';
import { orderLiquibase } from './liquibase-order.js';
import type { DiscoverInput, DiscoveryResult, MigrationFile, MigrationKind, MigrationLanguage } from './types.js';

const SCHEMA_DUMPS = new Set(['schema.sql', 'structure.sql', 'schema.rb', 'schema.prisma']);
const SCRIPT_EXT = /\.(sql|rb|py|js|cjs|mjs|ts|cts|mts|exs)$/;
const MIGRATION_DIR = /^(migrations?|migrate)$/i;
const OTHER_DIALECTS = new Set(['mysql', 'sqlite', 'sqlite3', 'cockroach', 'cockroachdb', 'mssql', 'sqlserver', 'oracle']);
const GOLANG_MIGRATE = /^(\d+)_(.*?)\.(?:(?!autocommit\.)([a-z0-9]+)\.)?(?:(autocommit)\.)?(up|down)\.sql$/;
const FLYWAY_VERSIONED = /^([VU])(\d[\w.]*?)__(.*)\.sql$/;
const FLYWAY_REPEATABLE = /^R__(.*)\.sql$/;

type Matcher = (path: string) => boolean;

interface Context {
  config: DbarchConfig;
  read: (path: string) => string | undefined;
  exists: (path: string) => boolean;
  plans: Map<string, SqitchPlan | null>;
  /** Directories holding pop/popx-style files (`.postgres.`, `.autocommit.` infixes). */
  popxDirs: Set<string>;
  /** Directories holding Flyway-named files: other `.sql` there (callbacks, helpers) are not migrations. */
  flywayDirs: Set<string>;
  /** Migration folders named by a knexfile or .sequelizerc among the paths. */
  jsDirs?: Map<string, Framework>;
}

/**
 * A file discovery does not claim as a migration but that must be linted anyway (named on
 * the command line): dbmate's markers still decide its runner, a configured set still
 * applies, and otherwise it is plain SQL run as psql runs it.
 */
export function describeLoose(path: string, input: Omit<DiscoverInput, 'paths'>): MigrationFile {
  const key = normalizePath(path);
  const ctx: Context = {
    config: input.config,
    read: (p) => {
      try {
        return input.readFile(p);
      } catch {
        return undefined;
      }
    },
    exists: (p) => p === key || ctx.read(p) !== undefined,
    plans: new Map(),
    flywayDirs: new Set(),
    popxDirs: new Set(),
  };
  const configured = input.config.migrations.find((set) => compile(set.include)(key) && !compile(set.exclude)(key));
  const text = ctx.read(key);
  const framework = configured?.framework ?? (hasDbmateMarkers(text) ? 'dbmate' : /\.sql$/i.test(key) && isFormattedSql(text) ? 'liquibase' : 'sql');
  const file = describe(key, framework, ctx, configured);
  if (framework === 'sql' && /(^|\/)down\.sql$/i.test(key)) file.direction = 'down';
  if (framework === 'sql' && SCHEMA_DUMPS.has(basename(key)) && key.endsWith('.sql')) {
    file.kind = 'schema';
    file.transactionReason = 'schema dump: loaded into an empty database';
  }
  return file;
}

/** Identify migrations, their framework, set, order, direction and transaction mode. Pure: I/O is injected. */
export function discover(input: DiscoverInput): DiscoveryResult {
  const { config } = input;
  const paths = [...new Set(input.paths.map(normalizePath))];
  const pathSet = new Set(paths);
  const cache = new Map<string, string | undefined>();
  const read = (p: string): string | undefined => {
    if (!cache.has(p)) {
      let text: string | undefined;
      try {
        text = input.readFile(p);
      } catch {
        text = undefined;
      }
      cache.set(p, text);
    }
    return cache.get(p);
  };
  const ctx: Context = {
    config,
    read,
    exists: (p) => pathSet.has(p) || read(p) !== undefined,
    plans: new Map(),
    flywayDirs: new Set(paths.filter((p) => FLYWAY_VERSIONED.test(basename(p))).map(dirname)),
    popxDirs: new Set(
      paths.filter((p) => {
        const m = GOLANG_MIGRATE.exec(basename(p));
        return !!m && !!(m[3] || m[4]);
      }).map(dirname),
    ),
    jsDirs: new Map(
      paths
        .filter((p) => isJsMigrationConfig(basename(p)))
        .flatMap((p) => jsMigrationDirs(p, read(p) ?? ''))
        .map((d) => [d.dir, d.framework] as const),
    ),
  };

  const exclude = compile(config.exclude);
  const include = compile(config.include);
  const frameworkGlobs = Object.entries(config.frameworks).map(([glob, fw]) => ({ match: compile([glob]), fw }));
  const sets = config.migrations.map((set) => ({ set, include: compile(set.include), exclude: compile(set.exclude) }));

  const migrations: MigrationFile[] = [];
  const schemas: string[] = [];
  const ignored: string[] = [];

  for (const path of paths) {
    const base = basename(path);
    const forced = frameworkGlobs.find((g) => g.match(path))?.fw;
    const configured = sets.find((s) => s.include(path) && !s.exclude(path))?.set;
    const included = include(path);
    if (SCHEMA_DUMPS.has(base)) {
      if (!exclude(path)) schemas.push(path);
      continue;
    }
    const changelog = changelogFormat(path);
    if (changelog) {
      // Liquibase changelogs: only files whose root is databaseChangeLog (or that the config names).
      const auto = config.migrations.length === 0 || configured || included;
      const text = read(path);
      const detected = auto && (text === undefined ? /changelog/i.test(path) : looksLikeChangelog(text, changelog));
      const fw = forced ?? configured?.framework ?? (detected ? 'liquibase' : undefined);
      if (fw !== 'liquibase') continue;
      if (exclude(path)) ignored.push(path);
      else migrations.push(describe(path, fw, ctx, configured));
      continue;
    }
    if (!SCRIPT_EXT.test(path) || base.endsWith('.d.ts')) {
      if (configured || included || forced) ignored.push(path);
      continue;
    }
    if (exclude(path)) {
      if (configured || included || forced || detectFramework(path, ctx)) ignored.push(path);
      continue;
    }
    // With declared sets, only they (and explicit includes) are migrations.
    const auto = config.migrations.length === 0 || configured || included;
    const framework = forced ?? configured?.framework ?? (auto ? detectFramework(path, ctx) : undefined);
    if (!framework) {
      if (configured || included) {
        migrations.push(describe(path, 'sql', ctx, configured));
      } else if (forced === undefined && looksLikeCandidate(path)) ignored.push(path);
      continue;
    }
    const file = describe(path, framework, ctx, configured);
    if (file.framework === 'golang-migrate' && isOtherDialect(path)) {
      ignored.push(path);
      continue;
    }
    migrations.push(file);
  }

  const kept = dropShadowedDialectFiles(migrations, ignored);
  orderAlembic(kept, ctx);
  orderDjango(kept, (p) => ctx.read(p));
  orderLiquibase(kept, (p) => ctx.read(p));
  return { migrations: sortMigrations(kept), schemas: schemas.sort(), ignored: ignored.sort() };
}

export function normalizePath(path: string): string {
  return path.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/{2,}/g, '/');
}

function compile(globs: string[]): Matcher {
  if (globs.length === 0) return () => false;
  const m = picomatch(globs, { dot: true });
  return (p) => m(p);
}

function basename(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? p : p.slice(i + 1);
}

function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}

function join(dir: string, name: string): string {
  return dir ? `${dir}/${name}` : name;
}

function languageOf(path: string): MigrationLanguage {
  if (path.endsWith('.rb')) return 'ruby';
  if (path.endsWith('.exs')) return 'elixir';
  if (path.endsWith('.py')) return 'python';
  if (/\.[cm]?ts$/.test(path)) return 'typescript';
  if (/\.[cm]?js$/.test(path)) return 'javascript';
  return changelogFormat(path) ?? 'sql';
}

function inMigrationDir(path: string): boolean {
  return path.split('/').slice(0, -1).some((seg) => MIGRATION_DIR.test(seg));
}

function looksLikeCandidate(path: string): boolean {
  return inMigrationDir(path) || /\.(up|down)\.sql$/.test(path);
}

function isOtherDialect(path: string): boolean {
  const m = GOLANG_MIGRATE.exec(basename(path));
  return !!m?.[3] && OTHER_DIALECTS.has(m[3]);
}

function hasDbmateMarkers(content: string | undefined): boolean {
  return !!content && /^--\s*migrate:up\b/m.test(content);
}

function sqitchRoot(path: string, ctx: Context): { root: string; section: 'deploy' | 'revert' | 'verify'; change: string } | undefined {
  const segs = path.split('/');
  for (let i = segs.length - 2; i >= 0; i--) {
    const seg = segs[i]!;
    if (seg !== 'deploy' && seg !== 'revert' && seg !== 'verify') continue;
    const root = segs.slice(0, i).join('/');
    if (ctx.exists(join(root, 'sqitch.plan'))) {
      const change = segs.slice(i + 1).join('/').replace(/\.sql$/, '');
      return { root, section: seg, change };
    }
  }
  return undefined;
}

/** Which framework a path belongs to, without configuration; undefined = not a migration. */
function detectFramework(path: string, ctx: Context): Framework | undefined {
  const base = basename(path);
  const dir = dirname(path);
  const parent = basename(dir);
  const grand = basename(dirname(dir));
  const lang = languageOf(path);
  if (lang === 'sql') {
    // A Liquibase formatted SQL changelog says so on its first line, wherever it lives.
    if (isFormattedSql(ctx.read(path))) return 'liquibase';
    if (sqitchRoot(path, ctx)) return 'sqitch';
    if (FLYWAY_VERSIONED.test(base) || FLYWAY_REPEATABLE.test(base)) return 'flyway';
    if (base === 'migration.sql' && MIGRATION_DIR.test(grand)) return 'prisma';
    if ((base === 'up.sql' || base === 'down.sql') && MIGRATION_DIR.test(grand)) return 'diesel';
    if (GOLANG_MIGRATE.test(base)) return 'golang-migrate';
    const supabase = /(^|\/)supabase\/migrations\/[^/]+\.sql$/.test(path);
    const generic = (inMigrationDir(path) || /\.(up|down)\.sql$/.test(base)) && !ctx.flywayDirs.has(dir);
    if (!supabase && !generic) return undefined;
    if (hasDbmateMarkers(ctx.read(path))) return 'dbmate';
    return supabase ? 'supabase' : 'generic';
  }
  // db/migrate, and multi-database db/<name>_migrate folders.
  // Ecto: priv/<repo>/migrations/<timestamp>_name.exs
  if (lang === 'elixir') return /(^|\/)priv\/[^/]+\/migrations\/[^/]+\.exs$/.test(path) || parent === 'migrations' ? 'ecto' : undefined;
  if (lang === 'ruby') return /(^|\/)db\/(\w+_)?migrate\/[^/]+\.rb$/.test(path) || parent === 'migrate' ? 'rails' : undefined;
  if (lang === 'python') {
    if (base === '__init__.py') return undefined;
    if (parent === 'versions') {
      const text = ctx.read(path);
      // Without the content (path-only selection), a .py file in versions/ is taken as Alembic.
      if (text === undefined || /^[ \t]*(down_)?revision[ \t]*(:[^=\n]*)?=/m.test(text) || /def\s+upgrade\s*\(/.test(text)) return 'alembic';
    }
    if (MIGRATION_DIR.test(parent) && /^\d/.test(base)) return 'django';
    // Django loads every module of migrations/ that defines a Migration class, whatever its name.
    if (parent === 'migrations' && /^class Migration\(\s*migrations\.Migration\s*\)/m.test(ctx.read(path) ?? '')) return 'django';
    return undefined;
  }
  // JavaScript / TypeScript: the directory says "migration" (or a knexfile / .sequelizerc names it),
  // the content says which library.
  const configured = ctx.jsDirs?.get(dir);
  if ((!inMigrationDir(path) && !configured) || /^index\.|\.(spec|test)\./.test(base) || isJsMigrationConfig(base)) return undefined;
  const text = ctx.read(path);
  if (text === undefined) return guessJsFramework(base);
  // Generators name files with a version prefix; other code in a migrations/ folder (helpers,
  // a migration tool's own source) must at least define an `up` migration function.
  if (!/^\d/.test(base) && !/^[ \t]*(exports\.up\s*=|module\.exports\s*=\s*\{|export\s+(async\s+)?function\s+up\b|(public\s+)?async\s+up\s*\()/m.test(text)) return undefined;
  if (/MigrationInterface|queryRunner/.test(text)) return 'typeorm';
  if (/queryInterface|Sequelize/.test(text)) return 'sequelize';
  if (/\bknex\b|exports\.up\s*=|export\s+(async\s+)?function\s+up\b/i.test(text)) return 'knex';
  return configured;
}

/** Path-only guess from the generators' file names (content decides when it is available). */
function guessJsFramework(base: string): Framework | undefined {
  if (/^\d{13}-/.test(base)) return 'typeorm'; // 1704100000000-CreatePost.ts
  if (/^\d{14}-/.test(base)) return 'sequelize'; // 20240104100000-create-product.js
  if (/^\d+_/.test(base)) return 'knex'; // 20240103090000_create_users.js
  return undefined;
}

interface Layout {
  set: string;
  key: string;
  direction: 'up' | 'down';
  kind: MigrationKind;
  version?: string;
  name?: string;
}

function layoutOf(path: string, framework: Framework, ctx: Context): Layout {
  const base = basename(path);
  const dir = dirname(path);
  const stem = base.replace(/\.[^.]+$/, '');
  const downByName = /([._-])(down|undo|rollback|revert)\.sql$/i.test(base) || /(^|\/)(down|rollback|revert|undo)\//i.test(path);
  const fallback: Layout = {
    set: dir,
    key: leadingVersionKey(base),
    direction: downByName ? 'down' : 'up',
    kind: 'migration',
    ...versionAndName(stem),
  };
  switch (framework) {
    case 'flyway': {
      const set = flywayRoot(dir);
      const v = FLYWAY_VERSIONED.exec(base);
      if (v) {
        const version = v[2]!.replace(/_/g, '.');
        return { set, key: flywayVersionKey(v[2]!), direction: v[1] === 'U' ? 'down' : 'up', kind: 'migration', version, name: v[3]!.replace(/_/g, ' ') };
      }
      const r = FLYWAY_REPEATABLE.exec(base);
      if (r) return { set, key: r[1]!, direction: 'up', kind: 'repeatable', name: r[1]!.replace(/_/g, ' ') };
      return { ...fallback, set };
    }
    case 'prisma':
    case 'diesel': {
      if (base === 'migration.sql' || base === 'up.sql' || base === 'down.sql') {
        const folder = basename(dir);
        const m = /^([\d-]+)_(.*)$/.exec(folder);
        return {
          set: dirname(dir),
          key: folder,
          direction: base === 'down.sql' ? 'down' : 'up',
          kind: 'migration',
          version: m?.[1] ?? folder,
          name: m?.[2] ?? folder,
        };
      }
      return fallback;
    }
    case 'golang-migrate': {
      const m = GOLANG_MIGRATE.exec(base);
      if (!m) return fallback;
      return { set: dir, key: leadingVersionKey(base), direction: m[5] === 'down' ? 'down' : 'up', kind: 'migration', version: m[1]!, name: m[2]! };
    }
    case 'generic': {
      // Sub-folders of a migrations folder (e.g. one per release) belong to its history.
      const segs = dir.split('/');
      const at = segs.map((seg) => MIGRATION_DIR.test(seg)).lastIndexOf(true);
      if (at < 0 || at === segs.length - 1) return fallback;
      const root = segs.slice(0, at + 1).join('/');
      const rel = path.slice(root.length + 1);
      const parts = rel.split('/');
      const file = parts.pop()!;
      return { ...fallback, set: root, key: [...parts.map(naturalKey), leadingVersionKey(file)].join('/') };
    }
    case 'sqitch': {
      const s = sqitchRoot(path, ctx);
      if (!s) return fallback;
      const plan = planOf(s.root, ctx);
      const pos = plan?.position(s.change);
      const key = pos === undefined ? `~${naturalKey(s.change)}` : String(pos).padStart(8, '0');
      return {
        set: s.root,
        key: s.section === 'verify' ? `${key}~verify` : key,
        direction: s.section === 'revert' ? 'down' : 'up',
        kind: s.section === 'verify' ? 'verify' : 'migration',
        version: s.change,
        name: s.change,
      };
    }
    default:
      return fallback;
  }
}

function versionAndName(stem: string): { version?: string; name?: string } {
  const clean = stem.replace(/\.(up|down)$/, '');
  const m = /^(\d[\d.-]*)[_-]?(.*)$/.exec(clean);
  return m ? { version: m[1]!.replace(/[-.]$/, ''), name: m[2] || clean } : { name: clean };
}

/** Flyway scans a location recursively: the set is the outermost directory named like a migration folder. */
function flywayRoot(dir: string): string {
  const segs = dir.split('/');
  for (let i = 0; i < segs.length; i++) {
    if (/migrat/i.test(segs[i]!)) return segs.slice(0, i + 1).join('/');
  }
  return dir;
}

function planOf(root: string, ctx: Context): SqitchPlan | null {
  if (!ctx.plans.has(root)) {
    const text = ctx.read(join(root, 'sqitch.plan'));
    ctx.plans.set(root, text === undefined ? null : parseSqitchPlan(text));
  }
  return ctx.plans.get(root)!;
}

interface TxDecision {
  up: TransactionMode;
  down?: TransactionMode;
  reason: string;
}

function frameworkTransaction(path: string, framework: Framework, ctx: Context): TxDecision {
  const base = basename(path);
  switch (framework) {
    case 'flyway': {
      const text = ctx.read(path) ?? '';
      const conf = ctx.read(`${path}.conf`) ?? '';
      if (/^[ \t]*--[ \t]*flyway:executeInTransaction[ \t]*=[ \t]*false\b/im.test(text)) return { up: 'none', reason: 'flyway:executeInTransaction=false' };
      if (/^[ \t]*executeInTransaction[ \t]*=[ \t]*false\b/im.test(conf)) return { up: 'none', reason: `${base}.conf: executeInTransaction=false` };
      return { up: 'transaction', reason: 'Flyway runs each PostgreSQL migration in a transaction' };
    }
    case 'prisma':
      return { up: 'none', reason: 'Prisma sends migration.sql as one query without BEGIN' };
    case 'golang-migrate': {
      const m = GOLANG_MIGRATE.exec(base);
      if (m?.[4]) return { up: 'none', reason: '.autocommit. migration' };
      if (m?.[3] || ctx.popxDirs.has(dirname(path)) || hasPopxSiblings(path, ctx)) return { up: 'transaction', reason: 'pop/popx runs migrations in a transaction' };
      return { up: 'none', reason: 'golang-migrate sends the file as one query: PostgreSQL runs its statements as one implicit transaction' };
    }
    case 'diesel': {
      const meta = ctx.read(join(dirname(path), 'metadata.toml')) ?? '';
      if (/^[ \t]*run_in_transaction[ \t]*=[ \t]*false\b/m.test(meta)) return { up: 'none', reason: 'metadata.toml: run_in_transaction = false' };
      return { up: 'transaction', reason: 'diesel runs each migration in a transaction' };
    }
    case 'dbmate': {
      const text = ctx.read(path) ?? '';
      const up = /^--\s*migrate:up\b[^\n]*\btransaction:false\b/m.test(text) ? 'none' : 'transaction';
      const down = /^--\s*migrate:down\b[^\n]*\btransaction:false\b/m.test(text) ? 'none' : 'transaction';
      return { up, down, reason: up === 'none' ? 'migrate:up transaction:false' : 'dbmate runs each section in a transaction' };
    }
    case 'supabase':
      return { up: 'transaction', reason: 'the Supabase CLI applies each migration file in one transaction' };
    case 'rails': {
      const text = ctx.read(path) ?? '';
      if (/^[ \t]*disable_ddl_transaction!/m.test(text)) return { up: 'none', reason: 'disable_ddl_transaction!' };
      return { up: 'transaction', reason: 'Rails wraps each migration in a transaction' };
    }
    case 'ecto': {
      const text = ctx.read(path) ?? '';
      if (/^\s*@disable_ddl_transaction\s+true\b/m.test(text)) return { up: 'none', reason: '@disable_ddl_transaction true' };
      return { up: 'transaction', reason: 'Ecto runs each migration in a transaction' };
    }
    case 'django': {
      const text = ctx.read(path) ?? '';
      if (text.includes('atomic') && /^[ \t]*atomic[ \t]*=[ \t]*False\b/m.test(text)) return { up: 'none', reason: 'atomic = False' };
      return { up: 'transaction', reason: 'Django migrations are atomic by default' };
    }
    case 'alembic': {
      const blocks = autocommitBlockUse(ctx.read(path) ?? '');
      if (blocks.inside > 0 && blocks.outside === 0) return { up: 'none', reason: 'all SQL runs in autocommit_block()' };
      return { up: 'transaction', reason: 'Alembic runs migrations in a transaction' };
    }
    case 'knex': {
      const text = ctx.read(path) ?? '';
      if (knexConfigDisablesTransaction(text)) return { up: 'none', reason: 'config = { transaction: false }' };
      return { up: 'transaction', reason: 'Knex runs each migration in a transaction' };
    }
    case 'typeorm': {
      const text = ctx.read(path) ?? '';
      if (/\btransaction\s*(:\s*\w+\s*)?=\s*false\b/.test(text)) return { up: 'none', reason: 'transaction = false' };
      return { up: 'transaction', reason: 'TypeORM runs migrations in a transaction by default' };
    }
    case 'liquibase':
      // Each changeset is its own transaction (or none with runInTransaction: false): the
      // translation writes the BEGIN/COMMIT around each changeset.
      return { up: 'none', reason: 'Liquibase commits each changeset on its own; the translation writes its transactions' };
    case 'sequelize':
      return { up: 'none', reason: 'Sequelize adds no transaction unless the migration opens one' };
    case 'sqitch':
      return { up: 'none', reason: 'sqitch scripts manage their own BEGIN/COMMIT' };
    default:
      // No known runner: the file runs as psql runs it, each statement committing on its
      // own unless the file opens a transaction with BEGIN (the model follows BEGIN/COMMIT).
      return { up: 'none', reason: 'no known runner: psql semantics (autocommit unless the file opens BEGIN)' };
  }
}

/** How many `execute(` calls sit inside / outside `with ….autocommit_block():` blocks. */
/**
 * `config = { … transaction: false … }` in a Knex migration. Looked for between closing
 * braces, so a file of many unclosed `config = {` costs one pass, not one per opening.
 */
function knexConfigDisablesTransaction(text: string): boolean {
  for (const part of text.split('}')) {
    const open = /config\s*=\s*\{/.exec(part);
    if (open && /\btransaction\s*:\s*false/.test(part.slice(open.index))) return true;
  }
  return false;
}

function autocommitBlockUse(text: string): { inside: number; outside: number } {
  let blockIndent = -1;
  let inside = 0;
  let outside = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const indent = /^\s*/.exec(line)![0].length;
    if (blockIndent >= 0 && indent <= blockIndent) blockIndent = -1;
    if (/^\s*with\b.*autocommit_block\(\)\s*:/.test(line)) {
      blockIndent = indent;
      continue;
    }
    // op.execute and the other op.* / batch_op.* operations (not the get_bind/get_context accessors).
    if (/\.execute\(|\b(op|batch_op)\.(?!get_bind|get_context)\w+\(/.test(line)) {
      if (blockIndent >= 0) inside++;
      else outside++;
    }
  }
  return { inside, outside };
}

function hasPopxSiblings(path: string, ctx: Context): boolean {
  const m = GOLANG_MIGRATE.exec(basename(path));
  if (!m) return false;
  return ctx.exists(join(dirname(path), `${m[1]}_${m[2]}.postgres.${m[5]}.sql`));
}

function describe(path: string, framework: Framework, ctx: Context, configured: MigrationSet | undefined): MigrationFile {
  const layout = layoutOf(path, framework, ctx);
  const tx = frameworkTransaction(path, framework, ctx);
  const override = configured && configured.transaction !== 'auto' ? configured.transaction : ctx.config.transaction;
  const phase = layout.direction === 'down' ? 'down' : layout.kind === 'repeatable' ? 'repeatable' : 'up';
  const file: MigrationFile = {
    path,
    framework,
    direction: layout.direction,
    transaction: override === 'auto' ? tx.up : override,
    orderKey: makeOrderKey(phase, layout.key),
    set: configured ? (configured.name ?? configured.include[0]!) : layout.set || '.',
    language: languageOf(path),
    kind: layout.kind,
    transactionReason: override === 'auto' ? tx.reason : `configured transaction: ${override}`,
  };
  if (layout.version !== undefined) file.version = layout.version;
  if (layout.name !== undefined) file.name = layout.name;
  if (tx.down && override === 'auto' && tx.down !== file.transaction) file.downTransaction = tx.down;
  // Both send the file as one query (golang-migrate's postgres driver: one Exec of the whole
  // file, unless x-multi-statement is set; pop/popx wraps it in a transaction of its own).
  // A configured transaction mode says how the file runs: it wins.
  const oneQuery = framework === 'prisma' || (framework === 'golang-migrate' && tx.up === 'none' && !GOLANG_MIGRATE.exec(basename(path))?.[4]);
  if (oneQuery && override === 'auto') file.singleQuery = true;
  if (framework === 'flyway') {
    const vars = flywayPlaceholders(path, ctx.read);
    if (vars) file.vars = vars;
  }
  if (configured?.pgVersion !== undefined) file.pgVersion = configured.pgVersion;
  if (configured && Object.keys(configured.rules).length > 0) file.rules = configured.rules;
  return file;
}

/** popx picks the `.postgres.` file of a version and direction when there is one. */
function dropShadowedDialectFiles(files: MigrationFile[], ignored: string[]): MigrationFile[] {
  const dialectSpecific = new Set<string>();
  for (const f of files) {
    const m = f.framework === 'golang-migrate' ? GOLANG_MIGRATE.exec(basename(f.path)) : null;
    if (m?.[3] === 'postgres') dialectSpecific.add(`${f.set}|${m[1]}|${m[5]}`);
  }
  if (dialectSpecific.size === 0) return files;
  return files.filter((f) => {
    const m = f.framework === 'golang-migrate' ? GOLANG_MIGRATE.exec(basename(f.path)) : null;
    if (m && !m[3] && dialectSpecific.has(`${f.set}|${m[1]}|${m[5]}`)) {
      ignored.push(f.path);
      return false;
    }
    return true;
  });
}

/** Alembic files are named by random revision ids: the order is the down_revision chain. */
function orderAlembic(files: MigrationFile[], ctx: Context): void {
  const bySet = new Map<string, MigrationFile[]>();
  for (const f of files) if (f.framework === 'alembic') bySet.set(f.set, [...(bySet.get(f.set) ?? []), f]);
  for (const group of bySet.values()) {
    const info = new Map<MigrationFile, { rev?: string; parents: string[] }>();
    const byRev = new Map<string, MigrationFile>();
    for (const f of group) {
      const text = ctx.read(f.path) ?? '';
      const rev = /^revision\s*(?::[^=\n]*)?=\s*['"]([^'"]+)['"]/m.exec(text)?.[1];
      const downRaw = /^down_revision\s*(?::[^=\n]*)?=\s*([^\n]+)/m.exec(text)?.[1] ?? '';
      const parents = [...downRaw.matchAll(/['"]([^'"]+)['"]/g)].map((m) => m[1]!);
      info.set(f, { rev, parents });
      if (rev) byRev.set(rev, f);
    }
    const depth = new Map<MigrationFile, number>();
    const depthOf = (f: MigrationFile, seen: Set<MigrationFile>): number => {
      const known = depth.get(f);
      if (known !== undefined) return known;
      if (seen.has(f)) return 0;
      seen.add(f);
      let d = 0;
      for (const p of info.get(f)!.parents) {
        const parent = byRev.get(p);
        d = Math.max(d, parent ? depthOf(parent, seen) + 1 : 1);
      }
      depth.set(f, d);
      return d;
    };
    for (const f of group) {
      const rev = info.get(f)!.rev;
      if (rev) f.version = rev;
      f.orderKey = makeOrderKey('up', `${String(depthOf(f, new Set())).padStart(6, '0')}:${rev ?? f.path}`);
    }
  }
}
