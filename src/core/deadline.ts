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

export function deadlineFor(startedAt: number, timeLimitMs: number): number {
  return startedAt + timeLimitMs - safetyMarginMs(timeLimitMs);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Settles like `work`, or rejects with DEADLINE_EXCEEDED after `ms`. The work itself goes on in the
 * background (neither the SDK nor WeChat can be told to stop); its late outcome is ignored.
 */
export function withinDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new OperationError(ProjectCode.DEADLINE_EXCEEDED, { maybeDelivered: true })),
      Math.max(0, ms),
    );
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
