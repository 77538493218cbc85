// One review of one PR head: fetch, analyse (pure), write once. Every path ends with the
// check run completed; an internal error completes it as a failure saying what failed.
import type { Logger } from 'pino';
import type { DbarchConfig } from '../config/schema.js';
import { ConfigError } from '../config/schema.js';
import type { Report } from '../types.js';
import type { AnalyzeInput } from '../analyze.js';
import { PULL_REQUEST_CHANGE } from '../types.js';
import { loadRepoConfig } from './config.js';
import type { BotIdentity } from './identity.js';
import { parsePatchHunks } from '../report/patch.js';
import { reportFails } from '../report/index.js';
import type { BlobContent, Conclusion, Octokit, PrFile } from './github.js';
import {
  appendCheckText,
  completeCheckRun,
  createCheckRun,
  fetchFiles,
  findSummaryComment,
  listDirectories,
  listPullFiles,
  postReview,
  upsertSummaryComment,
} from './github.js';
import type { PullInfo, ReviewJob } from './queue.js';
import { SupersededError } from './queue.js';
import type { CheckAnnotation, CheckOutput, RenderNotes, ReviewFile } from './render.js';
import {
  FINDING_MARKER,
  SUMMARY_MARKER,
  buildAnnotations,
  buildCheckOutput,
  buildCommentBody,
  buildNoMigrationsCommentBody,
  buildReviewComments,
  isIncomplete,
  truncate,
} from './render.js';
import type { Selector } from './select.js';
import { collectHistory, needsContent, probeChangelogs } from './select.js';
import { companionPaths, needsOrmHistory } from '../orm/index.js';

export type { AnalyzeInput } from '../analyze.js';
export type AnalyzeFn = (input: AnalyzeInput) => Promise<Report>;

/** What the architect agent gets after the deterministic review. */
export interface ArchitectContext {
  octokit: Octokit;
  log: Logger;
  signal: AbortSignal;
  config: DbarchConfig;
  report: Report;
  pull: { owner: string; repo: string; number: number; headSha: string };
  files: { path: string; content: string; patch?: string }[];
  identity?: BotIdentity;
}
/** Resolves to a one-line account (tokens, estimated cost) for the check's details, if any. */
export type ArchitectHook = (ctx: ArchitectContext) => Promise<string | void>;

export interface ReviewDeps {
  analyze: AnalyzeFn;
  /** Advice only: runs after the verdict and the review, and its failure changes nothing. */
  architect?: ArchitectHook;
  select: Selector;
  now: () => Date;
  /** Earlier migrations fetched for the trace, at most. */
  maxHistoryFiles: number;
}

export interface ReviewEnv {
  octokit: Octokit;
  /** dbarch's own App id and bot login: only its own comments and reviews are edited or counted. */
  identity?: BotIdentity;
  log: Logger;
  deps: ReviewDeps;
  signal: AbortSignal;
  /** Where the config and files come from; default: the GitHub API (the App). */
  source?: ReviewSource;
  /** Sees the verdict before anything is written (the Action's job summary and exit code). */
  onReport?: (result: ReviewResult) => void;
}

export interface ReviewResult {
  report: Report;
  config: DbarchConfig;
  notes: RenderNotes;
  failed: boolean;
  /** The check's conclusion: `failure` too when something could not be analysed (unless `unanalysed: neutral`). */
  conclusion: Conclusion;
}

/**
 * Reads behind a review: the App reads through the API, the Action from its checkout and
 * git history. Writes always go through the Octokit, so both leave the same check and comments.
 */
/**
 * The other files the pull request's migrations read when they run (Scenic's `db/views/*.sql`,
 * Liquibase `sqlFile`), fetched at the head commit, as analyze()'s `readFile`; undefined when
 * they read none. A file missing there stays missing: the analyzer reports it by name.
 */
export async function fetchCompanions(
  source: Pick<ReviewSource, 'fetchFiles'>,
  sha: string,
  files: { path: string; content: string | Uint8Array }[],
  config: DbarchConfig,
): Promise<((path: string) => string | undefined) | undefined> {
  const paths = await companionPaths(files, config);
  if (paths.length === 0) return undefined;
  const fetched = await source.fetchFiles({ sha, paths, maxBytes: config.maxFileBytes });
  const text = new Map<string, string>();
  for (const [path, blob] of fetched) {
    if (blob.content !== undefined) text.set(path, typeof blob.content === 'string' ? blob.content : new TextDecoder().decode(blob.content));
  }
  return (path) => text.get(path);
}

export interface ReviewSource {
  loadConfig(): Promise<DbarchConfig>;
  listMigrations(ref: { pull: Pick<PullInfo, 'number' | 'changedFiles' | 'headSha' | 'baseSha'>; config: DbarchConfig }): Promise<PullMigrations>;
  fetchFiles(ref: { sha: string; paths: readonly string[]; maxBytes?: number }): Promise<Map<string, BlobContent>>;
  /** `sources`: the PR's migrations, whose Django dependencies name other apps' folders to fetch. */
  fetchHistory(ref: { baseSha: string; changed: PrFile[]; migrations: string[]; sources?: SourceFiles; config: DbarchConfig; notes: RenderNotes }): Promise<AnalyzeInput['history']>;
}

export type SourceFiles = readonly { path: string; content: string | Uint8Array }[];

/** The App's source: the repository's config and files through the GitHub API. */
export function apiReviewSource(octokit: Octokit, deps: Pick<ReviewDeps, 'select' | 'maxHistoryFiles'>, repo: { owner: string; repo: string }): ReviewSource {
  return {
    loadConfig: async () => (await loadRepoConfig(octokit, repo)).config,
    listMigrations: (ref) => listMigrations(octokit, deps, { ...repo, ...ref }),
    fetchFiles: (ref) => fetchFiles(octokit, { ...repo, ...ref }),
    fetchHistory: (ref) => fetchHistory(octokit, deps, { ...repo, ...ref }),
  };
}

export type ReviewOutcome =
  | 'success'
  | 'failure'
  | 'no-migrations'
  | 'draft-skipped'
  | 'invalid-config'
  | 'superseded'
  | 'error'
  | 'no-pull-request'
  /** Something could not be analysed: `failure` (or `neutral` by config) whatever the findings. */
  | 'unanalysed';

const UNANALYSED_HELP =
  'dbarch fails closed: what it could not analyse is not read as safe. Review it by hand; a maintainer can then release this check with `/dbarch approve <reason>`. ' +
  'Set `unanalysed: neutral` in `.github/dbarch.yml` to make such reviews neutral instead.';

export async function runReview(job: ReviewJob, env: ReviewEnv): Promise<ReviewOutcome> {
  const { octokit, log, deps, signal, identity } = env;
  const repo = { owner: job.owner, repo: job.repo };
  const source = env.source ?? apiReviewSource(octokit, deps, repo);
  let stage = 'finding the pull request';
  let checkRunId: number | undefined;
  let checkDone = false;
  let verdict: ReviewOutcome | undefined;
  const complete = async (conclusion: Conclusion, output: CheckOutput, annotations?: CheckAnnotation[]) => {
    stage = 'completing the check run';
    await completeCheckRun(octokit, { ...repo, checkRunId: checkRunId!, conclusion, output, annotations, completedAt: deps.now().toISOString() });
    checkDone = true;
  };
  try {
    const pull = job.pull ?? (await fetchPull(octokit, job));
    if (!pull) {
      log.info({ sha: job.headSha }, 'no open pull request for this commit');
      return 'no-pull-request';
    }
    stage = 'creating the check run';
    checkRunId = await createCheckRun(octokit, { ...repo, headSha: job.headSha, startedAt: deps.now().toISOString() });
    // A rerequest of an older commit refreshes its check but must not touch the PR's comment or review.
    const isLatest = pull.headSha === job.headSha;

    stage = 'reading .github/dbarch.yml';
    let config: DbarchConfig;
    try {
      config = await source.loadConfig();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      await complete('failure', {
        title: 'Invalid dbarch configuration',
        summary: truncate(`${err.message}\n\nFix the configuration on the default branch; dbarch does not fall back to defaults.`),
      });
      return 'invalid-config';
    }
    if (pull.draft && !config.drafts) {
      await complete('neutral', {
        title: 'Draft pull request: not reviewed',
        summary: 'dbarch reviews this pull request when it is marked ready for review (set `drafts: true` in `.github/dbarch.yml` to review drafts).',
      });
      return 'draft-skipped';
    }

    stage = 'listing the pull request files';
    const { files, truncated, migrationFiles, removed } = await source.listMigrations({ pull, config });
    const notes: RenderNotes = { fileListTruncated: truncated, removed, skipped: [], unanalysed: [] };

    if (migrationFiles.length === 0) {
      signal.throwIfAborted();
      verdict = truncated ? 'unanalysed' : 'no-migrations';
      if (truncated) {
        // The migrations may be among the files GitHub did not list: not a pass.
        await complete(config.unanalysed, {
          title: 'Incomplete review: GitHub listed only the first 3,000 changed files',
          summary: truncate(
            'No migration files among the first 3,000 changed files, but GitHub lists no more than that, so the rest of this pull request was not reviewed.\n\n' +
              UNANALYSED_HELP,
          ),
        });
      } else {
        await complete('success', { title: 'No migration changes', summary: 'This pull request does not change any migration files.' });
      }
      if (isLatest) {
        stage = 'updating the summary comment';
        const existing = await findSummaryComment(octokit, { ...repo, pullNumber: pull.number, marker: SUMMARY_MARKER, identity });
        signal.throwIfAborted();
        if (existing) {
          await upsertSummaryComment(octokit, { ...repo, pullNumber: pull.number, existing, body: buildNoMigrationsCommentBody(job.headSha, notes) });
        }
      }
      return verdict;
    }

    stage = `fetching ${migrationFiles.length} migration file(s) at ${job.headSha.slice(0, 7)}`;
    const contents = await source.fetchFiles({ sha: job.headSha, paths: migrationFiles.map((f) => f.filename), maxBytes: config.maxFileBytes });
    const analysed = collect(contents, notes);

    let history: AnalyzeInput['history'];
    if (config.trace.enabled || needsOrmHistory(analysed, config)) {
      stage = 'fetching earlier migrations';
      history = await source.fetchHistory({ baseSha: pull.baseSha, changed: files, migrations: migrationFiles.map((f) => f.filename), sources: analysed, config, notes });
    }

    stage = 'fetching the files the migrations read';
    const readFile = await fetchCompanions(source, job.headSha, analysed, config);

    signal.throwIfAborted();
    stage = 'analysing the migrations';
    const report = await deps.analyze({ files: analysed, history, config, trace: config.trace.enabled, signal, ...(readFile ? { readFile } : {}) });
    signal.throwIfAborted();

    // The verdict first: a required check should not wait for the comment and the review.
    const failed = reportFails(report, config.failOn);
    // Fail closed: what could not be analysed is not vouched for (`unanalysed: neutral` softens it).
    const incomplete = isIncomplete(report, notes);
    const { annotations, omitted } = buildAnnotations(report);
    notes.annotationsOmitted = omitted;
    const checkOutput = buildCheckOutput(report, notes);
    const architectOff = architectOffNote(Boolean(deps.architect), config.agent.enabled);
    if (architectOff) notes.architectOff = architectOff;
    if (incomplete) checkOutput.summary = truncate(`${checkOutput.summary}\n\n${UNANALYSED_HELP}`);
    const conclusion: Conclusion = failed ? 'failure' : incomplete ? config.unanalysed : 'success';
    env.onReport?.({ report, config, notes, failed, conclusion });
    await complete(conclusion, checkOutput, annotations);
    verdict = failed ? 'failure' : incomplete ? 'unanalysed' : 'success';

    if (isLatest) {
      stage = 'updating the summary comment';
      const existing = await findSummaryComment(octokit, { ...repo, pullNumber: pull.number, marker: SUMMARY_MARKER, identity });
      signal.throwIfAborted();
      await upsertSummaryComment(octokit, { ...repo, pullNumber: pull.number, existing, body: buildCommentBody(report, notes) });

      stage = 'posting the inline review';
      const reviewFiles = new Map<string, ReviewFile>();
      for (const f of migrationFiles) {
        const c = contents.get(f.filename)?.content;
        const source = typeof c === 'string' ? c : c ? new TextDecoder().decode(c) : undefined;
        if (source !== undefined) reviewFiles.set(f.filename, { path: f.filename, source: source.replace(/^\uFEFF/, ''), hunks: parsePatchHunks(f.patch) });
      }
      const comments = buildReviewComments(report, reviewFiles);
      signal.throwIfAborted();
      await postReview(octokit, {
        ...repo,
        pullNumber: pull.number,
        headSha: job.headSha,
        comments,
        marker: FINDING_MARKER,
        identity,
        body: 'dbarch found hazards on changed lines. The summary comment lists all findings.',
      });

      if (deps.architect && config.agent.enabled) {
        stage = 'running the architect review';
        const files = [...reviewFiles.values()].map((f) => ({ path: f.path, content: f.source, patch: migrationFiles.find((m) => m.filename === f.path)?.patch }));
        try {
          const account = await deps.architect({ octokit, log, signal, config, report, pull: { ...repo, number: pull.number, headSha: job.headSha }, files, identity });
          if (account) {
            // Details only: the conclusion stays the deterministic verdict.
            stage = 'recording the architect review in the check details';
            await appendCheckText(octokit, { ...repo, checkRunId: checkRunId!, output: checkOutput, text: `Architect review: ${account}` });
          }
        } catch (err) {
          if (signal.aborted) throw err;
          log.warn({ err }, 'architect review failed; the check verdict stands');
        }
      }
    }
    return verdict;
  } catch (err) {
    if (checkRunId === undefined) throw err;
    const superseded = signal.aborted && signal.reason instanceof SupersededError;
    if (checkDone && !superseded) {
      // The verdict is posted: a comment or review that could not be written must not replace it.
      log.error({ err, stage }, 'writing after the verdict failed; the verdict stands');
      return 'error';
    }
    try {
      if (superseded) {
        // A completed verdict for that commit stands; only the shared comment/review are skipped.
        if (!checkDone) {
          await complete('cancelled', { title: 'Superseded by a newer push', summary: `This run was cancelled: ${(signal.reason as Error).message}.` });
        }
        return 'superseded';
      }
      const failedStage = stage;
      log.error({ err, stage: failedStage }, 'review failed');
      await complete('failure', {
        title: 'dbarch could not finish',
        summary: truncate(`dbarch failed while ${failedStage}:\n\n\`\`\`\n${describeError(err)}\n\`\`\`\n\nRe-run the check to try again.`),
      });
    } catch (completeErr) {
      log.error({ err: completeErr }, 'could not complete the check run');
      throw completeErr;
    }
    return 'error';
  }
}

export interface PullMigrations {
  files: PrFile[];
  truncated: boolean;
  /** Changed (not deleted) migration files. */
  migrationFiles: PrFile[];
  /** Migration files the PR deletes. */
  removed: string[];
}

const MAX_CONTENT_PROBES = 50;

/** The PR's changed files and which of them are migrations. */
export async function listMigrations(
  octokit: Octokit,
  deps: Pick<ReviewDeps, 'select'>,
  ref: { owner: string; repo: string; pull: Pick<PullInfo, 'number' | 'changedFiles' | 'headSha'>; config: DbarchConfig },
): Promise<PullMigrations> {
  const { files, truncated } = await listPullFiles(octokit, { owner: ref.owner, repo: ref.repo, pullNumber: ref.pull.number, changedFiles: ref.pull.changedFiles });
  const present = files.filter((f) => f.status !== 'removed');
  const paths = present.map((f) => f.filename);
  let selected = new Set(await deps.select(paths, ref.config));
  // Some frameworks are only recognisable by content: read those few files (one query) and ask again.
  const unsure = needsContent(paths.filter((p) => !selected.has(p)), ref.config).slice(0, MAX_CONTENT_PROBES);
  if (unsure.length) {
    const probed = await fetchFiles(octokit, { owner: ref.owner, repo: ref.repo, sha: ref.pull.headSha, paths: unsure, maxBytes: ref.config.maxFileBytes });
    const text = (p: string) => {
      const c = probed.get(p)?.content;
      return typeof c === 'string' ? c : undefined;
    };
    selected = new Set(await deps.select(paths, ref.config, text));
  }
  const removed = await deps.select(files.filter((f) => f.status === 'removed').map((f) => f.filename), ref.config);
  return { files, truncated, migrationFiles: present.filter((f) => selected.has(f.filename)), removed };
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    const status = (err as { status?: number }).status;
    return `${status ? `HTTP ${status}: ` : ''}${err.message}`.replace(/```/g, "'''");
  }
  return String(err);
}

function collect(contents: Map<string, BlobContent>, notes: RenderNotes): AnalyzeInput['files'] {
  const out: AnalyzeInput['files'] = [];
  for (const [path, blob] of contents) {
    if (blob.content === undefined) notes.unanalysed!.push({ path, reason: blob.error ?? 'no content' });
    // the pull request's files are one change: a table one creates is new to the next
    else out.push({ path, content: blob.content, change: PULL_REQUEST_CHANGE });
  }
  return out;
}

async function fetchPull(octokit: Octokit, job: ReviewJob): Promise<PullInfo | undefined> {
  type Pr = { number: number; state: string; draft?: boolean; changed_files?: number; head: { sha: string }; base: { sha: string; ref: string } };
  let pr: Pr | undefined;
  if (job.pullNumber !== undefined) {
    pr = (await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner: job.owner, repo: job.repo, pull_number: job.pullNumber })).data as Pr;
  } else {
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls', { owner: job.owner, repo: job.repo, commit_sha: job.headSha });
    pr = (data as Pr[]).find((p) => p.state === 'open' && p.head.sha === job.headSha);
  }
  if (!pr || pr.state !== 'open') return undefined;
  return { number: pr.number, headSha: pr.head.sha, baseSha: pr.base.sha, baseRef: pr.base.ref, draft: pr.draft ?? false, changedFiles: pr.changed_files };
}

async function fetchHistory(
  octokit: Octokit,
  deps: Pick<ReviewDeps, 'select' | 'maxHistoryFiles'>,
  ref: { owner: string; repo: string; baseSha: string; changed: PrFile[]; migrations: string[]; sources?: SourceFiles; config: DbarchConfig; notes: RenderNotes },
): Promise<AnalyzeInput['history']> {
  const repo = { owner: ref.owner, repo: ref.repo, sha: ref.baseSha };
  const history = await collectHistory(
    {
      list: (dirs) => listDirectories(octokit, { ...repo, dirs }),
      select: async (paths, readFile) => deps.select(paths, ref.config, readFile),
      probe: (paths) => probeChangelogs(paths, ref.config),
      read: async (paths) => {
        const contents = await fetchFiles(octokit, { ...repo, paths, maxBytes: ref.config.maxFileBytes });
        return [...contents.values()].filter((b) => b.content !== undefined).map((b) => ({ path: b.path, content: b.content! }));
      },
    },
    { migrations: ref.migrations, sources: ref.sources ?? [], changed: new Set(ref.changed.flatMap((f) => [f.filename, f.previous_filename ?? ''])), max: deps.maxHistoryFiles },
  );
  if (history.capped) ref.notes.skipped!.push({ path: history.dirs.join(', '), reason: `history capped at ${deps.maxHistoryFiles} earlier migrations for the trace and the ORM model state` });
  return history.files;
}

/** The summary comment says when the architect review is off, and how to turn it on; no review is faked. */
export function architectOffNote(configured: boolean, enabled: boolean): string | undefined {
  if (!enabled) return '_Architect review: off. `agent.enabled` is `false` in `.github/dbarch.yml`; set it to `true` (with an Anthropic API key configured for the App) to turn on the AI review and `/dbarch redesign` plans. The findings above are the deterministic review._';
  if (!configured) return '_Architect review: off. No Anthropic API key is configured for this installation; set `ANTHROPIC_API_KEY` in the App\'s environment to turn on the AI review and `/dbarch redesign` plans. The findings above are the deterministic review._';
  return undefined;
}
