/**
 * What can go wrong between a cloud function and WeChat, on demand. Each fault is consumed by the
 * next request(s) that reach the gateway; `times` defaults to 1, and Infinity means "always".
 */
export type Fault =
  /** WeChat itself answers with this errcode (e.g. -1, "system busy"); nothing is applied. */
  | { readonly kind: 'errcode'; readonly errcode: number; readonly errmsg?: string; readonly times?: number }
  /** WeChat's JSON is this text exactly (an array, a string, a number: anything but WeChat's object). */
  | { readonly kind: 'json'; readonly body: string; readonly times?: number }
  /** The gateway answers this HTTP status (e.g. 502) with an HTML body. */
  | { readonly kind: 'http-status'; readonly status: number; readonly times?: number }
  /** The gateway answers a JSON error such as {"code":"SYS_ERR"}; `charset` picks the SDK's other branch. */
  | { readonly kind: 'gateway-json'; readonly code: string; readonly charset?: boolean; readonly times?: number }
  /** The protobuf answer carries this errorCode (e.g. -604101); nothing is applied. */
  | { readonly kind: 'pb-error'; readonly errorCode: number; readonly times?: number }
  /** Bytes that are neither protobuf nor JSON. */
  | { readonly kind: 'garbage'; readonly times?: number }
  /** HTTP 200 with an empty body. */
  | { readonly kind: 'empty'; readonly times?: number }
  /** A well-formed answer whose respData is text that is not JSON, labelled text/plain or application/json. */
  | { readonly kind: 'not-json'; readonly contentType: 'text/plain' | 'application/json'; readonly times?: number }
  /** The connection is cut; with `afterApplying` WeChat has already applied (the answer is lost). */
  | { readonly kind: 'drop'; readonly afterApplying?: boolean; readonly times?: number }
  /** The answer comes after `delayMs`. */
  | { readonly kind: 'slow'; readonly delayMs: number; readonly times?: number }
  /** No answer at all: the connection stays open until the client gives up or the emulator stops. */
  | { readonly kind: 'silent'; readonly times?: number }
  /** A well-formed success whose JSON is padded to `bytes` (what no WeChat answer is: a memory and time bomb). */
  | { readonly kind: 'huge'; readonly bytes: number; readonly times?: number };

export type FaultKind = Fault['kind'];

/** Named faults for the command line (`npm start -- --fault NAME`). */
export const NAMED_FAULTS: Readonly<Record<string, Fault>> = {
  'busy-once': { kind: 'errcode', errcode: -1, times: 1 },
  busy: { kind: 'errcode', errcode: -1, times: Infinity },
  '502': { kind: 'http-status', status: 502, times: Infinity },
  'gateway-error': { kind: 'gateway-json', code: 'SYS_ERR', times: Infinity },
  'no-permission': { kind: 'pb-error', errorCode: -604101, times: Infinity },
  garbage: { kind: 'garbage', times: Infinity },
  empty: { kind: 'empty', times: Infinity },
  'not-json': { kind: 'not-json', contentType: 'text/plain', times: Infinity },
  drop: { kind: 'drop', times: Infinity },
  slow: { kind: 'slow', delayMs: 1500, times: Infinity },
  silent: { kind: 'silent', times: Infinity },
  huge: { kind: 'huge', bytes: 100 * 1024 * 1024, times: Infinity },
};

/** A queue of faults; the first one with uses left applies to the next request. */
export class FaultQueue {
  private readonly pending: Array<{ fault: Fault; left: number }> = [];

  add(fault: Fault): void {
    this.pending.push({ fault, left: fault.times ?? 1 });
  }

  clear(): void {
    this.pending.length = 0;
  }

  take(): Fault | undefined {
    const next = this.pending[0];
    if (!next) return undefined;
    next.left -= 1;
    if (next.left <= 0) this.pending.shift();
    return next.fault;
  }
}
