import { APP_CREDENTIALS_HOLDER } from '../core/authorize';
import { ProjectCode } from '../core/codes';
import { readConfig } from '../core/config';
import { trimmedText } from '../core/validate';
import { runOperation, type OperationResult, type Transport } from '../core/engine';
import { OperationError } from '../core/errors';
import { rememberSecret } from '../core/redact';
import type { LogSink } from '../core/log';
import type { OperationData, OperationRequest } from '../core/operation';
import { OPERATIONS, type RegisteredOperation } from '../core/operations';
import { singleOperation } from '../core/route';
import { givenToken, stableToken, type AccessTokenSource } from './access-token';
import { parseBaseUrl } from './base-url';
import type { Fetch } from './http';
import { checkClientOptions, type HttpsClientOptions } from './client-options';
import { createHttpsTransport } from './https-transport';

export const DEFAULT_BASE_URL = 'https://api.weixin.qq.com';
export const DEFAULT_HTTPS_TIMEOUT_MS = 10_000;

export type { HttpsClientOptions };

/** What a method resolves to on success: errCode 0, and the operation's data. */
export type HttpsSuccess<O> = OperationResult & { readonly errCode: 0 } & OperationData<O>;
/** What a method resolves to otherwise: no data. */
export type HttpsFailure<O> = OperationResult & { readonly [K in keyof OperationData<O>]?: undefined };
/**
 * What a method resolves to: the one shape, plus the operation's data on success. TypeScript has no
 * "number other than 0", so `errCode === 0` alone cannot narrow this union; `succeeded(result)` does.
 */
export type HttpsResult<O> = HttpsSuccess<O> | HttpsFailure<O>;

/**
 * What `succeeded` narrows a result to: the union's success member where the type has one (the
 * HTTPS client's results, with their data), otherwise the result itself with `errCode: 0` (the
 * component client's and batch runs' results, whose data fields stay as they are typed).
 */
export type Succeeded<R extends { readonly errCode: number }> = [Extract<R, { readonly errCode: 0 }>] extends [never] ? R & { readonly errCode: 0 } : Extract<R, { readonly errCode: 0 }>;

/** True when WeChat did what was asked: the result then has the operation's data (typed). */
export function succeeded<R extends { readonly errCode: number }>(result: R): result is Succeeded<R> {
  return result.errCode === 0;
}

/** Per call: a time budget of its own, instead of the client's timeoutMs. */
export interface CallOptions {
  readonly timeoutMs?: number;
}

type Method<O> = Record<never, never> extends OperationRequest<O>
  ? (request?: OperationRequest<O>, call?: CallOptions) => Promise<HttpsResult<O>>
  : (request: OperationRequest<O>, call?: CallOptions) => Promise<HttpsResult<O>>;

/** One typed method per registered operation: `applyPlugin({...})`, `getPluginList()`, ... Never rejects. */
export type HttpsClient = { readonly [O in RegisteredOperation as O['name']]: Method<O> };

/** A token from the caller's own source is a credential like any other: never shown. */
function remembered(token: string): string {
  rememberSecret(token);
  return token;
}

/** A call's own budget when it gives a usable one, the client's otherwise. */
function timeLimitOf(call: CallOptions, options: { readonly timeoutMs?: number }): number {
  // A JavaScript caller may pass anything: null, or a number, reads as no budget of its own.
  const own: unknown = (call as Partial<CallOptions> | null)?.timeoutMs;
  return typeof own === 'number' && own > 0 ? own : options.timeoutMs ?? DEFAULT_HTTPS_TIMEOUT_MS;
}

/**
 * The token to use. A given token comes first; when WeChat refuses it and an appid and secret are
 * there too, tokens are then fetched with those (once per refusal of the given token).
 */
function tokenSource(options: HttpsClientOptions, baseUrl: string, fetchImpl: Fetch | undefined): AccessTokenSource | undefined {
  const own = options.accessTokenSource;
  if (own) return { get: async (budget) => remembered(await own.get(budget)), invalidate: (refused, code) => own.invalidate(refused, code) };
  const token = trimmedText(options.accessToken);
  const [appid, secret] = [trimmedText(options.appid), trimmedText(options.secret)];
  const fetched = appid && secret ? stableToken({ appid, secret, baseUrl, fetch: fetchImpl }) : undefined;
  if (!token) return fetched;
  if (!fetched) return givenToken(token);
  let useFetched = false;
  return {
    get: (budget) => (useFetched ? fetched.get(budget) : Promise.resolve(token)),
    invalidate(refused, code) {
      if (refused !== token) return fetched.invalidate(refused, code);
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
    if (trimmedText(options.baseUrl)) parseBaseUrl(trimmedText(options.baseUrl)!, names.baseUrl);
  } catch (error) {
    return error as OperationError;
  }
  const [token, appid, secret] = [trimmedText(options.accessToken), trimmedText(options.appid), trimmedText(options.secret)];
  if (options.accessTokenSource || token || (appid && secret)) return undefined;
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
export function createHttpsClient(supplied: HttpsClientOptions = {}): HttpsClient {
  const { options, problem: optionsProblem } = checkClientOptions(supplied);
  const problem = optionsProblem ?? setupProblem(options);
  const url = trimmedText(options.baseUrl);
  const baseUrl = problem || !url ? DEFAULT_BASE_URL : parseBaseUrl(url, OPTION_NAMES.baseUrl);
  // No fetch given: Node's http/https with keep-alive (src/https/http-request.ts).
  const fetchImpl = options.fetch;
  const tokens = problem ? undefined : tokenSource(options, baseUrl, fetchImpl);
  const transport = tokens && createHttpsTransport({ baseUrl, tokens, fetch: fetchImpl });
  // Asked for only once a request is valid: bad input is reported first, and nothing is sent.
  const transportOrRefuse = (): Transport => {
    if (transport) return transport;
    throw problem; // there is a transport unless there is a problem
  };
  return operationMethods(transportOrRefuse, options);
}

/**
 * One typed method per registered operation, each a run of the engine over `transport` (asked for
 * only once a request is valid). Shared by createHttpsClient and the component client's
 * forAuthorizer, so both have the same methods, validation, retries and result shape.
 */
export function operationMethods(transport: () => Transport, options: { readonly timeoutMs?: number; readonly log?: LogSink | undefined }): HttpsClient {
  // Read once: nothing of it changes between calls (and the HTTPS client has no administrators to check).
  const deps = { transport, config: readConfig({}), log: options.log };
  const methods = OPERATIONS.map((operation) => {
    const route = singleOperation(operation);
    const method = (request: unknown = {}, call: CallOptions = {}) =>
      runOperation(
        route,
        { event: request, caller: APP_CREDENTIALS_HOLDER, timeLimitMs: timeLimitOf(call, options), killedAtTimeLimit: false },
        deps,
      );
    return [operation.name, method] as const;
  });
  return Object.fromEntries(methods) as unknown as HttpsClient;
}
