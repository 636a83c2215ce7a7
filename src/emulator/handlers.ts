import { describeCode } from '../core/codes';
import { routeKeyOf, type RouteKeyOf, type WireRoute } from '../core/operation';
import { OPERATIONS, type RegisteredOperation, type RegisteredPath } from '../core/operations';
import { STATUS_CODES, type Application, type PluginWorld, type WechatAnswer } from './plugin-world';

/**
 * How the emulated WeChat answers, from the state of one PluginWorld. One handler per route an
 * operation declares (`/wxa/plugin list`: the HTTPS path and WeChat's `action`; a path that serves
 * one call has no action), whatever the number of operations that send to it (the type makes a
 * route without a handler a compile error). The gateway and the HTTPS API find them through the
 * registry.
 *
 * `caller` is the appid the request is made for: the mini-program on /wxa/plugin, the plugin on
 * /wxa/devplugin. `fields` is the wire body, as WeChat receives it. `token` says whose token the
 * request carried: the account's own (a cloud call counts as one) or a third-party platform's
 * authorizer_access_token.
 *
 * Each answer cites its source: "documented" (WeChat's API page), "reported" (users, staff
 * replies, another SDK's table; see docs/errors.md) or "modelled" (the emulator's own choice where
 * no source says).
 */
export type TokenKind = 'own' | 'authorizer';
export type Handler = (world: PluginWorld, caller: string, fields: Readonly<Record<string, unknown>>, token?: TokenKind) => WechatAnswer;

/** Every route some registered operation sends to, as its key. */
export type RegisteredRoute = RouteKeyOf<RegisteredOperation['route']>;

/**
 * The errmsg the emulated WeChat sends with `errcode`, from the catalogue (the one place such texts
 * are written): WeChat's own where the catalogue knows it, the catalogue's description where
 * nobody has recorded WeChat's.
 */
export function errmsgOf(errcode: number): string {
  const entry = describeCode(errcode);
  return entry?.errmsg ?? entry?.what ?? 'unknown';
}

/** A path that serves several calls, with an `action` none of them is (modelled: 40097 naming the field). */
export const unknownAction = (): WechatAnswer => answer(40097, { errmsg: `${errmsgOf(40097)}: action` });

/** WeChat's answer carrying only `errcode` and its errmsg. */
export const fail = (errcode: number): WechatAnswer => answer(errcode);

export function answer(errcode: number, fields: Record<string, unknown> = {}): WechatAnswer {
  return { errcode, errmsg: errmsgOf(errcode), ...fields };
}

/** A refused or expired application does not hold a place: the mini-program may apply again. */
function holdsPlace(application: Application): boolean {
  return application.status === 'applying' || application.status === 'approved';
}

/** dev_agree and dev_refuse act only on a pending application. */
function pendingApplication(world: PluginWorld, plugin: string, applicant: unknown): Application | WechatAnswer {
  const application = typeof applicant === 'string' ? world.find(applicant, plugin) : undefined;
  if (!application) return answer(89242);
  if (application.status !== 'applying') return answer(89240);
  return application;
}

export const HANDLERS: Readonly<Record<RegisteredRoute, Handler>> = {
  // Documented: 89239, 89236, 89237, 89238 (the API page's table).
  '/wxa/plugin apply'(world, miniProgram, { plugin_appid, reason }) {
    const plugin = world.plugin(plugin_appid);
    if (!plugin) return answer(89239);
    if (!plugin.acceptsApplications) return answer(89236);
    const live = world.applicationsOf(miniProgram).filter(holdsPlace);
    if (live.some((application) => application.pluginAppid === plugin.appid)) return answer(89237);
    if (live.length >= world.limit) return answer(89238);
    world.add({ miniProgramAppid: miniProgram, pluginAppid: plugin.appid, reason: typeof reason === 'string' ? reason : undefined, status: 'applying' });
    return answer(0);
  },

  // Documented: plugin_list with appid, status, nickname, headimgurl.
  '/wxa/plugin list'(world, miniProgram) {
    const pluginList = world.applicationsOf(miniProgram).map((application) => {
      const plugin = world.plugin(application.pluginAppid);
      return { appid: application.pluginAppid, status: STATUS_CODES[application.status], nickname: plugin?.nickname ?? '', headimgurl: plugin?.headimgurl ?? '' };
    });
    return answer(0, { plugin_list: pluginList });
  },

  '/wxa/plugin unbind'(world, miniProgram, { plugin_appid }) {
    // Reported: 89244 "plugin appid not exist" for a plugin that is not in the list (the older
    // pages' 89044 carries the same text; WxJava's table and users give 89244).
    if (!world.find(miniProgram, plugin_appid)) return answer(89244);
    world.remove(miniProgram, plugin_appid as string);
    return answer(0);
  },

  '/wxa/plugin update'(world, miniProgram, { plugin_appid, user_version }, token = 'own') {
    // Reported: 89256 "no component info" for update with a mini-program's own token while apply,
    // list and unbind work (community reports; WeChat staff blamed the token). Off unless the world
    // is told to model it, since the cause is unconfirmed.
    if (world.updateNeedsComponent && token === 'own') return answer(89256);
    const application = world.find(miniProgram, plugin_appid);
    // Reported: 89244 for a plugin not in the list. Modelled: the same for one not yet approved.
    if (!application || application.status !== 'approved') return answer(89244);
    // Reported: 89257 "no such version" for a version that does not allow quick update.
    if (!world.plugin(plugin_appid)?.versions.includes(String(user_version))) return answer(89257);
    application.version = String(user_version);
    return answer(0);
  },

  // Documented: apply_list, create_time a string of Unix seconds; past the end an empty page (modelled).
  '/wxa/devplugin dev_apply_list'(world, plugin, { page, num }) {
    const size = Number(num);
    const start = (Number(page) - 1) * size;
    // Past the end, an empty page, as WeChat pages.
    const applyList = world.applicationsTo(plugin).slice(start, start + size).map((application) => {
      const profile = world.profile(application.miniProgramAppid);
      return {
        appid: application.miniProgramAppid,
        status: STATUS_CODES[application.status],
        nickname: profile.nickname,
        headimgurl: profile.headimgurl,
        categories: profile.categories,
        create_time: String(Math.floor(application.createdAt / 1000)),
        apply_url: profile.applyUrl,
        reason: application.reason ?? '',
      };
    });
    return answer(0, { apply_list: applyList });
  },

  // Documented: 89242 not in the list, 89240 not pending.
  '/wxa/devplugin dev_agree'(world, plugin, { appid }) {
    const application = pendingApplication(world, plugin, appid);
    if ('errcode' in application) return application;
    application.status = 'approved';
    application.version = world.plugin(plugin)?.versions.at(-1);
    return answer(0);
  },

  '/wxa/devplugin dev_refuse'(world, plugin, { appid, reason }) {
    const application = pendingApplication(world, plugin, appid);
    if ('errcode' in application) return application;
    application.status = 'refused';
    application.refusal = typeof reason === 'string' ? reason : undefined;
    return answer(0);
  },

  // Documented: 89242, 89243 pending, 89241 only refused or expired.
  '/wxa/devplugin dev_delete'(world, plugin, { appid }) {
    const application = typeof appid === 'string' ? world.find(appid, plugin) : undefined;
    if (!application) return answer(89242);
    if (application.status === 'applying') return answer(89243);
    if (application.status === 'approved') return answer(89241);
    world.remove(application.miniProgramAppid, plugin);
    return answer(0);
  },
};

/** Where each cloud-call name lands: every name an operation may call (older and newer) to its HTTPS path. */
const CLOUD_API_PATHS: ReadonlyMap<string, string> = new Map(
  OPERATIONS.flatMap((operation) => [operation.cloudApi, operation.cloudApiFallback].filter((api): api is string => api !== undefined).map((api) => [api, operation.route.path] as const)),
);

/** Every HTTPS path an operation sends to: what the emulator serves as WeChat's API. */
export const OPERATION_PATHS: ReadonlySet<string> = new Set<RegisteredPath>(OPERATIONS.map((operation) => operation.route.path));

const OPERATION_ROUTES: readonly WireRoute[] = OPERATIONS.map((operation) => operation.route);

/** The paths whose routes are told apart by WeChat's `action` in the body. */
const PATHS_WITH_ACTIONS: ReadonlySet<string> = new Set(OPERATION_ROUTES.filter((route) => route.action !== undefined).map((route) => route.path));

const ROUTES: ReadonlySet<string> = new Set(OPERATION_ROUTES.map(routeKeyOf));

/**
 * The handler for a request: its HTTPS path (for a cloud call, the path its API name lands on) and,
 * on a path that serves several calls, WeChat's `action` in the body. `known` is false when no
 * operation sends to that API or path at all (the gateway then answers -604100); with `known` true
 * and no handler, the action is wrong (40097).
 */
export function handlerFor(by: { readonly cloudApi: string } | { readonly httpsPath: string }, fields: Readonly<Record<string, unknown>>): { known: boolean; handler?: Handler } {
  const path = 'cloudApi' in by ? CLOUD_API_PATHS.get(by.cloudApi) : OPERATION_PATHS.has(by.httpsPath) ? by.httpsPath : undefined;
  if (path === undefined) return { known: false };
  const route = PATHS_WITH_ACTIONS.has(path) ? `${path} ${String(fields.action)}` : path;
  return { known: true, ...(ROUTES.has(route) ? { handler: HANDLERS[route as RegisteredRoute] } : {}) };
}
