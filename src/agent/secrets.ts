// Secrets committed to a repository must not reach the model, the logs or a posted review:
// files that hold them are never read, and well-known credential formats are masked in
// everything the agent sends or posts.

/** `.env*`, `*.pem`, `*.key`, `id_*` (SSH keys) and other key, keystore and credential files. */
const SECRET_FILES = [/^\.env/i, /\.(pem|key|p12|pfx|jks|keystore|ppk|asc|gpg)$/i, /^id_/i, /^\.(pgpass|netrc|npmrc|pypirc|git-credentials)$/i, /^credentials(\.json)?$/i];

export function isSecretPath(path: string): boolean {
  const base = path.split('/').pop() ?? path;
  return SECRET_FILES.some((re) => re.test(base));
}

/**
 * Credential formats with a recognisable shape. Each pattern is linear (no nested or
 * overlapping quantifiers), since it runs over whole files.
 */
const SECRET_PATTERNS: [string, RegExp][] = [
  ['AWS access key id', /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b/g],
  ['AWS secret access key', /(\baws_?secret_?access_?key\b["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/gi],
  ['GitHub token', /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g],
  ['GitLab token', /\bglpat-[A-Za-z0-9_-]{20,}/g],
  ['Slack token', /\bxox[abposr]-[A-Za-z0-9-]{10,}/g],
  ['Slack webhook', /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]+/g],
  ['Anthropic API key', /\bsk-ant-[A-Za-z0-9_-]{20,}/g],
  ['OpenAI API key', /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g],
  ['Google API key', /\bAIza[0-9A-Za-z_-]{35}\b/g],
  ['Stripe key', /\b[rs]k_(?:live|test)_[0-9A-Za-z]{20,}/g],
  ['npm token', /\bnpm_[A-Za-z0-9]{36}\b/g],
  ['JSON web token', /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/g],
  // the password of a connection URL (postgres://user:password@host)
  ['URL password', /(\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s:/@'"]{1,100}:)[^\s@'"/]{1,200}(?=@)/gi],
  // CREATE/ALTER ROLE … PASSWORD '…' in SQL
  ['SQL password', /(\bPASSWORD\s+)'[^'\n]{1,200}'/gi],
];

const BEGIN_KEY = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY( BLOCK)?-----/g;

/** Masks private key blocks and well-known token formats; the label says what was there. */
export function redactSecretPatterns(text: string): string {
  let out = maskKeyBlocks(text);
  for (const [label, re] of SECRET_PATTERNS) {
    out = out.replace(re, (match: string, prefix: unknown) => `${typeof prefix === 'string' ? prefix : ''}[redacted ${label}]`);
  }
  return out;
}

/** From each BEGIN … PRIVATE KEY to its END line (or the end of the text); one pass. */
function maskKeyBlocks(text: string): string {
  if (!text.includes('PRIVATE KEY')) return text;
  let out = '';
  let from = 0;
  BEGIN_KEY.lastIndex = 0;
  for (let m = BEGIN_KEY.exec(text); m; m = BEGIN_KEY.exec(text)) {
    const endMarker = text.indexOf('-----END ', m.index + m[0].length);
    const endLine = endMarker < 0 ? -1 : text.indexOf('-----', endMarker + 9);
    const stop = endLine < 0 ? text.length : endLine + 5;
    out += `${text.slice(from, m.index)}[redacted private key]`;
    from = stop;
    BEGIN_KEY.lastIndex = stop;
  }
  return out + text.slice(from);
}

/** Every string inside a value (the model's structured answer), masked. */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redactSecretPatterns(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)])) as T;
  }
  return value;
}
