// `dbarch ci` in a GitLab merge request pipeline: one note on the merge request (found again
// by the summary marker and edited in place), discussion threads on added lines with GitLab
// suggestions, and a Code Quality report for the merge request widget.
import { isAbsolute, join } from 'node:path';
import { ConfigError } from '../config/schema.js';
import { SUMMARY_MARKER, buildCommentBody, buildNoMigrationsCommentBody, buildReviewComments, type ReviewComment } from '../app/render.js';
import { discoverySelector, type Selector } from '../app/select.js';
import { formatCodeQuality } from '../report/gitlab.js';
import { countsText } from '../report/common.js';
import type { AnalyzeFn } from '../app/review.js';
import type { CiIo } from './common.js';
import { analysePull, ciLogger, withoutMissingSquawk, writeTo } from './common.js';
import { configOverrides, type CiInputs, type ExitCode } from './github.js';
import { gitReviewSource } from './git-source.js';

export interface GitLabRunOptions {
  env: Record<string, string | undefined>;
  inputs: CiInputs & { codeQualityFile: string };
  io: CiIo;
  cwd: string;
  analyze?: AnalyzeFn;
  select?: Selector;
  fetch?: typeof globalThis.fetch;
}

const lazyAnalyze: AnalyzeFn = async (input) => (await import('../analyze.js')).analyze(input);

export async function runGitLabCi(opts: GitLabRunOptions): Promise<ExitCode> {
  const { env, io, inputs } = opts;
  const log = ciLogger(io);
  const iid = env.CI_MERGE_REQUEST_IID;
  if (!iid) {
    log.info('not a merge request pipeline (CI_MERGE_REQUEST_IID is unset): nothing to review. Run the job with `rules: - if: $CI_PIPELINE_SOURCE == "merge_request_event"`.');
    return 0;
  }
  const head = env.CI_COMMIT_SHA;
  const base = env.CI_MERGE_REQUEST_DIFF_BASE_SHA ?? env.CI_MERGE_REQUEST_TARGET_BRANCH_SHA;
  if (!head || !base) {
    io.err('dbarch: CI_COMMIT_SHA and CI_MERGE_REQUEST_DIFF_BASE_SHA are needed to find the merge request diff\n');
    return 2;
  }
  const cwd = env.CI_PROJECT_DIR ?? opts.cwd;
  const select = opts.select ?? (discoverySelector as Selector);
  const squawk = withoutMissingSquawk(log);
  const source = gitReviewSource({
    cwd,
    select,
    maxHistoryFiles: 500,
    configSha: base,
    configPath: inputs.configPath,
    overrides: (c) => {
      configOverrides(inputs)(c);
      squawk(c);
    },
    paths: inputs.paths,
    fetchRefs: [`refs/merge-requests/${iid}/head`],
    log: (m) => log.info(m),
  });
  let config;
  try {
    config = await source.loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(`dbarch: ${err.message}\n`);
    return 2;
  }
  const analysed = await analysePull(source, opts.analyze ?? lazyAnalyze, { number: Number(iid), headSha: head, baseSha: base }, config);
  const report = analysed.kind === 'report' ? analysed.report : undefined;
  const cqPath = isAbsolute(inputs.codeQualityFile) ? inputs.codeQualityFile : join(cwd, inputs.codeQualityFile);
  writeTo(cqPath, formatCodeQuality(report ?? { files: [], summary: { files: 0, statements: 0, errors: 0, warnings: 0, infos: 0 } }));
  io.out(report ? `dbarch: ${countsText(report)} in ${report.summary.files} migration file(s); Code Quality report: ${cqPath}\n` : 'dbarch: this merge request does not change any migration files\n');

  if (!inputs.token) {
    log.info('no GitLab token (DBARCH_GITLAB_TOKEN): the merge request note and discussions are skipped; the Code Quality report shows the findings');
  } else {
    const api = gitlabApi(env.CI_API_V4_URL ?? `${env.CI_SERVER_URL ?? 'https://gitlab.com'}/api/v4`, env.CI_PROJECT_ID ?? '', inputs.token, opts.fetch);
    try {
      const note = report ? buildCommentBody(report, analysed.notes) : buildNoMigrationsCommentBody(head, analysed.notes);
      const written = await upsertNote(api, iid, note, Boolean(report));
      log.info(`merge request note ${written}`);
      if (analysed.kind === 'report') {
        const posted = await postDiscussions(api, iid, buildReviewComments(analysed.report, analysed.reviewFiles), analysed.migrationFiles);
        log.info(`${posted} discussion thread(s) posted`);
      }
    } catch (err) {
      // A token that cannot write must not fail the pipeline; the Code Quality report stands.
      log.warn(`could not write to the merge request: ${(err as Error).message}`);
    }
  }
  return analysed.kind === 'report' && analysed.failed ? 1 : 0;
}

class GitLabError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

interface GitLabApi {
  request<T>(method: string, path: string, body?: unknown): Promise<{ data: T; nextPage?: string }>;
  paginate<T>(path: string): Promise<T[]>;
}

function gitlabApi(apiUrl: string, projectId: string, token: string, fetchImpl = globalThis.fetch): GitLabApi {
  const root = apiUrl.replace(/\/$/, '');
  const project = `/projects/${encodeURIComponent(projectId)}`;
  const api: GitLabApi = {
    async request(method, path, body) {
      // Paths are the project's, except the few that start at the API root (`/user`).
      const res = await fetchImpl(`${root}${path.startsWith('/user') ? '' : project}${path}`, {
        method,
        headers: { 'PRIVATE-TOKEN': token, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      if (!res.ok) throw new GitLabError(`${method} ${path} answered HTTP ${res.status}: ${text.slice(0, 200)}`, res.status);
      return { data: text ? JSON.parse(text) : undefined, nextPage: res.headers.get('x-next-page') || undefined };
    },
    async paginate<T>(path: string) {
      const out: T[] = [];
      let page: string | undefined = '1';
      while (page) {
        const sep: string = path.includes('?') ? '&' : '?';
        const res: { data: T[]; nextPage?: string } = await api.request<T[]>('GET', `${path}${sep}per_page=100&page=${page}`);
        out.push(...res.data);
        page = res.nextPage;
      }
      return out;
    },
  };
  return api;
}

interface Note {
  id: number;
  body: string;
  system?: boolean;
  author?: { id: number; username?: string };
  position?: { new_path?: string; new_line?: number | null };
}

async function currentUserId(api: GitLabApi): Promise<number | undefined> {
  try {
    return (await api.request<{ id: number }>('GET', '/user')).data.id;
  } catch {
    return undefined;
  }
}

/** One note per merge request: ours carries the marker and is by the token's user. */
async function upsertNote(api: GitLabApi, iid: string, body: string, create: boolean): Promise<'created' | 'updated' | 'unchanged' | 'skipped'> {
  const me = await currentUserId(api);
  const notes = await api.paginate<Note>(`/merge_requests/${iid}/notes?sort=asc&order_by=created_at`);
  const existing = notes.find((n) => !n.system && n.body.includes(SUMMARY_MARKER) && (me === undefined || n.author?.id === me));
  if (existing) {
    if (existing.body === body) return 'unchanged';
    await api.request('PUT', `/merge_requests/${iid}/notes/${existing.id}`, { body });
    return 'updated';
  }
  if (!create) return 'skipped';
  await api.request('POST', `/merge_requests/${iid}/notes`, { body });
  return 'created';
}

/** GitLab's suggestion fence names the lines it replaces relative to the commented line. */
export function toGitLabSuggestion(c: Pick<ReviewComment, 'body' | 'line' | 'start_line'>): string {
  const above = c.start_line !== undefined ? c.line - c.start_line : 0;
  return c.body.replace(/^(`{3,})suggestion$/m, `$1suggestion:-${above}+0`);
}

function addedLines(patch: string | undefined): Set<number> {
  const out = new Set<number>();
  let line = 0;
  for (const raw of (patch ?? '').split('\n')) {
    const h = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(raw);
    if (h) line = Number(h[1]);
    else if (raw.startsWith('+')) out.add(line++);
    else if (raw.startsWith(' ')) line++;
  }
  return out;
}

interface Discussion {
  notes: Note[];
}

/** Threads on added lines, each once: a re-run does not repeat a thread already on that line. */
async function postDiscussions(api: GitLabApi, iid: string, comments: ReviewComment[], files: { filename: string; patch?: string }[]): Promise<number> {
  const added = new Map(files.map((f) => [f.filename, addedLines(f.patch)]));
  // Every line the thread covers must be added by the MR (GitLab anchors a new line by new_line alone).
  const eligible = comments.filter((c) => {
    const lines = added.get(c.path);
    for (let l = c.start_line ?? c.line; l <= c.line; l++) if (!lines?.has(l)) return false;
    return true;
  });
  if (!eligible.length) return 0;
  const versions = (await api.request<{ base_commit_sha: string; start_commit_sha: string; head_commit_sha: string }[]>('GET', `/merge_requests/${iid}/versions`)).data;
  const latest = versions[0];
  if (!latest) throw new GitLabError('the merge request has no diff versions yet', 404);
  const existing = await api.paginate<Discussion>(`/merge_requests/${iid}/discussions`);
  const seen = new Set(existing.map((d) => d.notes[0]).filter((n): n is Note => Boolean(n?.position)).map((n) => `${n.position!.new_path}\0${n.position!.new_line}\0${n.body}`));
  let posted = 0;
  for (const c of eligible.slice(0, 50)) {
    const body = toGitLabSuggestion(c);
    if (seen.has(`${c.path}\0${c.line}\0${body}`)) continue;
    await api.request('POST', `/merge_requests/${iid}/discussions`, {
      body,
      position: {
        position_type: 'text',
        base_sha: latest.base_commit_sha,
        start_sha: latest.start_commit_sha,
        head_sha: latest.head_commit_sha,
        old_path: c.path,
        new_path: c.path,
        new_line: c.line,
      },
    });
    posted++;
  }
  return posted;
}
