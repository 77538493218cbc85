// The review's reads from a CI checkout: the changed files from `git diff` between the merge
// base and the head, contents and earlier migrations from git objects (so the base comes
// from history, never from the API), the config from the base commit.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { parse as parseYaml } from 'yaml';
import type { DbarchConfig } from '../config/schema.js';
import { ConfigError, parseConfig } from '../config/schema.js';
import type { BlobContent, PrFile } from '../app/github.js';
import type { AnalyzeInput, PullMigrations, ReviewSource } from '../app/review.js';
import type { Selector } from '../app/select.js';
import { collectHistory, needsContent, probeChangelogs } from '../app/select.js';

export const CONFIG_PATHS = ['.github/dbarch.yml', '.github/dbarch.yaml', 'dbarch.yml', 'dbarch.yaml'];

export interface GitSourceOptions {
  /** The checkout (GITHUB_WORKSPACE / CI_PROJECT_DIR). */
  cwd: string;
  select: Selector;
  maxHistoryFiles: number;
  /** Commit the config is read from (the PR's base, so a PR cannot relax its own gate); HEAD when absent. */
  configSha?: string;
  /** Explicit config path (the `config` input); default: the first of CONFIG_PATHS found. */
  configPath?: string;
  /** Applied on top of the file's config: the Action's inputs. */
  overrides?: (config: DbarchConfig) => void;
  /** Only changed files matching these globs are reviewed (the `paths` input). */
  paths?: string[];
  /** Refs to fetch when a commit is missing from a shallow checkout (e.g. `refs/pull/7/head`). */
  fetchRefs?: string[];
  log?: (message: string) => void;
}

export class GitError extends Error {}

export function git(cwd: string, args: string[], input?: string): Buffer {
  const res = spawnSync('git', args, { cwd, input, maxBuffer: 512 * 1024 * 1024, stdio: ['pipe', 'pipe', 'pipe'] });
  if (res.error) throw new GitError(`git ${args[0]}: ${res.error.message}`);
  if (res.status !== 0) throw new GitError(`git ${args.join(' ')}: ${res.stderr.toString().trim().split('\n')[0] ?? `exit ${res.status}`}`);
  return res.stdout;
}

function hasCommit(cwd: string, sha: string): boolean {
  return spawnSync('git', ['cat-file', '-e', `${sha}^{commit}`], { cwd, stdio: 'ignore' }).status === 0;
}

/**
 * Make sure the commits are in the checkout. A shallow clone is deepened by fetching the
 * commits (and the given refs) from origin; if that is not possible the error says how to
 * configure the checkout.
 */
export function ensureCommits(cwd: string, shas: string[], fetchRefs: string[] = [], log?: (m: string) => void): void {
  const missing = shas.filter((s) => !hasCommit(cwd, s));
  if (!missing.length) return;
  log?.(`fetching ${missing.map((s) => s.slice(0, 7)).join(', ')} from origin (not in the checkout)`);
  const res = spawnSync('git', ['fetch', '--no-tags', '--quiet', 'origin', ...fetchRefs, ...missing], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const still = missing.filter((s) => !hasCommit(cwd, s));
  if (still.length) {
    const why = res.status !== 0 ? `: ${res.stderr.toString().trim().split('\n')[0]}` : '';
    throw new GitError(
      `commit ${still.map((s) => s.slice(0, 7)).join(', ')} is not in the checkout and could not be fetched${why}. ` +
        'Check out the full history (actions/checkout with `fetch-depth: 0`; on GitLab `GIT_DEPTH: 0`).',
    );
  }
}

/** One `git cat-file --batch` for many `<sha>:<path>` objects. */
export function readBlobs(cwd: string, sha: string, paths: readonly string[], maxBytes?: number): Map<string, BlobContent> {
  const out = new Map<string, BlobContent>();
  if (!paths.length) return out;
  // Sizes first, so an oversized file is never read into memory.
  const sizes = git(cwd, ['cat-file', '--batch-check=%(objecttype) %(objectsize)'], paths.map((p) => `${sha}:${p}\n`).join('')).toString('utf8').split('\n');
  const wanted: string[] = [];
  paths.forEach((path, i) => {
    const [type, size] = (sizes[i] ?? '').split(' ');
    if (type !== 'blob') out.set(path, { path, error: 'not found at this commit' });
    else if (maxBytes !== undefined && Number(size) > maxBytes) out.set(path, { path, byteSize: Number(size), error: `larger than maxFileBytes (${size} bytes)` });
    else wanted.push(path);
  });
  if (!wanted.length) return out;
  const buf = git(cwd, ['cat-file', '--batch'], wanted.map((p) => `${sha}:${p}\n`).join(''));
  let pos = 0;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (const path of wanted) {
    const nl = buf.indexOf(10, pos);
    const header = buf.subarray(pos, nl).toString('utf8').split(' ');
    const size = Number(header[2]);
    const bytes = buf.subarray(nl + 1, nl + 1 + size);
    pos = nl + 1 + size + 1;
    let content: string | Uint8Array;
    try {
      content = decoder.decode(bytes);
    } catch {
      // Not UTF-8: analyze() decodes bytes itself and reports the encoding.
      content = new Uint8Array(bytes);
    }
    out.set(path, { path, content, byteSize: size });
  }
  return out;
}

/** Changed files between two commits with their unified diffs (3 lines of context, as GitHub shows). */
export function diffFiles(cwd: string, base: string, head: string): PrFile[] {
  const status = git(cwd, ['diff', '--no-color', '--no-ext-diff', '--no-renames', '--name-status', '-z', base, head]).toString('utf8').split('\0');
  const files: PrFile[] = [];
  for (let i = 0; i + 1 < status.length; i += 2) {
    const code = status[i]!;
    const filename = status[i + 1]!;
    if (!code) break;
    files.push({ filename, status: code.startsWith('D') ? 'removed' : code.startsWith('A') ? 'added' : 'modified' });
  }
  return files;
}

export function filePatch(cwd: string, base: string, head: string, path: string): string {
  const diff = git(cwd, ['diff', '--no-color', '--no-ext-diff', '--no-renames', '-U3', base, head, '--', path]).toString('utf8');
  const at = diff.indexOf('\n@@');
  return at < 0 ? '' : diff.slice(at + 1);
}

export function mergeBase(cwd: string, base: string, head: string): string {
  try {
    return git(cwd, ['merge-base', base, head]).toString('utf8').trim() || base;
  } catch {
    return base;
  }
}

const MAX_CONTENT_PROBES = 50;

export function gitReviewSource(opts: GitSourceOptions): ReviewSource {
  const { cwd } = opts;
  const inScope = opts.paths?.length ? picomatch(opts.paths, { dot: true }) : undefined;
  return {
    async loadConfig() {
      const sha = opts.configSha ?? 'HEAD';
      const candidates = opts.configPath ? [opts.configPath] : CONFIG_PATHS;
      let text: string | undefined;
      let source = candidates[0]!;
      for (const p of candidates) {
        const blob = readBlobs(cwd, sha, [p]).get(p);
        if (typeof blob?.content === 'string') {
          text = blob.content;
          source = `${p} at ${sha.slice(0, 7)}`;
          break;
        }
      }
      if (text === undefined && opts.configPath) {
        // A config the base does not have yet (added with the workflow): the checkout's copy.
        try {
          text = readFileSync(join(cwd, opts.configPath), 'utf8');
          source = opts.configPath;
        } catch {
          throw new ConfigError(`config file not found: ${opts.configPath} (neither at ${sha.slice(0, 7)} nor in the checkout)`, opts.configPath);
        }
      }
      let raw: unknown = {};
      if (text !== undefined) {
        try {
          raw = parseYaml(text);
        } catch (err) {
          throw new ConfigError(`Invalid config: invalid YAML in ${source}: ${(err as Error).message.split('\n')[0]}`, source);
        }
      }
      const config = parseConfig(raw ?? {}, source);
      opts.overrides?.(config);
      return config;
    },

    async listMigrations({ pull, config }): Promise<PullMigrations> {
      ensureCommits(cwd, [pull.baseSha, pull.headSha], opts.fetchRefs, opts.log);
      const base = mergeBase(cwd, pull.baseSha, pull.headSha);
      const files = diffFiles(cwd, base, pull.headSha).filter((f) => !inScope || inScope(f.filename));
      const present = files.filter((f) => f.status !== 'removed');
      const paths = present.map((f) => f.filename);
      let selected = new Set(await opts.select(paths, config));
      const unsure = needsContent(paths.filter((p) => !selected.has(p)), config).slice(0, MAX_CONTENT_PROBES);
      if (unsure.length) {
        const probed = readBlobs(cwd, pull.headSha, unsure, config.maxFileBytes);
        selected = new Set(await opts.select(paths, config, (p) => (typeof probed.get(p)?.content === 'string' ? (probed.get(p)!.content as string) : undefined)));
      }
      const removed = await opts.select(files.filter((f) => f.status === 'removed').map((f) => f.filename), config);
      const migrationFiles = present.filter((f) => selected.has(f.filename));
      for (const f of migrationFiles) f.patch = filePatch(cwd, base, pull.headSha, f.filename);
      return { files, truncated: false, migrationFiles, removed };
    },

    async fetchFiles({ sha, paths, maxBytes }) {
      return readBlobs(cwd, sha, paths, maxBytes);
    },

    async fetchHistory({ baseSha, changed, migrations, sources, config, notes }): Promise<AnalyzeInput['history']> {
      const history = await collectHistory(
        {
          list: async (dirs) => {
            const listed = git(cwd, ['ls-tree', '-r', '--name-only', '-z', baseSha, '--', ...dirs.map((d) => d || '.')]).toString('utf8').split('\0').filter(Boolean);
            // Same depth as the App's listing: a directory's files and its subfolders' files.
            return listed.filter((p) => dirs.some((d) => {
              const rest = d ? (p.startsWith(`${d}/`) ? p.slice(d.length + 1) : undefined) : p;
              return rest !== undefined && rest.split('/').length <= 2;
            }));
          },
          select: async (paths, readFile) => opts.select(paths, config, readFile),
          probe: (paths) => probeChangelogs(paths, config),
          read: async (paths) => [...readBlobs(cwd, baseSha, paths, config.maxFileBytes).values()].filter((b) => b.content !== undefined).map((b) => ({ path: b.path, content: b.content! })),
        },
        { migrations, sources: sources ?? [], changed: new Set(changed.map((f) => f.filename)), max: opts.maxHistoryFiles },
      );
      if (history.capped) notes.skipped!.push({ path: history.dirs.join(', '), reason: `history capped at ${opts.maxHistoryFiles} earlier migrations for the trace and the ORM model state` });
      return history.files;
    },
  };
}

/** The commit HEAD points at. */
export function headCommit(cwd: string): string {
  return execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
}
