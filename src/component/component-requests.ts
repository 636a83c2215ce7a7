import { ProjectCode } from '../core/codes';
import { describeCause, failureResult, type OperationResult } from '../core/engine';
import { OperationError } from '../core/errors';
import { formatLogLine, type LogSink } from '../core/log';
import { answerError, wechatCode } from '../core/remote';
import { DEFAULT_BACKOFF, retryDelay } from '../core/retry';
import { sleep, withinDeadline } from '../core/deadline';
import { TOKEN_ERRORS } from '../https/access-token';
import { postJson, type Fetch } from '../https/http';
import { componentApiFault } from './platform-faults';

/**
 * Requests to WeChat's component APIs (those that take the component_access_token) and the one
 * wrapper every component call runs in: the project's retry rule within the call's budget, one
 * answer shape, one log line with its cause.
 */
export interface ComponentToken {
  readonly token: string;
  /** Asking again cannot give a better one: fetched just now, or given in answer to a refusal. */
  readonly final: boolean;
}

export interface ComponentRequestContext {
  readonly baseUrl: string;
  readonly fetch: Fetch | undefined;
  readonly beforeRequest: (() => Promise<void>) | undefined;
  /** The component token to use now; `refused`: the one WeChat just refused. */
  readonly componentToken: (deadline: number, refused: string | undefined) => Promise<ComponentToken>;
}

export const asOperationError = (caught: unknown): OperationError => (caught instanceof OperationError ? caught : new OperationError(ProjectCode.INTERNAL, { cause: caught }));

export const ok = (name: string, attempts: number): OperationResult => ({ errCode: 0, errMsg: `${name}:ok`, retryable: false, attempts });

/**
 * WeChat's answer, or its errcode as an OperationError, by the one errcode rule (wechatCode): an
 * answer without errcode is a token answer; a code that is not a whole number in WeChat's range is
 * an unexpected answer, never WeChat's.
 */
export function checkedAnswer(answer: Record<string, unknown>): Record<string, unknown> {
  if (answer.errcode === undefined || wechatCode(answer.errcode) === 0) return answer;
  throw answerError(answer.errcode, answer.errmsg);
}

export const isTokenRefusal = (answer: Record<string, unknown>): boolean => TOKEN_ERRORS.has(wechatCode(answer.errcode) ?? Number.NaN);

export function postAnswer(context: Pick<ComponentRequestContext, 'baseUrl' | 'fetch' | 'beforeRequest'>, pathAndQuery: string, body: Record<string, unknown>, deadline: number): Promise<Record<string, unknown>> {
  return postJson(context.fetch, `${context.baseUrl}${pathAndQuery}`, body, deadline - Date.now(), { beforeRequest: context.beforeRequest });
}

/**
 * A component API with the component token in its query (`component_access_token=`, as every SDK
 * sends it). A refused token is asked for once more, told which it was; a refusal of one that
 * cannot be bettered is reported.
 */
export async function componentPost(context: ComponentRequestContext, path: string, body: Record<string, unknown>, deadline: number): Promise<Record<string, unknown>> {
  let refused: string | undefined;
  for (;;) {
    const use = await context.componentToken(deadline, refused);
    const answer = await postAnswer(context, `${path}?component_access_token=${encodeURIComponent(use.token)}`, body, deadline);
    if (isTokenRefusal(answer) && !use.final && refused === undefined) {
      refused = use.token;
      continue;
    }
    try {
      return checkedAnswer(answer);
    } catch (error) {
      throw componentApiFault(error as OperationError);
    }
  }
}

export interface CallSettings {
  readonly timeoutMs: number;
  readonly log: LogSink | undefined;
  /** A fault that refuses every call before it starts (bad options). */
  readonly problem: () => OperationError | undefined;
}

/** One log line per component API call, as the engine writes for operations: no token, no secret, the cause of a failure. */
function logLine(log: LogSink | undefined, name: string, result: OperationResult, error: OperationError | undefined, startedAt: number, fields: Record<string, string | number>): void {
  if (!log) return;
  try {
    const level = result.errCode === 0 ? 'info' : 'warn';
    log(formatLogLine({ level, operation: name, action: null, requestId: null, errCode: result.errCode, attempts: result.attempts, durationMs: Date.now() - startedAt, source: null, openid: null, fields, cause: describeCause(error) }));
  } catch {
    // The log is a second concern: the caller still gets the result.
  }
}

/** Runs `work` under the project's retry rule (core/retry.ts) inside the call's budget, answering in the one shape. */
export async function runCall<T extends object>(settings: CallSettings, name: string, fields: Record<string, string | number>, work: (deadline: number) => Promise<T>): Promise<OperationResult & Partial<T>> {
  type Result = OperationResult & Partial<T>;
  const startedAt = Date.now();
  const deadline = startedAt + settings.timeoutMs;
  let attempts = 0;
  let result: Result;
  let failure: OperationError | undefined;
  try {
    const problem = settings.problem();
    if (problem) throw problem;
    for (;;) {
      attempts += 1;
      try {
        const data = await withinDeadline(work(deadline), deadline - Date.now());
        result = { ...ok(name, attempts), ...data };
        break;
      } catch (caught) {
        const error = asOperationError(caught);
        const delay = retryDelay(error.code, attempts, deadline - Date.now(), DEFAULT_BACKOFF, Math.random);
        if (delay === undefined) throw error;
        await sleep(delay);
      }
    }
  } catch (caught) {
    failure = asOperationError(caught);
    result = failureResult(name, failure, attempts) as Result;
  }
  logLine(settings.log, name, result, failure, startedAt, fields);
  return result;
}
