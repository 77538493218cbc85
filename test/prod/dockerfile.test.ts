// The image the App ships in: a supported Node LTS, pinned by digest, no install scripts, not root.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
const lines = dockerfile.split('\n');
const args = new Map(lines.flatMap((l) => {
  const m = /^ARG\s+(\w+)=(\S+)/.exec(l);
  return m ? [[m[1]!, m[2]!] as const] : [];
}));
const images = lines
  .filter((l) => /^FROM\s/i.test(l))
  .map((l) => l.split(/\s+/)[1]!.replace(/^\$\{(\w+)\}$/, (_, name: string) => args.get(name) ?? name));

describe('Dockerfile', () => {
  it('builds and runs on a supported Node LTS, pinned by digest', () => {
    expect(images).toHaveLength(2);
    for (const image of images) {
      // node 20 reaches end of life in April 2026; 22 and 24 are the supported LTS lines
      expect(image).toMatch(/^node:(22|24)(\.\d+)*-slim@sha256:[0-9a-f]{64}$/);
    }
  });

  it('keeps install scripts off and drops root', () => {
    const installs = lines.filter((l) => /\bnpm ci\b/.test(l));
    expect(installs.length).toBeGreaterThan(0);
    for (const l of installs) expect(l).toContain('--ignore-scripts');
    const users = lines.filter((l) => /^USER\s/.test(l));
    expect(users).toEqual(['USER node']);
    expect(lines.findIndex((l) => l.startsWith('USER '))).toBeLessThan(lines.findIndex((l) => l.startsWith('CMD ')));
  });
});
