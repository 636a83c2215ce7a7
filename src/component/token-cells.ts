import { ProjectCode } from '../core/codes';
import { OperationError } from '../core/errors';
import { rememberSecret } from '../core/redact';
import { withinDeadline, type Budget } from '../core/deadline';
import type { AccessTokenSource } from '../https/access-token';
import { checkedAnswer, componentPost, postAnswer, type ComponentRequestContext, type ComponentToken } from './component-requests';
import { componentTokenFault, type PlatformFaultHold } from './platform-faults';
import { authorizerLock, COMPONENT_LOCK, type ComponentStore } from './store';
import { currentToken, storedToken, type TokenCell } from './token-rule';
import type { SourceTokens } from './token-source';
import { readVerifyTicket, type VerifyTicketSource } from './verify-ticket';

/**
 * Where the component client's tokens come from. Either the platform's own token source (held in
 * memory, nothing stored), or WeChat's token endpoints through the store every process shares
 * (token-rule.ts): api_component_token from the appid, secret and ticket; api_authorizer_token
 * from each authoriser's refresh token. Every credential read or received is registered with the
 * redaction, whatever its length, so an errmsg echoing one never shows it.
 */
export const COMPONENT_PATHS = {
  componentToken: '/cgi-bin/component/api_component_token',
  authorizerToken: '/cgi-bin/component/api_authorizer_token',
  authorizerList: '/cgi-bin/component/api_get_authorizer_list',
  authorizerInfo: '/cgi-bin/component/api_get_authorizer_info',
} as const;

/** WeChat's answer to a refresh token it no longer accepts. */
const REFRESH_TOKEN_INVALID = 61023;

export interface TokenSettings {
  readonly componentAppid: string;
  readonly componentSecret: string | undefined;
  readonly verifyTicket: VerifyTicketSource | undefined;
  readonly store: ComponentStore;
  readonly source: SourceTokens | undefined;
  readonly hold: PlatformFaultHold;
  readonly marginMs: number;
  readonly now: () => number;
}

type Requests = Omit<ComponentRequestContext, 'componentToken'>;

function tokenFrom(answer: Record<string, unknown>, field: string, path: string): { token: string; lifetimeMs: number } {
  const token = answer[field];
  const lifetime = answer.expires_in;
  if (typeof token !== 'string' || token === '' || typeof lifetime !== 'number' || !(lifetime > 0)) {
    throw new OperationError(ProjectCode.UNEXPECTED_ANSWER, {
      detail: `the token request to ${path} answered without ${field} and expires_in, so nothing was sent: check the component's credentials`,
      maybeDelivered: false,
    });
  }
  rememberSecret(token);
  return { token, lifetimeMs: lifetime * 1000 };
}

/** The component token: from the source, or the store's rule with api_component_token. */
export function componentTokens(settings: TokenSettings, requests: Requests): (budget: Budget, refused: string | undefined) => Promise<ComponentToken> {
  const { store, now } = settings;
  const cell = (budget: Budget): TokenCell => ({
    read: () => store.readComponentToken(),
    lock: (work) => store.withLock(COMPONENT_LOCK, work),
    fetch: () =>
      settings.hold.guard(async () => {
        const ticket = (await readVerifyTicket(settings.verifyTicket)) ?? (await store.readTicket());
        if (!ticket) {
          throw new OperationError(ProjectCode.COMPONENT_CREDENTIALS_MISSING, {
            detail: 'no component_verify_ticket: set WECHAT_COMPONENT_VERIFY_TICKET to the latest ticket WeChat pushed (or @FILE holding it), or pass verifyTicket',
          });
        }
        rememberSecret(ticket);
        const body = { component_appid: settings.componentAppid, component_appsecret: settings.componentSecret, component_verify_ticket: ticket };
        let answer: Record<string, unknown>;
        try {
          answer = checkedAnswer(await postAnswer(requests, COMPONENT_PATHS.componentToken, body, budget));
        } catch (error) {
          throw error instanceof OperationError ? componentTokenFault(error) : error;
        }
        const issued = tokenFrom(answer, 'component_access_token', COMPONENT_PATHS.componentToken);
        const record = storedToken(issued.token, issued.lifetimeMs, now(), settings.marginMs);
        await store.writeComponentToken(record);
        return record;
      }),
  });
  return async (budget, refused) => {
    if (settings.source) {
      const use = await settings.source.component(refused);
      return { token: use.token, final: use.answersRefusal };
    }
    const use = await currentToken(cell(budget), refused, now);
    rememberSecret(use.token);
    return { token: use.token, final: use.fetched };
  };
}

/** An authoriser's tokens, as the HTTPS transport asks for them: refreshed once per refusal. */
export function authorizerTokens(settings: TokenSettings, requests: ComponentRequestContext, appid: string): AccessTokenSource {
  if (settings.source) return settings.source.authorizerTokens(appid);
  const { store, now } = settings;
  const cell = (budget: Budget): TokenCell => ({
    read: () => store.readAuthorizerToken(appid),
    lock: (work) => store.withLock(authorizerLock(appid), work),
    fetch: () => settings.hold.guard(async () => {
      let refreshToken = await store.readRefreshToken(appid);
      if (!refreshToken) throw new OperationError(ProjectCode.NO_REFRESH_TOKEN);
      rememberSecret(refreshToken);
      const exchange = (sent: string) =>
        componentPost(requests, COMPONENT_PATHS.authorizerToken, { component_appid: settings.componentAppid, authorizer_appid: appid, authorizer_refresh_token: sent }, budget);
      let answer: Record<string, unknown>;
      try {
        answer = await exchange(refreshToken);
      } catch (error) {
        // 61023: a listing (which stores without this lock) may have stored a newer refresh token
        // since it was read: once more with that one, else the refusal stands.
        const newer = error instanceof OperationError && error.code === REFRESH_TOKEN_INVALID ? await store.readRefreshToken(appid) : undefined;
        if (!newer || newer === refreshToken) throw error;
        refreshToken = newer;
        answer = await exchange(newer);
      }
      // The refresh token WeChat returned is the one kept, durably, before its access token is used.
      const returned = answer.authorizer_refresh_token;
      if (typeof returned === 'string' && returned !== '' && returned !== refreshToken) {
        rememberSecret(returned);
        await store.writeRefreshToken(appid, returned);
      }
      const issued = tokenFrom(answer, 'authorizer_access_token', COMPONENT_PATHS.authorizerToken);
      const record = storedToken(issued.token, issued.lifetimeMs, now(), settings.marginMs);
      await store.writeAuthorizerToken(appid, record);
      return record;
    }),
  });
  let refused: string | undefined;
  return {
    get(budget) {
      const held = settings.hold.current();
      if (held) return Promise.reject(held);
      return withinDeadline(
        currentToken(cell(budget), refused, now).then((use) => {
          rememberSecret(use.token);
          return use.token;
        }),
        budget.signal,
      );
    },
    invalidate(token) {
      refused = token;
      return true;
    },
  };
}
