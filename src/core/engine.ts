import { authorize, type Caller } from './authorize';
import { describeCode, ProjectCode } from './codes';
import type { FunctionConfig } from './config';
import { deadlineFor, sleep, withinDeadline } from './deadline';
import { OperationError } from './errors';
import { parseFields } from './fields';
import { formatLogLine, maskOpenid, type LogSink } from './log';
import { wireBodyOf, type AnyOperation, type Answer, type WireBody } from './operation';
import { redact } from './redact';
import { unexpectedAnswer } from './remote';
import { backoffDelay, DEFAULT_BACKOFF, isRetryableLater, shouldRetry, type BackoffPolicy } from './retry';
import type { Route } from './route';

/**
 * How a request reaches WeChat. Resolves with WeChat's answer (the JSON object without errcode and
 * errmsg) when WeChat accepted it; rejects with an OperationError for every failure (each transport
 * classifies its own shapes). `timeoutMs` is the time left: a transport that can bound its own
 * request should, so that no socket outlives the invocation.
 */
export interface Transport {
  send(cloudApi: string | undefined, httpsPath: string, body: WireBody, timeoutMs: number): Promise<Answer>;
}

/** What every caller receives, whatever happened: these four, plus the operation's data on success. */
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

const RESERVED_KEYS: ReadonlySet<string> = new Set(['errCode', 'errMsg', 'retryable', 'attempts', 'openid']);
const REFUSED_CALLER: ReadonlySet<number> = new Set([ProjectCode.ADMIN_NOT_CONFIGURED, ProjectCode.NOT_ADMIN]);

export interface Invocation {
  readonly event: unknown;
  readonly caller: Caller;
  readonly timeLimitMs: number;
  readonly requestId?: string;
  /** When the invocation started (ms since the epoch); defaults to now. */
  readonly startedAt?: number;
  /** false when nothing kills the caller at its time limit (the HTTPS client): no safety margin. */
  readonly killedAtTimeLimit?: boolean;
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

function asOperationError(caught: unknown): OperationError {
  return caught instanceof OperationError ? caught : new OperationError(ProjectCode.INTERNAL, { cause: caught });
}

async function sendWithRetries(operation: AnyOperation, body: WireBody, deps: EngineDeps, deadline: number, progress: Attempted): Promise<Answer> {
  const policy = deps.backoff ?? DEFAULT_BACKOFF;
  const random = deps.random ?? Math.random;
  const transport = deps.transport();
  // A limit shorter than the safety margin leaves no time at all: say so without sending.
  if (deadline <= Date.now()) throw new OperationError(ProjectCode.DEADLINE_EXCEEDED);
  for (;;) {
    progress.attempts += 1;
    try {
      const remaining = deadline - Date.now();
      return await withinDeadline(transport.send(operation.cloudApi, operation.httpsPath, body, remaining), remaining);
    } catch (caught) {
      const error = asOperationError(caught);
      const delay = backoffDelay(progress.attempts + 1, policy, random);
      const worthRetrying =
        shouldRetry(error.code) && progress.attempts < policy.maxAttempts && deadline - Date.now() - delay >= policy.minAttemptMs;
      if (!worthRetrying) throw error;
      progress.maybeDelivered ||= error.maybeDelivered;
      await sleep(delay);
    }
  }
}

/** The operation's data from WeChat's answer. Only what the operation declares; never our four keys. */
function readData(operation: AnyOperation, answer: Answer): Record<string, unknown> {
  let data: object;
  try {
    data = operation.readAnswer(answer);
  } catch (caught) {
    throw caught instanceof OperationError ? caught : unexpectedAnswer('an answer this project could not read', caught);
  }
  return Object.fromEntries(Object.entries(data).filter(([key]) => !RESERVED_KEYS.has(key)));
}

function failureMessage(name: string, operation: AnyOperation | undefined, error: OperationError, progress: Attempted): string {
  const entry = describeCode(error.code);
  let text = error.detail ?? (entry ? `${entry.what}: ${entry.todo}`.split('{api}').join(operation?.cloudApi ?? 'the API') : error.message);
  if (entry?.zh && error.detail === undefined) text += ` (${entry.zh})`;
  if (error.code === ProjectCode.UNEXPECTED_ANSWER && operation) text = `${error.detail ?? entry!.what}: ${operation.whenOutcomeUnknown}`;
  const note = progress.maybeDelivered ? operation?.afterLostAnswer?.[error.code] : undefined;
  if (note) text += `; ${note}`;
  return `${name}:fail ${text}`;
}

function describeCause(error: OperationError | undefined): string | null {
  if (!error?.cause) return null;
  const cause = error.cause as { errMsg?: unknown; message?: unknown; code?: unknown };
  const text = [cause.code, cause.errMsg ?? cause.message].filter((part) => part !== undefined).join(' ');
  return redact(text || String(error.cause));
}

function loggedFields(operation: AnyOperation | undefined, params: Record<string, unknown> | undefined): Record<string, string | number> {
  if (!operation || !params) return {};
  const out: Record<string, string | number> = {};
  for (const [name, field] of Object.entries(operation.fields)) {
    const value = params[name];
    if (field.logged && (typeof value === 'string' || typeof value === 'number')) out[name] = value;
  }
  return out;
}

/**
 * Runs one invocation: choose the operation, validate, authorise, send with retries inside the
 * time budget, read WeChat's answer, then answer in the one shape and write one log line. Never
 * rejects, and nothing after WeChat's answer (the log line included) can change the outcome.
 */
export async function runOperation(route: Route, invocation: Invocation, deps: EngineDeps): Promise<OperationResult & Record<string, unknown>> {
  const startedAt = invocation.startedAt ?? Date.now();
  const deadline = deadlineFor(startedAt, invocation.timeLimitMs, invocation.killedAtTimeLimit ?? true);
  const progress: Attempted = { attempts: 0, maybeDelivered: false };
  let operation: AnyOperation | undefined;
  let params: Record<string, unknown> | undefined;
  let data: Record<string, unknown> = {};
  let failure: OperationError | undefined;
  try {
    const choice = route.select(invocation.event);
    operation = choice.operation;
    params = parseFields(operation.fields, choice.fields);
    authorize(invocation.caller, deps.config);
    const answer = await sendWithRetries(operation, wireBodyOf(operation, params), deps, deadline, progress);
    data = readData(operation, answer);
  } catch (caught) {
    failure = asOperationError(caught);
  }

  const name = operation?.name ?? route.name;
  const errCode = failure?.code ?? 0;
  const openid = invocation.caller.openid;
  const result = {
    errCode,
    errMsg: failure ? failureMessage(name, operation, failure, progress) : `${name}:ok`,
    retryable: isRetryableLater(errCode),
    attempts: progress.attempts,
    ...(REFUSED_CALLER.has(errCode) && openid ? { openid: String(openid) } : {}),
    ...(failure ? {} : data),
  };
  writeLogLine(deps.log, () =>
    formatLogLine({
      level: errCode === 0 ? 'info' : errCode === ProjectCode.INTERNAL ? 'error' : 'warn',
      operation: name,
      action: operation?.action ?? null,
      requestId: invocation.requestId ?? null,
      errCode,
      attempts: progress.attempts,
      durationMs: Date.now() - startedAt,
      source: invocation.caller.source === undefined ? null : String(invocation.caller.source),
      openid: maskOpenid(openid),
      fields: loggedFields(operation, params),
      cause: describeCause(failure),
    }),
  );
  return result;
}

/**
 * The log line is a second concern: if building or writing it fails, a minimal line says so, and
 * the caller still gets what WeChat answered.
 */
function writeLogLine(log: LogSink, build: () => string): void {
  try {
    log(build());
  } catch (caught) {
    try {
      log(JSON.stringify({ level: 'error', operation: 'log', cause: `the log line could not be written: ${caught instanceof Error ? caught.name : typeof caught}` }));
    } catch {
      // Nowhere left to report it; the result is returned all the same.
    }
  }
}
