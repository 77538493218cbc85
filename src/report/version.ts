// dbarch's own package.json, found by walking up from this module (src/ under vitest,
// dist/src/ when built).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface PackageInfo {
  name: string;
  version: string;
  homepage?: string;
  repository?: string | { url?: string };
}

let cached: PackageInfo | undefined;

export function packageInfo(): PackageInfo {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageInfo;
      if (pkg.name === 'dbarch') return (cached = pkg);
    } catch {
      // not here; keep walking up
    }
    dir = dirname(dir);
  }
  return (cached = { name: 'dbarch', version: '0.0.0' });
}

/** Base URL of the published rule docs, when package.json names a GitHub repository. */
export function docsBaseUri(): string | undefined {
  const pkg = packageInfo();
  const repo = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  const m = repo && /github\.com[/:]([^/]+\/[^/.]+?)(?:\.git)?$/.exec(repo);
  return m ? `https://github.com/${m[1]}/blob/main/docs/rules/` : undefined;
}
