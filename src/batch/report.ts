/**
 * A run's report, streamed from the store (never every authoriser in memory): counts by outcome and
 * each authoriser that did not succeed with its code and message; or, with --json, one object per
 * finished authoriser and then the totals.
 */
import type { Counts } from './outcome';
import { items, type ItemRow } from './runs';
import type { SqlDb } from './sql';

export interface RunSummary extends Counts {
  readonly run: string;
}

/** The last line of --json: the run and its counts (`pending` only when some are). */
export function summaryLine(runId: string, counts: Counts): string {
  const { pending, ...rest } = counts;
  return JSON.stringify({ run: runId, ...rest, ...(pending ? { pending } : {}) });
}

function itemObject(row: ItemRow): Record<string, unknown> {
  return {
    authorizer: row.appid,
    outcome: row.state,
    errCode: row.code,
    errMsg: row.message,
    tries: row.tries,
    ...(row.state === 'deferred' && row.notBefore ? { deferredUntil: row.notBefore.toISOString() } : {}),
    ...(row.data ?? {}),
  };
}

export async function writeJsonReport(db: SqlDb, runId: string, counts: Counts, write: (text: string) => void): Promise<void> {
  for await (const row of items(db, runId, false)) {
    if (row.state === 'pending') continue;
    write(`${JSON.stringify(itemObject(row))}\n`);
  }
  write(`${summaryLine(runId, counts)}\n`);
}

export function countsText(counts: Counts): string {
  const parts = [`${counts.succeeded} succeeded`, `${counts.alreadyDone} already so`, `${counts.notAuthorised} not authorised (61007)`, `${counts.deferred} deferred`, `${counts.failed} failed`];
  if (counts.pending) parts.push(`${counts.pending} pending`);
  return `${counts.total} authorisers: ${parts.join(', ')}`;
}

export async function writeTextReport(db: SqlDb, runId: string, counts: Counts, write: (text: string) => void): Promise<void> {
  write(`run ${runId}: ${countsText(counts)}\n`);
  let header = false;
  for await (const row of items(db, runId, true)) {
    if (!header) {
      write('Not succeeded:\n');
      header = true;
    }
    const when = row.state === 'deferred' && row.notBefore ? ` (until ${row.notBefore.toISOString()})` : '';
    write(`  ${row.appid}  ${row.state}${when}  ${row.code ?? '-'}  ${row.message ?? 'not called yet'}\n`);
  }
}
