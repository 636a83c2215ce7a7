/**
 * wx-server-sdk 4.0.2's dependency @cloudbase/node-sdk 3.17.2 starts `prepareCredentials` without
 * awaiting it (dist/utils/tcbapirequester.js). With no TENCENTCLOUD_SECRETID/SECRETKEY in the
 * environment, that inner promise rejects with nobody listening, and Node >= 15 ends the process
 * before the caller's own try/catch sees anything. The request itself goes on, unsigned, and the
 * gateway decides: a deployment may authorise it by other means.
 *
 * While an SDK call is in flight, and until the event loop's next turn after it settles (Node
 * reports what a turn left unhandled only at its end), this guard listens for unhandled
 * rejections, swallows exactly that one (and counts it, so the transport can explain a refusal),
 * and leaves every other rejection to Node's default behaviour.
 */

export interface CredentialsDefectGuard {
  /** Runs `work` with the guard in place; tells whether the defect fired meanwhile. */
  run<T>(work: () => Promise<T>): Promise<{ readonly outcome: PromiseSettledResult<T>; readonly credentialsMissing: boolean }>;
}

export function isCredentialsDefect(reason: unknown): boolean {
  if (typeof reason !== 'object' || reason === null) return false;
  const { code, message } = reason as { code?: unknown; message?: unknown };
  return code === 'INVALID_PARAM' && typeof message === 'string' && /missing secretId or secretKey/.test(message);
}

export function createCredentialsDefectGuard(target: NodeJS.Process = process): CredentialsDefectGuard {
  let inFlight = 0;
  let seen = 0;

  const listener = (reason: unknown): void => {
    if (isCredentialsDefect(reason)) {
      seen += 1;
      return;
    }
    // Not ours to judge: with no other listener, do what Node would have done without this one.
    if (target.listenerCount('unhandledRejection') === 1) throw reason;
  };

  return {
    async run(work) {
      if (inFlight++ === 0) target.on('unhandledRejection', listener);
      const before = seen;
      const [outcome] = await Promise.allSettled([Promise.resolve().then(work)]);
      // The SDK's defect rejects when the request starts, long before the gateway answers, so it
      // has been counted by now. A rejection made in the very turn the call settles is reported
      // only after that turn's microtasks: stay listening until the next turn, or it would end the
      // process. The caller does not wait for that turn (a warm call should cost nothing more).
      setImmediate(() => {
        if (--inFlight === 0) target.off('unhandledRejection', listener);
      });
      return { outcome: outcome!, credentialsMissing: seen > before };
    },
  };
}
