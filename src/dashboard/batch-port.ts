/**
 * What the dashboard asks of the batch library: the Batch that openBatch answers, with its steering
 * methods (runs, retry, cancel, resume with a rate, itemsPage, status by code). The page and the
 * command line share that one implementation; naming the part used keeps the server's tests to it.
 */
import type { Batch, BatchCounts, BatchItemQuery, BatchItemState, BatchRunState, BatchRunSummary } from '../batch/api-types';

export type RunState = BatchRunState;
export type ItemState = BatchItemState;
export type Counts = BatchCounts;
export type RunSummary = BatchRunSummary;
export type ItemQuery = BatchItemQuery;

export type DashboardBatch = Pick<Batch, 'runs' | 'status' | 'itemsPage' | 'retry' | 'cancel' | 'resume' | 'close'>;
