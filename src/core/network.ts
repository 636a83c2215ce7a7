/**
 * Node's socket error codes, and whether a request that failed with one may still have reached
 * the far side. Both transports read them (the SDK buries them in its message, fetch in
 * `error.cause.code`); the answer decides whether a later 89237 may be our own doing.
 */
const NEVER_SENT: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const MAYBE_SENT: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ECONNABORTED']);

export const NETWORK_ERROR_CODES: readonly string[] = [...NEVER_SENT, ...MAYBE_SENT];

/**
 * Node's (OpenSSL's) codes for a server certificate it does not trust: self-signed, an unknown or
 * invalid issuer, expired or not yet valid, or made out for another name. The handshake failed, so
 * nothing was sent, and the same server will refuse the same way on a retry.
 */
const CERTIFICATE_ERROR = /^(?:ERR_TLS_CERT_ALTNAME_INVALID|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(?:GET_ISSUER_CERT(?:_LOCALLY)?|VERIFY_LEAF_SIGNATURE)|CERT_(?:HAS_EXPIRED|NOT_YET_VALID|UNTRUSTED|REJECTED|REVOKED|SIGNATURE_FAILURE)|INVALID_CA|HOSTNAME_MISMATCH)$/;

export function isCertificateError(code: string): boolean {
  return CERTIFICATE_ERROR.test(code);
}

/** False only for failures that happen before a byte is sent; anything unknown may have been delivered. */
export function mayHaveBeenDelivered(code: string): boolean {
  return !NEVER_SENT.has(code);
}
