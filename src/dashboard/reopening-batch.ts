/**
 * The dashboard's batch over its long life. Started while another process owns the embedded store,
 * it reads through that owner (the library's live reads); when that owner ends, its reads fail with
 * the store. Then the batch is opened again, once, and the read asked again: it finds the store free
 * (and holds it from then on) or another owner to read through. Never while a drive of the
 * dashboard's own is under way: that drive holds the batch, and the store with it.
 */
import { ProjectCode } from '../core/codes';
import type { DashboardBatch } from './batch-port';

export function reopeningBatch(open: () => DashboardBatch, driving: () => boolean): DashboardBatch {
  let batch = open();
  let reopening: Promise<void> | undefined;

  async function read<R extends { errCode: number }>(ask: (current: DashboardBatch) => Promise<R>): Promise<R> {
    const asked = batch;
    const result = await ask(asked);
    if (result.errCode !== ProjectCode.TOKEN_STORE_FAILED || driving()) return result;
    if (batch === asked) {
      reopening ??= (async () => {
        const old = batch;
        batch = open();
        await old.close();
      })().finally(() => (reopening = undefined));
    }
    await reopening;
    return ask(batch);
  }

  return {
    runs: () => read((current) => current.runs()),
    status: (runId) => read((current) => current.status(runId)),
    itemsPage: (runId, query) => read((current) => current.itemsPage(runId, query)),
    retry: (runId, options) => batch.retry(runId, options),
    resume: (runId, options) => batch.resume(runId, options),
    cancel: (runId) => batch.cancel(runId),
    close: () => batch.close(),
  };
}
