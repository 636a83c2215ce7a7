/**
 * The job rules of a batch run, free of any engine: what one call's result means for its
 * authoriser, when a deferred job may run again, and what the run's exit status is.
 */

import { backoffDelay, type BackoffPolicy } from '../core/retry';
import { isPlatformFault } from '../component/platform-faults';

/** How an authoriser's job ended. `deferred` is not an end: it runs again after the quota resets. */
export type Outcome = 'succeeded' | 'alreadyDone' | 'notAuthorised' | 'deferred' | 'failed';
export const FINAL_OUTCOMES = ['succeeded', 'alreadyDone', 'notAuthorised', 'failed'] as const;
export type FinalOutcome = (typeof FINAL_OUTCOMES)[number];

/** What to do with a job after one call. */
export type Decision =
  | { readonly kind: 'final'; readonly outcome: FinalOutcome }
  /** 45009: that mini-program's daily quota is spent; run again after WeChat's reset. */
  | { readonly kind: 'defer'; readonly until: number }
  /**
   * A transient failure, with tries left: run again at `at`. `counted: false` (45011, the
   * platform's rate limit): the try is not the authoriser's, so it does not count, and the run
   * slows down instead.
   */
  | { readonly kind: 'retry'; readonly at: number; readonly counted: boolean }
  /** The platform's own fault (its credentials, quota or token command): nothing recorded, the run stops. */
  | { readonly kind: 'stop' };

export interface CallResult {
  readonly errCode: number;
  readonly retryable: boolean;
}

/** The authoriser did not grant plugin management (permission set 40). */
export const NOT_AUTHORISED = 61007;
/** The mini-program's daily quota for the API is spent. */
export const DAILY_QUOTA_SPENT = 45009;
/** WeChat's per-minute limit ("retry next minute"). */
export const MINUTE_QUOTA_SPENT = 45011;

/**
 * Tries of one job in all. Each try is a whole call, which already retries transient failures up to
 * 3 times within its own budget; these tries are for failures that outlast a call (a WeChat outage).
 */
export const MAX_TRIES = 5;
export const RETRY_BASE_MS = 5_000;
export const RETRY_MAX_MS = 5 * 60_000;
/** After 45011, WeChat says to wait for the next minute. */
export const MINUTE_QUOTA_WAIT_MS = 60_000;

/**
 * WeChat's daily quotas reset at midnight China Standard Time (UTC+8, no daylight saving). The
 * margin keeps a job from arriving a moment before the reset on a clock that runs a little fast.
 */
export const QUOTA_RESET_UTC_OFFSET_MS = 8 * 3_600_000;
export const QUOTA_RESET_MARGIN_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

export function nextQuotaReset(now: number): number {
  const chinaMidnight = Math.floor((now + QUOTA_RESET_UTC_OFFSET_MS) / DAY_MS) * DAY_MS + DAY_MS - QUOTA_RESET_UTC_OFFSET_MS;
  return chinaMidnight + QUOTA_RESET_MARGIN_MS;
}

/** The job's own backoff, on the engine's rule (exponential, equal jitter, capped) with a job's pace. */
const JOB_BACKOFF: BackoffPolicy = { maxAttempts: MAX_TRIES, baseDelayMs: RETRY_BASE_MS, maxDelayMs: RETRY_MAX_MS, minAttemptMs: 0 };

/** Delay before try `tries + 1` (tries counts the calls made, at least 1). */
export function retryDelay(tries: number, random: () => number): number {
  return backoffDelay(Math.max(1, tries) + 1, JOB_BACKOFF, random);
}

/**
 * One call's result, for the job that made it. `tries` counts this call. `alreadyHolds` is the
 * operation's own list of codes meaning the state asked for already holds (apply: 89237).
 */
export function decide(result: CallResult, alreadyHolds: readonly number[], tries: number, now: number, random: () => number = Math.random): Decision {
  const code = result.errCode;
  if (code === 0) return { kind: 'final', outcome: 'succeeded' };
  if (alreadyHolds.includes(code)) return { kind: 'final', outcome: 'alreadyDone' };
  if (code === NOT_AUTHORISED) return { kind: 'final', outcome: 'notAuthorised' };
  if (code === DAILY_QUOTA_SPENT) return { kind: 'defer', until: nextQuotaReset(now) };
  if (isPlatformFault(code)) return { kind: 'stop' };
  // The platform's rate, not the mini-program's fault: WeChat says to wait for the next minute.
  if (code === MINUTE_QUOTA_SPENT) return { kind: 'retry', at: now + Math.max(retryDelay(tries, random), MINUTE_QUOTA_WAIT_MS), counted: false };
  if (!result.retryable || tries >= MAX_TRIES) return { kind: 'final', outcome: 'failed' };
  return { kind: 'retry', at: now + retryDelay(tries, random), counted: true };
}

export interface Counts {
  readonly total: number;
  readonly succeeded: number;
  readonly alreadyDone: number;
  readonly notAuthorised: number;
  readonly deferred: number;
  readonly failed: number;
  /** Neither finished nor deferred: queued, running, or waiting to be retried. */
  readonly pending: number;
  /** Stopped by a cancel before they were called again; final until a retry picks them. */
  readonly cancelled: number;
}

/** Where an authoriser stands in its run: an outcome, `pending` (work left), or `cancelled` (a cancel stopped it). */
export type ItemState = Outcome | 'pending' | 'cancelled';

/** What `retry` calls again: every state that is neither a success nor work already left. */
export const RETRYABLE_STATES = ['failed', 'notAuthorised', 'deferred', 'cancelled'] as const;

/** How a run stands as a whole, for lists of runs. */
export type RunState = 'listing' | 'running' | 'deferred' | 'finished' | 'cancelled';

/**
 * Not all enqueued is `listing`; work left is `running`; then a cancel shows before a deferral (the
 * operator's own stop is what they look for), and nothing left is `finished`.
 */
export function runStateOf(listed: boolean, counts: Counts): RunState {
  if (!listed && counts.cancelled === 0) return 'listing';
  if (counts.pending > 0) return 'running';
  if (counts.cancelled > 0) return 'cancelled';
  if (counts.deferred > 0) return 'deferred';
  return 'finished';
}

export const EXIT_DONE = 0;
export const EXIT_REFUSED_OR_FAILED = 1;
export const EXIT_BAD_ARGUMENTS = 2;
export const EXIT_UNFINISHED = 3;

/** 1 when any authoriser was refused or failed, whatever else; else 3 when any is deferred, pending or cancelled (work left); else 0. */
export function exitCodeOf(counts: Counts): number {
  if (counts.notAuthorised > 0 || counts.failed > 0) return EXIT_REFUSED_OR_FAILED;
  if (counts.deferred > 0 || counts.pending > 0 || counts.cancelled > 0) return EXIT_UNFINISHED;
  return EXIT_DONE;
}
