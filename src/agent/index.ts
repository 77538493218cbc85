// The architect agent's public API.
export { runArchitect, resolveModel, type AgentDeps, type AnthropicOptions, type ArchitectInput } from './architect.js';
export { runArchitectReview, type ArchitectReviewDeps, type ArchitectReviewResult, type PullRequestRef } from './review.js';
export { runRedesign, ruleBasedPlan, checkPlan, renderRedesign, type RedesignOutcome, type RedesignPlan } from './redesign.js';
export { fallbackResult, fallbackOutcome } from './fallback.js';
export { LruReviewCache, contentHash, type ReviewCache } from './cache.js';
export { createSnippetLinter, type AnalyzeLike } from './lint.js';
export { githubRepoAccess, localRepoAccess, memoryRepoAccess, confinePath } from './repo.js';
export { buildSchemaContext, type HistorySchemaLoader } from './schema-context.js';
export { describeOutcome, formatUsage, neutralize, renderReviewBody } from './render.js';
export { DEFAULT_MODEL, estimateCostUsd } from './cost.js';
export { DEFAULT_LIMITS, type AgentLimits } from './loop.js';
export type { ArchitectOutcome, ArchitectResult, ArchitectFinding, MigrationInput, RepoAccess, SnippetLinter, SnippetLint, TokenUsage } from './types.js';
