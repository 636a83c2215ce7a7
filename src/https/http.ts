import { ProjectCode } from '../core/codes';
import { OperationError } from '../core/errors';
import { mayHaveBeenDelivered } from '../core/network';
import { timerDelay } from '../core/deadline';
import { unexpectedAnswer } from '../core/remote';

/**
 * One JSON POST with Node's built-in fetch (undici), every failure turned into an OperationError
 * the same way the cloud path turns its faults: not 200 (redirects included) -> -501001, an answer
 * larger than MAX_ANSWER_BYTES, an empty or a non-JSON one -> -930203 (no WeChat
 * errcode in it), network -> -501001, out of time -> DEADLINE_EXCEEDED. Causes never carry the URL
 * (it holds the access token) or the body sent (it may hold the app secret).
 */
export type Fetch = typeof fetch;

/**
 * The largest answer read. WeChat's answers are a few hundred bytes; anything past this is not
 * one of them, and reading it whole would cost its size in memory.
 */
export const MAX_ANSWER_BYTES = 1024 * 1024;


/** Node's socket error code, as undici reports it in `error.cause.code`. */
function networkCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string' ? cause.code : (error as Error).name || 'network error';
}

/** Frees the connection of an answer that will not be read. */
function discard(response: Response): void {
  response.body?.cancel().catch(() => undefined);
}

/**
 * Only a 200 is an answer. A redirect is never followed (`redirect: 'manual'`): following one
 * would send the body, which may hold the app secret, to whatever host the Location names.
 */
function checkStatus(response: Response): void {
  if (response.status === 200 && !response.redirected) return;
  discard(response);
  const redirect = response.redirected || (response.status >= 300 && response.status < 400);
  const code = redirect ? `HTTP ${response.status} redirect, not followed` : `HTTP ${response.status}`;
  throw new OperationError(-501001, { maybeDelivered: true, cause: { code } });
}

/** Not one of WeChat's answers, so not retried: asking again would only read the same again. */
function tooLarge(): OperationError {
  return unexpectedAnswer(`an answer larger than ${MAX_ANSWER_BYTES} bytes`, { code: 'too large', message: `answer larger than ${MAX_ANSWER_BYTES} bytes` });
}

/** The body as text, read chunk by chunk and abandoned as soon as it passes MAX_ANSWER_BYTES. */
async function readBounded(response: Response): Promise<string> {
  if (Number(response.headers.get('content-length') ?? 0) > MAX_ANSWER_BYTES) {
    discard(response);
    throw tooLarge();
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Sends and reads within `timeoutMs`; every failure on the way is an OperationError. */
async function exchange(fetchImpl: Fetch, url: string, body: unknown, timeoutMs: number): Promise<string> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timerDelay(timeoutMs));
  try {
    const response = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      redirect: 'manual',
      signal: controller.signal,
    });
    checkStatus(response);
    return await readBounded(response);
  } catch (error) {
    if (controller.signal.aborted) throw new OperationError(ProjectCode.DEADLINE_EXCEEDED, { maybeDelivered: true, cause: { code: 'timeout' } });
    if (error instanceof OperationError) throw error;
    const code = networkCode(error);
    throw new OperationError(-501001, { maybeDelivered: mayHaveBeenDelivered(code), cause: { code, message: 'request failed' } });
  } finally {
    clearTimeout(timer);
  }
}

/** WeChat answers a JSON object; anything else carries no errcode, so nobody can say what happened. */
function parseAnswer(text: string): Record<string, unknown> {
  if (text.trim() === '') throw unexpectedAnswer('an empty body', { code: 'empty body' });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw unexpectedAnswer('a body that is not JSON', { code: 'not JSON', message: text.slice(0, 80) });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw unexpectedAnswer('a JSON value that is not an object');
  return parsed as Record<string, unknown>;
}

export async function postJson(fetchImpl: Fetch, url: string, body: unknown, timeoutMs: number): Promise<Record<string, unknown>> {
  return parseAnswer(await exchange(fetchImpl, url, body, timeoutMs));
}
