/**
 * A run's records: the run itself (what to do, for which component), one row per authoriser with how
 * its job ended, and the pg-boss queue that carries the jobs. Every write here is idempotent, so a
 * run can be enqueued again after a crash without doing anything twice.
 */
import type { PgBoss } from 'pg-boss';
import { FINAL_OUTCOMES, RETRYABLE_STATES, runStateOf, type Counts, type ItemState, type Outcome, type RunState } from './outcome';
import { SCHEMA } from './schema';
import type { SqlDb } from './sql';

export interface RunSpec {
  readonly id: string;
  readonly component: string;
  /** The operation's name in the registry (applyPlugin, updatePlugin, ...). */
  readonly operation: string;
  readonly request: Readonly<Record<string, unknown>>;
  /** `all` (api_get_authorizer_list), `file`, or `given` (a program's own list: openBatch). */
  readonly source: 'all' | 'file' | 'given';
  /** With `file`: its absolute path, to list it again when a run is resumed before it was all enqueued. */
  readonly sourceFile?: string;
  readonly rate: number;
  /** Seconds a job may run before pg-boss takes it for lost (its worker died) and hands it out again. */
  readonly jobTimeout: number;
}

export interface RunRecord extends RunSpec {
  /** Every authoriser is enqueued: the run ends when none is left pending. */
  readonly listed: boolean;
  readonly createdAt: Date;
}

/**
 * pg-boss takes a job for lost a little after its authoriser's claim lapses, so the job it hands out
 * again always finds the authoriser free to claim.
 */
export const EXPIRY_SLACK_SECONDS = 5;

export const queueOf = (runId: string): string => `wxplugin-batch.${runId}`;

/** pg-boss retries no job: see createRun. */
export const JOB_RETRY_LIMIT = 0;

const FINAL_SQL = FINAL_OUTCOMES.map((outcome) => `'${outcome}'`).join(', ');

/** A run id that sorts by time and reads as one: 20261129-224501-3fa2. */
export function newRunId(now: Date, random: () => number = Math.random): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${Math.floor(random() * 0x10000).toString(16).padStart(4, '0')}`;
}

export async function createRun(db: SqlDb, boss: PgBoss, spec: RunSpec): Promise<void> {
  await db.query(
    `INSERT INTO ${SCHEMA}.run (id, component, operation, request, source, source_file, rate, job_timeout) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [spec.id, spec.component, spec.operation, JSON.stringify(spec.request), spec.source, spec.sourceFile ?? null, spec.rate, spec.jobTimeout],
  );
  // retryLimit 0: the batch owns retries, not pg-boss. Whether an authoriser is called again is the
  // batch's rule (outcome.ts: MAX_TRIES, its backoff, 45011's minute, 45009's reset) over the tries it
  // records; a retry is a new job sent with startAfter. A pg-boss retry would be a second count of the
  // same tries that the records never see. A job whose worker died expires and ends; the claim lapses,
  // and the run's driver gives its authoriser, still pending, a job again (drive.ts requeuePending).
  await boss.createQueue(queueOf(spec.id), { policy: 'standard', retryLimit: JOB_RETRY_LIMIT, expireInSeconds: spec.jobTimeout + EXPIRY_SLACK_SECONDS });
}

interface RunRow {
  id: string;
  component: string;
  operation: string;
  request: Record<string, unknown> | string;
  source: 'all' | 'file' | 'given';
  source_file: string | null;
  rate: number;
  job_timeout: number;
  listed: boolean;
  created_at: Date | string;
}

function toRecord(row: RunRow): RunRecord {
  return {
    id: row.id,
    component: row.component,
    operation: row.operation,
    request: typeof row.request === 'string' ? (JSON.parse(row.request) as Record<string, unknown>) : row.request,
    source: row.source,
    ...(row.source_file ? { sourceFile: row.source_file } : {}),
    rate: Number(row.rate),
    jobTimeout: Number(row.job_timeout),
    listed: row.listed,
    createdAt: new Date(row.created_at),
  };
}

export async function readRun(db: SqlDb, id: string): Promise<RunRecord | undefined> {
  const { rows } = await db.query<RunRow>(`SELECT * FROM ${SCHEMA}.run WHERE id = $1`, [id]);
  return rows[0] && toRecord(rows[0]);
}

/** The newest run, for `status` and `resume` without a RUN. */
export async function latestRun(db: SqlDb): Promise<RunRecord | undefined> {
  const { rows } = await db.query<RunRow>(`SELECT * FROM ${SCHEMA}.run ORDER BY created_at DESC, id DESC LIMIT 1`, []);
  return rows[0] && toRecord(rows[0]);
}

/** Runs with work left (for `wxplugin worker`): not yet listed, or with an authoriser pending or due again. */
export async function openRuns(db: SqlDb): Promise<RunRecord[]> {
  const { rows } = await db.query<RunRow>(
    `SELECT r.* FROM ${SCHEMA}.run r WHERE NOT r.listed OR EXISTS (
       SELECT 1 FROM ${SCHEMA}.item i WHERE i.run = r.id
         AND (i.state = 'pending' OR (i.state = 'deferred' AND i.not_before <= clock_timestamp()))
     ) ORDER BY r.created_at`,
    [],
  );
  return rows.map(toRecord);
}

export async function markListed(db: SqlDb, runId: string): Promise<void> {
  await db.query(`UPDATE ${SCHEMA}.run SET listed = true WHERE id = $1`, [runId]);
}

/**
 * One page of authorisers into the run: their rows (kept if already there) and a job for each that
 * is not finished. A page enqueued twice (a run resumed while listing) leaves at most a spare job,
 * which finds its authoriser claimed or finished and calls nothing.
 */
export async function enqueuePage(db: SqlDb, boss: PgBoss, run: RunRecord, appids: readonly string[]): Promise<number> {
  if (appids.length === 0) return 0;
  const { rows } = await db.query<{ appid: string }>(
    `WITH given AS (SELECT DISTINCT unnest($2::text[]) AS appid),
     inserted AS (
       INSERT INTO ${SCHEMA}.item (run, appid) SELECT $1, appid FROM given ON CONFLICT (run, appid) DO NOTHING RETURNING appid
     )
     SELECT appid FROM inserted
     UNION
     SELECT i.appid FROM ${SCHEMA}.item i JOIN given g ON g.appid = i.appid WHERE i.run = $1 AND i.state = 'pending'`,
    [run.id, appids],
  );
  await sendJobs(boss, run, rows.map((row) => ({ appid: row.appid })));
  return rows.length;
}

export interface JobData {
  readonly appid: string;
}

export async function sendJobs(boss: PgBoss, run: RunRecord, jobs: ReadonlyArray<JobData & { startAfter?: Date }>): Promise<void> {
  if (jobs.length === 0) return;
  await boss.insert(
    queueOf(run.id),
    jobs.map((job) => ({
      data: { appid: job.appid },
      retryLimit: JOB_RETRY_LIMIT,
      expireInSeconds: run.jobTimeout + EXPIRY_SLACK_SECONDS,
      ...(job.startAfter ? { startAfter: job.startAfter } : {}),
    })),
  );
}

/**
 * Claims authorisers for this worker until the job timeout: only those not finished, not deferred
 * to later, and not claimed by a live worker. The rest of the jobs are spare and call nothing.
 */
export async function claim(db: SqlDb, run: RunRecord, appids: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await db.query<{ appid: string; tries: number }>(
    `UPDATE ${SCHEMA}.item SET claimed_until = clock_timestamp() + make_interval(secs => $3)
     WHERE run = $1 AND appid = ANY($2::text[]) AND state IN ('pending', 'deferred')
       AND (not_before IS NULL OR not_before <= clock_timestamp())
       AND (claimed_until IS NULL OR claimed_until < clock_timestamp())
     RETURNING appid, tries`,
    [run.id, appids, run.jobTimeout],
  );
  return new Map(rows.map((row) => [row.appid, Number(row.tries)]));
}

/**
 * Keeps this worker's claims alive while their calls wait for a slot or for WeChat: a call may
 * take longer than the job timeout, and only a claim that lapses means its worker died.
 */
export async function extendClaims(db: SqlDb, run: RunRecord, appids: readonly string[]): Promise<void> {
  if (appids.length === 0) return;
  await db.query(
    `UPDATE ${SCHEMA}.item SET claimed_until = clock_timestamp() + make_interval(secs => $3)
     WHERE run = $1 AND appid = ANY($2::text[]) AND state NOT IN (${FINAL_SQL}) AND claimed_until IS NOT NULL`,
    [run.id, appids, run.jobTimeout],
  );
}

export interface Finished {
  readonly appid: string;
  /** `pending` again for a retry. */
  readonly state: Outcome | 'pending';
  readonly code: number;
  readonly message: string;
  readonly tries: number;
  /** When it may run again (retry, deferral). */
  readonly notBefore?: number;
  /** The operation's data on success (list: pluginList), kept for the report. */
  readonly data?: Readonly<Record<string, unknown>>;
}

/** Records how calls ended, in one statement; a row already finished is never changed. */
export async function recordFinished(db: SqlDb, runId: string, finished: readonly Finished[]): Promise<void> {
  if (finished.length === 0) return;
  await db.query(
    `UPDATE ${SCHEMA}.item i SET state = u.state, code = u.code, message = u.message, data = u.data::jsonb, tries = u.tries,
       not_before = CASE WHEN u.not_before IS NULL THEN NULL ELSE to_timestamp(u.not_before / 1000.0) END,
       claimed_until = NULL,
       finished_at = CASE WHEN u.state IN (${FINAL_SQL}) THEN clock_timestamp() ELSE NULL END
     FROM unnest($2::text[], $3::text[], $4::int[], $5::text[], $6::int[], $7::float8[], $8::text[]) AS u(appid, state, code, message, tries, not_before, data)
     WHERE i.run = $1 AND i.appid = u.appid AND i.state NOT IN (${FINAL_SQL})
       AND NOT (i.state = 'cancelled' AND u.state IN ('pending', 'deferred'))`,
    [
      runId,
      finished.map((entry) => entry.appid),
      finished.map((entry) => entry.state),
      finished.map((entry) => entry.code),
      finished.map((entry) => entry.message),
      finished.map((entry) => entry.tries),
      finished.map((entry) => entry.notBefore ?? null),
      finished.map((entry) => (entry.data ? JSON.stringify(entry.data) : null)),
    ],
  );
}

/**
 * Lets go of authorisers this worker claimed but did not call to an end (the platform's own fault
 * stopped the run): they stay pending, their tries as they were, free for the next worker or resume.
 */
export async function releaseClaims(db: SqlDb, runId: string, appids: readonly string[]): Promise<void> {
  if (appids.length === 0) return;
  await db.query(`UPDATE ${SCHEMA}.item SET claimed_until = NULL WHERE run = $1 AND appid = ANY($2::text[]) AND state NOT IN (${FINAL_SQL})`, [runId, appids]);
}

export async function countRun(db: SqlDb, runId: string): Promise<Counts> {
  const { rows } = await db.query<{ state: string; n: string | number }>(`SELECT state, count(*) AS n FROM ${SCHEMA}.item WHERE run = $1 GROUP BY state`, [runId]);
  const by = Object.fromEntries(rows.map((row) => [row.state, Number(row.n)])) as Record<string, number>;
  const count = (state: string) => by[state] ?? 0;
  return {
    total: rows.reduce((sum, row) => sum + Number(row.n), 0),
    succeeded: count('succeeded'),
    alreadyDone: count('alreadyDone'),
    notAuthorised: count('notAuthorised'),
    deferred: count('deferred'),
    failed: count('failed'),
    pending: count('pending'),
    cancelled: count('cancelled'),
  };
}

/** The earliest time a deferred authoriser may run again, if any is deferred. */
export async function nextDeferred(db: SqlDb, runId: string): Promise<Date | undefined> {
  const { rows } = await db.query<{ at: Date | string | null }>(`SELECT min(not_before) AS at FROM ${SCHEMA}.item WHERE run = $1 AND state = 'deferred'`, [runId]);
  return rows[0]?.at ? new Date(rows[0].at) : undefined;
}

/** Deferred authorisers whose time has come, as pending again (a worker then picks their jobs). */
export async function dueDeferred(db: SqlDb, runId: string): Promise<number> {
  const { rows } = await db.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${SCHEMA}.item WHERE run = $1 AND state = 'deferred' AND not_before <= clock_timestamp()`, [runId]);
  return Number(rows[0]?.n ?? 0);
}

export interface ItemRow {
  readonly appid: string;
  readonly state: ItemState;
  readonly code: number | null;
  readonly message: string | null;
  readonly tries: number;
  readonly notBefore: Date | null;
  readonly data: Record<string, unknown> | null;
  /** When it reached its final state (or was cancelled); null while work is left. */
  readonly finishedAt?: Date | null;
}

/**
 * The run's authorisers, a page at a time in appid order (keyset paging: memory stays one page,
 * whatever the run's size). `onlyUnsuccessful` leaves out those that succeeded or already were so.
 */
export async function* items(db: SqlDb, runId: string, onlyUnsuccessful: boolean, pageSize = 1000): AsyncGenerator<ItemRow> {
  let after = '';
  for (;;) {
    const { rows } = await db.query<{ appid: string; state: Outcome; code: number | null; message: string | null; tries: number; not_before: Date | string | null; data: Record<string, unknown> | string | null }>(
      `SELECT appid, state, code, message, tries, not_before, data FROM ${SCHEMA}.item
       WHERE run = $1 AND appid > $2 ${onlyUnsuccessful ? "AND state NOT IN ('succeeded', 'alreadyDone')" : ''}
       ORDER BY appid LIMIT $3`,
      [runId, after, pageSize],
    );
    for (const row of rows) {
      yield { appid: row.appid, state: row.state, code: row.code, message: row.message, tries: Number(row.tries), notBefore: row.not_before ? new Date(row.not_before) : null, data: typeof row.data === 'string' ? (JSON.parse(row.data) as Record<string, unknown>) : row.data };
    }
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.appid;
  }
}

/** Pending authorisers, paged, so a resumed run can give each a job again. */
export async function* pendingAppids(db: SqlDb, runId: string, pageSize = 1000): AsyncGenerator<string[]> {
  let after = '';
  for (;;) {
    const { rows } = await db.query<{ appid: string }>(
      `SELECT appid FROM ${SCHEMA}.item WHERE run = $1 AND appid > $2 AND (state = 'pending' OR (state = 'deferred' AND not_before <= clock_timestamp())) ORDER BY appid LIMIT $3`,
      [runId, after, pageSize],
    );
    if (rows.length) yield rows.map((row) => row.appid);
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.appid;
  }
}

/** Jobs pg-boss still holds for the run, in any state a worker may yet take. */
export async function liveJobs(db: SqlDb, runId: string): Promise<number> {
  const { rows } = await db.query<{ n: string | number }>(`SELECT count(*) AS n FROM pgboss.job WHERE name = $1 AND state IN ('created', 'retry', 'active')`, [queueOf(runId)]);
  return Number(rows[0]?.n ?? 0);
}

/** A run with its counts, for lists of runs. */
export interface RunSummaryRecord {
  readonly run: RunRecord;
  readonly counts: Counts;
  readonly state: RunState;
}

const NO_COUNTS: Counts = { total: 0, succeeded: 0, alreadyDone: 0, notAuthorised: 0, deferred: 0, failed: 0, pending: 0, cancelled: 0 };

/** Every run of the store, newest first, each with its counts (one grouped read of the items). */
export async function listRuns(db: SqlDb): Promise<RunSummaryRecord[]> {
  const { rows: runs } = await db.query<RunRow>(`SELECT * FROM ${SCHEMA}.run ORDER BY created_at DESC, id DESC`, []);
  const { rows } = await db.query<{ run: string; state: string; n: string | number }>(`SELECT run, state, count(*) AS n FROM ${SCHEMA}.item GROUP BY run, state`, []);
  const byRun = new Map<string, Record<string, number>>();
  for (const row of rows) byRun.set(row.run, { ...byRun.get(row.run), [row.state]: Number(row.n) });
  return runs.map((row) => {
    const run = toRecord(row);
    const by = byRun.get(run.id) ?? {};
    const counts = Object.fromEntries(Object.keys(NO_COUNTS).map((key) => [key, key === 'total' ? Object.values(by).reduce((sum, n) => sum + n, 0) : (by[key] ?? 0)])) as unknown as Counts;
    return { run, counts, state: runStateOf(run.listed, counts) };
  });
}

/** The run's calls per second from now on: every worker reads it again between rounds. */
export async function setRunRate(db: SqlDb, runId: string, rate: number): Promise<void> {
  await db.query(`UPDATE ${SCHEMA}.run SET rate = $2 WHERE id = $1`, [runId, rate]);
}

/**
 * Cancels what is left of a run: pending and deferred authorisers become `cancelled` (a call in
 * flight still records its final outcome; recordFinished never puts a cancelled one back to work),
 * and the run counts as listed so nothing resumes its listing. Their spare jobs call nothing.
 */
export async function cancelRun(db: SqlDb, runId: string): Promise<number> {
  const { rows } = await db.query<{ n: string | number }>(
    `WITH cancelled AS (
       UPDATE ${SCHEMA}.item SET state = 'cancelled', claimed_until = NULL, not_before = NULL, finished_at = clock_timestamp()
       WHERE run = $1 AND state IN ('pending', 'deferred') RETURNING 1
     ) SELECT count(*) AS n FROM cancelled`,
    [runId],
  );
  await db.query(`UPDATE ${SCHEMA}.run SET listed = true WHERE id = $1`, [runId]);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Puts the authorisers that did not succeed back to work (those whose last code is in `codes`
 * when given): pending again with their tries counted afresh. A success, or an authoriser already
 * so, is never touched. Their jobs are sent by requeuePending.
 */
export async function reopenForRetry(db: SqlDb, runId: string, codes: readonly number[] | undefined): Promise<number> {
  const { rows } = await db.query<{ n: string | number }>(
    `WITH reopened AS (
       UPDATE ${SCHEMA}.item SET state = 'pending', tries = 0, not_before = NULL, claimed_until = NULL, finished_at = NULL
       WHERE run = $1 AND state = ANY($2::text[]) AND ($3::int[] IS NULL OR code = ANY($3::int[])) RETURNING 1
     ) SELECT count(*) AS n FROM reopened`,
    [runId, [...RETRYABLE_STATES], codes ? [...codes] : null],
  );
  return Number(rows[0]?.n ?? 0);
}

/** How many authorisers stand in each state with each last code (null: not called yet), most first. */
export async function countByCode(db: SqlDb, runId: string): Promise<Array<{ state: ItemState; code: number | null; count: number }>> {
  const { rows } = await db.query<{ state: ItemState; code: number | null; n: string | number }>(
    `SELECT state, code, count(*) AS n FROM ${SCHEMA}.item WHERE run = $1 GROUP BY state, code ORDER BY count(*) DESC, state, code`,
    [runId],
  );
  return rows.map((row) => ({ state: row.state, code: row.code === null ? null : Number(row.code), count: Number(row.n) }));
}

export interface ItemFilter {
  readonly state?: ItemState;
  readonly code?: number;
  /** Part of the appid, matched literally. */
  readonly search?: string;
  readonly onlyUnsuccessful?: boolean;
  /** `appid` order, or `newest` (latest finished first, then those not finished, each by appid). */
  readonly order: 'appid' | 'newest';
  readonly pageSize: number;
  /** Where the previous page ended: its last row's sort key. */
  readonly after?: { readonly appid: string; readonly at?: string };
}

/** One page of a run's authorisers, filtered, with the key where the next page starts (none on the last page). */
export async function itemPage(db: SqlDb, runId: string, filter: ItemFilter): Promise<{ rows: ItemRow[]; next?: { appid: string; at?: string } }> {
  const params: unknown[] = [runId];
  const where = ['run = $1'];
  const param = (value: unknown) => `$${params.push(value)}`;
  if (filter.state) where.push(`state = ${param(filter.state)}`);
  if (filter.code !== undefined) where.push(`code = ${param(filter.code)}`);
  if (filter.search) where.push(`position(${param(filter.search)} in appid) > 0`);
  if (filter.onlyUnsuccessful) where.push("state NOT IN ('succeeded', 'alreadyDone')");
  // Those not finished sort after every finished one, as if finished at the epoch.
  const at = `coalesce(finished_at, 'epoch'::timestamptz)`;
  if (filter.after && filter.order === 'appid') where.push(`appid > ${param(filter.after.appid)}`);
  if (filter.after && filter.order === 'newest') {
    const time = param(filter.after.at ?? '1970-01-01T00:00:00Z');
    where.push(`(${at} < ${time}::timestamptz OR (${at} = ${time}::timestamptz AND appid > ${param(filter.after.appid)}))`);
  }
  const order = filter.order === 'appid' ? 'appid' : `${at} DESC, appid`;
  const { rows } = await db.query<{ appid: string; state: ItemState; code: number | null; message: string | null; tries: number; not_before: Date | string | null; data: Record<string, unknown> | string | null; finished_at: Date | string | null; at_text: string }>(
    `SELECT appid, state, code, message, tries, not_before, data, finished_at, ${at}::text AS at_text FROM ${SCHEMA}.item
     WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${param(filter.pageSize + 1)}`,
    params,
  );
  const more = rows.length > filter.pageSize;
  const page = rows.slice(0, filter.pageSize);
  const last = page[page.length - 1];
  return {
    rows: page.map((row) => ({
      appid: row.appid,
      state: row.state,
      code: row.code,
      message: row.message,
      tries: Number(row.tries),
      notBefore: row.not_before ? new Date(row.not_before) : null,
      data: typeof row.data === 'string' ? (JSON.parse(row.data) as Record<string, unknown>) : row.data,
      finishedAt: row.finished_at ? new Date(row.finished_at) : null,
    })),
    ...(more && last ? { next: { appid: last.appid, ...(filter.order === 'newest' ? { at: last.at_text } : {}) } } : {}),
  };
}
