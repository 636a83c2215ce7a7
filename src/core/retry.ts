import { ProjectCode } from './codes';

/**
 * The retry rule, in one place. A code is retried inside the invocation when the failure is
 * transient: asking again a moment later can succeed and cannot do harm. WeChat's business codes
 * (89xxx, token errors) are answers, not accidents, and are never retried; neither are the
 * project's own refusals nor configuration faults such as -604101.
 *
 * Applying twice is harmless: if the first attempt did reach WeChat, the second answers 89237
 * ("already added"), which the engine then reports with that possibility spelt out.
 */
const TRANSIENT_CODES: ReadonlySet<number> = new Set([
  -1, // WeChat: system error, "retry later" in WeChat's global table
  -501001, // CloudBase: gateway or network failure (refused, reset, HTTP 5xx)
  -501002, // CloudBase: gateway timeout
  -501004, // CloudBase: concurrency limit, clears within moments
  -601001, // the SDK could not read WeChat's answer (not protobuf, or JSON that does not parse)
  -604102, // open API timeout
  -604103, // open API system error
]);

export function shouldRetry(code: number): boolean {
  return TRANSIENT_CODES.has(code);
}

/** Whether the caller may sensibly try the same call again later (reported as `retryable`). */
export function isRetryableLater(code: number): boolean {
  return shouldRetry(code) || code === ProjectCode.DEADLINE_EXCEEDED;
}

export interface BackoffPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /**
   * The least time an attempt needs to be worth starting: an attempt that cannot finish before the
   * deadline only delays the answer.
   */
  readonly minAttemptMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 800, minAttemptMs: 300 };

/**
 * Delay before attempt `attempt` (2 for the first retry): exponential with "equal jitter", so a burst
 * of failing callers spreads out but every caller still waits at least half the nominal delay.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const nominal = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 2));
  return Math.round(nominal / 2 + (random() * nominal) / 2);
}
