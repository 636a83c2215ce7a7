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
/** The oldest Node the batch runs on: pg-boss 12's `engines` (>= 22.12.0, where `require` loads its ES modules). */
export const BATCH_NODE_MIN = '22.12.0';

/** About one second of authorisers in flight (each needs about two requests, each waits for its slot). */
export const defaultConcurrency = (rate: number): number => Math.max(1, Math.min(128, Math.ceil(rate / 2)));

/** Whether `version` (such as `22.21.1`, or `v22.21.1`) is at least `minimum`. */
export function nodeAtLeast(version: string, minimum: string): boolean {
  const parts = (text: string) => text.replace(/^v/, '').split('.').map((part) => Number.parseInt(part, 10) || 0);
  const [have, need] = [parts(version), parts(minimum)];
  for (let index = 0; index < 3; index += 1) {
    if ((have[index] ?? 0) !== (need[index] ?? 0)) return (have[index] ?? 0) > (need[index] ?? 0);
  }
  return true;
}

/** Why this Node cannot run batches, if it cannot. */
export function nodeTooOld(version: string): string | undefined {
  return nodeAtLeast(version, BATCH_NODE_MIN) ? undefined : `batch runs need Node.js ${BATCH_NODE_MIN} or later (their job engine, pg-boss 12, does); this is Node.js ${version}`;
}
