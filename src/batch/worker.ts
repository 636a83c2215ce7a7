/**
 * Works a run's jobs in this process: takes jobs from pg-boss, claims their authorisers, makes each
 * call (every request paced by the shared limiter), and records how it ended. Records are written
 * before pg-boss hears that the job is done, and follow-up jobs (a retry, a deferral) before that:
 * a crash at any point leaves either a job that will run again or a finished authoriser, never an
 * authoriser with nothing left to finish it.
 */
import type { Job, PgBoss } from 'pg-boss';
import type { OperationResult } from '../core/engine';
import { ProjectCode } from '../core/codes';
import { redact } from '../core/redact';
import { Coalescer } from './coalesce';
import type { BatchComponent } from './component';
import { decide, type Decision } from './outcome';
import { claim, extendClaims, queueOf, recordFinished, releaseClaims, sendJobs, type Finished, type JobData, type RunRecord } from './runs';
import type { SqlDb } from './sql';

export interface RunWorkerOptions {
  readonly db: SqlDb;
  readonly boss: PgBoss;
  readonly run: RunRecord;
  readonly component: BatchComponent;
  /** The operation's codes meaning "already so" (apply: 89237). */
  readonly alreadyHolds: readonly number[];
  /** Calls in flight at once in this process. */
  readonly concurrency: number;
  /** Asked between fetches: stop taking jobs (the jobs in flight still finish). */
  readonly shouldStop: () => boolean;
  /** Each authoriser this process finishes, as it finishes. */
  readonly onFinished?: (finished: Finished) => void;
  /** A store failure while recording (the job is then left to expire and run again). */
  readonly onError?: (error: unknown) => void;
  /**
   * The platform's own fault (its credentials refused, its quota spent, its token command failing):
   * this worker stops taking jobs, and the authoriser it met it on is left pending, nothing recorded.
   */
  readonly onPlatformFault?: (fault: { readonly errCode: number; readonly errMsg: string }) => void;
  /** WeChat answered 45011, the platform's rate limit: the authoriser is tried again later, and the run should slow down. */
  readonly onRateLimited?: () => void;
  readonly now?: () => number;
}

/** A crash loses at most this much of finished calls' records (their jobs then run again). */
const RECORD_LINGER_MS = 10;

interface Done {
  readonly jobId: string;
  readonly finished?: Finished;
  readonly followUp?: { appid: string; startAfter: Date };
  /** Claimed but not called to an end (the platform's fault): left pending. */
  readonly released?: string;
}

/** What is recorded for an outcome the store refused (a value it cannot hold): failed, with the reason. */
function unrecordable(finished: Finished, error: unknown): Finished {
  const reason = error instanceof Error ? error.message : String(error);
  return { appid: finished.appid, state: 'failed', code: ProjectCode.TOKEN_STORE_FAILED, message: `batch:fail the outcome (${finished.code}) could not be recorded (${redact(reason)}): call this authoriser again with a new run`, tries: finished.tries };
}

/**
 * Finished calls, recorded a few at a time: follow-up jobs first, then the records, then pg-boss.
 * A crash between any two leaves a job that runs again, never an authoriser without one.
 */
function recorderOf(db: SqlDb, boss: PgBoss, run: RunRecord, queue: string): Coalescer<Done> {
  /**
   * The outcomes in one statement; when the store refuses that, each on its own, and one it still
   * refuses (a value it cannot hold) ends as failed with the reason: a job whose outcome cannot be
   * recorded would otherwise expire and run again forever. A store that refuses even that is down.
   */
  async function record(finished: readonly Finished[]): Promise<void> {
    try {
      await recordFinished(db, run.id, finished);
    } catch (error) {
      if (finished.length === 0) throw error;
      for (const one of finished) {
        await recordFinished(db, run.id, [one]).catch((refused: unknown) => recordFinished(db, run.id, [unrecordable(one, refused)]));
      }
    }
  }
  return new Coalescer<Done>(async (batch) => {
    const followUps = batch.flatMap((done) => (done.followUp ? [done.followUp] : []));
    await sendJobs(boss, run, followUps);
    await record(batch.flatMap((done) => (done.finished ? [done.finished] : [])));
    await releaseClaims(db, run.id, batch.flatMap((done) => (done.released ? [done.released] : [])));
    await boss.complete(queue, batch.map((done) => done.jobId));
  }, RECORD_LINGER_MS);
}

/**
 * What a call's result (decided, not a stop) leaves for the authoriser: its final state, or
 * pending/deferred with a follow-up job at the time decided. `tries` counts the calls before this
 * one; a try WeChat's platform rate limit refused is not counted.
 */
function doneOf(jobId: string, appid: string, result: OperationResult, decision: Exclude<Decision, { kind: 'stop' }>, tries: number): Done {
  const attempt = decision.kind === 'retry' && !decision.counted ? tries : tries + 1;
  const { errCode, errMsg, retryable: _retryable, attempts: _attempts, ...data } = result as OperationResult & Record<string, unknown>;
  const base = { appid, code: errCode, message: errMsg, tries: attempt, ...(Object.keys(data).length ? { data } : {}) };
  if (decision.kind === 'final') return { jobId, finished: { ...base, state: decision.outcome } };
  const at = decision.kind === 'defer' ? decision.until : decision.at;
  return { jobId, finished: { ...base, state: decision.kind === 'defer' ? 'deferred' : 'pending', notBefore: at }, followUp: { appid, startAfter: new Date(at) } };
}

/** Works the run until no job is ready or `shouldStop`; resolves with the number of jobs taken. */
export async function workRun(options: RunWorkerOptions): Promise<number> {
  const { db, boss, run } = options;
  const now = options.now ?? Date.now;
  const queue = queueOf(run.id);
  const call = (appid: string) => options.component.forAuthorizer(appid)[run.operation]!;
  const recorder = recorderOf(db, boss, run, queue);

  const inFlight = new Set<Promise<void>>();
  const working = new Set<string>();
  // A third of the job timeout: two beats can be missed before the claim lapses.
  const heartbeat = setInterval(() => {
    void extendClaims(db, run, [...working]).catch((error: unknown) => options.onError?.(error));
  }, Math.max(1000, (run.jobTimeout * 1000) / 3));
  let taken = 0;
  const handle = async (job: Job<JobData>, tries: number | undefined): Promise<void> => {
    const appid = job.data.appid;
    // Not claimed: finished, deferred to later, or being worked by a live worker. Nothing to call.
    if (tries === undefined) return recorder.add({ jobId: job.id });
    working.add(appid);
    try {
      await callAndRecord(job, appid, tries);
    } finally {
      working.delete(appid);
    }
  };
  const callAndRecord = async (job: Job<JobData>, appid: string, tries: number): Promise<void> => {
    let result = await call(appid)({ ...run.request });
    if (result.errCode === ProjectCode.NO_REFRESH_TOKEN && options.component.fetchRefreshToken) {
      // Named in a file, never listed: its refresh token comes with its authorisation info.
      const info = await options.component.fetchRefreshToken(appid);
      result = info.errCode === 0 ? await call(appid)({ ...run.request }) : info;
    }
    const decision = decide(result, options.alreadyHolds, tries + 1, now());
    if (decision.kind === 'stop') {
      await recorder.add({ jobId: job.id, released: appid });
      options.onPlatformFault?.({ errCode: result.errCode, errMsg: result.errMsg });
      return;
    }
    if (decision.kind === 'retry' && !decision.counted) options.onRateLimited?.();
    const done = doneOf(job.id, appid, result, decision, tries);
    await recorder.add(done);
    options.onFinished?.(done.finished!);
  };

  try {
    await takeJobs();
    await Promise.all(inFlight);
  } finally {
    clearInterval(heartbeat);
  }
  return taken;

  async function takeJobs(): Promise<void> {
    for (;;) {
      if (options.shouldStop()) break;
      const room = options.concurrency - inFlight.size;
      // Jobs are fetched in batches (one statement each for fetch, claim and completion), not one
      // per finished call: wait until half the room is free, unless nothing is in flight.
      if (room <= 0 || (inFlight.size > 0 && room < Math.ceil(options.concurrency / 2))) {
        await Promise.race(inFlight);
        continue;
      }
      const jobs = (await boss.fetch<JobData>(queue, { batchSize: room })) ?? [];
      if (jobs.length === 0) {
        if (inFlight.size === 0) break;
        await Promise.race(inFlight);
        continue;
      }
      taken += jobs.length;
      const claimed = await claim(db, run, jobs.map((job) => job.data.appid));
      await options.component.prime?.([...claimed.keys()]);
      for (const job of jobs) {
        const tries = claimed.get(job.data.appid);
        // Two jobs for one authoriser in one fetch: the claim is one, so only the first calls.
        claimed.delete(job.data.appid);
        const task: Promise<void> = handle(job, tries)
          .catch((error: unknown) => options.onError?.(error))
          .finally(() => inFlight.delete(task));
        inFlight.add(task);
      }
    }
  }
}
