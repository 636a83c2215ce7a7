import { DEMO_MINI_PROGRAM_APPID } from '../core/demo';

/**
 * A model of WeChat's plugin state, one world for both sides, so the emulator answers from what has
 * happened rather than from canned replies: a catalogue of plugins, the mini-programs that apply,
 * and the applications between them with their status, version and dates. The mini-program's side
 * (/wxa/plugin) and the plugin developer's side (/wxa/devplugin) read and change the same records.
 * The operations' rules live in handlers.ts; this file only keeps the state.
 */

export interface PluginListing {
  readonly appid: string;
  readonly nickname: string;
  readonly headimgurl: string;
  /** false: the developer does not accept applications (89236). */
  readonly acceptsApplications: boolean;
  /** Versions a mini-program may move to with update (quick update allowed); the last is the newest. */
  readonly versions: readonly string[];
}

/** What the plugin developer sees of an applicant. */
export interface MiniProgramProfile {
  readonly appid: string;
  readonly nickname: string;
  readonly headimgurl: string;
  readonly categories: ReadonlyArray<{ readonly first: string; readonly second: string }>;
  /** The applicant's mini-program code image. */
  readonly applyUrl: string;
}

export type ApplicationStatus = 'applying' | 'approved' | 'refused' | 'expired';

/** WeChat's numbers for the statuses, in both lists. */
export const STATUS_CODES: Readonly<Record<ApplicationStatus, 1 | 2 | 3 | 4>> = { applying: 1, approved: 2, refused: 3, expired: 4 };

export interface Application {
  readonly miniProgramAppid: string;
  readonly pluginAppid: string;
  readonly reason: string | undefined;
  status: ApplicationStatus;
  /** When the application was made, in ms since the epoch of the world's clock. */
  readonly createdAt: number;
  /** The version in use, once approved. */
  version?: string;
  /** The developer's reason, when refused. */
  refusal?: string;
}

/** WeChat's answer: errcode, errmsg, and a read operation's fields. */
export interface WechatAnswer {
  readonly errcode: number;
  readonly errmsg: string;
  readonly [field: string]: unknown;
}

export { DEMO_MINI_PROGRAM_APPID };

/** The plugins every emulator starts with; `npm start` applies for the first one. */
export const DEMO_PLUGINS: readonly PluginListing[] = [
  { appid: 'wx0123456789abcdef', nickname: 'Demo Maps', headimgurl: 'https://mmbiz.qpic.cn/demo/maps.png', acceptsApplications: true, versions: ['1.0.0', '1.2.0', '2.2.46'] },
  { appid: 'wx1111111111111111', nickname: 'Demo Payments', headimgurl: 'https://mmbiz.qpic.cn/demo/payments.png', acceptsApplications: true, versions: ['1.0.0'] },
  { appid: 'wx2222222222222222', nickname: 'Demo Charts', headimgurl: 'https://mmbiz.qpic.cn/demo/charts.png', acceptsApplications: true, versions: ['3.1.0'] },
  { appid: 'wxc105ed0000000000', nickname: 'Closed Beta', headimgurl: 'https://mmbiz.qpic.cn/demo/closed.png', acceptsApplications: false, versions: ['0.9.0'] },
];

/** Mini-programs the developer's list can describe; any other applicant gets a generic profile. */
export const DEMO_MINI_PROGRAMS: readonly MiniProgramProfile[] = [
  {
    appid: DEMO_MINI_PROGRAM_APPID,
    nickname: 'Demo Store',
    headimgurl: 'https://mmbiz.qpic.cn/demo/store.png',
    categories: [{ first: '工具', second: '信息查询' }],
    applyUrl: 'https://mmbiz.qpic.cn/demo/store-code.png',
  },
];

/** WeChat's limit is not published; the model's default is small enough to reach in a demo. */
export const DEFAULT_PLUGIN_LIMIT = 10;

/** WeChat does not publish when a pending application expires; the model's default is 7 days. */
export const DEFAULT_EXPIRY_MS = 7 * 24 * 60 * 60 * 1000;

export interface PluginWorldOptions {
  readonly plugins?: readonly PluginListing[];
  readonly miniPrograms?: readonly MiniProgramProfile[];
  readonly limit?: number;
  /** How long an application may stay pending before it expires (status 4). */
  readonly expiryMs?: number;
  /** The world's clock, ms since the epoch; `advance` moves it on. */
  readonly now?: () => number;
  /** Answer 89256 to update made with a mini-program's own token (reported, cause unconfirmed). */
  readonly updateNeedsComponent?: boolean;
}

export class PluginWorld {
  private readonly plugins = new Map<string, PluginListing>();
  private readonly profiles = new Map<string, MiniProgramProfile>();
  private readonly applications: Application[] = [];
  private readonly clock: () => number;
  private offsetMs = 0;
  readonly limit: number;
  readonly expiryMs: number;
  /** See PluginWorldOptions; tests and `--update-needs-component` switch it. */
  updateNeedsComponent: boolean;

  constructor(options: PluginWorldOptions = {}) {
    for (const plugin of options.plugins ?? DEMO_PLUGINS) this.plugins.set(plugin.appid, plugin);
    for (const profile of options.miniPrograms ?? DEMO_MINI_PROGRAMS) this.profiles.set(profile.appid, profile);
    this.limit = options.limit ?? DEFAULT_PLUGIN_LIMIT;
    this.expiryMs = options.expiryMs ?? DEFAULT_EXPIRY_MS;
    this.clock = options.now ?? Date.now;
    this.updateNeedsComponent = options.updateNeedsComponent ?? false;
  }

  now(): number {
    return this.clock() + this.offsetMs;
  }

  /** Moves the world's clock on (pending applications older than expiryMs then expire). */
  advance(ms: number): void {
    this.offsetMs += ms;
  }

  plugin(appid: unknown): PluginListing | undefined {
    return typeof appid === 'string' ? this.plugins.get(appid) : undefined;
  }

  profile(appid: string): MiniProgramProfile {
    return (
      this.profiles.get(appid) ?? {
        appid,
        nickname: `Mini-program ${appid.slice(-4)}`,
        headimgurl: 'https://mmbiz.qpic.cn/demo/unknown.png',
        categories: [],
        applyUrl: `https://mmbiz.qpic.cn/demo/${appid}-code.png`,
      }
    );
  }

  /** Pending applications past their time become expired, whoever looks first. */
  private settleExpiry(): void {
    const cutoff = this.now() - this.expiryMs;
    for (const application of this.applications) {
      if (application.status === 'applying' && application.createdAt <= cutoff) application.status = 'expired';
    }
  }

  /** A mini-program's applications and plugins, oldest first. */
  applicationsOf(miniProgramAppid: string): readonly Application[] {
    this.settleExpiry();
    return this.applications.filter((application) => application.miniProgramAppid === miniProgramAppid);
  }

  /** The applications made to a plugin, newest first (as a developer reviews them). */
  applicationsTo(pluginAppid: string): readonly Application[] {
    this.settleExpiry();
    return this.applications.filter((application) => application.pluginAppid === pluginAppid).reverse();
  }

  find(miniProgramAppid: string, pluginAppid: unknown): Application | undefined {
    return this.applicationsOf(miniProgramAppid).find((application) => application.pluginAppid === pluginAppid);
  }

  add(application: Omit<Application, 'createdAt'>): Application {
    this.remove(application.miniProgramAppid, application.pluginAppid);
    const added = { ...application, createdAt: this.now() };
    this.applications.push(added);
    return added;
  }

  remove(miniProgramAppid: string, pluginAppid: string): void {
    const index = this.applications.findIndex((application) => application.miniProgramAppid === miniProgramAppid && application.pluginAppid === pluginAppid);
    if (index >= 0) this.applications.splice(index, 1);
  }

  /** The developer's side, for tests and demos that do not go through /wxa/devplugin. */
  decide(miniProgramAppid: string, pluginAppid: string, status: Exclude<ApplicationStatus, 'applying'>): void {
    const application = this.find(miniProgramAppid, pluginAppid);
    if (!application) return;
    application.status = status;
    if (status === 'approved') application.version ??= this.plugin(pluginAppid)?.versions.at(-1);
  }

  /** The applications made so far, to save between runs (`npm start -- --state FILE`). */
  snapshot(): Application[] {
    return this.applications.map((application) => ({ ...application }));
  }

  restore(applications: readonly Application[]): void {
    this.applications.length = 0;
    for (const application of applications) this.applications.push({ ...application });
  }
}
