// What every CI mode shares: analysing a pull/merge request through a ReviewSource without
// writing anything, the logger, and the files a CI job leaves behind.
import { appendFileSync, writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { pino } from 'pino';
import type { DbarchConfig } from '../config/schema.js';
import type { PrFile } from '../app/github.js';
import { parsePatchHunks } from '../report/patch.js';
import { reportFails } from '../report/index.js';
import { PULL_REQUEST_CHANGE } from '../types.js';
import type { RenderNotes, ReviewFile } from '../app/render.js';
import { buildCommentBody, isIncomplete } from '../app/render.js';
import type { AnalyzeFn, ReviewSource } from '../app/review.js';
import { fetchCompanions } from '../app/review.js';
import type { PullInfo } from '../app/queue.js';
import type { Report } from '../types.js';
import { resolveSquawkBinary } from '../engines/squawk.js';
import { needsOrmHistory } from '../orm/index.js';

export interface CiIo {
  /** The job log. */
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Log lines the way a CI log shows them: the message, then the error if any (never request headers). */
export function ciLogger(io: CiIo, level = 'info'): Logger {
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      try {
        const rec = JSON.parse(chunk.toString('utf8')) as { level: number; msg?: string; err?: { message?: string; status?: number } };
        const tag = rec.level >= 50 ? 'error' : rec.level >= 40 ? 'warning' : '';
        const err = rec.err?.message ? `: ${rec.err.status ? `HTTP ${rec.err.status} ` : ''}${rec.err.message}` : '';
        io.err(`dbarch: ${tag ? `${tag}: ` : ''}${rec.msg ?? ''}${err}\n`);
      } catch {
        io.err(chunk.toString('utf8'));
      }
      done();
    },
  });
  return pino({ level, base: undefined, timestamp: false }, stream);
}

export type AnalysedPull =
  | { kind: 'no-migrations'; config: DbarchConfig; notes: RenderNotes }
  | { kind: 'report'; config: DbarchConfig; notes: RenderNotes; report: Report; failed: boolean; migrationFiles: PrFile[]; reviewFiles: Map<string, ReviewFile> };

/** The review's reads and analysis, without any write: read-only tokens and GitLab. */
export async function analysePull(
  source: ReviewSource,
  analyze: AnalyzeFn,
  pull: Pick<PullInfo, 'number' | 'headSha' | 'baseSha'>,
  config: DbarchConfig,
): Promise<AnalysedPull> {
  const { files, truncated, migrationFiles, removed } = await source.listMigrations({ pull, config });
  const notes: RenderNotes = { fileListTruncated: truncated, removed, skipped: [], unanalysed: [] };
  if (!migrationFiles.length) return { kind: 'no-migrations', config, notes };
  const contents = await source.fetchFiles({ sha: pull.headSha, paths: migrationFiles.map((f) => f.filename), maxBytes: config.maxFileBytes });
  const analysed: { path: string; content: string | Uint8Array; change: string }[] = [];
  const reviewFiles = new Map<string, ReviewFile>();
  for (const f of migrationFiles) {
    const blob = contents.get(f.filename);
    if (blob?.content === undefined) {
      notes.unanalysed!.push({ path: f.filename, reason: blob?.error ?? 'no content' });
      continue;
    }
    // the pull request's files are one change: a table one creates is new to the next
    analysed.push({ path: f.filename, content: blob.content, change: PULL_REQUEST_CHANGE });
    const text = typeof blob.content === 'string' ? blob.content : new TextDecoder().decode(blob.content);
    reviewFiles.set(f.filename, { path: f.filename, source: text.replace(/^\uFEFF/, ''), hunks: parsePatchHunks(f.patch) });
  }
  const history = config.trace.enabled || needsOrmHistory(analysed, config)
    ? await source.fetchHistory({ baseSha: pull.baseSha, changed: files, migrations: migrationFiles.map((f) => f.filename), sources: analysed, config, notes })
    : undefined;
  const readFile = await fetchCompanions(source, pull.headSha, analysed, config);
  const report = await analyze({ files: analysed, history, config, trace: config.trace.enabled, ...(readFile ? { readFile } : {}) });
  // Fail closed as the App does: what could not be analysed is not vouched for (`unanalysed: neutral` softens it).
  const failed = reportFails(report, config.failOn) || (config.unanalysed === 'failure' && isIncomplete(report, notes));
  return { kind: 'report', config, notes, report, failed, migrationFiles, reviewFiles };
}

/** The job summary: the same markdown as the summary comment. */
export function stepSummary(report: Report, notes: RenderNotes): string {
  return buildCommentBody(report, notes);
}

export function appendTo(path: string | undefined, text: string): void {
  if (path) appendFileSync(path, text.endsWith('\n') ? text : `${text}\n`);
}

export function writeTo(path: string, text: string): void {
  writeFileSync(path, text);
}

/** `name=value` lines for GITHUB_OUTPUT (values here are single-line). */
export function setOutputs(path: string | undefined, outputs: Record<string, string | number>): void {
  if (!path) return;
  appendFileSync(path, Object.entries(outputs).map(([k, v]) => `${k}=${String(v).replace(/[\r\n]+/g, ' ')}\n`).join(''));
}

/**
 * The action does not ship squawk's native binary (25 MB per platform): without it the review
 * runs the built-in engine, which covers squawk's rules, instead of flagging every file.
 */
export function withoutMissingSquawk(log: Logger, resolve: () => string | undefined = resolveSquawkBinary): (c: DbarchConfig) => void {
  let told = false;
  return (c) => {
    if (!c.engines.includes('squawk') || resolve()) return;
    c.engines = c.engines.filter((e) => e !== 'squawk');
    if (!c.engines.length) c.engines = ['builtin'];
    if (!told) log.info("squawk's native binary is not installed here: running the built-in engine only (it covers squawk's rules)");
    told = true;
  };
}
