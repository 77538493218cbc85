// What a lint without a config file needs from the config module, without loading zod (about
// a hundred modules, a third of the CLI's start-up). test/config/defaults.test.ts checks that
// defaultConfigValue() is exactly what the schema gives for an empty config.
import type { DbarchConfig } from './schema.js';

export { ConfigError, MAX_FILE_BYTES } from './errors.js';

/** The configuration of an empty config file, as a fresh object. */
export function defaultConfigValue(): DbarchConfig {
  return {
    pgVersion: 15,
    failOn: 'error',
    engines: ['builtin', 'squawk'],
    rules: {},
    categories: {},
    include: [],
    exclude: [],
    frameworks: {},
    transaction: 'auto',
    migrations: [],
    largeTables: [],
    maxFileBytes: 2 * 1024 * 1024,
    drafts: false,
    trace: { enabled: true, timeoutSeconds: 30, memoryMb: 512, totalSeconds: 300 },
    agent: { enabled: true, maxTokens: 200_000 },
    commands: { approvePermission: 'maintain' },
    unanalysed: 'failure',
    ignoreDirectives: { requireReason: false, allowFileLevel: true },
    vars: {},
    liquibase: {},
  };
}
