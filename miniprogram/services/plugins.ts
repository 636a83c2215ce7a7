// Typed calls to the two cloud functions. Their requests and results come from
// ../types/plugin-manager.ts, generated from the registry the functions are built from, so a
// change there that this file does not follow fails `tsc -p miniprogram`.
import { CLOUD_FUNCTION_ACTIONS, type ApplyPluginRequest, type ApplyPluginResult, type CloudFunctionCalls, type OperationResult } from '../types/plugin-manager';

/** WeChat's "already added, or the application is awaiting the developer": the state asked for holds. */
export const ALREADY_ADDED = 89237;

/** The function refused the caller (no ADMIN_OPENIDS, or not in it); result.openid is theirs. */
export const REFUSED_CALLER: readonly number[] = [-930101, -930102];

/** What wx.cloud.callFunction rejects with when the platform, not the function, failed. */
const PLATFORM_FAILED = -404011;

type FunctionName = keyof CloudFunctionCalls;
type Manager = CloudFunctionCalls['pluginManager'];

/** One method per action; `action` itself is filled in. A missing action is a compile error. */
type ActionCalls<C> = {
  [A in keyof C]: C[A] extends { event: infer E; result: infer R } ? (request: Omit<E, 'action'>) => Promise<R> : never;
};

/**
 * Calls a function and resolves with its result. Never rejects: when the platform fails (no such
 * function, network, quota) its errCode and errMsg come back in the same shape, with attempts 0,
 * so the page has one way to show every failure.
 */
async function call<R extends OperationResult>(name: FunctionName, data: object): Promise<R> {
  try {
    const { result } = await wx.cloud.callFunction({ name, data });
    if (typeof result === 'object' && result !== null && typeof result.errCode === 'number') return result as R;
    return platformFailure(`${name}:fail the function answered ${JSON.stringify(result)}, not a result`) as R;
  } catch (caught) {
    const { errCode, errMsg } = (caught ?? {}) as { errCode?: unknown; errMsg?: unknown };
    return platformFailure(typeof errMsg === 'string' ? errMsg : String(caught), typeof errCode === 'number' ? errCode : PLATFORM_FAILED) as R;
  }
}

function platformFailure(errMsg: string, errCode = PLATFORM_FAILED): OperationResult {
  return { errCode, errMsg, retryable: false, attempts: 0 };
}

function action<A extends keyof Manager & string>(name: A): ActionCalls<Manager>[A] {
  return ((request: object) => call('pluginManager', { ...request, action: name })) as ActionCalls<Manager>[A];
}

/**
 * The pluginManager function: one method per action (apply, list, unbind, update), built from the
 * generated list of its actions, so a new operation in the registry needs no change here.
 */
export const pluginManager = CLOUD_FUNCTION_ACTIONS.pluginManager.reduce(
  (calls, name) => ({ ...calls, [name]: action(name) }),
  {} as ActionCalls<Manager>,
);

/** The applyPlugin function: applying only, for a mini-program granted nothing else. */
export function applyPlugin(request: ApplyPluginRequest): Promise<ApplyPluginResult> {
  return call('applyPlugin', request);
}
