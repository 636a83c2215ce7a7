import { ProjectCode } from '../core/codes';
import { OperationError } from '../core/errors';
import { kindOf } from '../core/validate';
import type { LogSink } from '../core/log';
import type { AccessTokenSource } from './access-token';
import type { Fetch } from './http';

export interface HttpsClientOptions {
  /** An access token to use as is (the mini-program's, or a third-party platform's authorizer_access_token). */
  readonly accessToken?: string;
  /** Or the account's appid and secret, to get (and refresh) tokens through stable_token. With a token too, they are the fallback when WeChat refuses it. */
  readonly appid?: string;
  readonly secret?: string;
  /**
   * Or a token source of your own, shared by every server of the account (see AccessTokenSource):
   * used instead of accessToken, appid and secret.
   */
  readonly accessTokenSource?: AccessTokenSource;
  /** Default https://api.weixin.qq.com. */
  readonly baseUrl?: string;
  /** The whole call's time budget, retries included (default 10 s). */
  readonly timeoutMs?: number;
  readonly fetch?: Fetch;
  /** Where the one log line per call goes; default: nowhere. */
  readonly log?: LogSink;
}

/**
 * createHttpsClient's options, checked at the library's outer edge. A library user's mistake
 * (`createHttpsClient(null)`, a secret read as a number, a negative or NaN timeout, a Node without
 * fetch) is never thrown: every call then answers -930303 saying what to fix, and nothing is sent.
 * Values are never echoed (a misplaced secret could be one).
 */
export interface CheckedOptions {
  /** What can be used: a wrong option is left out. */
  readonly options: HttpsClientOptions;
  readonly problem?: OperationError;
}

const TEXT_OPTIONS = ['accessToken', 'appid', 'secret', 'baseUrl'] as const;

function invalid(detail: string): OperationError {
  return new OperationError(ProjectCode.HTTPS_OPTIONS_INVALID, { detail });
}

/** Anything with the two functions will do, a class instance or a plain object alike. */
const isTokenSource = (value: unknown): value is AccessTokenSource =>
  typeof (value as Partial<AccessTokenSource> | null)?.get === 'function' && typeof (value as AccessTokenSource).invalidate === 'function';

/** Why the options cannot be used, if they cannot: the first problem found. */
function problemOf(raw: Record<string, unknown>): string | undefined {
  for (const name of TEXT_OPTIONS) {
    if (raw[name] !== undefined && typeof raw[name] !== 'string') return `the option ${name} is ${kindOf(raw[name])}, not a string: pass it as text (for example String(value)), or leave it out`;
  }
  const timeout = raw.timeoutMs;
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0)) {
    return 'the option timeoutMs is not a positive number of milliseconds (it is negative, zero, NaN or not a number): pass one such as 10000, or leave it out for 10 s';
  }
  if (raw.fetch !== undefined && typeof raw.fetch !== 'function') return 'the option fetch is not a function: pass a fetch implementation, or leave it out';
  if (raw.log !== undefined && typeof raw.log !== 'function') return 'the option log is not a function: pass one taking a line of text, or leave it out';
  if (raw.accessTokenSource !== undefined && !isTokenSource(raw.accessTokenSource)) return 'the option accessTokenSource needs get(timeoutMs) and invalidate(token, code) functions';
  return undefined;
}

export function checkClientOptions(raw: unknown): CheckedOptions {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { options: {}, problem: invalid('createHttpsClient takes an options object, such as { appid, secret }') };
  }
  const problem = problemOf(raw as Record<string, unknown>);
  return problem === undefined ? { options: raw as HttpsClientOptions } : { options: {}, problem: invalid(problem) };
}
