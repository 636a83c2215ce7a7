import type { CloudSdk, WXContext } from '../../src/cloud/sdk';

/**
 * A stand-in for wx-server-sdk's surface, for unit tests of the adapter only: the end-to-end tests
 * use the real SDK. `answer` decides what each openapi call does.
 */
export function fakeSdk(answer: (api: string, data: unknown) => unknown, context: WXContext = { OPENID: 'oAdmin', SOURCE: 'wx_client' }) {
  const calls: Array<{ api: string; data: unknown; convertCase: unknown }> = [];
  const inits: Array<{ env?: unknown; timeout?: number }> = [];
  const sdk: CloudSdk & { calls: typeof calls; inits: typeof inits; context: WXContext } = {
    calls,
    inits,
    context,
    DYNAMIC_CURRENT_ENV: Symbol('current env'),
    init(options) {
      inits.push(options);
    },
    getWXContext() {
      return sdk.context;
    },
    openapi: (options: { convertCase?: unknown }) =>
      new Proxy(
        {},
        {
          get: (_target, namespace: string) =>
            new Proxy(
              {},
              {
                get: (_inner, name: string) => (data: unknown) => {
                  calls.push({ api: `${namespace}.${name}`, data, convertCase: options.convertCase });
                  return answer(`${namespace}.${name}`, data);
                },
              },
            ),
        },
      ),
  };
  return sdk;
}
