/**
 * What postJson says about a failure, beyond its code: the cause a log line and an operator read
 * (which socket error, which status, why the body is not an answer), and what an exchange leaves
 * behind (timers, listeners, a request sent after its time). Rules that only the mutation run
 * showed unchecked; the codes themselves are in hardening-https.test.ts.
 */
import { within } from '../support/within';
import { getEventListeners } from 'node:events';
import { ProjectCode } from '../../src/core/codes';
import { OperationError } from '../../src/core/errors';
import { MAX_ANSWER_BYTES, postJson, type Fetch } from '../../src/https/http';

type Init = RequestInit & { body: string; signal: AbortSignal };

/** A fetch that fails the way `error` says, as undici or a proxy would. */
const failingWith = (error: unknown): Fetch =>
  (async () => {
    throw error;
  }) as unknown as Fetch;

const answering = (response: () => Response): Fetch => (async () => response()) as unknown as Fetch;

async function failure(promise: Promise<unknown>): Promise<OperationError> {
  const caught = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(caught).toBeInstanceOf(OperationError);
  return caught as OperationError;
}

describe('a network failure names the socket error, and whether the request may have gone out follows from it', () => {
  test.each([
    ['node:http\'s own code', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'ECONNREFUSED', false],
    ['a code with underscores', Object.assign(new Error('getaddrinfo'), { code: 'EAI_AGAIN' }), 'EAI_AGAIN', false],
    ['fetch\'s code, in its cause', new TypeError('fetch failed', { cause: { code: 'ENOTFOUND' } }), 'ENOTFOUND', false],
    ['a reset', new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } }), 'ECONNRESET', true],
    // Only a Node socket code on the error itself counts; anything else defers to the cause.
    ['an own code that is not a socket code', Object.assign(new TypeError('fetch failed', { cause: { code: 'EHOSTUNREACH' } }), { code: 'UND_ERR_SOCKET' }), 'EHOSTUNREACH', false],
    ['an own code with lower case', Object.assign(new TypeError('x', { cause: { code: 'ENETUNREACH' } }), { code: 'Econnrefused' }), 'ENETUNREACH', false],
    ['an own code with text after it', Object.assign(new TypeError('x', { cause: { code: 'ENETUNREACH' } }), { code: 'ECONNREFUSED.x' }), 'ENETUNREACH', false],
    ['an own code with text before it', Object.assign(new TypeError('x', { cause: { code: 'ENETUNREACH' } }), { code: 'xECONNREFUSED' }), 'ENETUNREACH', false],
    ['an own code that is only "E"', Object.assign(new TypeError('x', { cause: { code: 'ENETUNREACH' } }), { code: 'E' }), 'ENETUNREACH', false],
    ['an own code that is a number', Object.assign(new TypeError('x', { cause: { code: 'ENETUNREACH' } }), { code: 20 }), 'ENETUNREACH', false],
    ['no code anywhere: the error\'s name', new TypeError('fetch failed'), 'TypeError', true],
    ['a cause whose code is not text: the name', new RangeError('x', { cause: { code: 111 } }), 'RangeError', true],
    ['no code and no name', Object.assign(new Error('x'), { name: '' }), 'network error', true],
  ])('%s', async (_name, thrown, code, maybeDelivered) => {
    const error = await failure(postJson(failingWith(thrown), 'http://x', {}, within(1000)));
    expect(error).toMatchObject({ code: -501001, maybeDelivered });
    expect(error.cause).toEqual({ code, message: 'request failed' });
  });
});

describe('a server certificate Node does not trust is -930309 at once: named, never retried, nothing sent', () => {
  test.each([
    ['node:https\'s own code', Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 'DEPTH_ZERO_SELF_SIGNED_CERT'],
    ['fetch\'s code, in its cause', new TypeError('fetch failed', { cause: { code: 'CERT_HAS_EXPIRED' } }), 'CERT_HAS_EXPIRED'],
    ['a certificate for another name', Object.assign(new Error('altnames'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), 'ERR_TLS_CERT_ALTNAME_INVALID'],
    ['an unknown issuer', Object.assign(new TypeError('fetch failed', { cause: { code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' } }), { code: 'UND_ERR_SOCKET' }), 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'],
  ])('%s', async (_name, thrown, code) => {
    const error = await failure(postJson(failingWith(thrown), 'https://x', {}, within(1000)));
    expect(error).toMatchObject({ code: ProjectCode.CERTIFICATE_REFUSED, maybeDelivered: false });
    expect(error.detail).toBe(
      `the server's TLS certificate was not trusted, so nothing was sent (${code}): check the base URL (WeChat's is https://api.weixin.qq.com); a server with its own CA needs that CA trusted, with NODE_EXTRA_CA_CERTS=ca.pem`,
    );
    expect(error.cause).toEqual({ code, message: 'certificate refused' });
  });

  test.each(['CERT_HAS_EXPIRED_X', 'XCERT_HAS_EXPIRED', 'UNABLE_TO_CONNECT', 'SELF_SIGNED'])('%s is no certificate code: a network failure as before', async (code) => {
    const error = await failure(postJson(failingWith(new TypeError('fetch failed', { cause: { code } })), 'https://x', {}, within(1000)));
    expect(error.code).toBe(-501001);
  });
});

describe('a status that is not 200 is named in the cause, and its body is never read', () => {
  /** A response of `status` whose body records whether anyone read or cancelled it. */
  function unread(status: number) {
    const state = { pulled: false, cancelled: false };
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        state.pulled = true;
        controller.enqueue(new TextEncoder().encode('{"errcode":0}'));
        controller.close();
      },
      cancel() {
        state.cancelled = true;
      },
    });
    return { response: () => ({ status, redirected: false, headers: new Headers(), body }) as unknown as Response, state };
  }

  test.each([
    [300, 'HTTP 300 redirect, not followed'],
    [399, 'HTTP 399 redirect, not followed'],
    [299, 'HTTP 299'],
    [400, 'HTTP 400'],
    [502, 'HTTP 502'],
  ])('%i', async (status, code) => {
    const { response, state } = unread(status);
    const error = await failure(postJson(answering(response), 'http://x', {}, within(1000)));
    expect(error).toMatchObject({ code: -501001, maybeDelivered: true });
    expect(error.cause).toEqual({ code });
    expect(state.cancelled).toBe(true);
  });

  test('a 200 reached through a redirect says so', async () => {
    const { state, response } = unread(200);
    const followed = () => Object.assign(response(), { redirected: true });
    const error = await failure(postJson(answering(followed), 'http://x', {}, within(1000)));
    expect(error.cause).toEqual({ code: 'HTTP 200 redirect, not followed' });
    expect(state.cancelled).toBe(true);
  });
});

describe('a body that is not an answer says which way it is not', () => {
  const detail = (what: string) => `the answer carried no WeChat result code (${what}), so whether WeChat acted on it is unknown`;

  test.each([
    ['nothing', '', 'an empty body', { code: 'empty body' }],
    ['white space', ' \r\n\t', 'an empty body', { code: 'empty body' }],
    ['a proxy\'s page', '<html>502</html>', 'a body that is not JSON', { code: 'not JSON', message: '<html>502</html>' }],
    // Only the first 80 characters of it are kept: enough to recognise a proxy's page.
    ['a long page: its first 80 characters', `<html>${'x'.repeat(200)}`, 'a body that is not JSON', { code: 'not JSON', message: `<html>${'x'.repeat(74)}` }],
  ])('%s', async (_name, text, what, cause) => {
    const error = await failure(postJson(answering(() => new Response(text)), 'http://x', {}, within(1000)));
    expect(error).toMatchObject({ code: ProjectCode.UNEXPECTED_ANSWER, maybeDelivered: true, detail: detail(what) });
    expect(error.cause).toEqual(cause);
  });

  test.each(['null', '[]', '[{"errcode":0}]', '5', '"errcode"', 'true'])('%s is JSON but not an object', async (text) => {
    const error = await failure(postJson(answering(() => new Response(text)), 'http://x', {}, within(1000)));
    expect(error).toMatchObject({ code: ProjectCode.UNEXPECTED_ANSWER, detail: detail('a JSON value that is not an object') });
  });

  test('a 200 with no body at all is an empty body', async () => {
    const error = await failure(postJson(answering(() => new Response(null)), 'http://x', {}, within(1000)));
    expect(error.cause).toEqual({ code: 'empty body' });
  });

  test('an answer that ends quietly after the deadline is not an answer, whole as it may look', async () => {
    // A fetch that ignores its signal and finishes late: what it read came after the deadline.
    const late = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 60));
      return new Response('{"errcode":0}');
    }) as unknown as Fetch;
    const error = await failure(postJson(late, 'http://x', {}, within(10)));
    expect(error).toMatchObject({ code: ProjectCode.DEADLINE_EXCEEDED, maybeDelivered: true, cause: { code: 'timeout' } });
  });

  test('an answer past the bound names the bound', async () => {
    const error = await failure(postJson(answering(() => new Response('x'.repeat(MAX_ANSWER_BYTES + 1))), 'http://x', {}, within(1000)));
    expect(error).toMatchObject({ detail: detail(`an answer larger than ${MAX_ANSWER_BYTES} bytes`) });
    expect(error.cause).toEqual({ code: 'too large', message: `answer larger than ${MAX_ANSWER_BYTES} bytes` });
  });

  test('a declared length of exactly the bound is read', async () => {
    const text = JSON.stringify({ errcode: 0, pad: '' });
    const padded = JSON.stringify({ errcode: 0, pad: 'p'.repeat(MAX_ANSWER_BYTES - text.length) });
    const response = () => new Response(padded, { headers: { 'content-length': String(MAX_ANSWER_BYTES) } });
    expect(await postJson(answering(response), 'http://x', {}, within(1000))).toMatchObject({ errcode: 0 });
  });

  test('a body that stops at the bound and then goes on is refused, not read up to the bound', async () => {
    // The first chunk is a whole answer of exactly the bound; a reader that stopped counting there would accept it.
    const text = JSON.stringify({ errcode: 0, pad: '' });
    const first = new TextEncoder().encode(JSON.stringify({ errcode: 0, pad: 'p'.repeat(MAX_ANSWER_BYTES - text.length) }));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(first);
        controller.enqueue(Uint8Array.of(0x20));
        controller.close();
      },
    });
    const error = await failure(postJson(answering(() => new Response(body)), 'http://x', {}, within(1000)));
    expect(error.cause).toMatchObject({ code: 'too large' });
  });
});

describe('what a fetch is asked, and what an exchange leaves behind', () => {
  test('a POST of the body as JSON, redirects not followed, with a signal', async () => {
    const seen: Array<{ url: string; init: Init }> = [];
    const fetchImpl = (async (url: string, init: Init) => {
      seen.push({ url, init });
      return new Response('{"errcode":0}');
    }) as unknown as Fetch;
    await postJson(fetchImpl, 'http://x/wxa/plugin?access_token=t', { action: 'apply', n: 1 }, within(1000));
    expect(seen).toHaveLength(1);
    const { url, init } = seen[0]!;
    expect(url).toBe('http://x/wxa/plugin?access_token=t');
    expect({ method: init.method, headers: init.headers, body: init.body, redirect: init.redirect }).toEqual({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"action":"apply","n":1}',
      redirect: 'manual',
    });
    expect(init.signal).toBeInstanceOf(AbortSignal);
    expect(init.signal.aborted).toBe(false);
  });

  test('the deadline aborts the signal the fetch was given', async () => {
    let given: AbortSignal | undefined;
    const fetchImpl = ((_url: string, init: Init) => {
      given = init.signal;
      return new Promise<Response>((_resolve, reject) => init.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    }) as unknown as Fetch;
    const error = await failure(postJson(fetchImpl, 'http://x', {}, within(20)));
    expect(error).toMatchObject({ code: ProjectCode.DEADLINE_EXCEEDED, maybeDelivered: true });
    expect(error.cause).toEqual({ code: 'timeout' });
    expect(given?.aborted).toBe(true);
  });

  test('a request whose slot comes after its deadline is never sent', async () => {
    const sent: boolean[] = [];
    // Like a real fetch: an already aborted signal sends nothing.
    const fetchImpl = (async (_url: string, init: Init) => {
      if (init.signal.aborted) throw new DOMException('aborted', 'AbortError');
      sent.push(true);
      return new Response('{"errcode":0}');
    }) as unknown as Fetch;
    const beforeRequest = () => new Promise<void>((resolve) => setTimeout(resolve, 60));
    const error = await failure(postJson(fetchImpl, 'http://x', {}, within(10), { beforeRequest }));
    expect(error.code).toBe(ProjectCode.DEADLINE_EXCEEDED);
    expect(sent).toEqual([]);
  });

  test('no timer and no abort listener outlive an exchange, whatever its end', async () => {
    const outer = new AbortController();
    jest.useFakeTimers();
    try {
      await postJson(answering(() => new Response('{"errcode":0}')), 'http://x', {}, outer.signal);
      await failure(postJson(answering(() => new Response('', { status: 500 })), 'http://x', {}, outer.signal));
      await failure(postJson(failingWith(new TypeError('fetch failed')), 'http://x', {}, outer.signal));
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
    expect(getEventListeners(outer.signal, 'abort')).toHaveLength(0);
  });
});
