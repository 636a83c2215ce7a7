/**
 * One structured line per invocation, always with the same keys first, so that the cloud
 * console's log search can filter on any of them; then the operation's own logged fields (never
 * free text). What may go in is fixed here: never the event, process.env, tokens or credentials;
 * the caller's OPENID only masked.
 */
import { ProjectCode } from './codes';
import type { OperationError } from './errors';
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

/** How one call ended, for its log line: what every caller of WeChat logs, the engine and the component client alike. */
export interface CallOutcome {
  /** The operation or step (`applyPlugin`, `getAuthorizerList`), or the function's name when none was chosen. */
  readonly name: string;
  readonly action?: string | null;
  readonly requestId?: string | null;
  /** The caller's SOURCE and OPENID, where there is a caller (a cloud function's). */
  readonly source?: unknown;
  readonly openid?: unknown;
  readonly errCode: number;
  readonly attempts: number;
  /** When the call started (ms since the epoch): the line's durationMs is measured from it. */
  readonly startedAt: number;
  readonly fields: Readonly<Record<string, string | number>>;
  /** The failure, when there was one: its cause goes into the line, redacted. */
  readonly failure?: OperationError | undefined;
}

/** What was caught, for the log line: its code and message, redacted; null when nothing was. */
export function describeCause(error: OperationError | undefined): string | null {
  if (!error?.cause) return null;
  const cause = error.cause as { errMsg?: unknown; message?: unknown; code?: unknown };
  const text = [cause.code, cause.errMsg ?? cause.message].filter((part) => part !== undefined).join(' ');
  return redact(text || String(error.cause));
}

/** The one log line of a call, as text. */
export function callLogLine(outcome: CallOutcome, now: () => number = Date.now): string {
  const { errCode } = outcome;
  return formatLogLine({
    level: errCode === 0 ? 'info' : errCode === ProjectCode.INTERNAL ? 'error' : 'warn',
    operation: outcome.name,
    action: outcome.action ?? null,
    requestId: outcome.requestId ?? null,
    errCode,
    attempts: outcome.attempts,
    durationMs: now() - outcome.startedAt,
    source: outcome.source === undefined || outcome.source === null ? null : String(outcome.source),
    openid: maskOpenid(outcome.openid),
    fields: outcome.fields,
    cause: describeCause(outcome.failure),
  });
}

/**
 * Writes a call's log line to `log`. The log line is a second concern: if gathering its outcome
 * (`outcome` may be a function, called here), building or writing it fails, a minimal line says
 * so, and the caller still gets its result.
 */
export function writeCallLog(log: LogSink, outcome: CallOutcome | (() => CallOutcome)): void {
  try {
    log(callLogLine(typeof outcome === 'function' ? outcome() : outcome));
  } catch (caught) {
    try {
      log(JSON.stringify({ level: 'error', operation: 'log', cause: `the log line could not be written: ${caught instanceof Error ? caught.name : typeof caught}` }));
    } catch {
      // Nowhere left to report it; the result is returned all the same.
    }
  }
}

// Written with process.stdout rather than console so the line is exactly one JSON document.
export const stdoutSink: LogSink = (line) => {
  process.stdout.write(`${line}\n`);
};
