/**
 * The HTTPS path's edges, with a scripted fetch (no sockets): answers that are not answers,
 * redirects, oversized bodies, odd time budgets, and token refusals under concurrency. The
 * end-to-end suite (test/e2e/hardening-https.test.ts) repeats the important ones over loopback.
 */
import { within } from '../support/within';
import { budgetOf, type Budget } from '../../src/core/deadline';
import { ProjectCode } from '../../src/core/codes';
import { OperationError } from '../../src/core/errors';
import { givenToken, stableToken } from '../../src/https/access-token';
import { MAX_ANSWER_BYTES, postJson, type Fetch } from '../../src/https/http';
import { createHttpsTransport } from '../../src/https/https-transport';

type Init = RequestInit & { body: string };
type Handler = (url: string, init: Init) => Response | Promise<Response>;

/** A fetch that answers through `handler` and remembers what was asked. */
function fakeFetch(handler: Handler) {
  const requests: Array<{ url: string; init: Init; body: Record<string, unknown> }> = [];
  const fetchImpl = (async (url: string, init: Init) => {
    requests.push({ url, init, body: JSON.parse(init.body) as Record<string, unknown> });
    return handler(url, init);
  }) as unknown as Fetch;
  return { fetchImpl, requests };
}

const json = (value: unknown, status = 200): Response => new Response(JSON.stringify(value), { status });

/** A body that never ends: 64 KiB chunks on demand, counting what was pulled and whether it was cancelled. */
function endlessBody() {
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      state.pulled += chunk.byteLength;
      controller.enqueue(chunk);
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

async function failure(promise: Promise<unknown>): Promise<OperationError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OperationError);
  return error as OperationError;
}

describe('postJson: what is not an answer', () => {
  test.each([
    ['an empty body', ''],
    ['a blank body', ' \r\n'],
    ['a body that is not JSON', '<html>502 Bad Gateway</html>'],
  ])('%s is -930203 (no errcode in it), maybe delivered', async (_name, text) => {
    const error = await failure(postJson(fakeFetch(() => new Response(text, { status: 200 })).fetchImpl, 'http://x', {}, within(1000)));
    expect(error).toMatchObject({ code: ProjectCode.UNEXPECTED_ANSWER, maybeDelivered: true });
  });
});

describe('postJson: redirects', () => {
  test('asks fetch not to follow them', async () => {
    const { fetchImpl, requests } = fakeFetch(() => json({ errcode: 0 }));
    await postJson(fetchImpl, 'http://x', {}, within(1000));
    expect(requests[0]!.init.redirect).toBe('manual');
  });

  test.each([301, 302, 303, 307, 308])('a %i is a failure, -501001, maybe delivered, naming the redirect', async (status) => {
    const { fetchImpl, requests } = fakeFetch(() => new Response(null, { status, headers: { location: 'http://elsewhere.example/steal' } }));
    const error = await failure(postJson(fetchImpl, 'http://x', { secret: 's' }, within(1000)));
    expect(error).toMatchObject({ code: -501001, maybeDelivered: true, cause: { code: `HTTP ${status} redirect, not followed` } });
    expect(requests).toHaveLength(1);
  });

  test('an answer a fetch reached by following a redirect anyway is refused too', async () => {
    const followed = json({ errcode: 0 });
    Object.defineProperty(followed, 'redirected', { value: true });
    const error = await failure(postJson(fakeFetch(() => followed).fetchImpl, 'http://x', {}, within(1000)));
    expect(error).toMatchObject({ code: -501001, maybeDelivered: true });
  });
});

describe('postJson: bounded answers', () => {
  const tooLarge = { code: ProjectCode.UNEXPECTED_ANSWER, maybeDelivered: true, cause: { message: `answer larger than ${MAX_ANSWER_BYTES} bytes` } };

  test('an endless body is abandoned just past MAX_ANSWER_BYTES, and its stream cancelled', async () => {
    const { stream, state } = endlessBody();
    const error = await failure(postJson(fakeFetch(() => new Response(stream, { status: 200 })).fetchImpl, 'http://x', {}, within(5000)));
    expect(error).toMatchObject(tooLarge);
    expect(state.cancelled).toBe(true);
    // Pulled ahead by at most a couple of chunks (the stream's own queue), never the whole thing.
    expect(state.pulled).toBeGreaterThan(MAX_ANSWER_BYTES);
    expect(state.pulled).toBeLessThanOrEqual(MAX_ANSWER_BYTES + 4 * 64 * 1024);
  });

  test('a declared length over the bound is refused before a byte is read', async () => {
    const { stream, state } = endlessBody();
    const response = new Response(stream, { status: 200, headers: { 'content-length': String(600 * 1024 * 1024) } });
    const error = await failure(postJson(fakeFetch(() => response).fetchImpl, 'http://x', {}, within(5000)));
    expect(error).toMatchObject(tooLarge);
    expect(state.pulled).toBeLessThanOrEqual(64 * 1024);
  });

  test('an answer of exactly MAX_ANSWER_BYTES is read; one byte more is not', async () => {
    const padded = (size: number) => {
      const skeleton = JSON.stringify({ errcode: 0, pad: '' });
      return JSON.stringify({ errcode: 0, pad: 'p'.repeat(size - skeleton.length) });
    };
    const answer = await postJson(fakeFetch(() => new Response(padded(MAX_ANSWER_BYTES))).fetchImpl, 'http://x', {}, within(5000));
    expect((answer.pad as string).length).toBeGreaterThan(MAX_ANSWER_BYTES - 100);
    await expect(postJson(fakeFetch(() => new Response(padded(MAX_ANSWER_BYTES + 1))).fetchImpl, 'http://x', {}, within(5000))).rejects.toMatchObject(tooLarge);
  });

  test('multi-byte characters split across chunks are decoded whole', async () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ errcode: 89237, errmsg: '已经添加该插件' }));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const byte of bytes) controller.enqueue(Uint8Array.of(byte));
        controller.close();
      },
    });
    expect(await postJson(fakeFetch(() => new Response(stream)).fetchImpl, 'http://x', {}, within(1000))).toEqual({ errcode: 89237, errmsg: '已经添加该插件' });
  });
});

describe('postJson: time budgets', () => {
  /** A fetch that answers after `ms`, or rejects as undici does when its signal aborts first. */
  const slowFetch = (ms: number) =>
    fakeFetch(
      (_url, init) =>
        new Promise<Response>((resolve, reject) => {
          const timer = setTimeout(() => resolve(json({ errcode: 0 })), ms);
          init.signal?.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(new DOMException('This operation was aborted', 'AbortError'));
          });
        }),
    ).fetchImpl;

  test('running out of time is DEADLINE_EXCEEDED, maybe delivered', async () => {
    expect(await failure(postJson(slowFetch(1000), 'http://x', {}, within(20)))).toMatchObject({ code: ProjectCode.DEADLINE_EXCEEDED, maybeDelivered: true });
  });

  test('running out of time while the body trickles in is DEADLINE_EXCEEDED too', async () => {
    // Part of an answer, then nothing: undici errors the body when the request's signal aborts.
    const fetchImpl = fakeFetch((_url, init) => {
      const stalled = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"errc'));
          init.signal?.addEventListener('abort', () => controller.error(new DOMException('This operation was aborted', 'AbortError')));
        },
      });
      return new Response(stalled);
    }).fetchImpl;
    const reading = postJson(fetchImpl, 'http://x', {}, within(20));
    await expect(reading).rejects.toMatchObject({ code: ProjectCode.DEADLINE_EXCEEDED });
  });

  test.each([
    ['Infinity', Infinity],
    ['2^31 ms', 2 ** 31],
    ['1e12 ms', 1e12],
  ])('a budget of %s waits for the answer, without a TimeoutOverflowWarning', async (_name, budget) => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      expect(await postJson(slowFetch(30), 'http://x', {}, within(budget))).toEqual({ errcode: 0 });
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((warning) => warning.name)).not.toContain('TimeoutOverflowWarning');
  });

  test('a budget that is not a number leaves no time: DEADLINE_EXCEEDED, not an unbounded wait', async () => {
    expect(await failure(postJson(slowFetch(1000), 'http://x', {}, within(NaN)))).toMatchObject({ code: ProjectCode.DEADLINE_EXCEEDED });
  });
});

describe('stable tokens: what the token request answers (the refresh rule: token-rule.test.ts)', () => {
  test.each([
    ['without a token', () => json({ expires_in: 7200 }), 'answered without access_token and expires_in'],
    ['with an empty body', () => new Response(''), 'answered with no JSON object'],
    ['with HTML', () => new Response('<html></html>'), 'answered with no JSON object'],
  ])('a token request answered %s: -930203, saying nothing was sent and what to check', async (_name, answer, what) => {
    const tokens = stableToken({ appid: 'wxa', secret: 's', baseUrl: 'http://x', fetch: fakeFetch(answer).fetchImpl });
    const error = await failure(tokens.get(budgetOf(1000)));
    expect(error.code).toBe(ProjectCode.UNEXPECTED_ANSWER);
    expect(error.maybeDelivered).toBe(false);
    expect(error.detail).toBe(`the token request to stable_token ${what}, so nothing was sent: check WECHAT_APPID and WECHAT_APPSECRET`);
  });

  test('a given token cannot be refreshed, whatever token is refused', () => {
    const tokens = givenToken('mine');
    expect(tokens.invalidate('mine')).toBe(false);
    expect(tokens.invalidate('other')).toBe(false);
  });
});

describe('the HTTPS transport', () => {
  /** /wxa/plugin accepts only `valid`; stable_token hands out `stale` first, `valid` when forced. */
  function api(answer: Record<string, unknown> = { errcode: 0, errmsg: 'ok', plugin_list: [] }) {
    return fakeFetch((url, init) => {
      if (url.includes('/cgi-bin/stable_token')) {
        const forced = (JSON.parse(init.body) as { force_refresh?: boolean }).force_refresh === true;
        return json({ access_token: forced ? 'valid' : 'stale', expires_in: 7200 });
      }
      return json(url.endsWith('access_token=valid') ? answer : { errcode: 40001, errmsg: 'invalid credential' });
    });
  }

  test('resolves WeChat\'s answer without errcode and errmsg', async () => {
    const { fetchImpl } = api({ errcode: 0, errmsg: 'ok', plugin_list: [{ appid: 'wx1' }], total: 1 });
    const transport = createHttpsTransport({ baseUrl: 'http://x', tokens: givenToken('valid'), fetch: fetchImpl });
    expect(await transport.send({ cloudApi: 'pluginManager.getPluginList', path: '/wxa/plugin' }, { action: 'list' }, budgetOf(1000))).toEqual({ plugin_list: [{ appid: 'wx1' }], total: 1 });
  });

  test('a refused token goes back to the source with its code: re-read first, forced only when the re-read one is refused too', async () => {
    const { fetchImpl, requests } = api();
    const tokens = stableToken({ appid: 'wxa', secret: 's', baseUrl: 'http://x', fetch: fetchImpl });
    const refused: Array<[string, number | undefined]> = [];
    const spy = { get: (budget: Budget) => tokens.get(budget), invalidate: (token: string, code?: number) => (refused.push([token, code]), tokens.invalidate(token, code)) };
    const transport = createHttpsTransport({ baseUrl: 'http://x', tokens: spy, fetch: fetchImpl });
    expect(await transport.send({ cloudApi: 'pluginManager.applyPlugin', path: '/wxa/plugin' }, { action: 'apply' }, budgetOf(1000))).toEqual({ plugin_list: [] });
    expect(refused).toEqual([['stale', 40001], ['stale', 40001]]);
    expect(requests.map((request) => request.url.includes('stable_token') ? `token${request.body.force_refresh ? ' forced' : ''}` : request.url.split('access_token=')[1])).toEqual(['token', 'stale', 'token', 'stale', 'token forced', 'valid']);
  });

  test('beforeRequest (a batch run\'s pacing) is awaited before every send, a re-send after a refusal too', async () => {
    const { fetchImpl, requests } = api();
    const tokens = stableToken({ appid: 'wxa', secret: 's', baseUrl: 'http://x', fetch: fetchImpl });
    const order: string[] = [];
    const paced = (async (url: string, init: Init) => (order.push(url.includes('stable_token') ? 'token' : 'send'), fetchImpl(url, init))) as unknown as Fetch;
    const beforeRequest = async () => void order.push('pace');
    const transport = createHttpsTransport({ baseUrl: 'http://x', tokens, fetch: paced, beforeRequest });
    await transport.send({ cloudApi: 'pluginManager.applyPlugin', path: '/wxa/plugin' }, { action: 'apply' }, budgetOf(1000));
    expect(requests.filter((request) => !request.url.includes('stable_token'))).toHaveLength(3);
    expect(order.filter((step) => step !== 'token')).toEqual(['pace', 'send', 'pace', 'send', 'pace', 'send']);
  });

  test('a source that has no other token ends it: the refusal is the answer, sent once', async () => {
    const { fetchImpl, requests } = api();
    const transport = createHttpsTransport({ baseUrl: 'http://x', tokens: givenToken('stale'), fetch: fetchImpl });
    await expect(transport.send({ cloudApi: 'pluginManager.applyPlugin', path: '/wxa/plugin' }, {}, budgetOf(1000))).rejects.toMatchObject({ code: 40001 });
    expect(requests).toHaveLength(1);
  });

  test('a token error from the token request itself is not a refused token: no forced refresh', async () => {
    const { fetchImpl, requests } = fakeFetch(() => json({ errcode: 40001, errmsg: 'invalid credential' }));
    const tokens = stableToken({ appid: 'wxa', secret: 'wrong', baseUrl: 'http://x', fetch: fetchImpl });
    const transport = createHttpsTransport({ baseUrl: 'http://x', tokens, fetch: fetchImpl });
    await expect(transport.send({ cloudApi: 'pluginManager.applyPlugin', path: '/wxa/plugin' }, {}, budgetOf(1000))).rejects.toMatchObject({ code: 40001 });
    expect(requests).toHaveLength(1);
    expect(requests[0]!.body.force_refresh).toBeUndefined();
  });

  test('an answer without errcode is -930203', async () => {
    const transport = createHttpsTransport({ baseUrl: 'http://x', tokens: givenToken('valid'), fetch: fakeFetch(() => json({ ok: true })).fetchImpl });
    await expect(transport.send({ cloudApi: 'pluginManager.applyPlugin', path: '/wxa/plugin' }, {}, budgetOf(1000))).rejects.toMatchObject({ code: ProjectCode.UNEXPECTED_ANSWER });
  });
});
