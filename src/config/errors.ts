// Shared by the zod schema and the zod-free defaults, so neither imports the other at run time.
/** Hard cap on maxFileBytes (8 MiB lints in about 1.4 GB). */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly source: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}
