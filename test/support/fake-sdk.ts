import type { CloudSdk, WXContext } from '../../src/cloud/sdk';

/**
 * A stand-in for wx-server-sdk's surface, for unit tests of the adapter only: the end-to-end tests
 * use the real SDK. `answer` decides what each openapi call does.
 */
export function fakeSdk(answer: (api: string, data: unknown) => unknown, context: WXContext = { OPENID: 'oAdmin', SOURCE: 'wx_client' }) {
  /** Each call, with the SDK timeout of the instance that made it (undefined: the module's own, before init). */
  const calls: Array<{ api: string; data: unknown; convertCase: unknown; timeout?: number }> = [];
  const inits: Array<{ env?: unknown; timeout?: number; keepalive?: boolean }> = [];
  /** The configurations of the instances made with createNewInstance, in order. */
  const instances: Array<{ env?: unknown; timeout?: number; keepalive?: boolean }> = [];
  const openapiWith = (timeout: () => number | undefined) => (options: { convertCase?: unknown }) =>
    new Proxy(
      {},
      {
        get: (_target, namespace: string) =>
          new Proxy(
            {},
            {
              get: (_inner, name: string) => (data: unknown) => {
                calls.push({ api: `${namespace}.${name}`, data, convertCase: options.convertCase, timeout: timeout() });
                return answer(`${namespace}.${name}`, data);
              },
            },
          ),
      },
    );
  const sdk: CloudSdk & { calls: typeof calls; inits: typeof inits; instances: typeof instances; context: WXContext } = {
    calls,
    inits,
    instances,
    context,
    DYNAMIC_CURRENT_ENV: Symbol('current env'),
    init(options) {
      inits.push(options);
    },
    getWXContext() {
      return sdk.context;
    },
    openapi: openapiWith(() => inits[0]?.timeout),
    createNewInstance(options) {
      instances.push(options);
      return { openapi: openapiWith(() => options.timeout) };
    },
  };
  return sdk;
}
