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
 * attempts, a transport, the token wait, the POST) asks the same object how long is left and
 * listens to the same `signal`, which aborts at `deadline` (ms since the epoch). One timer per
 * call, however many layers and attempts: no layer can spend time another does not know about,
 * and none stacks a timer of its own on the call.
 */
export interface Budget {
  readonly deadline: number;
  /** Aborts (with DEADLINE_EXCEEDED as its reason) when the deadline passes. */
  readonly signal: AbortSignal;
  /** What is left now, never negative. */
  remaining(): number;
}

/** A budget the caller ends: `end()` clears its timer once the call has its answer. */
export interface CallBudget extends Budget {
  end(): void;
}

function deadlineExceeded(): OperationError {
  return new OperationError(ProjectCode.DEADLINE_EXCEEDED, { maybeDelivered: true });
}

/**
 * A budget ending at `deadline`, read on `now` (Date.now unless a test gives its own clock). Its
 * one timer is unref'd: a budget never holds a process open by itself (the work it bounds does).
 */
export function budgetUntil(deadline: number, now: () => number = Date.now): CallBudget {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(deadlineExceeded()), timerDelay(deadline - now()));
  timer.unref?.();
  return { deadline, signal: controller.signal, remaining: () => Math.max(0, deadline - now()), end: () => clearTimeout(timer) };
}

/** A budget of `ms` from now. */
export function budgetOf(ms: number, now: () => number = Date.now): CallBudget {
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
 * Settles like `work`, or rejects with DEADLINE_EXCEEDED once `signal` aborts, calling `onExpire`
 * first (to release what the work holds). The work itself goes on in the background (neither the
 * SDK nor WeChat can be told to stop); its late outcome is ignored.
 */
export function withinDeadline<T>(work: Promise<T>, signal: AbortSignal, onExpire?: () => void): Promise<T> {
  let expire: (() => void) | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    expire = () => {
      onExpire?.();
      reject(deadlineExceeded());
    };
  });
  // An abort just after the work settled rejects a race nobody awaits any more.
  expired.catch(() => undefined);
  if (signal.aborted) {
    // The late outcome is ignored, a late rejection included.
    work.catch(() => undefined);
    expire!();
    return expired;
  }
  signal.addEventListener('abort', expire!, { once: true });
  return Promise.race([work, expired]).finally(() => signal.removeEventListener('abort', expire!));
}
