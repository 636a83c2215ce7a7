import { APP_CREDENTIALS_HOLDER } from '../core/authorize';
import { readConfig } from '../core/config';
import { runOperation, type OperationResult, type Transport } from '../core/engine';
import type { LogSink } from '../core/log';
import type { Operation } from '../core/operation';
import { applyPlugin } from '../core/operations/apply-plugin';
import { ProjectCode } from '../core/codes';
import { OperationError } from '../core/errors';
import { givenToken, stableToken, type AccessTokenSource } from './access-token';
import type { Fetch } from './http';
import { createHttpsTransport } from './https-transport';

export const DEFAULT_BASE_URL = 'https://api.weixin.qq.com';
export const DEFAULT_HTTPS_TIMEOUT_MS = 10_000;

export interface HttpsClientOptions {
  /** An access token to use as is. */
  readonly accessToken?: string;
  /** Or the mini-program's appid and secret, to get (and refresh) tokens through stable_token. */
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

export interface HttpsClient {
  /** Resolves to the same `{errCode, errMsg, retryable, attempts}` as the cloud function; never rejects. */
  applyPlugin(request: { pluginAppid: string; reason?: string }): Promise<OperationResult>;
}

function tokenSource(options: HttpsClientOptions, baseUrl: string, fetchImpl: Fetch): AccessTokenSource | undefined {
  if (options.accessToken) return givenToken(options.accessToken);
  if (options.appid && options.secret) return stableToken({ appid: options.appid, secret: options.secret, baseUrl, fetch: fetchImpl });
  return undefined;
}

/**
 * The HTTPS form of the same operations: the same validation, engine, retry rule, catalogue and
 * result shape as the cloud function, over `POST /wxa/plugin?access_token=`. One client keeps its
 * token cached across calls.
 */
export function createHttpsClient(options: HttpsClientOptions = {}): HttpsClient {
  const baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? fetch;
  const tokens = tokenSource(options, baseUrl, fetchImpl);
  const transport = tokens && createHttpsTransport({ baseUrl, tokens, fetch: fetchImpl });
  // Asked for only once a request is valid: bad input is reported before missing credentials,
  // and with no credentials nothing is sent.
  const transportOrRefuse = (): Transport => {
    if (!transport) throw new OperationError(ProjectCode.HTTPS_CREDENTIALS_MISSING);
    return transport;
  };
  const run = <Params>(operation: Operation<Params>, event: unknown) =>
    runOperation(
      operation,
      { event, caller: APP_CREDENTIALS_HOLDER, timeLimitMs: options.timeoutMs ?? DEFAULT_HTTPS_TIMEOUT_MS },
      { transport: transportOrRefuse, config: readConfig({}), log: options.log ?? (() => undefined) },
    );
  return {
    applyPlugin: (request) => run(applyPlugin, request),
  };
}
