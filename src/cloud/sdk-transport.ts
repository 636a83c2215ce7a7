import { ProjectCode } from '../core/codes';
import type { Transport } from '../core/engine';
import { withinDeadline } from '../core/deadline';
import { OperationError } from '../core/errors';
import type { Answer, WireBody } from '../core/operation';
import { unexpectedAnswer } from '../core/remote';
import { MAX_SDK_ANSWER_BYTES, watchAnswers } from './answer-cap';
import { classifyRejection, classifyResolution } from './classify';
import { createCredentialsDefectGuard, type CredentialsDefectGuard } from './defect-guard';
import type { CloudSdk } from './sdk';
import { watchSockets } from './socket-release';

type ApiFunction = (data: WireBody) => Promise<unknown>;

/** `cloud.openapi({convertCase:false}).pluginManager.applyPlugin`, for any dotted API name. */
function resolveApi(sdk: Pick<CloudSdk, 'openapi'>, api: string): ApiFunction {
  // convertCase:false sends the wire body exactly as the HTTPS form does (it is already snake_case);
  // the operation camelCases the answer itself, the same way for both transports.
  let node = (sdk.openapi as (options: { convertCase: boolean }) => unknown)({ convertCase: false });
  for (const part of api.split('.')) node = (node as Record<string, unknown>)[part];
  return node as ApiFunction;
}

/** What the e2e tests and the docs call the bound; its owner is answer-cap.ts. */
export { MAX_SDK_ANSWER_BYTES };

/**
 * Rejects as soon as a request of this attempt reads more than MAX_SDK_ANSWER_BYTES: the request is
 * cut at its socket (answer-cap.ts), before the SDK buffers the rest. `stop` ends the watch.
 */
function answerCap(): { exceeded: Promise<never>; stop: () => void } {
  let stop = (): void => undefined;
  const exceeded = new Promise<never>((_resolve, reject) => {
    stop = watchAnswers(() => {
      stop();
      reject(unexpectedAnswer(`an answer larger than ${MAX_SDK_ANSWER_BYTES} bytes`, { code: 'too large', message: `answer larger than ${MAX_SDK_ANSWER_BYTES} bytes` }));
    });
  });
  exceeded.catch(() => undefined);
  return { exceeded, stop: () => stop() };
}

function isPlatformCode(code: number): boolean {
  return code <= -400000 && code > -700000;
}

/**
 * The SDK's request timeout for an attempt: its budget rounded up to whole 100 ms (at least 100).
 * What bounds each attempt to its budget is the call's signal, which answers -930201 and
 * releases the attempt's sockets (the SDK's request then fails at once); the SDK's timeout is the
 * backstop, rounded up so that the signal, not the SDK (-501001, "the network failed"), answers an
 * attempt that runs out of time.
 */
function sdkTimeoutFor(timeoutMs: number): number {
  return Math.max(100, Math.ceil(timeoutMs / 100) * 100);
}

/** SDK instances kept, one per SDK timeout; the least recently used goes first. */
const MAX_SDK_INSTANCES = 4;

/**
 * The SDK to send an attempt through, with its timeout set from that attempt's budget. wx-server-sdk
 * 4.0.2 fixes an instance's timeout when the instance is made (`init` once; `updateConfig` builds a
 * new CloudBase instance and throws it away, while open-API calls use the one `init` made), so a
 * warm container whose first invocation had a 1 s limit would cut every later one at 1 s, even with
 * 6 s left. So the module's own instance serves the first timeout, and another timeout gets an
 * instance of its own (`createNewInstance`, about 1 ms, made once per distinct timeout: a function's
 * invocations share their limit, so a warm container reuses one).
 *
 * `keepalive: false` holds in and out of a cloud function: outside one (no TENCENTCLOUD_RUNENV=SCF,
 * a function run by hand) the SDK would otherwise send through keep-alive agents of its own, which
 * the socket release (socket-release.ts) cannot see; with it, always through Node's global agents.
 */
function sdkInstances(sdk: CloudSdk): (timeoutMs: number) => Pick<CloudSdk, 'openapi'> {
  const instances = new Map<number, Pick<CloudSdk, 'openapi'>>();
  let initialised = false;
  return (timeoutMs) => {
    const timeout = sdkTimeoutFor(timeoutMs);
    const config = { env: sdk.DYNAMIC_CURRENT_ENV as unknown as string, timeout, keepalive: false };
    let instance = instances.get(timeout);
    if (instance === undefined) {
      if (!initialised) {
        sdk.init(config);
        initialised = true;
        instance = sdk;
      } else {
        instance = sdk.createNewInstance(config);
      }
    }
    instances.delete(timeout);
    instances.set(timeout, instance);
    if (instances.size > MAX_SDK_INSTANCES) instances.delete(instances.keys().next().value!);
    return instance;
  };
}

/** The resolved value without the SDK's own two keys: WeChat's answer, as the HTTPS form gets it. */
function answerOf(resolved: unknown): Answer {
  const { errCode: _code, errMsg: _message, ...answer } = resolved as Record<string, unknown>;
  return answer;
}

/**
 * Sends through wx-server-sdk's cloud call. `init` happens on the first send (the SDK's default
 * timeout of 15 s would outlive any invocation), and each attempt goes through an SDK whose timeout
 * follows its own budget; every attempt is bounded by that budget, one that runs out of time
 * releases the sockets it was using, and one whose answer grows past the bound is cut.
 */
export function createSdkTransport(sdk: CloudSdk, guard: CredentialsDefectGuard = createCredentialsDefectGuard()): Transport {
  const instanceFor = sdkInstances(sdk);

  return {
    async send({ cloudApi }, body, budget) {
      if (cloudApi === undefined) throw new OperationError(ProjectCode.INTERNAL, { cause: { message: 'operation has no cloud API' } });
      const timeoutMs = budget.remaining();
      const instance = instanceFor(timeoutMs);
      // When the call's signal aborts, the attempt's own sockets are released and it answers
      // -930201 itself, before the next invocation can start: so only its own sockets are released.
      const sockets = watchSockets();
      const cap = answerCap();
      const { outcome, credentialsMissing } = await withinDeadline(Promise.race([guard.run(() => resolveApi(instance, cloudApi)(body)), cap.exceeded]), budget.signal, () => sockets.release()).finally(cap.stop);
      const error = outcome.status === 'fulfilled' ? classifyResolution(outcome.value) : classifyRejection(outcome.reason);
      if (!error) return answerOf(outcome.status === 'fulfilled' ? outcome.value : {});
      if (credentialsMissing && isPlatformCode(error.code)) {
        throw new OperationError(ProjectCode.CREDENTIALS_MISSING, { cause: error });
      }
      throw error;
    },
  };
}
