import { ProjectCode } from '../core/codes';
import { failureResult, type OperationResult } from '../core/engine';
import { OperationError } from '../core/errors';
import { APPID_PATTERN } from '../core/fields';
import { formatLogLine, type LogSink } from '../core/log';
import { withRetries as retrying } from '../core/retry';
import { remoteError } from '../core/remote';
import { trimmedText } from '../core/validate';
import { asOperationError, ok } from '../core/result';
import { budgetUntil, timerDelay, withinDeadline, type Budget } from '../core/deadline';
import { TOKEN_ERRORS, type AccessTokenSource } from '../https/access-token';
import { parseBaseUrl } from '../https/base-url';
import { DEFAULT_BASE_URL, DEFAULT_HTTPS_TIMEOUT_MS, operationMethods, type HttpsClient } from '../https/client';
import { postJson, type Fetch } from '../https/http';
import { createHttpsTransport } from '../https/https-transport';
import { authorizerLock, COMPONENT_LOCK, memoryStore, type ComponentStore, type StoredToken } from './store';
import { guardedStore } from './guarded-store';
import { currentToken, storedToken, type TokenCell } from './token-rule';
import { readVerifyTicket, type VerifyTicketSource } from './verify-ticket';

/**
 * A third-party platform ("component") acting for the mini-programs that authorised it:
 * component_access_token from the component's appid, secret and latest verify ticket; each
 * authoriser's authorizer_access_token from its refresh token; the authorisers listed a page at a
 * time; and `forAuthorizer(appid)`, the same typed operations as createHttpsClient for one of them.
 *
 * Tokens follow one rule (token-rule.ts) through a store several processes may share; a refresh
 * token WeChat returns is stored before the access token that came with it is used, so none is
 * ever lost. Nothing rejects: every outcome is `{ errCode, errMsg, retryable, attempts, ... }`.
 */
export interface ComponentClientOptions {
  readonly componentAppid: string;
  readonly componentSecret: string;
  /** The latest component_verify_ticket (see VerifyTicketSource); default: the one in the store. */
  readonly verifyTicket?: VerifyTicketSource;
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
/** WeChat's answer to a refresh token it no longer accepts. */
const REFRESH_TOKEN_INVALID = 61023;
/** api_get_authorizer_list answers at most this many per page. */
export const AUTHORIZER_PAGE_MAX = 500;

export const COMPONENT_PATHS = {
  componentToken: '/cgi-bin/component/api_component_token',
  authorizerToken: '/cgi-bin/component/api_authorizer_token',
  authorizerList: '/cgi-bin/component/api_get_authorizer_list',
  authorizerInfo: '/cgi-bin/component/api_get_authorizer_info',
} as const;

export interface ListedAuthorizer {
  readonly authorizerAppid: string;
  /** When it authorised the platform (Unix seconds), as WeChat sends it. */
  readonly authTime: number;
  /** WeChat sent its refresh token with it (stored before the page was handed over). */
  readonly refreshTokenStored: boolean;
}

/** One page of api_get_authorizer_list. Refresh tokens are stored, never handed out. */
export type AuthorizerPage = OperationResult & {
  readonly offset: number;
  readonly totalCount?: number;
  readonly authorizers: readonly ListedAuthorizer[];
};

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
   * refresh tokens on each page are stored before the page is yielded. The last page yielded is the
   * last one, or one with errCode other than 0 (then the listing stops there).
   */
  listAuthorizers(options?: { readonly offset?: number; readonly pageSize?: number }): AsyncIterableIterator<AuthorizerPage>;
  /** An authoriser's granted permission sets, and whether plugin management (set 40) is one. */
  getAuthorizerInfo(authorizerAppid: string): Promise<AuthorizerInfo>;
  /** Stores a ticket WeChat pushed, for every process sharing the store. */
  setVerifyTicket(ticket: string): Promise<OperationResult>;
}

/**
 * `attempt` under the project's retry rule (retry.ts): again after a transient failure, with
 * backoff, while the deadline leaves room; every attempt counted in `progress`.
 */
async function withRetries<T>(attempt: () => Promise<T>, deadline: number, progress: { attempts: number }): Promise<T> {
  const budget = budgetUntil(deadline);
  try {
    return await retrying(attempt, budget, progress);
  } finally {
    budget.end();
  }
}

/** A POST's end at `deadline`. */
const signalUntil = (deadline: number): AbortSignal => AbortSignal.timeout(timerDelay(deadline - Date.now()));

/** WeChat's answer or its errcode as an OperationError; a token field that is missing is not WeChat's answer. */
function checked(answer: Record<string, unknown>): Record<string, unknown> {
  if (typeof answer.errcode === 'number' && answer.errcode !== 0) throw remoteError(answer.errcode, answer.errmsg);
  return answer;
}

function tokenFrom(answer: Record<string, unknown>, field: string, path: string): { token: string; lifetimeMs: number } {
  const token = answer[field];
  if (typeof token !== 'string' || token === '' || typeof answer.expires_in !== 'number') {
    throw new OperationError(ProjectCode.UNEXPECTED_ANSWER, {
      detail: `the token request to ${path} answered without ${field} and expires_in, so nothing was sent: check the component's credentials`,
      maybeDelivered: false,
    });
  }
  return { token, lifetimeMs: answer.expires_in * 1000 };
}

export function createComponentClient(options: ComponentClientOptions): ComponentClient {
  const now = options.now ?? Date.now;
  const margin = options.refreshMarginMs ?? 5 * 60_000;
  const timeoutMs = options.timeoutMs ?? DEFAULT_HTTPS_TIMEOUT_MS;
  // No fetch given: Node's http/https with keep-alive, as createHttpsClient (Node's fetch costs
  // several times the CPU per call, and a batch is exactly as fast as this).
  const fetchImpl = options.fetch;
  const post = { beforeRequest: options.beforeRequest };
  const store = guardedStore(options.store ?? memoryStore());
  const [componentAppid, componentSecret] = [trimmedText(options.componentAppid), trimmedText(options.componentSecret)];

  let baseUrl = DEFAULT_BASE_URL;
  let problem: OperationError | undefined;
  try {
    if (trimmedText(options.baseUrl)) baseUrl = parseBaseUrl(trimmedText(options.baseUrl)!, 'baseUrl');
  } catch (error) {
    problem = error as OperationError;
  }
  if (!problem && (!componentAppid || !componentSecret)) {
    problem = new OperationError(ProjectCode.COMPONENT_CREDENTIALS_MISSING, {
      detail: `the third-party platform's ${componentAppid ? 'secret' : 'appid'} is missing: set WECHAT_COMPONENT_APPID and WECHAT_COMPONENT_SECRET (or pass componentAppid and componentSecret)`,
    });
  }

  const componentCell = (deadline: number): TokenCell => ({
    read: () => store.readComponentToken(),
    lock: (work) => store.withLock(COMPONENT_LOCK, work),
    async fetch() {
      const ticket = (await readVerifyTicket(options.verifyTicket)) ?? (await store.readTicket());
      if (!ticket) {
        throw new OperationError(ProjectCode.COMPONENT_CREDENTIALS_MISSING, {
          detail: 'no component_verify_ticket: set WECHAT_COMPONENT_VERIFY_TICKET to the latest ticket WeChat pushed (or @FILE holding it), or pass verifyTicket',
        });
      }
      const body = { component_appid: componentAppid, component_appsecret: componentSecret, component_verify_ticket: ticket };
      const answer = checked(await postJson(fetchImpl, `${baseUrl}${COMPONENT_PATHS.componentToken}`, body, signalUntil(deadline), post));
      const issued = tokenFrom(answer, 'component_access_token', COMPONENT_PATHS.componentToken);
      const record = storedToken(issued.token, issued.lifetimeMs, now(), margin);
      await store.writeComponentToken(record);
      return record;
    },
  });

  /**
   * A component API with the component token in its query (`component_access_token=`, as every
   * SDK sends it). A refusal of a token read from the store gets one fresh token; a refusal of a
   * token fetched just now is reported.
   */
  async function componentPost(path: string, body: Record<string, unknown>, deadline: number): Promise<Record<string, unknown>> {
    let refused: string | undefined;
    for (;;) {
      const use = await currentToken(componentCell(deadline), refused, now);
      const url = `${baseUrl}${path}?component_access_token=${encodeURIComponent(use.token)}`;
      const answer = await postJson(fetchImpl, url, body, signalUntil(deadline), post);
      const code = answer.errcode;
      if (typeof code === 'number' && TOKEN_ERRORS.has(code) && !use.fetched && refused === undefined) {
        refused = use.token;
        continue;
      }
      return checked(answer);
    }
  }

  const authorizerCell = (appid: string, deadline: number): TokenCell => ({
    read: () => store.readAuthorizerToken(appid),
    lock: (work) => store.withLock(authorizerLock(appid), work),
    async fetch() {
      let refreshToken = await store.readRefreshToken(appid);
      if (!refreshToken) throw new OperationError(ProjectCode.NO_REFRESH_TOKEN);
      const exchange = (sent: string) =>
        componentPost(COMPONENT_PATHS.authorizerToken, { component_appid: componentAppid, authorizer_appid: appid, authorizer_refresh_token: sent }, deadline);
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
      if (typeof returned === 'string' && returned !== '' && returned !== refreshToken) await store.writeRefreshToken(appid, returned);
      const issued = tokenFrom(answer, 'authorizer_access_token', COMPONENT_PATHS.authorizerToken);
      const record = storedToken(issued.token, issued.lifetimeMs, now(), margin);
      await store.writeAuthorizerToken(appid, record);
      return record;
    },
  });

  /** The authoriser's tokens, as the HTTPS transport asks for them: refreshed once per refusal. */
  function authorizerTokens(appid: string): AccessTokenSource {
    let refused: string | undefined;
    return {
      get(budget: Budget) {
        return withinDeadline(
          currentToken(authorizerCell(appid, budget.deadline), refused, now).then((use) => use.token),
          budget.signal,
        );
      },
      invalidate(token) {
        refused = token;
        return true;
      },
    };
  }

  /** One log line per component API call, as the engine writes for operations: no token, no secret. */
  function logLine(name: string, result: OperationResult, startedAt: number, fields: Record<string, string | number>): void {
    if (!options.log) return;
    const line = { level: result.errCode === 0 ? 'info' : 'warn', operation: name, action: null, requestId: null, errCode: result.errCode, attempts: result.attempts, durationMs: Date.now() - startedAt, source: null, openid: null, fields, cause: null } as const;
    try {
      options.log(formatLogLine(line));
    } catch {
      // The log is a second concern: the caller still gets the result.
    }
  }

  /** Runs `work` with the retry rule inside the time budget, answering in the one shape. */
  async function run<T extends object>(name: string, fields: Record<string, string | number>, work: (deadline: number) => Promise<T>): Promise<OperationResult & Partial<T>> {
    const progress = { attempts: 0 };
    type Result = OperationResult & Partial<T>;
    const startedAt = Date.now();
    const deadline = startedAt + timeoutMs;
    let result: Result;
    try {
      if (problem) throw problem;
      const data = await withRetries(() => work(deadline), deadline, progress);
      result = { ...ok(name, progress.attempts), ...data };
    } catch (caught) {
      result = failureResult(name, asOperationError(caught), progress.attempts) as Result;
    }
    logLine(name, result, startedAt, fields);
    return result;
  }

  const badAppid = (name: string, appid: unknown): OperationError | undefined =>
    typeof appid === 'string' && APPID_PATTERN.test(appid)
      ? undefined
      : new OperationError(ProjectCode.INVALID_APPID, { detail: `${name} must be "wx" followed by 16 lowercase hex digits, got ${JSON.stringify(String(appid)).slice(0, 40)}` });

  async function listPage(offset: number, count: number): Promise<AuthorizerPage> {
    const result = await run('getAuthorizerList', { offset, count }, async (deadline) => {
      const answer = await componentPost(COMPONENT_PATHS.authorizerList, { component_appid: componentAppid, offset, count }, deadline);
      const list = Array.isArray(answer.list) ? (answer.list as Array<Record<string, unknown>>) : [];
      const entries = list.filter((item) => typeof item.authorizer_appid === 'string');
      const tokens = entries
        .filter((item) => typeof item.refresh_token === 'string' && item.refresh_token !== '')
        .map((item) => [item.authorizer_appid as string, item.refresh_token as string] as const);
      // Stored before anyone sees the page: the refresh tokens WeChat returned are the ones kept.
      await store.writeRefreshTokens(tokens);
      const stored = new Set(tokens.map(([appid]) => appid));
      const authorizers = entries.map((item) => ({
        authorizerAppid: item.authorizer_appid as string,
        authTime: Number(item.auth_time ?? 0),
        refreshTokenStored: stored.has(item.authorizer_appid as string),
      }));
      return { totalCount: Number(answer.total_count ?? 0), authorizers };
    });
    return { ...result, offset, authorizers: result.authorizers ?? [] };
  }

  return {
    forAuthorizer(authorizerAppid) {
      const refusal = problem ?? badAppid('the authoriser appid', authorizerAppid);
      const transport = refusal ? undefined : createHttpsTransport({ baseUrl, tokens: authorizerTokens(authorizerAppid), fetch: fetchImpl, beforeRequest: options.beforeRequest });
      return operationMethods(
        () => {
          if (!transport) throw refusal;
          return transport;
        },
        { timeoutMs, log: options.log },
      );
    },

    async *listAuthorizers({ offset = 0, pageSize = AUTHORIZER_PAGE_MAX } = {}) {
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > AUTHORIZER_PAGE_MAX || !Number.isInteger(offset) || offset < 0) {
        const error = new OperationError(ProjectCode.INVALID_NUMBER, { detail: `pageSize must be a whole number from 1 to ${AUTHORIZER_PAGE_MAX} and offset one from 0` });
        yield { ...failureResult('getAuthorizerList', error, 0), offset, authorizers: [] };
        return;
      }
      for (;;) {
        const page = await listPage(offset, pageSize);
        yield page;
        if (page.errCode !== 0 || page.authorizers.length === 0) return;
        offset += page.authorizers.length;
        if (offset >= (page.totalCount ?? 0)) return;
      }
    },

    async getAuthorizerInfo(authorizerAppid) {
      const invalid = badAppid('authorizerAppid', authorizerAppid);
      if (invalid) return failureResult('getAuthorizerInfo', invalid, 0);
      return run('getAuthorizerInfo', { authorizerAppid }, async (deadline) => {
        const answer = await componentPost(COMPONENT_PATHS.authorizerInfo, { component_appid: componentAppid, authorizer_appid: authorizerAppid }, deadline);
        const authorization = (answer.authorization_info ?? {}) as Record<string, unknown>;
        const info = (answer.authorizer_info ?? {}) as Record<string, unknown>;
        const returned = authorization.authorizer_refresh_token;
        if (typeof returned === 'string' && returned !== '') await store.writeRefreshToken(authorizerAppid, returned);
        const funcInfo = (Array.isArray(authorization.func_info) ? authorization.func_info : [])
          .map((item) => Number((item as { funcscope_category?: { id?: unknown } }).funcscope_category?.id))
          .filter((id) => Number.isInteger(id));
        return {
          authorizerAppid,
          ...(typeof info.nick_name === 'string' ? { nickName: info.nick_name } : {}),
          funcInfo,
          pluginManagement: funcInfo.includes(PLUGIN_MANAGEMENT_SET),
        };
      });
    },

    async setVerifyTicket(ticket) {
      if (typeof ticket !== 'string' || ticket.trim() === '') {
        return failureResult('setVerifyTicket', new OperationError(ProjectCode.COMPONENT_CREDENTIALS_MISSING, { detail: 'the verify ticket is empty: pass the ComponentVerifyTicket WeChat pushed' }), 0);
      }
      try {
        await store.writeTicket(ticket.trim());
        return ok('setVerifyTicket', 0);
      } catch (caught) {
        return failureResult('setVerifyTicket', asOperationError(caught), 0);
      }
    },
  };
}

export type { StoredToken };
