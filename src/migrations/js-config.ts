// Migration folders named in a knexfile (`migrations: { directory }`) or a `.sequelizerc`
// (`'migrations-path'`), read with the JavaScript lexer: a project whose migrations live in a
// folder not named like one (`db/schema_changes`) is still discovered.
import type { Framework } from '../types.js';
import { lexJs, type StrTok, type Tok } from './lex.js';

const KNEXFILE = /^knexfile\.[cm]?[jt]s$/;

export function isJsMigrationConfig(base: string): boolean {
  return KNEXFILE.test(base) || base === '.sequelizerc';
}

function stringValue(src: string, tok: Tok | undefined): string | undefined {
  if (!tok || tok.type !== 'string' || tok.segs.some((s) => s.mode === 'interp')) return undefined;
  return (tok as StrTok).segs.map((s) => (s.mode === 'raw' ? src.slice(s.from, s.to) : (s.char ?? ''))).join('');
}

function punct(tok: Tok | undefined, text: string): boolean {
  return !!tok && tok.type === 'punct' && tok.text === text;
}

/** `'a'`, `['a', 'b']`, `path.resolve('a', 'b')` / `path.join(__dirname, 'a')` at `i`: the folder(s) it names. */
function folders(src: string, toks: Tok[], i: number): string[] {
  const t = toks[i];
  const one = stringValue(src, t);
  if (one !== undefined) return [one];
  if (punct(t, '[')) {
    const out: string[] = [];
    for (let k = i + 1; k < toks.length && !punct(toks[k], ']'); k++) {
      const v = stringValue(src, toks[k]);
      if (v !== undefined) out.push(v);
    }
    return out;
  }
  // path.resolve(...) / path.join(...): the string arguments, joined; __dirname and process.cwd() are the config's folder.
  if (t?.type === 'ident' && punct(toks[i + 1], '.') && (toks[i + 2] as { text?: string } | undefined)?.text && punct(toks[i + 3], '(')) {
    const parts: string[] = [];
    let depth = 0;
    for (let k = i + 3; k < toks.length; k++) {
      if (punct(toks[k], '(')) depth++;
      else if (punct(toks[k], ')') && --depth === 0) break;
      const v = stringValue(src, toks[k]);
      if (v !== undefined && depth === 1) parts.push(v);
    }
    return parts.length ? [parts.join('/')] : [];
  }
  return [];
}

function normalize(dir: string, rel: string): string | undefined {
  if (rel.startsWith('/')) return undefined;
  const segs = dir ? dir.split('/') : [];
  for (const part of rel.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (segs.length === 0) return undefined;
      segs.pop();
    } else segs.push(part);
  }
  return segs.join('/');
}

/** The migration folders a knexfile or .sequelizerc at `path` names, relative to the repository. */
export function jsMigrationDirs(path: string, content: string): { dir: string; framework: Framework }[] {
  const slash = path.lastIndexOf('/');
  const dir = slash < 0 ? '' : path.slice(0, slash);
  const base = path.slice(slash + 1);
  const knex = KNEXFILE.test(base);
  const toks = lexJs(content);
  const out: { dir: string; framework: Framework }[] = [];
  for (let i = 0; i + 2 < toks.length; i++) {
    const t = toks[i]!;
    const key = t.type === 'ident' ? t.text : stringValue(content, t);
    if (!punct(toks[i + 1], ':')) continue;
    if (knex ? key !== 'directory' : key !== 'migrations-path') continue;
    for (const f of folders(content, toks, i + 2)) {
      const d = normalize(dir, f);
      if (d !== undefined) out.push({ dir: d, framework: knex ? 'knex' : 'sequelize' });
    }
  }
  return out;
}
