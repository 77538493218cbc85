// GitHub reads and writes the review needs, each in as few requests as GitHub allows.
import type { ProbotOctokit } from 'probot';
import type { CheckAnnotation, CheckOutput, ReviewComment } from './render.js';
import { MAX_ANNOTATIONS_PER_REQUEST, chunk } from './render.js';
import type { BotIdentity } from './identity.js';
import { isOwn } from './identity.js';

export type Octokit = ProbotOctokit;

export interface RepoRef {
  owner: string;
  repo: string;
}

export interface PrFile {
  filename: string;
  status: string;
  previous_filename?: string;
  patch?: string;
}

/** GitHub's list-files endpoint stops at 3,000 files. */
export const PR_FILES_CEILING = 3000;

export async function listPullFiles(
  octokit: Octokit,
  ref: RepoRef & { pullNumber: number; changedFiles?: number },
): Promise<{ files: PrFile[]; truncated: boolean }> {
  const files = (await octokit.paginate('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', {
    owner: ref.owner,
    repo: ref.repo,
    pull_number: ref.pullNumber,
    per_page: 100,
  })) as PrFile[];
  const truncated = files.length >= PR_FILES_CEILING && (ref.changedFiles === undefined || ref.changedFiles > files.length);
  return { files, truncated };
}

export interface BlobContent {
  path: string;
  /** Decoded text, or raw bytes when GitHub would not give text (binary, > 1 MB). */
  content?: string | Uint8Array;
  byteSize?: number;
  /** Why the content is missing. */
  error?: string;
}

interface GqlBlob {
  oid: string;
  byteSize: number;
  isBinary: boolean | null;
  isTruncated: boolean;
  text: string | null;
}

export const GRAPHQL_BATCH = 50;

/**
 * Contents of many files at one commit: one GraphQL query per 50 files; blobs GraphQL
 * truncates (over ~1 MB) or calls binary are fetched raw from the git blobs API.
 */
export async function fetchFiles(
  octokit: Octokit,
  ref: RepoRef & { sha: string; paths: readonly string[]; maxBytes?: number },
): Promise<Map<string, BlobContent>> {
  const out = new Map<string, BlobContent>();
  const large: { path: string; oid: string; byteSize: number }[] = [];
  for (const batch of chunk(ref.paths, GRAPHQL_BATCH)) {
    const vars: Record<string, string> = { owner: ref.owner, repo: ref.repo };
    const fields = batch.map((path, i) => {
      vars[`e${i}`] = `${ref.sha}:${path}`;
      return `f${i}: object(expression: $e${i}) { ... on Blob { oid byteSize isBinary isTruncated text } }`;
    });
    const decl = batch.map((_, i) => `$e${i}: String!`).join(', ');
    const query = `query($owner: String!, $repo: String!, ${decl}) { repository(owner: $owner, name: $repo) { ${fields.join(' ')} } }`;
    const data = await octokit.graphql<{ repository: Record<string, GqlBlob | null> }>(query, vars);
    batch.forEach((path, i) => {
      const blob = data.repository[`f${i}`];
      if (!blob || !blob.oid) {
        out.set(path, { path, error: 'not found at this commit' });
      } else if (ref.maxBytes !== undefined && blob.byteSize > ref.maxBytes) {
        out.set(path, { path, byteSize: blob.byteSize, error: `larger than maxFileBytes (${blob.byteSize} bytes)` });
      } else if (blob.text === null || blob.isTruncated || blob.isBinary) {
        large.push({ path, oid: blob.oid, byteSize: blob.byteSize });
      } else {
        out.set(path, { path, content: blob.text, byteSize: blob.byteSize });
      }
    });
  }
  for (const { path, oid, byteSize } of large) {
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/git/blobs/{file_sha}', {
      owner: ref.owner,
      repo: ref.repo,
      file_sha: oid,
    });
    const bytes = Buffer.from(data.content, data.encoding === 'base64' ? 'base64' : 'utf8');
    out.set(path, { path, content: new Uint8Array(bytes), byteSize });
  }
  return out;
}

/**
 * File paths (up to two levels deep) under some directories at a commit: one GraphQL query,
 * no contents. Two levels covers per-migration folders (prisma, diesel: `<dir>/<ts>_name/up.sql`).
 */
export async function listDirectories(
  octokit: Octokit,
  ref: RepoRef & { sha: string; dirs: readonly string[] },
): Promise<string[]> {
  const paths: string[] = [];
  for (const batch of chunk(ref.dirs, GRAPHQL_BATCH)) {
    const vars: Record<string, string> = { owner: ref.owner, repo: ref.repo };
    const fields = batch.map((dir, i) => {
      vars[`d${i}`] = `${ref.sha}:${dir}`;
      return `d${i}: object(expression: $d${i}) { ... on Tree { entries { name type object { ... on Tree { entries { name type } } } } } }`;
    });
    const decl = batch.map((_, i) => `$d${i}: String!`).join(', ');
    const query = `query($owner: String!, $repo: String!, ${decl}) { repository(owner: $owner, name: $repo) { ${fields.join(' ')} } }`;
    type Entry = { name: string; type: string; object?: { entries?: { name: string; type: string }[] } | null };
    const data = await octokit.graphql<{ repository: Record<string, { entries?: Entry[] } | null> }>(query, vars);
    batch.forEach((dir, i) => {
      for (const e of data.repository[`d${i}`]?.entries ?? []) {
        const p = dir ? `${dir}/${e.name}` : e.name;
        if (e.type === 'blob') paths.push(p);
        else if (e.type === 'tree') for (const sub of e.object?.entries ?? []) if (sub.type === 'blob') paths.push(`${p}/${sub.name}`);
      }
    });
  }
  return paths;
}

// ------------------------------------------------------------------ check runs

export const CHECK_NAME = 'dbarch';
export const MAX_REVIEW_COMMENTS = 50;

export async function createCheckRun(octokit: Octokit, ref: RepoRef & { headSha: string; startedAt: string; detailsUrl?: string }): Promise<number> {
  const { data } = await octokit.request('POST /repos/{owner}/{repo}/check-runs', {
    owner: ref.owner,
    repo: ref.repo,
    name: CHECK_NAME,
    head_sha: ref.headSha,
    status: 'in_progress',
    started_at: ref.startedAt,
    output: { title: 'Reviewing migrations…', summary: 'dbarch is analysing the migrations changed by this pull request.' },
  });
  return Number(data.id);
}

export type Conclusion = 'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped';

/**
 * Complete a check run. GitHub takes at most 50 annotations per request and appends them on
 * each update, so earlier batches go in in_progress updates and the last one in the completing one.
 */
export async function completeCheckRun(
  octokit: Octokit,
  ref: RepoRef & { checkRunId: number; conclusion: Conclusion; output: CheckOutput; annotations?: CheckAnnotation[]; completedAt: string },
): Promise<void> {
  const batches = chunk(ref.annotations ?? [], MAX_ANNOTATIONS_PER_REQUEST);
  const last = batches.pop();
  const base = { owner: ref.owner, repo: ref.repo, check_run_id: ref.checkRunId };
  for (const annotations of batches) {
    await octokit.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
      ...base,
      output: { title: ref.output.title, summary: ref.output.summary, annotations },
    });
  }
  await octokit.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
    ...base,
    status: 'completed',
    conclusion: ref.conclusion,
    completed_at: ref.completedAt,
    output: { ...ref.output, ...(last ? { annotations: last } : {}) },
  });
}

/** Adds a line to a completed check's details (output.text); title, summary and conclusion stay. */
export async function appendCheckText(
  octokit: Octokit,
  ref: RepoRef & { checkRunId: number; output: CheckOutput; text: string },
): Promise<void> {
  const text = [ref.output.text, ref.text].filter(Boolean).join('\n\n');
  await octokit.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
    owner: ref.owner,
    repo: ref.repo,
    check_run_id: ref.checkRunId,
    output: { title: ref.output.title, summary: ref.output.summary, text: text.slice(0, 65_535) },
  });
}

// ------------------------------------------------------------------ comments and reviews

export interface IssueComment {
  id: number;
  body?: string;
  user: { login: string; type: string } | null;
}

/** Our summary comment: the marker in a comment by dbarch's own bot (users and other bots may copy the marker). */
export async function findSummaryComment(
  octokit: Octokit,
  ref: RepoRef & { pullNumber: number; marker: string; identity?: BotIdentity },
): Promise<IssueComment | undefined> {
  const comments = (await octokit.paginate('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
    owner: ref.owner,
    repo: ref.repo,
    issue_number: ref.pullNumber,
    per_page: 100,
  })) as IssueComment[];
  return comments.find((c) => isOwn(c.user, ref.identity) && c.body?.includes(ref.marker));
}

export async function upsertSummaryComment(
  octokit: Octokit,
  ref: RepoRef & { pullNumber: number; body: string; existing?: IssueComment },
): Promise<'created' | 'updated' | 'unchanged'> {
  if (ref.existing) {
    if (ref.existing.body === ref.body) return 'unchanged';
    await octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
      owner: ref.owner,
      repo: ref.repo,
      comment_id: ref.existing.id,
      body: ref.body,
    });
    return 'updated';
  }
  await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
    owner: ref.owner,
    repo: ref.repo,
    issue_number: ref.pullNumber,
    body: ref.body,
  });
  return 'created';
}

interface PullReviewComment {
  path: string;
  line: number | null;
  body: string;
  user: { login?: string; type: string } | null;
}

/** Post one review with the comments an earlier push did not already make. Returns how many were posted. */
export async function postReview(
  octokit: Octokit,
  ref: RepoRef & { pullNumber: number; headSha: string; comments: ReviewComment[]; marker: string; body: string; identity?: BotIdentity },
): Promise<number> {
  if (ref.comments.length === 0) return 0;
  const existing = (await octokit.paginate('GET /repos/{owner}/{repo}/pulls/{pull_number}/comments', {
    owner: ref.owner,
    repo: ref.repo,
    pull_number: ref.pullNumber,
    per_page: 100,
  })) as PullReviewComment[];
  const seen = new Set(
    existing.filter((c) => isOwn(c.user, ref.identity) && c.body.includes(ref.marker) && c.line !== null).map((c) => `${c.path}\0${c.line}\0${c.body}`),
  );
  // A review with very many comments is noise (and large ones get rejected); the summary lists everything.
  const fresh = ref.comments.filter((c) => !seen.has(`${c.path}\0${c.line}\0${c.body}`)).slice(0, MAX_REVIEW_COMMENTS);
  if (fresh.length === 0) return 0;
  await octokit.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
    owner: ref.owner,
    repo: ref.repo,
    pull_number: ref.pullNumber,
    commit_id: ref.headSha,
    event: 'COMMENT',
    body: ref.body,
    comments: fresh,
  });
  return fresh.length;
}
