/**
 * One structured line per invocation, always with the same keys first, so that the cloud
 * console's log search can filter on any of them; then the operation's own logged fields (never
 * free text). What may go in is fixed here: never the event, process.env, tokens or credentials;
 * the caller's OPENID only masked.
 */
import { redact } from './redact';

export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  /** The operation (`applyPlugin`), or the function's name when no operation could be chosen. */
  readonly operation: string;
  /** The caller's action when it named one the function knows; null otherwise. */
  readonly action: string | null;
  readonly requestId: string | null;
  readonly errCode: number;
  readonly attempts: number;
  readonly durationMs: number;
  readonly source: string | null;
  readonly openid: string | null;
  /** The operation's logged fields (`pluginAppid`, `page`, ...), when the request was valid. */
  readonly fields: Readonly<Record<string, string | number>>;
  /** For failures: what was caught, already redacted. */
  readonly cause: string | null;
}

export type LogSink = (line: string) => void;

/** The longest text any fixed key (source, requestId) keeps. */
export const MAX_LOGGED_TEXT = 128;

/**
 * A value the platform or a caller wrote (SOURCE, a request id): what it looks like when it is
 * ordinary is kept as it is; anything else is redacted and bounded, so that no host, secret or
 * 100 KB SOURCE reaches the log line.
 */
function loggedText(value: string | null, ordinary: RegExp): string | null {
  // Stryker disable next-line ConditionalExpression: RegExp#test reads null as "null", which both patterns accept, so this test is invisible; it stays so as not to lean on that.
  if (value === null) return null;
  if (ordinary.test(value)) return value;
  return redact(value).slice(0, MAX_LOGGED_TEXT);
}

/** SOURCE as the platform writes it: `wx_client`, `wx_client,scf`. */
const ORDINARY_SOURCE = /^[a-z_]{1,32}(?:,[a-z_]{1,32}){0,7}$/;
/** A request id: a UUID or another short run of word characters. */
const ORDINARY_REQUEST_ID = /^[\w-]{1,64}$/;

/** `oAbCdEfGhIjKlMnOpQrStUvWxYz` -> `oAbC…Yz`: enough to tell callers apart, not enough to impersonate one. */
export function maskOpenid(openid: unknown): string | null {
  if (openid === undefined || openid === null || openid === '') return null;
  const text = String(openid);
  if (text.length <= 8) return '***';
  return `${text.slice(0, 4)}…${text.slice(-2)}`;
}

export function formatLogLine(line: LogLine): string {
  const { fields, cause, ...given } = line;
  const fixed = { ...given, source: loggedText(given.source, ORDINARY_SOURCE), requestId: loggedText(given.requestId, ORDINARY_REQUEST_ID) };
  // Fixed keys win: an operation's field can never overwrite one (`cause` is written last).
  const extra = Object.fromEntries(Object.entries(fields).filter(([key]) => !(key in fixed)));
  return JSON.stringify({ ...fixed, ...extra, cause });
}

// Written with process.stdout rather than console so the line is exactly one JSON document.
export const stdoutSink: LogSink = (line) => {
  process.stdout.write(`${line}\n`);
};
