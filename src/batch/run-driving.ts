/**
 * Driving a run in this process: its jobs worked (driveRun for start, resume and retry; workRun
 * for `work`), the caller's callbacks told as they go, and the end turned into the Batch's answer.
 * A fault of the platform met by any call stops the drive and is the answer; a fault of one
 * authoriser is only recorded for it.
 */
import { failureResult } from '../core/engine';
import { OperationError } from '../core/errors';
import { isPlatformFault } from '../component/platform-faults';
import { operationNamed } from './api-options';
import type { BatchDriveOptions, BatchRunResult, BatchWorkOptions, BatchWorkResult } from './api-types';
import { driveRun, requeuePending } from './drive';
import { defaultConcurrency } from './limits';
import { countRun, liveJobs, nextDeferred, openRuns, type RunRecord } from './runs';
import { finishedItem, infoOf } from './run-views';
import { firstLine, ok, type CallSession, type Session } from './session';
import { workRun, type RunWorkerOptions } from './worker';

/** How often onProgress hears the counts while a run is driven. */
const PROGRESS_EVERY_MS = 1000;

/** A caller's callback never breaks a run: what it throws is dropped. */
export function tell<A extends unknown[]>(callback: ((...args: A) => void) | undefined, ...args: A): void {
  try {
    callback?.(...args);
  } catch {
    // The caller's own failure; the run carries on.
  }
}

/** The platform's own fault, once a worker met it: the drive stops, and answers it. */
interface FaultSeen {
  seen?: { readonly errCode: number; readonly errMsg: string };
}

/** A platform fault's answer: WeChat's words without the step's own `name:fail` prefix. */
const faultError = (seen: NonNullable<FaultSeen['seen']>): OperationError => new OperationError(seen.errCode, { detail: seen.errMsg.replace(/^[\w.]+:fail /, '') });

/** How this process works a run's jobs, for start and resume (driveRun) and work (workRun). */
function workerOptions(session: Session, run: RunRecord, options: BatchWorkOptions, fault: FaultSeen): RunWorkerOptions {
  const component = session.component(run.rate);
  return {
    db: session.store.db,
    boss: session.store.boss,
    run,
    component,
    alreadyHolds: operationNamed(run.operation)?.alreadyHolds ?? [],
    concurrency: options.concurrency ?? defaultConcurrency(run.rate),
    shouldStop: () => options.signal?.aborted === true || fault.seen !== undefined,
    onFinished: (finished) => tell(options.onFinished, finishedItem(finished)),
    onError: (error) => tell(options.onWarning, `the store failed while recording (the job will run again): ${firstLine(error)}`),
    onPlatformFault: (seen) => (fault.seen ??= seen),
    onRateLimited: () => {
      const slower = component.slowDown?.();
      if (slower !== undefined) tell(options.onWarning, `WeChat answered 45011 (the platform's rate limit): this process slows down to ${slower} calls/s; the authorisers it refused are called again in a minute, no try counted`);
    },
  };
}

async function* markEnd<T>(source: AsyncIterable<T>, onEnd: () => void): AsyncGenerator<T> {
  yield* source;
  onEnd();
}

/**
 * Drives `run` to its end here (its listing from `pages` first, when it has not finished), telling
 * onStart, onProgress and onFinished, and answers how it ended.
 */
export async function driveToEnd(name: string, session: Session, run: RunRecord, pages: AsyncIterable<readonly string[]> | undefined, options: BatchDriveOptions): Promise<BatchRunResult> {
  const { db } = session.store;
  let listed = run.listed || !pages;
  const progress = async () => {
    const counts = await countRun(db, run.id).catch(() => undefined);
    if (counts) tell(options.onProgress, counts, listed);
  };
  const timer = options.onProgress ? setInterval(() => void progress(), PROGRESS_EVERY_MS) : undefined;
  tell(options.onStart, infoOf(run));
  // The counts as the drive begins: what the last frame's rate is measured from, even for a run
  // shorter than one interval.
  if (options.onProgress) await progress();
  const fault: FaultSeen = {};
  let end;
  try {
    end = await driveRun({ ...workerOptions(session, run, options, fault), ...(pages ? { pages: markEnd(pages, () => (listed = true)) } : {}) });
  } finally {
    clearInterval(timer);
    if (options.onProgress) await progress();
  }
  const deferredUntil = end.counts.deferred ? await nextDeferred(db, run.id) : undefined;
  const ended = { runId: run.id, kind: end.kind, counts: end.counts, ...(deferredUntil ? { deferredUntil } : {}) };
  // The platform's own fault, met by a call or by the listing: the run stopped, nothing recorded because of it.
  const platformFault = fault.seen ?? (end.kind === 'listingFailed' && isPlatformFault(end.errCode) ? { errCode: end.errCode, errMsg: end.errMsg } : undefined);
  if (platformFault) return { ...failureResult(name, faultError(platformFault), 1), ...ended, kind: 'platformFault' as const, platformFault };
  if (end.kind !== 'listingFailed') return { ...ok(name), ...ended };
  const detail = `listing the authorisers failed, so the run is not all enqueued (${end.errMsg}): resume the run to list again`;
  return { ...failureResult(name, new OperationError(end.errCode, { detail }), 1), ...ended, listing: { errCode: end.errCode, errMsg: end.errMsg } };
}

function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
  });
}

/**
 * `work`: this process takes jobs of every open run of the platform, run after run, until the
 * signal (or, with exitWhenIdle, until no run is open); a platform fault ends it.
 */
export async function workRuns(session: CallSession, options: BatchWorkOptions & { readonly exitWhenIdle?: boolean }): Promise<BatchWorkResult> {
  const { db } = session.store;
  const stopping = () => options.signal?.aborted === true;
  const fault: FaultSeen = {};
  let taken = 0;
  while (!stopping()) {
    const runs = (await openRuns(db)).filter((run) => run.component === session.platform.componentAppid);
    let round = 0;
    for (const run of runs) {
      if (stopping()) break;
      const took = await workRun(workerOptions(session, run, options, fault));
      round += took;
      if (fault.seen) break;
      // Authorisers pending with no job left anywhere: their worker died (pg-boss retries nothing,
      // the batch owns its retries). They get a job again; the claim keeps each to one call.
      if (took === 0 && run.listed && (await liveJobs(db, run.id)) === 0) await requeuePending(db, session.store.boss, run);
    }
    if (fault.seen) return { ...failureResult('batch.work', faultError(fault.seen), 1), taken: taken + round, stopped: true };
    taken += round;
    if (runs.length === 0 && options.exitWhenIdle === true) break;
    if (round === 0) await abortableSleep(runs.length ? 250 : 1000, options.signal);
  }
  return { ...ok('batch.work'), taken, stopped: stopping() };
}
