// Flyway fills `${name}` placeholders from its configuration: `flyway.placeholders.name=…`
// in flyway.conf (Java properties) or `[flyway.placeholders]` in flyway.toml, and
// `${flyway:defaultSchema}` from `defaultSchema` or the first of `schemas`. The nearest
// configuration above a migration (or in a `conf/` folder there) is the one that applies.
import { posix } from 'node:path';

const CONFIG_FILES = ['flyway.conf', 'flyway.toml', 'conf/flyway.conf', 'conf/flyway.toml'];

/** Placeholder values for a Flyway migration, or undefined when no configuration is found. */
export function flywayPlaceholders(path: string, read: (path: string) => string | undefined): Record<string, string> | undefined {
  let dir = posix.dirname(path);
  for (;;) {
    for (const name of CONFIG_FILES) {
      const file = dir === '.' ? name : `${dir}/${name}`;
      const text = read(file);
      if (text === undefined) continue;
      const vars = name.endsWith('.toml') ? fromToml(text) : fromProperties(text);
      return Object.keys(vars).length > 0 ? vars : undefined;
    }
    if (dir === '.' || dir === '/' || dir === '') return undefined;
    dir = posix.dirname(dir);
  }
}

function withDefaultSchema(vars: Record<string, string>, defaultSchema: string | undefined, schemas: string[]): Record<string, string> {
  const schema = defaultSchema ?? schemas[0];
  if (schema) vars['flyway:defaultSchema'] = schema;
  return vars;
}

/** flyway.conf: `key=value`, `key: value` or `key value`; `#` and `!` start comments. */
export function fromProperties(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  let defaultSchema: string | undefined;
  let schemas: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('!')) continue;
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1]!;
    const value = m[2]!.trim();
    if (key.startsWith('flyway.placeholders.')) vars[key.slice('flyway.placeholders.'.length)] = value;
    else if (key === 'flyway.defaultSchema') defaultSchema = value;
    else if (key === 'flyway.schemas') schemas = value.split(',').map((s) => s.trim()).filter(Boolean);
  }
  return withDefaultSchema(vars, defaultSchema, schemas);
}

/** flyway.toml: `[flyway.placeholders]` keys, `placeholders.x` under `[flyway]`, and schema settings. */
export function fromToml(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  let defaultSchema: string | undefined;
  let schemas: string[] = [];
  let table = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s+#.*$/, '').trim();
    if (!line || line.startsWith('#')) continue;
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (header) {
      table = header[1]!.replace(/\s+/g, '');
      continue;
    }
    const m = /^("?[^"=]+"?)\s*=\s*(.+)$/.exec(line);
    if (!m) continue;
    const key = m[1]!.trim().replace(/^"|"$/g, '');
    const value = m[2]!.trim();
    const full = table ? `${table}.${key}` : key;
    const placeholder = /(?:^|\.)flyway\.placeholders\.(.+)$/.exec(full);
    if (placeholder) vars[placeholder[1]!.replace(/^"|"$/g, '')] = tomlScalar(value);
    else if (/(^|\.)(flyway|environments\.[^.]+)\.defaultSchema$/.test(full)) defaultSchema = tomlScalar(value);
    else if (/(^|\.)(flyway|environments\.[^.]+)\.schemas$/.test(full)) schemas = tomlArray(value);
  }
  return withDefaultSchema(vars, defaultSchema, schemas);
}

function tomlScalar(value: string): string {
  const q = value[0];
  if ((q === '"' || q === "'") && value.endsWith(q) && value.length > 1) {
    const body = value.slice(1, -1);
    return q === '"' ? body.replace(/\\(["\\])/g, '$1') : body;
  }
  return value;
}

function tomlArray(value: string): string[] {
  const inner = /^\[(.*)\]$/.exec(value)?.[1];
  if (inner === undefined) return [tomlScalar(value)];
  return inner
    .split(',')
    .map((s) => tomlScalar(s.trim()))
    .filter(Boolean);
}
