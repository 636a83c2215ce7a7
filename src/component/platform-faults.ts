import { describeCode, ProjectCode } from '../core/codes';
import { OperationError } from '../core/errors';

/**
 * Faults of the third-party platform itself rather than of one mini-program: WeChat refusing the
 * component's credentials, its own quota spent, its token command failing. Every authoriser would
 * fail alike, so a batch stops the run on one (nothing recorded against any authoriser) and a
 * resume after the fix finishes it. Each names what to fix.
 */
const FIX: Readonly<Record<number, string>> = {
  40013: 'check WECHAT_COMPONENT_APPID (componentAppid): WeChat does not know that appid',
  41018: 'set WECHAT_COMPONENT_APPID (componentAppid)',
  61011: 'check WECHAT_COMPONENT_APPID (componentAppid): it is not a third-party platform',
  40125: 'check WECHAT_COMPONENT_SECRET (componentSecret): the open platform\'s console shows or resets it',
  41004: 'set WECHAT_COMPONENT_SECRET (componentSecret)',
  61004: 'add this machine\'s IP address to the platform\'s whitelist (open platform console, development settings)',
  61005: 'set WECHAT_COMPONENT_VERIFY_TICKET (verifyTicket) to the newest ticket WeChat pushed, or @FILE holding it',
  61006: 'set WECHAT_COMPONENT_VERIFY_TICKET (verifyTicket) to the newest ticket WeChat pushed, or @FILE holding it',
};

/** WeChat's daily quota spent; on the component's own token request, the platform's quota. */
const QUOTA_SPENT = 45009;
/** The one code any component API may answer for the platform as a whole: this machine's IP is not whitelisted. */
const IP_NOT_WHITELISTED = 61004;

const PLATFORM_CODES: ReadonlySet<number> = new Set([
  ProjectCode.PLATFORM_CREDENTIALS_REFUSED,
  ProjectCode.PLATFORM_QUOTA_SPENT,
  ProjectCode.TOKEN_COMMAND_FAILED,
  ProjectCode.COMPONENT_CREDENTIALS_MISSING,
]);

/** Whether a result's code is the platform's fault (stop the run) rather than one authoriser's. */
export function isPlatformFault(code: number): boolean {
  return PLATFORM_CODES.has(code);
}

function refused(code: number): OperationError {
  const said = describeCode(code)?.errmsg;
  return new OperationError(ProjectCode.PLATFORM_CREDENTIALS_REFUSED, {
    detail: `WeChat refused the third-party platform's credentials (${code}${said ? ` ${said}` : ''}), so no authoriser can be called: ${FIX[code]}, then try again`,
  });
}

/** The platform's fault for what api_component_token answered, or the error as it was. */
export function componentTokenFault(error: OperationError): OperationError {
  if (FIX[error.code]) return refused(error.code);
  if (error.code === QUOTA_SPENT) {
    return new OperationError(ProjectCode.PLATFORM_QUOTA_SPENT, {
      detail: 'the third-party platform\'s own daily quota for api_component_token is spent (45009), so no authoriser can be called: reset it with clearComponentQuotaByAppSecret or wait for WeChat\'s reset at midnight China time, then try again',
    });
  }
  return error;
}

/** The platform's fault for what another component API answered (only the whitelist is the platform's there). */
export function componentApiFault(error: OperationError): OperationError {
  return error.code === IP_NOT_WHITELISTED ? refused(error.code) : error;
}

/**
 * Holds a platform fault for a while: every token needed meanwhile fails at once with it, so a
 * crowd of calls waiting on one refused token sends one request, not one each. A process that
 * lives on (a worker) tries again after the hold, when the fault may have been fixed.
 */
export class PlatformFaultHold {
  private held: { readonly error: OperationError; readonly until: number } | undefined;

  constructor(
    private readonly holdMs: number,
    private readonly now: () => number,
  ) {}

  current(): OperationError | undefined {
    if (this.held && this.now() < this.held.until) return this.held.error;
    this.held = undefined;
    return undefined;
  }

  /** A fix arrived (a new ticket): the next call tries again. */
  clear(): void {
    this.held = undefined;
  }

  /** `work`, unless a fault is held; a platform fault it throws is held. */
  async guard<T>(work: () => Promise<T>): Promise<T> {
    const held = this.current();
    if (held) throw held;
    try {
      return await work();
    } catch (caught) {
      if (caught instanceof OperationError && isPlatformFault(caught.code)) this.held = { error: caught, until: this.now() + this.holdMs };
      throw caught;
    }
  }
}
