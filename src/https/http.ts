import { ProjectCode } from '../core/codes';
import { OperationError } from '../core/errors';
import { mayHaveBeenDelivered } from '../core/network';
import { unexpectedAnswer } from '../core/remote';

/**
 * One JSON POST with Node's built-in fetch (undici), every failure turned into an OperationError
 * the same way the cloud path turns its faults: not 200 -> -501001, unreadable body -> -601001,
 * network -> -501001, out of time -> DEADLINE_EXCEEDED. Causes never carry the URL (it holds the
 * access token) or the body sent (it may hold the app secret).
 */
export type Fetch = typeof fetch;

/** Node's socket error code, as undici reports it in `error.cause.code`. */
function networkCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string' ? cause.code : (error as Error).name || 'network error';
}

export async function postJson(fetchImpl: Fetch, url: string, body: unknown, timeoutMs: number): Promise<Record<string, unknown>> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), Math.max(0, timeoutMs));
  let status: number;
  let text: string;
  try {
    const response = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    status = response.status;
    text = await response.text();
  } catch (error) {
    if (controller.signal.aborted) throw new OperationError(ProjectCode.DEADLINE_EXCEEDED, { maybeDelivered: true, cause: { code: 'timeout' } });
    const code = networkCode(error);
    throw new OperationError(-501001, { maybeDelivered: mayHaveBeenDelivered(code), cause: { code, message: 'request failed' } });
  } finally {
    clearTimeout(timer);
  }
  if (status !== 200) throw new OperationError(-501001, { maybeDelivered: true, cause: { code: `HTTP ${status}` } });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new OperationError(-601001, { maybeDelivered: true, cause: { code: 'not JSON', message: text.slice(0, 80) } });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw unexpectedAnswer('a JSON value that is not an object');
  return parsed as Record<string, unknown>;
}
