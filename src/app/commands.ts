// `/dbarch <command>` in pull request comments. Only `issue_comment.created` on pull requests,
// never from bots (dbarch included, so it cannot loop), never from code blocks or quotes.
// Unauthorised users get a short refusal that costs no tokens.
import type { Context, Probot } from 'probot';
import type { DbarchConfig } from '../config/schema.js';
import type { RuleMeta } from '../rules/types.js';
import type { Report } from '../types.js';
import type { AgentDeps } from '../agent/architect.js';
import { runRedesign, renderRedesign, REDESIGN_MARKER } from '../agent/redesign.js';
import { codeBlock, codeSpan, capBody, inline, neutralize, REVIEW_MARKER } from '../agent/render.js';
import { createSourceProver } from '../agent/prove.js';
import { githubRepoAccess } from '../agent/repo.js';
import type { SourceFile } from '../analyze.js';
import type { MigrationInput, SnippetLinter } from '../agent/types.js';
import { CHECK_NAME } from './github.js';
import type { BotIdentity } from './identity.js';

export const COMMAND_MARKER = '<!-- dbarch:command -->';

export const COMMANDS = ['redesign', 'review', 'explain', 'approve', 'help'] as const;
export type CommandName = (typeof COMMANDS)[number];

export interface ParsedCommand {
  name: CommandName;
  args: string;
  /** What was typed when it was not a known command (answered with help). */
  unknown?: string;
}

/**
 * The first `/dbarch …` that starts a line outside fenced code blocks, indented code, block
 * quotes, inline code spans, HTML comments and `<details>` blocks. `/dbarch` alone, or an unknown word, means help.
 */
export function parseCommand(body: string): ParsedCommand | null {
  // Hidden text is not a command: HTML comments (an unclosed one hides the rest) and <details> blocks.
  const visible = body.replace(/\r\n?/g, '\n').replace(/<!--[\s\S]*?(?:-->|$)/g, '');
  const lines = visible.split('\n');
  let fence: string | null = null;
  let details = 0;
  for (const raw of lines) {
    const fenceMatch = /^ {0,3}(`{3,}|~{3,})/.exec(raw);
    if (fence) {
      if (fenceMatch && fenceMatch[1]?.[0] === fence[0] && (fenceMatch[1]?.length ?? 0) >= fence.length && raw.trim() === fenceMatch[1]) fence = null;
      continue;
    }
    if (fenceMatch) {
      fence = fenceMatch[1] ?? '```';
      continue;
    }
    const opened = (raw.match(/<details\b/gi) ?? []).length;
    const closed = (raw.match(/<\/details\s*>/gi) ?? []).length;
    const inside = details > 0 || opened > 0;
    details = Math.max(0, details + opened - closed);
    if (inside) continue;
    if (/^ {0,3}>/.test(raw) || /^( {4}|\t)/.test(raw)) continue;
    // A line that starts with the command cannot be inside an inline code span (that needs a backtick first).
    const m = /^ {0,3}\/dbarch(?:\s+(\S+)(?:\s+(.*))?)?\s*$/i.exec(raw);
    if (!m) continue;
    const word = (m[1] ?? 'help').toLowerCase();
    const args = (m[2] ?? '').trim();
    if ((COMMANDS as readonly string[]).includes(word)) return { name: word as CommandName, args };
    return { name: 'help', args: '', unknown: word };
  }
  return null;
}

export const PERMISSION_LEVELS = ['none', 'read', 'triage', 'write', 'maintain', 'admin'] as const;
export type PermissionLevel = (typeof PERMISSION_LEVELS)[number];

export function permissionAtLeast(have: string, need: PermissionLevel): boolean {
  const h = PERMISSION_LEVELS.indexOf(have as PermissionLevel);
  return h >= 0 && h >= PERMISSION_LEVELS.indexOf(need);
}

export function isBotAuthor(sender: { type?: string; login?: string } | undefined | null): boolean {
  return !sender || sender.type === 'Bot' || (sender.login ?? '').toLowerCase().endsWith('[bot]');
}

type CommentContext = Context<'issue_comment.created'>;

export interface CommandRequest {
  context: CommentContext;
  owner: string;
  repo: string;
  pullNumber: number;
  headSha: string;
  /** The pull request's base commit (absent before the pull request is fetched). */
  baseSha?: string;
  sender: string;
  installationId?: number;
}

export interface CommandDeps {
  /** `/dbarch review`: re-run the App's full review of the PR head now. */
  review(req: CommandRequest): Promise<void>;
  /** The repository config (the App's loader; the default branch's `.github/dbarch.yml`). */
  loadConfig(req: CommandRequest): Promise<DbarchConfig>;
  /**
   * The analyzer report and migration texts at head, for `/dbarch redesign`; with the base
   * branch's earlier migrations (`history`), every plan is proven against the migration on PGlite.
   */
  analyzePull(req: CommandRequest, config: DbarchConfig): Promise<{ report: Report; files: MigrationInput[]; history?: SourceFile[] }>;
  /** Rule metadata: `/dbarch explain` and the agent's catalog. */
  rules: readonly RuleMeta[];
  /** Analyzer on a snippet, per config (the redesign lints every step with it). */
  linter?(config: DbarchConfig): SnippetLinter;
  /** Anthropic options, cache, limits, env for the agent. */
  agent?: Omit<AgentDeps, 'repo' | 'rules' | 'lint'>;
  /** Runs a long command (redesign) off the webhook path; awaited inline by default. */
  schedule?(name: string, task: () => Promise<void>): Promise<void> | void;
  now?(): Date;
  /** dbarch's own App id: only its own `dbarch` check run is approved. */
  identity?(): Promise<BotIdentity>;
  /**
   * Marks a key as handled; false when it already was. Keys are the delivery id and the comment
   * id, so a redelivered (or replayed) command runs once. In-memory per process by default.
   */
  firstTime?(key: string): boolean | Promise<boolean>;
  /** Replies per user and pull request (default: 5 per 10 minutes); over it, a reaction only. */
  replyLimit?: { max: number; windowMs: number };
}

export const HELP_TEXT = [
  '**dbarch commands** (start a line with the command; write access required):',
  '',
  '- `/dbarch review`: re-run the full review of the current head now.',
  '- `/dbarch redesign [instructions]`: an expand/contract plan for this pull request’s migrations, every step linted and traced, the plan proven to reach the migration’s schema.',
  '- `/dbarch explain <rule>`: what a rule guards against and its safe rewrite.',
  '- `/dbarch approve <reason>`: mark the `dbarch` check of the current head as passing (maintainers); the approver and reason are recorded, and a new push re-evaluates.',
  '- `/dbarch help`: this list.',
].join('\n');

async function permissionOf(req: CommandRequest): Promise<string> {
  try {
    const res = await req.context.octokit.request('GET /repos/{owner}/{repo}/collaborators/{username}/permission', {
      owner: req.owner,
      repo: req.repo,
      username: req.sender,
    });
    const role = (res.data as { role_name?: string }).role_name;
    // role_name distinguishes maintain/triage; `permission` folds them into write/read.
    return role && (PERMISSION_LEVELS as readonly string[]).includes(role) ? role : res.data.permission;
  } catch (err) {
    if ((err as { status?: number }).status === 404) return 'none';
    throw err;
  }
}

async function react(req: CommandRequest, content: 'eyes' | 'rocket' | 'confused'): Promise<void> {
  await req.context.octokit.request('POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', {
    owner: req.owner,
    repo: req.repo,
    comment_id: req.context.payload.comment.id,
    content,
  });
}

async function reply(req: CommandRequest, body: string): Promise<void> {
  await req.context.octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
    owner: req.owner,
    repo: req.repo,
    issue_number: req.pullNumber,
    body: capBody(`${COMMAND_MARKER}\n${body}`),
  });
}

export function renderExplain(rules: readonly RuleMeta[], id: string): string {
  const wanted = id.trim().toLowerCase();
  const rule = rules.find((r) => r.id === wanted || r.squawk?.includes(wanted));
  if (!rule) {
    const close = rules.filter((r) => wanted && (r.id.includes(wanted) || wanted.includes(r.id))).map((r) => codeSpan(r.id));
    const known = rules.map((r) => codeSpan(r.id)).join(', ');
    return wanted
      ? `Unknown rule ${codeSpan(inline(wanted, 80))}.${close.length ? ` Did you mean ${close.join(', ')}?` : ''}\n\nKnown rules: ${known || '(none loaded)'}`
      : `Usage: \`/dbarch explain <rule>\`. Known rules: ${known || '(none loaded)'}`;
  }
  const out = [
    `### ${codeSpan(rule.id)}`,
    '',
    rule.description,
    '',
    `Category: ${rule.category} · default severity: ${rule.defaultSeverity}${rule.lock ? ` · lock: ${rule.lock}` : ''}${rule.pgVersions ? ` · PostgreSQL ${rule.pgVersions.min ?? ''}–${rule.pgVersions.max ?? ''}` : ''}${rule.squawk?.length ? ` · squawk: ${rule.squawk.map(codeSpan).join(', ')}` : ''}`,
    '',
    rule.hazard.trim(),
  ];
  for (const ex of rule.examples) {
    out.push('', '**Hazard:**', codeBlock(ex.bad), '**Safe rewrite:**', codeBlock(ex.good));
    if (ex.note) out.push(`_${ex.note}_`);
  }
  return out.join('\n');
}

interface CheckRunSummary {
  id: number;
  status: string;
  conclusion: string | null;
  startedAt: string | null;
  output: { title: string | null; summary: string | null };
}

/** dbarch's own latest `dbarch` check run on the head: another App may name a check `dbarch` too. */
async function findCheckRun(req: CommandRequest, appId: number): Promise<CheckRunSummary | undefined> {
  const res = await req.context.octokit.request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', {
    owner: req.owner,
    repo: req.repo,
    ref: req.headSha,
    check_name: CHECK_NAME,
    app_id: appId,
    filter: 'latest',
    per_page: 100,
  });
  const run = res.data.check_runs.find((r) => r.name === CHECK_NAME && r.app?.id === appId);
  return run
    ? { id: Number(run.id), status: run.status, conclusion: run.conclusion, startedAt: run.started_at ?? null, output: { title: run.output.title, summary: run.output.summary } }
    : undefined;
}

export function approvalSummary(approver: string, reason: string, previous?: { conclusion: string | null; summary: string | null }): string {
  const lines = [
    `**Approved by ${codeSpan(approver)}** with \`/dbarch approve\`.`,
    '',
    `Reason: ${inline(reason, 1000)}`,
    '',
    `The analyzer’s verdict on this commit was: ${previous?.conclusion ?? 'not available'}. A new push re-evaluates the migrations.`,
  ];
  if (previous?.summary) lines.push('', '---', '', previous.summary);
  return capBody(lines.join('\n'));
}

class NotReady extends Error {}

/**
 * Approves the verdict the approver saw: the head's own `dbarch` check must have started before
 * the comment was written. A check started later belongs to a newer push (or a re-run), which a
 * late or redelivered comment must not release.
 */
async function approve(req: CommandRequest, reason: string, now: Date, appId: number): Promise<string> {
  const existing = await findCheckRun(req, appId);
  if (!existing) throw new NotReady('There is no `dbarch` verdict on the current head to approve yet: run `/dbarch review` and approve once it has completed.');
  // The running review would complete the check after us and overwrite the approval.
  if (existing.status !== 'completed') throw new NotReady('The `dbarch` review of this commit is still running: approve it once the check has completed.');
  const commentedAt = Date.parse(req.context.payload.comment.created_at);
  const startedAt = existing.startedAt ? Date.parse(existing.startedAt) : NaN;
  if (!(startedAt <= commentedAt)) {
    throw new NotReady(
      `The head of this pull request (${codeSpan(req.headSha.slice(0, 12))}) was pushed or re-reviewed after this comment was written, so this approval does not apply to it. Review the new verdict and approve again.`,
    );
  }
  const title = `Approved by ${req.sender}`;
  const summary = approvalSummary(req.sender, reason, { conclusion: existing.conclusion, summary: existing.output.summary });
  await req.context.octokit.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
    owner: req.owner,
    repo: req.repo,
    check_run_id: existing.id,
    status: 'completed',
    conclusion: 'success',
    completed_at: now.toISOString(),
    output: { title, summary },
  });
  return `The \`dbarch\` check of ${codeSpan(req.headSha.slice(0, 12))} is marked as passing. Approver: ${codeSpan(req.sender)}. Reason: ${inline(reason, 1000)}\n\nA new push re-evaluates the migrations.`;
}

async function redesign(req: CommandRequest, deps: CommandDeps, instructions: string): Promise<string> {
  const config = await deps.loadConfig(req);
  const { report, files, history } = await deps.analyzePull(req, config);
  if (report.files.length === 0) return 'This pull request changes no migration files: there is nothing to redesign.';
  const pr = req.context.payload.issue;
  const outcome = await runRedesign(
    { files, report, config, instructions, pr: { title: pr.title, body: pr.body } },
    {
      ...deps.agent,
      rules: deps.rules,
      lint: deps.linter?.(config),
      ...(history ? { prove: createSourceProver({ history, files: files.map(({ path, content }) => ({ path, content })), config }) } : {}),
      repo: githubRepoAccess(req.context.octokit, { owner: req.owner, repo: req.repo, sha: req.headSha }),
    },
  );
  req.context.log.info({ source: outcome.source, attempt: outcome.attempt, proven: outcome.proof?.proven, usage: outcome.usage, costUsd: outcome.costUsd, reason: outcome.unavailableReason }, 'redesign finished');
  return renderRedesign(outcome);
}

/** Wire the command handler into the App. */
export function registerCommands(app: Probot, deps: CommandDeps): void {
  const seen = new TtlSet();
  const limiter = new ReplyLimiter(deps.replyLimit ?? { max: 5, windowMs: 10 * 60_000 });
  const full: CommandDeps = { firstTime: (key) => seen.add(key, Date.now()), ...deps };
  app.on('issue_comment.created', async (context) => {
    await handleComment(context, full, limiter);
  });
}

/** Keys remembered for a day (GitHub redelivers within days only on request; replays need the body signed). */
class TtlSet {
  private readonly until = new Map<string, number>();
  constructor(private readonly ttlMs = 24 * 60 * 60_000, private readonly max = 100_000) {}
  add(key: string, now: number): boolean {
    if ((this.until.get(key) ?? 0) > now) return false;
    if (this.until.size >= this.max) for (const [k, t] of this.until) if (t <= now || this.until.size >= this.max) this.until.delete(k);
    this.until.set(key, now + this.ttlMs);
    return true;
  }
}

/** A sliding window of replies per user and pull request. */
export class ReplyLimiter {
  private readonly hits = new Map<string, number[]>();
  constructor(private readonly limit: { max: number; windowMs: number }) {}
  take(key: string, now: number): boolean {
    const recent = (this.hits.get(key) ?? []).filter((t) => t > now - this.limit.windowMs);
    if (recent.length >= this.limit.max) {
      this.hits.set(key, recent);
      return false;
    }
    recent.push(now);
    this.hits.set(key, recent);
    if (this.hits.size > 10_000) for (const [k, v] of this.hits) if (!v.some((t) => t > now - this.limit.windowMs)) this.hits.delete(k);
    return true;
  }
}

export async function handleComment(
  context: CommentContext,
  deps: CommandDeps,
  limiter = new ReplyLimiter(deps.replyLimit ?? { max: 5, windowMs: 10 * 60_000 }),
): Promise<'ignored' | 'refused' | 'limited' | 'done' | 'failed'> {
  const { payload } = context;
  if (!payload.issue.pull_request) return 'ignored';
  if (isBotAuthor(payload.sender) || isBotAuthor(payload.comment.user)) return 'ignored';
  const body = payload.comment.body ?? '';
  // Our own output quotes commands; never act on it even if posted by a user account.
  if (body.includes(COMMAND_MARKER) || body.includes(REVIEW_MARKER) || body.includes(REDESIGN_MARKER)) return 'ignored';
  const command = parseCommand(body);
  if (!command) return 'ignored';

  const owner = payload.repository.owner.login;
  const repo = payload.repository.name;
  // A redelivered or replayed comment runs once (a redelivery keeps its delivery id; a replay its comment id).
  if (deps.firstTime) {
    const fresh = [await deps.firstTime(`delivery:${context.id}`), await deps.firstTime(`comment:${owner}/${repo}:${payload.comment.id}`)];
    if (fresh.includes(false)) {
      context.log.info({ deliveryId: context.id, comment: payload.comment.id }, 'dbarch command already handled: ignored');
      return 'ignored';
    }
  }
  const base = { context, owner, repo, pullNumber: payload.issue.number, sender: payload.sender.login, installationId: payload.installation?.id };
  const provisional: CommandRequest = { ...base, headSha: '' };
  let authorised = false;
  try {
    // Approve needs the repository's config (approvePermission); others need write.
    const need: PermissionLevel = command.name === 'approve' ? (await deps.loadConfig(provisional)).commands.approvePermission : 'write';
    const have = await permissionOf(provisional);
    if (!permissionAtLeast(have, need)) {
      // Anyone can comment on a public repository: a refusal costs one reaction, never a comment.
      context.log.info({ sender: base.sender, have, need, command: command.name }, 'dbarch command refused');
      await react(provisional, 'confused');
      return 'refused';
    }
    if (!limiter.take(`${owner}/${repo}#${base.pullNumber}:${base.sender}`.toLowerCase(), (deps.now?.() ?? new Date()).getTime())) {
      context.log.info({ sender: base.sender, command: command.name }, 'dbarch command over the reply limit');
      await react(provisional, 'confused');
      return 'limited';
    }
    authorised = true;
    await react(provisional, 'eyes');
    const pull = await context.octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner, repo, pull_number: base.pullNumber });
    const req: CommandRequest = { ...base, headSha: pull.data.head.sha, ...(pull.data.base?.sha ? { baseSha: pull.data.base.sha } : {}) };
    context.log.info({ sender: base.sender, command: command.name, sha: req.headSha }, 'dbarch command');
    switch (command.name) {
      case 'help':
        await reply(req, command.unknown ? `Unknown command ${codeSpan(inline(command.unknown, 60))}.\n\n${HELP_TEXT}` : HELP_TEXT);
        break;
      case 'explain':
        await reply(req, renderExplain(deps.rules, (command.args.split(/\s+/)[0] ?? '').replace(/`/g, '')));
        break;
      case 'approve': {
        if (!command.args.trim()) {
          await reply(req, 'Usage: `/dbarch approve <reason>`: the reason is recorded in the check summary.');
          await react(req, 'confused');
          return 'failed';
        }
        try {
          if (!deps.identity) throw new Error('dbarch does not know its own App id, so it cannot tell its check run from others');
          const { appId } = await deps.identity();
          await reply(req, await approve(req, command.args.trim(), deps.now?.() ?? new Date(), appId));
        } catch (err) {
          if (!(err instanceof NotReady)) throw err;
          await reply(req, err.message);
          await react(req, 'confused');
          return 'failed';
        }
        break;
      }
      case 'review':
        await deps.review(req);
        break;
      case 'redesign': {
        if (deps.schedule) {
          // Off the webhook path: the task acknowledges on its own when it ends.
          await deps.schedule('redesign', async () => {
            try {
              await reply(req, await redesign(req, deps, command.args));
              await react(req, 'rocket');
            } catch (err) {
              await fail(req, command.name, err);
            }
          });
          return 'done';
        }
        await reply(req, await redesign(req, deps, command.args));
        break;
      }
    }
    await react(req, 'rocket');
    return 'done';
  } catch (err) {
    if (authorised) await fail(provisional, command.name, err);
    else {
      context.log.error({ err, command: command.name }, 'dbarch command failed before the permission check');
      await react(provisional, 'confused').catch(() => {});
    }
    return 'failed';
  }
}

async function fail(req: CommandRequest, name: string, err: unknown): Promise<void> {
  req.context.log.error({ err, command: name }, 'dbarch command failed');
  try {
    await reply(req, `\`/dbarch ${name}\` failed: ${neutralize(((err as Error).message ?? 'unknown error').slice(0, 300))}`);
    await react(req, 'confused');
  } catch {
    // Nothing more to tell the user if GitHub itself is failing.
  }
}
