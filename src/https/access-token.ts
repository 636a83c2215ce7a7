import { ProjectCode } from '../core/codes';
import { OperationError } from '../core/errors';
import { remoteError } from '../core/remote';
import { postJson, type Fetch } from './http';
import { withinDeadline, type Budget } from '../core/deadline';

/** WeChat's answers that mean "this access token is no good": refresh once and try again. */
export const TOKEN_ERRORS: ReadonlySet<number> = new Set([40001, 40014, 42001]);

export interface AccessTokenSource {
  /** A token valid now, fetched if need be within the call's budget. */
  get(budget: Budget): Promise<string>;
  /**
   * WeChat refused `refused`: the next `get` answers a newer token. False when there is no way to
   * get another one.
   */
  invalidate(refused: string): boolean;
}

/** A token the caller gave: used as is, and never refreshed (nothing to refresh it with). */
export function givenToken(token: string): AccessTokenSource {
  return { get: () => Promise.resolve(token), invalidate: () => false };
}

export interface StableTokenOptions {
  readonly appid: string;
  readonly secret: string;
  readonly baseUrl: string;
  readonly fetch: Fetch;
  /** Refresh this long before WeChat's expires_in runs out. */
  readonly refreshMarginMs?: number;
  readonly now?: () => number;
}

const TOKEN_TODO = 'check WECHAT_APPID and WECHAT_APPSECRET';

/**
 * The token request answered, but with no token in it. Nothing was sent to the API, so unlike an
 * unexpected answer from the API itself, nothing can have been applied.
 */
function noTokenIn(what: string, cause?: unknown): OperationError {
  return new OperationError(ProjectCode.UNEXPECTED_ANSWER, {
    detail: `the token request to stable_token answered ${what}, so nothing was sent: ${TOKEN_TODO}`,
    maybeDelivered: false,
    cause,
  });
}

interface Issued {
  readonly token: string;
  readonly lifetimeMs: number;
}

/** One POST to stable_token; `force` asks WeChat for a new token even if the current one is valid. */
async function requestToken(options: StableTokenOptions, force: boolean, timeoutMs: number): Promise<Issued> {
  const body = { grant_type: 'client_credential', appid: options.appid, secret: options.secret, ...(force ? { force_refresh: true } : {}) };
  let answer: Record<string, unknown>;
  try {
    answer = await postJson(options.fetch, `${options.baseUrl}/cgi-bin/stable_token`, body, timeoutMs);
  } catch (error) {
    // postJson's own words for an answer without errcode speak of the application; this was not it.
    if (error instanceof OperationError && error.code === ProjectCode.UNEXPECTED_ANSWER) throw noTokenIn('with no JSON object', error.cause);
    throw error;
  }
  if (typeof answer.errcode === 'number' && answer.errcode !== 0) throw remoteError(answer.errcode, answer.errmsg);
  if (typeof answer.access_token !== 'string' || answer.access_token === '' || typeof answer.expires_in !== 'number') {
    throw noTokenIn('without access_token and expires_in');
  }
  return { token: answer.access_token, lifetimeMs: answer.expires_in * 1000 };
}

/**
 * Tokens from `POST /cgi-bin/stable_token`, cached until shortly before `expires_in`. After WeChat
 * refuses a token, the next fetch asks with `force_refresh: true`, since a plain request would hand
 * back the same stable token.
 *
 * At most one forced refresh per token: WeChat invalidates the previous token on each forced
 * refresh (and limits how often one may be asked), so a burst of calls refused together must share
 * one, and a refusal of a token that has already been replaced must not throw the new one away.
 */
/** The least time a shared token fetch is given, whoever started it. */
export const TOKEN_FETCH_MIN_MS = 2000;

export function stableToken(options: StableTokenOptions): AccessTokenSource {
  const now = options.now ?? Date.now;
  const margin = options.refreshMarginMs ?? 5 * 60_000;
  let cached: { token: string; refreshAt: number } | undefined;
  let pending: Promise<string> | undefined;
  /** The last token WeChat refused: never handed out again, and refused only once. */
  let refused: string | undefined;
  /** A refusal is waiting for its forced refresh to succeed. */
  let forceNext = false;

  /**
   * One fetch, shared by every caller waiting for a token, with a budget of its own: at least
   * TOKEN_FETCH_MIN_MS, so that a call on its last milliseconds cannot make the fetch fail for a
   * caller with time to spare. Each caller waits for it only within its own budget (`get`).
   */
  async function fetchToken(timeoutMs: number): Promise<string> {
    const deadline = Date.now() + Math.max(timeoutMs, TOKEN_FETCH_MIN_MS);
    const force = forceNext;
    let issued = await requestToken(options, force, deadline - Date.now());
    // A plain request can hand back the refused token while WeChat still thinks it valid.
    if (!force && issued.token === refused) issued = await requestToken(options, true, deadline - Date.now());
    if (force || issued.token !== refused) forceNext = false;
    cached = { token: issued.token, refreshAt: now() + issued.lifetimeMs - Math.min(margin, issued.lifetimeMs / 2) };
    return issued.token;
  }

  return {
    async get(budget) {
      if (cached && cached.token !== refused && now() < cached.refreshAt) return cached.token;
      // Callers arriving together share one fetch; each waits within its own budget.
      pending ??= fetchToken(budget.remaining()).finally(() => (pending = undefined));
      return withinDeadline(pending, budget.remaining());
    },
    invalidate(token) {
      // Already refused (a forced refresh is under way or done), or already replaced by a newer one.
      if (token === refused || (cached !== undefined && cached.token !== token)) return true;
      refused = token;
      forceNext = true;
      return true;
    },
  };
}
