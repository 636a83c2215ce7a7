import { describeCode, ProjectCode } from './codes';
import { OperationError } from './errors';
import { redact } from './redact';

/**
 * Constructors both transports use for what the far side said, so that an errcode means the same
 * whether it came through wx-server-sdk or over HTTPS.
 */

/**
 * Failures after which WeChat may have done what was asked all the same: timeouts on the way
 * (-501002, -604102), system errors (-1, -604103), a lost or unreadable answer (-501001, -601001).
 * A later "already done" (89237, ...) in the same call may then be this attempt's doing.
 */
const MAY_HAVE_ACTED: ReadonlySet<number> = new Set([-1, -501001, -501002, -601001, -604102, -604103]);

/** WeChat (or the platform) answered with a code. Known codes speak for themselves. */
export function remoteError(code: number, remoteMessage: unknown, options: { maybeDelivered?: boolean; cause?: unknown } = {}): OperationError {
  const known = describeCode(code);
  const detail = known
    ? undefined
    : `WeChat answered errcode ${code}${typeof remoteMessage === 'string' && remoteMessage ? ` (${redact(remoteMessage)})` : ''}: look the code up in WeChat's global error table`;
  return new OperationError(code, { detail, maybeDelivered: options.maybeDelivered ?? MAY_HAVE_ACTED.has(code), cause: options.cause });
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
