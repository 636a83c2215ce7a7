import type { Transport } from '../../src/core/engine';
import { OperationError } from '../../src/core/errors';

export type Step = 'ok' | 'hang' | number | OperationError;

export interface RecordingTransport extends Transport {
  readonly sent: Array<{ api: string; body: Record<string, string | number>; timeoutMs: number; at: number }>;
}

/** A transport that plays a script: each send takes the next step (the last one repeats). */
export function scriptedTransport(steps: Step[]): RecordingTransport {
  const sent: RecordingTransport['sent'] = [];
  return {
    sent,
    send(api, _path, body, timeoutMs) {
      sent.push({ api, body, timeoutMs, at: Date.now() });
      const step = steps[Math.min(sent.length - 1, steps.length - 1)]!;
      if (step === 'ok') return Promise.resolve();
      if (step === 'hang') return new Promise(() => undefined);
      return Promise.reject(typeof step === 'number' ? new OperationError(step, { cause: { errMsg: `code ${step}` } }) : step);
    },
  };
}
