// The agent's tools: read-only, confined to the repository, each answer size-capped.
import type Anthropic from '@anthropic-ai/sdk';
import picomatch from 'picomatch';
import { z } from 'zod';
import { confinePath } from './repo.js';
import { isSecretPath } from './secrets.js';
import { truncateWithNote, untrusted } from './prompt.js';
import { bareName } from './schema-context.js';
import type { RepoAccess, SnippetLinter } from './types.js';
import { architectResultSchema } from './types.js';

export const TOOL_CAPS = {
  readFileChars: 20_000,
  listFilesEntries: 300,
  showTableChars: 8_000,
  lintSqlChars: 20_000,
  lintResultChars: 8_000,
} as const;

type ToolSchema = Anthropic.Messages.Tool['input_schema'];

function jsonSchemaOf(schema: z.ZodType): ToolSchema {
  const js = z.toJSONSchema(schema) as Record<string, unknown>;
  delete js.$schema;
  return js as ToolSchema;
}

export const READ_ONLY_TOOLS: Anthropic.Messages.Tool[] = [
  {
    name: 'read_file',
    description: `Read a text file of the repository at the pull request's head commit. Path relative to the repository root; no absolute paths or "..". Returns at most ${TOOL_CAPS.readFileChars} characters.`,
    input_schema: {
      type: 'object',
      properties: { path: { type: 'string', description: 'Repository-relative path, e.g. app/models/user.rb' } },
      required: ['path'],
      additionalProperties: false,
    },
  },
  {
    name: 'list_files',
    description: `List repository files matching a glob (picomatch syntax, e.g. "db/**/*.sql", "**/models/*.py"). Returns at most ${TOOL_CAPS.listFilesEntries} paths.`,
    input_schema: {
      type: 'object',
      properties: { glob: { type: 'string' } },
      required: ['glob'],
      additionalProperties: false,
    },
  },
  {
    name: 'show_table',
    description: 'Show a table as it stands before this pull request (columns, indexes, constraints), from the replayed migration history or the repository schema dump. Name may be bare or schema-qualified.',
    input_schema: {
      type: 'object',
      properties: { name: { type: 'string' } },
      required: ['name'],
      additionalProperties: false,
    },
  },
  {
    name: 'lint_sql',
    description: `Run the dbarch analyzer on a SQL snippet: returns the lock each statement takes and any findings. Check every rewrite you propose with it. At most ${TOOL_CAPS.lintSqlChars} characters.`,
    input_schema: {
      type: 'object',
      properties: {
        sql: { type: 'string' },
        in_transaction: { type: 'boolean', description: 'Whether the snippet runs inside a transaction block (default true).' },
      },
      required: ['sql'],
      additionalProperties: false,
    },
  },
];

export const SUBMIT_REVIEW_TOOL: Anthropic.Messages.Tool = {
  name: 'submit_review',
  description: 'Submit your final review. Call exactly once, at the end. The input is your whole answer.',
  input_schema: jsonSchemaOf(architectResultSchema),
};

export interface ToolContext {
  repo?: RepoAccess;
  schemaContext: Map<string, string>;
  lint?: SnippetLinter;
}

export interface ToolOutput {
  content: string;
  isError: boolean;
}

function str(input: unknown, key: string): string {
  const v = (input as Record<string, unknown> | null)?.[key];
  if (typeof v !== 'string') throw new Error(`missing string field "${key}"`);
  return v;
}

/** Run one read-only tool; errors become `is_error` results the model can read, never exceptions. */
export async function runTool(name: string, input: unknown, ctx: ToolContext): Promise<ToolOutput> {
  try {
    switch (name) {
      case 'read_file': {
        if (!ctx.repo) return { content: 'Repository access is not available in this run.', isError: true };
        const path = confinePath(str(input, 'path'));
        if (isSecretPath(path)) return { content: `Refused: ${path} is a secrets file (.env, key, certificate or credentials); dbarch never reads those.`, isError: true };
        const text = await ctx.repo.readFile(path);
        if (text === null) return { content: `No such file: ${path}`, isError: true };
        return { content: untrusted('file', truncateWithNote(text, TOOL_CAPS.readFileChars, `file ${path}`).text, { path }), isError: false };
      }
      case 'list_files': {
        if (!ctx.repo) return { content: 'Repository access is not available in this run.', isError: true };
        const glob = str(input, 'glob');
        if (glob.startsWith('/') || glob.split('/').includes('..')) return { content: 'The glob must be relative to the repository root, without "..".', isError: true };
        const match = picomatch(glob, { dot: true });
        const all = (await ctx.repo.listFiles()).filter((p) => match(p));
        const shown = all.slice(0, TOOL_CAPS.listFilesEntries);
        const more = all.length > shown.length ? `\n[dbarch: ${all.length - shown.length} more paths not shown; narrow the glob]` : '';
        return { content: untrusted('listing', shown.join('\n') || '(no match)') + more, isError: false };
      }
      case 'show_table': {
        const name = str(input, 'name');
        const def = lookupTable(ctx.schemaContext, name);
        if (!def) {
          const known = [...ctx.schemaContext.keys()].join(', ') || 'none';
          return { content: `No definition known for ${name}. Tables in the schema context: ${known}. It may be new in this pull request, or try list_files for a schema dump or models.`, isError: true };
        }
        return { content: untrusted('schema', truncateWithNote(def.text, TOOL_CAPS.showTableChars, `definition of ${def.name}`).text, { table: def.name }), isError: false };
      }
      case 'lint_sql': {
        if (!ctx.lint) return { content: 'The analyzer is not available in this run.', isError: true };
        const sql = str(input, 'sql');
        if (sql.length > TOOL_CAPS.lintSqlChars) return { content: `SQL too long (${sql.length} characters; limit ${TOOL_CAPS.lintSqlChars}).`, isError: true };
        const inTx = (input as Record<string, unknown>).in_transaction;
        const res = await ctx.lint(sql, { transaction: inTx !== false });
        const summary = {
          statements: res.statements.map((s) => ({
            line: s.line,
            kind: s.kind,
            locks: s.locks.map((l) => `${l.mode} on ${l.relation}`),
            rewritesTable: s.rewritesTable,
            transactional: s.transactional,
          })),
          findings: res.findings.map((f) => ({
            rule: f.rule,
            severity: f.severity,
            line: f.line,
            message: f.message,
            fix: f.fix?.sql,
          })),
        };
        return { content: truncateWithNote(JSON.stringify(summary, null, 1), TOOL_CAPS.lintResultChars, 'lint result').text, isError: false };
      }
      default:
        return { content: `Unknown tool ${name}.`, isError: true };
    }
  } catch (err) {
    return { content: `Tool ${name} failed: ${(err as Error).message}`, isError: true };
  }
}

function lookupTable(ctx: Map<string, string>, name: string): { name: string; text: string } | undefined {
  const exact = ctx.get(name);
  if (exact) return { name, text: exact };
  const wanted = bareName(name);
  for (const [k, v] of ctx) if (bareName(k) === wanted) return { name: k, text: v };
  return undefined;
}
