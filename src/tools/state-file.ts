/**
 * The emulator's `--state FILE`: plugin state kept between runs of `npm start`, safe when runs
 * overlap or are interrupted.
 *
 * - One run at a time: the file is locked (proper-lockfile) from the read to the last write, so
 *   two runs never read the same state and lose one's change; the second waits for the first.
 *   A lock left by a killed run goes stale and is taken over.
 * - Atomic writes (write-file-atomic: a temporary file, fsync, rename): a run killed mid-write,
 *   even by SIGKILL, leaves the previous state or the new one, never an empty or half file.
 * - Saved after every step that changed it, and on SIGINT/SIGTERM: an interrupted run keeps what
 *   succeeded.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { lock } from 'proper-lockfile';
import writeFileAtomic from 'write-file-atomic';

export interface StateFile<T> {
  /** What the file held when the lock was taken; undefined when there was no file. */
  readonly initial: T | undefined;
  /** Replaces the file's content, atomically. */
  save(state: T): void;
  /** Lets the next run in. */
  release(): Promise<void>;
}

/** A lock not refreshed for this long belongs to a run that was killed. */
const STALE_MS = 10_000;
/** How long a run waits for another to finish: longer than any run of npm start. */
const WAIT_MS = 120_000;

export class StateFileError extends Error {}

/**
 * Locks `path` (waiting for another run to finish), then reads it with `check`, which throws on a
 * file that is not a state file. The folder must exist; the file need not.
 */
export async function openStateFile<T>(path: string, check: (value: unknown) => T): Promise<StateFile<T>> {
  const full = resolve(path);
  if (!existsSync(dirname(full)) || !statSync(dirname(full)).isDirectory()) throw new StateFileError(`the folder ${dirname(full)} does not exist`);
  let unlock: () => Promise<void>;
  try {
    unlock = await lock(full, {
      realpath: false,
      stale: STALE_MS,
      retries: { retries: Math.ceil(WAIT_MS / 500), factor: 1, minTimeout: 500, maxTimeout: 500 },
      // A lost lock (its folder removed, the machine suspended) is not worth crashing a demo for.
      onCompromised: () => undefined,
    });
  } catch (error) {
    throw new StateFileError(`another run holds ${full}.lock and did not finish within ${WAIT_MS / 1000} s (${(error as Error).message.split('\n')[0]})`);
  }
  let initial: T | undefined;
  try {
    initial = existsSync(full) ? check(JSON.parse(readFileSync(full, 'utf8'))) : undefined;
  } catch (error) {
    await unlock();
    throw new StateFileError(`not a state file written by npm start (${(error as Error).message.split('\n')[0]}): remove it or pass another path`);
  }
  return {
    initial,
    save: (state) => writeFileAtomic.sync(full, `${JSON.stringify(state, null, 2)}\n`),
    release: () => unlock().catch(() => undefined),
  };
}
