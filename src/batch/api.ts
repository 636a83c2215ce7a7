/**
 * Batch runs from a program: `openBatch(options)` answers a Batch whose start, resume, status,
 * items and work are what `wxplugin batch` and `wxplugin worker` do (the command line is a thin
 * layer over this). A run is durable on pg-boss: each authoriser one job, done at most once with
 * success; a crash loses nothing; any number of processes sharing a PostgreSQL server work it.
 *
 * Nothing rejects or throws: every answer is `{ errCode, errMsg, retryable, attempts, ... }`. Bad
 * options answer a project code and open or send nothing. The store (and with it pg-boss, PGlite
 * or pg) is opened on first use, so loading the package loads none of them.
 */
import { ProjectCode } from '../core/codes';
import { failureResult, type OperationResult } from '../core/engine';
import { OperationError } from '../core/errors';
import { APPID_PATTERN, shownValue } from '../core/fields';
import { redact } from '../core/redact';
import { ok as okAfter } from '../core/result';
import { checkAuthorizers, checkBatchOptions, checkItemQuery, checkStart, checkSteerOptions, checkWorkOptions, encodeCursor, invalid, operationNamed, unknownOption, type CheckedAuthorizers, type CheckedBatchOptions } from './api-options';
import type { Batch, BatchCancelResult, BatchDriveOptions, BatchItem, BatchItemCursorPage, BatchItemPage, BatchOperationName, BatchOptions, BatchResumeOptions, BatchRetryOptions, BatchRunInfo, BatchRunResult, BatchRunsResult, BatchRunSummary, BatchStatusResult, BatchWorkOptions, BatchWorkResult } from './api-types';
import { authorizerFilePages } from './authorizer-file';
import type { BatchComponent } from './component';
import { StoreBusyError } from './dir-lock';
import { driveRun, requeuePending } from './drive';
import { DEFAULT_RATE, ensureRateRow } from './limiter';
import { defaultConcurrency } from './limits';
import { isPlatformFault } from '../component/platform-faults';
import { keepTicket, listedPages, pacedComponent, rateKey, type Platform } from './paced-component';
import { platformRate } from './platform-rate';
import { runStateOf } from './outcome';
import { cancelRun, countByCode, countRun, createRun, itemPage, items as storedItems, latestRun, listRuns, liveJobs, newRunId, nextDeferred, openRuns, readRun, reopenForRetry, setRunRate, type Finished, type ItemRow, type RunRecord, type RunSummaryRecord } from './runs';
import { openStore, StoreMissingError, type BatchStore } from './store';
import { workRun, type RunWorkerOptions } from './worker';

/** How often onProgress hears the counts while a run is driven. */
const PROGRESS_EVERY_MS = 1000;
/** Authorisers given by the program are enqueued this many at a time. */
const GIVEN_PAGE = 500;

/** A batch step's success, built by the core's one result builder (a step counts as one attempt). */
const ok = (name: string): OperationResult => okAfter(name, 1);

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const firstLine = (error: unknown): string => redact(error instanceof Error ? error.message : String(error));

function storeFailure(what: string, error: unknown): OperationError {
  if (error instanceof StoreMissingError) return new OperationError(ProjectCode.BATCH_RUN_NOT_FOUND, { detail: error.message, cause: error });
  if (error instanceof StoreBusyError) return new OperationError(ProjectCode.TOKEN_STORE_FAILED, { detail: error.message, cause: error });
  return new OperationError(ProjectCode.TOKEN_STORE_FAILED, { detail: `the batch store ${what} (${firstLine(error)}): check the store (its folder and permissions, or its database), then try again`, cause: error });
}

/** A caller's callback never breaks a run: what it throws is dropped. */
function tell<A extends unknown[]>(callback: ((...args: A) => void) | undefined, ...args: A): void {
  try {
    callback?.(...args);
  } catch {
    // The caller's own failure; the run carries on.
  }
}

function infoOf(run: RunRecord): BatchRunInfo {
  return { runId: run.id, operation: run.operation as BatchOperationName, request: run.request, source: run.source, rate: run.rate, jobTimeout: run.jobTimeout, listed: run.listed, createdAt: run.createdAt };
}

function itemOf(row: ItemRow): BatchItem {
  return {
    authorizerAppid: row.appid,
    state: row.state,
    errCode: row.code,
    errMsg: row.message,
    tries: row.tries,
    ...(row.notBefore && row.state !== 'succeeded' ? { notBefore: row.notBefore } : {}),
    ...(row.data ? { data: row.data } : {}),
    ...(row.finishedAt ? { finishedAt: row.finishedAt } : {}),
  };
}

function summaryOf({ run, counts, state }: RunSummaryRecord): BatchRunSummary {
  const plugin = run.request.pluginAppid;
  return { ...infoOf(run), ...(typeof plugin === 'string' ? { pluginAppid: plugin } : {}), state, counts };
}

/** A run id given is text (checked before the store is opened). */
const runIdProblem = (runId: unknown): OperationError | undefined =>
  runId !== undefined && (typeof runId !== 'string' || runId === '') ? invalid('the run id must be the text start() answered as runId, or left out for the newest run') : undefined;

const finishedItem = (finished: Finished): BatchItem =>
  itemOf({ appid: finished.appid, state: finished.state, code: finished.code, message: finished.message, tries: finished.tries, notBefore: finished.notBefore === undefined ? null : new Date(finished.notBefore), data: finished.data ?? null });

/** The program's authorisers, a page at a time, each checked as it comes: a bad one ends the listing. */
async function* givenPages(appids: Iterable<string> | AsyncIterable<string>): AsyncGenerator<string[]> {
  let page: string[] = [];
  let index = 0;
  try {
    for await (const appid of appids as AsyncIterable<string>) {
      if (typeof appid !== 'string' || !APPID_PATTERN.test(appid)) {
        throw new OperationError(ProjectCode.INVALID_APPID, { detail: `authorizers:fail authoriser #${index} given is not an appid: pass "wx" followed by 16 lowercase hex digits` });
      }
      index += 1;
      page.push(appid);
      if (page.length === GIVEN_PAGE) {
        yield page;
        page = [];
      }
    }
  } catch (error) {
    if (error instanceof OperationError) throw error;
    throw new OperationError(ProjectCode.BATCH_OPTIONS_INVALID, { detail: `authorizers:fail the authorisers given could not be read (${firstLine(error)}): fix what iterates them` });
  }
  if (page.length) yield page;
}

/** A run's file, read again a page at a time: a file gone or unreadable since ends the listing, said so. */
async function* filePages(file: string): AsyncGenerator<string[]> {
  try {
    yield* authorizerFilePages(file);
  } catch (error) {
    throw new OperationError(ProjectCode.BATCH_OPTIONS_INVALID, { detail: `authorizers:fail the run's file of authorisers could not be read (${firstLine(error)}): put it back where it was when the run started, then resume` });
  }
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

/** The platform's own fault, once a worker met it: the drive stops, and answers it. */
interface FaultSeen {
  seen?: { readonly errCode: number; readonly errMsg: string };
}

interface Session {
  readonly store: BatchStore;
  component(rate: number): BatchComponent;
  /**
   * The component at the default rate, before a run has a rate of its own; `adopt` then keeps it
   * for `rate`, so the run goes on with the same client (its tokens, a platform fault it met).
   */
  provisional(): BatchComponent;
  adopt(rate: number, component: BatchComponent): void;
}

export function openBatch(options: BatchOptions): Batch {
  const checked: CheckedBatchOptions | OperationError = checkBatchOptions(options, process.versions.node);
  const platform: Platform | undefined = checked instanceof OperationError ? undefined : checked.platform;
  let opening: Promise<Session> | undefined;
  let closed = false;

  async function openSession(settings: CheckedBatchOptions, reading: boolean): Promise<Session> {
    // Reads (status, items) of an embedded store another process owns go through that process.
    const store = await openStore({ ...settings.store, dir: settings.store.dir ?? '', readThroughOwner: reading });
    const components = new Map<number, BatchComponent>();
    return {
      store,
      component(rate) {
        if (!components.has(rate)) components.set(rate, pacedComponent(store.db, platform!, rate));
        return components.get(rate)!;
      },
      provisional: () => pacedComponent(store.db, platform!, DEFAULT_RATE),
      adopt(rate, component) {
        component.setRate?.(rate);
        if (!components.has(rate)) components.set(rate, component);
      },
    };
  }

  /**
   * The session, opened on first use; a failed opening is tried again next time. `reading`: only
   * reads will follow, so a store another process owns may be read through it. A session that only
   * reads is replaced when work is asked for (then refused if the owner still holds the store).
   */
  async function open(reading = false): Promise<Session | OperationError> {
    if (checked instanceof OperationError) return checked;
    if (closed) return invalid('this batch is closed: open another with openBatch');
    if (!reading && opening) {
      const current = await opening.catch(() => undefined);
      if (current?.store.readOnly) {
        opening = undefined;
        await current.store.close();
      }
    }
    opening ??= openSession(checked, reading).catch((error: unknown) => {
      opening = undefined;
      throw error;
    });
    try {
      return await opening;
    } catch (error) {
      return storeFailure('could not be opened', error);
    }
  }

  let prepared = false;
  /** The session for calls to WeChat: the credentials complete, the ticket kept, the rate row there. */
  async function openForCalls(): Promise<Session | OperationError> {
    if (!(checked instanceof OperationError) && checked.credentialsProblem) return checked.credentialsProblem;
    const session = await open();
    if (session instanceof OperationError || prepared) return session;
    await keepTicket(session.store.db, platform!);
    await ensureRateRow(session.store.db, rateKey(platform!.componentAppid));
    prepared = true;
    return session;
  }

  /** Runs `work`; anything it throws (the store failing mid-way) becomes an answer. */
  async function answer<R extends OperationResult>(name: string, work: () => Promise<R | OperationError>): Promise<R | OperationResult> {
    try {
      const result = await work();
      return result instanceof OperationError ? failureResult(name, result, 0) : result;
    } catch (error) {
      return failureResult(name, storeFailure('failed', error), 1);
    }
  }

  async function findRun(session: Session, runId: string | undefined): Promise<RunRecord | OperationError> {
    const run = runId ? await readRun(session.store.db, runId) : await latestRun(session.store.db);
    if (!run) return new OperationError(ProjectCode.BATCH_RUN_NOT_FOUND, { detail: runId ? `no run ${shownValue(runId)} in this store: pass a run id start() answered for this store, or none for the newest` : 'this store holds no run yet: start one first' });
    return run;
  }

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

  async function drive(name: string, session: Session, run: RunRecord, pages: AsyncIterable<readonly string[]> | undefined, options: BatchDriveOptions): Promise<BatchRunResult> {
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
    if (platformFault) {
      const detail = `${platformFault.errMsg.replace(/^[\w.]+:fail /, '')}`;
      return { ...failureResult(name, new OperationError(platformFault.errCode, { detail }), 1), ...ended, kind: 'platformFault' as const, platformFault };
    }
    if (end.kind !== 'listingFailed') return { ...ok(name), ...ended };
    const detail = `listing the authorisers failed, so the run is not all enqueued (${end.errMsg}): resume the run to list again`;
    return { ...failureResult(name, new OperationError(end.errCode, { detail }), 1), ...ended, listing: { errCode: end.errCode, errMsg: end.errMsg } };
  }

  /**
   * The rate of a run started without one: half WeChat's figure for the platform, asked with one
   * authoriser's token (the file's first, the program's first when it is an array, or the
   * listing's first), else the default.
   */
  async function defaultRate(component: BatchComponent, source: CheckedAuthorizers): Promise<number> {
    let probe: string | undefined;
    try {
      if (source.kind === 'file') {
        for await (const page of authorizerFilePages(source.file)) {
          probe = page[0];
          break;
        }
      } else if (source.kind === 'given') probe = Array.isArray(source.appids) ? (source.appids[0] as string | undefined) : undefined;
      else {
        for await (const page of component.listAuthorizers({ pageSize: 1 })) {
          probe = page.authorizers[0]?.authorizerAppid;
          break;
        }
      }
    } catch {
      // No authoriser to ask: the default rate.
    }
    return (await platformRate(component, probe)).rate;
  }

  /**
   * resume and retry: the run found, its new rate kept, `reopen` (retry's) putting authorisers back
   * to work, every pending one given a job again; then onStart and the drive, as start's.
   */
  function carryOn(name: string, runId: string | undefined, raw: BatchResumeOptions & BatchRetryOptions, reopen?: (session: Session, run: RunRecord) => Promise<unknown>): Promise<BatchRunResult> {
    return answer(name, async () => {
      const problem = runIdProblem(runId) ?? checkSteerOptions(raw as Record<string, unknown>, reopen !== undefined);
      if (problem) return problem;
      const given = raw.authorizers === undefined ? undefined : await checkAuthorizers(raw.authorizers);
      if (given instanceof OperationError) return given;
      if (given && given.kind !== 'given') return invalid('the option authorizers of resume takes the appids given to start again (an array or any iterable); a run of "all" or { file } lists them again itself');
      const session = await openForCalls();
      if (session instanceof OperationError) return session;
      const found = await findRun(session, runId);
      if (found instanceof OperationError) return found;
      if (found.component !== platform!.componentAppid) return invalid(`run ${found.id} belongs to the platform ${found.component}, not this componentAppid's: open the batch with that platform's credentials`);
      // A retry works the authorisers the run has; only resume insists on the program's list to finish listing.
      if (!found.listed && found.source === 'given' && !given && !reopen) return invalid(`run ${found.id} was started with the program's own authorisers and not all were enqueued: pass them again as authorizers`);
      if (raw.rate !== undefined) await setRunRate(session.store.db, found.id, raw.rate);
      const run = (await readRun(session.store.db, found.id))!;
      await reopen?.(session, run);
      // Anything a crash left without a job gets one again; the claim keeps each authoriser to one call.
      await requeuePending(session.store.db, session.store.boss, run);
      const source: CheckedAuthorizers | undefined = run.source === 'file' ? { kind: 'file', file: run.sourceFile! } : run.source === 'given' ? given : { kind: 'all' };
      return drive(name, session, run, run.listed || !source ? undefined : pagesOf(session, source, run.rate), raw);
    });
  }

  const pagesOf = (session: Session, source: CheckedAuthorizers, rate: number): AsyncIterable<readonly string[]> =>
    source.kind === 'all' ? listedPages(session.component(rate)) : source.kind === 'file' ? filePages(source.file) : givenPages(source.appids);

  return {
    start: (raw) =>
      answer('batch.start', async () => {
        const start = await checkStart(raw);
        if (start instanceof OperationError) return start;
        const session = await openForCalls();
        if (session instanceof OperationError) return session;
        const { db, boss } = session.store;
        const source = start.authorizers;
        let rate = start.rate;
        if (rate === undefined) {
          const provisional = session.provisional();
          rate = await defaultRate(provisional, source);
          session.adopt(rate, provisional);
        }
        const id = newRunId(new Date());
        await createRun(db, boss, {
          id,
          component: platform!.componentAppid,
          operation: start.operation.name,
          request: start.request,
          source: source.kind,
          ...(source.kind === 'file' ? { sourceFile: source.file } : {}),
          rate,
          jobTimeout: start.jobTimeout,
        });
        const run = (await readRun(db, id))!;
        return drive('batch.start', session, run, pagesOf(session, source, run.rate), raw);
      }),

    resume: (runId, raw = {}) => carryOn('batch.resume', runId, raw),

    retry: (runId, raw = {}) => carryOn('batch.retry', runId, raw, (session, run) => reopenForRetry(session.store.db, run.id, raw.codes)),

    cancel: (runId) =>
      answer('batch.cancel', async (): Promise<BatchCancelResult | OperationError> => {
        const problem = runIdProblem(runId);
        if (problem) return problem;
        const session = await open();
        if (session instanceof OperationError) return session;
        const run = await findRun(session, runId);
        if (run instanceof OperationError) return run;
        const cancelled = await cancelRun(session.store.db, run.id);
        return { ...ok('batch.cancel'), runId: run.id, cancelled, counts: await countRun(session.store.db, run.id) };
      }),

    runs: () =>
      answer('batch.runs', async (): Promise<BatchRunsResult | OperationError> => {
        const session = await open(true);
        if (session instanceof OperationError) return session;
        return { ...ok('batch.runs'), runs: (await listRuns(session.store.db)).map(summaryOf) };
      }),

    itemsPage: (runId, raw) =>
      answer('batch.itemsPage', async (): Promise<BatchItemCursorPage | OperationError> => {
        const problem = runId === undefined ? invalid('itemsPage takes the run id start() answered as runId') : runIdProblem(runId);
        if (problem) return problem;
        const query = checkItemQuery(raw);
        if (query instanceof OperationError) return query;
        const session = await open(true);
        if (session instanceof OperationError) return session;
        const run = await findRun(session, runId);
        if (run instanceof OperationError) return run;
        const page = await itemPage(session.store.db, run.id, query);
        return { ...ok('batch.itemsPage'), items: page.rows.map(itemOf), ...(page.next ? { next: encodeCursor(query.order, page.next) } : {}) };
      }).then((result) => ('items' in result ? result : { ...result, items: [] })) as Promise<BatchItemCursorPage>,

    status: (runId) =>
      answer('batch.status', async (): Promise<BatchStatusResult | OperationError> => {
        const problem = runIdProblem(runId);
        if (problem) return problem;
        const session = await open(true);
        if (session instanceof OperationError) return session;
        const run = await findRun(session, runId);
        if (run instanceof OperationError) return run;
        const { db } = session.store;
        const [counts, byCode, jobs, deferredUntil] = [await countRun(db, run.id), await countByCode(db, run.id), await liveJobs(db, run.id), await nextDeferred(db, run.id)];
        return { ...ok('batch.status'), run: infoOf(run), state: runStateOf(run.listed, counts), counts, byCode, jobs, ...(deferredUntil ? { deferredUntil } : {}) };
      }),

    items: (runId, raw = {}) => itemPages(runId, raw),

    work: (raw = {}) =>
      answer('batch.work', async (): Promise<BatchWorkResult | OperationError> => {
        const problem = isPlainObject(raw) ? (unknownOption(raw, 'work') ?? checkWorkOptions(raw)) : invalid('work takes an options object, or none');
        if (problem) return problem;
        const session = await openForCalls();
        if (session instanceof OperationError) return session;
        return workRuns(session, raw);
      }),

    async close() {
      closed = true;
      const session = await opening?.catch(() => undefined);
      opening = undefined;
      await session?.store.close().catch(() => undefined);
    },
  } as Batch;

  async function* itemPages(runId: string, raw: { readonly onlyUnsuccessful?: boolean; readonly pageSize?: number }): AsyncGenerator<BatchItemPage> {
    const name = 'batch.items';
    const pageSize = raw.pageSize ?? 1000;
    const problem = runId === undefined ? invalid('items takes the run id start() answered as runId') : runIdProblem(runId);
    if (problem || !(Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= 10_000)) {
      yield { ...failureResult(name, problem ?? invalid('the option pageSize takes a whole number from 1 to 10000, or leave it out for 1000'), 0), items: [] };
      return;
    }
    let page: BatchItem[] = [];
    try {
      const session = await open(true);
      const run = session instanceof OperationError ? session : await findRun(session, runId);
      if (run instanceof OperationError) {
        yield { ...failureResult(name, run, 0), items: [] };
        return;
      }
      for await (const row of storedItems((session as Session).store.db, run.id, raw.onlyUnsuccessful === true, pageSize)) {
        page.push(itemOf(row));
        if (page.length === pageSize) {
          yield { ...ok(name), items: page };
          page = [];
        }
      }
    } catch (error) {
      yield { ...failureResult(name, storeFailure('failed', error), 1), items: [] };
      return;
    }
    if (page.length) yield { ...ok(name), items: page };
  }

  async function workRuns(session: Session, options: BatchWorkOptions & { readonly exitWhenIdle?: boolean }): Promise<BatchWorkResult> {
    const { db } = session.store;
    const stopping = () => options.signal?.aborted === true;
    const fault: FaultSeen = {};
    let taken = 0;
    while (!stopping()) {
      const runs = (await openRuns(db)).filter((run) => run.component === platform!.componentAppid);
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
      if (fault.seen) {
        const detail = fault.seen.errMsg.replace(/^[\w.]+:fail /, '');
        return { ...failureResult('batch.work', new OperationError(fault.seen.errCode, { detail }), 1), taken: taken + round, stopped: true };
      }
      taken += round;
      if (runs.length === 0 && options.exitWhenIdle === true) break;
      if (round === 0) await abortableSleep(runs.length ? 250 : 1000, options.signal);
    }
    return { ...ok('batch.work'), taken, stopped: stopping() };
  }
}

async function* markEnd<T>(source: AsyncIterable<T>, onEnd: () => void): AsyncGenerator<T> {
  yield* source;
  onEnd();
}
