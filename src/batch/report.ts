/**
 * A run's report, streamed (never every authoriser in memory): counts by outcome and each
 * authoriser that did not succeed with its code and message; or, with --json, one object per
 * finished authoriser and then the totals.
 */
import type { BatchItem } from './api-types';
import type { Counts } from './outcome';

/** The last line of --json: the run and its counts (`pending` and `cancelled` only when some are). */
export function summaryLine(runId: string, counts: Counts): string {
  const { pending, cancelled, ...rest } = counts;
  return JSON.stringify({ run: runId, ...rest, ...(pending ? { pending } : {}), ...(cancelled ? { cancelled } : {}) });
}

function itemObject(item: BatchItem): Record<string, unknown> {
  return {
    authorizer: item.authorizerAppid,
    outcome: item.state,
    errCode: item.errCode,
    errMsg: item.errMsg,
    tries: item.tries,
    ...(item.state === 'deferred' && item.notBefore ? { deferredUntil: item.notBefore.toISOString() } : {}),
    ...(item.data ?? {}),
  };
}

/** `items`: every authoriser of the run, in appid order. */
export async function writeJsonReport(items: AsyncIterable<BatchItem>, runId: string, counts: Counts, write: (text: string) => void): Promise<void> {
  for await (const item of items) {
    if (item.state === 'pending') continue;
    write(`${JSON.stringify(itemObject(item))}\n`);
  }
  write(`${summaryLine(runId, counts)}\n`);
}

export function countsText(counts: Counts): string {
  const parts = [`${counts.succeeded} succeeded`, `${counts.alreadyDone} already so`, `${counts.notAuthorised} not authorised (61007)`, `${counts.deferred} deferred`, `${counts.failed} failed`];
  if (counts.pending) parts.push(`${counts.pending} pending`);
  if (counts.cancelled) parts.push(`${counts.cancelled} cancelled`);
  return `${counts.total} authorisers: ${parts.join(', ')}`;
}

/** `unsuccessful`: the run's authorisers that did not succeed (nor already were so), in appid order. */
export async function writeTextReport(unsuccessful: AsyncIterable<BatchItem>, runId: string, counts: Counts, write: (text: string) => void): Promise<void> {
  write(`run ${runId}: ${countsText(counts)}\n`);
  let header = false;
  for await (const item of unsuccessful) {
    if (!header) {
      write('Not succeeded:\n');
      header = true;
    }
    const when = item.state === 'deferred' && item.notBefore ? ` (until ${item.notBefore.toISOString()})` : '';
    write(`  ${item.authorizerAppid}  ${item.state}${when}  ${item.errCode ?? '-'}  ${item.errMsg ?? 'not called yet'}\n`);
  }
}
