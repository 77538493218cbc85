// The configuration, defined once: the TypeScript type and the JSON Schema
// (docs/dbarch.schema.json) both come from this zod schema.
import { z } from 'zod';
import { CATEGORIES, FRAMEWORKS, SEVERITIES } from '../types.js';
import { ConfigError, MAX_FILE_BYTES } from './errors.js';

export { FRAMEWORKS };

export { ConfigError, MAX_FILE_BYTES } from './errors.js';

const severityOrOff = z.enum([...SEVERITIES, 'off']);

const ruleSetting = z.union([
  severityOrOff,
  z
    .object({
      severity: severityOrOff.optional(),
      options: z.record(z.string(), z.unknown()).optional(),
    })
    .strict(),
]);

/** `auto` follows the framework; `transaction`/`none` force it. */
const transactionSetting = z.enum(['auto', 'transaction', 'none']);

const pgVersion = z.number().int().min(10).max(18);

export const migrationSetSchema = z
  .object({
    /** Name shown in reports (defaults to the first include glob). */
    name: z.string().optional(),
    include: z.array(z.string()).min(1),
    exclude: z.array(z.string()).default([]),
    framework: z.enum(FRAMEWORKS).optional(),
    transaction: transactionSetting.default('auto'),
    pgVersion: pgVersion.optional(),
    rules: z.record(z.string(), ruleSetting).default({}),
  })
  .strict();

export const configSchema = z
  .object({
    /** PostgreSQL major version the migrations run on. */
    pgVersion: pgVersion.default(15),
    /** Lowest severity that fails the check / CLI. */
    failOn: z.enum(SEVERITIES).default('error'),
    engines: z.array(z.enum(['builtin', 'squawk'])).min(1).default(['builtin', 'squawk']),
    /** Per-rule severity (`off` disables) or `{ severity, options }`. */
    rules: z.record(z.string(), ruleSetting).default({}),
    /** Per-category severity override or `off`, e.g. `{ style: off }`. */
    categories: z.partialRecord(z.enum(CATEGORIES), severityOrOff).default({}),
    /** Extra include / exclude globs applied on top of discovery. */
    include: z.array(z.string()).default([]),
    exclude: z.array(z.string()).default([]),
    /** Framework for a path glob, e.g. `{ "db/**": "flyway" }`. */
    frameworks: z.record(z.string(), z.enum(FRAMEWORKS)).default({}),
    transaction: transactionSetting.default('auto'),
    /** Monorepos: several migration sets, each with its own settings. */
    migrations: z.array(migrationSetSchema).default([]),
    /**
     * Values for template placeholders in migrations (`{{ .Namespace }}`, `${schema}`, psql
     * `:name`), by name. Unnamed ones are read as a neutral identifier or literal.
     */
    vars: z.record(z.string(), z.string()).default({}),
    /**
     * Liquibase changesets production runs: `contexts` as given to `--contexts`, `labels` as
     * `--label-filter`. Unset, every changeset is reviewed (Liquibase runs them all then);
     * set, a changeset that would not run is reported as not reviewed.
     */
    liquibase: z
      .object({
        contexts: z.string().optional(),
        labels: z.string().optional(),
      })
      .strict()
      .default({}),
    /** Busy tables (schema-qualified or bare names): hazards on them are escalated. */
    largeTables: z.array(z.string()).default([]),
    /**
     * Files larger than this are skipped with an info finding. Capped at MAX_FILE_BYTES: a
     * file's parse trees are held while it is linted (about 170 bytes of memory per byte of
     * SQL), so the cap is what keeps memory bounded on a 50 MB schema dump.
     */
    maxFileBytes: z.number().int().positive().max(MAX_FILE_BYTES).default(2 * 1024 * 1024),
    /** Review draft pull requests too. */
    drafts: z.boolean().default(false),
    trace: z
      .object({
        enabled: z.boolean().default(true),
        /** A schema dump (path in the repo) to load instead of replaying history. */
        schemaDump: z.string().optional(),
        timeoutSeconds: z.number().positive().default(30),
        memoryMb: z.number().int().positive().default(512),
        /** Wall-clock limit for the trace of one review after the base replay (every file and fix check). */
        totalSeconds: z.number().positive().default(300),
      })
      .strict()
      .default({ enabled: true, timeoutSeconds: 30, memoryMb: 512, totalSeconds: 300 }),
    agent: z
      .object({
        enabled: z.boolean().default(true),
        model: z.string().optional(),
        /** Token budget for one review (input + output). */
        maxTokens: z.number().int().positive().default(200_000),
        /** Free-form notes for the architect (conventions, traffic, sizes). */
        notes: z.string().optional(),
      })
      .strict()
      .default({ enabled: true, maxTokens: 200_000 }),
    commands: z
      .object({
        /** Minimum repository permission for `/dbarch approve`. */
        approvePermission: z.enum(['write', 'maintain', 'admin']).default('maintain'),
      })
      .strict()
      .default({ approvePermission: 'maintain' }),
    /**
     * What the check concludes (and the CLI exits with) when dbarch could not analyse something: a
     * file over maxFileBytes, a migration it could not fetch, a file list GitHub cut at 3,000 files,
     * a file in an encoding it cannot read. `failure` (exit 1) unless `/dbarch approve` releases it;
     * `neutral` (exit 0, with a warning) for teams that prefer that.
     */
    unanalysed: z.enum(['failure', 'neutral']).default('failure'),
    /** Policy for `dbarch-ignore` / `squawk-ignore` comments; suppressed findings are always counted in the report. */
    ignoreDirectives: z
      .object({
        /** A directive must give a reason (`-- dbarch-ignore rule -- why`); one without is not honoured. */
        requireReason: z.boolean().default(false),
        /** `dbarch-ignore-file` / `squawk-ignore-file` are honoured; false reports them and ignores nothing. */
        allowFileLevel: z.boolean().default(true),
      })
      .strict()
      .default({ requireReason: false, allowFileLevel: true }),
  })
  .strict();

export type DbarchConfig = z.infer<typeof configSchema>;
export type DbarchConfigInput = z.input<typeof configSchema>;
export type MigrationSet = z.infer<typeof migrationSetSchema>;
export type RuleSetting = z.infer<typeof ruleSetting>;

export function defaultConfig(): DbarchConfig {
  return configSchema.parse({});
}

/** Validate raw config; throws ConfigError naming each bad key and the problem. */
export function parseConfig(raw: unknown, source = '.github/dbarch.yml'): DbarchConfig {
  const result = configSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.length ? issue.path.join('.') : '(top level)';
    if (issue.code === 'unrecognized_keys') {
      const where = issue.path.length ? `${issue.path.join('.')}.` : '';
      return `${issue.keys.map((k) => `${where}${k}`).join(', ')}: unknown key`;
    }
    return `${key}: ${issue.message}`;
  });
  throw new ConfigError(`Invalid config in ${source}: ${problems.join('; ')}`, source);
}

export function configJsonSchema(): unknown {
  return z.toJSONSchema(configSchema, { io: 'input' });
}
