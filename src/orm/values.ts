// The literals every DSL language has (strings, numbers, booleans, null, lists, maps). Each
// language says how its own values read as these; JSON and SQL literals are written here once.
import { literal } from './sqltext.js';

/** A language value seen as a literal; lists and maps hold the language's own values. */
export type LiteralView<V> =
  | { kind: 'str'; value: string; interpolated: boolean }
  | { kind: 'num'; value: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'null' }
  | { kind: 'list'; items: readonly V[] }
  | { kind: 'map'; entries: ReadonlyMap<string, V> };

/** How a language's value reads as a literal; undefined for code (a call, a name, a lambda). */
export type LiteralOf<V> = (v: V) => LiteralView<V> | undefined;

/** The value as JSON (json/jsonb defaults); undefined when any part of it is not a literal. */
export function toJson<V>(v: V, view: LiteralOf<V>): string | undefined {
  const conv = (x: V): unknown => {
    const l = view(x);
    switch (l?.kind) {
      case 'str':
        if (l.interpolated) throw new NotLiteral();
        return l.value;
      case 'num':
        return Number(l.value);
      case 'bool':
        return l.value;
      case 'null':
        return null;
      case 'list':
        return l.items.map(conv);
      case 'map':
        return Object.fromEntries([...l.entries].map(([k, val]) => [k, conv(val)]));
      default:
        throw new NotLiteral();
    }
  };
  try {
    return JSON.stringify(conv(v));
  } catch (err) {
    if (err instanceof NotLiteral) return undefined;
    throw err;
  }
}

/** A scalar as a SQL literal (`'text'`, `42`, `true`, `NULL`); undefined for lists, maps and code. */
export function toSqlLiteral<V>(v: V | undefined, view: LiteralOf<V>): string | undefined {
  const l = v === undefined ? undefined : view(v);
  switch (l?.kind) {
    case 'str':
      return l.interpolated ? undefined : literal(l.value);
    case 'num':
      return l.value;
    case 'bool':
      return l.value ? 'true' : 'false';
    case 'null':
      return 'NULL';
    default:
      return undefined;
  }
}

class NotLiteral extends Error {}
