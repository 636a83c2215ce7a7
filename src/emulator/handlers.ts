import { OPERATIONS, type RegisteredOperation } from '../core/operations';
import { STATUS_CODES, type Application, type PluginWorld, type WechatAnswer } from './plugin-world';

/**
 * How the emulated WeChat answers each operation, from the state of one PluginWorld. One handler
 * per registered operation (the type makes a missing one a compile error); the gateway and the
 * HTTPS API find them through the registry, by cloud API or HTTPS path and WeChat's `action`.
 *
 * `caller` is the appid the request is made for: the mini-program on /wxa/plugin, the plugin on
 * /wxa/devplugin. `fields` is the wire body, as WeChat receives it.
 *
 * Codes marked "modelled" are the emulator's choice where WeChat documents none.
 */
export type Handler = (world: PluginWorld, caller: string, fields: Readonly<Record<string, unknown>>) => WechatAnswer;

const MESSAGES: Readonly<Record<number, string>> = {
  0: 'ok',
  40097: 'invalid args',
  89044: 'plugin appid not exist',
  89236: 'the plugin can not be applied',
  89237: 'the plugin has been added',
  89238: 'the number of applied or used plugins has reached the limit',
  89239: 'the plugin does not exist',
  89240: 'only applying applications can be agreed or refused',
  89241: 'only refused or expired applications can be deleted',
  89242: 'the appid is not in the apply list',
  89243: 'applying applications can not be deleted',
};

export function answer(errcode: number, fields: Record<string, unknown> = {}): WechatAnswer {
  return { errcode, errmsg: MESSAGES[errcode] ?? 'unknown', ...fields };
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

export const HANDLERS: Readonly<Record<RegisteredOperation['name'], Handler>> = {
  applyPlugin(world, miniProgram, { plugin_appid, reason }) {
    const plugin = world.plugin(plugin_appid);
    if (!plugin) return answer(89239);
    if (!plugin.acceptsApplications) return answer(89236);
    const live = world.applicationsOf(miniProgram).filter(holdsPlace);
    if (live.some((application) => application.pluginAppid === plugin.appid)) return answer(89237);
    if (live.length >= world.limit) return answer(89238);
    world.add({ miniProgramAppid: miniProgram, pluginAppid: plugin.appid, reason: typeof reason === 'string' ? reason : undefined, status: 'applying' });
    return answer(0);
  },

  getPluginList(world, miniProgram) {
    const pluginList = world.applicationsOf(miniProgram).map((application) => {
      const plugin = world.plugin(application.pluginAppid);
      return { appid: application.pluginAppid, status: STATUS_CODES[application.status], nickname: plugin?.nickname ?? '', headimgurl: plugin?.headimgurl ?? '' };
    });
    return answer(0, { plugin_list: pluginList });
  },

  unbindPlugin(world, miniProgram, { plugin_appid }) {
    // Modelled: WeChat documents no code for removing a plugin the mini-program does not have.
    if (!world.find(miniProgram, plugin_appid)) return answer(89044);
    world.remove(miniProgram, plugin_appid as string);
    return answer(0);
  },

  updatePlugin(world, miniProgram, { plugin_appid, user_version }) {
    const application = world.find(miniProgram, plugin_appid);
    // Modelled: 89044 for a plugin that is not added or not approved, 40097 for a version the
    // plugin does not offer for quick update; WeChat documents neither.
    if (!application || application.status !== 'approved') return answer(89044);
    if (!world.plugin(plugin_appid)?.versions.includes(String(user_version))) return answer(40097, { errmsg: 'invalid args: user_version' });
    application.version = String(user_version);
    return answer(0);
  },

  getPluginDevApplyList(world, plugin, { page, num }) {
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

  agreeDevPluginApplication(world, plugin, { appid }) {
    const application = pendingApplication(world, plugin, appid);
    if ('errcode' in application) return application;
    application.status = 'approved';
    application.version = world.plugin(plugin)?.versions.at(-1);
    return answer(0);
  },

  refuseDevPluginApplication(world, plugin, { appid, reason }) {
    const application = pendingApplication(world, plugin, appid);
    if ('errcode' in application) return application;
    application.status = 'refused';
    application.refusal = typeof reason === 'string' ? reason : undefined;
    return answer(0);
  },

  deleteDevPluginApplication(world, plugin, { appid }) {
    const application = typeof appid === 'string' ? world.find(appid, plugin) : undefined;
    if (!application) return answer(89242);
    if (application.status === 'applying') return answer(89243);
    if (application.status === 'approved') return answer(89241);
    world.remove(application.miniProgramAppid, plugin);
    return answer(0);
  },
};

/**
 * The handler for a request: by the cloud API name (gateway) or the HTTPS path, and WeChat's
 * `action` in the body, as the registry declares them. `known` is false when no operation has that
 * API or path at all (the gateway then answers -604100); with `known` true and no handler, the
 * action is wrong (40097).
 */
export function handlerFor(by: { readonly cloudApi: string } | { readonly httpsPath: string }, fields: Readonly<Record<string, unknown>>): { known: boolean; handler?: Handler } {
  const candidates = OPERATIONS.filter((operation) => ('cloudApi' in by ? operation.cloudApi === by.cloudApi : operation.httpsPath === by.httpsPath));
  const operation = candidates.find((candidate) => candidate.wechatAction === fields.action);
  return { known: candidates.length > 0, ...(operation ? { handler: HANDLERS[operation.name] } : {}) };
}

