// Does ALTER COLUMN … TYPE rewrite the table? PostgreSQL skips the rewrite when the
// old type is binary-coercible to the new one and the new typmod does not shrink
// (varchar(n)→varchar(m≥n)/text, numeric(p,s)→numeric(p'≥p,s), …).
import { typeBase } from './names.js';

interface ParsedType {
  base: string;
  mods: number[];
  array: number;
}

function parseType(t: string): ParsedType {
  const array = (t.match(/\[\]/g) ?? []).length;
  const bare = t.replace(/\[\]/g, '');
  const m = /\(([^)]*)\)$/.exec(bare);
  const mods = m ? m[1]!.split(',').map((x) => Number(x.trim())) : [];
  return { base: ALIASES[typeBase(bare)] ?? typeBase(bare), mods, array };
}

const ALIASES: Record<string, string> = {
  'character varying': 'varchar',
  character: 'bpchar',
  char: 'bpchar',
  int: 'int4',
  integer: 'int4',
  bigint: 'int8',
  smallint: 'int2',
  decimal: 'numeric',
  'double precision': 'float8',
  real: 'float4',
  boolean: 'bool',
  'bit varying': 'varbit',
};

const STRINGY = new Set(['varchar', 'text']);

/**
 * Whether changing a column from `from` (unknown when undefined) to `to` rewrites the table.
 * With the old type unknown we assume the common, safe migration: a widening of the same
 * family, so `text`, `varchar`, `varchar(n)`, `numeric` and `numeric(p,s)` targets count
 * as no-rewrite (documented assumption); every other target rewrites. A USING clause
 * always counts as a rewrite.
 */
export function typeChangeRewrites(from: string | undefined, to: string, hasUsing: boolean): boolean {
  if (hasUsing) return true;
  const t = parseType(to);
  if (from === undefined) {
    if (t.array > 0) return true;
    return !(STRINGY.has(t.base) || t.base === 'numeric');
  }
  const f = parseType(from);
  if (f.array !== t.array) return true;
  if (f.base === t.base && f.mods.join(',') === t.mods.join(',')) return false;
  // varchar/text family: widening or dropping the limit is binary-coercible
  if (STRINGY.has(f.base) && STRINGY.has(t.base)) {
    if (t.base === 'text' || t.mods.length === 0) return false;
    if (f.base === 'varchar' && f.mods.length === 1) return t.mods[0]! < f.mods[0]!;
    return true; // text / unlimited varchar → varchar(n) must check every value
  }
  if (STRINGY.has(f.base) && t.base === 'citext') return false;
  if (f.base === 'numeric' && t.base === 'numeric') {
    if (t.mods.length === 0) return false;
    if (f.mods.length === 0) return true;
    const [fp, fs = 0] = f.mods;
    const [tp, ts = 0] = t.mods;
    return !(ts === fs && tp! >= fp!);
  }
  if ((f.base === 'varbit' || f.base === 'bit') && t.base === 'varbit') {
    if (t.mods.length === 0) return false;
    return f.mods.length === 0 || t.mods[0]! < f.mods[0]!;
  }
  if (f.base === 'cidr' && t.base === 'inet') return false;
  if (f.base === t.base && ['timestamp', 'timestamptz', 'time', 'timetz', 'interval'].includes(f.base)) {
    // precision increase keeps the stored values
    if (t.mods.length === 0) return false;
    return f.mods.length === 0 || t.mods[0]! < f.mods[0]!;
  }
  return true;
}
