// Everything the model writes reaches GitHub through these templates: no mention, no
// cross-reference, no HTML, no link, no unbounded length.
import type { ArchitectFinding, ArchitectOutcome, ArchitectResult, TokenUsage } from './types.js';
import { totalTokens } from './types.js';
import { codeSpan, neutralizeMarkdown } from '../report/escape.js';

export const REVIEW_MARKER = '<!-- dbarch:architect-review -->';
/** GitHub rejects bodies above 65,536 characters; stay well below. */
export const MAX_BODY_CHARS = 60_000;

/** Cap a string, saying so visibly. */
export function cap(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 20))}… (truncated)`;
}

/**
 * Make model prose inert on GitHub: `@user`/`@org/team` cannot ping, `#12`/`GH-12`/`o/r#12`
 * cannot cross-reference, HTML is shown as text, links and images become plain text. Code
 * spans are kept as they are (GitHub neither links nor renders inside them).
 */
export const neutralize = neutralizeMarkdown;
export { codeSpan };

/** A fenced block whose fence cannot be closed by the content. */
export function codeBlock(text: string, lang = 'sql', max = 8000): string {
  const body = cap(text.replace(/\r\n?/g, '\n').trimEnd(), max);
  const longest = Math.max(2, ...[...body.matchAll(/`{3,}|~{3,}/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${body}\n${fence}`;
}

/** A value in a one-line table cell or heading. */
export function inline(text: string, max: number): string {
  return neutralize(cap(text.replace(/\s+/g, ' ').trim(), max)).replace(/\|/g, '\\|');
}

const RISK_BADGE: Record<ArchitectResult['risk'], string> = {
  low: '🟢 low',
  medium: '🟡 medium',
  high: '🟠 high',
  critical: '🔴 critical',
};

const SEVERITY_ICON: Record<ArchitectFinding['severity'], string> = { error: '⛔', warning: '⚠️', info: 'ℹ️' };

export function renderFinding(f: ArchitectFinding, opts: { withLocation: boolean }): string {
  const where = opts.withLocation ? ` — ${codeSpan(`${f.path}:${f.line}`)}` : '';
  const parts = [
    `${SEVERITY_ICON[f.severity]} **${inline(f.title, 200)}** (${f.category})${where}`,
    '',
    neutralize(cap(f.explanation.trim(), 2000)),
    '',
    `**Recommendation:** ${neutralize(cap(f.recommendation.trim(), 2000))}`,
  ];
  if (f.sql?.trim()) parts.push('', codeBlock(f.sql));
  return parts.join('\n');
}

export function formatUsage(model: string, usage: TokenUsage, costUsd: number | null): string {
  const cost = costUsd === null ? 'cost unknown for this model' : `≈ $${costUsd.toFixed(4)}`;
  return (
    `${codeSpan(model)}: ${totalTokens(usage)} tokens (input ${usage.input}, output ${usage.output}, ` +
    `cache write ${usage.cacheCreation}, cache read ${usage.cacheRead}), ${cost}`
  );
}

/** One line for the App's log and the check details. */
export function describeOutcome(o: ArchitectOutcome): string {
  if (o.source === 'fallback') return `Architect review unavailable (${o.unavailableReason ?? 'unknown reason'}); analyzer fallback used.`;
  if (o.source === 'cache') return `Architect review reused from an identical earlier run (no tokens spent).`;
  const fixed = o.corrections?.length ? ` Corrected ${o.corrections.length} model claim(s) contradicted by dbarch: ${o.corrections.join('; ')}.` : '';
  return `Architect review: ${formatUsage(o.model, o.usage, o.costUsd)}, ${o.turns} turn(s).${fixed}`;
}

export interface ReviewBodyInput {
  outcome: ArchitectOutcome;
  /** Findings placed in the body (not inline). */
  bodyFindings: ArchitectFinding[];
  inlineCount: number;
  headSha?: string;
}

export function renderReviewBody(input: ReviewBodyInput): string {
  const { outcome, bodyFindings } = input;
  const r = outcome.result;
  const lines: string[] = [REVIEW_MARKER, '## dbarch architect review', ''];
  if (outcome.source === 'fallback') {
    lines.push(
      `> **The AI review was unavailable:** ${neutralize(cap(outcome.unavailableReason ?? 'unknown reason', 300))}.`,
      '> Below is the analyzer’s own knowledge: every finding with its safe rewrite.',
      '',
    );
  }
  lines.push(`**Risk:** ${RISK_BADGE[r.risk]}`, '', neutralize(cap(r.summary.trim(), 4000)), '');
  if (input.inlineCount > 0) lines.push(`${input.inlineCount} finding(s) are attached to the changed lines.`, '');
  if (bodyFindings.length > 0) {
    lines.push('### Findings', '');
    for (const f of bodyFindings) lines.push(renderFinding(f, { withLocation: true }), '');
  }
  if (r.questions.length > 0) {
    lines.push('### Questions for the author', '');
    for (const q of r.questions) lines.push(`- ${inline(q, 1000)}`);
    lines.push('');
  }
  lines.push('---');
  const foot = ['_Advice only: the `dbarch` check verdict comes from the analyzer and the trace, not from this review._'];
  if (outcome.source === 'model') foot.push(`_${formatUsage(outcome.model, outcome.usage, outcome.costUsd)}._`);
  if (outcome.source === 'cache') foot.push('_Reused from an identical earlier run: no tokens spent._');
  if (input.headSha) foot.push(`_Head: ${codeSpan(input.headSha.slice(0, 12))}_`);
  lines.push(foot.join(' '));
  if (outcome.verifiedAgainst) lines.push('', `_${outcome.verifiedAgainst}_`);
  return capBody(lines.join('\n'));
}

/** `key` identifies the finding so a later update does not comment it twice. */
export function renderInlineComment(f: ArchitectFinding, key: string): string {
  return capBody(`${REVIEW_MARKER}\n${findingMarker(key)}\n${renderFinding(f, { withLocation: false })}`, 20_000);
}

export function findingMarker(key: string): string {
  return `<!-- dbarch:architect-finding:${key.replace(/[^\w-]/g, '')} -->`;
}

/** Cut a body that is still too long, keeping the head and saying so. */
export function capBody(body: string, max = MAX_BODY_CHARS): string {
  if (body.length <= max) return body;
  const cut = body.slice(0, max - 200);
  // Close an open fence so the note renders as text.
  const fences = (cut.match(/^`{3,}/gm) ?? []).length;
  return `${cut}${fences % 2 === 1 ? '\n```' : ''}\n\n_(truncated: the full review was longer than GitHub allows)_`;
}
