import { ProjectCode } from './codes';
import { OperationError } from './errors';

/**
 * The one shape every caller receives, and the builders of it that need no operation: the engine
 * assembles an operation's result itself (engine.ts); a step outside any operation's call (a
 * component's token, a listing, a batch run) builds its success here.
 */

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

/** Success of the step `name` after `attempts` requests: `name:ok`. */
export function ok(name: string, attempts: number): OperationResult {
  return { errCode: 0, errMsg: `${name}:ok`, retryable: false, attempts };
}

/** What was caught, as the project's one failure type: anything that is not one already is a defect (INTERNAL). */
export function asOperationError(caught: unknown): OperationError {
  return caught instanceof OperationError ? caught : new OperationError(ProjectCode.INTERNAL, { cause: caught });
}
