/**
 * The batch library's public types (openBatch, api.ts). Kept apart from the engine's own modules so
 * that the package's declarations name nothing of pg-boss, PGlite or pg: a program that only
 * imports createHttpsClient type-checks without them.
 */
import type { ComponentTokenSource } from '../component/token-source';
import type { VerifyTicketSource } from '../component/verify-ticket';
import type { OperationResult } from '../core/engine';
import type { OperationRequest } from '../core/operation';
import type { MINI_PROGRAM_OPERATIONS } from '../core/operations';
import type { Fetch } from '../https/http';
import type { Counts } from './outcome';

/** The operations a batch runs: the mini-program's side, for each authoriser. */
export type BatchOperation = (typeof MINI_PROGRAM_OPERATIONS)[number];
export type BatchOperationName = BatchOperation['name'];
/** The request of one operation, exactly as `createHttpsClient(...)[name](request)` takes it. */
export type BatchRequest<N extends BatchOperationName> = OperationRequest<Extract<BatchOperation, { readonly name: N }>>;

/** Where runs are kept: a PostgreSQL server any number of workers share, or the embedded one in a folder (this process alone). */
/**
 * Where runs are kept. `existing: true` opens only a store that is already there (read-only and
 * steering uses: status, resume, a worker): a missing folder, or a database without the batch's
 * tables, answers BATCH_RUN_NOT_FOUND and nothing is created.
 */
export type BatchStoreOption = ({ readonly databaseUrl: string } | { readonly dir: string }) & { readonly existing?: boolean };

export interface BatchOptions {
  /** The third-party platform's appid; it also keys the store (one platform's runs and tokens). */
  readonly componentAppid: string;
  /** Not needed with `tokens`. */
  readonly componentSecret?: string;
  /** The latest component_verify_ticket (see VerifyTicketSource); a string is kept in the store for every worker. Not needed with `tokens`. */
  readonly verifyTicket?: VerifyTicketSource;
  /**
   * The platform's own tokens (its central token server, see createComponentClient): then no
   * request goes to api_component_token or api_authorizer_token, and none of its tokens is stored.
   */
  readonly tokens?: ComponentTokenSource;
  readonly store: BatchStoreOption;
  /** Default https://api.weixin.qq.com. */
  readonly baseUrl?: string;
  /** Each call's budget, retries and token fetches included (default 10 s). */
  readonly timeoutMs?: number;
  /** A fetch for every request to WeChat, each after waiting for its slot of the rate (default: Node's keep-alive http, several times cheaper per call). */
  readonly fetch?: Fetch;
}

/**
 * Which authorisers a run covers: every one WeChat lists (api_get_authorizer_list), a file of one
 * appid per line (read again on resume), or the program's own list (checked whole first when it is
 * an array; otherwise a page at a time, a bad appid ending the listing as `listingFailed`).
 */
export type BatchAuthorizers = 'all' | { readonly file: string } | Iterable<string> | AsyncIterable<string>;

export type BatchCounts = Counts;

/**
 * How an authoriser stands: final (`succeeded`, `alreadyDone`, `notAuthorised`, `failed`), `deferred`
 * (45009), `pending`, or `cancelled` (final until a retry picks it again).
 */
export type BatchItemState = 'succeeded' | 'alreadyDone' | 'notAuthorised' | 'deferred' | 'failed' | 'pending' | 'cancelled';

/**
 * How a run stands: `listing` (not every authoriser enqueued yet), `running` (some pending),
 * `cancelled` (a cancel stopped some), `deferred` (some wait for their daily quota), `finished`.
 */
export type BatchRunState = 'listing' | 'running' | 'deferred' | 'finished' | 'cancelled';

export interface BatchItem {
  readonly authorizerAppid: string;
  readonly state: BatchItemState;
  /** The last call's errCode and errMsg; null when not called yet. */
  readonly errCode: number | null;
  readonly errMsg: string | null;
  /** Calls made for it since it was last queued (by start, or by a retry). */
  readonly tries: number;
  /** Deferred (or waiting for a retry): not before then. */
  readonly notBefore?: Date;
  /** The operation's data on success (getPluginList: pluginList). */
  readonly data?: Readonly<Record<string, unknown>>;
  /** When it reached its final state or was cancelled (itemsPage answers it). */
  readonly finishedAt?: Date;
}

export interface BatchRunInfo {
  readonly runId: string;
  readonly operation: BatchOperationName;
  readonly request: Readonly<Record<string, unknown>>;
  readonly source: 'all' | 'file' | 'given';
  /** Calls per second to WeChat for the whole platform, every worker together. */
  readonly rate: number;
  /** Seconds after which a job whose worker died is handed out again. */
  readonly jobTimeout: number;
  /** Every authoriser is enqueued. */
  readonly listed: boolean;
  readonly createdAt: Date;
}

/** How this process drives a run (start, resume) or works runs (work). */
export interface BatchWorkOptions {
  /** Calls in flight in this process (default: half the rate, at most 128). */
  readonly concurrency?: number;
  /** Aborted: no new call is started; the calls in flight finish and are recorded, then it resolves. */
  readonly signal?: AbortSignal;
  /** Each authoriser this process finishes (or defers, or leaves for a retry), as it does. */
  readonly onFinished?: (item: BatchItem) => void;
  /** A store failure while recording a call (its job then runs again): one line, no secret. */
  readonly onWarning?: (message: string) => void;
}

export interface BatchDriveOptions extends BatchWorkOptions {
  /** The run's counts from the store (other workers' included): once as the drive begins, about every second, and once at the end. */
  readonly onProgress?: (counts: BatchCounts, listed: boolean) => void;
  /** The run, once it is created (start), or found with its authorisers back in the queue (resume, retry): before any call. */
  readonly onStart?: (run: BatchRunInfo) => void;
}

type RequestPart<R> = object extends R ? { readonly request?: R } : { readonly request: R };

export type BatchStartOptions = {
  [N in BatchOperationName]: { readonly operation: N } & RequestPart<BatchRequest<N>>;
}[BatchOperationName] &
  BatchDriveOptions & {
    readonly authorizers: BatchAuthorizers;
    /** Calls per second to WeChat for the whole platform (default 20), every request counted. */
    readonly rate?: number;
    /** Seconds, 10 to 3600 (default 60). */
    readonly jobTimeout?: number;
  };

export interface BatchResumeOptions extends BatchDriveOptions {
  /** A run started with the program's own authorisers and not all enqueued: the same authorisers again. */
  readonly authorizers?: Iterable<string> | AsyncIterable<string>;
  /** The run's new bound, calls per second for the whole platform (kept on the run, every worker follows it). */
  readonly rate?: number;
}

/** retry: which authorisers that did not succeed are called again, and at what bound. */
export interface BatchRetryOptions extends BatchDriveOptions {
  /** Only those whose last code is one of these (61007 after their owners granted set 40, 45011 ...); default: all that did not succeed. */
  readonly codes?: readonly number[];
  /** The run's new bound, as for resume. */
  readonly rate?: number;
}

/** A run in the list of runs: what it is, how it stands, its counts. */
export interface BatchRunSummary extends BatchRunInfo {
  /** The plugin the run's request names, if it names one. */
  readonly pluginAppid?: string;
  readonly state: BatchRunState;
  readonly counts: BatchCounts;
}

/** runs(): every run of the store, newest first. */
export type BatchRunsResult = OperationResult & { readonly runs?: readonly BatchRunSummary[] };

/** cancel(): how many were cancelled now, and the run's counts after. */
export type BatchCancelResult = OperationResult & { readonly runId?: string; readonly cancelled?: number; readonly counts?: BatchCounts };

/** itemsPage(): which of a run's authorisers, in which order, from where. */
export interface BatchItemQuery {
  /** Only those in this state. */
  readonly outcome?: BatchItemState;
  /** Only those whose last code is this. */
  readonly code?: number;
  /** Only those whose appid contains this text. */
  readonly search?: string;
  /** Leave out those that succeeded or already were so. */
  readonly onlyUnsuccessful?: boolean;
  /** `appid` (default), or `newest`: the latest finished first, those not finished last. */
  readonly order?: 'appid' | 'newest';
  /** The `next` of the previous page, the same query otherwise. */
  readonly cursor?: string;
  /** 1 to 10000, default 100. */
  readonly pageSize?: number;
}

/**
 * How a run ended in this process: `finished` (nothing pending; some may be deferred), `stopped`
 * (the signal; resume carries on), `listingFailed` (not every authoriser enqueued; resume lists again),
 * `platformFault` (the platform's own credentials, quota or token command failed: the run stopped
 * with nothing recorded against any authoriser; fix what errMsg names, then resume).
 */
export type BatchRunEnd = 'finished' | 'stopped' | 'listingFailed' | 'platformFault';

/** start and resume: errCode 0 when the run was driven (whatever each authoriser's outcome: see counts). */
export type BatchRunResult = OperationResult & {
  readonly runId?: string;
  readonly kind?: BatchRunEnd;
  readonly counts?: BatchCounts;
  /** The earliest a deferred authoriser may run again. */
  readonly deferredUntil?: Date;
  /** With `listingFailed`: the listing's own outcome. */
  readonly listing?: { readonly errCode: number; readonly errMsg: string };
  /** With `platformFault`: what stopped the run (errCode and errMsg are the same). */
  readonly platformFault?: { readonly errCode: number; readonly errMsg: string };
};

export type BatchStatusResult = OperationResult & {
  readonly run?: BatchRunInfo;
  readonly state?: BatchRunState;
  readonly counts?: BatchCounts;
  /** How many stand in each state with each last code (null: not called yet), most first. */
  readonly byCode?: ReadonlyArray<{ readonly state: BatchItemState; readonly code: number | null; readonly count: number }>;
  /** Jobs queued or running for it. */
  readonly jobs?: number;
  readonly deferredUntil?: Date;
};

/** One page of a run's authorisers; the last page yielded is the last one, or one with errCode other than 0. */
export type BatchItemPage = OperationResult & { readonly items: readonly BatchItem[] };

/** itemsPage(): one page, and `next` (the cursor of the page after it) unless it is the last. */
export type BatchItemCursorPage = BatchItemPage & { readonly next?: string };

export type BatchWorkResult = OperationResult & {
  /** Jobs this process took. */
  readonly taken?: number;
  /** True when the signal stopped it; false when no run had work left (exitWhenIdle). */
  readonly stopped?: boolean;
};

export interface Batch {
  /** Creates a run and drives it in this process until it ends, the signal stops it, or the listing fails. */
  start(options: BatchStartOptions): Promise<BatchRunResult>;
  /** Carries a run on (default: the newest), without redoing what is done; `rate` changes its bound. */
  resume(runId?: string, options?: BatchResumeOptions): Promise<BatchRunResult>;
  /**
   * Calls again the authorisers of a run (default: the newest) that did not succeed (failed, not
   * authorised, deferred, cancelled), or those whose last code is in `codes`; then drives the run
   * as resume does. A success is never repeated.
   */
  retry(runId?: string, options?: BatchRetryOptions): Promise<BatchRunResult>;
  /** Cancels what is pending or deferred in a run (default: the newest); a retry picks them again. */
  cancel(runId?: string): Promise<BatchCancelResult>;
  /** Every run of the store, newest first, with its state and counts. */
  runs(): Promise<BatchRunsResult>;
  /** A run's counts, counts by code and state (default: the newest). */
  status(runId?: string): Promise<BatchStatusResult>;
  /** One page of a run's authorisers, filtered and ordered; pass `next` back as `cursor` for the page after. */
  itemsPage(runId: string, query?: BatchItemQuery): Promise<BatchItemCursorPage>;
  /** A run's authorisers in appid order, a page at a time: memory holds one page whatever the run's size. */
  items(runId: string, options?: { readonly onlyUnsuccessful?: boolean; readonly pageSize?: number }): AsyncIterableIterator<BatchItemPage>;
  /** Works every open run of this platform's until the signal (or, with exitWhenIdle, until none has work left). */
  work(options?: BatchWorkOptions & { readonly exitWhenIdle?: boolean }): Promise<BatchWorkResult>;
  /** Stops pg-boss and closes the store; the batch answers nothing afterwards. Never rejects. */
  close(): Promise<void>;
}
