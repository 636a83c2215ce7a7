import { describeCode, isProjectCode, ProjectCode } from './codes';
import { OperationError } from './errors';
import { redact } from './redact';
import { mayHaveActed } from './retry';
import { describeValue } from './validate';

/**
 * The largest answer either transport reads. WeChat's answers are a few hundred bytes; anything
 * past this is not one of them, and reading it whole would cost its size in memory.
 */
export const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * Constructors both transports use for what the far side said, so that an errcode means the same
 * whether it came through wx-server-sdk or over HTTPS.
 */

/** WeChat (or the platform) answered with a code. Known codes speak for themselves. */
export function remoteError(code: number, remoteMessage: unknown, options: { maybeDelivered?: boolean; cause?: unknown } = {}): OperationError {
  // A code in the project's own range would read as a local failure ("set ADMIN_OPENIDS"): it is
  // WeChat's, unknown to the catalogue, so nobody can say what happened.
  if (isProjectCode(code)) {
    const detail = `WeChat answered errcode ${code}, which lies in this project's own range and is not one of WeChat's known codes, so whether it acted is unknown`;
    return new OperationError(ProjectCode.UNEXPECTED_ANSWER, { detail, maybeDelivered: true, cause: options.cause ?? { code, message: remoteMessage } });
  }
  const known = describeCode(code);
  const detail = known
    ? undefined
    : `WeChat answered errcode ${code}${typeof remoteMessage === 'string' && remoteMessage ? ` (${redact(remoteMessage)})` : ''}: look the code up in WeChat's global error table`;
  return new OperationError(code, { detail, maybeDelivered: options.maybeDelivered ?? mayHaveActed(code), cause: options.cause });
}

/**
 * An answer arrived, but it is not one of WeChat's: nobody can say whether WeChat acted on the
 * request. The engine adds what to do, which depends on the operation.
 */
export function unexpectedAnswer(what: string, cause?: unknown): OperationError {
  return new OperationError(ProjectCode.UNEXPECTED_ANSWER, {
    detail: `the answer carried no WeChat result code (${what}), so whether WeChat acted on it is unknown`,
    maybeDelivered: true,
    cause,
  });
}

/** WeChat's codes are 32-bit signed integers (its own tables, and the int4 a batch records them in). */
const WECHAT_CODE_MIN = -(2 ** 31);
const WECHAT_CODE_MAX = 2 ** 31 - 1;

/**
 * WeChat's errcode, read by one rule whichever transport carried it: a whole number in WeChat's
 * range. Anything else (`"0"`, `0.5`, `true`, `1e400`, 2^31, a number past 2^53) is not a code
 * WeChat sends, so it is not read as one.
 */
export function wechatCode(value: unknown): number | undefined {
  // Number.isInteger is false for anything that is not a number: no typeof needed.
  return Number.isInteger(value) && (value as number) >= WECHAT_CODE_MIN && (value as number) <= WECHAT_CODE_MAX ? (value as number) : undefined;
}

/** The failure for an answer whose errcode is not 0: WeChat's code, or an unreadable one. */
export function answerError(errcode: unknown, errmsg: unknown, options: { cause?: unknown } = {}): OperationError {
  const code = wechatCode(errcode);
  if (code === undefined) return unexpectedAnswer(`an errcode that is not a whole number: ${typeof errcode === 'number' ? String(errcode) : describeValue(errcode)}`, options.cause ?? { code: 'bad errcode' });
  return remoteError(code, errmsg, options);
}
