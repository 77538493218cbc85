// Estimated cost per review. USD per million tokens (5-minute cache writes), from the public
// price list; a model not listed gets no estimate rather than a wrong one.
import type { TokenUsage } from './types.js';

export const DEFAULT_MODEL = 'claude-sonnet-4-6';

interface Price {
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
}

const SONNET: Price = { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 };
const OPUS_45: Price = { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 };
const OPUS_4: Price = { input: 15, output: 75, cacheWrite: 18.75, cacheRead: 1.5 };
const HAIKU_45: Price = { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 };

/** Matched by prefix, first match wins, so dated ids (`…-20250929`) price like their alias. */
const PRICES: [prefix: string, price: Price][] = [
  ['claude-sonnet-4-6', SONNET],
  ['claude-sonnet-4-5', SONNET],
  ['claude-sonnet-4', SONNET],
  ['claude-3-7-sonnet', SONNET],
  ['claude-opus-4-8', OPUS_45],
  ['claude-opus-4-7', OPUS_45],
  ['claude-opus-4-6', OPUS_45],
  ['claude-opus-4-5', OPUS_45],
  ['claude-opus-4-1', OPUS_4],
  ['claude-opus-4', OPUS_4],
  ['claude-opus-5', OPUS_45],
  ['claude-haiku-4-5', HAIKU_45],
];

export function priceFor(model: string): Price | undefined {
  return PRICES.find(([prefix]) => model.startsWith(prefix))?.[1];
}

export function estimateCostUsd(model: string, u: TokenUsage): number | null {
  const p = priceFor(model);
  if (!p) return null;
  const usd = (u.input * p.input + u.output * p.output + u.cacheCreation * p.cacheWrite + u.cacheRead * p.cacheRead) / 1_000_000;
  return Math.round(usd * 1_000_000) / 1_000_000;
}
