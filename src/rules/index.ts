// The rules module: catalog, engine and helpers other modules call.
export { lintFacts, lintSql, buildContext, resolveSeverity, ruleApplies, formatMessage } from './engine.js';
export type { LintFactsOptions, LintSqlOptions } from './engine.js';
export { RULES, getRule } from './registry.js';
export type { Rule, RuleContext, RuleMeta, RuleExample, Violation } from './types.js';
