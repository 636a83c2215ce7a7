import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteContext } from './gateway';
import { answer, handlerFor } from './handlers';
import { CallLog, type CallLogEntry } from './component-call-log';
import { authorizerAppid, authorizerIndex, ComponentWorld, type ComponentEmulatorOptions, type IssuedToken } from './component-world';
import { answerFault, parseJsonObject, sendJson } from './responses';

/**
 * The component side of the emulated HTTPS API, answering from one ComponentWorld:
 *
 *   POST /cgi-bin/component/api_component_token        appid, secret, verify ticket -> component token
 *   POST /cgi-bin/component/api_authorizer_token       refresh token -> authoriser token (+ refresh token)
 *   POST /cgi-bin/component/api_get_authorizer_list    pages of at most 500, with refresh tokens
 *   POST /cgi-bin/component/api_get_authorizer_info    func_info: the granted permission sets
 *   POST /cgi-bin/openapi/quota/get                    an API's daily quota for the token's account
 *   POST /wxa/plugin, /wxa/devplugin                   with an authoriser token: that authoriser's plugins
 *
 * The component token may come as `component_access_token=` (what SDKs send) or `access_token=`
 * (the newer pages). A plugin call with an authoriser token passes, in order: the token (40001,
 * 42001), the component's rate limit (45011), permission set 40 (61007), the authoriser's daily
 * quota (45009); then the plugin handlers act on that authoriser's own PluginWorld. Calls with any
 * other token are left to the mini-program's side (https-api.ts).
 */
export interface ComponentApiOptions extends ComponentEmulatorOptions {
  /** Append every plugin call to this file as JSON lines. */
  readonly callLog?: string;
  /** Keep the call log in memory too, for `calls()` (default true; a long run with a file can say false). */
  readonly keepCallsInMemory?: boolean;
  /**
   * For tests of hostile or broken answers: what a component API (`api_get_authorizer_list`, ...,
   * by its last path segment) answers instead of WeChat's own answer, which `normal()` gives.
   * Answering undefined keeps the normal one.
   */
  readonly componentAnswer?: (api: string, fields: Record<string, unknown>, normal: () => Record<string, unknown>) => unknown;
}

export interface ComponentControl {
  readonly world: ComponentWorld;
  /** Every plugin call made with an authoriser token so far. */
  calls(): readonly CallLogEntry[];
  /** Closes the call-log file. */
  close(): void;
}

const MESSAGES: Readonly<Record<number, string>> = {
  0: 'ok',
  40001: 'invalid credential, access_token is invalid or not latest',
  40125: 'invalid appsecret',
  41001: 'access_token missing',
  41004: 'appsecret missing',
  41018: 'missing component_appid',
  42001: 'access_token expired',
  45009: 'reach max api daily quota limit',
  45011: 'api minute-quota reach limit, must slower, retry next minute',
  47001: 'data format error',
  61003: 'component is not authorized by this account',
  61005: 'component ticket is expired',
  61006: 'component ticket is invalid',
  61007: 'api is unauthorized to component',
  61011: 'invalid component',
  61023: 'refresh_token is invalid',
  76003: 'invalid cgi_path',
  76021: 'cgi_path not found',
  76022: 'token does not match the api',
};

const fail = (errcode: number) => ({ errcode, errmsg: MESSAGES[errcode] ?? 'unknown' });

const PLUGIN_PATHS: ReadonlySet<string> = new Set(['/wxa/plugin', '/wxa/devplugin']);
const COMPONENT_PREFIX = '/cgi-bin/component/';
/** Reported for api_component_token (getApiQuota showed 10,000 a day). */
const COMPONENT_DAILY_LIMIT = 10_000;
const PAGE_MAX = 500;

export function componentApi(options: ComponentApiOptions = {}) {
  const world = new ComponentWorld(options);
  const log = new CallLog(options.callLog, options.keepCallsInMemory ?? true);

  /** 0 and the token, or WeChat's token error. */
  const checkToken = (value: string | null, kind: IssuedToken['kind']): { errcode: number; token?: IssuedToken } => {
    if (!value) return { errcode: 41001 };
    const token = world.token(value);
    if (!token || token.kind !== kind) return { errcode: 40001 };
    if (world.isExpired(token)) return { errcode: 42001 };
    return { errcode: 0, token };
  };

  function componentToken(fields: Record<string, unknown>): Record<string, unknown> {
    world.requests.componentToken += 1;
    if (typeof fields.component_appid !== 'string' || fields.component_appid === '') return fail(41018);
    if (fields.component_appid !== world.componentAppid) return fail(61011);
    if (typeof fields.component_appsecret !== 'string' || fields.component_appsecret === '') return fail(41004);
    if (fields.component_appsecret !== world.componentSecret) return fail(40125);
    const ticket = world.checkTicket(fields.component_verify_ticket);
    if (ticket !== 0) return fail(ticket);
    return { component_access_token: world.issueComponentToken(), expires_in: world.lifetimeMs / 1000 };
  }

  /** The APIs that take a component token, by path. */
  const COMPONENT_APIS: Readonly<Record<string, (fields: Record<string, unknown>) => Record<string, unknown>>> = {
    api_authorizer_token(fields) {
      world.requests.authorizerToken += 1;
      const appid = fields.authorizer_appid;
      if (!world.isAuthorizer(appid)) return fail(61003);
      if (!world.acceptsRefreshToken(appid, fields.authorizer_refresh_token)) return fail(61023);
      const issued = world.issueAuthorizerToken(appid);
      return { authorizer_access_token: issued.accessToken, expires_in: world.lifetimeMs / 1000, authorizer_refresh_token: issued.refreshToken };
    },
    api_get_authorizer_list(fields) {
      const offset = Math.max(0, Math.floor(Number(fields.offset) || 0));
      const count = Math.min(PAGE_MAX, Math.max(1, Math.floor(Number(fields.count) || 0)));
      const list = [];
      for (let index = offset; index < Math.min(world.count, offset + count); index += 1) {
        const appid = authorizerAppid(index);
        list.push({ authorizer_appid: appid, refresh_token: world.refreshToken(appid), auth_time: world.authTime(appid) });
      }
      return { errcode: 0, errmsg: 'ok', total_count: world.count, list };
    },
    api_get_authorizer_info(fields) {
      const appid = fields.authorizer_appid;
      if (!world.isAuthorizer(appid)) return fail(61003);
      const index = authorizerIndex(appid)!;
      return {
        errcode: 0,
        errmsg: 'ok',
        authorizer_info: { nick_name: `Store ${index}`, user_name: `gh_${appid.slice(-12)}`, principal_name: `Store ${index} Ltd.`, MiniProgramInfo: {} },
        authorization_info: {
          authorizer_appid: appid,
          authorizer_refresh_token: world.refreshToken(appid),
          func_info: world.grantedSets(appid).map((id) => ({ funcscope_category: { id } })),
        },
      };
    },
  };

  function quotaGet(tokenValue: string | null, fields: Record<string, unknown>): Record<string, unknown> | undefined {
    const token = world.token(tokenValue);
    if (!token) return undefined;
    if (world.isExpired(token)) return fail(42001);
    const path = fields.cgi_path;
    if (typeof path !== 'string' || !path.startsWith('/')) return fail(76003);
    const forComponent = path.startsWith(COMPONENT_PREFIX);
    if (!forComponent && !PLUGIN_PATHS.has(path)) return fail(76021);
    if (forComponent !== (token.kind === 'component')) return fail(76022);
    const rate = { call_count: world.rateLimit, refresh_second: 1 };
    if (token.kind === 'component') {
      const used = path === `${COMPONENT_PREFIX}api_component_token` ? world.requests.componentToken : 0;
      return { errcode: 0, errmsg: 'ok', quota: { daily_limit: COMPONENT_DAILY_LIMIT, used, remain: COMPONENT_DAILY_LIMIT - used }, rate_limit: rate };
    }
    return { errcode: 0, errmsg: 'ok', quota: world.quota(token.appid!, path), rate_limit: rate, component_rate_limit: rate };
  }

  /** A plugin call with an authoriser token: WeChat's answer, with the checks in their order. */
  function pluginCall(appid: string, path: string, fields: Record<string, unknown> | undefined): Record<string, unknown> {
    if (!world.admitCall()) return fail(45011);
    if (!world.grantsPluginManagement(appid)) return fail(61007);
    if (!fields) return fail(47001);
    const { handler } = handlerFor({ httpsPath: path }, fields);
    if (!handler) return answer(40097, { errmsg: 'invalid args: action' });
    if (!world.spendQuota(appid, path)) return fail(45009);
    return handler(world.worldOf(appid), appid, fields);
  }

  async function route(request: IncomingMessage, body: Buffer, response: ServerResponse, context: RouteContext): Promise<boolean> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const fields = parseJsonObject(body);

    if (path === `${COMPONENT_PREFIX}api_component_token`) {
      sendJson(response, fields ? componentToken(fields) : fail(47001));
      return true;
    }
    const api = path.startsWith(COMPONENT_PREFIX) ? COMPONENT_APIS[path.slice(COMPONENT_PREFIX.length)] : undefined;
    if (api) {
      const checked = checkToken(url.searchParams.get('component_access_token') ?? url.searchParams.get('access_token'), 'component');
      if (checked.errcode !== 0) sendJson(response, fail(checked.errcode));
      else if (!fields) sendJson(response, fail(47001));
      else if (fields.component_appid !== world.componentAppid) sendJson(response, fail(61011));
      else {
        const name = path.slice(COMPONENT_PREFIX.length);
        const replaced = options.componentAnswer?.(name, fields, () => api(fields));
        sendJson(response, (replaced === undefined ? api(fields) : replaced) as Record<string, unknown>);
      }
      return true;
    }
    if (path === '/cgi-bin/openapi/quota/get') {
      const quota = quotaGet(url.searchParams.get('access_token'), fields ?? {});
      if (quota) sendJson(response, quota);
      return quota !== undefined;
    }
    if (!PLUGIN_PATHS.has(path)) return false;
    // Only this component's authoriser tokens are ours; any other is the mini-program's own.
    const token = world.token(url.searchParams.get('access_token'));
    if (token?.kind !== 'authorizer') return false;
    const appid = token.appid!;
    const entry = (errcode: number | null): CallLogEntry => ({ t: world.now(), path, action: typeof fields?.action === 'string' ? fields.action : null, authorizer: appid, errcode });
    const fault = context.faults.take();
    if (fault) {
      let acted: Record<string, unknown> | undefined;
      const act = () => (acted = world.isExpired(token) ? fail(42001) : pluginCall(appid, path, fields));
      if (await context.connectionFault(fault, response, act)) {
        // A dropped answer after WeChat acted is logged with what it did; a silent or cut call, null.
        log.add(entry(typeof acted?.errcode === 'number' ? acted.errcode : null));
        return true;
      }
      if (answerFault(fault, response, 'https')) {
        log.add(entry(fault.kind === 'errcode' ? fault.errcode : null));
        return true;
      }
    }
    const result = world.isExpired(token) ? fail(42001) : pluginCall(appid, path, fields);
    log.add(entry(result.errcode as number));
    sendJson(response, result);
    return true;
  }

  const control: ComponentControl = { world, calls: () => log.all(), close: () => log.close() };
  return { route, control };
}
