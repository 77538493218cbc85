// Does ALTER COLUMN … TYPE rewrite the table? PostgreSQL skips the rewrite when the
// old type is binary-coercible to the new one and the new typmod does not shrink
// (varchar(n)→varchar(m≥n)/text, numeric(p,s)→numeric(p'≥p,s), …), and since PostgreSQL
// 12 for timestamp ↔ timestamptz under a UTC session (ATColumnChangeRequiresRewrite).
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
  'timestamp with time zone': 'timestamptz',
  'timestamp without time zone': 'timestamp',
  'time with time zone': 'timetz',
  'time without time zone': 'time',
};

const STRINGY = new Set(['varchar', 'text']);
const TIMESTAMPS = new Set(['timestamp', 'timestamptz']);

/** Fractional-second precision: 6 is the maximum, so (6) and no limit keep every value. */
function precisionDrops(from: number[], to: number[]): boolean {
  if (to.length === 0 || to[0]! >= 6) return false;
  return from.length === 0 || to[0]! < from[0]!;
}

/** timestamp → timestamptz or back. */
export function isTimestampZoneChange(from: string, to: string): boolean {
  const f = parseType(from);
  const t = parseType(to);
  return f.array === t.array && TIMESTAMPS.has(f.base) && TIMESTAMPS.has(t.base) && f.base !== t.base;
}

export interface TypeChangeContext {
  pgVersion: number;
  /**
   * The session time zone the migration runs under; undefined means the server default,
   * assumed UTC (the default of managed PostgreSQL services).
   */
  timeZone?: string;
}

/** Zones PostgreSQL treats as a fixed zero offset (pg_get_timezone_offset = 0). */
function isUtc(zone: string | undefined): boolean {
  if (zone === undefined) return true;
  const z = zone.trim().toLowerCase();
  return ['utc', 'gmt', 'uct', 'zulu', 'etc/utc', 'etc/gmt', 'etc/uct', 'etc/zulu', 'etc/universal', 'universal', 'greenwich', 'etc/greenwich', 'gmt0', 'etc/gmt0', 'etc/gmt+0', 'etc/gmt-0', '0', '+0', '-0', '+00', '00', '+00:00', '-00:00', '00:00', 'z'].includes(z);
}

/**
 * Whether changing a column from `from` to `to` rewrites the table. PostgreSQL skips the
 * rewrite only when the old type is binary-coercible to the new one and no value can
 * change; an unknown old type (`from` undefined) cannot be proven so and counts as a
 * rewrite, as does a USING clause that transforms the value.
 */
export function typeChangeRewrites(from: string | undefined, to: string, hasUsing: boolean, ctx: TypeChangeContext = { pgVersion: 18 }): boolean {
  if (hasUsing) return true;
  if (from === undefined) return true;
  const t = parseType(to);
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
  if (f.base === 'xml' && STRINGY.has(t.base) && t.mods.length === 0) return false;
  // timestamp ↔ timestamptz keeps the stored values when the session zone is UTC (PG 12+)
  if (TIMESTAMPS.has(f.base) && TIMESTAMPS.has(t.base) && f.base !== t.base) {
    if (ctx.pgVersion < 12 || !isUtc(ctx.timeZone)) return true;
    return precisionDrops(f.mods, t.mods);
  }
  if (f.base === t.base && ['timestamp', 'timestamptz', 'time', 'timetz', 'interval'].includes(f.base)) return precisionDrops(f.mods, t.mods);
  return true;
}
