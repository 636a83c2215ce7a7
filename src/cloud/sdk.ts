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
  /** false: Node's global agents, in a cloud function or not (the SDK's own keep-alive agents otherwise, outside one). */
  keepalive?: boolean;
}

export interface CloudSdk {
  init(options: SdkConfig): void;
  getWXContext(): WXContext;
  readonly openapi: unknown;
  readonly DYNAMIC_CURRENT_ENV: symbol;
  /** A new instance, initialised with `config`: the SDK fixes an instance's timeout when it is made. */
  createNewInstance(config: SdkConfig): Pick<CloudSdk, 'openapi'>;
}
