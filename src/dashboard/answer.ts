/**
 * What the dashboard's API answers: an HTTP status and a JSON body, and the one rule that turns a
 * library failure into one (shared by the API and the background drives it starts).
 */
import { ProjectCode } from '../core/codes';
import type { OperationResult } from '../core/engine';

export interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/** A run the store does not have is 404; a refusal before anything was sent 400; the rest 503. */
export function failure(result: OperationResult): Answer {
  const status = result.errCode === ProjectCode.BATCH_RUN_NOT_FOUND ? 404 : result.attempts === 0 ? 400 : 503;
  return { status, body: { errCode: result.errCode, errMsg: result.errMsg } };
}
