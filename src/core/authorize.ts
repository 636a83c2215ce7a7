import { ProjectCode } from './codes';
import type { FunctionConfig } from './config';
import { OperationError } from './errors';

/** Who is calling, as the platform says (cloud.getWXContext()), never as the event says. */
export interface Caller {
  readonly openid: string | undefined;
  /** The platform's SOURCE: the call chain, comma-joined in call order, e.g. `wx_client,scf`. */
  readonly source: string | undefined;
  /**
   * The caller has proved control of the mini-program's own WeChat credentials (the HTTPS form's
   * access token or app secret), which is more than an administrator has. Never set from getWXContext.
   */
  readonly holdsAppCredentials?: true;
}

/** The HTTPS form's caller: a server or a command line holding the mini-program's credentials. */
export const APP_CREDENTIALS_HOLDER: Caller = { openid: undefined, source: 'https', holdsAppCredentials: true };

/**
 * Chains that start on the server side: the HTTP API with the mini-program's access token, and
 * timer triggers. Whoever can start those already controls the mini-program's back end.
 *
 * Everything else needs an administrator's OPENID, on purpose including:
 * - `wx_client`, and chains that start there (`wx_client,scf`): any user of the mini-program;
 * - `wx_devtools` and `wx_localdebug`: DevTools runs the mini-program's client code, and local
 *   debugging even reports itself as `wx_client`; a developer adds their own OPENID to test;
 * - `scf` first, `wx_paycallback`, `wx_crawler`, `wx_unknown`, an empty SOURCE and anything new.
 */
const TRUSTED_ORIGINS: ReadonlySet<string> = new Set(['wx_http', 'wx_trigger']);

export function originOf(source: string | undefined): string {
  return (source ?? '').split(',')[0]!.trim();
}

/** Resolves when the caller may run an admin-only operation; throws an OperationError otherwise. */
export function authorize(caller: Caller, config: FunctionConfig): void {
  if (caller.holdsAppCredentials || TRUSTED_ORIGINS.has(originOf(caller.source))) return;
  // errMsg never carries a value from the environment, and the platform puts OPENID there; the
  // engine hands the caller their own OPENID in the result's `openid` field instead.
  const yours = caller.openid ? ' (the result\'s `openid` is yours)' : ' (this call carries no OPENID)';
  if (config.adminOpenids.size === 0) {
    throw new OperationError(ProjectCode.ADMIN_NOT_CONFIGURED, {
      detail: `no administrators are configured: set the environment variable ADMIN_OPENIDS (comma-separated OPENIDs) on this function in the cloud console${yours}`,
    });
  }
  if (!caller.openid || !config.adminOpenids.has(caller.openid)) {
    throw new OperationError(ProjectCode.NOT_ADMIN, {
      detail: `only administrators may do this: ask one to add your OPENID to ADMIN_OPENIDS${yours}`,
    });
  }
}
