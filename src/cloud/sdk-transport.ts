import { ProjectCode } from '../core/codes';
import type { Transport } from '../core/engine';
import { withinDeadline } from '../core/deadline';
import { OperationError } from '../core/errors';
import type { Answer, WireBody } from '../core/operation';
import { MAX_ANSWER_BYTES, unexpectedAnswer } from '../core/remote';
import { classifyRejection, classifyResolution } from './classify';
import { createCredentialsDefectGuard, type CredentialsDefectGuard } from './defect-guard';
import type { CloudSdk } from './sdk';
import { watchSockets, type SocketWatch } from './socket-release';

type ApiFunction = (data: WireBody) => Promise<unknown>;


/** `cloud.openapi({convertCase:false}).pluginManager.applyPlugin`, for any dotted API name. */
function resolveApi(sdk: CloudSdk, api: string): ApiFunction {
  // convertCase:false sends the wire body exactly as the HTTPS form does (it is already snake_case);
  // the operation camelCases the answer itself, the same way for both transports.
  let node = (sdk.openapi as (options: { convertCase: boolean }) => unknown)({ convertCase: false });
  for (const part of api.split('.')) node = (node as Record<string, unknown>)[part];
  return node as ApiFunction;
}

/**
 * The largest answer an attempt may receive. WeChat's answers are a few hundred bytes; wx-server-sdk
 * buffers a body whole and then copies and parses it (a 100 MB answer peaked at 396 MiB, in a
 * function that has 256 MB, and its parse could outlast the time limit). Past this, the attempt's
 * sockets are cut and the answer is not WeChat's.
 */
export const MAX_SDK_ANSWER_BYTES = MAX_ANSWER_BYTES;
/** How often an attempt's received bytes are looked at: at loopback speed the overshoot stays tens of MB. */
const ANSWER_CHECK_MS = 10;

/** Rejects once the attempt has read more than MAX_SDK_ANSWER_BYTES; `stop` ends the watch. */
function answerCap(sockets: SocketWatch): { exceeded: Promise<never>; stop: () => void } {
  let timer: ReturnType<typeof setInterval> | undefined;
  const exceeded = new Promise<never>((_resolve, reject) => {
    timer = setInterval(() => {
      if (sockets.bytesRead() <= MAX_SDK_ANSWER_BYTES) return;
      clearInterval(timer);
      sockets.release();
      reject(unexpectedAnswer(`an answer larger than ${MAX_SDK_ANSWER_BYTES} bytes`, { code: 'too large', message: `answer larger than ${MAX_SDK_ANSWER_BYTES} bytes` }));
    }, ANSWER_CHECK_MS);
    timer.unref?.();
  });
  exceeded.catch(() => undefined);
  return { exceeded, stop: () => clearInterval(timer) };
}

function isPlatformCode(code: number): boolean {
  return code <= -400000 && code > -700000;
}

/**
 * The SDK's request timeout, set once at `init` from the first attempt's budget rounded up to whole
 * 100 ms. wx-server-sdk 4.0.2 keeps it for the container's life: its `updateConfig` builds a new
 * CloudBase instance and throws it away, while open-API calls use the one `init` made. So the SDK's
 * timeout is only a backstop; what bounds each attempt to its own budget is the call's signal
 * below, which answers -930201 and releases the attempt's sockets (the SDK's request then fails at
 * once). Rounded up so that the signal, not the SDK, answers a first attempt that runs out of time.
 */
function sdkTimeoutFor(timeoutMs: number): number {
  return Math.max(100, Math.ceil(timeoutMs / 100) * 100);
}

/** The resolved value without the SDK's own two keys: WeChat's answer, as the HTTPS form gets it. */
function answerOf(resolved: unknown): Answer {
  const { errCode: _code, errMsg: _message, ...answer } = resolved as Record<string, unknown>;
  return answer;
}

/**
 * Sends through wx-server-sdk's cloud call. `init` happens on the first send (the SDK's default
 * timeout of 15 s would outlive any invocation); every attempt is bounded by its own budget, and
 * one that runs out of time releases the sockets it was using.
 */
export function createSdkTransport(sdk: CloudSdk, guard: CredentialsDefectGuard = createCredentialsDefectGuard()): Transport {
  let initialised = false;
  const configure = (timeoutMs: number): void => {
    if (initialised) return;
    sdk.init({ env: sdk.DYNAMIC_CURRENT_ENV as unknown as string, timeout: sdkTimeoutFor(timeoutMs) });
    initialised = true;
  };

  return {
    async send({ cloudApi }, body, budget) {
      if (cloudApi === undefined) throw new OperationError(ProjectCode.INTERNAL, { cause: { message: 'operation has no cloud API' } });
      const timeoutMs = budget.remaining();
      configure(timeoutMs);
      // When the call's signal aborts, the attempt's own sockets are released and it answers
      // -930201 itself, before the next invocation can start: so only its own sockets are released.
      const sockets = watchSockets();
      const cap = answerCap(sockets);
      const { outcome, credentialsMissing } = await withinDeadline(Promise.race([guard.run(() => resolveApi(sdk, cloudApi)(body)), cap.exceeded]), budget.signal, () => sockets.release()).finally(cap.stop);
      const error = outcome.status === 'fulfilled' ? classifyResolution(outcome.value) : classifyRejection(outcome.reason);
      if (!error) return answerOf(outcome.status === 'fulfilled' ? outcome.value : {});
      if (credentialsMissing && isPlatformCode(error.code)) {
        throw new OperationError(ProjectCode.CREDENTIALS_MISSING, { cause: error });
      }
      throw error;
    },
  };
}
