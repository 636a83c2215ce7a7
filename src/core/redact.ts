/**
 * Makes text that came from outside (an SDK message, a gateway's answer) safe to show a caller or
 * write to a log: no URLs, hosts, addresses, env ids, seqIds, stack frames or environment values.
 * Applied to every piece of remote text before it is kept; the catalogue's own texts need none.
 */

const MAX_LENGTH = 200;

const PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>|\])]+/gi, '<url>'],
  [/\[?\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b\]?/g, '<address>'],
  [/\b(?:[a-z0-9-]+\.)+(?:com|cn|net|org|io|qq|local|internal|localhost)(?::\d+)?\b/gi, '<host>'],
  [/\blocalhost(?::\d+)?\b/gi, '<host>'],
  [/\b(env|envName|seqId|requestId|rid|access_token|token|secret\w*)\s*[=:]\s*[^\s,;&|]+/gi, '$1=<redacted>'],
  [/\b[A-Za-z0-9_-]{32,}\b/g, '<redacted>'],
];

const SECRET_NAME = /SECRET|TOKEN|KEY|PASSWORD|CREDENTIAL/i;
const ENV_ID_NAMES: ReadonlySet<string> = new Set(['TCB_ENV', 'SCF_NAMESPACE', 'TCB_ENV_ID']);

/**
 * Values from the environment that must never be echoed: every value of a variable named like a
 * secret, the env id, and anything long enough to be a credential. Short ordinary values (a
 * function's own name, a region) stay readable.
 */
function secretValues(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(env)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .filter(([name, value]) => ((SECRET_NAME.test(name) || ENV_ID_NAMES.has(name)) && value.length >= 4) || value.length >= 16)
    .map(([, value]) => value)
    .sort((a, b) => b.length - a.length);
}

export function redact(text: string, env: Readonly<Record<string, string | undefined>> = process.env): string {
  // First line only: stack traces and multi-line dumps stop here.
  let out = text.split(/\r?\n/, 1)[0]!;
  out = out.replace(/\s+at\s+\S+\s+\(.*$/, '');
  for (const value of secretValues(env)) {
    if (out.includes(value)) out = out.split(value).join('<redacted>');
  }
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  out = out.trim();
  return out.length > MAX_LENGTH ? `${out.slice(0, MAX_LENGTH - 1)}…` : out;
}
