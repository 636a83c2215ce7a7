/**
 * The bounds and defaults of a batch run, the same for the command line and the library: checked
 * by options.ts (exit 2) and api-options.ts (an outcome with a project code).
 */
export const DEFAULT_STORE_DIR = '.wxplugin';
export const DEFAULT_JOB_TIMEOUT_S = 60;
export const JOB_TIMEOUT_BOUNDS = { min: 10, max: 3600 } as const;
export const CONCURRENCY_BOUNDS = { min: 1, max: 1000 } as const;
/** Each call's budget, in milliseconds. */
export const TIMEOUT_BOUNDS = { min: 100, max: 600_000 } as const;
export const MAX_RATE = 100_000;
/**
 * The slowest rate, calls per second: one call every 10 s. A job waits for its slots (a token fetch
 * and the call) inside its job timeout (default 60 s); slower, it would time out waiting and run again.
 */
export const MIN_RATE = 0.1;
/** The oldest Node the batch runs on: pg-boss 10's `engines`. */
export const BATCH_NODE_MAJOR = 20;

/** About one second of authorisers in flight (each needs about two requests, each waits for its slot). */
export const defaultConcurrency = (rate: number): number => Math.max(1, Math.min(128, Math.ceil(rate / 2)));

/** Why this Node cannot run batches, if it cannot. */
export function nodeTooOld(version: string): string | undefined {
  const major = Number(version.split('.')[0]);
  return major < BATCH_NODE_MAJOR ? `batch runs need Node.js ${BATCH_NODE_MAJOR} or later (their job engine, pg-boss 10, does); this is Node.js ${version}` : undefined;
}
