/**
 * What a Batch reports from its store: the runs, one run's status, its authorisers page by page
 * (all, or a filtered page with a cursor). Reports only read: a store another process owns is
 * read through it, and none is created.
 */
import { failureResult, type OperationResult } from '../core/engine';
import { OperationError } from '../core/errors';
import { checkItemQuery, encodeCursor, invalid } from './api-options';
import type { BatchItem, BatchItemCursorPage, BatchItemPage, BatchItemQuery, BatchRunsResult, BatchStatusResult } from './api-types';
import { runStateOf } from './outcome';
import { countByCode, countRun, itemPage, items as storedItems, listRuns, liveJobs, nextDeferred } from './runs';
import { infoOf, itemOf, summaryOf } from './run-views';
import { answer, findRun, ok, runIdProblem, storeFailure, type Sessions } from './session';

export function listAllRuns(sessions: Sessions): Promise<BatchRunsResult | OperationResult> {
  return answer('batch.runs', async (): Promise<BatchRunsResult | OperationError> => {
    const session = await sessions.open(true);
    if (session instanceof OperationError) return session;
    return { ...ok('batch.runs'), runs: (await listRuns(session.store.db)).map(summaryOf) };
  });
}

export function runStatus(sessions: Sessions, runId: string | undefined): Promise<BatchStatusResult | OperationResult> {
  return answer('batch.status', async (): Promise<BatchStatusResult | OperationError> => {
    const problem = runIdProblem(runId);
    if (problem) return problem;
    const session = await sessions.open(true);
    if (session instanceof OperationError) return session;
    const run = await findRun(session, runId);
    if (run instanceof OperationError) return run;
    const { db } = session.store;
    const [counts, byCode, jobs, deferredUntil] = [await countRun(db, run.id), await countByCode(db, run.id), await liveJobs(db, run.id), await nextDeferred(db, run.id)];
    return { ...ok('batch.status'), run: infoOf(run), state: runStateOf(run.listed, counts), counts, byCode, jobs, ...(deferredUntil ? { deferredUntil } : {}) };
  });
}

/** One page of a run's authorisers, filtered and ordered as asked, with the cursor of the next. */
export async function runItemsPage(sessions: Sessions, runId: string, raw: BatchItemQuery | undefined): Promise<BatchItemCursorPage> {
  const result = await answer('batch.itemsPage', async (): Promise<BatchItemCursorPage | OperationError> => {
    const problem = runId === undefined ? invalid('itemsPage takes the run id start() answered as runId') : runIdProblem(runId);
    if (problem) return problem;
    const query = checkItemQuery(raw);
    if (query instanceof OperationError) return query;
    const session = await sessions.open(true);
    if (session instanceof OperationError) return session;
    const run = await findRun(session, runId);
    if (run instanceof OperationError) return run;
    const page = await itemPage(session.store.db, run.id, query);
    return { ...ok('batch.itemsPage'), items: page.rows.map(itemOf), ...(page.next ? { next: encodeCursor(query.order, page.next) } : {}) };
  });
  // A failure answers an empty page, so a caller's loop over items ends.
  return ('items' in result ? result : { ...result, items: [] }) as BatchItemCursorPage;
}

/** Every authoriser of a run (or only those not succeeded), `pageSize` at a time. */
export async function* runItems(sessions: Sessions, runId: string, raw: { readonly onlyUnsuccessful?: boolean; readonly pageSize?: number }): AsyncGenerator<BatchItemPage> {
  const name = 'batch.items';
  const refused = (error: OperationError): BatchItemPage => ({ ...failureResult(name, error, 0), items: [] });
  const pageSize = raw.pageSize ?? 1000;
  const problem = runId === undefined ? invalid('items takes the run id start() answered as runId') : runIdProblem(runId);
  if (problem || !(Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= 10_000)) {
    yield refused(problem ?? invalid('the option pageSize takes a whole number from 1 to 10000, or leave it out for 1000'));
    return;
  }
  let page: BatchItem[] = [];
  try {
    const session = await sessions.open(true);
    if (session instanceof OperationError) {
      yield refused(session);
      return;
    }
    const run = await findRun(session, runId);
    if (run instanceof OperationError) {
      yield refused(run);
      return;
    }
    for await (const row of storedItems(session.store.db, run.id, raw.onlyUnsuccessful === true, pageSize)) {
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
