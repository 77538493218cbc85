// createRule: the typed way to write a rule (after typescript-eslint's RuleCreator). One file
// per rule holds its metadata, message ids, options schema and checks; the compiler checks
// that every reported message id exists and that options are used as their schema says.
import type { z } from 'zod';
import type { StatementFacts } from '../types.js';
import type { FileViolation, NodeOf, NodeTag, Rule, RuleContext, RuleMeta, Violation } from './types.js';

/** The rule context with the rule's parsed options. */
export interface TypedContext<O> extends Omit<RuleContext, 'options'> {
  options: O;
}

export type TypedViolation<M extends string> = Violation<M>;
export type TypedFileViolation<M extends string> = FileViolation<M>;

/** Per-kind handlers: each gets the statement's node of that kind, already unwrapped. */
export type NodeHandlers<M extends string, O> = {
  [K in NodeTag]?: (node: NodeOf<K>, stmt: StatementFacts, ctx: TypedContext<O>) => TypedViolation<M>[];
};

export interface RuleDefinition<M extends string, S extends z.ZodType | undefined> {
  meta: Omit<RuleMeta, 'messages' | 'nodes'> & {
    messages: Record<M, string>;
    /** Statement kinds `check` runs on; with `on`, its keys are the kinds. */
    nodes?: NodeTag[];
  };
  /** Schema of `rules.<id>.options`; defaults belong in the schema. */
  options?: S;
  /** Dispatch by statement kind: the engine only calls a handler on its kind. */
  on?: NodeHandlers<NoInfer<M>, OptionsOf<S>>;
  /** Per statement (of `meta.nodes` kinds, or all). */
  check?(stmt: StatementFacts, ctx: TypedContext<OptionsOf<S>>): TypedViolation<NoInfer<M>>[];
  /** Once per file: for hazards only the whole file shows (reads `ctx.file`). */
  checkFile?(ctx: TypedContext<OptionsOf<S>>): TypedFileViolation<NoInfer<M>>[];
}

type OptionsOf<S> = S extends z.ZodType ? z.output<S> : Record<string, never>;

export function createRule<const M extends string, S extends z.ZodType | undefined = undefined>(
  def: RuleDefinition<M, S>,
): Rule {
  const { on, check, checkFile } = def;
  const handlerKinds = on ? (Object.keys(on) as NodeTag[]) : undefined;
  if (on && check) throw new Error(`rule ${def.meta.id}: use either on or check`);
  const nodes = handlerKinds ?? def.meta.nodes;
  const meta: RuleMeta = { ...def.meta, messages: def.meta.messages, ...(nodes ? { nodes } : {}) };
  const typed = (ctx: RuleContext) => ctx as unknown as TypedContext<OptionsOf<S>>;
  const rule: Rule = { meta };
  if (def.options) rule.optionsSchema = def.options;
  if (on) {
    rule.check = (stmt, ctx) => {
      const ast = stmt.stmt.ast as Record<string, unknown> | undefined;
      if (!ast) return [];
      for (const kind in ast) {
        const handler = on[kind as NodeTag] as
          | ((node: unknown, stmt: StatementFacts, ctx: TypedContext<OptionsOf<S>>) => Violation[])
          | undefined;
        return handler ? handler(ast[kind], stmt, typed(ctx)) : [];
      }
      return [];
    };
  } else if (check) {
    rule.check = (stmt, ctx) => check(stmt, typed(ctx));
  }
  if (checkFile) rule.checkFile = (ctx): FileViolation[] => checkFile(typed(ctx));
  return rule;
}
