/**
 * Steering a run that exists: resume (list on, work what is left, at a new rate if asked), retry
 * (put the failed authorisers back to work, all or those of some codes) and cancel.
 */
import { OperationError } from '../core/errors';
import type { OperationResult } from '../core/engine';
import { checkAuthorizers, checkSteerOptions, invalid, type CheckedAuthorizers } from './api-options';
import type { BatchCancelResult, BatchResumeOptions, BatchRetryOptions, BatchRunResult } from './api-types';
import { requeuePending } from './drive';
import { cancelRun as cancelPending, countRun, readRun, reopenForRetry, setRunRate, type RunRecord } from './runs';
import { driveToEnd } from './run-driving';
import { pagesOf } from './run-sources';
import { answer, findRun, ok, runIdProblem, type CallSession, type Sessions } from './session';

/**
 * resume and retry: the run found, its new rate kept, `reopen` (retry's) putting authorisers back
 * to work, every pending one given a job again; then onStart and the drive, as start's.
 */
function carryOn(sessions: Sessions, name: string, runId: string | undefined, raw: BatchResumeOptions & BatchRetryOptions, reopen?: (session: CallSession, run: RunRecord) => Promise<unknown>): Promise<BatchRunResult | OperationResult> {
  return answer(name, async () => {
    const problem = runIdProblem(runId) ?? checkSteerOptions(raw as Record<string, unknown>, reopen !== undefined);
    if (problem) return problem;
    const given = raw.authorizers === undefined ? undefined : await checkAuthorizers(raw.authorizers);
    if (given instanceof OperationError) return given;
    if (given && given.kind !== 'given') return invalid('the option authorizers of resume takes the appids given to start again (an array or any iterable); a run of "all" or { file } lists them again itself');
    const session = await sessions.openForCalls();
    if (session instanceof OperationError) return session;
    const found = await findRun(session, runId);
    if (found instanceof OperationError) return found;
    if (found.component !== session.platform.componentAppid) return invalid(`run ${found.id} belongs to the platform ${found.component}, not this componentAppid's: open the batch with that platform's credentials`);
    // A retry works the authorisers the run has; only resume insists on the program's list to finish listing.
    if (!found.listed && found.source === 'given' && !given && !reopen) return invalid(`run ${found.id} was started with the program's own authorisers and not all were enqueued: pass them again as authorizers`);
    if (raw.rate !== undefined) await setRunRate(session.store.db, found.id, raw.rate);
    const run = (await readRun(session.store.db, found.id))!;
    await reopen?.(session, run);
    // Anything a crash left without a job gets one again; the claim keeps each authoriser to one call.
    await requeuePending(session.store.db, session.store.boss, run);
    const source: CheckedAuthorizers | undefined = run.source === 'file' ? { kind: 'file', file: run.sourceFile! } : run.source === 'given' ? given : { kind: 'all' };
    return driveToEnd(name, session, run, run.listed || !source ? undefined : pagesOf(session, source, run.rate), raw);
  });
}

export const resumeRun = (sessions: Sessions, runId: string | undefined, raw: BatchResumeOptions): Promise<BatchRunResult | OperationResult> => carryOn(sessions, 'batch.resume', runId, raw);

export const retryRun = (sessions: Sessions, runId: string | undefined, raw: BatchRetryOptions): Promise<BatchRunResult | OperationResult> =>
  carryOn(sessions, 'batch.retry', runId, raw, (session, run) => reopenForRetry(session.store.db, run.id, raw.codes));

/** cancel: the run's pending and deferred authorisers are cancelled and its listing ended; a call in flight finishes. */
export function cancelRun(sessions: Sessions, runId: string | undefined): Promise<BatchCancelResult | OperationResult> {
  return answer('batch.cancel', async (): Promise<BatchCancelResult | OperationError> => {
    const problem = runIdProblem(runId);
    if (problem) return problem;
    const session = await sessions.open();
    if (session instanceof OperationError) return session;
    const run = await findRun(session, runId);
    if (run instanceof OperationError) return run;
    const cancelled = await cancelPending(session.store.db, run.id);
    return { ...ok('batch.cancel'), runId: run.id, cancelled, counts: await countRun(session.store.db, run.id) };
  });
}
