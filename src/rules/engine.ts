// The rules engine: runs every enabled rule on every statement and turns violations into findings.
import { defaultConfigValue as defaultConfig } from '../config/defaults.js';
import type { DbarchConfig } from '../config/schema.js';
import { buildFacts, catalogFromHistory } from '../pg/index.js';
import { buildFileFacts } from '../pg/file.js';
import { parseSql } from '../sql/index.js';
import type {
  Category,
  Direction,
  Finding,
  IgnoreDirectives,
  Severity,
  StatementFacts,
  TransactionMode,
} from '../types.js';
import { tagOf } from './ast.js';
import { RULES } from './registry.js';
import type { FileViolation, Rule, RuleContext, RuleMeta, Violation } from './types.js';

export interface LintFactsOptions {
  path: string;
  config: DbarchConfig;
  direction: Direction;
  directives: IgnoreDirectives;
  /** Overrides config.pgVersion (e.g. a migration set's own version). */
  pgVersion?: number;
  /** How the file runs; only used by rules about transaction control. Inferred when absent. */
  transaction?: TransactionMode;
  /** Run these rules instead of the registry (tests). */
  rules?: readonly Rule[];
  /** Receives the findings ignore directives suppressed, so the report can count them. */
  suppressed?: Finding[];
  /** Relations earlier files of the same change created: new in this file too. */
  createdBefore?: ReadonlySet<string>;
}

const LOCK_RULE_CATEGORIES: ReadonlySet<Category> = new Set(['locking', 'rewrite']);

/** Whether the engine drops the rule's findings on relations that are new or empty (see RuleMeta.newRelations). */
export function skipsNewRelations(meta: RuleMeta): boolean {
  return (meta.newRelations ?? (LOCK_RULE_CATEGORIES.has(meta.category) ? 'skip' : 'report')) === 'skip';
}

/** Whether the rule's findings become info in a down migration (see RuleMeta.onDown). */
export function demotesOnDown(meta: RuleMeta): boolean {
  return (meta.onDown ?? (meta.category === 'backward-compatibility' ? 'info' : 'keep')) === 'info';
}

/** Effective severity of a rule from config, or undefined when it is disabled. */
export function resolveSeverity(
  meta: RuleMeta,
  config: DbarchConfig,
): { severity: Severity; configured: boolean } | undefined {
  const setting = config.rules[meta.id];
  const ruleSeverity = typeof setting === 'string' ? setting : setting?.severity;
  if (ruleSeverity === 'off') return undefined;
  if (ruleSeverity) return { severity: ruleSeverity, configured: true };
  const categorySeverity = config.categories[meta.category];
  if (categorySeverity === 'off') return undefined;
  if (categorySeverity) return { severity: categorySeverity, configured: true };
  if (meta.defaultSeverity === 'off') return undefined;
  return { severity: meta.defaultSeverity, configured: false };
}

export function ruleApplies(meta: RuleMeta, pgVersion: number): boolean {
  const v = meta.pgVersions;
  if (!v) return true;
  if (v.min !== undefined && pgVersion < v.min) return false;
  if (v.max !== undefined && pgVersion > v.max) return false;
  return true;
}

export function formatMessage(template: string, data: Record<string, string | number> | undefined): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    data && key in data ? String(data[key]) : whole,
  );
}

function isIgnored(meta: RuleMeta, stmt: StatementFacts, directives: IgnoreDirectives): boolean {
  const ids = [meta.id, ...(meta.squawk ?? [])];
  const hit = (set: Set<string> | undefined) => !!set && (set.has('*') || ids.some((id) => set.has(id)));
  if (hit(directives.file)) return true;
  if (hit(directives.byStatement.get(stmt.stmt.index))) return true;
  const parent = stmt.stmt.nested?.parentIndex;
  return parent !== undefined && hit(directives.byStatement.get(parent));
}

/** Build the per-file context the rules see. */
export function buildContext(
  facts: readonly StatementFacts[],
  opts: { pgVersion: number; largeTables: Iterable<string>; direction: Direction; transaction: TransactionMode; createdBefore?: ReadonlySet<string> },
): Omit<RuleContext, 'options'> {
  const file = buildFileFacts(facts, opts.transaction, opts.createdBefore);
  const large = new Set<string>();
  for (const t of opts.largeTables) large.add(t);
  const largeTables: ReadonlySet<string> = {
    has: (rel: string) => large.has(rel) || large.has(rel.slice(rel.indexOf('.') + 1)),
    get size() {
      return large.size;
    },
    forEach: large.forEach.bind(large),
    entries: large.entries.bind(large),
    keys: large.keys.bind(large),
    values: large.values.bind(large),
    [Symbol.iterator]: large[Symbol.iterator].bind(large),
  } as ReadonlySet<string>;
  return {
    pgVersion: opts.pgVersion,
    transaction: opts.transaction,
    file,
    largeTables,
    direction: opts.direction,
    statements: facts,
    createdEarlier: file.isNew,
    lockTimeoutSet: (beforeIndex) => file.timeoutsBefore(beforeIndex).lockTimeout,
    statementTimeoutSet: (beforeIndex) => file.timeoutsBefore(beforeIndex).statementTimeout,
    qualify: file.qualify,
  };
}

/** Run every enabled rule on every statement of one file. */
interface PlannedRule {
  rule: Rule;
  resolved: { severity: Severity; configured: boolean };
  options: Record<string, unknown> | undefined;
  order: number;
}

interface Plan {
  everywhere: PlannedRule[];
  byTag: Map<string, PlannedRule[]>;
  /** Rules with a file-level hook. */
  files: PlannedRule[];
}

/** `rules.<id>.options` does not match the rule's schema. */
export class RuleOptionsError extends Error {
  constructor(
    readonly ruleId: string,
    detail: string,
  ) {
    super(`Invalid options for rule ${ruleId} (rules.${ruleId}.options): ${detail}`);
    this.name = 'RuleOptionsError';
  }
}

/** Parse a rule's configured options with its schema; throws RuleOptionsError naming the key. */
export function parseRuleOptions(rule: Rule, raw: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!rule.optionsSchema) return raw;
  const parsed = rule.optionsSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw new RuleOptionsError(rule.meta.id, `${at}${issue?.message ?? 'invalid'}`);
  }
  return parsed.data as Record<string, unknown>;
}

/** Every invalid `rules.<id>.options` of a config, as messages (for entry points to report up front). */
export function ruleOptionErrors(config: DbarchConfig, rules: readonly Rule[] = RULES): string[] {
  const errors: string[] = [];
  for (const rule of rules) {
    const setting = config.rules[rule.meta.id];
    try {
      parseRuleOptions(rule, typeof setting === 'object' ? setting.options : undefined);
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  return errors;
}

const PLANS = new WeakMap<DbarchConfig, Map<string, Plan>>();
const RULE_SET_IDS = new WeakMap<readonly Rule[], number>();
let nextRuleSetId = 0;

/** Which rules run, at which severity, on which statement kinds: once per config. */
function planFor(config: DbarchConfig, rules: readonly Rule[], pgVersion: number): Plan {
  let setId = RULE_SET_IDS.get(rules);
  if (setId === undefined) RULE_SET_IDS.set(rules, (setId = nextRuleSetId++));
  const key = `${setId}:${pgVersion}`;
  let plans = PLANS.get(config);
  if (!plans) PLANS.set(config, (plans = new Map()));
  const cached = plans.get(key);
  if (cached) return cached;
  const plan: Plan = { everywhere: [], byTag: new Map(), files: [] };
  rules.forEach((rule, order) => {
    const { meta } = rule;
    const resolved = resolveSeverity(meta, config);
    if (!resolved || !ruleApplies(meta, pgVersion)) return;
    const setting = config.rules[meta.id];
    const options = parseRuleOptions(rule, typeof setting === 'object' ? setting.options : undefined);
    const planned: PlannedRule = { rule, resolved, options, order };
    if (rule.checkFile) plan.files.push(planned);
    if (!rule.check) return;
    if (!meta.nodes) plan.everywhere.push(planned);
    for (const tag of meta.nodes ?? []) {
      const list = plan.byTag.get(tag);
      if (list) list.push(planned);
      else plan.byTag.set(tag, [planned]);
    }
  });
  plans.set(key, plan);
  return plan;
}

export function lintFacts(facts: StatementFacts[], opts: LintFactsOptions): Finding[] {
  const { config } = opts;
  const pgVersion = opts.pgVersion ?? config.pgVersion;
  const transaction = opts.transaction ?? inferTransaction(facts);
  const base = buildContext(facts, {
    pgVersion,
    largeTables: config.largeTables,
    direction: opts.direction,
    transaction,
    ...(opts.createdBefore ? { createdBefore: opts.createdBefore } : {}),
  });
  // Rules indexed by the statement kinds they look at, so each statement meets only its rules.
  const plan = planFor(config, opts.rules ?? RULES, pgVersion);
  const sharedCtx: RuleContext = { ...base, options: { transaction } };
  const contexts = new Map<PlannedRule, RuleContext>();
  const ctxFor = (p: PlannedRule): RuleContext => {
    if (!p.options) return sharedCtx;
    let ctx = contexts.get(p);
    if (!ctx) contexts.set(p, (ctx = { ...base, options: { transaction, ...p.options } }));
    return ctx;
  };
  const anyDirective = opts.directives.file.size > 0 || opts.directives.byStatement.size > 0;
  const findings: { finding: Finding; order: number }[] = [];
  const run = (planned: PlannedRule, stmt: StatementFacts) => {
    const { rule, resolved, order } = planned;
    const { meta } = rule;
    const ignored = anyDirective && isIgnored(meta, stmt, opts.directives);
    if (ignored && !opts.suppressed) return;
    const ctx = ctxFor(planned);
    let violations: Violation[];
    try {
      violations = rule.check!(stmt, ctx);
    } catch (err) {
      if (ignored) return;
      // A rule bug must not hide the other findings of the file.
      const finding: Finding = {
        rule: 'internal-error',
        severity: 'info',
        ...spanOf(stmt),
        message: `Rule ${meta.id} failed on this statement: ${(err as Error).message}`,
        engine: 'builtin',
        statementIndex: stmt.stmt.index,
      };
      findings.push({ finding, order });
      return;
    }
    for (const v of violations) keep(planned, v, stmt, ctx, ignored);
  };
  const keep = (planned: PlannedRule, v: Violation, stmt: StatementFacts, ctx: RuleContext, ignored: boolean) => {
    const { rule, resolved, order } = planned;
    if (v.relation && skipsNewRelations(rule.meta) && ctx.file.isNewOrEmpty(v.relation, stmt.stmt.index)) return;
    const finding = toFinding(rule, v, stmt, resolved, ctx, opts.direction);
    if (ignored) opts.suppressed!.push(finding);
    else findings.push({ finding, order });
  };
  for (const stmt of facts) {
    const ast = stmt.stmt.ast;
    if (!ast) continue;
    for (const planned of plan.everywhere) run(planned, stmt);
    const tagged = plan.byTag.get(tagOf(ast)!);
    if (tagged) for (const planned of tagged) run(planned, stmt);
  }
  for (const planned of plan.files) {
    const ctx = ctxFor(planned);
    let violations: FileViolation[];
    try {
      violations = planned.rule.checkFile!(ctx);
    } catch (err) {
      const first = facts[0];
      findings.push({
        finding: {
          rule: 'internal-error',
          severity: 'info',
          ...(first ? spanOf(first) : { line: 1, column: 1, endLine: 1, endColumn: 1 }),
          message: `Rule ${planned.rule.meta.id} failed on this file: ${(err as Error).message}`,
          engine: 'builtin',
        },
        order: planned.order,
      });
      continue;
    }
    for (const v of violations) {
      const stmt = ctx.file.statement(v.statementIndex);
      if (!stmt) continue;
      const ignored = anyDirective && isIgnored(planned.rule.meta, stmt, opts.directives);
      if (ignored && !opts.suppressed) continue;
      keep(planned, v, stmt, ctx, ignored);
    }
  }
  if (findings.length < 2) return findings.map((f) => f.finding);
  return findings
    .sort(
      (a, b) =>
        (a.finding.statementIndex ?? 0) - (b.finding.statementIndex ?? 0) ||
        a.finding.line - b.finding.line ||
        a.order - b.order ||
        a.finding.column - b.finding.column,
    )
    .map((f) => f.finding);
}

function spanOf(stmt: StatementFacts) {
  const { line, column, endLine, endColumn } = stmt.stmt.span;
  return { line, column, endLine, endColumn };
}

function toFinding(
  rule: Rule,
  v: Violation,
  stmt: StatementFacts,
  resolved: { severity: Severity; configured: boolean },
  ctx: RuleContext,
  direction: Direction,
): Finding {
  const { meta } = rule;
  let severity: Severity = resolved.configured ? resolved.severity : (v.severity ?? resolved.severity);
  if (meta.escalateOnLargeTables && severity === 'warning' && v.relation && ctx.largeTables.has(v.relation)) {
    severity = 'error';
  }
  if (direction === 'down' && demotesOnDown(meta)) severity = 'info';
  const template = meta.messages[v.messageId] ?? v.messageId;
  const finding: Finding = {
    rule: meta.id,
    severity,
    category: meta.category,
    ...(v.span ?? spanOf(stmt)),
    message: formatMessage(template, v.data),
    help: meta.hazard,
    engine: 'builtin',
    statementIndex: stmt.stmt.index,
  };
  if (v.relation) finding.relation = v.relation;
  const lockMode = v.lockMode ?? (v.relation ? stmt.locks.find((l) => l.relation === v.relation)?.mode : undefined);
  if (lockMode) finding.lockMode = lockMode;
  if (v.fix) finding.fix = v.fix;
  return finding;
}

/** 'transaction' when the first real statement already runs in a transaction block without a BEGIN. */
function inferTransaction(facts: readonly StatementFacts[]): TransactionMode {
  for (const f of facts) {
    if (!f.stmt.ast) continue;
    if (tagOf(f.stmt.ast) === 'TransactionStmt') return 'none';
    return f.inTransaction ? 'transaction' : 'none';
  }
  return 'none';
}


export interface LintSqlOptions {
  path?: string;
  config?: DbarchConfig;
  transaction?: TransactionMode;
  pgVersion?: number;
  direction?: Direction;
  rules?: readonly Rule[];
  /** SQL the earlier migrations ran: the model knows its tables, keys and publications. */
  history?: string;
}

/**
 * Parse, model and lint one SQL text (the parser's notices included). Call `initParser()`
 * from src/sql once before. Used to check that a fix lints clean.
 */
export function lintSql(sql: string, opts: LintSqlOptions = {}): Finding[] {
  const config = opts.config ?? defaultConfig();
  const pgVersion = opts.pgVersion ?? config.pgVersion;
  const transaction = opts.transaction ?? (config.transaction === 'none' ? 'none' : 'transaction');
  const path = opts.path ?? 'input.sql';
  const parsed = parseSql(sql, { path, maxBytes: config.maxFileBytes, vars: config.vars });
  const catalog = opts.history ? catalogFromHistory([parseSql(opts.history, { path: 'history.sql', maxBytes: config.maxFileBytes })]) : undefined;
  const facts = buildFacts(parsed, { transaction, pgVersion, ...(catalog ? { catalog } : {}) });
  const findings = lintFacts(facts, {
    path,
    config,
    direction: opts.direction ?? 'up',
    directives: parsed.directives,
    pgVersion,
    transaction,
    ...(opts.rules ? { rules: opts.rules } : {}),
  });
  return [...parsed.notices, ...findings];
}
