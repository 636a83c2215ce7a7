import { ProjectCode } from './codes';
import { OperationError } from './errors';

/**
 * The platform kills an invocation at its time limit, and the caller then gets nothing it can use.
 * So the engine answers by a deadline a margin before that limit: the margin pays for writing the
 * log line, serialising the answer and the platform's own overhead.
 */
export function safetyMarginMs(timeLimitMs: number): number {
  return Math.min(1000, Math.max(250, Math.round(timeLimitMs * 0.1)));
}

/** The longest delay a Node timer takes; longer ones fire at once (with a TimeoutOverflowWarning). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The answer's deadline. A cloud function keeps the safety margin before the platform's kill; a
 * caller that nobody kills (the HTTPS client) passes `withMargin: false` and gets its whole budget.
 */
export function deadlineFor(startedAt: number, timeLimitMs: number, withMargin = true): number {
  return startedAt + timeLimitMs - (withMargin ? safetyMarginMs(timeLimitMs) : 0);
}

/**
 * The one time budget of a call, from the engine down to the last socket: every layer (the engine's
 * attempts, a transport, the token fetch, the POST) asks the same object how long is left, so no
 * layer can spend time another does not know about. `deadline` is in ms since the epoch.
 */
export interface Budget {
  readonly deadline: number;
  /** What is left now, never negative. */
  remaining(): number;
}

/** A budget ending at `deadline`, read on `now` (Date.now unless a test gives its own clock). */
export function budgetUntil(deadline: number, now: () => number = Date.now): Budget {
  return { deadline, remaining: () => Math.max(0, deadline - now()) };
}

/** A budget of `ms` from now. */
export function budgetOf(ms: number, now: () => number = Date.now): Budget {
  return budgetUntil(now() + ms, now);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A timer delay for a time budget: NaN and negatives leave none, longer than a timer can wait the longest. */
export function timerDelay(ms: number): number {
  return Number.isNaN(ms) ? 0 : Math.min(MAX_TIMER_MS, Math.max(0, ms));
}

/**
 * Settles like `work`, or rejects with DEADLINE_EXCEEDED after `ms`, calling `onExpire` first (to
 * release what the work holds). The work itself goes on in the background (neither the SDK nor
 * WeChat can be told to stop); its late outcome is ignored.
 */
export function withinDeadline<T>(work: Promise<T>, ms: number, onExpire?: () => void): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      onExpire?.();
      reject(new OperationError(ProjectCode.DEADLINE_EXCEEDED, { maybeDelivered: true }));
    }, timerDelay(ms));
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
