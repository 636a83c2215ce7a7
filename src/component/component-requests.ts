import { failureResult, type OperationResult } from '../core/engine';
import type { OperationError } from '../core/errors';
import { writeCallLog, type LogSink } from '../core/log';
import { asOperationError, ok } from '../core/result';
import { answerError, wechatCode } from '../core/remote';
import { withRetries } from '../core/retry';
import { budgetUntil, type Budget } from '../core/deadline';
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
  /** The component token to use now, within the call's budget; `refused`: the one WeChat just refused. */
  readonly componentToken: (budget: Budget, refused: string | undefined) => Promise<ComponentToken>;
}

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

/** One POST, ended by the call's own signal: no timer of its own. */
export function postAnswer(context: Pick<ComponentRequestContext, 'baseUrl' | 'fetch' | 'beforeRequest'>, pathAndQuery: string, body: Record<string, unknown>, budget: Budget): Promise<Record<string, unknown>> {
  return postJson(context.fetch, `${context.baseUrl}${pathAndQuery}`, body, budget.signal, { beforeRequest: context.beforeRequest });
}

/**
 * A component API with the component token in its query (`component_access_token=`, as every SDK
 * sends it). A refused token is asked for once more, told which it was; a refusal of one that
 * cannot be bettered is reported.
 */
export async function componentPost(context: ComponentRequestContext, path: string, body: Record<string, unknown>, budget: Budget): Promise<Record<string, unknown>> {
  let refused: string | undefined;
  for (;;) {
    const use = await context.componentToken(budget, refused);
    const answer = await postAnswer(context, `${path}?component_access_token=${encodeURIComponent(use.token)}`, body, budget);
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

/**
 * Runs `work` under the project's retry rule (core/retry.ts) inside the call's budget, answering in
 * the one shape. The budget is made here, once per call, and passed down to every token wait and
 * POST: its one timer is the call's only one, ended with the call.
 */
export async function runCall<T extends object>(settings: CallSettings, name: string, fields: Record<string, string | number>, work: (budget: Budget) => Promise<T>): Promise<OperationResult & Partial<T>> {
  type Result = OperationResult & Partial<T>;
  const startedAt = Date.now();
  const progress = { attempts: 0, maybeDelivered: false };
  const budget = budgetUntil(startedAt + settings.timeoutMs);
  let result: Result;
  let failure: OperationError | undefined;
  try {
    const problem = settings.problem();
    if (problem) throw problem;
    const data = await withRetries(() => work(budget), budget, progress);
    result = { ...ok(name, progress.attempts), ...data };
  } catch (caught) {
    failure = asOperationError(caught);
    result = failureResult(name, failure, progress.attempts) as Result;
  } finally {
    budget.end();
  }
  if (settings.log) writeCallLog(settings.log, { name, errCode: result.errCode, attempts: result.attempts, startedAt, fields, failure });
  return result;
}
