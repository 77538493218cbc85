// `dbarch ci`: the review inside a CI job. GitHub Actions gets the App's check run, comment,
// review and commands with the workflow token; GitLab CI gets a merge request note,
// discussions and a Code Quality report. Everything else is `dbarch lint`.
import { parseArgs } from 'node:util';
import { SEVERITIES, type Severity } from '../types.js';
import type { CiIo } from './common.js';
import type { CiInputs, CiRunOptions, ExitCode } from './github.js';

export const CI_USAGE = `Usage: dbarch ci [options]

Reviews the pull request (GitHub Actions) or merge request (GitLab CI) this job runs for:
GitHub gets the dbarch check run, one summary comment and inline suggestions (the App's
review, with GITHUB_TOKEN); GitLab gets one merge request note, discussion threads with
suggestions and a Code Quality report. Exit 1 when a finding reaches --fail-on.

Options:
  --config <file>            config file (default: .github/dbarch.yml at the base commit)
  --fail-on <error|warning|info>
  --pg-version <N>           PostgreSQL major version, 10-18
  --trace, --no-trace        replay the migrations in embedded Postgres (default: config, on)
  --paths <globs>            only review changed files matching these globs (comma-separated)
  --sarif-file <file>        SARIF output on GitHub (default: dbarch.sarif)
  --codequality-file <file>  Code Quality output on GitLab (default: gl-code-quality-report.json)

Tokens: GITHUB_TOKEN on GitHub (the action passes its github-token input); on GitLab
DBARCH_GITLAB_TOKEN (a project access token with the api scope) for the note and threads.
ANTHROPIC_API_KEY enables the architect's advisory review on GitHub.
`;

export class CiUsageError extends Error {}

export interface CiCommandDeps {
  env: Record<string, string | undefined>;
  cwd: string;
  io: CiIo;
  /** Test seams. */
  run?: Partial<Pick<CiRunOptions, 'analyze' | 'select' | 'github' | 'now'>> & { fetch?: typeof globalThis.fetch };
}

type Raw = Partial<Record<'config' | 'fail-on' | 'pg-version' | 'trace' | 'paths' | 'sarif-file' | 'codequality-file', string>> & { token?: string; anthropicApiKey?: string };

/** Validated inputs from flags or the action's `with:` values (empty means unset, as in Actions). */
export function parseInputs(raw: Raw): CiInputs & { codeQualityFile: string } {
  const val = (k: keyof Raw) => {
    const v = raw[k]?.trim();
    return v ? v : undefined;
  };
  const failOn = val('fail-on');
  if (failOn && !(SEVERITIES as readonly string[]).includes(failOn)) throw new CiUsageError(`invalid fail-on '${failOn}': expected one of ${SEVERITIES.join(', ')}`);
  const pg = val('pg-version');
  if (pg !== undefined && !(/^\d+$/.test(pg) && Number(pg) >= 10 && Number(pg) <= 18)) throw new CiUsageError(`invalid pg-version '${pg}': expected a PostgreSQL major version from 10 to 18`);
  const trace = val('trace');
  if (trace !== undefined && !['true', 'false'].includes(trace.toLowerCase())) throw new CiUsageError(`invalid trace '${trace}': expected true or false`);
  const paths = val('paths')?.split(/[\n,]/).map((s) => s.trim()).filter(Boolean);
  return {
    token: val('token'),
    configPath: val('config'),
    failOn: failOn as Severity | undefined,
    pgVersion: pg === undefined ? undefined : Number(pg),
    trace: trace === undefined ? undefined : trace.toLowerCase() === 'true',
    anthropicApiKey: val('anthropicApiKey'),
    paths: paths?.length ? paths : undefined,
    sarifFile: val('sarif-file') ?? 'dbarch.sarif',
    codeQualityFile: val('codequality-file') ?? 'gl-code-quality-report.json',
  };
}

export function detectPlatform(env: Record<string, string | undefined>): 'github' | 'gitlab' | undefined {
  if (env.GITHUB_ACTIONS === 'true') return 'github';
  if (env.GITLAB_CI === 'true' || env.CI_MERGE_REQUEST_IID) return 'gitlab';
  return undefined;
}

/** Runs with validated inputs on the detected platform. */
export async function runCi(inputs: CiInputs & { codeQualityFile: string }, deps: CiCommandDeps): Promise<ExitCode> {
  const platform = detectPlatform(deps.env);
  if (platform === 'github') {
    const { runGitHubCi } = await import('./github.js');
    return runGitHubCi({ env: deps.env, inputs, io: deps.io, cwd: deps.cwd, ...deps.run });
  }
  if (platform === 'gitlab') {
    const { runGitLabCi } = await import('./gitlab.js');
    return runGitLabCi({ env: deps.env, inputs, io: deps.io, cwd: deps.cwd, ...deps.run });
  }
  throw new CiUsageError('dbarch ci runs inside GitHub Actions (GITHUB_ACTIONS=true) or a GitLab merge request pipeline (CI_MERGE_REQUEST_IID); use `dbarch lint` elsewhere');
}

/** `dbarch ci [options]` from the command line. */
export async function ciCommand(argv: string[], deps: CiCommandDeps): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        'fail-on': { type: 'string' },
        'pg-version': { type: 'string' },
        trace: { type: 'boolean' },
        'no-trace': { type: 'boolean' },
        paths: { type: 'string' },
        'sarif-file': { type: 'string' },
        'codequality-file': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    deps.io.err(`dbarch: ${(err as Error).message.split('\n')[0]} (see dbarch ci --help)\n`);
    return 2;
  }
  if (values.help) {
    deps.io.out(CI_USAGE);
    return 0;
  }
  const { env } = deps;
  try {
    const inputs = parseInputs({
      config: values.config as string | undefined,
      'fail-on': values['fail-on'] as string | undefined,
      'pg-version': values['pg-version'] as string | undefined,
      trace: values['no-trace'] ? 'false' : values.trace ? 'true' : undefined,
      paths: values.paths as string | undefined,
      'sarif-file': values['sarif-file'] as string | undefined,
      'codequality-file': values['codequality-file'] as string | undefined,
      token: detectPlatform(env) === 'gitlab' ? (env.DBARCH_GITLAB_TOKEN ?? env.GITLAB_TOKEN) : env.GITHUB_TOKEN,
      anthropicApiKey: env.ANTHROPIC_API_KEY,
    });
    return await runCi(inputs, deps);
  } catch (err) {
    if (err instanceof CiUsageError) {
      deps.io.err(`dbarch: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
