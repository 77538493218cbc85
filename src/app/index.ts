// The dbarch GitHub App. Webhook handlers only validate and enqueue (GitHub gives up after
// 10 s); the queue runs `runReview`, which fetches, analyses and writes once.
import type { ApplicationFunction, ApplicationFunctionOptions, Probot } from 'probot';
import type { JobQueue, JobRunner, ReviewJob } from './queue.js';
import { InProcessQueue } from './queue.js';
import type { AnalyzeFn, ReviewDeps, ReviewOutcome } from './review.js';
import { apiReviewSource, listMigrations, runReview } from './review.js';
import type { RenderNotes } from './render.js';
import type { Selector } from './select.js';
import { discoverySelector } from './select.js';
import { CHECK_NAME, fetchFiles } from './github.js';
import type { CommandDeps } from './commands.js';
import { registerCommands } from './commands.js';
import { loadRepoConfig } from './config.js';
import { RULES } from '../rules/registry.js';
import { createSnippetLinter } from '../agent/lint.js';
import { runArchitectReview } from '../agent/review.js';
import type { ArchitectHook } from './review.js';
import type { BotIdentity } from './identity.js';
import { fetchIdentity } from './identity.js';
import type { Telemetry } from '../telemetry.js';

export interface AppDeps extends ReviewDeps {
  /** Builds the queue around the runner (the in-process queue by default; Redis later). */
  createQueue: (run: JobRunner) => JobQueue;
  /** Overrides for the `/dbarch` comment commands (src/app/commands.ts). */
  commands?: Partial<CommandDeps>;
  /** The environment the App's settings come from (ANTHROPIC_*, DBARCH_CONCURRENCY); given by the entry point. */
  env?: NodeJS.ProcessEnv;
  /** Trace durations and model usage are reported here (the production entry passes metrics). */
  telemetry?: Telemetry;
  /** Called with each finished review (metrics, tests). */
  onOutcome?: (job: ReviewJob, outcome: ReviewOutcome) => void;
  /** dbarch's own App id and bot login; fetched once with `GET /app` when not given. */
  identity?: BotIdentity;
}

export const PULL_REQUEST_ACTIONS = ['opened', 'synchronize', 'reopened', 'ready_for_review'] as const;

/** Loaded on first use: the analyzer (parser WASM, rules, squawk) is not needed to receive webhooks. */
const lazyAnalyze: AnalyzeFn = async (input) => {
  const { analyze } = await import('../analyze.js');
  return analyze(input);
};

/**
 * The architect agent (src/agent) after each review, when the repo enables it and an Anthropic
 * key is configured. Without a key the deterministic review already carries every finding and
 * its rewrite, so no second (fallback) review is posted.
 */
export function defaultArchitect(analyze: AnalyzeFn, env: NodeJS.ProcessEnv, telemetry?: Telemetry): ArchitectHook | undefined {
  if (!env.ANTHROPIC_API_KEY) return undefined;
  return async ({ octokit, log, signal, config, report, pull, files, identity }) => {
    const result = await runArchitectReview(
      { octokit, config, report, files, rules: RULES.map((r) => r.meta), lint: createSnippetLinter(analyze, config), log, signal, env, botLogin: identity?.login, ...(telemetry ? { telemetry } : {}) },
      { owner: pull.owner, repo: pull.repo, number: pull.number, headSha: pull.headSha },
    );
    log.info({ action: result.action, inlineComments: result.inlineComments }, result.summaryLine);
    return result.summaryLine;
  };
}

export function defaultDeps(overrides: Partial<AppDeps> = {}): AppDeps {
  const telemetry = overrides.telemetry;
  const env = overrides.env ?? {};
  const base = overrides.analyze ?? lazyAnalyze;
  const analyze: AnalyzeFn = telemetry ? (input) => base({ ...input, telemetry }) : base;
  return {
    architect: defaultArchitect(analyze, env, telemetry),
    select: discoverySelector as Selector,
    now: () => new Date(),
    maxHistoryFiles: 500,
    createQueue: (run) => new InProcessQueue({ run, concurrency: Number(env.DBARCH_CONCURRENCY) || 4 }),
    ...overrides,
    // the wrapped analyzer, even when the caller gave its own
    analyze,
  };
}

export interface DbarchApp {
  appFn: ApplicationFunction;
  queue: JobQueue;
  deps: AppDeps;
}

export function createApp(overrides: Partial<AppDeps> = {}): DbarchApp {
  const deps = defaultDeps(overrides);
  let probot: Probot | undefined;
  let fetched: Promise<BotIdentity> | undefined;
  const identity = (): Promise<BotIdentity> => {
    if (deps.identity) return Promise.resolve(deps.identity);
    if (!probot) return Promise.reject(new Error('dbarch app not loaded'));
    const app = probot;
    fetched ??= app.auth().then((client) => fetchIdentity(client as never)).catch((err: unknown) => {
      fetched = undefined;
      throw err;
    });
    return fetched;
  };
  const run: JobRunner = async (job, signal) => {
    if (!probot) throw new Error('dbarch app not loaded');
    const log = probot.log.child({ deliveryId: job.deliveryId, repo: `${job.owner}/${job.repo}`, pr: job.pullNumber, sha: job.headSha });
    try {
      const octokit = await probot.auth(job.installationId);
      // Without its identity (GET /app failed) the review still runs; the verdict comes first and is never replaced.
      const own = await identity().catch((err: unknown) => (log.warn({ err }, 'could not read dbarch’s own App identity; matching any bot'), undefined));
      const outcome = await runReview(job, { octokit, log, deps, signal, identity: own });
      log.info({ outcome }, 'review finished');
      deps.onOutcome?.(job, outcome);
    } catch (err) {
      // Only reached when not even the check run could be created or completed.
      log.error({ err }, 'review failed before its check run could report');
      throw err;
    }
  };
  const queue = deps.createQueue(run);

  const appFn: ApplicationFunction = (app: Probot, _options?: ApplicationFunctionOptions) => {
    probot = app;
    const enqueue = async (job: ReviewJob, log: Probot['log']) => {
      const accepted = await queue.enqueue(job);
      log.info({ deliveryId: job.deliveryId, repo: `${job.owner}/${job.repo}`, pr: job.pullNumber, sha: job.headSha, accepted }, accepted ? 'review queued' : 'duplicate event dropped');
    };

    app.on(
      PULL_REQUEST_ACTIONS.map((a) => `pull_request.${a}` as const),
      async (context) => {
        const pr = context.payload.pull_request;
        const installationId = context.payload.installation?.id;
        if (!installationId || pr.state !== 'open') return;
        await enqueue(
          {
            deliveryId: context.id,
            kind: 'review',
            installationId,
            owner: context.payload.repository.owner.login,
            repo: context.payload.repository.name,
            pullNumber: pr.number,
            headSha: pr.head.sha,
            pull: { number: pr.number, headSha: pr.head.sha, baseSha: pr.base.sha, baseRef: pr.base.ref, draft: pr.draft ?? false, changedFiles: pr.changed_files },
            trigger: `pull_request.${context.payload.action}`,
          },
          context.log,
        );
      },
    );

    registerCommands(app, { identity, ...commandDeps(deps, enqueue, app) });

    app.on('check_run.rerequested', async (context) => {
      const run = context.payload.check_run;
      const installationId = context.payload.installation?.id;
      if (!installationId || run.name !== CHECK_NAME) return;
      const base = { owner: context.payload.repository.owner.login, repo: context.payload.repository.name };
      const prs = run.pull_requests.length ? run.pull_requests.map((p) => p.number) : [undefined];
      for (const pullNumber of prs) {
        await enqueue({ deliveryId: prs.length > 1 ? `${context.id}#${pullNumber}` : context.id, kind: 'rerequest', installationId, ...base, pullNumber, headSha: run.head_sha, trigger: 'check_run.rerequested' }, context.log);
      }
    });

    app.on('check_suite.rerequested', async (context) => {
      const suite = context.payload.check_suite;
      const installationId = context.payload.installation?.id;
      if (!installationId) return;
      const base = { owner: context.payload.repository.owner.login, repo: context.payload.repository.name };
      const prs = suite.pull_requests.length ? suite.pull_requests.map((p) => p.number) : [undefined];
      for (const pullNumber of prs) {
        await enqueue({ deliveryId: prs.length > 1 ? `${context.id}#${pullNumber}` : context.id, kind: 'rerequest', installationId, ...base, pullNumber, headSha: suite.head_sha, trigger: 'check_suite.rerequested' }, context.log);
      }
    });
  };

  return { appFn, queue, deps };
}

type Enqueue = (job: ReviewJob, log: Probot['log']) => Promise<void>;

/** What the comment commands need from the App: the same queue, config loader and analysis. */
function commandDeps(deps: AppDeps, enqueue: Enqueue, app: Probot): CommandDeps {
  return {
    review: async (req) => {
      const installationId = req.installationId ?? req.context.payload.installation?.id;
      if (!installationId) throw new Error('no installation on this event');
      const job: ReviewJob = {
        deliveryId: req.context.id,
        kind: 'rerequest',
        installationId,
        owner: req.owner,
        repo: req.repo,
        pullNumber: req.pullNumber,
        headSha: req.headSha,
        trigger: 'issue_comment /dbarch review',
      };
      await enqueue(job, req.context.log);
    },
    loadConfig: async (req) => (await loadRepoConfig(req.context.octokit, { owner: req.owner, repo: req.repo })).config,
    analyzePull: async (req, config) => {
      const octokit = req.context.octokit;
      const ref = { owner: req.owner, repo: req.repo };
      const { files: changed, migrationFiles } = await listMigrations(octokit, deps, { ...ref, pull: { number: req.pullNumber, headSha: req.headSha }, config });
      const contents = await fetchFiles(octokit, { ...ref, sha: req.headSha, paths: migrationFiles.map((f) => f.filename), maxBytes: config.maxFileBytes });
      const files = migrationFiles.flatMap((f) => {
        const c = contents.get(f.filename)?.content;
        if (c === undefined) return [];
        return [{ path: f.filename, content: typeof c === 'string' ? c : new TextDecoder().decode(c), patch: f.patch }];
      });
      // The earlier migrations at the base commit: the schema every plan is proven on.
      const notes: RenderNotes = { skipped: [] };
      const history =
        req.baseSha && files.length
          ? await apiReviewSource(octokit, deps, ref).fetchHistory({ baseSha: req.baseSha, changed, migrations: migrationFiles.map((f) => f.filename), sources: files, config, notes })
          : undefined;
      if (notes.skipped?.length) req.context.log.warn({ skipped: notes.skipped }, 'redesign proof: history capped');
      const report = await deps.analyze({ files: files.map(({ path, content }) => ({ path, content })), history, config, trace: false });
      return { report, files, ...(history ? { history } : {}) };
    },
    rules: RULES.map((r) => r.meta),
    linter: (config) => createSnippetLinter(deps.analyze, config),
    agent: { env: deps.env ?? {}, ...(deps.telemetry ? { telemetry: deps.telemetry } : {}) },
    // Long commands (redesign) must not hold the webhook response.
    schedule: (name, task) => {
      void task().catch((err: unknown) => app.log.error({ err, command: name }, 'dbarch command failed'));
    },
    now: deps.now,
    ...deps.commands,
  };
}

/** Probot entry: `probot run dist/src/app/index.js` works too. */
export default function dbarchApp(app: Probot, options: ApplicationFunctionOptions): void | Promise<void> {
  return createApp({ env: process.env }).appFn(app, options);
}
