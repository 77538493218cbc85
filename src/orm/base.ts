// What every DSL translator shares: spans from tree nodes, notices, and emitting statements.
import type { Node } from 'web-tree-sitter';
import type { Direction, Span } from '../types.js';
import { LineIndex } from '../sql/index.js';
import { oneLine } from './sqltext.js';
import type { DslCall, OrmNotice, TranslatedStatement, Translation } from './types.js';

export abstract class TranslatorBase {
  protected readonly lines: LineIndex;
  /** embeddedSql is off unless the translator leaves `execute`-style SQL to src/migrations. */
  protected readonly out: Translation = { statements: [], notices: [], ignores: [], embeddedSql: false };

  constructor(protected readonly source: string) {
    this.lines = new LineIndex(source);
  }

  protected span(node: Node): Span {
    return this.lines.span(node.startIndex, node.endIndex);
  }

  protected notice(node: Node, message: string, rule?: OrmNotice['rule']): void {
    this.out.notices.push({ span: this.span(node), message, ...(rule ? { rule } : {}) });
  }

  protected emit(node: Node, op: string, sql: string, ctx: { direction: Direction }, call?: DslCall): void {
    const stmt: TranslatedStatement = { sql: oneLine(sql), span: this.span(node), direction: ctx.direction, op };
    if (call) stmt.call = call;
    this.out.statements.push(stmt);
  }
}

export function dedent(text: string): string {
  const lines = text.split('\n');
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^[ \t]*/.exec(l)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut)).join('\n');
}

export function shorten(text: string, max = 60): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}
