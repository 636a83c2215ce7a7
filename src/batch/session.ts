/**
 * A Batch's session: the store opened on first use (pg-boss, PGlite or pg load only then), the
 * paced component clients at each run's rate, and how a step's failure becomes its answer. Every
 * step of openBatch (start, steering, reads, work) goes through one of these.
 */
import { ProjectCode } from '../core/codes';
import { failureResult, type OperationResult } from '../core/engine';
import { OperationError } from '../core/errors';
import { shownValue } from '../core/fields';
import { redact } from '../core/redact';
import { ok as okAfter } from '../core/result';
import { invalid, type CheckedBatchOptions } from './api-options';
import type { BatchComponent } from './component';
import { DEFAULT_RATE, ensureRateRow } from './limiter';
import { keepTicket, pacedComponent, rateKey, type Platform } from './paced-component';
import { latestRun, readRun, type RunRecord } from './runs';
import { openStore, type BatchStore } from './store';

export interface Session {
  readonly store: BatchStore;
  /** Absent when the options lack credentials: such a session only reads. */
  readonly platform?: Platform;
  component(rate: number): BatchComponent;
  /**
   * The component at the default rate, before a run has a rate of its own; `adopt` then keeps it
   * for `rate`, so the run goes on with the same client (its tokens, a platform fault it met).
   */
  provisional(): BatchComponent;
  adopt(rate: number, component: BatchComponent): void;
}

/** A session that calls WeChat: the platform's credentials are there. */
export type CallSession = Session & { readonly platform: Platform };

export interface Sessions {
  /**
   * The session, opened on first use; a failed opening is tried again next time. `reading`: only
   * reads will follow, so a store another process owns may be read through it. A session that only
   * reads is replaced when work is asked for (then refused if the owner still holds the store).
   */
  open(reading?: boolean): Promise<Session | OperationError>;
  /** The session for calls to WeChat: the credentials complete, the ticket kept, the rate row there. */
  openForCalls(): Promise<CallSession | OperationError>;
  close(): Promise<void>;
}

/** A batch step's success, built by the core's one result builder (a step counts as one attempt). */
export const ok = (name: string): OperationResult => okAfter(name, 1);

/** An error's message, redacted, for a line that says why. */
export const firstLine = (error: unknown): string => redact(error instanceof Error ? error.message : String(error));

export function storeFailure(what: string, error: unknown): OperationError {
  // The store's own refusals (in use, missing) are already the answer.
  if (error instanceof OperationError) return error;
  return new OperationError(ProjectCode.TOKEN_STORE_FAILED, { detail: `the batch store ${what} (${firstLine(error)}): check the store (its folder and permissions, or its database), then try again`, cause: error });
}

/** Runs `work`; anything it throws (the store failing mid-way) becomes an answer. */
export async function answer<R extends OperationResult>(name: string, work: () => Promise<R | OperationError>): Promise<R | OperationResult> {
  try {
    const result = await work();
    return result instanceof OperationError ? failureResult(name, result, 0) : result;
  } catch (error) {
    return failureResult(name, storeFailure('failed', error), 1);
  }
}

/** A run id given is text (checked before the store is opened). */
export const runIdProblem = (runId: unknown): OperationError | undefined =>
  runId !== undefined && (typeof runId !== 'string' || runId === '') ? invalid('the run id must be the text start() answered as runId, or left out for the newest run') : undefined;

/** The run asked for, or the newest when none is named. */
export async function findRun(session: Session, runId: string | undefined): Promise<RunRecord | OperationError> {
  const run = runId ? await readRun(session.store.db, runId) : await latestRun(session.store.db);
  if (!run) return new OperationError(ProjectCode.BATCH_RUN_NOT_FOUND, { detail: runId ? `no run ${shownValue(runId)} in this store: pass a run id start() answered for this store, or none for the newest` : 'this store holds no run yet: start one first' });
  return run;
}

async function openSession(settings: CheckedBatchOptions, reading: boolean): Promise<Session> {
  // Reads (status, items) of an embedded store another process owns go through that process.
  const store = await openStore({ ...settings.store, dir: settings.store.dir ?? '', readThroughOwner: reading });
  // Only a session for calls asks for a component, and such a session has the platform.
  const platform = settings.platform!;
  const components = new Map<number, BatchComponent>();
  return {
    store,
    ...(settings.platform ? { platform: settings.platform } : {}),
    component(rate) {
      if (!components.has(rate)) components.set(rate, pacedComponent(store.db, platform, rate));
      return components.get(rate)!;
    },
    provisional: () => pacedComponent(store.db, platform, DEFAULT_RATE),
    adopt(rate, component) {
      component.setRate?.(rate);
      if (!components.has(rate)) components.set(rate, component);
    },
  };
}

/** The sessions of one Batch: `checked` is its options, or the problem they had (answered by every step). */
export function batchSessions(checked: CheckedBatchOptions | OperationError): Sessions {
  let opening: Promise<Session> | undefined;
  let closed = false;
  let prepared = false;

  async function open(reading = false): Promise<Session | OperationError> {
    if (checked instanceof OperationError) return checked;
    if (closed) return invalid('this batch is closed: open another with openBatch');
    if (!reading && opening) {
      const current = await opening.catch(() => undefined);
      if (current?.store.readOnly) {
        opening = undefined;
        await current.store.close();
      }
    }
    opening ??= openSession(checked, reading).catch((error: unknown) => {
      opening = undefined;
      throw error;
    });
    try {
      return await opening;
    } catch (error) {
      return storeFailure('could not be opened', error);
    }
  }

  async function openForCalls(): Promise<CallSession | OperationError> {
    if (!(checked instanceof OperationError) && checked.credentialsProblem) return checked.credentialsProblem;
    const session = (await open()) as CallSession | OperationError;
    if (session instanceof OperationError || prepared) return session;
    await keepTicket(session.store.db, session.platform);
    await ensureRateRow(session.store.db, rateKey(session.platform.componentAppid));
    prepared = true;
    return session;
  }

  async function close(): Promise<void> {
    closed = true;
    const session = await opening?.catch(() => undefined);
    opening = undefined;
    await session?.store.close().catch(() => undefined);
  }

  return { open, openForCalls, close };
}
