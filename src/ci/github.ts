// `dbarch ci` inside GitHub Actions: the App's review (same check run, marker comment, review
// and suggestions, through src/app/review.ts) with the workflow token, files from the
// checkout and git history. When the token cannot write (fork pull requests, read-only
// permissions) it falls back to workflow-command annotations, the job summary and SARIF.
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Logger } from 'pino';
import type { Context } from 'probot';
import { ConfigError, type DbarchConfig } from '../config/schema.js';
import type { Severity } from '../types.js';
import type { CommandDeps } from '../app/commands.js';
import { handleComment } from '../app/commands.js';
import { defaultArchitect } from '../app/index.js';
import type { GitHubClientOptions } from '../app/octokit.js';
import { createOctokitClass } from '../app/octokit.js';
import type { PullInfo, ReviewJob } from '../app/queue.js';
import type { AnalyzeFn, ReviewDeps, ReviewOutcome, ReviewResult, ReviewSource } from '../app/review.js';
import { runReview } from '../app/review.js';
import { discoverySelector, type Selector } from '../app/select.js';
import type { Octokit } from '../app/github.js';
import { formatGithub } from '../report/github.js';
import { formatSarif } from '../report/sarif.js';
import { createSnippetLinter } from '../agent/lint.js';
import { RULES } from '../rules/registry.js';
import type { CiIo } from './common.js';
import { analysePull, appendTo, ciLogger, setOutputs, stepSummary, withoutMissingSquawk, writeTo } from './common.js';
import { gitReviewSource } from './git-source.js';

/** The action's inputs (and `dbarch ci` options); unset means the repository config decides. */
export interface CiInputs {
  token?: string;
  configPath?: string;
  failOn?: Severity;
  pgVersion?: number;
  trace?: boolean;
  anthropicApiKey?: string;
  paths?: string[];
  /** Where the SARIF file is written (relative to the workspace). */
  sarifFile: string;
}

export interface CiRunOptions {
  /** The CI environment (GITHUB_* / CI_* variables), passed in by the entry point. */
  env: Record<string, string | undefined>;
  inputs: CiInputs;
  io: CiIo;
  cwd: string;
  analyze?: AnalyzeFn;
  select?: Selector;
  github?: GitHubClientOptions;
  now?: () => Date;
}

/** Exit codes: 0 passes the gate, 1 a finding reaches fail-on, 2 configuration or internal error. */
export type ExitCode = 0 | 1 | 2;

const lazyAnalyze: AnalyzeFn = async (input) => (await import('../analyze.js')).analyze(input);

export function configOverrides(inputs: Pick<CiInputs, 'failOn' | 'pgVersion' | 'trace'>): (c: DbarchConfig) => void {
  return (c) => {
    if (inputs.failOn) c.failOn = inputs.failOn;
    if (inputs.pgVersion !== undefined) c.pgVersion = inputs.pgVersion;
    if (inputs.trace !== undefined) c.trace.enabled = inputs.trace;
  };
}

interface Ctx {
  opts: CiRunOptions;
  log: Logger;
  workspace: string;
  owner: string;
  repo: string;
  deps: ReviewDeps;
  sarifPath: string;
  squawk: (c: DbarchConfig) => void;
}

export async function runGitHubCi(opts: CiRunOptions): Promise<ExitCode> {
  const { env, io } = opts;
  const log = ciLogger(io);
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  if (!env.GITHUB_EVENT_PATH) {
    io.err('dbarch: GITHUB_EVENT_PATH is not set: `dbarch ci` reads the workflow event from it\n');
    return 2;
  }
  const payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as Record<string, any>;
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? `${payload.repository?.owner?.login}/${payload.repository?.name}`).split('/') as [string, string];
  const workspace = env.GITHUB_WORKSPACE ?? opts.cwd;
  const analyze = opts.analyze ?? lazyAnalyze;
  const deps: ReviewDeps = {
    analyze,
    architect: opts.inputs.anthropicApiKey ? defaultArchitect(analyze, { ...env, ANTHROPIC_API_KEY: opts.inputs.anthropicApiKey }) : undefined,
    select: opts.select ?? (discoverySelector as Selector),
    now: opts.now ?? (() => new Date()),
    maxHistoryFiles: 500,
  };
  const sarifPath = isAbsolute(opts.inputs.sarifFile) ? opts.inputs.sarifFile : join(workspace, opts.inputs.sarifFile);
  const ctx: Ctx = { opts, log, workspace, owner, repo, deps, sarifPath, squawk: withoutMissingSquawk(log) };

  if (eventName === 'pull_request' || eventName === 'pull_request_target') {
    const pr = payload.pull_request;
    if (!pr || pr.state !== 'open') {
      log.info(`pull request is ${pr?.state ?? 'missing'}: nothing to review`);
      return 0;
    }
    const pull: PullInfo = { number: pr.number, headSha: pr.head.sha, baseSha: pr.base.sha, baseRef: pr.base.ref, draft: pr.draft ?? false, changedFiles: pr.changed_files };
    const source = sourceFor(ctx, pull.number, pull.baseSha);
    const fromFork = eventName === 'pull_request' && pr.head?.repo?.full_name !== payload.repository?.full_name;
    if (fromFork) {
      return readOnlyReview(ctx, source, pull, `the pull request comes from the fork ${pr.head?.repo?.full_name ?? '(deleted)'}, and GitHub gives workflows on fork pull requests a read-only token`);
    }
    if (!opts.inputs.token) return readOnlyReview(ctx, source, pull, 'no github-token was given');
    return writeReview(ctx, source, { pullNumber: pull.number, headSha: pull.headSha, pull, trigger: `${eventName}.${payload.action ?? ''}` });
  }

  if (eventName === 'issue_comment') {
    if (!payload.issue?.pull_request || payload.action !== 'created') {
      log.info('comment is not a new pull request comment: nothing to do');
      return 0;
    }
    if (!opts.inputs.token) {
      io.err('dbarch: `/dbarch` commands need a github-token that can write\n');
      return 2;
    }
    return commentCommand(ctx, payload);
  }

  log.info(`event ${eventName || '(none)'} is not a pull request or a pull request comment: nothing to review (use \`dbarch lint\` for other events)`);
  return 0;
}

function sourceFor(ctx: Ctx, pullNumber: number, configSha: string | undefined): ReviewSource {
  const { inputs } = ctx.opts;
  return gitReviewSource({
    cwd: ctx.workspace,
    select: ctx.deps.select,
    maxHistoryFiles: ctx.deps.maxHistoryFiles,
    configSha,
    configPath: inputs.configPath,
    overrides: (c) => {
      configOverrides(inputs)(c);
      ctx.squawk(c);
    },
    paths: inputs.paths,
    fetchRefs: [`refs/pull/${pullNumber}/head`],
    log: (m) => ctx.log.info(m),
  });
}

function octokitFor(ctx: Ctx, denied: { reason?: string }): Octokit {
  const { env, inputs, github } = ctx.opts;
  const OctokitClass = createOctokitClass(github);
  const octokit = new OctokitClass({ auth: { token: inputs.token }, baseUrl: (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/$/, ''), log: ctx.log }) as Octokit;
  // Remember why a write was refused, to explain the fallback in the log.
  octokit.hook.error('request', (error, options) => {
    const status = (error as { status?: number }).status;
    if (options.method !== 'GET' && (status === 403 || status === 404 || status === 401)) {
      denied.reason ??= `${options.method} ${String(options.url)} answered HTTP ${status}: ${(error as Error).message}`;
    }
    throw error;
  });
  return octokit;
}

type Job = Pick<ReviewJob, 'pullNumber' | 'headSha' | 'pull' | 'trigger'>;

async function writeReview(ctx: Ctx, source: ReviewSource, job: Job): Promise<ExitCode> {
  const { log, opts } = ctx;
  const denied: { reason?: string } = {};
  const octokit = octokitFor(ctx, denied);
  let observed: ReviewResult | undefined;
  let outcome: ReviewOutcome;
  let configError: string | undefined;
  try {
    await source.loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    configError = err.message;
  }
  try {
    outcome = await runReview(
      { deliveryId: opts.env.GITHUB_RUN_ID ?? 'action', kind: 'review', installationId: 0, owner: ctx.owner, repo: ctx.repo, ...job },
      { octokit, log, deps: ctx.deps, signal: new AbortController().signal, source, onReport: (r) => (observed = r) },
    );
  } catch (err) {
    // Not even the check run could be written: the token is read-only here.
    const status = (err as { status?: number }).status;
    const why = denied.reason ?? `${status ? `HTTP ${status}: ` : ''}${(err as Error).message}`;
    const pull = job.pull ?? (await fetchPullInfo(octokit, ctx, job.pullNumber!));
    return readOnlyReview(ctx, source, pull, `the token could not write the check run (${why}); grant \`checks: write\` and \`pull-requests: write\` in the workflow's permissions`);
  }
  switch (outcome) {
    case 'success':
    case 'failure':
      writeArtifacts(ctx, observed!);
      return outcome === 'failure' ? 1 : 0;
    case 'invalid-config':
      opts.io.out(`::error title=Invalid dbarch configuration::${configError ?? 'see the dbarch check'}\n`);
      return 2;
    case 'no-migrations':
      appendTo(opts.env.GITHUB_STEP_SUMMARY, '## dbarch\n\nThis pull request does not change any migration files.\n');
      setOutputs(opts.env.GITHUB_OUTPUT, { conclusion: 'success', errors: 0, warnings: 0 });
      return 0;
    case 'draft-skipped':
      appendTo(opts.env.GITHUB_STEP_SUMMARY, '## dbarch\n\nDraft pull request: not reviewed (set `drafts: true` in the config to review drafts).\n');
      setOutputs(opts.env.GITHUB_OUTPUT, { conclusion: 'neutral', errors: 0, warnings: 0 });
      return 0;
    case 'no-pull-request':
    case 'superseded':
      return 0;
    case 'error':
      if (observed) {
        // The verdict exists; what failed was a write after it (comment or review).
        log.warn(`the review was analysed but could not be written${denied.reason ? ` (${denied.reason})` : ''}; reporting through annotations, the job summary and SARIF`);
        opts.io.out(formatGithub(observed.report));
        writeArtifacts(ctx, observed);
        return observed.conclusion === 'failure' ? 1 : 0;
      }
      return 2;
    default:
      // Any other verdict the App reports (e.g. an incomplete review) is not a pass.
      log.warn(`review outcome: ${String(outcome)}`);
      if (observed) writeArtifacts(ctx, observed);
      return 1;
  }
}

function writeArtifacts(ctx: Ctx, r: Pick<ReviewResult, 'report' | 'notes' | 'failed'>): void {
  const { env } = ctx.opts;
  appendTo(env.GITHUB_STEP_SUMMARY, stepSummary(r.report, r.notes));
  writeTo(ctx.sarifPath, formatSarif(r.report));
  setOutputs(env.GITHUB_OUTPUT, {
    conclusion: r.failed ? 'failure' : 'success',
    errors: r.report.summary.errors,
    warnings: r.report.summary.warnings,
    'sarif-file': ctx.sarifPath,
  });
}

async function readOnlyReview(ctx: Ctx, source: ReviewSource, pull: Pick<PullInfo, 'number' | 'headSha' | 'baseSha'>, reason: string): Promise<ExitCode> {
  const { io, env } = ctx.opts;
  ctx.log.warn(`not writing a check run or comments: ${reason}. Reporting through workflow annotations, the job summary and a SARIF file (${ctx.sarifPath}) for github/codeql-action/upload-sarif instead.`);
  let config: DbarchConfig;
  try {
    config = await source.loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.out(`::error title=Invalid dbarch configuration::${err.message.replace(/\n/g, '%0A')}\n`);
    return 2;
  }
  const analysed = await analysePull(source, ctx.deps.analyze, pull, config);
  if (analysed.kind === 'no-migrations') {
    appendTo(env.GITHUB_STEP_SUMMARY, '## dbarch\n\nThis pull request does not change any migration files.\n');
    setOutputs(env.GITHUB_OUTPUT, { conclusion: 'success', errors: 0, warnings: 0 });
    return 0;
  }
  io.out(formatGithub(analysed.report));
  const { errors, warnings } = analysed.report.summary;
  if (errors > 10 || warnings > 10) {
    ctx.log.info(`GitHub shows at most 10 error and 10 warning annotations per step (this review has ${errors} and ${warnings}); the job summary and the SARIF file list every finding`);
  }
  writeArtifacts(ctx, analysed);
  return analysed.failed ? 1 : 0;
}

async function fetchPullInfo(octokit: Octokit, ctx: Ctx, pullNumber: number): Promise<PullInfo> {
  const { data } = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner: ctx.owner, repo: ctx.repo, pull_number: pullNumber });
  return { number: data.number, headSha: data.head.sha, baseSha: data.base.sha, baseRef: data.base.ref, draft: data.draft ?? false, changedFiles: data.changed_files };
}

/** `/dbarch …` from an issue_comment workflow: the App's handler, permission-checked through the API. */
async function commentCommand(ctx: Ctx, payload: Record<string, any>): Promise<ExitCode> {
  const { opts, log } = ctx;
  const denied: { reason?: string } = {};
  const octokit = octokitFor(ctx, denied);
  const pullNumber = payload.issue.number as number;
  // An issue_comment workflow checks out the default branch: its config is the base's.
  const source = sourceFor(ctx, pullNumber, undefined);
  let reviewCode: ExitCode = 0;
  const deps: CommandDeps = {
    review: async (req) => {
      reviewCode = await writeReview(ctx, source, { pullNumber: req.pullNumber, headSha: req.headSha, trigger: 'issue_comment /dbarch review' });
    },
    loadConfig: () => source.loadConfig(),
    analyzePull: async (req, config) => {
      const pull = await fetchPullInfo(octokit, ctx, req.pullNumber);
      const analysed = await analysePull(source, ctx.deps.analyze, pull, { ...config, trace: { ...config.trace, enabled: false } });
      if (analysed.kind === 'no-migrations') return { report: { files: [], summary: { files: 0, statements: 0, errors: 0, warnings: 0, infos: 0 } }, files: [] };
      const files = [...analysed.reviewFiles.values()].map((f) => ({ path: f.path, content: f.source, patch: analysed.migrationFiles.find((m) => m.filename === f.path)?.patch }));
      return { report: analysed.report, files };
    },
    rules: RULES.map((r) => r.meta),
    linter: (config) => createSnippetLinter(ctx.deps.analyze, config),
    agent: { env: { ...opts.env, ANTHROPIC_API_KEY: opts.inputs.anthropicApiKey } },
    now: ctx.deps.now,
  };
  const context = { id: opts.env.GITHUB_RUN_ID ?? 'action', name: 'issue_comment', payload, octokit, log } as unknown as Context<'issue_comment.created'>;
  const result = await handleComment(context, deps);
  log.info(`/dbarch command: ${result}`);
  if (result === 'failed') return denied.reason ? 0 : 1;
  return reviewCode;
}
