import { ProjectCode } from './codes';
import type { FunctionConfig } from './config';
import { OperationError } from './errors';

/**
 * Who is calling, as the platform says (cloud.getWXContext()), never as the event says. Values
 * are strings here whatever type getWXContext gave them: wx-server-sdk turns an all-digit value
 * into a number, and an identity compared as a number could match another one or none.
 */
export interface Caller {
  readonly openid: string | undefined;
  /** The platform's SOURCE: the call chain, comma-joined in call order, e.g. `wx_client,scf`. */
  readonly source: string | undefined;
  /** Set on a cross-account call: the other mini-program's appid. */
  readonly fromAppid?: string | undefined;
  /**
   * The caller has proved control of WeChat credentials (the HTTPS form's access token or app
   * secret), which is more than an administrator has. Never set from getWXContext.
   */
  readonly holdsAppCredentials?: true;
}

/** The HTTPS form's caller: a server or a command line holding the credentials. */
export const APP_CREDENTIALS_HOLDER: Caller = { openid: undefined, source: 'https', holdsAppCredentials: true };

/**
 * The first element of SOURCE, exactly as the platform wrote it: nothing is trimmed, so that a
 * near-copy (`wx_http\u00a0`, `\ufeffwx_http`, `wx_http\n`) is never taken for a trusted value.
 */
export function originOf(source: string | undefined): string {
  return (source ?? '').split(',')[0]!;
}

/**
 * An API-gateway request (HTTP access, 云接入): `httpMethod` with `path` and `headers`. Whoever can
 * reach a public URL could send it, and what SOURCE such a call reports is not documented, so these
 * functions refuse it before anything else, whoever the caller seems to be.
 */
export function refuseHttpAccess(event: unknown): void {
  if (typeof event !== 'object' || event === null) return;
  const { httpMethod, path, headers } = event as Record<string, unknown>;
  if (typeof httpMethod === 'string' && path !== undefined && headers !== undefined) {
    throw new OperationError(ProjectCode.HTTP_ACCESS_REFUSED, {
      detail: 'this function was called through HTTP access, which it never serves: call it with wx.cloud.callFunction, and remove its HTTP access path in the cloud console',
    });
  }
}

/**
 * Returns when the caller may run the operation; throws an OperationError otherwise. Every caller
 * needs an OPENID listed in ADMIN_OPENIDS, whatever its SOURCE: SOURCE is a header the *calling*
 * SDK writes, so it proves nothing by itself. TRUSTED_SOURCES is the only way to let a caller
 * without an OPENID through, and it is empty unless configured.
 */
export function authorize(caller: Caller, config: FunctionConfig): void {
  if (caller.holdsAppCredentials) return;
  if (config.problem !== undefined) throw new OperationError(ProjectCode.CONFIG_REFUSED, { detail: config.problem });
  if (caller.fromAppid) {
    throw new OperationError(ProjectCode.CROSS_ACCOUNT_REFUSED, {
      detail: 'this is a cross-account call from another mini-program, whose users are never administrators here: call from this mini-program itself',
    });
  }
  if (config.trustedSources.has(originOf(caller.source))) return;
  // errMsg never carries a value from the environment, and the platform puts OPENID there; the
  // engine hands the caller their own OPENID in the result's `openid` field instead.
  const yours = caller.openid ? ' (the result\'s `openid` is yours)' : ' (this call carries no OPENID)';
  if (config.adminOpenids.size === 0) {
    throw new OperationError(ProjectCode.ADMIN_NOT_CONFIGURED, {
      detail: `no administrators are configured: set the environment variable ADMIN_OPENIDS (OPENIDs separated by commas) on this function in the cloud console${yours}`,
    });
  }
  if (!caller.openid || !config.adminOpenids.has(caller.openid)) {
    throw new OperationError(ProjectCode.NOT_ADMIN, {
      detail: `only administrators may do this: ask one to add your OPENID to ADMIN_OPENIDS${yours}`,
    });
  }
}
