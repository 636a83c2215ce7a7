/**
 * openBatch's options and a run's, checked at the library's outer edge the way createHttpsClient
 * and createComponentClient check theirs: a mistake is never thrown; the call answers a project
 * code saying what to fix, and nothing is opened or sent. Values are never echoed (a misplaced
 * secret could be one).
 */
import { resolve } from 'node:path';
import { ProjectCode } from '../core/codes';
import { OperationError } from '../core/errors';
import { APPID_PATTERN, parseFields } from '../core/fields';
import type { AnyOperation } from '../core/operation';
import { MINI_PROGRAM_OPERATIONS } from '../core/operations';
import { kindOf } from '../core/validate';
import { parseBaseUrl } from '../https/base-url';
import type { BatchOptions } from './api-types';
import { authorizerFileProblem } from './authorizer-file';
import { DEFAULT_RATE } from './limiter';
import type { Platform } from './paced-component';
import { CONCURRENCY_BOUNDS, DEFAULT_JOB_TIMEOUT_S, JOB_TIMEOUT_BOUNDS, MAX_RATE, nodeTooOld, TIMEOUT_BOUNDS } from './limits';

export const invalid = (detail: string): OperationError => new OperationError(ProjectCode.BATCH_OPTIONS_INVALID, { detail });

const given = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const WORK_KEYS = ['concurrency', 'signal', 'onFinished', 'onWarning'] as const;
const DRIVE_KEYS = [...WORK_KEYS, 'onProgress', 'onStart'] as const;

/** Every option each call takes: any other key is a mistake (a misspelling in plain JavaScript), refused rather than ignored. */
export const OPTION_KEYS = {
  openBatch: ['componentAppid', 'componentSecret', 'verifyTicket', 'store', 'baseUrl', 'timeoutMs', 'fetch', 'tokens'],
  store: ['databaseUrl', 'dir', 'existing'],
  start: ['operation', 'request', 'authorizers', 'rate', 'jobTimeout', ...DRIVE_KEYS],
  resume: ['authorizers', 'rate', ...DRIVE_KEYS],
  retry: ['codes', 'rate', ...DRIVE_KEYS],
  work: [...WORK_KEYS, 'exitWhenIdle'],
  itemsPage: ['outcome', 'code', 'search', 'onlyUnsuccessful', 'order', 'cursor', 'pageSize'],
} as const;

/** Edits between two short words (insertions, deletions, substitutions). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const row = [i];
    for (let j = 1; j <= b.length; j += 1) row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length]!;
}

/** The first key `raw` has that `where` does not take, said with the nearest one it does take. A key that is not a plain name is not echoed. */
export function unknownOption(raw: Record<string, unknown>, where: keyof typeof OPTION_KEYS): OperationError | undefined {
  const known: readonly string[] = OPTION_KEYS[where];
  const key = Object.keys(raw).find((name) => !known.includes(name));
  if (key === undefined) return undefined;
  const shown = /^[A-Za-z_$][\w$]{0,39}$/.test(key) ? JSON.stringify(key) : '(not shown)';
  const near = known.map((name) => ({ name, edits: distance(key.toLowerCase(), name.toLowerCase()) })).sort((a, b) => a.edits - b.edits)[0];
  const guess = near && near.edits <= 2 && shown !== '(not shown)' ? `did you mean "${near.name}"? ` : '';
  return invalid(`${where === 'store' ? 'the option store' : where} has no option ${shown}: ${guess}it takes ${known.join(', ')}`);
}

/** What the store option means: a server, or the embedded store's absolute folder. */
export type CheckedStore = ({ readonly databaseUrl: string; readonly dir?: undefined } | { readonly databaseUrl?: undefined; readonly dir: string }) & { readonly existing: boolean };

function checkStore(raw: unknown): CheckedStore | OperationError {
  const store = raw as Partial<Record<'databaseUrl' | 'dir' | 'existing', unknown>>;
  if (!isObject(store) || (store.databaseUrl === undefined) === (store.dir === undefined)) {
    return invalid('the option store takes either { databaseUrl: "postgres://..." } (a PostgreSQL server every worker shares) or { dir } (the embedded store\'s folder, this process alone)');
  }
  const stray = unknownOption(store, 'store');
  if (stray) return stray;
  if (store.existing !== undefined && typeof store.existing !== 'boolean') return invalid('the option store.existing takes true (open only a store that is already there) or false');
  const existing = store.existing === true;
  if (store.databaseUrl !== undefined) {
    if (!given(store.databaseUrl) || !/^postgres(ql)?:\/\//.test(store.databaseUrl.trim())) return invalid('the option store.databaseUrl must be a postgres:// or postgresql:// connection string');
    return { databaseUrl: store.databaseUrl.trim(), existing };
  }
  if (!given(store.dir)) return invalid(`the option store.dir must name a folder${existing ? '' : ' (it is created if missing)'}`);
  return { dir: resolve(store.dir), existing };
}

const isTicketSource = (value: unknown): boolean => value === undefined || typeof value === 'string' || typeof value === 'function' || (isObject(value) && given(value.file));

export interface CheckedBatchOptions {
  /** Everything a call to WeChat needs; absent when the credentials are (see credentialsProblem). */
  readonly platform?: Platform;
  /** Why start, resume and work cannot call WeChat; status and items need only the store. */
  readonly credentialsProblem?: OperationError;
  readonly store: CheckedStore;
}

const isTokenSource = (value: unknown): boolean => value === undefined || (isObject(value) && typeof value.component === 'function' && typeof value.authorizer === 'function');

function checkCredentials(raw: Record<string, unknown>): OperationError | undefined {
  // With the platform's own token source, neither the secret nor the ticket is needed.
  if (!given(raw.componentAppid) || (raw.tokens === undefined && !given(raw.componentSecret))) {
    return new OperationError(ProjectCode.COMPONENT_CREDENTIALS_MISSING, {
      detail: `the third-party platform's ${given(raw.componentAppid) ? 'secret' : 'appid'} is missing: pass componentAppid and componentSecret (or componentAppid and tokens) to openBatch`,
    });
  }
  if (!APPID_PATTERN.test(raw.componentAppid.trim())) return invalid('the option componentAppid must be "wx" followed by 16 lowercase hex digits');
  return undefined;
}

/** openBatch's options, usable or the first problem found. */
export function checkBatchOptions(raw: unknown, nodeVersion: string): CheckedBatchOptions | OperationError {
  const tooOld = nodeTooOld(nodeVersion);
  if (tooOld) return invalid(`${tooOld}: run it on a newer Node`);
  if (!isObject(raw)) return invalid('openBatch takes an options object, such as { componentAppid, componentSecret, verifyTicket, store: { dir } }');
  const stray = unknownOption(raw, 'openBatch');
  if (stray) return stray;
  for (const name of ['componentAppid', 'componentSecret', 'baseUrl'] as const) {
    if (raw[name] !== undefined && typeof raw[name] !== 'string') return invalid(`the option ${name} is ${kindOf(raw[name])}, not a string: pass it as text, or leave it out`);
  }
  if (!isTicketSource(raw.verifyTicket)) return invalid('the option verifyTicket takes the ticket, a function answering it, or { file }');
  if (!isTokenSource(raw.tokens)) return invalid('the option tokens takes { component(refused), authorizer(appid, refused) }, two functions answering { token, expiresInSeconds }');
  const timeout = raw.timeoutMs;
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout >= TIMEOUT_BOUNDS.min && timeout <= TIMEOUT_BOUNDS.max)) {
    return invalid(`the option timeoutMs takes milliseconds from ${TIMEOUT_BOUNDS.min} to ${TIMEOUT_BOUNDS.max}: pass one such as 10000, or leave it out for 10 s`);
  }
  if (raw.fetch !== undefined && typeof raw.fetch !== 'function') return invalid('the option fetch is not a function: pass a fetch implementation, or leave it out');
  const store = checkStore(raw.store);
  if (store instanceof OperationError) return store;
  let baseUrl: string | undefined;
  try {
    if (given(raw.baseUrl)) baseUrl = parseBaseUrl(raw.baseUrl.trim(), 'baseUrl');
  } catch (error) {
    return error as OperationError;
  }
  const credentialsProblem = checkCredentials(raw);
  if (credentialsProblem) return { store, credentialsProblem };
  const options = raw as unknown as BatchOptions;
  const platform: Platform = {
    componentAppid: options.componentAppid.trim(),
    ...(given(options.componentSecret) ? { componentSecret: options.componentSecret.trim() } : {}),
    ...(options.verifyTicket !== undefined ? { verifyTicket: options.verifyTicket } : {}),
    ...(options.tokens ? { tokens: options.tokens } : {}),
    ...(baseUrl ? { baseUrl } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  return { store, platform };
}

function wholeWithin(name: string, value: unknown, fallback: number, bounds: { readonly min: number; readonly max: number }): number | OperationError {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isInteger(value) && value >= bounds.min && value <= bounds.max) return value;
  return invalid(`the option ${name} takes a whole number from ${bounds.min} to ${bounds.max}, or leave it out`);
}

export const operationNamed = (name: unknown): AnyOperation | undefined => MINI_PROGRAM_OPERATIONS.find((operation) => operation.name === name) as AnyOperation | undefined;

/** The request, validated exactly as the single call validates it (the field's own code and message). */
export function checkRequest(operation: AnyOperation, raw: unknown): Record<string, unknown> | OperationError {
  if (raw !== undefined && !isObject(raw)) return new OperationError(ProjectCode.INVALID_EVENT, { detail: `the request of ${operation.name} is not an object: pass one such as { pluginAppid: "wx0123456789abcdef" }` });
  const request = { ...(raw ?? {}) };
  try {
    parseFields(operation.fields, request);
  } catch (error) {
    if (error instanceof OperationError) return error;
    throw error;
  }
  return request;
}

/** The options every drive shares (start, resume, work). */
export function checkWorkOptions(raw: Record<string, unknown>): OperationError | undefined {
  const concurrency = wholeWithin('concurrency', raw.concurrency, 1, CONCURRENCY_BOUNDS);
  if (concurrency instanceof OperationError) return concurrency;
  const signal = raw.signal as { aborted?: unknown } | undefined;
  if (signal !== undefined && !(isObject(signal) && typeof signal.aborted === 'boolean')) return invalid('the option signal is not an AbortSignal: pass AbortController\'s signal, or leave it out');
  for (const name of ['onFinished', 'onProgress', 'onStart', 'onWarning'] as const) {
    if (raw[name] !== undefined && typeof raw[name] !== 'function') return invalid(`the option ${name} is not a function: pass one, or leave it out`);
  }
  return undefined;
}

export type CheckedAuthorizers = { readonly kind: 'all' } | { readonly kind: 'file'; readonly file: string } | { readonly kind: 'given'; readonly appids: Iterable<string> | AsyncIterable<string> };

const isIterable = (value: unknown): value is Iterable<string> | AsyncIterable<string> =>
  typeof value === 'object' && value !== null && (typeof (value as Iterable<string>)[Symbol.iterator] === 'function' || typeof (value as AsyncIterable<string>)[Symbol.asyncIterator] === 'function');

/** An array is checked whole here (nothing sent when one is wrong); any other iterable as it is enqueued. */
export async function checkAuthorizers(raw: unknown): Promise<CheckedAuthorizers | OperationError> {
  if (raw === 'all') return { kind: 'all' };
  if (isObject(raw) && !isIterable(raw) && 'file' in raw) {
    if (!given(raw.file)) return invalid('the option authorizers.file must name a file of appids, one a line');
    const file = resolve(raw.file);
    const problem = await authorizerFileProblem(file, 'the file');
    return problem ? invalid(`authorizers.file: ${problem}`) : { kind: 'file', file };
  }
  if (typeof raw === 'string' || !isIterable(raw)) return invalid('the option authorizers takes "all", { file }, or the appids (an array or any iterable)');
  if (Array.isArray(raw)) {
    if (raw.length === 0) return invalid('the option authorizers lists no appid');
    const bad = raw.findIndex((appid) => typeof appid !== 'string' || !APPID_PATTERN.test(appid));
    if (bad >= 0) return new OperationError(ProjectCode.INVALID_APPID, { detail: `authorizers[${bad}] is not an appid: pass "wx" followed by 16 lowercase hex digits` });
  }
  return { kind: 'given', appids: raw };
}

export interface CheckedStart {
  readonly operation: AnyOperation;
  readonly request: Record<string, unknown>;
  readonly authorizers: CheckedAuthorizers;
  readonly rate: number;
  readonly jobTimeout: number;
}

export async function checkStart(raw: unknown): Promise<CheckedStart | OperationError> {
  if (!isObject(raw)) return invalid('start takes an options object, such as { operation: "applyPlugin", request: { pluginAppid }, authorizers: "all" }');
  const stray = unknownOption(raw, 'start');
  if (stray) return stray;
  const operation = operationNamed(raw.operation);
  if (!operation) return invalid(`the option operation must be one of ${MINI_PROGRAM_OPERATIONS.map((candidate) => candidate.name).join(', ')}`);
  const request = checkRequest(operation, raw.request);
  if (request instanceof OperationError) return request;
  const rate = raw.rate ?? DEFAULT_RATE;
  if (!(typeof rate === 'number' && rate > 0 && rate <= MAX_RATE)) return invalid(`the option rate takes calls per second, more than 0 and at most ${MAX_RATE}, or leave it out for ${DEFAULT_RATE}`);
  const jobTimeout = wholeWithin('jobTimeout', raw.jobTimeout, DEFAULT_JOB_TIMEOUT_S, JOB_TIMEOUT_BOUNDS);
  if (jobTimeout instanceof OperationError) return jobTimeout;
  const work = checkWorkOptions(raw);
  if (work) return work;
  const authorizers = await checkAuthorizers(raw.authorizers);
  if (authorizers instanceof OperationError) return authorizers;
  return { operation, request, authorizers, rate, jobTimeout };
}

const rateProblem = (rate: unknown): OperationError | undefined =>
  rate !== undefined && !(typeof rate === 'number' && rate > 0 && rate <= MAX_RATE) ? invalid(`the option rate takes calls per second, more than 0 and at most ${MAX_RATE}, or leave it out to keep the run's`) : undefined;

/** resume's and retry's own options (besides the drive's): a new rate, and retry's codes. */
export function checkSteerOptions(raw: Record<string, unknown>, withCodes: boolean): OperationError | undefined {
  if (!isObject(raw)) return invalid(`${withCodes ? 'retry' : 'resume'} takes an options object, or none`);
  const problem = unknownOption(raw, withCodes ? 'retry' : 'resume') ?? checkWorkOptions(raw) ?? rateProblem(raw.rate);
  if (problem || !withCodes || raw.codes === undefined) return problem;
  const codes = raw.codes;
  if (!Array.isArray(codes) || codes.length === 0 || !codes.every((code) => Number.isInteger(code))) {
    return invalid('the option codes takes the codes to call again, such as [61007, 45011], or leave it out for every authoriser that did not succeed');
  }
  return undefined;
}

const ITEM_STATES = ['succeeded', 'alreadyDone', 'notAuthorised', 'deferred', 'failed', 'pending', 'cancelled'] as const;
export const DEFAULT_ITEM_PAGE = 100;

export interface CheckedItemQuery {
  readonly state?: (typeof ITEM_STATES)[number];
  readonly code?: number;
  readonly search?: string;
  readonly onlyUnsuccessful: boolean;
  readonly order: 'appid' | 'newest';
  readonly pageSize: number;
  readonly after?: { readonly appid: string; readonly at?: string };
}

/** A page's cursor: where it ended and in which order, opaque to the caller. */
export const encodeCursor = (order: 'appid' | 'newest', after: { appid: string; at?: string }): string => Buffer.from(JSON.stringify({ o: order, ...after })).toString('base64url');

function decodeCursor(cursor: string, order: 'appid' | 'newest'): { appid: string; at?: string } | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (parsed.o !== order || typeof parsed.appid !== 'string') return undefined;
    if (order === 'newest' && (typeof parsed.at !== 'string' || Number.isNaN(Date.parse(parsed.at)))) return undefined;
    return { appid: parsed.appid, ...(order === 'newest' ? { at: parsed.at as string } : {}) };
  } catch {
    return undefined;
  }
}

/** itemsPage's query, usable or the first problem found. */
export function checkItemQuery(raw: unknown): CheckedItemQuery | OperationError {
  if (raw !== undefined && !isObject(raw)) return invalid('itemsPage takes a query object, such as { outcome: "failed", pageSize: 100 }, or none');
  const query = (raw ?? {}) as Record<string, unknown>;
  const stray = unknownOption(query, 'itemsPage');
  if (stray) return stray;
  if (query.outcome !== undefined && !ITEM_STATES.includes(query.outcome as never)) return invalid(`the option outcome must be one of ${ITEM_STATES.join(', ')}`);
  if (query.code !== undefined && !Number.isInteger(query.code)) return invalid('the option code takes a whole number, such as 61007');
  if (query.search !== undefined && typeof query.search !== 'string') return invalid('the option search takes part of an appid, as text');
  if (query.onlyUnsuccessful !== undefined && typeof query.onlyUnsuccessful !== 'boolean') return invalid('the option onlyUnsuccessful takes true or false');
  const order = query.order ?? 'appid';
  if (order !== 'appid' && order !== 'newest') return invalid('the option order takes "appid" or "newest"');
  const pageSize = wholeWithin('pageSize', query.pageSize, DEFAULT_ITEM_PAGE, { min: 1, max: 10_000 });
  if (pageSize instanceof OperationError) return pageSize;
  let after: { appid: string; at?: string } | undefined;
  if (query.cursor !== undefined) {
    after = typeof query.cursor === 'string' ? decodeCursor(query.cursor, order) : undefined;
    if (!after) return invalid('the option cursor is not one itemsPage answered as next for this order: pass that next as it is, or leave it out for the first page');
  }
  return {
    ...(query.outcome !== undefined ? { state: query.outcome as CheckedItemQuery['state'] } : {}),
    ...(query.code !== undefined ? { code: query.code as number } : {}),
    ...(typeof query.search === 'string' && query.search !== '' ? { search: query.search } : {}),
    onlyUnsuccessful: query.onlyUnsuccessful === true,
    order,
    pageSize,
    ...(after ? { after } : {}),
  };
}
