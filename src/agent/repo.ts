// Read-only repository access for the agent's tools, confined to the repository.
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ProbotOctokit } from 'probot';
import type { RepoAccess } from './types.js';

export type GitHubClient = Pick<ProbotOctokit, 'request'>;

/**
 * Normalise a path the model asked for; throws on anything that could leave the repository:
 * absolute paths, drive letters, `..` segments, backslashes, NUL, URLs.
 */
export function confinePath(requested: string): string {
  const p = requested.trim();
  if (!p) throw new Error('empty path');
  if (p.includes('\0')) throw new Error('path contains NUL');
  if (p.includes('\\')) throw new Error('backslashes are not allowed in paths');
  if (p.startsWith('/') || p.startsWith('~') || /^[A-Za-z]:/.test(p) || /^[a-z]+:\/\//i.test(p)) {
    throw new Error('absolute paths are not allowed; give a path relative to the repository root');
  }
  const segments = p.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) throw new Error('`..` is not allowed in paths');
  if (segments.length === 0) throw new Error('empty path');
  return segments.join('/');
}

/** The repository at one commit through the GitHub API (trees + contents). */
export function githubRepoAccess(octokit: GitHubClient, ref: { owner: string; repo: string; sha: string }): RepoAccess {
  let listing: Promise<string[]> | undefined;
  return {
    async readFile(p: string): Promise<string | null> {
      const safe = confinePath(p);
      try {
        const res = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', {
          owner: ref.owner,
          repo: ref.repo,
          path: safe,
          ref: ref.sha,
        });
        const data = res.data as { type?: string; content?: string; encoding?: string };
        if (Array.isArray(res.data) || data.type !== 'file' || typeof data.content !== 'string') return null;
        return data.encoding === 'base64' ? Buffer.from(data.content, 'base64').toString('utf8') : data.content;
      } catch (err) {
        if ((err as { status?: number }).status === 404) return null;
        throw err;
      }
    },
    listFiles(): Promise<string[]> {
      listing ??= octokit
        .request('GET /repos/{owner}/{repo}/git/trees/{tree_sha}', {
          owner: ref.owner,
          repo: ref.repo,
          tree_sha: ref.sha,
          recursive: 'true',
        })
        .then((res) => res.data.tree.filter((e) => e.type === 'blob' && e.path).map((e) => e.path as string));
      return listing;
    },
  };
}

/** A local checkout (the CLI). Symlinks that resolve outside the root are refused. */
export function localRepoAccess(root: string, opts: { maxFiles?: number } = {}): RepoAccess {
  const maxFiles = opts.maxFiles ?? 20_000;
  let listing: Promise<string[]> | undefined;
  return {
    async readFile(p: string): Promise<string | null> {
      const safe = confinePath(p);
      const realRoot = await realpath(root);
      let full: string;
      try {
        full = await realpath(path.join(realRoot, safe));
      } catch {
        return null;
      }
      if (full !== realRoot && !full.startsWith(realRoot + path.sep)) throw new Error('path resolves outside the repository');
      const st = await stat(full);
      if (!st.isFile()) return null;
      return readFile(full, 'utf8');
    },
    listFiles(): Promise<string[]> {
      listing ??= (async () => {
        const out: string[] = [];
        const walk = async (dir: string, rel: string): Promise<void> => {
          if (out.length >= maxFiles) return;
          for (const e of await readdir(dir, { withFileTypes: true })) {
            if (e.name === '.git' || e.name === 'node_modules') continue;
            const r = rel ? `${rel}/${e.name}` : e.name;
            if (e.isDirectory()) await walk(path.join(dir, e.name), r);
            else if (e.isFile()) out.push(r);
            if (out.length >= maxFiles) return;
          }
        };
        await walk(root, '');
        return out.sort();
      })();
      return listing;
    },
  };
}

/** In-memory files (tests, and the App when it already holds the files). */
export function memoryRepoAccess(files: Record<string, string>): RepoAccess {
  return {
    async readFile(p: string) {
      return files[confinePath(p)] ?? null;
    },
    async listFiles() {
      return Object.keys(files).sort();
    },
  };
}
