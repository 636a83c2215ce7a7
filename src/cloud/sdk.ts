/**
 * The part of wx-server-sdk this project uses, typed narrowly so the adapter can be exercised
 * without the platform. The real module satisfies it (checked by the type-checker in sdk-transport).
 */
export interface WXContext {
  readonly OPENID?: string;
  readonly SOURCE?: string;
}

export interface CloudSdk {
  /** `env` takes DYNAMIC_CURRENT_ENV too, although the SDK's own typings only admit strings. */
  init(options: { env?: string; timeout?: number }): void;
  getWXContext(): WXContext;
  readonly openapi: unknown;
  readonly DYNAMIC_CURRENT_ENV: symbol;
}
