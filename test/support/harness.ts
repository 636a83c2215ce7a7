import { join } from 'node:path';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/gateway';
import { grantedApis, invokeCloudFunction, PROJECT_ROOT, type InvocationOutcome, type InvokeOptions } from '../../src/platform/invoke';
import type { AnyOperation } from '../../src/core/operation';
import { CLOUD_FUNCTIONS } from '../../src/core/operations';
import { INSTALLED_WECHAT_NODES } from './wechat-node';

export { describeEachWechatNode, reportMissingWechatNodes } from './wechat-node';

export const FUNCTION_DIR = join(PROJECT_ROOT, 'cloudfunctions', 'applyPlugin');
export const PLUGIN_MANAGER_DIR = join(PROJECT_ROOT, 'cloudfunctions', 'pluginManager');
export const ADMIN = 'oAdmin_e2e_0000000000000001';
export const STRANGER = 'oStranger_e2e_00000000000002';
export const OPEN_PLUGIN = 'wx0123456789abcdef';
export const SECOND_PLUGIN = 'wx1111111111111111';
export const CLOSED_PLUGIN = 'wxc105ed0000000000';
export const UNKNOWN_PLUGIN = 'wxdeadbeefdeadbeef';

/** The Node builds WeChat runs that are installed here, beside the one running the tests. */
export const RUNTIMES: ReadonlyArray<readonly [string, string]> = [[`this machine's node ${process.version}`, process.execPath], ...INSTALLED_WECHAT_NODES];

export type ApplyRun = Omit<InvokeOptions, 'functionDir' | 'gatewayUrl'> & { readonly functionDir?: string };

/** An administrator calling from the mini-program, the usual case. */
export const asAdmin: Pick<ApplyRun, 'caller' | 'functionEnv'> = {
  caller: { openid: ADMIN, source: 'wx_client' },
  functionEnv: { ADMIN_OPENIDS: ADMIN },
};

export async function withEmulator<T>(run: (emulator: Emulator) => Promise<T>, options: EmulatorOptions = {}): Promise<T> {
  const emulator = await startEmulator({ grantedApis: [...grantedApis(FUNCTION_DIR), ...grantedApis(PLUGIN_MANAGER_DIR)], ...options });
  try {
    return await run(emulator);
  } finally {
    await emulator.close();
  }
}

export interface ApplyOutcome extends InvocationOutcome {
  readonly result: { errCode: number; errMsg: string; retryable: boolean; attempts: number; openid?: string; [field: string]: unknown };
  readonly log: Record<string, unknown>;
}

/**
 * The operation an event chooses in a function, from the registry's own route (so errMsg's name and
 * the result's data keys come from the operation's declaration), or undefined when none is chosen.
 */
function chosen(functionDir: string, event: unknown): AnyOperation | undefined {
  const route = functionDir === FUNCTION_DIR ? CLOUD_FUNCTIONS.applyPlugin : CLOUD_FUNCTIONS.pluginManager;
  try {
    return route.select(event).operation;
  } catch {
    return undefined;
  }
}

/** The data keys a success of `operation` carries: what its readAnswer makes of an empty answer, plus what may come on top. */
function dataKeys(operation: AnyOperation | undefined, result: Record<string, unknown>): string[] {
  if (!operation) return [];
  const declared = Object.keys(operation.readAnswer({}, Object.fromEntries(Object.entries(operation.fields).map(([name, field]) => [name, field.defaultValue])) as never));
  return [...declared, ...['droppedItems', 'cloudApi'].filter((key) => key in result)];
}

/**
 * Runs a committed function (applyPlugin unless `functionDir` says otherwise) once, as the cloud
 * does, and checks what holds for every run: it returned (it was not killed and did not crash), in
 * the one shape, with exactly one log line, and nothing it printed or returned carries a platform
 * secret or the gateway's address.
 */
export async function apply(emulator: Emulator, run: ApplyRun): Promise<ApplyOutcome> {
  const functionDir = run.functionDir ?? FUNCTION_DIR;
  const outcome = await invokeCloudFunction({ ...asAdmin, ...run, functionDir, gatewayUrl: emulator.gatewayUrl });
  if (outcome.report.kind !== 'returned') {
    throw new Error(`the function did not return: ${JSON.stringify(outcome.report)}\nstdout: ${outcome.stdout}\nstderr: ${outcome.stderr}`);
  }
  const result = outcome.report.result as ApplyOutcome['result'];
  const refused = result.errCode === -930101 || result.errCode === -930102;
  const operation = chosen(functionDir, run.event);
  const data = result.errCode === 0 ? dataKeys(operation, result) : 'cloudApi' in result ? ['cloudApi'] : [];
  const caller = run.caller ?? asAdmin.caller!;
  const keys = ['attempts', 'errCode', 'errMsg', 'retryable', ...(refused && caller.openid ? ['openid'] : []), ...data];
  expect(Object.keys(result).sort()).toEqual(keys.sort());
  expect(Number.isInteger(result.errCode)).toBe(true);
  const name = operation?.name ?? (functionDir === FUNCTION_DIR ? CLOUD_FUNCTIONS.applyPlugin.name : CLOUD_FUNCTIONS.pluginManager.name);
  expect(result.errMsg).toMatch(result.errCode === 0 ? new RegExp(`^${name}:ok$`) : new RegExp(`^${name}:fail \\S`));
  const printed = `${outcome.stdout}\n${outcome.stderr}\n${JSON.stringify(result)}`;
  for (const secret of outcome.secrets) expect(printed).not.toContain(secret);
  const port = new URL(emulator.url).port;
  // errMsg carries no value of the invocation's environment (OPENIDs, env id, tokens, URLs).
  const environmentValues = [run.caller?.openid, ...Object.values(run.functionEnv ?? {}), ...Object.values(run.platformEnv ?? {}), 'demo-env-7g3k2'];
  for (const value of environmentValues) if (value && value.length >= 6) expect(result.errMsg).not.toContain(value);
  expect(result.errMsg).not.toMatch(/https?:\/\//);
  expect(JSON.stringify(result)).not.toMatch(new RegExp(`127\\.0\\.0\\.1|:${port}|demo-env|seqId`));
  const lines = outcome.stdout.split('\n').filter((line) => line.startsWith('{'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).not.toMatch(new RegExp(`127\\.0\\.0\\.1|:${port}\\b|demo-env|https?://`));
  return { ...outcome, result, log: JSON.parse(lines[0]!) as Record<string, unknown> };
}

/** The same, through cloudfunctions/pluginManager. */
export function manage(emulator: Emulator, run: ApplyRun): Promise<ApplyOutcome> {
  return apply(emulator, { ...run, functionDir: PLUGIN_MANAGER_DIR });
}
