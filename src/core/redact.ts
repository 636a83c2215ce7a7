/**
 * Makes text that came from outside (an SDK message, a gateway's answer) safe to show a caller or
 * write to a log: no URLs, hosts, addresses, env ids, seqIds, stack frames or environment values.
 * Applied to every piece of remote text before it is kept; the catalogue's own texts need none.
 *
 * The text is hostile input (a gateway may answer anything, of any size), so the work is bounded:
 * only the first line, and only its first SCAN_LIMIT characters, are ever looked at, and every
 * pattern below does a bounded amount of work per position (bounded quantifiers, or a lookbehind
 * that lets a run of host-like characters be tried from its first character only).
 */

const MAX_LENGTH = 200;

/** Characters of the first line that are redacted at all; the rest could never reach the output. */
export const SCAN_LIMIT = 4096;

/**
 * When the scan is cut, the cut word is dropped, so that no fragment of a secret, token or
 * address (too short for the patterns to recognise) survives. Words longer than this are cut
 * back by this much instead of dropped whole.
 */
const MAX_CUT_WORD = 1024;

const HEX_GROUP = '[0-9a-f]{1,4}';
const IPV4 = '(?:\\d{1,3}\\.){3}\\d{1,3}';
/** What may end an IPv6 literal after "::": more groups, perhaps ending in an IPv4 (::ffff:10.0.0.1). */
const IPV6_TAIL = `(?:(?:${HEX_GROUP}:){0,5}${IPV4}|${HEX_GROUP}(?::${HEX_GROUP}){0,6})`;
/**
 * An IPv6 address: the full eight groups (or six and an IPv4), or a compressed form with "::" and
 * at least one group. Times (12:30:45), "errcode: 40001" and bare "::" have neither, so they stay.
 */
const IPV6 = [
  `(?:${HEX_GROUP}:){7}${HEX_GROUP}`,
  `(?:${HEX_GROUP}:){6}${IPV4}`,
  `${HEX_GROUP}(?::${HEX_GROUP}){0,6}::${IPV6_TAIL}?`,
  `::${IPV6_TAIL}`,
].join('|');
const ZONE = '(?:%[\\w.-]{1,32})?';
// Bracketed first, so that a port after "]" goes too. Not after a word character, ':' or '.', so a
// match never starts in the middle of a word, a time or an IPv4 address.
const IPV6_LITERAL = new RegExp(`\\[(?:${IPV6})${ZONE}\\](?::\\d{1,5})?|(?<![\\w:.])(?:${IPV6})${ZONE}(?![\\w:])`, 'gi');

const HOST_SUFFIX = '(?:com|cn|net|org|io|qq|local|internal|localhost)';

/** File types a two-label word may end in without being taken for a host (`index.js`). */
const FILE_TYPES = 'js|mjs|cjs|ts|mts|cts|jsx|tsx|json|md|txt|log|html|css|map|yml|yaml|xml|wxml|wxss|png|jpg|sh|py';
/** Objects an SDK or a handler names in its messages (`wx.cloud`, `event.userInfo`): a word.word there is code, not a host. */
const CODE_OBJECTS = 'wx|cloud|tcb|console|process|event|context|res|req|result';

/** `label.label` in one case (`a-z` or `A-Z`): neither the first a code object nor the last a file type. */
function twoLabels(letters: string): string {
  const label = `[${letters}0-9-]`;
  return `(?!(?:${CODE_OBJECTS})\\.)[${letters}0-9]${label}{0,62}\\.(?!(?:${FILE_TYPES})(?!${label}))[${letters}]${label}{1,62}`;
}

const PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  // A scheme is at most 32 characters: an unbounded one made every word of "a.a.a.a" a scan to the end.
  // An IPv6 host in brackets is part of the URL (its "]" would otherwise end it before the port).
  [/\b[a-z][a-z0-9+.-]{0,31}:\/\/(?:\[[\w:.%-]{1,64}\][^\s"'<>|\])]*|[^\s"'<>|\])]+)/gi, '<url>'],
  [IPV6_LITERAL, '<address>'],
  [/\[?\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b\]?/g, '<address>'],
  // At most 16 labels of at most 63 characters (DNS's limit), never starting inside a word or after
  // '-': each start costs at most one host's length, where unbounded labels made "a.a.a.a" quadratic.
  [new RegExp(`(?<![\\w-])(?:[a-z0-9-]{1,63}\\.){1,16}${HOST_SUFFIX}(?::\\d{1,5})?\\b`, 'gi'), '<host>'],
  // Any other host-like name, whatever its top-level label (`gw.tcb.svc.cluster`, `x.y.internal`):
  // three or more lowercase labels, the last one not all digits (a version such as 2.2.46 stays).
  // API names keep their capitals (`openapi.pluginManager.applyPlugin`), so they stay readable.
  [/(?<![\w.-])(?:[a-z0-9][a-z0-9-]{0,62}\.){2,15}[a-z][a-z0-9-]{0,62}(?::\d{1,5})?(?![\w-]|\.[\w-])/g, '<host>'],
  // The same in capitals (`GW.TCB.SVC.CLUSTER`: resolvers and some gateways print names so). One
  // case per pattern, never a label of either: two overlapping cases per label would backtrack
  // exponentially over a run of digit labels.
  [/(?<![\w.-])(?:[A-Z0-9][A-Z0-9-]{0,62}\.){2,15}[A-Z][A-Z0-9-]{0,62}(?::\d{1,5})?(?![\w-]|\.[\w-])/g, '<host>'],
  // Two labels (`my-backend.prod`, a cluster's service.namespace), each all lowercase or all
  // capitals, the last of at least two letters: `e.g`, `2.2`, `openapi.pluginManager` and a file
  // name (`index.js`: the last label a file type) stay.
  [new RegExp(`(?<![\\w.-])(?:${twoLabels('a-z')}|${twoLabels('A-Z')})(?::\\d{1,5})?(?![\\w-]|\\.[\\w-])`, 'g'), '<host>'],
  [/\blocalhost(?::\d{1,5})?\b/gi, '<host>'],
  [/\b(env|envName|seqId|requestId|rid|access_token|token|secret\w*)\s*[=:]\s*[^\s,;&|]+/gi, '$1=<redacted>'],
  // A whole run of token characters, tried from its first character only.
  [/(?<![\w-])[\w-]{32,}(?![\w-])/g, '<redacted>'],
];

/** A stack frame ("  at fn (file:1:1)") and everything after it; tried once per run of whitespace. */
const STACK_FRAME = /(?<!\s)\s+at\s+\S+\s+\(/;

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
    .map(([, value]) => value);
}

/**
 * Credentials this process holds that did not come from the environment: the HTTPS client's app
 * secret and the tokens it was given or fetched. WeChat may echo one in an errmsg, and one shorter
 * than the long-token pattern would otherwise pass. The newest MAX_REMEMBERED are kept.
 */
const remembered = new Set<string>();
const MAX_REMEMBERED = 64;
/** Shorter values are too common as words to be found in text without garbling it. */
const MIN_REMEMBERED_LENGTH = 4;

export function rememberSecret(value: string): void {
  if (value.length < MIN_REMEMBERED_LENGTH || remembered.has(value)) return;
  remembered.add(value);
  if (remembered.size > MAX_REMEMBERED) remembered.delete(remembered.values().next().value!);
}

/** Drops the last (cut) word of `text`, or its last MAX_CUT_WORD characters if the word is longer. */
function dropCutWord(text: string): string {
  const floor = Math.max(0, text.length - MAX_CUT_WORD);
  // The last whitespace of the tail; -1 (none) keeps nothing of it.
  const lastSpace = text.slice(floor).search(/\s\S*$/);
  return text.slice(0, floor + Math.max(0, lastSpace));
}

/**
 * The first line (stack traces and multi-line dumps stop there), at most SCAN_LIMIT characters of
 * it; `cut` tells whether anything of the first line was left out. One character past SCAN_LIMIT is
 * read, to tell a word that ends at the limit (kept) from one the limit cuts (dropped). A '\r'
 * before the newline is whitespace, trimmed with the rest.
 */
function boundedFirstLine(text: string): { line: string; cut: boolean } {
  const head = text.slice(0, SCAN_LIMIT + 1);
  const newline = head.indexOf('\n');
  if (newline >= 0) return { line: head.slice(0, newline), cut: false };
  if (head.length <= SCAN_LIMIT) return { line: head, cut: false };
  return { line: dropCutWord(head), cut: true };
}

function withoutStackFrame(line: string): string {
  const frame = line.search(STACK_FRAME);
  return frame >= 0 ? line.slice(0, frame) : line;
}

export function redact(text: string, env: Readonly<Record<string, string | undefined>> = process.env): string {
  const { line, cut } = boundedFirstLine(text);
  let out = withoutStackFrame(line);
  // Longest first: a secret that contains a shorter one must go whole, not leave its remainder.
  for (const value of [...remembered, ...secretValues(env)].sort((a, b) => b.length - a.length)) {
    out = out.replaceAll(value, '<redacted>');
  }
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  out = out.trim();
  // A cut scan ends in "…" too: the reader should know there was more.
  return out.length > MAX_LENGTH || cut ? `${out.slice(0, MAX_LENGTH - 1)}…` : out;
}
