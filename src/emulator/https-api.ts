import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteContext } from './route-context';
import { answer, fail, handlerFor, unknownAction } from './handlers';
import { DEMO_MINI_PROGRAM_APPID, DEMO_PLUGINS } from './plugin-world';
import { answerFault, parseJsonObject, sendJson } from './responses';
import { componentApi, type ComponentApiOptions, type ComponentControl } from './component-api';

/**
 * The HTTPS API as a server meets it at api.weixin.qq.com: `POST /cgi-bin/stable_token` for an
 * access token, and the plugin-management endpoints (`/wxa/plugin`, `/wxa/devplugin`, whatever the
 * registry declares) answering from the same PluginWorld as the cloud gateway. The token says who
 * calls: the mini-program on /wxa/plugin, the plugin on /wxa/devplugin.
 *
 * Tokens follow WeChat's rules for stable_token, on the emulator's own clock: one current token
 * per appid, handed out to every plain request until it expires (then a plain request issues the
 * next); a forced refresh issues a new one and the previous stays valid only for a grace window
 * (WeChat says 5 minutes); at most `forcedRefreshesPerDay` forced refreshes a day per appid (past
 * that 45009, modelled: WeChat's daily-quota code). Token errors follow WeChat: 41001 missing,
 * 40001 invalid or replaced, 42001 expired; credentials errors 40013 (appid) and 40125 (secret).
 */
export interface HttpsApiOptions {
  /** Appid -> app secret of every account that may get tokens (default: the demo mini-program and the demo plugins). */
  readonly accounts?: Readonly<Record<string, string>>;
  /** Lifetime of issued tokens, as WeChat's `expires_in`. */
  readonly tokenLifetimeSeconds?: number;
  /** How long a token replaced by a forced refresh stays valid (default 5 min, as WeChat's). */
  readonly forcedRefreshGraceMs?: number;
  /** Forced refreshes allowed per appid and day (default 20, as WeChat's). */
  readonly forcedRefreshesPerDay?: number;
  /** A third-party platform and its authorisers (component-api.ts); none by default. */
  readonly component?: ComponentApiOptions;
}

export interface HttpsApi {
  /** Makes every token issued so far expired (the next use answers 42001). */
  expireTokens(): void;
  /** Makes every token issued so far invalid (the next use answers 40001). */
  revokeTokens(): void;
  /** Moves the emulator's clock on: tokens expire, grace windows close, days pass. */
  advanceClock(ms: number): void;
  /** Issues a token directly, as if another server of the same appid had fetched it. */
  issueToken(appid?: string): string;
  /** How many times /cgi-bin/stable_token was asked, and with force_refresh how often. */
  readonly tokenRequests: { count: number; forced: number };
  /** The third-party platform's side, when the emulator has one. */
  readonly component?: ComponentControl;
}

export const DEMO_APP_SECRET = 'demo0app0secret0not0a0real0secret';
/** Each demo plugin's own secret, for the developer's side: `demo0plugin0secret0` + the appid's last 4. */
export const demoPluginSecret = (appid: string): string => `demo0plugin0secret0${appid.slice(-4)}`;

export const DEMO_ACCOUNTS: Readonly<Record<string, string>> = {
  [DEMO_MINI_PROGRAM_APPID]: DEMO_APP_SECRET,
  ...Object.fromEntries(DEMO_PLUGINS.map((plugin) => [plugin.appid, demoPluginSecret(plugin.appid)])),
};

interface Token {
  readonly appid: string;
  expiresAt: number;
  revoked: boolean;
  /** Set when a forced refresh replaced it: valid until then. */
  replacedUntil?: number;
}

/** WeChat's day, for the daily quota: Beijing time (UTC+8). */
const dayOf = (ms: number): number => Math.floor((ms + 8 * 3_600_000) / 86_400_000);

export function httpsApi(options: HttpsApiOptions = {}) {
  const accounts = options.accounts ?? DEMO_ACCOUNTS;
  const lifetime = options.tokenLifetimeSeconds ?? 7200;
  const grace = options.forcedRefreshGraceMs ?? 5 * 60_000;
  const perDay = options.forcedRefreshesPerDay ?? 20;
  let clockOffset = 0;
  const now = () => Date.now() + clockOffset;
  const tokens = new Map<string, Token>();
  /** The token stable_token currently hands out, per appid. */
  const current = new Map<string, string>();
  /** Forced refreshes per appid on the day in `day`. */
  const forcedToday = new Map<string, { day: number; count: number }>();
  const tokenRequests = { count: 0, forced: 0 };
  const component = options.component ? componentApi(options.component) : undefined;

  const issueToken = (appid: string = DEMO_MINI_PROGRAM_APPID): string => {
    const token = `emu_${randomBytes(24).toString('hex')}`;
    tokens.set(token, { appid, expiresAt: now() + lifetime * 1000, revoked: false });
    return token;
  };

  const valid = (token: Token): boolean => !token.revoked && token.expiresAt > now() && (token.replacedUntil ?? Infinity) > now();

  /** A forced refresh still allowed today for this appid: counts it. */
  const takeForced = (appid: string): boolean => {
    const today = dayOf(now());
    const spent = forcedToday.get(appid);
    const count = spent?.day === today ? spent.count : 0;
    if (count >= perDay) return false;
    forcedToday.set(appid, { day: today, count: count + 1 });
    return true;
  };

  const stableToken = (appid: string, force: boolean): string => {
    const held = current.get(appid);
    const heldToken = held === undefined ? undefined : tokens.get(held)!;
    if (heldToken && valid(heldToken) && !force) return held!;
    // A forced refresh leaves the replaced token valid for the grace window; one that is no longer
    // valid is simply succeeded.
    if (heldToken && valid(heldToken)) heldToken.replacedUntil = Math.min(heldToken.replacedUntil ?? Infinity, now() + grace);
    const token = issueToken(appid);
    current.set(appid, token);
    return token;
  };

  const control: HttpsApi = {
    tokenRequests,
    issueToken,
    expireTokens: () => tokens.forEach((token) => (token.expiresAt = 0)),
    revokeTokens: () => tokens.forEach((token) => (token.revoked = true)),
    advanceClock: (ms) => void (clockOffset += ms),
    ...(component ? { component: component.control } : {}),
  };

  /** 0 and the caller's appid, or WeChat's token error. */
  const checkToken = (value: string | null): { errcode: number; appid?: string } => {
    if (!value) return { errcode: 41001 };
    const token = tokens.get(value);
    if (!token || token.revoked || (token.replacedUntil ?? Infinity) <= now()) return { errcode: 40001 };
    if (token.expiresAt <= now()) return { errcode: 42001 };
    return { errcode: 0, appid: token.appid };
  };

  const route = async (request: IncomingMessage, body: Buffer, response: ServerResponse, context: RouteContext): Promise<boolean> => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (request.method !== 'POST') return false;
    if (component && (await component.route(request, body, response, context))) return true;

    if (url.pathname === '/cgi-bin/stable_token') {
      tokenRequests.count += 1;
      const fields = parseJsonObject(body) ?? {};
      const force = fields.force_refresh === true;
      if (force) tokenRequests.forced += 1;
      const appid = typeof fields.appid === 'string' ? fields.appid : '';
      if (fields.grant_type !== 'client_credential') sendJson(response, fail(40002));
      else if (!(appid in accounts)) sendJson(response, fail(40013));
      else if (fields.secret !== accounts[appid]) sendJson(response, fail(40125));
      else if (force && !takeForced(appid)) sendJson(response, fail(45009));
      else sendJson(response, { access_token: stableToken(appid, force), expires_in: lifetime });
      return true;
    }

    const fields = parseJsonObject(body);
    const { known, handler } = handlerFor({ httpsPath: url.pathname }, fields ?? {});
    if (!known) return false;
    const fault = context.faults.take();
    const apiName = url.pathname.slice(1);
    context.calls.push({ surface: 'https', apiName, fields: fields ?? {}, signed: url.searchParams.has('access_token'), ...(fault ? { fault: fault.kind } : {}) });
    const checked = checkToken(url.searchParams.get('access_token'));
    const act = () => (checked.appid !== undefined && fields && handler ? handler(context.world, checked.appid, fields) : answer(40097));
    if (await context.connectionFault(fault, response, act)) return true;
    if (fault && answerFault(fault, response, 'https')) return true;
    if (checked.errcode !== 0) sendJson(response, fail(checked.errcode));
    else if (!fields) sendJson(response, fail(47001));
    else if (!handler) sendJson(response, unknownAction());
    else sendJson(response, act());
    return true;
  };

  return { route, control };
}
