/**
 * Node's socket error codes, and whether a request that failed with one may still have reached
 * the far side. Both transports read them (the SDK buries them in its message, fetch in
 * `error.cause.code`); the answer decides whether a later 89237 may be our own doing.
 */
const NEVER_SENT: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const MAYBE_SENT: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ECONNABORTED']);

export const NETWORK_ERROR_CODES: readonly string[] = [...NEVER_SENT, ...MAYBE_SENT];

/** False only for failures that happen before a byte is sent; anything unknown may have been delivered. */
export function mayHaveBeenDelivered(code: string): boolean {
  return !NEVER_SENT.has(code);
}
