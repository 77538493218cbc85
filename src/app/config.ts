// The repository's `.github/dbarch.yml`, read from the default branch (so a PR cannot switch
// off its own gate) with the organisation's `.github` repository as fallback and `_extends`
// support: the same lookup as Probot's `context.config`, usable off the request path.
import type { DbarchConfig } from '../config/schema.js';
import { ConfigError, parseConfig } from '../config/schema.js';
import type { Octokit, RepoRef } from './github.js';

export const CONFIG_PATH = '.github/dbarch.yml';

export async function loadRepoConfig(octokit: Octokit, ref: RepoRef): Promise<{ config: DbarchConfig; source: string }> {
  let raw: unknown;
  let source = CONFIG_PATH;
  try {
    const { config, files } = await octokit.config.get({
      owner: ref.owner,
      repo: ref.repo,
      path: CONFIG_PATH,
      defaults: (configs) => configs.reduce<object>((acc, c) => deepMerge(acc, c), {}) as Record<string, unknown>,
    });
    const found = files.filter((f) => f.config !== null).map((f) => `${f.owner}/${f.repo}:${f.path}`);
    if (found.length) source = found.join(' + ');
    raw = config;
  } catch (err) {
    if ((err as { status?: number }).status !== undefined) throw err;
    // YAML syntax errors and bad `_extends` come from the config plugin as plain errors.
    const message = (err as Error).message.replace(/^\[@probot\/octokit-plugin-config\] /, '');
    throw new ConfigError(`Invalid config: ${message}`, source);
  }
  return { config: parseConfig(raw ?? {}, source), source };
}

/** Objects merge key by key; arrays and scalars from the later config replace earlier ones. */
export function deepMerge(base: object, over: object): object {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) {
    const prev = out[k];
    out[k] = isPlainObject(prev) && isPlainObject(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

function isPlainObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
