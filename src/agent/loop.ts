// The tool-use loop shared by the review and the redesign: call the model, run its read-only
// tools, stop at the submit tool; bounded by turns, tokens and wall time.
import Anthropic, { APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { z } from 'zod';
import { redactSecrets as redactValues } from './prompt.js';
import { redactDeep, redactSecretPatterns } from './secrets.js';
import { runTool, type ToolContext } from './tools.js';
import type { AgentLogger, TokenUsage } from './types.js';
import { emptyUsage, totalTokens } from './types.js';
import { estimateCostUsd } from './cost.js';
import type { Telemetry } from '../telemetry.js';

export interface AgentLimits {
  /** Model calls per run. */
  maxTurns: number;
  /** Tokens per run (input + output + cache reads and writes). */
  maxTokens: number;
  /** Wall time per run, all calls and tools included. */
  wallTimeMs: number;
  /** `max_tokens` of one call. */
  maxOutputTokens: number;
  /** Per-request timeout handed to the SDK (which retries timeouts). */
  requestTimeoutMs: number;
  /** Per-file cap on migration text in the prompt. */
  maxFileChars: number;
  /** Cap on the whole first message. */
  maxPromptChars: number;
}

export const DEFAULT_LIMITS: AgentLimits = {
  maxTurns: 10,
  maxTokens: 200_000,
  wallTimeMs: 180_000,
  maxOutputTokens: 8_192,
  requestTimeoutMs: 90_000,
  maxFileChars: 40_000,
  maxPromptChars: 160_000,
};

export const EPHEMERAL = { type: 'ephemeral' } as const;

export interface LoopOptions<T> {
  client: Anthropic;
  model: string;
  system: Anthropic.Messages.TextBlockParam[];
  /** All tools; the last one should carry the cache breakpoint. */
  tools: Anthropic.Messages.Tool[];
  submitTool: string;
  schema: z.ZodType<T>;
  userText: string;
  toolContext: ToolContext;
  limits: AgentLimits;
  /** Values that must never be sent (redacted from user text and tool results). */
  secrets: readonly string[];
  signal?: AbortSignal;
  log?: AgentLogger;
  /** Where each response's token usage and cost are reported. */
  telemetry?: Telemetry | undefined;
  /** Checked after schema validation; problems are sent back once for revision, then the value is accepted. */
  review?: (value: T) => Promise<string | null>;
}

export type LoopResult<T> =
  | { ok: true; value: T; usage: TokenUsage; turns: number; revisedAfterReview: boolean }
  | { ok: false; reason: string; usage: TokenUsage; turns: number };

function addUsage(total: TokenUsage, u: Anthropic.Messages.Usage | undefined): void {
  if (!u) return;
  total.input += u.input_tokens ?? 0;
  total.output += u.output_tokens ?? 0;
  total.cacheCreation += u.cache_creation_input_tokens ?? 0;
  total.cacheRead += u.cache_read_input_tokens ?? 0;
}

/** The environment's secret values and every well-known credential format, masked. */
function redactSecrets(text: string, secrets: readonly string[]): string {
  return redactSecretPatterns(redactValues(text, secrets));
}

export async function runToolLoop<T>(opts: LoopOptions<T>): Promise<LoopResult<T>> {
  const { limits } = opts;
  const usage = emptyUsage();
  let turns = 0;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('wall time exceeded')), limits.wallTimeMs);
  const onOuterAbort = () => controller.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const fail = (reason: string): LoopResult<T> => ({ ok: false, reason, usage, turns });

  const messages: Anthropic.Messages.MessageParam[] = [
    {
      role: 'user',
      // The first message is identical on every turn: cache it too.
      content: [{ type: 'text', text: redactSecrets(opts.userText, opts.secrets), cache_control: EPHEMERAL }],
    },
  ];
  let invalidOutputs = 0;
  let reviewed = false;
  let forceSubmit = false;

  try {
    while (true) {
      if (controller.signal.aborted) return fail(`wall time limit reached (${limits.wallTimeMs / 1000} s)`);
      if (turns >= limits.maxTurns) return fail(`turn limit reached (${limits.maxTurns} model calls)`);
      const remaining = limits.maxTokens - totalTokens(usage);
      if (remaining < 512) return fail(`token budget exhausted (${totalTokens(usage)} of ${limits.maxTokens} tokens used)`);
      const lastTurn = turns === limits.maxTurns - 1;
      turns++;
      const response = await opts.client.messages.create(
        {
          model: opts.model,
          max_tokens: Math.min(limits.maxOutputTokens, remaining),
          system: opts.system,
          tools: opts.tools,
          tool_choice: forceSubmit || lastTurn ? { type: 'tool', name: opts.submitTool } : { type: 'auto' },
          messages,
        },
        { signal: controller.signal, timeout: limits.requestTimeoutMs },
      );
      addUsage(usage, response.usage);
      const turnUsage = emptyUsage();
      addUsage(turnUsage, response.usage);
      opts.telemetry?.anthropicUsage(opts.model, turnUsage, estimateCostUsd(opts.model, turnUsage));
      opts.log?.info({ turn: turns, stop: response.stop_reason, usage: response.usage }, 'architect turn');
      messages.push({ role: 'assistant', content: response.content as Anthropic.Messages.ContentBlockParam[] });

      const toolUses = response.content.filter((b): b is Anthropic.Messages.ToolUseBlock => b.type === 'tool_use');
      if (toolUses.length === 0) {
        forceSubmit = true;
        messages.push({ role: 'user', content: `Call ${opts.submitTool} now with your complete answer.` });
        continue;
      }
      const results: Anthropic.Messages.ToolResultBlockParam[] = [];
      for (const use of toolUses) {
        if (use.name !== opts.submitTool) {
          const out = await runTool(use.name, use.input, opts.toolContext);
          results.push({ type: 'tool_result', tool_use_id: use.id, content: redactSecrets(out.content, opts.secrets), is_error: out.isError || undefined });
          continue;
        }
        const parsed = opts.schema.safeParse(use.input);
        if (!parsed.success) {
          invalidOutputs++;
          const problem = z.prettifyError(parsed.error);
          opts.log?.warn({ problem, attempt: invalidOutputs }, 'architect output failed validation');
          if (invalidOutputs >= 2) return fail(`the model's answer failed validation twice (${problem.split('\n').slice(0, 3).join('; ')})`);
          results.push({ type: 'tool_result', tool_use_id: use.id, is_error: true, content: `Your ${opts.submitTool} input is invalid:\n${problem}\nCall ${opts.submitTool} again with a corrected input.` });
          forceSubmit = true;
          continue;
        }
        if (opts.review && !reviewed) {
          reviewed = true;
          const problems = await opts.review(parsed.data);
          if (problems) {
            results.push({ type: 'tool_result', tool_use_id: use.id, is_error: true, content: `${problems}\nRevise and call ${opts.submitTool} again.` });
            forceSubmit = true;
            continue;
          }
          return { ok: true, value: redactDeep(parsed.data), usage, turns, revisedAfterReview: false };
        }
        // what the model answers is posted: a credential it saw anywhere stays masked
        return { ok: true, value: redactDeep(parsed.data), usage, turns, revisedAfterReview: reviewed };
      }
      messages.push({ role: 'user', content: results });
      if (totalTokens(usage) >= limits.maxTokens) return fail(`token budget exhausted (${totalTokens(usage)} of ${limits.maxTokens} tokens used)`);
    }
  } catch (err) {
    if (controller.signal.aborted || err instanceof APIUserAbortError) {
      return fail(opts.signal?.aborted ? 'cancelled' : `wall time limit reached (${limits.wallTimeMs / 1000} s)`);
    }
    if (err instanceof APIError) {
      return fail(`the Anthropic API failed${err.status ? ` with HTTP ${err.status}` : ''} after retries (${err.constructor.name})`);
    }
    return fail(`the architect failed: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onOuterAbort);
  }
}
