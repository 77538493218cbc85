// The review cache: a push that changes neither the migrations nor their context reuses the
// previous answer and spends no tokens. In memory here; the App may plug a persistent store.
import { createHash } from 'node:crypto';

export interface ReviewCache<T> {
  get(key: string): Promise<T | undefined>;
  set(key: string, value: T): Promise<void>;
}

export class LruReviewCache<T> implements ReviewCache<T> {
  private readonly entries = new Map<string, T>();
  constructor(private readonly capacity = 200) {}

  async get(key: string): Promise<T | undefined> {
    const v = this.entries.get(key);
    if (v === undefined) return undefined;
    // Re-insert to mark as most recently used.
    this.entries.delete(key);
    this.entries.set(key, v);
    return v;
  }

  async set(key: string, value: T): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Stable hash of any JSON-able value (object keys sorted, Maps as sorted entries). */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex');
}

function stableStringify(value: unknown): string {
  if (value instanceof Map) return stableStringify([...value.entries()].sort(([a], [b]) => String(a).localeCompare(String(b))));
  if (value instanceof Set) return stableStringify([...value].sort());
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value as Record<string, unknown>).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
