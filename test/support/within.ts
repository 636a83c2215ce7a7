import { budgetOf } from '../../src/core/deadline';

/** The signal of a call budget of `ms` from now: what postJson and withinDeadline take. */
export const within = (ms: number): AbortSignal => budgetOf(ms).signal;
