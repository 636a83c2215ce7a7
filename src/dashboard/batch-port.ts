/**
 * What the dashboard asks of the batch library: the Batch that openBatch answers, with its
 * steering methods (runs, retry, cancel, resume with a rate, itemsPage, status by code). The page
 * and the command line share that one implementation.
 */
import type { OperationResult } from '../core/engine';
import type { Batch, BatchCounts, BatchDriveOptions, BatchItemPage, BatchItemState, BatchResumeOptions, BatchRunInfo, BatchRunResult, BatchStatusResult } from '../batch/api-types';

export type RunState = 'listing' | 'running' | 'deferred' | 'finished' | 'cancelled';
export type ItemState = BatchItemState | 'cancelled';
export type Counts = BatchCounts & { readonly cancelled?: number };

export interface RunSummary extends BatchRunInfo {
  readonly pluginAppid?: string;
  readonly state: RunState;
  readonly counts: Counts;
}

export interface ItemQuery {
  readonly outcome?: ItemState;
  readonly code?: number;
  readonly search?: string;
  readonly onlyUnsuccessful?: boolean;
  readonly order?: 'appid' | 'newest';
  readonly cursor?: string;
  readonly pageSize?: number;
}

export type RunStatus = BatchStatusResult & {
  readonly counts?: Counts;
  readonly byCode?: ReadonlyArray<{ readonly state: ItemState; readonly code: number | null; readonly count: number }>;
  readonly state?: RunState;
};

export interface DashboardBatch {
  runs(): Promise<OperationResult & { readonly runs?: readonly RunSummary[] }>;
  status(runId?: string): Promise<RunStatus>;
  itemsPage(runId: string, query?: ItemQuery): Promise<BatchItemPage & { readonly next?: string }>;
  retry(runId?: string, options?: BatchDriveOptions & { readonly codes?: readonly number[]; readonly rate?: number }): Promise<BatchRunResult>;
  cancel(runId?: string): Promise<OperationResult & { readonly runId?: string; readonly cancelled?: number; readonly counts?: Counts }>;
  resume(runId?: string, options?: BatchResumeOptions & { readonly rate?: number }): Promise<BatchRunResult>;
  close: Batch['close'];
}
