import { randomBytes } from 'node:crypto';
import { PluginWorld, type ApplicationStatus } from './plugin-world';

/**
 * The state of one emulated third-party platform ("component") and the mini-programs that
 * authorised it, as WeChat keeps it: verify tickets, component and authoriser tokens with their
 * expiry, refresh tokens, granted permission sets, per-authoriser daily quotas, the component's
 * rate limit, and one PluginWorld per authoriser (its own plugins). The rules of each endpoint live
 * in component-api.ts; this file only keeps the state.
 *
 * 100,000 authorisers stay cheap: an authoriser is its index until something happens to it, and
 * its record (tokens, quota, plugin world) is created on first use. Appids, refresh tokens and
 * which authorisers lack plugin management all follow from the index, so runs are reproducible.
 *
 * Facts modelled (see docs/third-party.md): tickets valid 12 h; tokens 2 h; an old token keeps
 * working a grace window (reported ~5 min) after a new one is issued; a refresh token normally comes
 * back unchanged, and when it changes (`rotateRefreshTokens`) the old one works for the grace window.
 */
export interface ComponentEmulatorOptions {
  readonly componentAppid?: string;
  readonly componentSecret?: string;
  /** How many mini-programs have authorised the platform (default 3). */
  readonly authorizers?: number;
  /** The share of authorisers that did not grant plugin management, set 40 (default 0.1): 61007. */
  readonly withoutPluginManagement?: number;
  /** api_authorizer_token hands out a new refresh token each time (default false: the same one). */
  readonly rotateRefreshTokens?: boolean;
  /** Lifetime of component and authoriser tokens (default 7200 s). */
  readonly tokenLifetimeSeconds?: number;
  /** How long a replaced token or refresh token keeps working (default 300 s). */
  readonly graceSeconds?: number;
  /** Lifetime of a verify ticket (default 12 h). */
  readonly ticketLifetimeSeconds?: number;
  /** Calls per authoriser per day to each of /wxa/plugin and /wxa/devplugin (default 1000): then 45009. */
  readonly dailyQuota?: number;
  /** The hour (UTC) quotas reset (default 16, midnight in Beijing). */
  readonly quotaResetHourUtc?: number;
  /** Plugin calls per second for the whole component (sliding one-second window; default 2000; 0 = none): then 45011. */
  readonly rateLimit?: number;
  /** What each authoriser's plugin list holds at first (default: Demo Maps approved at 1.0.0). */
  readonly startWith?: ReadonlyArray<{ readonly pluginAppid: string; readonly status: ApplicationStatus; readonly version?: string }>;
  readonly now?: () => number;
}

export const DEMO_COMPONENT_APPID = 'wxc0de000000000001';
export const DEMO_COMPONENT_SECRET = 'demo0component0secret0not0real';
/** The ticket the emulator has "pushed" when it starts. */
export const FIRST_TICKET = 'ticket@@@emulator-0001';

/** Permission sets a mini-program can grant a platform; 40 is plugin management. */
const GRANTED_SETS = [17, 18, 19, 25, 30, 31, 36, 37, 40, 49];
export const PLUGIN_MANAGEMENT_SET = 40;

/** The i-th authoriser's appid: `wxa0` + 14 hex digits of i. */
export function authorizerAppid(index: number): string {
  return `wxa0${index.toString(16).padStart(14, '0')}`;
}

export function authorizerIndex(appid: string): number | undefined {
  const match = /^wxa0([0-9a-f]{14})$/.exec(appid);
  return match ? parseInt(match[1]!, 16) : undefined;
}

/** Deterministic refresh tokens: the authoriser and a generation that rotation moves on. */
export const refreshTokenOf = (appid: string, generation: number): string => `refreshtoken@@@${appid}@${generation}`;

export interface IssuedToken {
  readonly kind: 'component' | 'authorizer';
  /** The authoriser's appid, for authoriser tokens. */
  readonly appid?: string;
  expiresAt: number;
}

interface AuthorizerState {
  generation: number;
  /** The previous refresh token and until when it still works. */
  previousRefresh?: { readonly token: string; readonly until: number };
  currentToken?: string;
  /** Per API path, created on the first call: most authorisers never need one. */
  quota?: Record<string, { day: number; used: number }>;
  world?: PluginWorld;
}

export class ComponentWorld {
  readonly componentAppid: string;
  readonly componentSecret: string;
  readonly count: number;
  readonly rotate: boolean;
  readonly lifetimeMs: number;
  readonly graceMs: number;
  readonly dailyQuota: number;
  readonly rateLimit: number;
  private readonly ticketLifetimeMs: number;
  private readonly resetHour: number;
  private readonly without: number;
  private readonly startWith: NonNullable<ComponentEmulatorOptions['startWith']>;
  private readonly clock: () => number;
  private offsetMs = 0;
  private readonly tickets = new Map<string, number>();
  private ticketSerial = 1;
  private currentComponentToken: string | undefined;
  private readonly tokenPrefix = randomBytes(8).toString('hex');
  private tokenSerial = 0;
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly states = new Map<number, AuthorizerState>();
  /** Authorisers whose administrator granted plugin management after the world began. */
  private readonly grantedLater = new Set<number>();
  /** Times of the plugin calls let through in the last second, oldest first. */
  private readonly recent: number[] = [];
  /** How often each token endpoint was asked, for tests. */
  readonly requests = { componentToken: 0, authorizerToken: 0 };

  constructor(options: ComponentEmulatorOptions = {}) {
    this.componentAppid = options.componentAppid ?? DEMO_COMPONENT_APPID;
    this.componentSecret = options.componentSecret ?? DEMO_COMPONENT_SECRET;
    this.count = options.authorizers ?? 3;
    this.without = options.withoutPluginManagement ?? 0.1;
    this.rotate = options.rotateRefreshTokens ?? false;
    this.lifetimeMs = (options.tokenLifetimeSeconds ?? 7200) * 1000;
    this.graceMs = (options.graceSeconds ?? 300) * 1000;
    this.ticketLifetimeMs = (options.ticketLifetimeSeconds ?? 12 * 3600) * 1000;
    this.dailyQuota = options.dailyQuota ?? 1000;
    this.resetHour = options.quotaResetHourUtc ?? 16;
    this.rateLimit = options.rateLimit ?? 2000;
    this.startWith = options.startWith ?? [{ pluginAppid: 'wx0123456789abcdef', status: 'approved', version: '1.0.0' }];
    this.clock = options.now ?? Date.now;
    this.tickets.set(FIRST_TICKET, this.now() + this.ticketLifetimeMs);
  }

  now(): number {
    return this.clock() + this.offsetMs;
  }

  /** Moves the clock on: tokens, tickets and quota days follow it. */
  advance(ms: number): void {
    this.offsetMs += ms;
  }

  // --- tickets

  /** WeChat's next push: a new ticket; earlier ones stay valid until they expire. */
  pushTicket(): string {
    this.ticketSerial += 1;
    const ticket = `ticket@@@emulator-${String(this.ticketSerial).padStart(4, '0')}`;
    this.tickets.set(ticket, this.now() + this.ticketLifetimeMs);
    return ticket;
  }

  /** 0, 61005 (expired) or 61006 (never issued). */
  checkTicket(ticket: unknown): number {
    const expiresAt = typeof ticket === 'string' ? this.tickets.get(ticket) : undefined;
    if (expiresAt === undefined) return 61006;
    return expiresAt > this.now() ? 0 : 61005;
  }

  expireTickets(): void {
    for (const ticket of this.tickets.keys()) this.tickets.set(ticket, 0);
  }

  // --- tokens

  private issue(kind: IssuedToken['kind'], previous: string | undefined, appid?: string): string {
    // A replaced token keeps working a grace window, as reported, then stops.
    const old = previous === undefined ? undefined : this.tokens.get(previous);
    if (old) old.expiresAt = Math.min(old.expiresAt, this.now() + this.graceMs);
    // Unique and not guessable across emulator runs; a counter keeps 100,000 of them cheap to make.
    this.tokenSerial += 1;
    const token = `${kind === 'component' ? 'ctok' : 'atok'}_${this.tokenPrefix}${this.tokenSerial.toString(36)}`;
    this.tokens.set(token, { kind, ...(appid ? { appid } : {}), expiresAt: this.now() + this.lifetimeMs });
    return token;
  }

  issueComponentToken(): string {
    this.currentComponentToken = this.issue('component', this.currentComponentToken);
    return this.currentComponentToken;
  }

  /** The token's record when it is one of this component's: undefined for unknown ones (40001). */
  token(value: string | null): IssuedToken | undefined {
    return value ? this.tokens.get(value) : undefined;
  }

  isExpired(token: IssuedToken): boolean {
    return token.expiresAt <= this.now();
  }

  /** Every token issued so far stops working (42001 on next use). */
  expireTokens(): void {
    for (const token of this.tokens.values()) token.expiresAt = 0;
  }

  // --- authorisers

  isAuthorizer(appid: unknown): appid is string {
    const index = typeof appid === 'string' ? authorizerIndex(appid) : undefined;
    return index !== undefined && index < this.count;
  }

  /** Spread evenly: authoriser i lacks set 40 when floor((i+1)f) > floor(if), until its administrator grants it. */
  grantsPluginManagement(appid: string): boolean {
    const index = authorizerIndex(appid)!;
    if (this.grantedLater.has(index)) return true;
    return Math.floor((index + 1) * this.without) === Math.floor(index * this.without);
  }

  /** The authoriser's administrator authorises the platform again, with plugin management: no more 61007. */
  grantPluginManagement(appid: string): void {
    this.grantedLater.add(authorizerIndex(appid)!);
  }

  grantedSets(appid: string): number[] {
    return this.grantsPluginManagement(appid) ? GRANTED_SETS : GRANTED_SETS.filter((id) => id !== PLUGIN_MANAGEMENT_SET);
  }

  authTime(appid: string): number {
    return 1_700_000_000 + authorizerIndex(appid)! * 60;
  }

  private state(appid: string): AuthorizerState {
    const index = authorizerIndex(appid)!;
    let state = this.states.get(index);
    if (!state) {
      state = { generation: 0 };
      this.states.set(index, state);
    }
    return state;
  }

  /** The refresh token WeChat holds now (what the authoriser list shows). */
  refreshToken(appid: string): string {
    return refreshTokenOf(appid, this.states.get(authorizerIndex(appid)!)?.generation ?? 0);
  }

  /** The current refresh token, or the one it replaced within the grace window. */
  acceptsRefreshToken(appid: string, token: unknown): boolean {
    const state = this.states.get(authorizerIndex(appid)!);
    if (token === this.refreshToken(appid)) return true;
    return state?.previousRefresh !== undefined && state.previousRefresh.token === token && state.previousRefresh.until > this.now();
  }

  /** A new access token (the previous one works a grace window more) and the refresh token to keep. */
  issueAuthorizerToken(appid: string): { accessToken: string; refreshToken: string } {
    const state = this.state(appid);
    if (this.rotate) {
      state.previousRefresh = { token: this.refreshToken(appid), until: this.now() + this.graceMs };
      state.generation += 1;
    }
    state.currentToken = this.issue('authorizer', state.currentToken, appid);
    return { accessToken: state.currentToken, refreshToken: this.refreshToken(appid) };
  }

  /** The authoriser's own plugins, created on first use. */
  worldOf(appid: string): PluginWorld {
    const state = this.state(appid);
    if (!state.world) {
      state.world = new PluginWorld({ now: () => this.now() });
      for (const start of this.startWith) {
        const application = state.world.add({ miniProgramAppid: appid, pluginAppid: start.pluginAppid, reason: undefined, status: start.status });
        if (start.version) application.version = start.version;
      }
    }
    return state.world;
  }

  // --- quotas and rate

  private quotaDay(): number {
    return Math.floor((this.now() - this.resetHour * 3_600_000) / 86_400_000);
  }

  /** The authoriser's quota for one API path today. */
  quota(appid: string, path: string): { daily_limit: number; used: number; remain: number } {
    const entry = this.state(appid).quota?.[path];
    const used = entry && entry.day === this.quotaDay() ? entry.used : 0;
    return { daily_limit: this.dailyQuota, used, remain: Math.max(0, this.dailyQuota - used) };
  }

  /** Counts one call against the quota; false (45009) when today's is spent. */
  spendQuota(appid: string, path: string): boolean {
    const state = this.state(appid);
    const day = this.quotaDay();
    const entry = state.quota?.[path];
    const used = entry && entry.day === day ? entry.used : 0;
    if (used >= this.dailyQuota) return false;
    (state.quota ??= {})[path] = { day, used: used + 1 };
    return true;
  }

  /** When quotas next reset (ms since the epoch). */
  nextQuotaReset(): number {
    return (this.quotaDay() + 1) * 86_400_000 + this.resetHour * 3_600_000;
  }

  /** Lets a plugin call through the component's rate limit, or not (45011). */
  admitCall(): boolean {
    if (this.rateLimit <= 0) return true;
    const t = this.now();
    while (this.recent.length > 0 && this.recent[0]! <= t - 1000) this.recent.shift();
    if (this.recent.length >= this.rateLimit) return false;
    this.recent.push(t);
    return true;
  }
}
