import { describeCode, ProjectCode } from './codes';
import { sleep, withinDeadline, type Budget } from './deadline';
import { OperationError } from './errors';
import { asOperationError } from './result';

/**
 * The retry rule, in one place, read from the catalogue (`retry` in src/core/codes.ts). A code is
 * retried inside the call when the failure is transient: asking again a moment later can succeed
 * and cannot do harm. WeChat's business codes (89xxx, token errors) are answers, not accidents, and
 * are never retried; neither are the project's own refusals nor configuration faults such as -604101.
 *
 * Applying twice is harmless: if the first attempt did reach WeChat, the second answers 89237
 * ("already added"), which the engine then reports with that possibility spelt out.
 */
export function shouldRetry(code: number): boolean {
  return describeCode(code)?.retry === 'in-call';
}

/** Whether the caller may sensibly try the same call again later (reported as `retryable`). */
export function isRetryableLater(code: number): boolean {
  const retry = describeCode(code)?.retry;
  return retry === 'in-call' || retry === 'later';
}

/** Whether WeChat may have acted on a request that failed with `code` (a later "already done" may be ours). */
export function mayHaveActed(code: number): boolean {
  return describeCode(code)?.mayHaveActed === true;
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

/**
 * Whether to try again after attempt `attempts` failed with `code`, with `remainingMs` of the budget
 * left: the delay to wait first, or undefined when not. Only transient codes, at most
 * `maxAttempts`, and only when the next attempt, after its delay, still has `minAttemptMs` to run.
 */
export function retryDelay(code: number, attempts: number, remainingMs: number, policy: BackoffPolicy, random: () => number): number | undefined {
  if (!shouldRetry(code) || attempts >= policy.maxAttempts) return undefined;
  const delay = backoffDelay(attempts + 1, policy, random);
  return remainingMs - delay >= policy.minAttemptMs ? delay : undefined;
}

/** What a call's attempts have done so far, for its result and its log line. */
export interface RetryProgress {
  /** Requests sent, the first included. */
  attempts: number;
  /** An earlier attempt may have reached WeChat without its answer being read. */
  maybeDelivered?: boolean;
}

export interface RetryOptions {
  readonly policy?: BackoffPolicy;
  readonly random?: () => number;
  /**
   * Asked first after each failure: true to send again at once, as the same attempt's other way
   * rather than a retry (the engine's older-name fallback: nothing reached WeChat).
   */
  readonly instead?: (error: OperationError) => boolean;
}

/**
 * `attempt` under the project's one retry rule: each attempt bounded by the call's budget, again
 * after a transient failure with backoff while the budget leaves room (retryDelay), every
 * attempt counted in `progress`. Rejects with the last failure as an OperationError. Used by the
 * engine for every operation and by whatever else asks WeChat (a component's tokens and lists).
 */
export async function withRetries<T>(attempt: () => Promise<T>, budget: Budget, progress: RetryProgress, options: RetryOptions = {}): Promise<T> {
  const policy = options.policy ?? DEFAULT_BACKOFF;
  const random = options.random ?? Math.random;
  // A limit shorter than the safety margin leaves no time at all: say so without sending.
  if (budget.remaining() <= 0) throw new OperationError(ProjectCode.DEADLINE_EXCEEDED);
  for (;;) {
    progress.attempts += 1;
    try {
      return await withinDeadline(attempt(), budget.signal);
    } catch (caught) {
      const error = asOperationError(caught);
      if (budget.remaining() > 0 && options.instead?.(error)) continue;
      const delay = retryDelay(error.code, progress.attempts, budget.remaining(), policy, random);
      if (delay === undefined) throw error;
      // Accumulated: one attempt that may have reached WeChat is enough for the note, whatever the later ones say.
      progress.maybeDelivered ||= error.maybeDelivered;
      await sleep(delay);
    }
  }
}

/** The gateway's answers for a cloud-call name it does not know (-604100) or does not grant (-604101). */
const NAME_REFUSED: ReadonlySet<number> = new Set([-604100, -604101]);

/**
 * The newer page's cloud-call name to try once when the gateway refused `calledApi` (the operation's
 * own, older name) as unknown or not granted; undefined when there is none or it was just tried.
 */
export function fallbackCloudApi(operation: { readonly cloudApiFallback?: string }, calledApi: string | undefined, code: number): string | undefined {
  // The engine calls the operation's own name first and the fallback second, so "not the name
  // just called" is the whole test: none (undefined) stays none, and the fallback is tried once.
  const fallback = operation.cloudApiFallback;
  return NAME_REFUSED.has(code) && fallback !== calledApi ? fallback : undefined;
}
