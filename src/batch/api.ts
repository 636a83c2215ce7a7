/**
 * Batch runs from a program: `openBatch(options)` answers a Batch whose start, resume, status,
 * items and work are what `wxplugin batch` and `wxplugin worker` do (the command line is a thin
 * layer over this). A run is durable on pg-boss: each authoriser one job, done at most once with
 * success; a crash loses nothing; any number of processes sharing a PostgreSQL server work it.
 *
 * Nothing rejects or throws: every answer is `{ errCode, errMsg, retryable, attempts, ... }`. Bad
 * options answer a project code and open or send nothing. The store (and with it pg-boss, PGlite
 * or pg) is opened on first use, so loading the package loads none of them.
 *
 * This file only assembles the Batch: its session (session.ts), run creation (run-creation.ts),
 * steering (run-steering.ts), driving (run-driving.ts) and reports (run-reports.ts).
 */
import { OperationError } from '../core/errors';
import { checkBatchOptions, checkWorkOptions, invalid, unknownOption } from './api-options';
import type { Batch, BatchOptions, BatchWorkResult } from './api-types';
import { startRun } from './run-creation';
import { workRuns } from './run-driving';
import { listAllRuns, runItems, runItemsPage, runStatus } from './run-reports';
import { cancelRun, resumeRun, retryRun } from './run-steering';
import { answer, batchSessions } from './session';

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function openBatch(options: BatchOptions): Batch {
  const sessions = batchSessions(checkBatchOptions(options, process.versions.node));
  return {
    start: (raw) => startRun(sessions, raw),
    resume: (runId, raw = {}) => resumeRun(sessions, runId, raw),
    retry: (runId, raw = {}) => retryRun(sessions, runId, raw),
    cancel: (runId) => cancelRun(sessions, runId),
    runs: () => listAllRuns(sessions),
    itemsPage: (runId, raw) => runItemsPage(sessions, runId, raw),
    status: (runId) => runStatus(sessions, runId),
    items: (runId, raw = {}) => runItems(sessions, runId, raw),
    work: (raw = {}) =>
      answer('batch.work', async (): Promise<BatchWorkResult | OperationError> => {
        const problem = isPlainObject(raw) ? (unknownOption(raw, 'work') ?? checkWorkOptions(raw)) : invalid('work takes an options object, or none');
        if (problem) return problem;
        const session = await sessions.openForCalls();
        if (session instanceof OperationError) return session;
        return workRuns(session, raw);
      }),
    close: () => sessions.close(),
  } as Batch;
}
