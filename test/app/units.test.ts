import { describe, expect, it } from 'vitest';
import { hunkContaining, parsePatchHunks } from '../../src/report/patch.js';
import type { ReviewJob } from '../../src/app/queue.js';
import { InProcessQueue, SupersededError, dedupeKey } from '../../src/app/queue.js';
import { buildAnnotations, buildCheckOutput, buildReviewComments, checkTitle, suggestionFor, truncate } from '../../src/app/render.js';
import { deepMerge } from '../../src/app/config.js';
import { collectHistory, historyDirsOf } from '../../src/app/select.js';
import { djangoDependencyDirs } from '../../src/migrations/django-order.js';
import { finding, report } from './helpers.js';

describe('parsePatchHunks', () => {
  it('maps RIGHT-side lines of context and added lines, skipping removed ones', () => {
    const patch = ['@@ -1,3 +1,4 @@', ' a', '-b', '+B', '+C', ' d', '@@ -20,2 +21,3 @@ func', ' x', '+y', ' z', '\\ No newline at end of file'].join('\n');
    expect(parsePatchHunks(patch)).toEqual([
      { start: 1, end: 4 },
      { start: 21, end: 23 },
    ]);
  });
  it('handles a new file, a deletion-only hunk and no patch (binary/too large)', () => {
    expect(parsePatchHunks('@@ -0,0 +1,2 @@\n+a\n+b')).toEqual([{ start: 1, end: 2 }]);
    expect(parsePatchHunks('@@ -1,2 +0,0 @@\n-a\n-b')).toEqual([]);
    expect(parsePatchHunks(undefined)).toEqual([]);
  });
  it('requires a multi-line range to sit inside one hunk', () => {
    const hunks = [
      { start: 1, end: 4 },
      { start: 21, end: 23 },
    ];
    expect(hunkContaining(hunks, 2, 4)).toEqual({ start: 1, end: 4 });
    expect(hunkContaining(hunks, 4, 21)).toBeUndefined();
    expect(hunkContaining(hunks, 5, 5)).toBeUndefined();
  });
});

function job(over: Partial<ReviewJob> = {}): ReviewJob {
  return { deliveryId: 'd1', kind: 'review', installationId: 1, owner: 'o', repo: 'r', pullNumber: 1, headSha: 'a'.repeat(40), trigger: 't', ...over };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('InProcessQueue', () => {
  it('drops a redelivery and a duplicate of the same PR head, and forgets them after the TTL', async () => {
    let now = 0;
    const ran: string[] = [];
    const q = new InProcessQueue({ run: async (j) => void ran.push(j.deliveryId), now: () => now, dedupeTtlMs: 1000 });
    expect(await q.enqueue(job({ deliveryId: 'd1' }))).toBe(true);
    expect(await q.enqueue(job({ deliveryId: 'd1' }))).toBe(false);
    expect(await q.enqueue(job({ deliveryId: 'd2' }))).toBe(false);
    await q.onIdle();
    expect(await q.enqueue(job({ deliveryId: 'd3' }))).toBe(false);
    now = 1001;
    expect(await q.enqueue(job({ deliveryId: 'd4' }))).toBe(true);
    await q.onIdle();
    expect(ran).toEqual(['d1', 'd4']);
    expect(q.stats()).toMatchObject({ completed: 2, dropped: 3 });
  });

  it('runs one job per PR at a time, others in parallel up to the limit', async () => {
    const gates = new Map<string, ReturnType<typeof deferred>>();
    const running = new Set<string>();
    let peak = 0;
    const order: string[] = [];
    const q = new InProcessQueue({
      concurrency: 2,
      run: async (j) => {
        running.add(j.deliveryId);
        peak = Math.max(peak, running.size);
        order.push(`start ${j.deliveryId}`);
        const g = deferred();
        gates.set(j.deliveryId, g);
        await g.promise;
        running.delete(j.deliveryId);
        order.push(`end ${j.deliveryId}`);
      },
    });
    await q.enqueue(job({ deliveryId: 'a1', pullNumber: 1, headSha: '1' }));
    await q.enqueue(job({ deliveryId: 'b1', pullNumber: 2, headSha: '1' }));
    await q.enqueue(job({ deliveryId: 'c1', pullNumber: 3, headSha: '1' }));
    await q.enqueue(job({ deliveryId: 'a2', pullNumber: 1, headSha: '1', kind: 'rerequest' }));
    expect(q.stats()).toMatchObject({ running: 2, pending: 2 });
    gates.get('a1')!.resolve();
    await new Promise((r) => setImmediate(r));
    // PR 1's second job waits for nothing now, but PR 3 arrived first.
    expect(order).toEqual(['start a1', 'start b1', 'end a1', 'start c1']);
    gates.get('b1')!.resolve();
    await new Promise((r) => setImmediate(r));
    expect(order.at(-1)).toBe('start a2');
    gates.get('c1')!.resolve();
    gates.get('a2')!.resolve();
    await q.onIdle();
    expect(peak).toBe(2);
  });

  it('aborts the running job and drops pending ones of the same PR when a newer head arrives', async () => {
    const started = deferred();
    const aborted: unknown[] = [];
    const ran: string[] = [];
    const q = new InProcessQueue({
      concurrency: 1,
      run: async (j, signal) => {
        ran.push(j.headSha);
        if (j.headSha === 'old') {
          started.resolve();
          await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
          aborted.push(signal.reason);
        }
      },
    });
    await q.enqueue(job({ deliveryId: '1', headSha: 'old' }));
    await started.promise;
    await q.enqueue(job({ deliveryId: '2', pullNumber: 9, headSha: 'other-pr' }));
    await q.enqueue(job({ deliveryId: '3', headSha: 'mid' }));
    await q.enqueue(job({ deliveryId: '4', headSha: 'new' }));
    await q.onIdle();
    expect(ran).toEqual(['old', 'other-pr', 'new']);
    expect(aborted).toHaveLength(1);
    expect(aborted[0]).toBeInstanceOf(SupersededError);
    expect((aborted[0] as Error).message).toBe('superseded by a newer push (mid)');
    expect(q.stats()).toMatchObject({ superseded: 2 });
  });

  it('keys duplicates by kind and draft state', () => {
    const base = job({ pull: { number: 1, headSha: 'a', baseSha: 'b', baseRef: 'main', draft: true } });
    expect(dedupeKey(base)).toBe(`1:o/r#1@${'a'.repeat(40)}:review:draft`);
    expect(dedupeKey({ ...base, pull: { ...base.pull!, draft: false } })).toBe(`1:o/r#1@${'a'.repeat(40)}:review:ready`);
    expect(dedupeKey({ ...base, kind: 'rerequest', deliveryId: 'x' })).toBe(`1:o/r#1@${'a'.repeat(40)}:rerequest:x`);
  });

  it('drains accepted jobs on close and refuses new ones', async () => {
    const ran: string[] = [];
    const q = new InProcessQueue({ concurrency: 1, run: async (j) => { await new Promise((r) => setImmediate(r)); ran.push(j.deliveryId); } });
    await q.enqueue(job({ deliveryId: 'a', pullNumber: 1 }));
    await q.enqueue(job({ deliveryId: 'b', pullNumber: 2 }));
    await q.close();
    expect(ran).toEqual(['a', 'b']);
    await expect(q.enqueue(job({ deliveryId: 'c', pullNumber: 3 }))).rejects.toThrow('queue is closed');
  });

  it('survives a runner that throws and keeps going', async () => {
    const errors: unknown[] = [];
    const q = new InProcessQueue({ run: async (j) => { if (j.deliveryId === 'bad') throw new Error('boom'); }, onError: (e) => errors.push(e) });
    await q.enqueue(job({ deliveryId: 'bad', pullNumber: 1 }));
    await q.enqueue(job({ deliveryId: 'good', pullNumber: 2 }));
    await q.onIdle();
    expect(errors.map((e) => (e as Error).message)).toEqual(['boom']);
    expect(q.stats().completed).toBe(2);
  });
});

describe('rendering', () => {
  it('builds whole-line suggestions around a statement span, without doubling the semicolon', () => {
    const source = 'SET lock_timeout = 1;  CREATE INDEX i ON t (c); -- note\n';
    const offset = source.indexOf('CREATE');
    const endOffset = source.indexOf(';', offset);
    const f = finding({
      rule: 'r',
      line: 1,
      fix: { description: 'd', sql: 'CREATE INDEX CONCURRENTLY i ON t (c);', replaces: { line: 1, column: offset + 1, endLine: 1, endColumn: endOffset + 1, offset, endOffset } },
    });
    expect(suggestionFor(source, f)).toEqual({ startLine: 1, endLine: 1, text: 'SET lock_timeout = 1;  CREATE INDEX CONCURRENTLY i ON t (c); -- note' });
  });

  it('comments only on warnings and errors inside the diff', () => {
    const r = report([
      {
        path: 'm.sql',
        findings: [
          finding({ rule: 'in', line: 2, severity: 'warning' }),
          finding({ rule: 'outside', line: 9 }),
          finding({ rule: 'info', line: 2, severity: 'info' }),
        ],
      },
    ]);
    const comments = buildReviewComments(r, new Map([['m.sql', { path: 'm.sql', source: 'a\nb\nc\n', hunks: [{ start: 1, end: 3 }] }]]));
    expect(comments.map((c) => [c.line, c.body.split('\n')[2]])).toEqual([[2, '⚠️ **in**: in message']]);
  });

  it('caps annotations, keeping the most severe, and says how many were left out', () => {
    const findings = Array.from({ length: 12 }, (_, i) => finding({ rule: `r${i}`, line: i + 1, severity: i % 3 === 0 ? 'error' : 'info' }));
    const { annotations, omitted } = buildAnnotations(report([{ path: 'a.sql', findings }]), 5);
    expect(omitted).toBe(7);
    expect(annotations.map((a) => [a.start_line, a.annotation_level])).toEqual([
      [1, 'failure'],
      [4, 'failure'],
      [7, 'failure'],
      [10, 'failure'],
      [2, 'notice'],
    ]);
    expect(buildCheckOutput(report([{ path: 'a.sql', findings }]), { annotationsOmitted: 7 }).summary).toContain(
      '7 lower-severity findings not annotated (at most 500 annotations per check); the summary comment lists them.',
    );
  });

  it('titles the check with the counts per severity', () => {
    expect(checkTitle(report([{ path: 'a.sql' }]))).toBe('No hazards found in 1 migration file');
    expect(checkTitle(report([{ path: 'a.sql', findings: [finding({ rule: 'x', line: 1 }), finding({ rule: 'y', line: 1, severity: 'info' })] }, { path: 'b.sql' }]))).toBe(
      '1 error, 1 notice in 2 migration files',
    );
  });

  it('truncates to the limit with a note and closes an open code fence', () => {
    const text = `intro\n\`\`\`sql\n${'select 1;\n'.repeat(10_000)}\`\`\`\n`;
    const out = truncate(text, 1000);
    expect(out.length).toBeLessThanOrEqual(1000);
    expect(out).toMatch(/```\n\n_…truncated: GitHub allows 1,000 characters here/);
    expect(truncate('short', 1000)).toBe('short');
  });
});

describe('config and history helpers', () => {
  it('merges configs key by key, later arrays replacing earlier ones', () => {
    expect(deepMerge({ a: 1, t: { x: 1, y: 2 }, l: [1, 2] }, { t: { y: 3 }, l: [9] })).toEqual({ a: 1, t: { x: 1, y: 3 }, l: [9] });
  });
  it('looks for earlier migrations beside flat files and one level up from per-migration folders', () => {
    expect(historyDirsOf(['db/migrate/1_a.sql', 'db/migrate/2_b.sql', 'prisma/migrations/2024_x/migration.sql', 'migrations/3_c/up.sql', 'root.sql'])).toEqual([
      '',
      'db/migrate',
      'migrations',
      'prisma/migrations',
    ]);
  });
  it('names the folders of the other Django apps a migration depends on (not its own, not swappable ones)', () => {
    const source = 'dependencies = [\n    ("shop", "0001_initial"),\n    ("accounts", "0003_x"),\n    migrations.swappable_dependency(settings.AUTH_USER_MODEL),\n    ("accounts", "0004_y"),\n]\n';
    expect(djangoDependencyDirs('saleor/shop/migrations/0002_z.py', source)).toEqual(['saleor/accounts/migrations']);
    expect(djangoDependencyDirs('shop/migrations/0002_z.py', source)).toEqual(['accounts/migrations']);
    expect(djangoDependencyDirs('alembic/versions/abc.py', source)).toEqual([]);
  });
  it('collects the history folder by folder along Django dependencies, within the cap', async () => {
    const tree: Record<string, string> = {
      'shop/migrations/0001_initial.py': '',
      'accounts/migrations/0001_initial.py': 'dependencies = [("users", "0001_initial")]',
      'users/migrations/0001_initial.py': '',
      'users/migrations/0002_more.py': '',
    };
    const lists: string[][] = [];
    const src = {
      list: async (dirs: string[]) => {
        lists.push(dirs);
        return Object.keys(tree).filter((p) => dirs.some((d) => p.startsWith(`${d}/`)));
      },
      select: async (paths: string[]) => paths,
      probe: () => [],
      read: async (paths: string[]) => paths.map((path) => ({ path, content: tree[path]! })),
    };
    const sources = [{ path: 'shop/migrations/0002_x.py', content: 'dependencies = [("shop", "0001_initial"), ("accounts", "0001_initial")]' }];
    const all = await collectHistory(src, { migrations: ['shop/migrations/0002_x.py'], sources, changed: new Set(['shop/migrations/0002_x.py']), max: 10 });
    expect(lists).toEqual([['accounts/migrations', 'shop/migrations'], ['users/migrations']]);
    expect(all.files.map((f) => f.path)).toEqual(['accounts/migrations/0001_initial.py', 'shop/migrations/0001_initial.py', 'users/migrations/0001_initial.py', 'users/migrations/0002_more.py']);
    expect(all.capped).toBe(false);
    lists.length = 0;
    const capped = await collectHistory(src, { migrations: ['shop/migrations/0002_x.py'], sources, changed: new Set(), max: 3 });
    expect(capped.files.map((f) => f.path)).toEqual(['accounts/migrations/0001_initial.py', 'shop/migrations/0001_initial.py', 'users/migrations/0001_initial.py']);
    expect(capped).toMatchObject({ capped: true, dirs: ['accounts/migrations', 'shop/migrations', 'users/migrations'] });
  });
});
