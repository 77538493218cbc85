// A tiny Prometheus registry (text exposition format 0.0.4) and dbarch's metrics. Other
// modules record through the functions at the bottom; no dependency on prom-client.
import type { Telemetry } from '../telemetry.js';

type Labels = Record<string, string | number>;

function labelKey(names: readonly string[], labels: Labels): string {
  return names.map((n) => String(labels[n] ?? '')).join('\u0000');
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatLabels(names: readonly string[], values: string[], extra?: [string, string]): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? '')}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

interface Metric {
  readonly name: string;
  render(): Promise<string> | string;
  reset(): void;
}

abstract class Labelled<V> implements Metric {
  protected values = new Map<string, { labels: string[]; value: V }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[] = [],
  ) {}
  protected slot(labels: Labels, init: () => V): { labels: string[]; value: V } {
    const key = labelKey(this.labelNames, labels);
    let s = this.values.get(key);
    if (!s) {
      s = { labels: this.labelNames.map((n) => String(labels[n] ?? '')), value: init() };
      this.values.set(key, s);
    }
    return s;
  }
  reset(): void {
    this.values.clear();
  }
  abstract render(): string | Promise<string>;
}

export class Counter extends Labelled<number> {
  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) return;
    this.slot(labels, () => 0).value += by;
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(this.labelNames, labels))?.value ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const s of this.values.values()) lines.push(`${this.name}${formatLabels(this.labelNames, s.labels)} ${formatValue(s.value)}`);
    return lines.join('\n');
  }
}

export class Gauge extends Labelled<number> {
  /** Called on each scrape to refresh values (queue depth and such). */
  collect?: (gauge: Gauge) => void | Promise<void>;
  set(labels: Labels, value: number): void {
    this.slot(labels, () => 0).value = value;
  }
  get(labels: Labels = {}): number | undefined {
    return this.values.get(labelKey(this.labelNames, labels))?.value;
  }
  async render(): Promise<string> {
    if (this.collect) {
      try {
        await this.collect(this);
      } catch {
        // A failed collector keeps the last values; /metrics must still answer.
      }
    }
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const s of this.values.values()) lines.push(`${this.name}${formatLabels(this.labelNames, s.labels)} ${formatValue(s.value)}`);
    return lines.join('\n');
  }
}

interface HistogramValue {
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram extends Labelled<HistogramValue> {
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    readonly buckets: readonly number[],
  ) {
    super(name, help, labelNames);
  }
  observe(labels: Labels, value: number): void {
    if (!Number.isFinite(value)) return;
    const s = this.slot(labels, () => ({ counts: this.buckets.map(() => 0), sum: 0, count: 0 })).value;
    this.buckets.forEach((b, i) => {
      if (value <= b) s.counts[i]!++;
    });
    s.sum += value;
    s.count++;
  }
  get(labels: Labels = {}): HistogramValue | undefined {
    return this.values.get(labelKey(this.labelNames, labels))?.value;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.values.values()) {
      this.buckets.forEach((b, i) => {
        lines.push(`${this.name}_bucket${formatLabels(this.labelNames, s.labels, ['le', formatValue(b)])} ${s.value.counts[i]}`);
      });
      lines.push(`${this.name}_bucket${formatLabels(this.labelNames, s.labels, ['le', '+Inf'])} ${s.value.count}`);
      lines.push(`${this.name}_sum${formatLabels(this.labelNames, s.labels)} ${formatValue(s.value.sum)}`);
      lines.push(`${this.name}_count${formatLabels(this.labelNames, s.labels)} ${s.value.count}`);
    }
    return lines.join('\n');
  }
}

export class Registry {
  private readonly metrics = new Map<string, Metric>();
  register<M extends Metric>(metric: M): M {
    if (this.metrics.has(metric.name)) throw new Error(`metric ${metric.name} already registered`);
    this.metrics.set(metric.name, metric);
    return metric;
  }
  /** Prometheus text exposition format. */
  async render(): Promise<string> {
    const parts: string[] = [];
    for (const m of this.metrics.values()) parts.push(await m.render());
    return `${parts.join('\n')}\n`;
  }
  reset(): void {
    for (const m of this.metrics.values()) m.reset();
  }
}

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const SECONDS_FAST = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SECONDS_SLOW = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** dbarch's metrics, one set per process. */
export function createMetrics(registry = new Registry()) {
  return {
    registry,
    webhooksReceived: registry.register(new Counter('dbarch_webhooks_received_total', 'Webhook deliveries received, by event and HTTP status of the answer.', ['event', 'status'])),
    webhookAck: registry.register(new Histogram('dbarch_webhook_ack_seconds', 'Time from receiving a webhook to answering it.', ['event'], SECONDS_FAST)),
    jobsEnqueued: registry.register(new Counter('dbarch_jobs_enqueued_total', 'Review jobs offered to the queue, by kind and result (accepted or duplicate).', ['kind', 'result'])),
    queueDepth: registry.register(new Gauge('dbarch_queue_depth', 'Jobs in the queue by state (for Redis: the whole shared queue).', ['state'])),
    jobDuration: registry.register(new Histogram('dbarch_job_duration_seconds', 'Duration of review jobs by kind and result.', ['kind', 'result'], SECONDS_SLOW)),
    jobsExhausted: registry.register(new Counter('dbarch_jobs_exhausted_total', 'Jobs that failed every attempt; their check was completed as "dbarch could not finish".', ['kind'])),
    reviews: registry.register(new Counter('dbarch_reviews_total', 'Finished reviews by outcome.', ['outcome'])),
    githubRequests: registry.register(new Counter('dbarch_github_requests_total', 'GitHub API requests by method and status (0: no response).', ['method', 'status'])),
    githubRateLimitRemaining: registry.register(new Gauge('dbarch_github_rate_limit_remaining', 'x-ratelimit-remaining of the last GitHub response, by resource.', ['resource'])),
    anthropicTokens: registry.register(new Counter('dbarch_anthropic_tokens_total', 'Anthropic tokens by model and type (input, output, cache_write, cache_read).', ['model', 'type'])),
    anthropicCost: registry.register(new Counter('dbarch_anthropic_cost_usd_total', 'Estimated Anthropic cost in USD by model.', ['model'])),
    traceDuration: registry.register(new Histogram('dbarch_trace_duration_seconds', 'Duration of PGlite traces.', [], SECONDS_SLOW)),
    reconcileRuns: registry.register(new Counter('dbarch_reconcile_runs_total', 'Reconciliation runs by result (done, skipped: another replica holds the lock, error).', ['result'])),
    reconcileEnqueued: registry.register(new Counter('dbarch_reconcile_enqueued_total', 'Pull requests the reconciliation found without a dbarch check and queued.', [])),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** The process-wide metrics: the production entry points record here and hand them to the core as a Telemetry. */
export const metrics: Metrics = createMetrics();

export interface AnthropicUsage {
  input: number;
  output: number;
  cacheCreation?: number;
  cacheRead?: number;
}

/** For the architect agent: record one API response's usage and its estimated cost (null: unknown price). */
export function recordAnthropicUsage(model: string, usage: AnthropicUsage, costUsd: number | null, m: Metrics = metrics): void {
  m.anthropicTokens.inc({ model, type: 'input' }, usage.input);
  m.anthropicTokens.inc({ model, type: 'output' }, usage.output);
  m.anthropicTokens.inc({ model, type: 'cache_write' }, usage.cacheCreation ?? 0);
  m.anthropicTokens.inc({ model, type: 'cache_read' }, usage.cacheRead ?? 0);
  if (costUsd !== null) m.anthropicCost.inc({ model }, costUsd);
}

/** For the trace: record one trace's duration. */
export function recordTraceDuration(ms: number, m: Metrics = metrics): void {
  m.traceDuration.observe({}, ms / 1000);
}

/** The analyzer's and the agent's Telemetry, recorded in these metrics. */
export function metricsTelemetry(m: Metrics = metrics): Telemetry {
  return {
    traceDuration: (ms) => recordTraceDuration(ms, m),
    anthropicUsage: (model, usage, costUsd) => recordAnthropicUsage(model, usage, costUsd, m),
  };
}

export function recordReviewOutcome(outcome: string, m: Metrics = metrics): void {
  m.reviews.inc({ outcome });
}
