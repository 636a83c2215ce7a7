/**
 * The part of wx-server-sdk this project uses, typed narrowly so the adapter can be exercised
 * without the platform. The real module satisfies it (checked by the type-checker in sdk-transport).
 */
export interface WXContext {
  /** wx-server-sdk turns all-digit context values into numbers. */
  readonly OPENID?: string | number;
  readonly SOURCE?: string | number;
  readonly FROM_APPID?: string | number;
}

export interface SdkConfig {
  /** `env` takes DYNAMIC_CURRENT_ENV too, although the SDK's own typings only admit strings. */
  env?: string;
  timeout?: number;
}

export interface CloudSdk {
  init(options: SdkConfig): void;
  getWXContext(): WXContext;
  readonly openapi: unknown;
  readonly DYNAMIC_CURRENT_ENV: symbol;
}
