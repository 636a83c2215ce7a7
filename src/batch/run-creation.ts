/** `start`: a new run made in the store (its rate asked of WeChat when none is given), then driven here. */
import { OperationError } from '../core/errors';
import type { OperationResult } from '../core/engine';
import { checkStart } from './api-options';
import type { BatchRunResult, BatchStartOptions } from './api-types';
import { createRun, newRunId, readRun } from './runs';
import { driveToEnd } from './run-driving';
import { defaultRate, pagesOf } from './run-sources';
import { answer, type Sessions } from './session';

export function startRun(sessions: Sessions, raw: BatchStartOptions): Promise<BatchRunResult | OperationResult> {
  return answer('batch.start', async () => {
    const start = await checkStart(raw);
    if (start instanceof OperationError) return start;
    const session = await sessions.openForCalls();
    if (session instanceof OperationError) return session;
    const { db, boss } = session.store;
    const source = start.authorizers;
    let rate = start.rate;
    if (rate === undefined) {
      // The client that asked keeps the run's rate: its tokens, and a platform fault it met, go on with it.
      const provisional = session.provisional();
      rate = await defaultRate(provisional, source);
      session.adopt(rate, provisional);
    }
    const id = newRunId(new Date());
    await createRun(db, boss, {
      id,
      component: session.platform.componentAppid,
      operation: start.operation.name,
      request: start.request,
      source: source.kind,
      ...(source.kind === 'file' ? { sourceFile: source.file } : {}),
      rate,
      jobTimeout: start.jobTimeout,
    });
    const run = (await readRun(db, id))!;
    return driveToEnd('batch.start', session, run, pagesOf(session, source, run.rate), raw);
  });
}
