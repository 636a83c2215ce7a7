import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteContext } from './gateway';
import { answerFault, sendJson } from './responses';

/**
 * The HTTPS API as a server meets it at api.weixin.qq.com: `POST /cgi-bin/stable_token` for an
 * access token and `POST /wxa/plugin?access_token=` for plugin management, answering from the same
 * PluginWorld as the cloud gateway. Token errors follow WeChat: 41001 missing, 40001 invalid,
 * 42001 expired; credentials errors 40013 (appid) and 40125 (secret).
 */
export interface HttpsApiOptions {
  /** The app secret the emulated mini-program has (its appid is the emulator's miniProgramAppid). */
  readonly appSecret?: string;
  /** Lifetime of issued tokens, as WeChat's `expires_in`. */
  readonly tokenLifetimeSeconds?: number;
}

export interface HttpsApi {
  /** Makes every token issued so far expired (the next use answers 42001). */
  expireTokens(): void;
  /** Makes every token issued so far invalid (the next use answers 40001). */
  revokeTokens(): void;
  /** Issues a token directly, as if another server of the same appid had fetched it. */
  issueToken(): string;
  /** How many times /cgi-bin/stable_token was asked, and with force_refresh how often. */
  readonly tokenRequests: { count: number; forced: number };
}

export const DEMO_APP_SECRET = 'demo0app0secret0not0a0real0secret';

interface Token {
  expiresAt: number;
  revoked: boolean;
}

function parseJson(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function httpsApi(options: HttpsApiOptions = {}) {
  const secret = options.appSecret ?? DEMO_APP_SECRET;
  const lifetime = options.tokenLifetimeSeconds ?? 7200;
  const tokens = new Map<string, Token>();
  const tokenRequests = { count: 0, forced: 0 };

  const issueToken = (): string => {
    const token = `emu_${randomBytes(24).toString('hex')}`;
    tokens.set(token, { expiresAt: Date.now() + lifetime * 1000, revoked: false });
    return token;
  };

  const control: HttpsApi = {
    tokenRequests,
    issueToken,
    expireTokens: () => tokens.forEach((token) => (token.expiresAt = 0)),
    revokeTokens: () => tokens.forEach((token) => (token.revoked = true)),
  };

  const route = async (request: IncomingMessage, body: Buffer, response: ServerResponse, context: RouteContext): Promise<boolean> => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (request.method !== 'POST') return false;

    if (url.pathname === '/cgi-bin/stable_token') {
      tokenRequests.count += 1;
      const fields = parseJson(body) ?? {};
      if (fields.force_refresh === true) tokenRequests.forced += 1;
      if (fields.grant_type !== 'client_credential') sendJson(response, { errcode: 40002, errmsg: 'invalid grant_type' });
      else if (fields.appid !== context.miniProgramAppid) sendJson(response, { errcode: 40013, errmsg: 'invalid appid' });
      else if (fields.secret !== secret) sendJson(response, { errcode: 40125, errmsg: 'invalid appsecret' });
      else sendJson(response, { access_token: issueToken(), expires_in: lifetime });
      return true;
    }

    if (url.pathname === '/wxa/plugin') {
      const fields = parseJson(body);
      const fault = context.faults.take();
      context.calls.push({ surface: 'https', apiName: 'wxa/plugin', fields: fields ?? {}, signed: url.searchParams.has('access_token'), ...(fault ? { fault: fault.kind } : {}) });
      const token = tokens.get(url.searchParams.get('access_token') ?? '');
      const apply = () => context.world.apply(context.miniProgramAppid, fields?.plugin_appid, fields?.reason);
      if (await context.connectionFault(fault, response, apply)) return true;
      if (fault && answerFault(fault, response, 'https')) return true;
      if (!url.searchParams.get('access_token')) sendJson(response, { errcode: 41001, errmsg: 'access_token missing' });
      else if (!token || token.revoked) sendJson(response, { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' });
      else if (token.expiresAt <= Date.now()) sendJson(response, { errcode: 42001, errmsg: 'access_token expired' });
      else if (!fields) sendJson(response, { errcode: 47001, errmsg: 'data format error' });
      else if (fields.action !== 'apply') sendJson(response, { errcode: 40097, errmsg: 'invalid args: action' });
      else sendJson(response, apply());
      return true;
    }
    return false;
  };

  return { route, control };
}
