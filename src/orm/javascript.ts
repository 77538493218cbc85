// What the Knex and Sequelize translators share: the JavaScript/TypeScript syntax tree of a
// migration module read as values (literals, file constants, call chains) and its up/down
// functions found in every export style (CommonJS, ESM, umzug's `{ context }`).
import type { Node } from 'web-tree-sitter';
import type { Direction } from '../types.js';
import { shorten, TranslatorBase } from './base.js';
import type { ModelState } from './model.js';
import { literal } from './sqltext.js';
import { toJson, toSqlLiteral, type LiteralOf } from './values.js';

export type JsValue =
  | { kind: 'str'; value: string; interpolated: boolean; node: Node }
  | { kind: 'num'; value: string; node: Node }
  | { kind: 'bool'; value: boolean; node: Node }
  | { kind: 'null'; node: Node }
  | { kind: 'array'; items: JsValue[]; node: Node }
  | { kind: 'object'; props: Map<string, JsValue>; node: Node }
  /** `Sequelize.STRING`, `DataTypes.NOW`, an identifier not bound to a constant. */
  | { kind: 'ref'; path: string; node: Node }
  /** `Sequelize.STRING(20)`, `knex.raw('now()')`, `knex.fn.now()`. */
  | { kind: 'call'; callee: string; args: JsValue[]; node: Node }
  | { kind: 'fn'; node: Node }
  | { kind: 'other'; node: Node };

/** One link of `a.b(1).c(2)`: a property read or a call. */
export interface ChainLink {
  name: string;
  /** Present for calls. */
  args?: Node[];
  /** The call (or member) expression ending at this link. */
  node: Node;
}

export interface MigrationFn {
  direction: Direction;
  fn: Node;
  /** Parameter names in order (a destructured `{ context: qi }` gives `qi`). */
  params: (string | undefined)[];
}

export interface JsCtx {
  direction: Direction;
}

const WRAPPERS = new Set(['await_expression', 'parenthesized_expression', 'as_expression', 'non_null_expression', 'satisfies_expression', 'type_assertion']);

/** The expression under `await`, parentheses and TypeScript casts. */
export function unwrap(node: Node): Node {
  let n = node;
  while (WRAPPERS.has(n.type)) {
    const inner = n.type === 'type_assertion' ? n.namedChildren.at(-1) : n.namedChildren[0];
    if (!inner) break;
    n = inner;
  }
  return n;
}

/** `a.b(1).c` as links from the root identifier; undefined when the root is not an identifier or `this`. */
export function flattenChain(node: Node): { root: string; links: ChainLink[] } | undefined {
  const links: ChainLink[] = [];
  let n = unwrap(node);
  for (;;) {
    if (n.type === 'call_expression') {
      const fn = n.childForFieldName('function');
      const args = n.childForFieldName('arguments');
      if (!fn || fn.type !== 'member_expression' || args?.type !== 'arguments') {
        if (fn && (fn.type === 'identifier' || fn.type === 'this') && args) {
          links.unshift({ name: fn.text, args: args.namedChildren.filter((a): a is Node => !!a && a.type !== 'comment'), node: n });
          return { root: '', links };
        }
        return undefined;
      }
      const prop = fn.childForFieldName('property')?.text ?? '';
      links.unshift({ name: prop, args: args.namedChildren.filter((a): a is Node => !!a && a.type !== 'comment'), node: n });
      n = unwrap(fn.childForFieldName('object')!);
    } else if (n.type === 'member_expression') {
      links.unshift({ name: n.childForFieldName('property')?.text ?? '', node: n });
      n = unwrap(n.childForFieldName('object')!);
    } else if (n.type === 'identifier' || n.type === 'this') {
      return { root: n.text, links };
    } else return undefined;
  }
}

/** Values of the module: literals, top-level constants, call chains. */
export class JsValues {
  private readonly consts = new Map<string, Node>();

  constructor(root: Node) {
    for (const stmt of root.namedChildren) {
      const decl = stmt?.type === 'export_statement' ? stmt.childForFieldName('declaration') : stmt;
      if (!decl || (decl.type !== 'lexical_declaration' && decl.type !== 'variable_declaration')) continue;
      for (const d of decl.namedChildren) {
        if (d?.type !== 'variable_declarator') continue;
        const name = d.childForFieldName('name');
        const value = d.childForFieldName('value');
        if (name?.type === 'identifier' && value) this.consts.set(name.text, value);
      }
    }
  }

  constNode(name: string): Node | undefined {
    return this.consts.get(name);
  }

  value(node: Node | undefined | null, depth = 0): JsValue | undefined {
    if (!node) return undefined;
    const n = unwrap(node);
    switch (n.type) {
      case 'string': {
        let value = '';
        for (const c of n.namedChildren) {
          if (!c) continue;
          if (c.type === 'escape_sequence') value += unescape(c.text);
          else value += c.text;
        }
        return { kind: 'str', value, interpolated: false, node: n };
      }
      case 'template_string': {
        let value = '';
        let interpolated = false;
        // Fragments are not all named: read the text between substitutions.
        let at = n.startIndex + 1;
        const flush = (to: number) => {
          value += templateText(n.text.slice(at - n.startIndex, to - n.startIndex));
        };
        for (const c of n.namedChildren) {
          if (c?.type !== 'template_substitution') continue;
          flush(c.startIndex);
          const inner = this.value(c.namedChildren[0], depth + 1);
          if (inner && (inner.kind === 'str' || inner.kind === 'num') && !(inner.kind === 'str' && inner.interpolated)) value += inner.value;
          else {
            interpolated = true;
            value += c.text;
          }
          at = c.endIndex;
        }
        flush(n.endIndex - 1);
        return { kind: 'str', value, interpolated, node: n };
      }
      case 'number':
        return { kind: 'num', value: n.text.replace(/_/g, ''), node: n };
      case 'true':
      case 'false':
        return { kind: 'bool', value: n.type === 'true', node: n };
      case 'null':
      case 'undefined':
        return { kind: 'null', node: n };
      case 'unary_expression': {
        const arg = this.value(n.childForFieldName('argument'), depth + 1);
        const op = n.child(0)?.text;
        if (op === '-' && arg?.kind === 'num') return { kind: 'num', value: `-${arg.value}`, node: n };
        if (op === '!' && arg?.kind === 'num') return { kind: 'bool', value: arg.value === '0', node: n };
        return { kind: 'other', node: n };
      }
      case 'binary_expression': {
        // 'a' + 'b' string concatenation
        const l = this.value(n.childForFieldName('left'), depth + 1);
        const r = this.value(n.childForFieldName('right'), depth + 1);
        if (n.child(1)?.text === '+' && l && r && (l.kind === 'str' || l.kind === 'num') && (r.kind === 'str' || r.kind === 'num') && (l.kind === 'str' || r.kind === 'str')) {
          return { kind: 'str', value: l.value + r.value, interpolated: (l.kind === 'str' && l.interpolated) || (r.kind === 'str' && r.interpolated), node: n };
        }
        return { kind: 'other', node: n };
      }
      case 'array':
        return { kind: 'array', items: n.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment').map((c) => this.value(c, depth + 1) ?? { kind: 'other', node: c }), node: n };
      case 'object': {
        const props = new Map<string, JsValue>();
        for (const p of n.namedChildren) {
          if (!p) continue;
          if (p.type === 'pair') {
            const key = propertyKey(p.childForFieldName('key'));
            const v = this.value(p.childForFieldName('value'), depth + 1);
            if (key !== undefined && v) props.set(key, v);
          } else if (p.type === 'shorthand_property_identifier') {
            const v = this.value(p, depth + 1);
            if (v) props.set(p.text, v);
          }
        }
        return { kind: 'object', props, node: n };
      }
      case 'identifier':
      case 'shorthand_property_identifier': {
        const c = this.consts.get(n.text);
        if (c && depth < 8) {
          const v = this.value(c, depth + 1);
          if (v && v.kind !== 'fn' && v.kind !== 'other') return v;
        }
        return { kind: 'ref', path: n.text, node: n };
      }
      case 'member_expression': {
        const chain = flattenChain(n);
        if (chain && chain.links.every((l) => !l.args)) return { kind: 'ref', path: [chain.root, ...chain.links.map((l) => l.name)].filter(Boolean).join('.'), node: n };
        return { kind: 'other', node: n };
      }
      case 'call_expression': {
        const fn = n.childForFieldName('function');
        const args = n.childForFieldName('arguments');
        const callee = fn ? this.value(fn, depth + 1) : undefined;
        if (callee?.kind !== 'ref' || args?.type !== 'arguments') return { kind: 'other', node: n };
        return { kind: 'call', callee: callee.path, args: args.namedChildren.filter((a): a is Node => !!a && a.type !== 'comment').map((a) => this.value(a, depth + 1) ?? { kind: 'other', node: a }), node: n };
      }
      case 'arrow_function':
      case 'function_expression':
      case 'function':
        return { kind: 'fn', node: n };
      default:
        return { kind: 'other', node: n };
    }
  }

  /** A string known statically (a literal, a constant, a template of constants). */
  str(node: Node | undefined | null): string | undefined {
    const v = this.value(node);
    if (v?.kind === 'str' && !v.interpolated) return v.value;
    return undefined;
  }
}

export function propertyKey(key: Node | null | undefined): string | undefined {
  if (!key) return undefined;
  if (key.type === 'property_identifier' || key.type === 'identifier' || key.type === 'number') return key.text;
  if (key.type === 'string') return key.namedChildren.map((c) => c?.text ?? '').join('');
  // Sequelize operators: { [Op.ne]: null }
  if (key.type === 'computed_property_name') return `[${key.namedChildren[0]?.text ?? ''}]`;
  return undefined;
}

function unescape(seq: string): string {
  const c = seq.slice(1);
  const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', b: '\b', f: '\f', v: '\v' };
  if (simple[c] !== undefined) return simple[c]!;
  if (/^u\{?[0-9a-fA-F]+\}?$/.test(c)) return String.fromCodePoint(parseInt(c.replace(/[u{}]/g, ''), 16));
  if (/^x[0-9a-fA-F]{2}$/.test(c)) return String.fromCharCode(parseInt(c.slice(1), 16));
  if (c.startsWith('\n') || c.startsWith('\r')) return '';
  return c;
}

/** Template literal text with its escapes resolved. */
function templateText(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== '\\') {
      out += raw[i];
      continue;
    }
    const next = raw[i + 1] ?? '';
    if (next === 'u' || next === 'x') {
      const m = /^\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2})/.exec(raw.slice(i));
      if (m) {
        out += unescape(m[0]);
        i += m[0].length - 1;
        continue;
      }
    }
    out += unescape(`\\${next}`);
    i++;
  }
  return out;
}

function paramNames(fn: Node): (string | undefined)[] {
  const params = fn.childForFieldName('parameters') ?? fn.childForFieldName('parameter');
  if (!params) return [];
  if (params.type === 'identifier') return [params.text];
  return params.namedChildren
    .filter((p): p is Node => !!p && p.type !== 'comment')
    .map((p) => {
      const pat = p.type === 'required_parameter' || p.type === 'optional_parameter' ? p.childForFieldName('pattern') : p;
      if (!pat) return undefined;
      if (pat.type === 'identifier') return pat.text;
      if (pat.type === 'assignment_pattern') return pat.childForFieldName('left')?.text;
      if (pat.type === 'object_pattern') {
        // umzug: async ({ context: queryInterface }) => …
        for (const e of pat.namedChildren) {
          if (e?.type === 'pair_pattern' && propertyKey(e.childForFieldName('key')) === 'context') return e.childForFieldName('value')?.text;
          if (e?.type === 'shorthand_property_identifier_pattern' && e.text === 'context') return 'context';
        }
      }
      return undefined;
    });
}

const FUNCTION_TYPES = new Set(['arrow_function', 'function_expression', 'function', 'function_declaration', 'method_definition', 'generator_function_declaration']);

/**
 * The module's `up`/`down` functions: `exports.up = …`, `module.exports = { up, down }`,
 * `export async function up`, `export const up = …`, `export default { … }`; and whether it
 * exports `config = { transaction: false }` (Knex).
 */
export function migrationFunctions(root: Node, values: JsValues): { fns: MigrationFn[]; noTransaction: boolean; configNode?: Node } {
  const fns: MigrationFn[] = [];
  const declared = new Map<string, Node>();
  let noTransaction = false;
  let configNode: Node | undefined;
  const add = (name: string, node: Node | null | undefined) => {
    if (name !== 'up' && name !== 'down') return;
    let fn = node ? unwrap(node) : undefined;
    if (fn?.type === 'identifier') fn = declared.get(fn.text) ?? values.constNode(fn.text);
    if (!fn || !FUNCTION_TYPES.has(fn.type)) return;
    fns.push({ direction: name === 'down' ? 'down' : 'up', fn, params: paramNames(fn) });
  };
  const config = (value: Node | null | undefined, at: Node) => {
    const v = value ? values.value(value) : undefined;
    const tx = v?.kind === 'object' ? v.props.get('transaction') : undefined;
    if (tx?.kind === 'bool' && !tx.value) {
      noTransaction = true;
      configNode = at;
    }
  };
  const fromObject = (obj: Node) => {
    for (const p of obj.namedChildren) {
      if (!p) continue;
      if (p.type === 'pair') {
        const key = propertyKey(p.childForFieldName('key'));
        if (key === 'config') config(p.childForFieldName('value'), p);
        else if (key) add(key, p.childForFieldName('value'));
      } else if (p.type === 'method_definition') add(p.childForFieldName('name')?.text ?? '', p);
      else if (p.type === 'shorthand_property_identifier') add(p.text, p);
    }
  };
  // Declarations first: `module.exports = { up, down }` may name functions declared below it.
  for (const stmt of root.namedChildren) {
    const decl = stmt?.type === 'export_statement' ? stmt.childForFieldName('declaration') : stmt;
    if (decl?.type === 'function_declaration' || decl?.type === 'generator_function_declaration') {
      const name = decl.childForFieldName('name')?.text;
      if (name) declared.set(name, decl);
    }
  }
  for (const stmt of root.namedChildren) {
    if (!stmt) continue;
    const exported = stmt.type === 'export_statement';
    const decl = exported ? stmt.childForFieldName('declaration') : stmt;
    if (exported && !decl) {
      // export default { up, down } / export { up, down }
      const value = stmt.childForFieldName('value') ?? stmt.namedChildren.find((c) => c?.type === 'object');
      if (value && unwrap(value).type === 'object') fromObject(unwrap(value));
      continue;
    }
    if (!decl) continue;
    if (decl.type === 'function_declaration' || decl.type === 'generator_function_declaration') {
      add(decl.childForFieldName('name')?.text ?? '', decl);
    } else if (decl.type === 'lexical_declaration' || decl.type === 'variable_declaration') {
      for (const d of decl.namedChildren) {
        if (d?.type !== 'variable_declarator') continue;
        const name = d.childForFieldName('name')?.text ?? '';
        if (exported && name === 'config') config(d.childForFieldName('value'), d);
        else if (exported) add(name, d.childForFieldName('value'));
      }
    } else if (decl.type === 'expression_statement') {
      const e = unwrap(decl.namedChildren[0]!);
      if (e.type !== 'assignment_expression') continue;
      const left = e.childForFieldName('left')?.text.replace(/\s+/g, '') ?? '';
      const right = e.childForFieldName('right');
      if (left === 'module.exports' && right && unwrap(right).type === 'object') fromObject(unwrap(right));
      const m = /^(?:module\.)?exports\.(\w+)$/.exec(left);
      if (m?.[1] === 'config') config(right, decl);
      else if (m) add(m[1]!, right);
    }
  }
  return { fns, noTransaction, ...(configNode ? { configNode } : {}) };
}

/** The statements of a function body (an expression body is one statement). */
export function bodyStatements(fn: Node): Node[] {
  const body = fn.childForFieldName('body');
  if (!body) return [];
  if (body.type === 'statement_block') return body.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
  return [body];
}

/**
 * Walks statements the way a migration's function runs them: `await`/`return` of an
 * expression, `if` (both branches, reported), `try` (its body), `Promise.all([...])`, `.then(fn)`.
 * `expression` handles one schema expression and returns false when it is not one it knows.
 */
export abstract class JsTranslator extends TranslatorBase {
  protected readonly values: JsValues;

  constructor(
    protected readonly root: Node,
    source: string,
    protected readonly state: ModelState,
    private readonly typescript: boolean,
  ) {
    super(source);
    this.values = new JsValues(root);
  }

  protected abstract expression(expr: Node, ctx: JsCtx): boolean;

  /** The module's migration functions; a module without one is reported. */
  protected migrationFunctions(): ReturnType<typeof migrationFunctions> {
    const found = migrationFunctions(this.root, this.values);
    if (found.fns.length === 0) this.notice(this.root, 'not analysed: no `up`/`down` migration function was found in this module');
    return found;
  }

  protected statements(stmts: Node[], ctx: JsCtx): void {
    for (const s of stmts) this.statement(s, ctx);
  }

  protected statement(s: Node, ctx: JsCtx): void {
    switch (s.type) {
      case 'comment':
      case 'empty_statement':
        return;
      case 'statement_block':
        return this.statements(s.namedChildren.filter((c): c is Node => !!c), ctx);
      case 'expression_statement':
      case 'return_statement': {
        const e = s.namedChildren.find((c) => c && c.type !== 'comment');
        if (e) this.expr(e, ctx);
        return;
      }
      case 'if_statement': {
        const cond = s.childForFieldName('condition');
        this.notice(s, `not analysed: the condition \`${shorten(cond?.text ?? '')}\` is known only at run time; the statements under it are reviewed as if it holds`);
        const then = s.childForFieldName('consequence');
        if (then) this.statement(then, ctx);
        const alt = s.childForFieldName('alternative');
        const altBody = alt?.namedChildren.find((c) => c && c.type !== 'comment');
        if (altBody) this.statement(altBody, ctx);
        return;
      }
      case 'else_clause': {
        const b = s.namedChildren.find((c) => c && c.type !== 'comment');
        if (b) this.statement(b, ctx);
        return;
      }
      case 'try_statement': {
        const body = s.childForFieldName('body');
        if (body) this.statement(body, ctx);
        // catch: rollback paths; finally: usually release.
        return;
      }
      case 'lexical_declaration':
      case 'variable_declaration': {
        for (const d of s.namedChildren) {
          if (d?.type !== 'variable_declarator') continue;
          const v = d.childForFieldName('value');
          if (v && !this.declaration(d, v, ctx)) this.expr(v, ctx, true);
        }
        return;
      }
      default:
        // An arrow function's expression body.
        if (s.type.endsWith('_expression') || s.type === 'array') return this.expr(s, ctx);
        this.notice(s, `not analysed: \`${shorten(s.text)}\` is ${this.language} code dbarch does not translate`);
    }
  }

  /** `const t = await queryInterface.sequelize.transaction()` and similar: true when handled. */
  protected declaration(_decl: Node, _value: Node, _ctx: JsCtx): boolean {
    return false;
  }

  protected get language(): string {
    return this.typescript ? 'TypeScript' : 'JavaScript';
  }

  /** One expression run for its effect; `quiet` for declarations whose value may be anything. */
  protected expr(e: Node, ctx: JsCtx, quiet = false): void {
    const n = unwrap(e);
    if (n.type === 'sequence_expression') {
      for (const c of n.namedChildren) if (c) this.expr(c, ctx, quiet);
      return;
    }
    if (n.type === 'array') {
      for (const c of n.namedChildren) if (c && c.type !== 'comment') this.expr(c, ctx, quiet);
      return;
    }
    if (n.type === 'arrow_function' || n.type === 'function_expression') return this.statements(bodyStatements(n), ctx);
    if (n.type === 'call_expression') {
      const chain = flattenChain(n);
      // Promise.all([...]) / Promise.resolve(x)
      if (chain?.root === 'Promise' && chain.links.length === 1 && chain.links[0]!.args) {
        for (const a of chain.links[0]!.args) this.expr(a, ctx, quiet);
        return;
      }
      // x.then(fn) / x.catch(fn) / x.finally(fn): x first, then the callbacks' bodies.
      const last = chain?.links.at(-1);
      if (last?.args && (last.name === 'then' || last.name === 'catch' || last.name === 'finally')) {
        const fn = n.childForFieldName('function')?.childForFieldName('object');
        if (fn) this.expr(fn, ctx, quiet);
        if (last.name === 'then' && last.args[0]) this.expr(last.args[0], ctx, quiet);
        return;
      }
      if (this.expression(n, ctx)) return;
    }
    if (quiet && n.type !== 'call_expression') return;
    this.notice(e, `not analysed: \`${shorten(e.text)}\` is ${this.language} code dbarch does not translate`);
  }
}

/** JavaScript values as literals. */
export const jsLiteral: LiteralOf<JsValue> = (v) => {
  switch (v.kind) {
    case 'str':
    case 'num':
    case 'bool':
      return v;
    case 'null':
      return { kind: 'null' };
    case 'array':
      return { kind: 'list', items: v.items };
    case 'object':
      return { kind: 'map', entries: v.props };
    default:
      return undefined;
  }
};

/** A literal as JSON (json/jsonb defaults); undefined when any part is not a literal. */
export const jsonOf = (v: JsValue): string | undefined => toJson(v, jsLiteral);

/** A scalar literal as SQL (bindings, replacements, where values). */
export const sqlScalar = (v: JsValue | undefined): string | undefined => toSqlLiteral(v, jsLiteral);
