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
    get: (timeoutMs) => (useFetched ? fetched.get(timeoutMs) : Promise.resolve(token)),
    invalidate(refused) {
      if (refused !== token) return fetched.invalidate(refused);
      useFetched = true;
      return true;
    },
  };
}

/** Why no request can be made, if none can: checked only once a request is valid. */
function setupProblem(options: HttpsClientOptions, tokens: AccessTokenSource | undefined, baseUrlError: OperationError | undefined): OperationError | undefined {
  if (baseUrlError) return baseUrlError;
  if (tokens) return undefined;
  const [appid, secret] = [given(options.appid), given(options.secret)];
  if (appid && !secret) return new OperationError(ProjectCode.HTTPS_CREDENTIALS_MISSING, { detail: 'an appid was given without its secret: set WECHAT_APPSECRET (or pass secret), or use an access token' });
  if (secret && !appid) return new OperationError(ProjectCode.HTTPS_CREDENTIALS_MISSING, { detail: 'a secret was given without its appid: set WECHAT_APPID (or pass appid), or use an access token' });
  return new OperationError(ProjectCode.HTTPS_CREDENTIALS_MISSING);
}

/**
 * The HTTPS form of every registered operation: the same validation, engine, retry rule, catalogue
 * and result shape as the cloud functions, over `POST {baseUrl}{path}?access_token=`. One client
 * keeps its token cached across calls.
 */
export function createHttpsClient(options: HttpsClientOptions = {}): HttpsClient {
  let baseUrl = DEFAULT_BASE_URL;
  let baseUrlError: OperationError | undefined;
  try {
    if (given(options.baseUrl)) baseUrl = parseBaseUrl(given(options.baseUrl)!, 'baseUrl');
  } catch (error) {
    baseUrlError = error as OperationError;
  }
  const fetchImpl = options.fetch ?? fetch;
  const tokens = baseUrlError ? undefined : tokenSource(options, baseUrl, fetchImpl);
  const transport = tokens && createHttpsTransport({ baseUrl, tokens, fetch: fetchImpl });
  const problem = setupProblem(options, tokens, baseUrlError);
  // Asked for only once a request is valid: bad input is reported first, and nothing is sent.
  const transportOrRefuse = (): Transport => {
    if (problem || !transport) throw problem;
    return transport;
  };
  return operationMethods(transportOrRefuse, options);
}

/**
 * One typed method per registered operation, each a run of the engine over `transport` (asked for
 * only once a request is valid). Shared by createHttpsClient and the component client's
 * forAuthorizer, so both have the same methods, validation, retries and result shape.
 */
export function operationMethods(transport: () => Transport, options: { readonly timeoutMs?: number; readonly log?: LogSink }): HttpsClient {
  const methods = OPERATIONS.map((operation) => {
    const route = singleOperation(operation);
    const method = (request: unknown = {}) =>
      runOperation(
        route,
        { event: request, caller: APP_CREDENTIALS_HOLDER, timeLimitMs: options.timeoutMs ?? DEFAULT_HTTPS_TIMEOUT_MS, killedAtTimeLimit: false },
        { transport, config: readConfig({}), log: options.log ?? (() => undefined) },
      );
    return [operation.name, method] as const;
  });
  return Object.fromEntries(methods) as unknown as HttpsClient;
}
