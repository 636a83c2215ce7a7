import { remoteError, unexpectedAnswer } from '../core/remote';
import { postJson, type Fetch } from './http';

/** WeChat's answers that mean "this access token is no good": refresh once and try again. */
export const TOKEN_ERRORS: ReadonlySet<number> = new Set([40001, 40014, 42001]);

export interface AccessTokenSource {
  /** A token valid now, fetched if need be. */
  get(timeoutMs: number): Promise<string>;
  /** Forget the token WeChat refused; false when there is no way to get another one. */
  invalidate(): boolean;
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

/**
 * Tokens from `POST /cgi-bin/stable_token`, cached until shortly before `expires_in`. After WeChat
 * refuses a token, the next fetch asks with `force_refresh: true`, since a plain request would hand
 * back the same stable token.
 */
export function stableToken(options: StableTokenOptions): AccessTokenSource {
  const now = options.now ?? Date.now;
  const margin = options.refreshMarginMs ?? 5 * 60_000;
  let cached: { token: string; refreshAt: number } | undefined;
  let pending: Promise<string> | undefined;
  let forceRefresh = false;

  async function fetchToken(timeoutMs: number): Promise<string> {
    const body = { grant_type: 'client_credential', appid: options.appid, secret: options.secret, ...(forceRefresh ? { force_refresh: true } : {}) };
    const answer = await postJson(options.fetch, `${options.baseUrl}/cgi-bin/stable_token`, body, timeoutMs);
    if (typeof answer.errcode === 'number' && answer.errcode !== 0) throw remoteError(answer.errcode, answer.errmsg);
    if (typeof answer.access_token !== 'string' || answer.access_token === '' || typeof answer.expires_in !== 'number') {
      throw unexpectedAnswer('stable_token answered without access_token and expires_in');
    }
    forceRefresh = false;
    const lifetimeMs = answer.expires_in * 1000;
    cached = { token: answer.access_token, refreshAt: now() + lifetimeMs - Math.min(margin, lifetimeMs / 2) };
    return answer.access_token;
  }

  return {
    async get(timeoutMs) {
      if (cached && now() < cached.refreshAt) return cached.token;
      // Callers arriving together share one fetch.
      pending ??= fetchToken(timeoutMs).finally(() => (pending = undefined));
      return pending;
    },
    invalidate() {
      cached = undefined;
      forceRefresh = true;
      return true;
    },
  };
}
