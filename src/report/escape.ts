// Untrusted text (finding messages built from migration SQL, database error text, squawk
// output, model prose, file paths) on GitHub: rendered as text, never as a mention, a
// cross-reference, a link, an image or HTML.

const ZWJ = '\u200d';

/** Inline code that survives backticks inside (GitHub neither links nor renders inside it). */
export function codeSpan(text: string): string {
  const flat = text.replace(/\r?\n|\r/g, ' ');
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || flat === '' ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

export interface Piece {
  code: boolean;
  text: string;
}

/**
 * Code spans as CommonMark finds them: an opening backtick run that is not backslash-escaped,
 * closed by the next run of exactly the same length. A run without its closer is text.
 */
export function splitCodeSpans(text: string): Piece[] {
  const runs = [...text.matchAll(/`+/g)].map((m) => ({ at: m.index, len: m[0].length }));
  const out: Piece[] = [];
  let last = 0;
  for (let i = 0; i < runs.length; i++) {
    const open = runs[i]!;
    if (open.at < last || escapedAt(text, open.at)) continue;
    let close = -1;
    for (let j = i + 1; j < runs.length; j++) {
      if (runs[j]!.len === open.len) {
        close = j;
        break;
      }
    }
    if (close < 0) continue;
    const end = runs[close]!.at + runs[close]!.len;
    if (open.at > last) out.push({ code: false, text: text.slice(last, open.at) });
    out.push({ code: true, text: text.slice(open.at, end) });
    last = end;
    i = close;
  }
  if (last < text.length) out.push({ code: false, text: text.slice(last) });
  return out;
}

/** An odd number of backslashes right before `at` escapes the character there. */
function escapedAt(text: string, at: number): boolean {
  let n = 0;
  for (let k = at - 1; k >= 0 && text.charCodeAt(k) === 92; k--) n++;
  return n % 2 === 1;
}

const URL_RE = /(?:[a-z][a-z0-9+.-]*:\/\/|www\.)[^\s<>"'`]*[^\s<>"'`.,;:!?)\]]/gi;

/** URLs as code (never a link); the text between them through `inert`. */
function withInertUrls(text: string, inert: (t: string) => string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    out += inert(text.slice(last, m.index)) + codeSpan(m[0]);
    last = m.index + m[0].length;
  }
  return out + inert(text.slice(last));
}

/** No HTML, no mention, no issue or PR reference. */
function inertRefs(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@(?=[A-Za-z0-9])/g, `@${ZWJ}`)
    .replace(/#(?=\d)/g, `#${ZWJ}`)
    .replace(/\b(GH)-(?=\d)/gi, `$1-${ZWJ}`);
}

/** Plain text shown literally: every Markdown construct (code, emphasis, links, lists, headings) too. */
function literal(text: string): string {
  return inertRefs(text.replace(/[\\`*_[\]|~!]/g, '\\$&'))
    .replace(/^([ \t]*)([#+=-])/gm, '$1\\$2')
    .replace(/^([ \t]*\d+)([.)])/gm, '$1\\$2');
}

/** Untrusted plain text in Markdown: shown exactly as written, and inert. */
export function escapeMarkdown(text: string): string {
  return withInertUrls(text.replace(/\r\n?/g, '\n'), literal);
}

/**
 * Untrusted prose that may use Markdown (model output, rule help): code spans and emphasis
 * are kept; HTML, mentions, references, links and images are made inert.
 */
export function neutralizeMarkdown(text: string): string {
  let out: string;
  // \u0000 and \u0001 mark placeholders below; they have no business in prose.
  return splitCodeSpans(text.replace(/\r\n?/g, '\n').replace(/[\u0000\u0001]/g, ''))
    .map((p) => {
      if (p.code) return p.text;
      // A backtick run without its closer must stay text even next to the code we add below.
      out = p.text.replace(/`/g, (m, at: number, all: string) => (escapedAt(all, at) ? m : `\\${m}`));
      // Images first (tracking pixels), then links: keep the label, show the URL as code.
      const images: string[] = [];
      out = out.replace(/!\[([^\]]*)\]\(([^)]*)\)/g, (_m, alt: string) => (images.push(alt), `\u0001${images.length - 1}\u0001`));
      const links: string[] = [];
      out = out.replace(/\[([^\]]*)\]\(\s*([^)\s]*)[^)]*\)/g, (_m, label: string, url: string) => {
        links.push(url);
        return `${label} (\u0000${links.length - 1}\u0000)`;
      });
      out = out.replace(/<((?:https?|mailto):[^>\s]*)>/gi, (_m, url: string) => {
        links.push(url);
        return `\u0000${links.length - 1}\u0000`;
      });
      // Reference-style link definitions and the brackets that would use them.
      out = out.replace(/\[([^\]]*)\]/g, '\\[$1\\]');
      return withInertUrls(out, inertRefs)
        .replace(/\u0000(\d+)\u0000/g, (_m, i: string) => codeSpan(links[Number(i)]!))
        .replace(/\u0001(\d+)\u0001/g, (_m, i: string) => `[image: ${withInertUrls(images[Number(i)]!, inertRefs)}]`);
    })
    .join('');
}
