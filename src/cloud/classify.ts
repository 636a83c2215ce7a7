import { ProjectCode } from '../core/codes';
import { OperationError } from '../core/errors';
import { mayHaveBeenDelivered, NETWORK_ERROR_CODES } from '../core/network';
import { answerError, remoteError, unexpectedAnswer, wechatCode } from '../core/remote';

/**
 * Every shape wx-server-sdk 4.0.2 resolves or rejects with (docs/design.md, "What wx-server-sdk gives back"),
 * mapped to a success or a typed OperationError. One table, read top to bottom, first match wins.
 */

/** CloudBase's string codes, as the SDK itself maps them (TCB_ERR_CODE in wx-server-sdk). */
const TCB_STRING_CODES: Readonly<Record<string, number>> = {
  SYS_ERR: -501001,
  SERVER_TIMEOUT: -501002,
  EXCEED_REQUEST_LIMIT: -501003,
  EXCEED_CONCURRENT_REQUEST_LIMIT: -501004,
  INVALIID_ENV: -501005,
  INVALID_ENV: -501005,
  INVALID_COMMON_PARAM: -501006,
  INVALID_PARAM: -501007,
  INVALID_REQUEST_SOURCE: -501008,
  RESOURCE_NOT_INITIAL: -501009,
};

const SYS_ERR = -501001;

interface Rejection {
  readonly errCode?: unknown;
  readonly errMsg?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
}

function fields(value: unknown): Rejection {
  return typeof value === 'object' && value !== null ? (value as Rejection) : {};
}

function text(value: Rejection): string {
  if (typeof value.errMsg === 'string') return value.errMsg;
  if (typeof value.message === 'string') return value.message;
  return '';
}

/** The SDK puts WeChat's errmsg after ":fail ". */
function remoteMessage(message: string): string {
  const at = message.indexOf(':fail ');
  return at >= 0 ? message.slice(at + ':fail '.length) : message;
}

function networkCodeIn(message: string): string | undefined {
  return NETWORK_ERROR_CODES.find((code) => message.includes(code));
}

interface Rule {
  readonly shape: string;
  matches(value: Rejection, message: string): boolean;
  toError(value: Rejection, message: string, cause: unknown): OperationError;
}

/**
 * Codes pass through as the SDK gave them. The SDK flattens every network failure into -501001 with
 * Node's message inside errMsg, so the first rule reads the message only to tell a refused
 * connection (never delivered) from a reset or a timeout (maybe delivered). Messages are only read
 * here; what reaches the caller comes from the catalogue.
 */
const REJECTION_RULES: readonly Rule[] = [
  {
    // A JSON `null` from WeChat makes the SDK itself fail reading `result.errcode`; it wraps that
    // TypeError as errCode -1, which would read as "WeChat is busy" and be retried.
    shape: 'the SDK\'s own TypeError on a JSON null answer, wrapped as -1',
    matches: (v, m) => v.errCode === -1 && /Cannot read propert(?:y|ies)\b.*\bnull\b|\bnull\b.*\berrcode\b/.test(m) && /errcode/.test(m),
    toError: (_v, _m, cause) => unexpectedAnswer('a JSON null', cause),
  },
  {
    // WeChat's JSON did not parse (json-bigint refuses what JSON.parse reads too, such as 1e400).
    // The HTTPS form reads a body that is not JSON the same way: no errcode, outcome unknown, and
    // asking again would only read the same again.
    shape: 'WeChat\'s JSON inside the answer does not parse (-601001 "response body is invalid json")',
    matches: (v, m) => v.errCode === -601001 && /response body is invalid json/.test(m),
    toError: (_v, _m, cause) => unexpectedAnswer('a body that is not JSON', cause),
  },
  {
    // The SDK rejects any truthy errcode as it came: "0", 0.5, true. The HTTPS form reads those
    // the same way (remote.ts, answerError): not a code WeChat sends.
    shape: 'an errCode that is not a whole number (WeChat\'s errcode "0", 0.5, true, ...)',
    matches: (v) => v.errCode !== undefined && v.errCode !== null && wechatCode(v.errCode) === undefined,
    toError: (v, m, cause) => answerError(v.errCode, remoteMessage(m), { cause }),
  },
  {
    shape: 'network error inside -501001 (connect ECONNREFUSED, socket hang up, ...)',
    matches: (v, m) => v.errCode === SYS_ERR && networkCodeIn(m) !== undefined,
    toError: (_v, m, cause) => new OperationError(SYS_ERR, { maybeDelivered: mayHaveBeenDelivered(networkCodeIn(m)!), cause }),
  },
  {
    shape: 'numeric errCode (CloudSDKError, Error with errCode, plain object)',
    matches: (v) => wechatCode(v.errCode) !== undefined && v.errCode !== 0,
    toError: (v, m, cause) =>
      remoteError(v.errCode as number, remoteMessage(m), { cause }),
  },
  {
    shape: 'TcbError with a string code (INVALID_PARAM, SYS_ERR, ...)',
    matches: (v) => typeof v.code === 'string' && v.code in TCB_STRING_CODES,
    toError: (v, m, cause) => remoteError(TCB_STRING_CODES[v.code as string]!, m, { cause }),
  },
  {
    shape: 'Node network error (err.code ECONNREFUSED, ...)',
    matches: (v) => typeof v.code === 'string' && NETWORK_ERROR_CODES.includes(v.code),
    toError: (v, _m, cause) => new OperationError(SYS_ERR, { maybeDelivered: mayHaveBeenDelivered(v.code as string), cause }),
  },
];

/** What a rejected (or synchronously thrown) SDK call means. */
export function classifyRejection(thrown: unknown): OperationError {
  const value = fields(thrown);
  const message = text(value);
  const rule = REJECTION_RULES.find((candidate) => candidate.matches(value, message));
  if (rule) return rule.toError(value, message, thrown);
  return new OperationError(ProjectCode.INTERNAL, { cause: thrown });
}

/**
 * What a resolved SDK call means. The SDK resolves `errCode: 0` for answers that are not WeChat's at
 * all: an empty body becomes `{contentType, buffer}`, non-JSON text becomes `{result}`, and a JSON
 * array or string is spread into the result (`["a"]` -> `{0: "a"}`). Those are not successes. (A
 * JSON object with no errcode cannot be told apart, nor can `[]` or a number: the SDK deletes
 * errcode and errmsg from every answer before resolving, and spreading them leaves nothing.)
 */
export function classifyResolution(resolved: unknown): OperationError | undefined {
  if (typeof resolved !== 'object' || resolved === null) return unexpectedAnswer(`the SDK resolved ${resolved === null ? 'null' : typeof resolved}`, resolved);
  const value = resolved as Record<string, unknown>;
  if (value.errCode !== 0) return classifyRejection(resolved);
  // Exactly the SDK's own shapes, so that an answer of WeChat's with a `result` field stays an answer.
  const keys = Object.keys(value).sort().join(',');
  if (keys === 'buffer,contentType,errCode,errMsg') return unexpectedAnswer('an empty or non-JSON body', resolved);
  if (keys === 'errCode,errMsg,result') return unexpectedAnswer('text that is not JSON', resolved);
  if (Object.keys(value).some((key) => /^\d+$/.test(key))) return unexpectedAnswer('a JSON value that is not an object', { message: 'JSON array or string answer' });
  return undefined;
}
