import { ProjectCode } from '../core/codes';
import { OperationError } from '../core/errors';
import { rememberSecret } from '../core/redact';
import { remoteError } from '../core/remote';
import { postJson, type Fetch } from './http';
import { tokenRule, type Issued, type TokenSource } from './token-rule';

/** WeChat's answers that mean "this access token is no good": re-read it (see token-rule.ts). */
export const TOKEN_ERRORS: ReadonlySet<number> = new Set([40001, 40014, 42001]);

/**
 * Where the HTTPS client gets its tokens. Pass your own (`accessTokenSource`) to share one token
 * among several servers of an account: `get` answers the token to use, `invalidate` hears that
 * WeChat refused one (with WeChat's code) and answers whether another is worth trying.
 */
export type AccessTokenSource = TokenSource;

/** A token the caller gave: used as is, and never refreshed (nothing to refresh it with). */
export function givenToken(token: string): AccessTokenSource {
  rememberSecret(token);
  return { get: () => Promise.resolve(token), invalidate: () => false };
}

export interface StableTokenOptions {
  readonly appid: string;
  readonly secret: string;
  readonly baseUrl: string;
  readonly fetch?: Fetch | undefined;
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

/** One POST to stable_token; `force` asks WeChat for a new token even if the current one is valid. */
async function requestToken(options: StableTokenOptions, force: boolean, signal: AbortSignal): Promise<Issued> {
  const body = { grant_type: 'client_credential', appid: options.appid, secret: options.secret, ...(force ? { force_refresh: true } : {}) };
  let answer: Record<string, unknown>;
  try {
    answer = await postJson(options.fetch, `${options.baseUrl}/cgi-bin/stable_token`, body, signal);
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
 * Tokens from `POST /cgi-bin/stable_token` (which answers the account's current token to every
 * caller), cached until shortly before `expires_in`, fetched again and force-refreshed as
 * token-rule.ts says: a refusal re-reads first, and only a fresh token still refused is forced.
 */
export function stableToken(options: StableTokenOptions): AccessTokenSource {
  // WeChat may echo the secret or a token in an errmsg: never shown, whatever its length.
  rememberSecret(options.secret);
  return tokenRule({
    fetch: async (force, signal) => {
      const issued = await requestToken(options, force, signal);
      rememberSecret(issued.token);
      return issued;
    },
    refreshMarginMs: options.refreshMarginMs,
    now: options.now,
  });
}
