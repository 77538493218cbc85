// The architect review: one bounded tool-use run of Claude over the migrations, the analyzer's
// report and the schema context, ending in a zod-validated `submit_review`, or the fallback.
import Anthropic from '@anthropic-ai/sdk';
import type { Telemetry } from '../telemetry.js';
import type { DbarchConfig } from '../config/schema.js';
import type { RuleMeta } from '../rules/types.js';
import type { Report } from '../types.js';
import { contentHash, LruReviewCache, type ReviewCache } from './cache.js';
import { DEFAULT_MODEL, estimateCostUsd } from './cost.js';
import { fallbackOutcome } from './fallback.js';
import { DEFAULT_LIMITS, EPHEMERAL, runToolLoop, type AgentLimits } from './loop.js';
import { buildUserMessage, PROMPT_VERSION, renderRuleCatalog, secretValues, SYSTEM_PROMPT } from './prompt.js';
import { buildSchemaContext, type HistorySchemaLoader } from './schema-context.js';
import { READ_ONLY_TOOLS, SUBMIT_REVIEW_TOOL } from './tools.js';
import type { AgentLogger, ArchitectOutcome, MigrationInput, RepoAccess, SnippetLinter } from './types.js';
import { architectResultSchema } from './types.js';

export interface AnthropicOptions {
  /** A ready client (tests, or a shared one); otherwise one is built from the options and env. */
  client?: Anthropic;
  /** Defaults to `ANTHROPIC_API_KEY`. */
  apiKey?: string;
  /** Defaults to `ANTHROPIC_BASE_URL`, as the SDK does. */
  baseURL?: string;
  /** SDK retries (429, 408, 409, 5xx, 529, connection errors and timeouts), with its backoff. */
  maxRetries?: number;
}

export interface AgentDeps {
  anthropic?: AnthropicOptions;
  repo?: RepoAccess;
  lint?: SnippetLinter;
  /** Rule metadata for the catalog in the system prompt (and `/dbarch explain`). */
  rules?: readonly RuleMeta[];
  history?: HistorySchemaLoader;
  cache?: ReviewCache<ArchitectOutcome>;
  limits?: Partial<AgentLimits>;
  /** Where ANTHROPIC_* and the secrets to redact are read from: the entry point's environment. */
  env?: NodeJS.ProcessEnv;
  log?: AgentLogger;
  signal?: AbortSignal;
  telemetry?: Telemetry;
}

export interface ArchitectInput {
  files: MigrationInput[];
  report: Report;
  config: DbarchConfig;
  /** Precomputed schema context; built from `deps.history` / the repo's dump when absent. */
  schemaContext?: Map<string, string>;
  pr?: { title?: string; body?: string | null };
}

/** Process-wide default so pushes reuse reviews even when the caller passes no cache. */
const defaultCache = new LruReviewCache<ArchitectOutcome>(500);

export function resolveModel(config: DbarchConfig, env: NodeJS.ProcessEnv = {}): string {
  return config.agent.model ?? env.ANTHROPIC_MODEL ?? DEFAULT_MODEL;
}

export function resolveLimits(config: DbarchConfig, overrides?: Partial<AgentLimits>): AgentLimits {
  return { ...DEFAULT_LIMITS, maxTokens: config.agent.maxTokens, ...overrides };
}

/** The client, or why there is none. */
export function createClient(opts: AnthropicOptions | undefined, env: NodeJS.ProcessEnv): Anthropic | { unavailable: string } {
  if (opts?.client) return opts.client;
  const apiKey = opts?.apiKey ?? env.ANTHROPIC_API_KEY;
  if (!apiKey) return { unavailable: 'no ANTHROPIC_API_KEY is configured for this installation' };
  return new Anthropic({
    apiKey,
    baseURL: opts?.baseURL ?? env.ANTHROPIC_BASE_URL ?? null,
    maxRetries: opts?.maxRetries ?? 4,
  });
}

export function systemBlocks(rules: readonly RuleMeta[]): Anthropic.Messages.TextBlockParam[] {
  return [
    { type: 'text', text: SYSTEM_PROMPT },
    // The catalog closes the stable prefix: the breakpoint caches tools + system prompt + catalog.
    { type: 'text', text: renderRuleCatalog(rules), cache_control: EPHEMERAL },
  ];
}

export function reviewTools(): Anthropic.Messages.Tool[] {
  return [...READ_ONLY_TOOLS, { ...SUBMIT_REVIEW_TOOL, cache_control: EPHEMERAL }];
}

export function reviewCacheKey(input: { files: MigrationInput[]; schemaContext: Map<string, string>; model: string; config: DbarchConfig }): string {
  return contentHash({
    prompt: PROMPT_VERSION,
    model: input.model,
    files: input.files.map((f) => ({ path: f.path, content: f.content })).sort((a, b) => a.path.localeCompare(b.path)),
    schema: input.schemaContext,
    hints: { pg: input.config.pgVersion, large: input.config.largeTables, notes: input.config.agent.notes ?? '' },
  });
}

export async function runArchitect(input: ArchitectInput, deps: AgentDeps = {}): Promise<ArchitectOutcome> {
  const env = deps.env ?? {};
  const model = resolveModel(input.config, env);
  if (!input.config.agent.enabled) return fallbackOutcome(input.report, 'the architect agent is disabled in the configuration (agent.enabled: false)', model);

  const schemaContext =
    input.schemaContext ??
    (await buildSchemaContext({ report: input.report, repo: deps.repo, history: deps.history, schemaDump: input.config.trace.schemaDump }));
  const cacheKey = reviewCacheKey({ files: input.files, schemaContext, model, config: input.config });
  const cache = deps.cache ?? defaultCache;
  const cached = await cache.get(cacheKey);
  if (cached) {
    deps.log?.info({ cacheKey }, 'architect review reused from cache');
    return { ...cached, source: 'cache', usage: { input: 0, output: 0, cacheCreation: 0, cacheRead: 0 }, costUsd: 0, turns: 0, cacheKey };
  }

  const client = createClient(deps.anthropic, env);
  if ('unavailable' in client) return { ...fallbackOutcome(input.report, client.unavailable, model), cacheKey };

  const limits = resolveLimits(input.config, deps.limits);
  const { text, truncatedFiles } = buildUserMessage({
    files: input.files,
    report: input.report,
    schemaContext,
    pr: input.pr,
    hints: { pgVersion: input.config.pgVersion, largeTables: input.config.largeTables, notes: input.config.agent.notes },
    maxFileChars: limits.maxFileChars,
    maxTotalChars: limits.maxPromptChars,
  });
  if (truncatedFiles.length) deps.log?.warn({ truncatedFiles }, 'migration files truncated in the architect prompt');

  const loop = await runToolLoop({
    client,
    model,
    system: systemBlocks(deps.rules ?? []),
    tools: reviewTools(),
    submitTool: 'submit_review',
    schema: architectResultSchema,
    userText: text,
    toolContext: { repo: deps.repo, schemaContext, lint: deps.lint },
    limits,
    secrets: secretValues(env),
    signal: deps.signal,
    log: deps.log,
    telemetry: deps.telemetry,
  });
  const costUsd = estimateCostUsd(model, loop.usage);
  deps.log?.info({ model, usage: loop.usage, costUsd, turns: loop.turns, ok: loop.ok }, 'architect review finished');
  if (!loop.ok) return { ...fallbackOutcome(input.report, loop.reason, model, { usage: loop.usage, costUsd, turns: loop.turns }), cacheKey };

  const outcome: ArchitectOutcome = { source: 'model', result: loop.value, model, usage: loop.usage, costUsd, turns: loop.turns, cacheKey };
  await cache.set(cacheKey, outcome);
  return outcome;
}
