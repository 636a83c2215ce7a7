/**
 * A model of WeChat's plugin state, so the emulator answers from what has happened rather than from
 * canned replies: a catalogue of plugins, the applications each mini-program has made, and a limit.
 * Codes follow the API page (../shared/reference/plugin-api.md).
 */

export interface PluginListing {
  readonly appid: string;
  readonly nickname: string;
  /** false: the developer does not accept applications (89236). */
  readonly acceptsApplications: boolean;
}

export type ApplicationStatus = 'applying' | 'approved' | 'refused' | 'expired';

export interface Application {
  readonly miniProgramAppid: string;
  readonly pluginAppid: string;
  readonly reason: string | undefined;
  status: ApplicationStatus;
}

export interface WechatAnswer {
  readonly errcode: number;
  readonly errmsg: string;
}

/** The plugins every emulator starts with; `npm start` applies for the first one. */
export const DEMO_PLUGINS: readonly PluginListing[] = [
  { appid: 'wx0123456789abcdef', nickname: 'Demo Maps', acceptsApplications: true },
  { appid: 'wx1111111111111111', nickname: 'Demo Payments', acceptsApplications: true },
  { appid: 'wx2222222222222222', nickname: 'Demo Charts', acceptsApplications: true },
  { appid: 'wxc105ed0000000000', nickname: 'Closed Beta', acceptsApplications: false },
];

/** WeChat's limit is not published; the model's default is small enough to reach in a demo. */
export const DEFAULT_PLUGIN_LIMIT = 10;

const MESSAGES: Readonly<Record<number, string>> = {
  0: 'ok',
  89236: 'the plugin can not be applied',
  89237: 'the plugin has been added',
  89238: 'the number of applied or used plugins has reached the limit',
  89239: 'the plugin does not exist',
};

function answer(errcode: number): WechatAnswer {
  return { errcode, errmsg: MESSAGES[errcode] ?? 'unknown' };
}

export class PluginWorld {
  private readonly plugins = new Map<string, PluginListing>();
  private readonly applications: Application[] = [];

  constructor(plugins: readonly PluginListing[] = DEMO_PLUGINS, readonly limit = DEFAULT_PLUGIN_LIMIT) {
    for (const plugin of plugins) this.plugins.set(plugin.appid, plugin);
  }

  applicationsOf(miniProgramAppid: string): readonly Application[] {
    return this.applications.filter((application) => application.miniProgramAppid === miniProgramAppid);
  }

  /** A refused or expired application does not count: the mini-program may apply again. */
  private live(miniProgramAppid: string): Application[] {
    return this.applications.filter(
      (application) =>
        application.miniProgramAppid === miniProgramAppid && (application.status === 'applying' || application.status === 'approved'),
    );
  }

  apply(miniProgramAppid: string, pluginAppid: unknown, reason: unknown): WechatAnswer {
    const plugin = typeof pluginAppid === 'string' ? this.plugins.get(pluginAppid) : undefined;
    if (!plugin) return answer(89239);
    if (!plugin.acceptsApplications) return answer(89236);
    const live = this.live(miniProgramAppid);
    if (live.some((application) => application.pluginAppid === plugin.appid)) return answer(89237);
    if (live.length >= this.limit) return answer(89238);
    this.applications.push({
      miniProgramAppid,
      pluginAppid: plugin.appid,
      reason: typeof reason === 'string' ? reason : undefined,
      status: 'applying',
    });
    return answer(0);
  }

  /** The applications made so far, to save between runs (`npm start -- --state FILE`). */
  snapshot(): Application[] {
    return this.applications.map((application) => ({ ...application }));
  }

  restore(applications: readonly Application[]): void {
    this.applications.length = 0;
    for (const application of applications) this.applications.push({ ...application });
  }

  /** The developer's side, for tests and demos: decide an application. */
  decide(miniProgramAppid: string, pluginAppid: string, status: Exclude<ApplicationStatus, 'applying'>): void {
    const application = this.live(miniProgramAppid).find((candidate) => candidate.pluginAppid === pluginAppid);
    if (application) application.status = status;
  }
}
