/** What a Batch answers about a run and its authorisers, built from the store's rows. */
import type { BatchItem, BatchOperationName, BatchRunInfo, BatchRunSummary } from './api-types';
import type { Finished, ItemRow, RunRecord, RunSummaryRecord } from './runs';

export function infoOf(run: RunRecord): BatchRunInfo {
  return { runId: run.id, operation: run.operation as BatchOperationName, request: run.request, source: run.source, rate: run.rate, jobTimeout: run.jobTimeout, listed: run.listed, createdAt: run.createdAt };
}

export function itemOf(row: ItemRow): BatchItem {
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

export function summaryOf({ run, counts, state }: RunSummaryRecord): BatchRunSummary {
  const plugin = run.request.pluginAppid;
  return { ...infoOf(run), ...(typeof plugin === 'string' ? { pluginAppid: plugin } : {}), state, counts };
}

/** An authoriser a worker just finished, as onFinished hears it. */
export const finishedItem = (finished: Finished): BatchItem =>
  itemOf({ appid: finished.appid, state: finished.state, code: finished.code, message: finished.message, tries: finished.tries, notBefore: finished.notBefore === undefined ? null : new Date(finished.notBefore), data: finished.data ?? null });
