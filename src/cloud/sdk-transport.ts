import { ProjectCode } from '../core/codes';
import type { Transport } from '../core/engine';
import { OperationError } from '../core/errors';
import { classifyRejection, classifyResolution } from './classify';
import { createCredentialsDefectGuard, type CredentialsDefectGuard } from './defect-guard';
import type { CloudSdk } from './sdk';

type ApiFunction = (data: Record<string, string | number>) => Promise<unknown>;

/** `cloud.openapi({convertCase:false}).pluginManager.applyPlugin`, for any dotted API name. */
function resolveApi(sdk: CloudSdk, api: string): ApiFunction {
  // convertCase:false sends the wire body exactly as the HTTPS form does (it is already snake_case)
  // and avoids the SDK's json-bigint objects for long numbers in answers.
  let node = (sdk.openapi as (options: { convertCase: boolean }) => unknown)({ convertCase: false });
  for (const part of api.split('.')) node = (node as Record<string, unknown>)[part];
  return node as ApiFunction;
}

function isPlatformCode(code: number): boolean {
  return code <= -400000 && code > -700000;
}

/**
 * Sends through wx-server-sdk's cloud call. `init` happens on the first send, with the SDK's own
 * request timeout set to that invocation's budget instead of its default 15 s, so the SDK's socket
 * does not outlive the invocation either.
 */
export function createSdkTransport(sdk: CloudSdk, guard: CredentialsDefectGuard = createCredentialsDefectGuard()): Transport {
  let initialised = false;
  return {
    async send(api, _httpsPath, body, timeoutMs) {
      if (!initialised) {
        sdk.init({ env: sdk.DYNAMIC_CURRENT_ENV as unknown as string, timeout: Math.max(100, Math.floor(timeoutMs)) });
        initialised = true;
      }
      const { outcome, credentialsMissing } = await guard.run(() => resolveApi(sdk, api)(body));
      const error =
        outcome.status === 'fulfilled' ? classifyResolution(outcome.value) : classifyRejection(outcome.reason);
      if (!error) return;
      if (credentialsMissing && isPlatformCode(error.code)) {
        throw new OperationError(ProjectCode.CREDENTIALS_MISSING, { cause: error });
      }
      throw error;
    },
  };
}
