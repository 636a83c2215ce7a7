import { APP_CREDENTIALS_HOLDER } from '../core/authorize';
import { ProjectCode } from '../core/codes';
import { readConfig } from '../core/config';
import { runOperation, type OperationResult, type Transport } from '../core/engine';
import { OperationError } from '../core/errors';
import type { LogSink } from '../core/log';
import type { OperationData, OperationRequest } from '../core/operation';
import { OPERATIONS, type RegisteredOperation } from '../core/operations';
import { singleOperation } from '../core/route';
import { givenToken, stableToken, type AccessTokenSource } from './access-token';
import { parseBaseUrl } from './base-url';
import type { Fetch } from './http';
import { createHttpsTransport } from './https-transport';

export const DEFAULT_BASE_URL = 'https://api.weixin.qq.com';
export const DEFAULT_HTTPS_TIMEOUT_MS = 10_000;

export interface HttpsClientOptions {
  /** An access token to use as is (the mini-program's, or a third-party platform's authorizer_access_token). */
  readonly accessToken?: string;
  /** Or the account's appid and secret, to get (and refresh) tokens through stable_token. With a token too, they are the fallback when WeChat refuses it. */
  readonly appid?: string;
  readonly secret?: string;
  /** Default https://api.weixin.qq.com. */
  readonly baseUrl?: string;
  /** The whole call's time budget, retries included (default 10 s). */
  readonly timeoutMs?: number;
  readonly fetch?: Fetch;
  /** Where the one log line per call goes; default: nowhere. */
  readonly log?: LogSink;
}

/** What a method resolves to: the one shape, plus the operation's data on success. */
export type HttpsResult<O> = OperationResult & Partial<OperationData<O>>;

type Method<O> = Record<never, never> extends OperationRequest<O>
  ? (request?: OperationRequest<O>) => Promise<HttpsResult<O>>
  : (request: OperationRequest<O>) => Promise<HttpsResult<O>>;

/** One typed method per registered operation: `applyPlugin({...})`, `getPluginList()`, ... Never rejects. */
export type HttpsClient = { readonly [O in RegisteredOperation as O['name']]: Method<O> };

/** A value that is absent or only white space counts as not given. */
function given(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/**
 * The token to use. A given token comes first; when WeChat refuses it and an appid and secret are
 * there too, tokens are then fetched with those (once per refusal of the given token).
 */
function tokenSource(options: HttpsClientOptions, baseUrl: string, fetchImpl: Fetch): AccessTokenSource | undefined {
  const token = given(options.accessToken);
  const [appid, secret] = [given(options.appid), given(options.secret)];
  const fetched = appid && secret ? stableToken({ appid, secret, baseUrl, fetch: fetchImpl }) : undefined;
  if (!token) return fetched;
  if (!fetched) return givenToken(token);
  let useFetched = false;
  return {
    get: (budget) => (useFetched ? fetched.get(budget) : Promise.resolve(token)),
    invalidate(refused) {
      if (refused !== token) return fetched.invalidate(refused);
      useFetched = true;
      return true;
    },
  };
}

/** What the options are called where they were given: the library's option names, or the command line's variables. */
export interface OptionNames {
  readonly accessToken: string;
  readonly appid: string;
  readonly secret: string;
  readonly baseUrl: string;
}

const OPTION_NAMES: OptionNames = { accessToken: 'accessToken', appid: 'appid', secret: 'secret', baseUrl: 'baseUrl' };

/**
 * Why no request can be made with these options, if none can: the one check of the HTTPS form's
 * setup, for the library (reported on the first valid call, nothing sent) and for `wxplugin`
 * (exit 2 before anything is sent) alike.
 */
export function setupProblem(options: HttpsClientOptions, names: OptionNames = OPTION_NAMES): OperationError | undefined {
  try {
    if (given(options.baseUrl)) parseBaseUrl(given(options.baseUrl)!, names.baseUrl);
  } catch (error) {
    return error as OperationError;
  }
  const [token, appid, secret] = [given(options.accessToken), given(options.appid), given(options.secret)];
  if (token || (appid && secret)) return undefined;
  const detail = appid
    ? `${names.appid} is set but ${names.secret} is not: set it, or set ${names.accessToken}`
    : secret
      ? `${names.secret} is set but ${names.appid} is not: set it, or set ${names.accessToken}`
      : `no credentials: set ${names.accessToken}, or ${names.appid} and ${names.secret}${names === OPTION_NAMES ? ' (from the environment: WECHAT_ACCESS_TOKEN, or WECHAT_APPID and WECHAT_APPSECRET)' : ''}`;
  return new OperationError(ProjectCode.HTTPS_CREDENTIALS_MISSING, { detail });
}

/**
 * The HTTPS form of every registered operation: the same validation, engine, retry rule, catalogue
 * and result shape as the cloud functions, over `POST {baseUrl}{path}?access_token=`. One client
 * keeps its token cached across calls.
 */
export function createHttpsClient(options: HttpsClientOptions = {}): HttpsClient {
  const problem = setupProblem(options);
  const baseUrl = problem || !given(options.baseUrl) ? DEFAULT_BASE_URL : parseBaseUrl(given(options.baseUrl)!, 'baseUrl');
  const fetchImpl = options.fetch ?? fetch;
  const tokens = problem ? undefined : tokenSource(options, baseUrl, fetchImpl);
  const transport = tokens && createHttpsTransport({ baseUrl, tokens, fetch: fetchImpl });
  // Asked for only once a request is valid: bad input is reported first, and nothing is sent.
  const transportOrRefuse = (): Transport => {
    if (problem || !transport) throw problem;
    return transport;
  };
  const methods = OPERATIONS.map((operation) => {
    const route = singleOperation(operation);
    const method = (request: unknown = {}) =>
      runOperation(
        route,
        { event: request, caller: APP_CREDENTIALS_HOLDER, timeLimitMs: options.timeoutMs ?? DEFAULT_HTTPS_TIMEOUT_MS, killedAtTimeLimit: false },
        { transport: transportOrRefuse, config: readConfig({}), log: options.log ?? (() => undefined) },
      );
    return [operation.name, method] as const;
  });
  return Object.fromEntries(methods) as unknown as HttpsClient;
}
