import { authorize, type Caller } from './authorize';
import { describeCode, ProjectCode } from './codes';
import type { FunctionConfig } from './config';
import { budgetUntil, deadlineFor, sleep, withinDeadline, type Budget } from './deadline';
import { OperationError } from './errors';
import { parseFields } from './fields';
import { formatLogLine, maskOpenid, type LogSink } from './log';
import { wireBodyOf, type AnyOperation, type Answer, type WireBody } from './operation';
import { redact } from './redact';
import { unexpectedAnswer } from './remote';
import { DEFAULT_BACKOFF, fallbackCloudApi, isRetryableLater, retryDelay, type BackoffPolicy } from './retry';
import type { Route } from './route';

/**
 * How a request reaches WeChat. Resolves with WeChat's answer (the JSON object without errcode and
 * errmsg) when WeChat accepted it; rejects with an OperationError for every failure (each transport
 * classifies its own shapes). `budget` is the call's one time budget: a transport bounds its own
 * request (and anything it fetches first, such as a token) by what it has left, so that no socket
 * outlives the invocation. Whether to try again is the engine's decision alone.
 */
export interface Transport {
  send(cloudApi: string | undefined, httpsPath: string, body: WireBody, budget: Budget): Promise<Answer>;
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
  /**
   * Only when the gateway refused the operation's own cloud-call name (-604100/-604101) and the
   * call went through the newer page's name instead: the name that was used.
   */
  readonly cloudApi?: string;
}

const RESERVED_KEYS: ReadonlySet<string> = new Set(['errCode', 'errMsg', 'retryable', 'attempts', 'openid', 'cloudApi']);
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
  /** Where the invocation's one log line goes; none: no line is even built (a client without a log). */
  readonly log?: LogSink | undefined;
  readonly backoff?: BackoffPolicy;
  readonly random?: () => number;
}

interface Attempted {
  attempts: number;
  /** An earlier attempt may have reached WeChat without us reading the answer. */
  maybeDelivered: boolean;
  /**
   * Only when the gateway refused the operation's own cloud-call name and its newer one was tried:
   * the name last called, and the one refused with how (`pluginManager.getPluginList -604101`).
   * Both go into the log line as they are.
   */
  fellBack?: { readonly cloudApi: string; readonly refusedCloudApi: string };
}

function asOperationError(caught: unknown): OperationError {
  return caught instanceof OperationError ? caught : new OperationError(ProjectCode.INTERNAL, { cause: caught });
}

async function sendWithRetries(operation: AnyOperation, body: WireBody, deps: EngineDeps, budget: Budget, progress: Attempted): Promise<Answer> {
  const policy = deps.backoff ?? DEFAULT_BACKOFF;
  const random = deps.random ?? Math.random;
  const transport = deps.transport();
  // A limit shorter than the safety margin leaves no time at all: say so without sending.
  if (budget.remaining() <= 0) throw new OperationError(ProjectCode.DEADLINE_EXCEEDED);
  let cloudApi = operation.cloudApi;
  for (;;) {
    progress.attempts += 1;
    try {
      return await withinDeadline(transport.send(cloudApi, operation.httpsPath, body, budget), budget.remaining());
    } catch (caught) {
      const error = asOperationError(caught);
      // The gateway does not know (or grant) the older cloud-call name: the same call once more,
      // through the newer page's name, within the same budget. Not a retry: nothing reached WeChat.
      const fallback = fallbackCloudApi(operation, cloudApi, error.code);
      if (fallback !== undefined && budget.remaining() > 0) {
        progress.fellBack = { cloudApi: fallback, refusedCloudApi: `${cloudApi} ${error.code}` };
        cloudApi = fallback;
        continue;
      }
      const delay = retryDelay(error.code, progress.attempts, budget.remaining(), policy, random);
      if (delay === undefined) throw error;
      // Accumulated: one attempt that may have reached WeChat is enough for the note, whatever the later ones say.
      progress.maybeDelivered ||= error.maybeDelivered;
      await sleep(delay);
    }
  }
}

/** The operation's data from WeChat's answer. Only what the operation declares; never our four keys. */
function readData(operation: AnyOperation, answer: Answer, params: Record<string, unknown>): Record<string, unknown> {
  let data: object;
  try {
    data = operation.readAnswer(answer, params as never);
  } catch (caught) {
    throw caught instanceof OperationError ? caught : unexpectedAnswer('an answer this project could not read', caught);
  }
  return Object.fromEntries(Object.entries(data).filter(([key]) => !RESERVED_KEYS.has(key)));
}

/**
 * errMsg, assembled here only: `name:ok`, or `name:fail <what happened>: <what to do>` from the
 * catalogue (or the error's own detail), with the operation's notes.
 */
function failureMessage(name: string, operation: AnyOperation | undefined, error: OperationError, progress?: Attempted): string {
  const entry = describeCode(error.code);
  const api = progress?.fellBack?.cloudApi ?? operation?.cloudApi ?? 'the API';
  let text = error.detail ?? (entry ? `${entry.what}: ${entry.todo}`.split('{api}').join(api) : error.message);
  if (entry?.zh && error.detail === undefined) text += ` (${entry.zh})`;
  if (error.code === ProjectCode.UNEXPECTED_ANSWER && operation) text = `${error.detail ?? entry!.what}: ${operation.whenOutcomeUnknown}`;
  // An attempt that may have reached WeChat was made for an operation: there is one.
  const note = progress?.maybeDelivered ? operation!.afterLostAnswer?.[error.code] : undefined;
  if (note) text += `; ${note}`;
  return `${name}:fail ${text}`;
}

export function describeCause(error: OperationError | undefined): string | null {
  if (!error?.cause) return null;
  const cause = error.cause as { errMsg?: unknown; message?: unknown; code?: unknown };
  const text = [cause.code, cause.errMsg ?? cause.message].filter((part) => part !== undefined).join(' ');
  return redact(text || String(error.cause));
}

function loggedFields(operation: AnyOperation | undefined, params: Record<string, unknown> | undefined): Record<string, string | number> {
  if (!operation || !params) return {};
  const out: Record<string, string | number> = {};
  for (const [name, field] of Object.entries(operation.fields)) {
    // A logged field is an appid, a version or a number once parsed; one left out is undefined,
    // which the JSON line drops.
    if (field.logged) out[name] = params[name] as string | number;
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
  const budget = budgetUntil(deadlineFor(startedAt, invocation.timeLimitMs, invocation.killedAtTimeLimit));
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
    const answer = await sendWithRetries(operation, wireBodyOf(operation, params), deps, budget, progress);
    data = readData(operation, answer, params);
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
    ...(progress.fellBack === undefined ? {} : { cloudApi: progress.fellBack.cloudApi }),
    ...(failure ? {} : data),
  };
  if (deps.log) {
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
        fields: { ...loggedFields(operation, params), ...progress.fellBack },
        cause: describeCause(failure),
      }),
    );
  }
  return result;
}

/**
 * The result of a failure outside any one operation's call (a component's token, a listing, a batch
 * run's options): the one shape, the message assembled the same way as every other.
 */
export function failureResult(name: string, error: OperationError, attempts: number): OperationResult {
  return { errCode: error.code, errMsg: failureMessage(name, undefined, error), retryable: isRetryableLater(error.code), attempts };
}

/**
 * The result for a defect outside the engine (a cloud function's own wrapper caught something the
 * engine never throws).
 */
export function unexpectedFailure(name: string): OperationResult & Record<string, unknown> {
  return { ...failureResult(name, new OperationError(ProjectCode.INTERNAL), 0) };
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
