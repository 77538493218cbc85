// Values of Ruby literals in a tree-sitter-ruby tree: what a migration passes to the DSL.
import type { Node } from 'web-tree-sitter';
import { dedent } from './base.js';
import type { LiteralOf } from './values.js';

export type RValue =
  | { kind: 'sym'; value: string }
  | { kind: 'str'; value: string; interpolated: boolean }
  | { kind: 'arr'; items: RValue[] }
  | { kind: 'hash'; pairs: Map<string, RValue> }
  | { kind: 'bool'; value: boolean }
  | { kind: 'nil' }
  | { kind: 'num'; value: string }
  | { kind: 'lambda'; body: RValue | undefined }
  | { kind: 'other'; text: string };

/** Ruby values as literals: a symbol reads as its name (Rails writes `:active` as `'active'`). */
export const rubyLiteral: LiteralOf<RValue> = (v) => {
  switch (v.kind) {
    case 'str':
      return v;
    case 'sym':
      return { kind: 'str', value: v.value, interpolated: false };
    case 'num':
    case 'bool':
      return v;
    case 'nil':
      return { kind: 'null' };
    case 'arr':
      return { kind: 'list', items: v.items };
    case 'hash':
      return { kind: 'map', entries: v.pairs };
    default:
      return undefined;
  }
};

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", s: ' ', '0': '\0', e: '\x1b' };

/** Heredoc bodies sit after their line, apart from the `<<~SQL` that names them: pair them in order. */
export class HeredocIndex {
  private readonly bodies = new Map<number, Node>();
  constructor(root: Node, source: string) {
    // Walking the whole tree twice is most of a small file's cost: only when there is a heredoc.
    if (!source.includes('<<')) return;
    const starts = root.descendantsOfType('heredoc_beginning').filter((n): n is Node => !!n);
    const bodies = root.descendantsOfType('heredoc_body').filter((n): n is Node => !!n);
    starts.forEach((s, i) => {
      const b = bodies[i];
      if (b) this.bodies.set(s.startIndex, b);
    });
  }
  body(start: Node): Node | undefined {
    return this.bodies.get(start.startIndex);
  }
  /** `NAME = "literal"` constants of the file, so `name: INDEX_NAME` is known. */
  readonly constants = new Map<string, Node>();
  /** Block variables bound while a literal `[...].each do |x|` loop is unrolled. */
  readonly locals = new Map<string, RValue>();
  collectConstants(root: Node, source: string): void {
    if (!/^\s*[A-Z]\w*\s*=/m.test(source)) return;
    for (const a of root.descendantsOfType('assignment')) {
      const left = a?.childForFieldName('left');
      const right = a?.childForFieldName('right');
      if (left?.type === 'constant' && right && !this.constants.has(left.text)) this.constants.set(left.text, right);
    }
  }
}

function stringParts(node: Node, heredocs: HeredocIndex): { value: string; interpolated: boolean } {
  let value = '';
  let interpolated = false;
  const target = node.type === 'heredoc_beginning' ? heredocs.body(node) : node;
  if (!target) return { value: '', interpolated: true };
  const squiggly = node.type === 'heredoc_beginning' && node.text.startsWith('<<~');
  for (const child of target.namedChildren) {
    if (!child) continue;
    if (child.type === 'string_content' || child.type === 'heredoc_content') value += child.text;
    else if (child.type === 'escape_sequence') value += ESCAPES[child.text.slice(1)] ?? child.text.slice(1);
    else if (child.type === 'interpolation') {
      interpolated = true;
      value += child.text;
    }
  }
  if (squiggly) value = dedent(value);
  return { value, interpolated };
}

export function rubyValue(node: Node | null | undefined, heredocs: HeredocIndex): RValue {
  if (!node) return { kind: 'nil' };
  switch (node.type) {
    case 'simple_symbol':
      return { kind: 'sym', value: node.text.slice(1) };
    case 'hash_key_symbol':
      return { kind: 'sym', value: node.text };
    case 'delimited_symbol': {
      const s = stringParts(node, heredocs);
      return { kind: 'sym', value: s.value };
    }
    case 'bare_symbol':
      return { kind: 'sym', value: node.text };
    case 'bare_string':
      return { kind: 'str', value: node.text, interpolated: false };
    case 'string':
    case 'heredoc_beginning':
      return { kind: 'str', ...stringParts(node, heredocs) };
    case 'chained_string': {
      let value = '';
      let interpolated = false;
      for (const part of node.namedChildren) {
        if (!part) continue;
        const s = stringParts(part, heredocs);
        value += s.value;
        interpolated ||= s.interpolated;
      }
      return { kind: 'str', value, interpolated };
    }
    case 'array':
    case 'symbol_array':
    case 'string_array':
      return { kind: 'arr', items: node.namedChildren.filter((n): n is Node => !!n).map((n) => rubyValue(n, heredocs)) };
    case 'hash': {
      const pairs = new Map<string, RValue>();
      for (const p of node.namedChildren) if (p?.type === 'pair') addPair(pairs, p, heredocs);
      return { kind: 'hash', pairs };
    }
    case 'identifier': {
      const bound = heredocs.locals.get(node.text);
      return bound ?? { kind: 'other', text: node.text };
    }
    case 'constant': {
      const def = heredocs.constants.get(node.text);
      return def && def.type !== 'constant' ? rubyValue(def, heredocs) : { kind: 'other', text: node.text };
    }
    case 'true':
      return { kind: 'bool', value: true };
    case 'false':
      return { kind: 'bool', value: false };
    case 'nil':
      return { kind: 'nil' };
    case 'integer':
    case 'float':
      return { kind: 'num', value: node.text.replace(/_/g, '') };
    case 'unary':
      if (/^-\s*\d/.test(node.text)) return { kind: 'num', value: node.text.replace(/[\s_]/g, '') };
      return { kind: 'other', text: node.text };
    case 'parenthesized_statements': {
      const only = node.namedChildren.filter((n) => !!n);
      return only.length === 1 ? rubyValue(only[0], heredocs) : { kind: 'other', text: node.text };
    }
    case 'lambda': {
      const body = node.childForFieldName('body');
      const stmts = body?.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment') ?? [];
      const inner = stmts.length === 1 && stmts[0]!.type === 'block_body' ? stmts[0]!.namedChildren.filter((n) => !!n) : stmts;
      return { kind: 'lambda', body: inner.length === 1 ? rubyValue(inner[0], heredocs) : undefined };
    }
    default:
      return { kind: 'other', text: node.text };
  }
}

function addPair(pairs: Map<string, RValue>, p: Node, heredocs: HeredocIndex): void {
  const key = rubyValue(p.childForFieldName('key'), heredocs);
  if (key.kind === 'sym' || key.kind === 'str') pairs.set(key.value, rubyValue(p.childForFieldName('value'), heredocs));
}

export interface CallArgs {
  positional: RValue[];
  /** Positional argument nodes, for spans. */
  nodes: Node[];
  options: Map<string, RValue>;
  /** Option source text, for fixes. */
  optionText: Map<string, string>;
  /** `*args` / `**opts` / `&block`: arguments whose value is unknown. */
  splat: boolean;
}

export function callArgs(call: Node, heredocs: HeredocIndex): CallArgs {
  const out: CallArgs = { positional: [], nodes: [], options: new Map(), optionText: new Map(), splat: false };
  const list = call.childForFieldName('arguments');
  if (!list) return out;
  for (const a of list.namedChildren) {
    if (!a || a.type === 'comment') continue;
    if (a.type === 'pair') {
      addPair(out.options, a, heredocs);
      const key = rubyValue(a.childForFieldName('key'), heredocs);
      if (key.kind === 'sym' || key.kind === 'str') out.optionText.set(key.value, a.childForFieldName('value')?.text ?? '');
    } else if (a.type === 'hash') {
      for (const p of a.namedChildren) if (p?.type === 'pair') addPair(out.options, p, heredocs);
    } else if (a.type === 'splat_argument' || a.type === 'hash_splat_argument' || a.type === 'block_argument') {
      out.splat = true;
    } else {
      out.positional.push(rubyValue(a, heredocs));
      out.nodes.push(a);
    }
  }
  return out;
}

/** A symbol or plain string's text. */
export function nameOf(v: RValue | undefined): string | undefined {
  if (!v) return undefined;
  if (v.kind === 'sym') return v.value;
  if (v.kind === 'str' && !v.interpolated) return v.value;
  return undefined;
}

export function namesOf(v: RValue | undefined): string[] | undefined {
  if (!v) return undefined;
  if (v.kind === 'arr') {
    const names = v.items.map(nameOf);
    return names.every((n): n is string => n !== undefined) ? names : undefined;
  }
  const one = nameOf(v);
  return one === undefined ? undefined : [one];
}

export function truthy(v: RValue | undefined): boolean {
  if (!v) return false;
  if (v.kind === 'nil') return false;
  if (v.kind === 'bool') return v.value;
  return true;
}
