import { describeCode } from './codes';

export interface OperationErrorOptions {
  /** A person-readable detail, already free of secrets and addresses. Replaces the catalogue's "what". */
  readonly detail?: string;
  /**
   * True when the request may have reached WeChat although no answer was read (a timeout, a dropped
   * connection, a garbled answer). A later "already added" (89237) may then be our own doing.
   */
  readonly maybeDelivered?: boolean;
  /** What was caught, for the log and for debugging; never shown to the caller. */
  readonly cause?: unknown;
}

/**
 * The one failure type inside the project. Every transport turns what it caught into one of these
 * (see cloud/classify.ts and https/), and only the outermost boundary turns it into `{errCode, errMsg}`.
 */
export class OperationError extends Error {
  readonly code: number;
  readonly detail: string | undefined;
  readonly maybeDelivered: boolean;

  constructor(code: number, options: OperationErrorOptions = {}) {
    super(options.detail ?? describeCode(code)?.what ?? `error ${code}`, { cause: options.cause });
    this.name = 'OperationError';
    this.code = code;
    this.detail = options.detail;
    this.maybeDelivered = options.maybeDelivered ?? false;
  }
}
