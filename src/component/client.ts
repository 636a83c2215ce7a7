import { ProjectCode } from '../core/codes';
import { failureResult, type OperationResult } from '../core/engine';
import { OperationError } from '../core/errors';
import { APPID_PATTERN } from '../core/fields';
import type { LogSink } from '../core/log';
import { rememberSecret } from '../core/redact';
import { parseBaseUrl } from '../https/base-url';
import { DEFAULT_BASE_URL, DEFAULT_HTTPS_TIMEOUT_MS, operationMethods, type HttpsClient } from '../https/client';
import type { Fetch } from '../https/http';
import { createHttpsTransport } from '../https/https-transport';
import { asOperationError, ok } from '../core/result';
import { checkedAnswer, componentPost, postAnswer, runCall, type CallSettings, type ComponentRequestContext } from './component-requests';
import { guardedStore } from './guarded-store';
import { AUTHORIZER_PAGE_MAX, keepPage, pagesFrom, readListPage, type AuthorizerPage, type ListedAuthorizer } from './listing';
import { PlatformFaultHold } from './platform-faults';
import { memoryStore, type ComponentStore, type StoredToken } from './store';
import { authorizerTokens, COMPONENT_PATHS, componentTokens, type TokenSettings } from './token-cells';
import { SourceTokens, type ComponentTokenSource } from './token-source';
import type { VerifyTicketSource } from './verify-ticket';

/**
 * A third-party platform ("component") acting for the mini-programs that authorised it:
 * component_access_token from the component's appid, secret and latest verify ticket (or from the
 * platform's own token source); each authoriser's authorizer_access_token from its refresh token
 * (or the source); the authorisers listed a page at a time; and `forAuthorizer(appid)`, the same
 * typed operations as createHttpsClient for one of them.
 *
 * Tokens follow one rule (token-rule.ts) through a store several processes may share; a refresh
 * token WeChat returns is stored before the access token that came with it is used, so none is
 * ever lost. Nothing rejects: every outcome is `{ errCode, errMsg, retryable, attempts, ... }`.
 */
export interface ComponentClientOptions {
  readonly componentAppid: string;
  /** Not needed with `tokens`. */
  readonly componentSecret?: string;
  /** The latest component_verify_ticket (see VerifyTicketSource); default: the one in the store. Not needed with `tokens`. */
  readonly verifyTicket?: VerifyTicketSource;
  /**
   * The platform's own tokens (its central token server): then no request goes to
   * api_component_token or api_authorizer_token, and what it hands out stays in memory only.
   */
  readonly tokens?: ComponentTokenSource;
  /** Default https://api.weixin.qq.com. */
  readonly baseUrl?: string;
  /** Each call's time budget, retries and token fetches included (default 10 s). */
  readonly timeoutMs?: number;
  /** Where tokens live (default: this process's memory). Share one between processes with fileStore or a database. */
  readonly store?: ComponentStore;
  /** Where the one log line per operation goes; default: nowhere. */
  readonly log?: LogSink;
  /** Default: Node's http/https with keep-alive (as createHttpsClient). */
  readonly fetch?: Fetch;
  /**
   * Awaited before every request to WeChat, token fetches and listing pages included, within the
   * call's budget: a rate limit shared by a batch's workers (default: none).
   */
  readonly beforeRequest?: () => Promise<void>;
  /** Replace a token this long before it expires (default 5 minutes, at most half its life). */
  readonly refreshMarginMs?: number;
  readonly now?: () => number;
}

/** Permission set 40, 小程序插件管理: what /wxa/plugin and /wxa/devplugin need from an authoriser. */
export const PLUGIN_MANAGEMENT_SET = 40;
/** How long a platform fault (credentials refused, token command failing) refuses every call before one is tried again. */
export const PLATFORM_FAULT_HOLD_MS = 10_000;

export { AUTHORIZER_PAGE_MAX, COMPONENT_PATHS };
export type { AuthorizerPage, ListedAuthorizer };

export type AuthorizerInfo = OperationResult & {
  readonly authorizerAppid?: string;
  readonly nickName?: string;
  /** The permission set ids the authoriser granted (func_info[].funcscope_category.id). */
  readonly funcInfo?: readonly number[];
  /** Whether permission set 40 (plugin management) is among them. */
  readonly pluginManagement?: boolean;
};

export interface ComponentClient {
  /** The plugin operations for one authoriser, with its authorizer_access_token. */
  forAuthorizer(authorizerAppid: string): HttpsClient;
  /**
   * Every authoriser, a page (at most 500) at a time, streamed: one page in memory at once. The
   * refresh tokens on each page are stored before the page is yielded (not with `tokens`: the
   * platform's server holds them). The last page yielded is the last one, or one with errCode
   * other than 0 (then the listing stops there).
   */
  listAuthorizers(options?: { readonly offset?: number; readonly pageSize?: number }): AsyncIterableIterator<AuthorizerPage>;
  /** An authoriser's granted permission sets, and whether plugin management (set 40) is one. */
  getAuthorizerInfo(authorizerAppid: string): Promise<AuthorizerInfo>;
  /** Stores a ticket WeChat pushed, for every process sharing the store. */
  setVerifyTicket(ticket: string): Promise<OperationResult>;
  /**
   * WeChat's own figure for the platform's calls on an authoriser's behalf to an API
   * (getApiQuota's `component_rate_limit`: callCount calls per refreshSeconds), asked with that
   * authoriser's token; default path `/wxa/plugin`.
   */
  getComponentRateLimit(authorizerAppid: string, cgiPath?: string): Promise<ComponentRateLimit>;
}

export type ComponentRateLimit = OperationResult & { readonly callCount?: number; readonly refreshSeconds?: number };

/** getApiQuota: an API's quota and rate limits for the token's account. */
const QUOTA_PATH = '/cgi-bin/openapi/quota/get';

const given = (value: string | undefined): string | undefined => (typeof value !== 'string' || value.trim() === '' ? undefined : value.trim());

const badAppid = (name: string, appid: unknown): OperationError | undefined =>
  typeof appid === 'string' && APPID_PATTERN.test(appid)
    ? undefined
    : new OperationError(ProjectCode.INVALID_APPID, { detail: `${name} must be "wx" followed by 16 lowercase hex digits, got ${JSON.stringify(String(appid)).slice(0, 40)}` });

/** What the options leave unusable, if anything: every call then answers it, nothing sent. */
function optionsProblem(options: ComponentClientOptions, componentAppid: string | undefined, componentSecret: string | undefined): { baseUrl: string; problem?: OperationError } {
  let baseUrl = DEFAULT_BASE_URL;
  try {
    if (given(options.baseUrl)) baseUrl = parseBaseUrl(given(options.baseUrl)!, 'baseUrl');
  } catch (error) {
    return { baseUrl, problem: error as OperationError };
  }
  const hasTokens = options.tokens !== undefined;
  if (hasTokens && (typeof options.tokens !== 'object' || typeof options.tokens.component !== 'function' || typeof options.tokens.authorizer !== 'function')) {
    return { baseUrl, problem: new OperationError(ProjectCode.COMPONENT_CREDENTIALS_MISSING, { detail: 'the option tokens takes { component(refused), authorizer(appid, refused) }, two functions answering { token, expiresInSeconds }' }) };
  }
  if (!componentAppid || (!hasTokens && !componentSecret)) {
    const detail = `the third-party platform's ${componentAppid ? 'secret' : 'appid'} is missing: set WECHAT_COMPONENT_APPID and WECHAT_COMPONENT_SECRET (or pass componentAppid and componentSecret, or componentAppid and tokens)`;
    return { baseUrl, problem: new OperationError(ProjectCode.COMPONENT_CREDENTIALS_MISSING, { detail }) };
  }
  return { baseUrl };
}

/** func_info's permission set ids; an entry of another shape is WeChat's answer gone wrong, said so. */
function grantedSets(funcInfo: unknown): number[] {
  return (Array.isArray(funcInfo) ? funcInfo : []).map((item: unknown, index) => {
    const id = typeof item === 'object' && item !== null ? (item as { funcscope_category?: { id?: unknown } }).funcscope_category?.id : undefined;
    if (!Number.isSafeInteger(id)) {
      throw new OperationError(ProjectCode.UNEXPECTED_ANSWER, {
        detail: `api_get_authorizer_info answered func_info entry #${index} without a permission set id, so the authoriser's permissions are unknown: ask again later; if it persists, check WECHAT_API_BASE_URL points at WeChat`,
        maybeDelivered: false,
      });
    }
    return id as number;
  });
}

export function createComponentClient(options: ComponentClientOptions): ComponentClient {
  const now = options.now ?? Date.now;
  const marginMs = options.refreshMarginMs ?? 5 * 60_000;
  const [componentAppid, componentSecret] = [given(options.componentAppid), given(options.componentSecret)];
  // WeChat may echo the secret or a ticket given in code in an errmsg: never shown, whatever its length.
  if (componentSecret) rememberSecret(componentSecret);
  if (typeof options.verifyTicket === 'string' && given(options.verifyTicket)) rememberSecret(given(options.verifyTicket)!);
  const { baseUrl, problem } = optionsProblem(options, componentAppid, componentSecret);
  const usesSource = options.tokens !== undefined && !problem;
  // With a token source nothing is written to a store: the platform's server holds every token.
  const store = usesSource ? undefined : guardedStore(options.store ?? memoryStore());
  const hold = new PlatformFaultHold(PLATFORM_FAULT_HOLD_MS, now);
  const settings: TokenSettings = {
    componentAppid: componentAppid ?? '',
    componentSecret,
    verifyTicket: options.verifyTicket,
    store: store ?? guardedStore(memoryStore()),
    source: usesSource ? new SourceTokens(options.tokens!, marginMs, now, hold) : undefined,
    hold,
    marginMs,
    now,
  };
  const plain = { baseUrl, fetch: options.fetch, beforeRequest: options.beforeRequest };
  const requests: ComponentRequestContext = { ...plain, componentToken: componentTokens(settings, plain) };
  const call: CallSettings = { timeoutMs: options.timeoutMs ?? DEFAULT_HTTPS_TIMEOUT_MS, log: options.log, problem: () => problem };

  const listPage = async (offset: number, count: number): Promise<AuthorizerPage> => {
    const result = await runCall(call, 'getAuthorizerList', { offset, count }, async (budget) => {
      const answer = await componentPost(requests, COMPONENT_PATHS.authorizerList, { component_appid: componentAppid, offset, count }, budget);
      const page = readListPage(answer);
      return { totalCount: page.totalCount, authorizers: await keepPage(store, page.items) };
    });
    return { ...result, offset, authorizers: result.authorizers ?? [] };
  };

  return {
    forAuthorizer(authorizerAppid) {
      const refusal = problem ?? badAppid('the authoriser appid', authorizerAppid);
      const transport = refusal ? undefined : createHttpsTransport({ baseUrl, tokens: authorizerTokens(settings, requests, authorizerAppid), fetch: options.fetch, beforeRequest: options.beforeRequest });
      return operationMethods(
        () => {
          if (!transport) throw refusal;
          return transport;
        },
        { timeoutMs: call.timeoutMs, log: options.log },
      );
    },

    async *listAuthorizers({ offset = 0, pageSize = AUTHORIZER_PAGE_MAX } = {}) {
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > AUTHORIZER_PAGE_MAX || !Number.isInteger(offset) || offset < 0) {
        const error = new OperationError(ProjectCode.INVALID_NUMBER, { detail: `pageSize must be a whole number from 1 to ${AUTHORIZER_PAGE_MAX} and offset one from 0` });
        yield { ...failureResult('getAuthorizerList', error, 0), offset, authorizers: [] };
        return;
      }
      yield* pagesFrom(listPage, offset, pageSize);
    },

    async getAuthorizerInfo(authorizerAppid) {
      const invalid = badAppid('authorizerAppid', authorizerAppid);
      if (invalid) return failureResult('getAuthorizerInfo', invalid, 0);
      return runCall(call, 'getAuthorizerInfo', { authorizerAppid }, async (budget) => {
        const answer = await componentPost(requests, COMPONENT_PATHS.authorizerInfo, { component_appid: componentAppid, authorizer_appid: authorizerAppid }, budget);
        const authorization = (typeof answer.authorization_info === 'object' && answer.authorization_info !== null ? answer.authorization_info : {}) as Record<string, unknown>;
        const info = (typeof answer.authorizer_info === 'object' && answer.authorizer_info !== null ? answer.authorizer_info : {}) as Record<string, unknown>;
        const funcInfo = grantedSets(authorization.func_info);
        const returned = authorization.authorizer_refresh_token;
        if (typeof returned === 'string' && returned !== '') {
          rememberSecret(returned);
          if (store) await store.writeRefreshToken(authorizerAppid, returned);
        }
        return {
          authorizerAppid,
          ...(typeof info.nick_name === 'string' ? { nickName: info.nick_name } : {}),
          funcInfo,
          pluginManagement: funcInfo.includes(PLUGIN_MANAGEMENT_SET),
        };
      });
    },

    async getComponentRateLimit(authorizerAppid, cgiPath = '/wxa/plugin') {
      const invalid = badAppid('authorizerAppid', authorizerAppid);
      if (invalid) return failureResult('getComponentRateLimit', invalid, 0);
      return runCall(call, 'getComponentRateLimit', { authorizerAppid }, async (budget) => {
        const token = await authorizerTokens(settings, requests, authorizerAppid).get(budget);
        const answer = checkedAnswer(await postAnswer(requests, `${QUOTA_PATH}?access_token=${encodeURIComponent(token)}`, { cgi_path: cgiPath }, budget));
        const limit = (typeof answer.component_rate_limit === 'object' && answer.component_rate_limit !== null ? answer.component_rate_limit : {}) as Record<string, unknown>;
        const [callCount, refreshSeconds] = [limit.call_count, limit.refresh_second];
        // Only a figure that is one: whole, positive numbers; anything else is no figure.
        return Number.isSafeInteger(callCount) && Number.isSafeInteger(refreshSeconds) && (callCount as number) > 0 && (refreshSeconds as number) > 0 ? { callCount: callCount as number, refreshSeconds: refreshSeconds as number } : {};
      });
    },

    async setVerifyTicket(ticket) {
      if (typeof ticket !== 'string' || ticket.trim() === '') {
        return failureResult('setVerifyTicket', new OperationError(ProjectCode.COMPONENT_CREDENTIALS_MISSING, { detail: 'the verify ticket is empty: pass the ComponentVerifyTicket WeChat pushed' }), 0);
      }
      try {
        rememberSecret(ticket.trim());
        await settings.store.writeTicket(ticket.trim());
        settings.hold.clear();
        return ok('setVerifyTicket', 0);
      } catch (caught) {
        return failureResult('setVerifyTicket', asOperationError(caught), 0);
      }
    },
  };
}

export type { StoredToken, ComponentTokenSource };
