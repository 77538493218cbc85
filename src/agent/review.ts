// Posting the architect review on a pull request: one review (event COMMENT, never APPROVE or
// REQUEST_CHANGES), inline comments on diff lines, edited in place on later pushes. It never
// touches the `dbarch` check run: the verdict belongs to the analyzer and the trace.
import { checkClaims, verificationLine } from './claims.js';
import type { DbarchConfig } from '../config/schema.js';
import type { Report } from '../types.js';
import { runArchitect, type AgentDeps } from './architect.js';
import { contentHash } from './cache.js';
import { commentableLines } from '../report/patch.js';
import { describeOutcome, findingMarker, renderInlineComment, renderReviewBody, REVIEW_MARKER } from './render.js';
import { githubRepoAccess, type GitHubClient } from './repo.js';
import type { ArchitectFinding, ArchitectOutcome, MigrationInput } from './types.js';

export interface PullRequestRef {
  owner: string;
  repo: string;
  number: number;
  headSha: string;
  title?: string;
  body?: string | null;
}

export interface ArchitectReviewDeps extends AgentDeps {
  octokit: GitHubClient;
  config: DbarchConfig;
  /** The analyzer's report for the PR's migrations (what the check run was built from). */
  report: Report;
  /** Migration texts at head; read through the API when absent. */
  files?: MigrationInput[];
  /**
   * Put fallback findings inline too. Off by default: the App's own review already comments the
   * analyzer's findings on the changed lines, so the fallback lists them in its body only.
   */
  inlineFallback?: boolean;
  /** dbarch's own bot login: only its own earlier review is edited (another bot may copy the marker). */
  botLogin?: string;
}

export interface ArchitectReviewResult {
  action: 'created' | 'updated' | 'skipped';
  reason?: string;
  outcome?: ArchitectOutcome;
  reviewId?: number;
  inlineComments: number;
  /** For the App's log and the check details. */
  summaryLine: string;
}

const MAX_PAGES = 30;

async function listPullFiles(octokit: GitHubClient, pr: PullRequestRef): Promise<Map<string, string | undefined>> {
  const out = new Map<string, string | undefined>();
  for (let page = 1; page <= MAX_PAGES; page++) {
    const res = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', {
      owner: pr.owner,
      repo: pr.repo,
      pull_number: pr.number,
      per_page: 100,
      page,
    });
    for (const f of res.data) if (f.status !== 'removed') out.set(f.filename, f.patch);
    if (res.data.length < 100) break;
  }
  return out;
}

interface ExistingReview {
  id: number;
  body: string;
}

async function findPreviousReview(octokit: GitHubClient, pr: PullRequestRef, botLogin?: string): Promise<ExistingReview | undefined> {
  const own = (u: { login?: string; type?: string } | null | undefined) =>
    botLogin ? u?.type === 'Bot' && u.login?.toLowerCase() === botLogin.toLowerCase() : u?.type === 'Bot' || !!u?.login?.endsWith('[bot]');
  let found: ExistingReview | undefined;
  for (let page = 1; page <= MAX_PAGES; page++) {
    const res = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
      owner: pr.owner,
      repo: pr.repo,
      pull_number: pr.number,
      per_page: 100,
      page,
    });
    for (const r of res.data) {
      if (r.body?.includes(REVIEW_MARKER) && own(r.user)) found = { id: Number(r.id), body: r.body };
    }
    if (res.data.length < 100) break;
  }
  return found;
}

async function commentedKeys(octokit: GitHubClient, pr: PullRequestRef, reviewId: number): Promise<Set<string>> {
  const keys = new Set<string>();
  for (let page = 1; page <= MAX_PAGES; page++) {
    const res = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/comments', {
      owner: pr.owner,
      repo: pr.repo,
      pull_number: pr.number,
      review_id: reviewId,
      per_page: 100,
      page,
    });
    for (const c of res.data) for (const m of c.body.matchAll(/<!-- dbarch:architect-finding:([\w-]+) -->/g)) if (m[1]) keys.add(m[1]);
    if (res.data.length < 100) break;
  }
  return keys;
}

export function findingKey(f: ArchitectFinding): string {
  return contentHash({ p: f.path, l: f.line, t: f.title }).slice(0, 16);
}

/** Run the architect on a pull request and post (or update) its review. It does not touch the check run; GitHub errors propagate to the caller. */
export async function runArchitectReview(deps: ArchitectReviewDeps, pr: PullRequestRef): Promise<ArchitectReviewResult> {
  if (!deps.config.agent.enabled) return { action: 'skipped', reason: 'agent disabled in config', inlineComments: 0, summaryLine: 'Architect review disabled (agent.enabled: false).' };
  if (deps.report.files.length === 0) return { action: 'skipped', reason: 'no migration files', inlineComments: 0, summaryLine: 'No migration files: no architect review.' };

  const { octokit } = deps;
  const repo = deps.repo ?? githubRepoAccess(octokit, { owner: pr.owner, repo: pr.repo, sha: pr.headSha });
  const patches = await listPullFiles(octokit, pr);
  const files: MigrationInput[] = deps.files
    ? deps.files.map((f) => ({ ...f, patch: f.patch ?? patches.get(f.path) }))
    : (
      await Promise.all(
        deps.report.files.map(async (f): Promise<MigrationInput | undefined> => {
          const content = await repo.readFile(f.path);
          return content === null ? undefined : { path: f.path, content, patch: patches.get(f.path) };
        }),
      )
    ).filter((f): f is MigrationInput => f !== undefined);

  const raw = await runArchitect({ files, report: deps.report, config: deps.config, pr: { title: pr.title, body: pr.body } }, { ...deps, repo });
  const checked = raw.source === 'fallback' ? { result: raw.result, corrections: [] } : checkClaims(raw.result, deps.report);
  const outcome = { ...raw, result: checked.result, corrections: checked.corrections, verifiedAgainst: verificationLine(deps.report) };

  const previous = await findPreviousReview(octokit, pr, deps.botLogin);
  const already = previous ? await commentedKeys(octokit, pr, previous.id) : new Set<string>();
  const inline: { path: string; line: number; side: 'RIGHT'; body: string }[] = [];
  const bodyFindings: ArchitectFinding[] = [];
  let inlineCount = 0;
  for (const f of outcome.result.findings) {
    const key = findingKey(f);
    if (already.has(key)) {
      inlineCount++;
      continue;
    }
    const inlineAllowed = outcome.source !== 'fallback' || deps.inlineFallback === true;
    const onDiff = inlineAllowed && patches.has(f.path) && commentableLines(patches.get(f.path)).has(f.line);
    // A submitted review cannot gain comments: on an update, new findings go to the body.
    if (onDiff && !previous && inline.length < 30) {
      inline.push({ path: f.path, line: f.line, side: 'RIGHT', body: renderInlineComment(f, key) });
      inlineCount++;
    } else bodyFindings.push(f);
  }
  const summaryLine = describeOutcome(outcome);

  if (previous) {
    const body = renderReviewBody({ outcome, bodyFindings, inlineCount, headSha: pr.headSha });
    if (body !== previous.body) {
      await octokit.request('PUT /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}', {
        owner: pr.owner,
        repo: pr.repo,
        pull_number: pr.number,
        review_id: previous.id,
        body,
      });
    }
    return { action: 'updated', outcome, reviewId: previous.id, inlineComments: inlineCount, summaryLine };
  }

  const create = (comments: typeof inline, body: string) =>
    octokit.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
      owner: pr.owner,
      repo: pr.repo,
      pull_number: pr.number,
      commit_id: pr.headSha,
      event: 'COMMENT',
      body,
      comments,
    });
  try {
    const res = await create(inline, renderReviewBody({ outcome, bodyFindings, inlineCount: inline.length, headSha: pr.headSha }));
    return { action: 'created', outcome, reviewId: Number(res.data.id), inlineComments: inline.length, summaryLine };
  } catch (err) {
    // 422: a line GitHub does not consider part of the diff. Post everything in the body instead.
    if ((err as { status?: number }).status !== 422 || inline.length === 0) throw err;
    const all = [...outcome.result.findings];
    const res = await create([], renderReviewBody({ outcome, bodyFindings: all, inlineCount: 0, headSha: pr.headSha }));
    return { action: 'created', outcome, reviewId: Number(res.data.id), inlineComments: 0, summaryLine };
  }
}
