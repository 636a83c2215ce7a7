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
}

function timeLimitOf(context: CloudContext | undefined, fallback: number): number {
  const limit = context?.time_limit_in_ms;
  return typeof limit === 'number' && Number.isFinite(limit) && limit > 0 ? limit : fallback;
}

/** getWXContext turns all-digit values into numbers; identities are compared as strings. */
function text(value: unknown): string | undefined {
  return value === undefined || value === null || value === '' ? undefined : String(value);
}

function callerOf(sdk: CloudSdk): Caller {
  const context = sdk.getWXContext();
  return { openid: text(context.OPENID), source: text(context.SOURCE), fromAppid: text(context.FROM_APPID) };
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
  const config = readConfig(options.env ?? process.env);
  const log = options.log ?? stdoutSink;
  const guarded = cloudOnly(route);
  let transport: Transport | undefined;

  return async function main(event, context) {
    const startedAt = Date.now();
    try {
      return await runOperation(
        guarded,
        {
          event,
          caller: callerOf(options.sdk),
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
