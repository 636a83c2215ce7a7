import { describeCode, ProjectCode } from '../core/codes';
import { OperationError } from '../core/errors';
import { isCertificateError, mayHaveBeenDelivered } from '../core/network';
import { MAX_ANSWER_BYTES, unexpectedAnswer } from '../core/remote';
import { postWithNode, type Cutoff, type RawAnswer } from './http-request';

/**
 * One JSON POST, every failure turned into an OperationError the same way the cloud path turns its
 * faults: not 200 (redirects included, never followed) -> -501001, an answer larger than
 * MAX_ANSWER_BYTES, an empty or a non-JSON one -> -930203 (no WeChat errcode in it), network ->
 * -501001, out of time -> DEADLINE_EXCEEDED. Causes never carry the URL (it holds the access token)
 * or the body sent (it may hold the app secret).
 *
 * By default the request goes through Node's http/https with keep-alive agents (http-request.ts);
 * a `fetch` given by the caller (createHttpsClient's `fetch` option: a proxy, a test) is used
 * instead, under the very same rules.
 */
export type Fetch = typeof fetch;

/** The largest answer read (one limit for both transports, in core/remote.ts). */
export { MAX_ANSWER_BYTES };

/** Node's socket or TLS error code: on the error itself (node:http) or in `error.cause.code` (fetch). */
function networkCode(error: unknown): string {
  const own = String((error as { code?: unknown }).code);
  if (/^E[A-Z_]+$/.test(own) || isCertificateError(own)) return own;
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string' ? cause.code : (error as Error).name || 'network error';
}

/** A fetch Response, read the way http-request.ts's answers are. */
async function postWithFetch(fetchImpl: Fetch, url: string, payload: string, signal: AbortSignal): Promise<RawAnswer> {
  // `redirect: 'manual'`: following one would send the body, which may hold the app secret, to
  // whatever host the Location names.
  const response = await fetchImpl(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload, redirect: 'manual', signal });
  const body = response.body;
  const reader = body?.getReader();
  return {
    status: response.status,
    redirected: response.redirected,
    contentLength: response.headers.get('content-length'),
    async forEachChunk(onChunk) {
      for (;;) {
        const next = await reader?.read();
        if (next === undefined || next.done) return;
        onChunk(next.value as Uint8Array);
      }
    },
    abandon: () => void reader?.cancel().catch(() => undefined),
  };
}

/** Only a 200 that was not reached through a redirect is an answer. */
function checkStatus(answer: RawAnswer): void {
  if (answer.status === 200 && !answer.redirected) return;
  answer.abandon();
  const redirect = answer.redirected || (answer.status >= 300 && answer.status < 400);
  const code = redirect ? `HTTP ${answer.status} redirect, not followed` : `HTTP ${answer.status}`;
  throw new OperationError(-501001, { maybeDelivered: true, cause: { code } });
}

/** Not one of WeChat's answers, so not retried: asking again would only read the same again. */
function tooLarge(): OperationError {
  return unexpectedAnswer(`an answer larger than ${MAX_ANSWER_BYTES} bytes`, { code: 'too large', message: `answer larger than ${MAX_ANSWER_BYTES} bytes` });
}

/** The body as text, read chunk by chunk and abandoned as soon as it passes MAX_ANSWER_BYTES. */
async function readBounded(answer: RawAnswer): Promise<string> {
  if (Number(answer.contentLength ?? 0) > MAX_ANSWER_BYTES) {
    answer.abandon();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  await answer.forEachChunk((chunk) => {
    // Past the bound nothing more is kept (abandoning again is harmless: no chunk follows it).
    size += chunk.byteLength;
    if (size > MAX_ANSWER_BYTES) answer.abandon();
    else chunks.push(chunk);
  });
  if (size > MAX_ANSWER_BYTES) throw tooLarge();
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The end of one exchange: when the call's signal aborts. A callback rather than a controller of
 * its own per exchange: the default path (node:http) only has to destroy its request, and a
 * controller with its listeners was about 4 % of a call's CPU when profiled. No timer here: the
 * call's budget has the one timer (core/deadline.ts). A caller's fetch gets a signal made from it
 * (signalOf).
 */
class ExchangeCutoff implements Cutoff {
  expired = false;
  private cancel: (() => void) | undefined;

  constructor(private readonly signal: AbortSignal) {
    // No `once`: release() removes it, whichever comes first; expiring twice cancels twice, harmlessly.
    if (signal.aborted) this.expire();
    else signal.addEventListener('abort', this.expire);
  }

  readonly expire = (): void => {
    this.expired = true;
    this.cancel?.();
  };

  onExpire(cancel: () => void): void {
    this.cancel = cancel;
    if (this.expired) cancel();
  }

  release(): void {
    this.signal.removeEventListener('abort', this.expire);
  }
}

/** An AbortSignal that aborts when `cutoff` expires: what a fetch understands. */
function signalOf(cutoff: Cutoff): AbortSignal {
  const controller = new AbortController();
  cutoff.onExpire(() => controller.abort());
  return controller.signal;
}

/** What else a POST may be given besides its URL, body and time. */
export interface PostOptions {
  /**
   * Awaited before the request goes out, within the exchange's time (a batch's rate limit shared
   * by its workers: every request to WeChat waits for its slot, token fetches included).
   */
  readonly beforeRequest?: (() => Promise<void>) | undefined;
}

/** A certificate Node does not trust: errMsg names Node's code (a fixed identifier, never a value), so the reader knows which check failed. */
function certificateRefused(code: string): OperationError {
  const { what, todo } = describeCode(ProjectCode.CERTIFICATE_REFUSED)!;
  return new OperationError(ProjectCode.CERTIFICATE_REFUSED, { detail: `${what} (${code}): ${todo}`, cause: { code, message: 'certificate refused' } });
}

/** Out of time: the request may have reached WeChat, and the answer was not read. */
function deadlineExceeded(): OperationError {
  return new OperationError(ProjectCode.DEADLINE_EXCEEDED, { maybeDelivered: true, cause: { code: 'timeout' } });
}

/** Sends and reads before `signal` aborts; every failure on the way is an OperationError. */
async function exchange(fetchImpl: Fetch | undefined, url: string, body: unknown, signal: AbortSignal, options: PostOptions): Promise<string> {
  const cutoff = new ExchangeCutoff(signal);
  try {
    const payload = JSON.stringify(body);
    // A slot that comes after the cutoff sends nothing: both ways below refuse an expired cutoff.
    if (options.beforeRequest) await options.beforeRequest();
    const answer = fetchImpl ? await postWithFetch(fetchImpl, url, payload, signalOf(cutoff)) : await postWithNode(url, payload, cutoff);
    checkStatus(answer);
    const text = await readBounded(answer);
    // An answer cut short by the deadline may end quietly: what was read of it is not an answer.
    if (cutoff.expired) throw deadlineExceeded();
    return text;
  } catch (error) {
    if (cutoff.expired) throw deadlineExceeded();
    if (error instanceof OperationError) throw error;
    const code = networkCode(error);
    if (isCertificateError(code)) throw certificateRefused(code);
    throw new OperationError(-501001, { maybeDelivered: mayHaveBeenDelivered(code), cause: { code, message: 'request failed' } });
  } finally {
    cutoff.release();
  }
}

/** WeChat answers a JSON object; anything else carries no errcode, so nobody can say what happened. */
function parseAnswer(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Told apart only when it failed: most answers are JSON, and trimming each one costs a copy.
    if (text.trim() === '') throw unexpectedAnswer('an empty body', { code: 'empty body' });
    throw unexpectedAnswer('a body that is not JSON', { code: 'not JSON', message: text.slice(0, 80) });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw unexpectedAnswer('a JSON value that is not an object');
  return parsed as Record<string, unknown>;
}

/**
 * POSTs `body` as JSON to `url` and resolves WeChat's answer object. `fetchImpl` undefined: Node's
 * http/https with keep-alive (the default); a fetch: that one. The exchange ends when `signal`
 * (the call's budget's) aborts: DEADLINE_EXCEEDED.
 */
export async function postJson(fetchImpl: Fetch | undefined, url: string, body: unknown, signal: AbortSignal, options: PostOptions = {}): Promise<Record<string, unknown>> {
  return parseAnswer(await exchange(fetchImpl, url, body, signal, options));
}
