/**
 * The dashboard's JSON API, the one the page uses and scripts may too. Every read and every action
 * is the batch library's (runs, status, itemsPage, retry, cancel, resume): the command line and the
 * page share one implementation. Answers carry the library's own `{ errCode, errMsg }` on failure;
 * nothing here holds a secret, a ticket or a token to leak.
 */
import { ProjectCode, describeCode } from '../core/codes';
import type { BatchItem } from '../batch/api-types';
import type { Counts, DashboardBatch, ItemQuery, ItemState, RunSummary } from './batch-port';
import { failure, type Answer } from './answer';
import type { Drives } from './drives';
import type { ThroughputMeter } from './throughput';

export interface ApiContext {
  readonly batch: DashboardBatch;
  readonly meter: ThroughputMeter;
  readonly drives: Drives;
  /** Started without the platform's credentials: it reads and cancels, and says so when asked to call WeChat. */
  readonly withoutCredentials?: boolean;
}

/** Retry and resume call WeChat; without credentials they would only fail, authoriser by authoriser. */
function credentialsMissing(context: ApiContext): Answer | undefined {
  if (!context.withoutCredentials) return undefined;
  return {
    status: 400,
    body: { errCode: ProjectCode.COMPONENT_CREDENTIALS_MISSING, errMsg: 'dashboard:fail retry and resume call WeChat, and this dashboard was started without the platform\'s credentials: start it again with WECHAT_COMPONENT_APPID, WECHAT_COMPONENT_SECRET and WECHAT_COMPONENT_VERIFY_TICKET set' },
  };
}

const ITEM_STATES: readonly ItemState[] = ['succeeded', 'alreadyDone', 'notAuthorised', 'deferred', 'failed', 'cancelled', 'pending'];
/** Rows the page asks for at a time; a script may ask for up to the library's own bound. */
const DEFAULT_PAGE = 100;

const badRequest = (message: string): Answer => ({ status: 400, body: { errCode: ProjectCode.BATCH_OPTIONS_INVALID, errMsg: `dashboard:fail ${message}` } });

function countsOf(counts: Counts) {
  return {
    total: counts.total,
    succeeded: counts.succeeded,
    alreadyDone: counts.alreadyDone,
    notAuthorised: counts.notAuthorised,
    deferred: counts.deferred,
    failed: counts.failed,
    cancelled: counts.cancelled,
    pending: counts.pending,
  };
}

const pluginOf = (request: Readonly<Record<string, unknown>>): string | null => (typeof request.pluginAppid === 'string' ? request.pluginAppid : null);

function pace(context: ApiContext, runId: string, counts: Counts) {
  return context.meter.observe(runId, counts.total - counts.pending, counts.pending);
}

function runRow(context: ApiContext, run: RunSummary) {
  return {
    run: run.runId,
    operation: run.operation,
    pluginAppid: run.pluginAppid ?? pluginOf(run.request),
    state: run.state,
    created: run.createdAt.toISOString(),
    rate: run.rate,
    ...countsOf(run.counts),
    ...pace(context, run.runId, run.counts),
    driving: context.drives.driving(run.runId),
  };
}

export async function listRuns(context: ApiContext): Promise<Answer> {
  const result = await context.batch.runs();
  if (result.errCode !== 0 || !result.runs) return failure(result);
  return { status: 200, body: { runs: result.runs.map((run) => runRow(context, run)) } };
}

/** What a code means and what to do about it, from the catalogue (the same text errMsg carries). */
function explain(code: number | null, operation: string): { meaning: string; todo: string } {
  if (code === null) return { meaning: 'not called yet', todo: 'nothing: it is waiting for its turn' };
  if (code === 0) return { meaning: 'done', todo: 'nothing' };
  const entry = describeCode(code);
  if (!entry) return { meaning: `code ${code}, not in the catalogue`, todo: 'see the authoriser\'s errMsg; docs/errors.md lists the codes known' };
  const fill = (text: string) => text.split('{api}').join(operation);
  return { meaning: fill(entry.what), todo: fill(entry.todo) };
}

export async function showRun(context: ApiContext, runId: string): Promise<Answer> {
  const result = await context.batch.status(runId);
  if (result.errCode !== 0 || !result.run || !result.counts) return failure(result);
  const { run, counts } = result;
  const byCode = (result.byCode ?? []).map((entry) => ({ outcome: entry.state, code: entry.code, count: entry.count, ...explain(entry.code, run.operation) }));
  return {
    status: 200,
    body: {
      run: run.runId,
      operation: run.operation,
      pluginAppid: pluginOf(run.request),
      request: run.request,
      state: result.state ?? null,
      created: run.createdAt.toISOString(),
      rate: run.rate,
      listed: run.listed,
      jobs: result.jobs ?? 0,
      deferredUntil: result.deferredUntil?.toISOString() ?? null,
      ...countsOf(counts),
      ...pace(context, run.runId, counts),
      driving: context.drives.driving(run.runId),
      byCode,
    },
  };
}

function itemRow(item: BatchItem) {
  return {
    authorizer: item.authorizerAppid,
    outcome: item.state,
    errCode: item.errCode,
    errMsg: item.errMsg,
    tries: item.tries,
    ...(item.notBefore ? { notBefore: item.notBefore.toISOString() } : {}),
  };
}

/** The items query from the address's parameters, or what is wrong with it. */
export function readItemQuery(params: URLSearchParams): ItemQuery | Answer {
  const outcome = params.get('outcome') || undefined;
  if (outcome !== undefined && !ITEM_STATES.includes(outcome as ItemState)) return badRequest(`outcome takes one of ${ITEM_STATES.join(', ')}`);
  const codeText = params.get('code') || undefined;
  if (codeText !== undefined && !/^-?\d{1,9}$/.test(codeText)) return badRequest('code takes a whole number, such as 61007');
  const order = params.get('order') || undefined;
  if (order !== undefined && order !== 'newest' && order !== 'appid') return badRequest('order takes newest or appid');
  const sizeText = params.get('pageSize') || undefined;
  if (sizeText !== undefined && !/^\d{1,5}$/.test(sizeText)) return badRequest('pageSize takes a whole number from 1 to 10000');
  const unsuccessful = params.get('unsuccessful');
  return {
    ...(outcome ? { outcome: outcome as ItemState } : {}),
    ...(codeText ? { code: Number(codeText) } : {}),
    ...(params.get('search') ? { search: params.get('search')! } : {}),
    ...(unsuccessful === '1' || unsuccessful === 'true' ? { onlyUnsuccessful: true } : {}),
    ...(order ? { order: order as 'newest' | 'appid' } : {}),
    ...(params.get('cursor') ? { cursor: params.get('cursor')! } : {}),
    pageSize: sizeText ? Number(sizeText) : DEFAULT_PAGE,
  };
}

export async function listItems(context: ApiContext, runId: string, params: URLSearchParams): Promise<Answer> {
  const query = readItemQuery(params);
  if ('status' in query) return query;
  const page = await context.batch.itemsPage(runId, query);
  if (page.errCode !== 0) return failure(page);
  return { status: 200, body: { items: page.items.map(itemRow), ...(page.next ? { next: page.next } : {}) } };
}

const CSV_HEADER = 'authorizer,outcome,errCode,errMsg,tries\r\n';

/** A text cell as a spreadsheet reads it: quoted, and never taken for a formula. */
function csvText(value: string | null): string {
  if (value === null) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** Every item the query selects, as CSV, a page at a time; a failed page ends it with a line saying so. */
export async function* itemsCsv(context: ApiContext, runId: string, query: ItemQuery): AsyncGenerator<string> {
  yield CSV_HEADER;
  let cursor = query.cursor;
  for (;;) {
    const page = await context.batch.itemsPage(runId, { ...query, pageSize: 1000, ...(cursor ? { cursor } : {}) });
    if (page.errCode !== 0) {
      yield `# incomplete: ${csvText(page.errMsg)}\r\n`;
      return;
    }
    yield page.items.map((item) => `${item.authorizerAppid},${item.state},${item.errCode ?? ''},${csvText(item.errMsg)},${item.tries}\r\n`).join('');
    if (!page.next) return;
    cursor = page.next;
  }
}

/** A POST body: a JSON object (or nothing), with only the keys named. */
function readBody(text: string, keys: readonly string[], example: string): { readonly fields: Record<string, unknown> } | Answer {
  if (text.trim() === '') return { fields: {} };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return badRequest(`the body is not JSON: send an object such as ${example}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return badRequest(`the body must be a JSON object such as ${example}`);
  const unknown = Object.keys(body).filter((key) => !keys.includes(key));
  if (unknown.length) return badRequest(`the body takes only ${keys.join(' and ')}; ${unknown.length === 1 ? 'this is' : 'these are'} unknown: ${unknown.map((key) => JSON.stringify(key.slice(0, 40))).join(', ')}`);
  return { fields: body as Record<string, unknown> };
}

export async function retryRun(context: ApiContext, runId: string, text: string): Promise<Answer> {
  const missing = credentialsMissing(context);
  if (missing) return missing;
  const read = readBody(text, ['codes', 'rate'], '{"codes":[61007]}');
  if ('status' in read) return read;
  const body = read.fields;
  const options = { ...(body.codes !== undefined ? { codes: body.codes as number[] } : {}), ...(body.rate !== undefined ? { rate: body.rate as number } : {}) };
  return context.drives.start(runId, 'retry', (drive) => context.batch.retry(runId, { ...options, ...drive }));
}

export async function resumeRun(context: ApiContext, runId: string, text: string): Promise<Answer> {
  const missing = credentialsMissing(context);
  if (missing) return missing;
  const read = readBody(text, ['rate'], '{"rate":20}');
  if ('status' in read) return read;
  const body = read.fields;
  return context.drives.start(runId, 'resume', (drive) => context.batch.resume(runId, { ...(body.rate !== undefined ? { rate: body.rate as number } : {}), ...drive }));
}

export async function cancelRun(context: ApiContext, runId: string): Promise<Answer> {
  const result = await context.batch.cancel(runId);
  if (result.errCode !== 0) return failure(result);
  return { status: 200, body: { run: result.runId ?? runId, cancelled: result.cancelled ?? 0, ...(result.counts ? countsOf(result.counts) : {}) } };
}
