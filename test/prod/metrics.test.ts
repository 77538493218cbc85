// The Prometheus registry's exact text, the Anthropic/trace recorders and the Octokit hook.
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { createOctokitClass } from '../../src/app/octokit.js';
import { withOctokitMetrics } from '../../src/prod/github-metrics.js';
import { Counter, Gauge, Histogram, Registry, createMetrics, recordAnthropicUsage, recordTraceDuration } from '../../src/prod/metrics.js';

afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('registry', () => {
  it('renders counters, gauges and histograms in the Prometheus text format', async () => {
    const r = new Registry();
    const c = r.register(new Counter('x_total', 'Things.', ['kind']));
    const g = r.register(new Gauge('depth', 'Depth.', ['state']));
    const h = r.register(new Histogram('lat_seconds', 'Latency.', ['event'], [0.1, 1]));
    c.inc({ kind: 'a"b\\c\nd' });
    c.inc({ kind: 'plain' }, 2);
    c.inc({ kind: 'plain' }, -5); // counters never go down
    g.collect = (gauge) => gauge.set({ state: 'waiting' }, 3);
    h.observe({ event: 'push' }, 0.05);
    h.observe({ event: 'push' }, 0.5);
    h.observe({ event: 'push' }, 7);
    expect(await r.render()).toBe(
      [
        '# HELP x_total Things.',
        '# TYPE x_total counter',
        'x_total{kind="a\\"b\\\\c\\nd"} 1',
        'x_total{kind="plain"} 2',
        '# HELP depth Depth.',
        '# TYPE depth gauge',
        'depth{state="waiting"} 3',
        '# HELP lat_seconds Latency.',
        '# TYPE lat_seconds histogram',
        'lat_seconds_bucket{event="push",le="0.1"} 1',
        'lat_seconds_bucket{event="push",le="1"} 2',
        'lat_seconds_bucket{event="push",le="+Inf"} 3',
        'lat_seconds_sum{event="push"} 7.55',
        'lat_seconds_count{event="push"} 3',
        '',
      ].join('\n'),
    );
    expect(() => r.register(new Counter('x_total', 'again'))).toThrow('already registered');
  });

  it('keeps the last gauge values when a collector fails', async () => {
    const r = new Registry();
    const g = r.register(new Gauge('depth', 'Depth.', ['state']));
    g.set({ state: 'waiting' }, 5);
    g.collect = () => {
      throw new Error('redis down');
    };
    expect(await r.render()).toContain('depth{state="waiting"} 5');
  });

  it('records Anthropic tokens and cost, and trace durations', async () => {
    const m = createMetrics();
    recordAnthropicUsage('claude-sonnet-4-6', { input: 1000, output: 200, cacheCreation: 50, cacheRead: 4000 }, 0.0072, m);
    recordAnthropicUsage('claude-sonnet-4-6', { input: 10, output: 5 }, null, m);
    recordTraceDuration(1500, m);
    const text = await m.registry.render();
    expect(text).toContain('dbarch_anthropic_tokens_total{model="claude-sonnet-4-6",type="input"} 1010');
    expect(text).toContain('dbarch_anthropic_tokens_total{model="claude-sonnet-4-6",type="output"} 205');
    expect(text).toContain('dbarch_anthropic_tokens_total{model="claude-sonnet-4-6",type="cache_write"} 50');
    expect(text).toContain('dbarch_anthropic_tokens_total{model="claude-sonnet-4-6",type="cache_read"} 4000');
    expect(text).toContain('dbarch_anthropic_cost_usd_total{model="claude-sonnet-4-6"} 0.0072');
    expect(text).toContain('dbarch_trace_duration_seconds_bucket{le="2.5"} 1');
    expect(text).toContain('dbarch_trace_duration_seconds_bucket{le="1"} 0');
    expect(text).toContain('dbarch_trace_duration_seconds_sum 1.5');
  });
});

describe('GitHub request metrics', () => {
  it('counts requests by method and status and keeps the rate limit remaining', async () => {
    nock.disableNetConnect();
    nock('https://api.github.com')
      .get('/repos/acme/shop')
      .reply(200, { id: 1 }, { 'x-ratelimit-remaining': '4999', 'x-ratelimit-resource': 'core' })
      .post('/graphql')
      .reply(200, { data: { viewer: { login: 'x' } } }, { 'x-ratelimit-remaining': '4990', 'x-ratelimit-resource': 'graphql' })
      .get('/repos/acme/missing')
      .reply(404, { message: 'Not Found' }, { 'x-ratelimit-remaining': '4998', 'x-ratelimit-resource': 'core' });
    const m = createMetrics();
    const Octokit = withOctokitMetrics(createOctokitClass({ retries: 0, paceWrites: false }), m);
    const octokit = new Octokit({ auth: 'ghs_x' });
    await octokit.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'shop' });
    await octokit.graphql('{ viewer { login } }');
    await expect(octokit.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'missing' })).rejects.toThrow();
    expect(m.githubRequests.get({ method: 'GET', status: 200 })).toBe(1);
    expect(m.githubRequests.get({ method: 'POST', status: 200 })).toBe(1);
    expect(m.githubRequests.get({ method: 'GET', status: 404 })).toBe(1);
    expect(m.githubRateLimitRemaining.get({ resource: 'core' })).toBe(4998);
    expect(m.githubRateLimitRemaining.get({ resource: 'graphql' })).toBe(4990);
  });
});
