import type { Transport } from '../../src/core/engine';
import { OperationError } from '../../src/core/errors';
import { defineOperation, noData, type Answer } from '../../src/core/operation';

/** 'ok': WeChat accepts, answering nothing more; `{ answer }`: it accepts with these fields. */
export type Step = 'ok' | 'hang' | number | OperationError | { readonly answer: Answer };

export interface RecordingTransport extends Transport {
  readonly sent: Array<{ api: string | undefined; path: string; body: Record<string, string | number>; timeoutMs: number; at: number }>;
}

/** A transport that plays a script: each send takes the next step (the last one repeats). */
export function scriptedTransport(steps: Step[]): RecordingTransport {
  const sent: RecordingTransport['sent'] = [];
  return {
    sent,
    send({ cloudApi, path }, body, budget) {
      sent.push({ api: cloudApi, path, body, timeoutMs: budget.remaining(), at: Date.now() });
      const step = steps[Math.min(sent.length - 1, steps.length - 1)]!;
      if (step === 'ok') return Promise.resolve({});
      if (step === 'hang') return new Promise(() => undefined);
      if (typeof step === 'object' && 'answer' in step) return Promise.resolve(step.answer);
      return Promise.reject(typeof step === 'number' ? new OperationError(step, { cause: { errMsg: `code ${step}` } }) : step);
    },
  };
}

/**
 * An operation whose cloud-call name has a newer fallback (as getPluginList's has), reading
 * nothing: for the engine's fallback rule without any real operation's fields.
 */
export const olderOperation = defineOperation({
  name: 'olderName',
  action: 'older',
  summary: 'test',
  cloudApi: 'pluginManager.older',
  cloudApiFallback: 'pluginManager.newer',
  route: { path: '/wxa/plugin', action: 'list' },
  fields: {},
  toWire: () => ({}),
  readAnswer: noData,
  whenOutcomeUnknown: 'list again',
  example: {},
});
