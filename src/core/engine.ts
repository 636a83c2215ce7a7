import { authorize, type Caller } from './authorize';
import { describeCode, ProjectCode } from './codes';
import type { FunctionConfig } from './config';
import { deadlineFor, sleep, withinDeadline } from './deadline';
import { OperationError } from './errors';
import { formatLogLine, maskOpenid, type LogSink } from './log';
import type { Operation } from './operation';
import { redact } from './redact';
import { backoffDelay, DEFAULT_BACKOFF, isRetryableLater, shouldRetry, type BackoffPolicy } from './retry';

/**
 * How a request reaches WeChat. Resolves when WeChat accepted it; rejects with an OperationError
 * for every failure (each transport classifies its own shapes). `timeoutMs` is the time left: a
 * transport that can bound its own request should, so that no socket outlives the invocation.
 */
export interface Transport {
  send(api: string, httpsPath: string, body: Record<string, string | number>, timeoutMs: number): Promise<void>;
}

/** What every caller receives, whatever happened. */
export interface OperationResult {
  readonly errCode: number;
  readonly errMsg: string;
  /** True when trying the same call again later may succeed. */
  readonly retryable: boolean;
  /** Requests sent to WeChat (0 when the call was refused before any was). */
  readonly attempts: number;
  /**
   * Only when an administrator check refused the caller: their own OPENID, so the first
   * administrator can copy it into ADMIN_OPENIDS. It is the caller's own; nobody else's is shown.
   */
  readonly openid?: string;
}

const REFUSED_CALLER: ReadonlySet<number> = new Set([ProjectCode.ADMIN_NOT_CONFIGURED, ProjectCode.NOT_ADMIN]);

export interface Invocation {
  readonly event: unknown;
  readonly caller: Caller;
  readonly timeLimitMs: number;
  readonly requestId?: string;
  /** When the invocation started (ms since the epoch); defaults to now. */
  readonly startedAt?: number;
}

export interface EngineDeps {
  /** Called only once a request is valid and authorised, so refused calls never load the SDK's transport. */
  readonly transport: () => Transport;
  readonly config: FunctionConfig;
  readonly log: LogSink;
  readonly backoff?: BackoffPolicy;
  readonly random?: () => number;
}

interface Attempted {
  attempts: number;
  /** An earlier attempt may have reached WeChat without us reading the answer. */
  maybeDelivered: boolean;
}

async function sendWithRetries(
  operation: Operation<unknown>,
  params: unknown,
  deps: EngineDeps,
  deadline: number,
  progress: Attempted,
): Promise<void> {
  const policy = deps.backoff ?? DEFAULT_BACKOFF;
  const random = deps.random ?? Math.random;
  const transport = deps.transport();
  const body = operation.toWire(params);
  // A limit shorter than the safety margin leaves no time at all: say so without sending.
  if (deadline <= Date.now()) throw new OperationError(ProjectCode.DEADLINE_EXCEEDED);
  for (;;) {
    progress.attempts += 1;
    try {
      const remaining = deadline - Date.now();
      await withinDeadline(transport.send(operation.api, operation.httpsPath, body, remaining), remaining);
      return;
    } catch (caught) {
      const error = caught instanceof OperationError ? caught : new OperationError(ProjectCode.INTERNAL, { cause: caught });
      const delay = backoffDelay(progress.attempts + 1, policy, random);
      const worthRetrying =
        shouldRetry(error.code) &&
        progress.attempts < policy.maxAttempts &&
        deadline - Date.now() - delay >= policy.minAttemptMs;
      if (!worthRetrying) throw error;
      progress.maybeDelivered ||= error.maybeDelivered;
      await sleep(delay);
    }
  }
}

function failureMessage(operation: Operation<unknown>, error: OperationError, progress: Attempted): string {
  const entry = describeCode(error.code);
  let text = error.detail ?? (entry ? `${entry.what}: ${entry.todo}`.split('{api}').join(operation.api) : error.message);
  if (entry?.zh && error.detail === undefined) text += ` (${entry.zh})`;
  const note = progress.maybeDelivered ? operation.afterLostAnswer?.[error.code] : undefined;
  if (note) text += `; ${note}`;
  return `${operation.name}:fail ${text}`;
}

function describeCause(error: OperationError | undefined): string | null {
  if (!error?.cause) return null;
  const cause = error.cause as { errMsg?: unknown; message?: unknown; code?: unknown };
  const text = [cause.code, cause.errMsg ?? cause.message].filter((part) => part !== undefined).join(' ');
  return redact(text || String(error.cause));
}

/**
 * Runs one invocation of an operation: parse, authorise, send with retries inside the time budget,
 * then answer in the one shape and write one log line. Never rejects.
 */
export async function runOperation<Params>(
  operation: Operation<Params>,
  invocation: Invocation,
  deps: EngineDeps,
): Promise<OperationResult> {
  const startedAt = invocation.startedAt ?? Date.now();
  const deadline = deadlineFor(startedAt, invocation.timeLimitMs);
  const progress: Attempted = { attempts: 0, maybeDelivered: false };
  let params: Params | undefined;
  let failure: OperationError | undefined;
  try {
    params = operation.parse(invocation.event);
    if (operation.adminOnly) authorize(invocation.caller, deps.config);
    await sendWithRetries(operation as Operation<unknown>, params, deps, deadline, progress);
  } catch (caught) {
    failure = caught instanceof OperationError ? caught : new OperationError(ProjectCode.INTERNAL, { cause: caught });
  }

  const errCode = failure?.code ?? 0;
  const result: OperationResult = {
    errCode,
    errMsg: failure ? failureMessage(operation as Operation<unknown>, failure, progress) : `${operation.name}:ok`,
    retryable: isRetryableLater(errCode),
    attempts: progress.attempts,
    ...(REFUSED_CALLER.has(errCode) && invocation.caller.openid ? { openid: invocation.caller.openid } : {}),
  };

  deps.log(
    formatLogLine({
      level: errCode === 0 ? 'info' : failure?.code === ProjectCode.INTERNAL ? 'error' : 'warn',
      operation: operation.name,
      requestId: invocation.requestId ?? null,
      errCode,
      attempts: progress.attempts,
      durationMs: Date.now() - startedAt,
      pluginAppid: params ? (operation.logFields(params).pluginAppid ?? null) : null,
      source: invocation.caller.source ?? null,
      openid: maskOpenid(invocation.caller.openid),
      cause: describeCause(failure),
    }),
  );
  return result;
}
