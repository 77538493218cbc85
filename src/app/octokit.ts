// Probot's Octokit with retry and throttling configured for dbarch: 5xx and timeouts are
// retried with backoff, 403/429 rate limits wait for `retry-after` / the reset, and writes
// stay paced (GitHub's advice against secondary limits on content creation).
import { ProbotOctokit } from 'probot';

export interface GitHubClientOptions {
  /** Retries after the first attempt for 5xx/429/timeouts. */
  retries?: number;
  /** Milliseconds per backoff unit (retry n waits n² units). Tests make it tiny. */
  retryBaseMs?: number;
  /** Milliseconds per second of `retry-after` / rate-limit reset. Tests make it tiny. */
  rateLimitBaseMs?: number;
  /** Rate-limit retries before giving up. */
  rateLimitRetries?: number;
  /** Longer waits fail the request instead (the check reports it) rather than hold a review for an hour. */
  maxRateLimitWaitSeconds?: number;
  /** Pace writes one per second per installation (default on; tests and benchmarks may turn it off). */
  paceWrites?: boolean;
  /** A request that takes longer fails and is retried like a 5xx (default 30 s). */
  requestTimeoutMs?: number;
}

type Fetch = typeof globalThis.fetch;

/** fetch with a deadline; the timeout surfaces as a retryable 500 RequestError in @octokit/request. */
export function fetchWithTimeout(ms: number, inner?: Fetch): Fetch {
  return (input, init) => {
    const timeout = AbortSignal.timeout(ms);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    // Resolved per call so test interceptors installed on globalThis.fetch apply.
    return (inner ?? globalThis.fetch)(input, { ...init, signal });
  };
}

/** A Bottleneck-group stand-in that schedules immediately (no pacing). */
const unpaced = { key: () => ({ schedule: (_opts: unknown, fn: (...a: unknown[]) => unknown, ...args: unknown[]) => fn(...args) }) };

type Log = { warn: (msg: string) => void };

export function createOctokitClass(opts: GitHubClientOptions = {}): typeof ProbotOctokit {
  const rateLimitRetries = opts.rateLimitRetries ?? 3;
  const maxWait = opts.maxRateLimitWaitSeconds ?? 120;
  return ProbotOctokit.defaults((instance: Record<string, unknown>) => {
    const throttle = (instance.throttle ?? {}) as Record<string, unknown>;
    const request = (instance.request ?? {}) as Record<string, unknown>;
    return {
      ...instance,
      request: { ...request, fetch: fetchWithTimeout(opts.requestTimeoutMs ?? 30_000, request.fetch as Fetch | undefined) },
      retry: {
        retries: opts.retries ?? 3,
        retryAfterBaseValue: opts.retryBaseMs ?? 1000,
        doNotRetry: [400, 401, 403, 404, 410, 422, 451],
      },
      throttle: {
        ...throttle,
        retryAfterBaseValue: opts.rateLimitBaseMs ?? 1000,
        onRateLimit: (retryAfter: number, o: { method: string; url: string }, octokit: { log: Log }, retryCount: number) => {
          octokit.log.warn(`Rate limit hit on ${o.method} ${o.url}; retry ${retryCount + 1} in ${retryAfter}s`);
          return retryCount < rateLimitRetries && retryAfter <= maxWait;
        },
        onSecondaryRateLimit: (retryAfter: number, o: { method: string; url: string }, octokit: { log: Log }, retryCount: number) => {
          octokit.log.warn(`Secondary rate limit hit on ${o.method} ${o.url}; retry ${retryCount + 1} in ${retryAfter}s`);
          return retryCount < rateLimitRetries && retryAfter <= maxWait;
        },
        ...(opts.paceWrites === false ? { write: unpaced, notifications: unpaced } : {}),
      },
    };
  }) as typeof ProbotOctokit;
}
