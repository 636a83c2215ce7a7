/**
 * Drives one run to its end in this process: enqueues the authorisers a page at a time (while the
 * first pages are already being worked), works jobs until none is ready, and repairs what a crash
 * can leave (an authoriser pending with no job). Other workers sharing the store may work the same
 * run at the same time; the run ends when no authoriser is pending and none deferred is due.
 */
import type { PgBoss } from 'pg-boss';
import { OperationError } from '../core/errors';
import { countRun, dueDeferred, enqueuePage, liveJobs, markListed, pendingAppids, sendJobs, type RunRecord } from './runs';
import type { SqlDb } from './sql';
import { workRun, type RunWorkerOptions } from './worker';
import type { Counts } from './outcome';

export interface DriveOptions extends RunWorkerOptions {
  /** The authorisers still to enqueue, a page at a time; none when the run is already listed. */
  readonly pages?: AsyncIterable<readonly string[]>;
  /** How long to wait before looking again when others hold the run's remaining jobs. */
  readonly pollMs?: number;
}

export type DriveEnd = { readonly kind: 'finished' | 'stopped'; readonly counts: Counts } | { readonly kind: 'listingFailed'; readonly counts: Counts; readonly errCode: number; readonly errMsg: string };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Gives every pending authoriser a job again (pg-boss drops duplicates' work: the claim decides). */
export async function requeuePending(db: SqlDb, boss: PgBoss, run: RunRecord): Promise<number> {
  let sent = 0;
  for await (const page of pendingAppids(db, run.id)) {
    await sendJobs(boss, run, page.map((appid) => ({ appid })));
    sent += page.length;
  }
  return sent;
}

export async function driveRun(options: DriveOptions): Promise<DriveEnd> {
  const { db, boss, run } = options;
  let listing: Promise<void> | undefined;
  /** The listing's own failure (an OperationError: its code, and the message as errMsg says it). */
  let listingError: OperationError | undefined;
  if (options.pages) {
    const pages = options.pages;
    listing = (async () => {
      for await (const page of pages) {
        if (options.shouldStop()) return;
        await enqueuePage(db, boss, run, page);
      }
      await markListed(db, run.id);
    })().catch((error: unknown) => {
      if (error instanceof OperationError) listingError = error;
      else throw error;
    });
  }
  let listed = !options.pages;
  // Its failure (other than the listing's own) surfaces through the race below, not as an unhandled rejection.
  void listing?.then(
    () => (listed = true),
    () => undefined,
  );
  for (;;) {
    if (options.shouldStop()) break;
    const taken = await workRun({ ...options, shouldStop: options.shouldStop });
    if (listingError) {
      const counts = await countRun(db, run.id);
      return { kind: 'listingFailed', counts, errCode: listingError.code, errMsg: listingError.detail ?? listingError.message };
    }
    if (!listed) {
      await Promise.race([listing, sleep(options.pollMs ?? 100)]);
      continue;
    }
    const counts = await countRun(db, run.id);
    const due = await dueDeferred(db, run.id);
    if (counts.pending === 0 && due === 0) return { kind: 'finished', counts };
    if (taken === 0) {
      // Others may hold the remaining jobs; if nobody holds any, a crash lost them: give them back.
      if ((await liveJobs(db, run.id)) === 0) await requeuePending(db, boss, run);
      else await sleep(options.pollMs ?? 250);
    }
  }
  await listing?.catch(() => undefined);
  return { kind: 'stopped', counts: await countRun(db, run.id) };
}
