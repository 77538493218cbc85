// GitHub API request counts and the rate limit left, from Octokit's request hook.
import type { ProbotOctokit } from 'probot';
import type { Metrics } from './metrics.js';
import { metrics as defaultMetrics } from './metrics.js';

type Headers = Record<string, string | number | undefined>;
interface HookedOctokit {
  hook: { wrap(name: 'request', fn: (request: (o: any) => Promise<any>, options: any) => Promise<any>): void };
}

function record(m: Metrics, method: string, status: number, headers: Headers | undefined): void {
  m.githubRequests.inc({ method, status });
  const remaining = headers?.['x-ratelimit-remaining'];
  if (remaining !== undefined && remaining !== '') {
    m.githubRateLimitRemaining.set({ resource: String(headers?.['x-ratelimit-resource'] ?? 'core') }, Number(remaining));
  }
}

export function installOctokitMetrics(octokit: HookedOctokit, m: Metrics = defaultMetrics): void {
  octokit.hook.wrap('request', async (request, options) => {
    const method = String(options.method ?? 'GET');
    try {
      const res = await request(options);
      record(m, method, Number(res.status), res.headers as Headers);
      return res;
    } catch (err) {
      const e = err as { status?: number; response?: { headers?: Headers } };
      record(m, method, Number(e.status ?? 0), e.response?.headers);
      throw err;
    }
  });
}

/** An Octokit class whose every instance (app and installation clients) records metrics. */
export function withOctokitMetrics(Base: typeof ProbotOctokit, m: Metrics = defaultMetrics): typeof ProbotOctokit {
  return Base.plugin((octokit: unknown) => {
    installOctokitMetrics(octokit as HookedOctokit, m);
    return {};
  }) as unknown as typeof ProbotOctokit;
}
