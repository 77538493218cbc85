// The `--format` names, apart from the formatters: the CLI checks the option before loading one.
export const FORMATS = ['text', 'json', 'sarif', 'markdown', 'github', 'junit', 'gitlab'] as const;
export type Format = (typeof FORMATS)[number];
