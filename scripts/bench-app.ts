// The App end to end on loopback: the real Probot server (signed webhooks over HTTP) talking to
// a fake GitHub API server (real HTTP, GitHub Enterprise style base URL). Measures webhook ack
// latency, time from webhook to completed check, and GitHub API requests per review, for PRs
// of 1, 10 and 100 migration files. Run: node dist/scripts/bench-app.js
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { DbarchApp } from '../src/app/index.js';
import { startServer } from '../src/app/server.js';

const SECRET = 'bench-secret';
const OWNER = 'acme';
const REPO = 'shop';

interface FakeGitHub {
  url: string;
  requests: string[];
  /** Resolves when a check run is PATCHed with status completed. */
  completed(): Promise<{ conclusion: string; at: number }>;
  setPull(files: { filename: string; status: string; patch: string }[], contents: Map<string, string>): void;
  close(): Promise<void>;
}

function migrationSql(i: number): string {
  return [
    "SET lock_timeout = '2s';",
    `ALTER TABLE orders_${i} ADD COLUMN note text;`,
    `CREATE INDEX idx_orders_${i}_note ON orders_${i} (note);`,
    `ALTER TABLE orders_${i} ALTER COLUMN total TYPE numeric(12,2);`,
    '',
  ].join('\n');
}

async function fakeGitHub(): Promise<FakeGitHub> {
  const requests: string[] = [];
  let files: { filename: string; status: string; patch: string }[] = [];
  let contents = new Map<string, string>();
  let waiter: ((v: { conclusion: string; at: number }) => void) | undefined;
  let nextId = 1;
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
  };
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = raw ? JSON.parse(raw) : undefined;
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.replace(/^\/api\/v3/, '');
    requests.push(`${req.method} ${path}`);
    const repo = `/repos/${OWNER}/${REPO}`;
    if (req.method === 'POST' && /^\/app\/installations\/\d+\/access_tokens$/.test(path)) return json(res, 201, { token: 'ghs_bench', expires_at: '2099-01-01T00:00:00Z' });
    if (req.method === 'POST' && path === `${repo}/check-runs`) return json(res, 201, { id: nextId++ });
    if (req.method === 'PATCH' && path.startsWith(`${repo}/check-runs/`)) {
      if (body.status === 'completed') waiter?.({ conclusion: body.conclusion, at: performance.now() });
      return json(res, 200, {});
    }
    if (req.method === 'GET' && path.includes('/contents/')) {
      if (path.startsWith(repo)) return res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('trace:\n  enabled: false\n');
      return json(res, 404, { message: 'Not Found' });
    }
    if (req.method === 'GET' && path === `${repo}/pulls/17/files`) {
      const page = Number(url.searchParams.get('page') ?? 1);
      const per = Number(url.searchParams.get('per_page') ?? 30);
      const slice = files.slice((page - 1) * per, page * per);
      const more = page * per < files.length;
      const base = `http://${req.headers.host}${url.pathname}`;
      return json(res, 200, slice, more ? { link: `<${base}?per_page=${per}&page=${page + 1}>; rel="next"` } : {});
    }
    if (req.method === 'POST' && path.endsWith('/graphql')) {
      const repository: Record<string, unknown> = {};
      for (const [k, v] of Object.entries<string>(body.variables)) {
        if (/^e\d+$/.test(k)) {
          const text = contents.get(v.slice(v.indexOf(':') + 1));
          repository[`f${k.slice(1)}`] = text === undefined ? null : { oid: k, byteSize: Buffer.byteLength(text), isBinary: false, isTruncated: false, text };
        }
      }
      return json(res, 200, { data: { repository } });
    }
    if (req.method === 'GET' && (path === `${repo}/issues/17/comments` || path === `${repo}/pulls/17/comments`)) return json(res, 200, []);
    if (req.method === 'POST' && (path === `${repo}/issues/17/comments` || path === `${repo}/pulls/17/reviews`)) return json(res, 201, { id: nextId++ });
    json(res, 404, { message: `fake GitHub: no route for ${req.method} ${path}` });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `127.0.0.1:${port}`,
    requests,
    completed: () => new Promise((resolve) => (waiter = resolve)),
    setPull(f, c) {
      files = f;
      contents = c;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

function payload(n: number, sha: string) {
  const repo = { id: 1, name: REPO, full_name: `${OWNER}/${REPO}`, owner: { login: OWNER, id: 1, type: 'Organization' }, default_branch: 'main' };
  return {
    action: 'synchronize',
    number: 17,
    pull_request: {
      number: 17,
      state: 'open',
      draft: false,
      changed_files: n,
      head: { sha, ref: 'feature', repo },
      base: { sha: 'b'.repeat(40), ref: 'main', repo },
    },
    repository: repo,
    sender: { login: 'octocat', id: 2, type: 'User' },
    installation: { id: 4242 },
  };
}

interface Sample {
  ackMs: number;
  checkMs: number;
  /** Until the comment and the review are written too. */
  doneMs: number;
  requests: number;
  breakdown: string;
  conclusion: string;
}

async function one(gh: FakeGitHub, app: DbarchApp, port: number, n: number, seq: number): Promise<Sample> {
  const migrations = Array.from({ length: n }, (_, i) => `db/migrate/${String(20260000 + seq * 1000 + i)}_step_${i}.sql`);
  const contents = new Map(migrations.map((p, i) => [p, migrationSql(i)]));
  const files = migrations.map((p) => ({ filename: p, status: 'added', patch: `@@ -0,0 +1,4 @@\n${contents.get(p)!.trimEnd().split('\n').map((l) => `+${l}`).join('\n')}` }));
  gh.setPull(files, contents);
  gh.requests.length = 0;
  const sha = (seq.toString(16) + 'a'.repeat(40)).slice(0, 40);
  const body = JSON.stringify(payload(n, sha));
  const done = gh.completed();
  const t0 = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'pull_request',
      'x-github-delivery': `bench-${seq}`,
      'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
    },
    body,
  });
  const ackMs = performance.now() - t0;
  if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
  const { conclusion, at } = await done;
  await app.queue.onIdle();
  const doneMs = performance.now() - t0;
  const counted = gh.requests.filter((r) => !r.includes('access_tokens'));
  const kinds = new Map<string, number>();
  for (const r of counted) {
    const key = r.replace(/\/\d+$/, '/{id}').replace(/^(\w+) \/repos\/[^/]+\/[^/]+/, '$1 ');
    kinds.set(key, (kinds.get(key) ?? 0) + 1);
  }
  const breakdown = [...kinds].map(([k, v]) => `${k.trim()} ×${v}`).join(', ');
  return { ackMs, checkMs: at - t0, doneMs, requests: counted.length, breakdown, conclusion };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function measure(paceWrites: boolean, sizes: number[], repeats: number) {
  const gh = await fakeGitHub();
  const port = 30000 + Math.floor(Math.random() * 20000);
  const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const { server, app } = await startServer({
    env: { APP_ID: '1', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: SECRET, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'fatal', GHE_HOST: gh.url, GHE_PROTOCOL: 'http' },
    github: { paceWrites },
    deps: { architect: undefined },
  });
  const rows: { n: number; samples: Sample[] }[] = [];
  let seq = paceWrites ? 500 : 1;
  try {
    await one(gh, app, port, 1, seq++); // warm-up: parser WASM, squawk, token
    for (const n of sizes) {
      const samples: Sample[] = [];
      for (let r = 0; r < repeats; r++) samples.push(await one(gh, app, port, n, seq++));
      rows.push({ n, samples });
    }
  } finally {
    await server.stop();
    await gh.close();
  }
  return rows;
}

export async function run(): Promise<string> {
  const unpaced = await measure(false, [1, 10, 100], 5);
  const paced = await measure(true, [1, 10, 100], 1);
  const table = (rows: Awaited<ReturnType<typeof measure>>) => [
    '| Migration files | Webhook ack (median) | Webhook → completed check (median) | Webhook → comment and review written (median) | GitHub API requests per review | Conclusion |',
    '|---:|---:|---:|---:|---:|---|',
    ...rows.map(
      ({ n, samples }) =>
        `| ${n} | ${median(samples.map((s) => s.ackMs)).toFixed(1)} ms | ${median(samples.map((s) => s.checkMs)).toFixed(0)} ms | ${median(samples.map((s) => s.doneMs)).toFixed(0)} ms | ${samples[0]!.requests} | ${samples[0]!.conclusion} |`,
    ),
    '',
    ...rows.map(({ n, samples }) => `- ${n} file${n === 1 ? '' : 's'}: ${samples[0]!.breakdown}`),
  ];
  return [
    '## GitHub App',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} with \`node dist/scripts/bench-app.js\`: the real Probot server on loopback receives signed \`pull_request.synchronize\` webhooks over HTTP; GitHub is a fake HTTP server on loopback (GHE-style base URL). Each migration adds a column, a plain index and a type change (real \`analyze()\`: parser, lock model, rules, squawk; trace off). Timed from sending the webhook to the PATCH that completes the check run. One warm-up review first.`,
    '',
    '### Writes unpaced (5 runs each)',
    '',
    ...table(unpaced),
    '',
    '### Production pacing (1 run each)',
    '',
    'The default Octokit throttling serialises writes (and GraphQL queries) to one per second per installation, GitHub\'s advice against secondary rate limits; this is what a real installation sees.',
    '',
    ...table(paced),
    '',
    'The check completes before the summary comment and the review are written (the verdict does not wait for them). Requests per review: create check, config (the repo\'s file; the org `.github` repo only when the repo has none), PR files (1 page per 100 files), 1 GraphQL query per 50 migration blobs, 1 check update per 50 annotations, list + create/edit the summary comment, list review comments + 1 review. The installation token is fetched once per hour and not counted.',
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().then(
    (md) => {
      console.log(md);
      process.exit(0);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
