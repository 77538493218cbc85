// SQL spelling shared by the translators: identifiers and literals quoted as the frameworks
// quote them, so the generated statements parse exactly as the framework's would.
import { createHash } from 'node:crypto';
import { lex } from '../sql/lexer.js';

export function ident(name: string): string {
  return name
    .split('.')
    .map((p) => `"${p.replace(/"/g, '""')}"`)
    .join('.');
}

export function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Generated statements live on one line of the layout: line breaks in user text become spaces. */
export function oneLine(sql: string): string {
  return sql.replace(/\r\n|\r|\n/g, ' ');
}

/** `-- …` comments end at a line break, which the one-line layout removes: drop them first. */
export function stripLineComments(sql: string): string {
  let out = '';
  let at = 0;
  for (const c of lex(sql).comments) {
    if (c.block) continue;
    out += sql.slice(at, c.start);
    at = c.end;
  }
  return out + sql.slice(at);
}

export function sha1Hex(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

export function sha256Hex(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

const IRREGULAR_PLURALS: Record<string, string> = { person: 'people', man: 'men', child: 'children', datum: 'data' };

/** ActiveSupport's common English rules (enough for table names; `to_table:` covers the rest). */
export function pluralize(word: string): string {
  const irregular = IRREGULAR_PLURALS[word];
  if (irregular) return irregular;
  if (/(s|x|z|ch|sh)$/.test(word)) return `${word}es`;
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ies`;
  return `${word}s`;
}

export function singularize(word: string): string {
  for (const [one, many] of Object.entries(IRREGULAR_PLURALS)) if (word === many) return one;
  if (/ies$/.test(word)) return `${word.slice(0, -3)}y`;
  if (/(ss|x|z|ch|sh)es$/.test(word) || /sses$/.test(word)) return word.slice(0, -2);
  if (/(ases|uses|sses)$/.test(word)) return word.slice(0, -2);
  if (/s$/.test(word) && !/ss$/.test(word)) return word.slice(0, -1);
  return word;
}
