import { refuseHttpAccess, type Caller } from '../core/authorize';
import { readConfig, type Env } from '../core/config';
import { runOperation, unexpectedFailure, type OperationResult, type Transport } from '../core/engine';
import { stdoutSink, type LogSink } from '../core/log';
import type { Route } from '../core/route';
import type { CloudSdk } from './sdk';
import { createSdkTransport } from './sdk-transport';

/** The part of the SCF invocation context this project reads. */
export interface CloudContext {
  readonly request_id?: unknown;
  readonly time_limit_in_ms?: unknown;
}

export type CloudFunction = (event: unknown, context?: CloudContext) => Promise<OperationResult & Record<string, unknown>>;

export interface CloudFunctionOptions {
  readonly sdk: CloudSdk;
  readonly env?: Env;
  readonly log?: LogSink;
  /** Whether V8 rejected the code cache index.js offered (undefined: none offered); in every log line. */
  readonly cachedDataRejected?: boolean;
}

/**
 * Adds `cachedDataRejected` (true, false, or null when no cache was offered) at the end of each
 * JSON log line: whether the cloud's Node took the V8 code cache, which only the function can see.
 */
function withCodeCacheField(log: LogSink, rejected: boolean | undefined): LogSink {
  const field = `,"cachedDataRejected":${rejected === undefined ? 'null' : String(rejected)}}`;
  return (line) => log(line.endsWith('}') ? line.slice(0, -1) + field : line);
}

function timeLimitOf(context: CloudContext | undefined, fallback: number): number {
  const limit = context?.time_limit_in_ms;
  return typeof limit === 'number' && Number.isFinite(limit) && limit > 0 ? limit : fallback;
}

/**
 * An identity variable as the platform wrote it, where getWXContext reads it (a key listed in
 * WX_CONTEXT_KEYS), before the SDK turns an all-digit value into a number: `0012345` and `12345`
 * are different OPENIDs, and a 20-digit one does not survive a number.
 */
function platformText(env: Env, key: string): string | undefined {
  return (env.WX_CONTEXT_KEYS ?? '').split(',').includes(key) ? env[key] : undefined;
}

/**
 * The platform's text when there is one; otherwise what getWXContext gave, if it is text. A number
 * from the SDK without the platform's text is a lossy copy and identifies nobody.
 */
function identity(platform: string | undefined, fromSdk: unknown): string | undefined {
  const value = platform ?? (typeof fromSdk === 'string' ? fromSdk : undefined);
  return value === '' ? undefined : value;
}

function callerOf(sdk: CloudSdk, env: Env): Caller {
  const context = sdk.getWXContext();
  // Any FROM_APPID at all marks a cross-account call, lossy or not: it is refused, never compared.
  const fromAppid = identity(platformText(env, 'WX_FROM_APPID'), context.FROM_APPID) ?? (typeof context.FROM_APPID === 'number' ? String(context.FROM_APPID) : undefined);
  return {
    openid: identity(platformText(env, 'WX_OPENID'), context.OPENID),
    // The SDK copies TCB_SOURCE as it is; read it from the same place.
    source: identity(env.TCB_SOURCE, context.SOURCE),
    fromAppid,
  };
}

/** HTTP-access events are refused before the route even looks at them, whoever the caller. */
function cloudOnly(route: Route): Route {
  return {
    ...route,
    select(event) {
      refuseHttpAccess(event);
      return route.select(event);
    },
  };
}

/**
 * Turns a route (one operation, or several chosen by `action`) into a cloud function's `main`.
 * Configuration is read once, when the function is loaded; the SDK is initialised on the first call
 * that gets past validation and authorisation. `main` never throws: even a bug in this project
 * answers in the one shape.
 */
export function createCloudFunction(route: Route, options: CloudFunctionOptions): CloudFunction {
  const env = options.env ?? process.env;
  const config = readConfig(env);
  const log = withCodeCacheField(options.log ?? stdoutSink, options.cachedDataRejected);
  const guarded = cloudOnly(route);
  let transport: Transport | undefined;

  return async function main(event, context) {
    const startedAt = Date.now();
    try {
      return await runOperation(
        guarded,
        {
          event,
          caller: callerOf(options.sdk, env),
          timeLimitMs: timeLimitOf(context, config.defaultTimeLimitMs),
          requestId: typeof context?.request_id === 'string' ? context.request_id : undefined,
          startedAt,
        },
        { transport: () => (transport ??= createSdkTransport(options.sdk)), config, log },
      );
    } catch {
      // Only reachable through a defect here or in getWXContext; runOperation itself never rejects.
      return unexpectedFailure(route.name);
    }
  };
}
