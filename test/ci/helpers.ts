// CI harness: a scratch git repository shaped like an Actions/GitLab checkout, the
// environment the runner sets, and an in-process HTTP fake of the GitHub/GitLab API that
// records every request and answers anything unexpected with 500 (and records it).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';

export interface Call {
  method: string;
  path: string;
  body: any;
  headers: IncomingMessage['headers'];
}

export interface Route {
  method: string;
  /** Exact path (with query) or a RegExp on it. */
  path: string | RegExp;
  status?: number;
  body?: unknown | ((call: Call) => unknown);
  headers?: Record<string, string>;
  /** Answer at most this many times (default: any). */
  times?: number;
}

export interface FakeApi {
  url: string;
  calls: Call[];
  unexpected: string[];
  route(r: Route): void;
  close(): Promise<void>;
}

// Every fake and scratch repository a test makes is closed after it.
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

export async function fakeApi(prefix = ''): Promise<FakeApi> {
  const calls: Call[] = [];
  const unexpected: string[] = [];
  const routes: (Route & { used: number })[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const path = (req.url ?? '').slice(prefix.length);
      const call: Call = { method: req.method ?? '', path, body: raw ? JSON.parse(raw) : undefined, headers: req.headers };
      calls.push(call);
      const route = routes.find((r) => r.method === call.method && (typeof r.path === 'string' ? r.path === path : r.path.test(path)) && (r.times === undefined || r.used < r.times));
      if (!route) {
        unexpected.push(`${call.method} ${path}`);
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `unexpected request ${call.method} ${path}` }));
        return;
      }
      route.used++;
      const body = typeof route.body === 'function' ? (route.body as (c: Call) => unknown)(call) : route.body;
      res.writeHead(route.status ?? 200, { 'content-type': 'application/json', ...route.headers }).end(body === undefined ? '' : JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    calls,
    unexpected,
    route: (r) => routes.push({ ...r, used: 0 }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export const USERS_TABLE = 'CREATE TABLE users (\n  id bigint PRIMARY KEY,\n  email text NOT NULL\n);\n';
export const UNSAFE_INDEX = '-- speed up logins\nCREATE INDEX idx_users_email ON users (email);\n';
export const SAFE_MIGRATION = 'CREATE TABLE audit_log (\n  id bigint PRIMARY KEY,\n  note text\n);\n';

export interface ScratchRepo {
  dir: string;
  base: string;
  head: string;
  cleanup(): void;
}

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com', GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z' } }).trim();
}

function write(dir: string, files: Record<string, string>): void {
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
}

/** base: the users table (and any `baseFiles`); head: `headFiles` added on a branch. The checkout is at head. */
export function scratchRepo(headFiles: Record<string, string>, baseFiles: Record<string, string> = {}): ScratchRepo {
  const dir = mkdtempSync(join(tmpdir(), 'dbarch-ci-'));
  git(dir, 'init', '-q', '-b', 'main');
  write(dir, { 'db/migrations/001_create_users.sql': USERS_TABLE, ...baseFiles });
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'base');
  const base = git(dir, 'rev-parse', 'HEAD');
  git(dir, 'checkout', '-q', '-b', 'feature');
  write(dir, headFiles);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'head');
  const head = git(dir, 'rev-parse', 'HEAD');
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  cleanups.push(cleanup);
  return { dir, base, head, cleanup };
}

/** A depth-1 clone of the repository's main branch, as actions/checkout leaves it by default. */
export function shallowClone(origin: ScratchRepo): string {
  const dir = `${origin.dir}-work`;
  execFileSync('git', ['clone', '-q', '--depth', '1', '--branch', 'main', `file://${origin.dir}`, dir]);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function pullRequestEvent(repo: ScratchRepo, opts: { number?: number; fork?: boolean } = {}) {
  const full = 'acme/shop';
  return {
    action: 'synchronize',
    number: opts.number ?? 7,
    pull_request: {
      number: opts.number ?? 7,
      state: 'open',
      draft: false,
      changed_files: 1,
      head: { sha: repo.head, ref: 'feature', repo: { full_name: opts.fork ? 'mallory/shop' : full } },
      base: { sha: repo.base, ref: 'main', repo: { full_name: full } },
    },
    repository: { name: 'shop', full_name: full, owner: { login: 'acme' } },
    sender: { login: 'alice', type: 'User' },
  };
}

/** Exactly the variables a GitHub-hosted runner sets for a step (plus the action's inputs). */
export function actionEnv(dir: string, api: string, eventName: string, event: unknown, inputs: Record<string, string> = {}): Record<string, string> {
  const eventPath = join(dir, '..', `${dir.split('/').pop()}-event.json`);
  writeFileSync(eventPath, JSON.stringify(event));
  const summary = join(dir, '..', `${dir.split('/').pop()}-summary.md`);
  const output = join(dir, '..', `${dir.split('/').pop()}-output.txt`);
  writeFileSync(summary, '');
  writeFileSync(output, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_WORKSPACE: dir,
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_REPOSITORY_OWNER: 'acme',
    GITHUB_API_URL: api,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_GRAPHQL_URL: `${api}/graphql`,
    GITHUB_RUN_ID: '1001',
    GITHUB_SHA: 'f'.repeat(40),
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_OUTPUT: output,
    RUNNER_TEMP: tmpdir(),
    'INPUT_GITHUB-TOKEN': 'ghs_workflow_token',
    'INPUT_SARIF-FILE': 'dbarch.sarif',
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
  };
  return env;
}
