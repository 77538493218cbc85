// Values of Python literals in a tree-sitter-python tree: what a Django or Alembic migration
// passes to its operations.
import type { Node } from 'web-tree-sitter';
import { dedent } from './base.js';
import type { LiteralOf } from './values.js';

export type PyValue =
  | { kind: 'str'; value: string; interpolated: boolean }
  | { kind: 'num'; value: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'none' }
  | { kind: 'list'; items: PyValue[] }
  | { kind: 'dict'; pairs: Map<string, PyValue> }
  | { kind: 'call'; name: string; args: PyArgs; node: Node }
  | { kind: 'name'; name: string; node: Node }
  | { kind: 'other'; text: string; node: Node };

/** Python values as literals. */
export const pyLiteral: LiteralOf<PyValue> = (v) => {
  switch (v.kind) {
    case 'str':
    case 'num':
    case 'bool':
      return v;
    case 'none':
      return { kind: 'null' };
    case 'list':
      return { kind: 'list', items: v.items };
    case 'dict':
      return { kind: 'map', entries: v.pairs };
    default:
      return undefined;
  }
};

export interface PyArgs {
  positional: PyValue[];
  keywords: Map<string, PyValue>;
  /** Keyword arguments as source text, for fixes. */
  keywordText: Map<string, string>;
  keywordNodes: Map<string, Node>;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", '0': '\0' };

/** Evaluates literals; module-level `NAME = literal` constants are resolved through `constants`. */
export class PyEvaluator {
  readonly constants = new Map<string, Node>();

  collectConstants(root: Node): void {
    for (const stmt of root.namedChildren) {
      const a = stmt?.type === 'expression_statement' ? stmt.namedChildren[0] : undefined;
      if (a?.type !== 'assignment') continue;
      const left = a.childForFieldName('left');
      const right = a.childForFieldName('right');
      if (left?.type === 'identifier' && right && !this.constants.has(left.text)) this.constants.set(left.text, right);
    }
  }

  args(call: Node): PyArgs {
    const out: PyArgs = { positional: [], keywords: new Map(), keywordText: new Map(), keywordNodes: new Map() };
    const list = call.childForFieldName('arguments');
    for (const a of list?.namedChildren ?? []) {
      if (!a || a.type === 'comment') continue;
      if (a.type === 'keyword_argument') {
        const key = a.childForFieldName('name')?.text;
        const value = a.childForFieldName('value');
        if (key && value) {
          out.keywords.set(key, this.value(value));
          out.keywordText.set(key, value.text);
          out.keywordNodes.set(key, value);
        }
      } else out.positional.push(this.value(a));
    }
    return out;
  }

  value(node: Node, depth = 0): PyValue {
    switch (node.type) {
      case 'string':
        return stringValue(node);
      case 'concatenated_string': {
        let value = '';
        let interpolated = false;
        for (const s of node.namedChildren) {
          if (s?.type !== 'string') continue;
          const v = stringValue(s);
          value += v.value;
          interpolated ||= v.interpolated;
        }
        return { kind: 'str', value, interpolated };
      }
      case 'integer':
      case 'float':
        return { kind: 'num', value: node.text.replace(/_/g, '') };
      case 'unary_operator':
        return /^-\s*\d/.test(node.text) ? { kind: 'num', value: node.text.replace(/\s|_/g, '') } : { kind: 'other', text: node.text, node };
      case 'true':
      case 'false':
        return { kind: 'bool', value: node.type === 'true' };
      case 'none':
        return { kind: 'none' };
      case 'list':
      case 'tuple':
      case 'set':
        return { kind: 'list', items: node.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment').map((n) => this.value(n, depth)) };
      case 'parenthesized_expression': {
        const inner = node.namedChildren.find((n) => n && n.type !== 'comment');
        return inner ? this.value(inner, depth) : { kind: 'other', text: node.text, node };
      }
      case 'dictionary': {
        const pairs = new Map<string, PyValue>();
        for (const p of node.namedChildren) {
          if (p?.type !== 'pair') continue;
          const k = p.childForFieldName('key');
          const v = p.childForFieldName('value');
          const key = k ? this.value(k, depth) : undefined;
          if (key?.kind === 'str' && v) pairs.set(key.value, this.value(v, depth));
        }
        return { kind: 'dict', pairs };
      }
      case 'call':
        return { kind: 'call', name: node.childForFieldName('function')?.text.replace(/\s+/g, '') ?? '', args: this.args(node), node };
      case 'identifier': {
        const c = this.constants.get(node.text);
        if (c && depth < 4) return this.value(c, depth + 1);
        return { kind: 'name', name: node.text, node };
      }
      case 'attribute':
        return { kind: 'name', name: node.text.replace(/\s+/g, ''), node };
      default:
        return { kind: 'other', text: node.text, node };
    }
  }
}

function stringValue(node: Node): { kind: 'str'; value: string; interpolated: boolean } {
  const start = node.namedChildren.find((n) => n?.type === 'string_start')?.text ?? '"';
  const raw = /r/i.test(start.replace(/['"]/g, ''));
  let value = '';
  let interpolated = false;
  for (const c of node.namedChildren) {
    if (!c) continue;
    if (c.type === 'string_content') value += raw ? c.text : unescape(c.text);
    else if (c.type === 'escape_sequence') value += raw ? c.text : (ESCAPES[c.text.slice(1)] ?? c.text.slice(1));
    else if (c.type === 'interpolation') {
      interpolated = true;
      value += c.text;
    }
  }
  if (start.includes('"""') || start.includes("'''")) value = dedent(value);
  return { kind: 'str', value, interpolated };
}

function unescape(text: string): string {
  return text.replace(/\\(.)/g, (_m, c: string) => ESCAPES[c] ?? `\\${c}`);
}

/** The last dotted segment of a callee or name: `migrations.AddField` → `AddField`. */
export function lastName(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

export function str(v: PyValue | undefined): string | undefined {
  return v?.kind === 'str' && !v.interpolated ? v.value : undefined;
}

export function bool(v: PyValue | undefined): boolean | undefined {
  return v?.kind === 'bool' ? v.value : undefined;
}

export function num(v: PyValue | undefined): string | undefined {
  return v?.kind === 'num' ? v.value : undefined;
}
