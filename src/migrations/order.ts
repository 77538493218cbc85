import type { MigrationFile } from './types.js';

/**
 * Sort key that compares digit runs numerically ("2_x" < "10_x") and everything else by
 * code unit. Each digit run becomes its length (2 digits) followed by the digits without
 * leading zeros, so plain string comparison of keys gives the natural order.
 */
export function naturalKey(text: string): string {
  return text.replace(/\d+/g, (digits) => {
    const stripped = digits.replace(/^0+(?=\d)/, '');
    return String(stripped.length).padStart(2, '0') + stripped;
  });
}

/**
 * Most tools order by a numeric version prefix (`1_`, `2_`, `10_`, or a timestamp), then by
 * the rest of the name as a plain string, like `ls`.
 */
export function leadingVersionKey(name: string): string {
  const m = /^\d+/.exec(name);
  return m ? naturalKey(m[0]) + name.slice(m[0].length) : name;
}

/**
 * Flyway version: `1_1` and `1.1` are the same version, parts compare numerically, a
 * shorter version sorts before a longer one with the same prefix (1 < 1.1).
 */
export function flywayVersionKey(version: string): string {
  return version
    .split(/[._]/)
    .filter((p) => p !== '')
    .map((part) => (/^\d+$/.test(part) ? naturalKey(part) : `~${part}`))
    .join('.');
}

/** A key that sorts in the reverse order of `key` (for rollbacks, newest first). */
export function invertKey(key: string): string {
  let out = '';
  for (let i = 0; i < key.length; i++) out += (0xffff - key.charCodeAt(i)).toString(16).padStart(4, '0');
  // 'z' sorts after every hex digit, so a key's extension sorts before the key itself.
  return out + 'z';
}

/** Phases: base/ups first, then repeatables, then rollbacks (newest first). */
export function makeOrderKey(
  phase: 'up' | 'repeatable' | 'down',
  key: string,
): string {
  if (phase === 'up') return `1:${key}`;
  if (phase === 'repeatable') return `2:${key}`;
  return `3:${invertKey(key)}`;
}

/** Apply order: by set, then orderKey, then path. */
export function sortMigrations<T extends Pick<MigrationFile, 'set' | 'orderKey' | 'path'>>(files: readonly T[]): T[] {
  return [...files].sort(
    (a, b) => cmp(a.set, b.set) || cmp(a.orderKey, b.orderKey) || cmp(a.path, b.path),
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
