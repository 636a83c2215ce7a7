import { within } from '../support/within';
import { budgetOf } from '../../src/core/deadline';
import { givenToken, stableToken } from '../../src/https/access-token';
import { postJson, type Fetch } from '../../src/https/http';
import { ProjectCode } from '../../src/core/codes';

/** A scripted fetch for the token logic alone; the end-to-end suite uses real sockets. */
function scripted(answers: Array<unknown>) {
  const bodies: unknown[] = [];
  const fetchImpl = (async (_url: string, init: { body: string }) => {
    bodies.push(JSON.parse(init.body));
    const answer = answers[Math.min(bodies.length - 1, answers.length - 1)];
    return new Response(typeof answer === 'string' ? answer : JSON.stringify(answer), { status: 200 });
  }) as unknown as Fetch;
  return { fetchImpl, bodies };
}

describe('stable tokens', () => {
  test('are cached until the margin before expires_in, then fetched again', async () => {
    let now = 0;
    const { fetchImpl, bodies } = scripted([
      { access_token: 'first', expires_in: 7200 },
      { access_token: 'second', expires_in: 7200 },
    ]);
    const tokens = stableToken({ appid: 'wxa', secret: 's', baseUrl: 'http://x', fetch: fetchImpl, refreshMarginMs: 300_000, now: () => now });
    expect(await tokens.get(budgetOf(1000))).toBe('first');
    now = 7200_000 - 300_001;
    expect(await tokens.get(budgetOf(1000))).toBe('first');
    now = 7200_000 - 300_000;
    expect(await tokens.get(budgetOf(1000))).toBe('second');
    expect(bodies).toEqual([
      { grant_type: 'client_credential', appid: 'wxa', secret: 's' },
      { grant_type: 'client_credential', appid: 'wxa', secret: 's' },
    ]);
  });

  test('a margin of one\'s own is the one kept', async () => {
    let now = 0;
    const { fetchImpl, bodies } = scripted([{ access_token: 'first', expires_in: 7200 }, { access_token: 'second', expires_in: 7200 }]);
    const tokens = stableToken({ appid: 'wxa', secret: 's', baseUrl: 'http://x', fetch: fetchImpl, refreshMarginMs: 60_000, now: () => now });
    await tokens.get(budgetOf(1000));
    now = 7200_000 - 60_001;
    expect(await tokens.get(budgetOf(1000))).toBe('first');
    now = 7200_000 - 60_000;
    expect(await tokens.get(budgetOf(1000))).toBe('second');
    expect(bodies).toHaveLength(2);
  });

  test('a short-lived token is refreshed at half its life at the latest', async () => {
    let now = 0;
    const { fetchImpl } = scripted([{ access_token: 'a', expires_in: 60 }, { access_token: 'b', expires_in: 60 }]);
    const tokens = stableToken({ appid: 'wxa', secret: 's', baseUrl: 'http://x', fetch: fetchImpl, now: () => now });
    await tokens.get(budgetOf(1000));
    now = 30_000;
    expect(await tokens.get(budgetOf(1000))).toBe('b');
  });

  test('callers arriving together share one request', async () => {
    const { fetchImpl, bodies } = scripted([{ access_token: 'shared', expires_in: 7200 }]);
    const tokens = stableToken({ appid: 'wxa', secret: 's', baseUrl: 'http://x', fetch: fetchImpl });
    expect(await Promise.all([tokens.get(budgetOf(1000)), tokens.get(budgetOf(1000)), tokens.get(budgetOf(1000))])).toEqual(['shared', 'shared', 'shared']);
    expect(bodies).toHaveLength(1);
  });

  test('after a refusal the next request re-reads; only a refusal of that fresh token forces a refresh', async () => {
    const { fetchImpl, bodies } = scripted([{ access_token: 'a', expires_in: 7200 }, { access_token: 'b', expires_in: 7200 }, { access_token: 'c', expires_in: 7200 }]);
    const tokens = stableToken({ appid: 'wxa', secret: 's', baseUrl: 'http://x', fetch: fetchImpl });
    expect(tokens.invalidate(await tokens.get(budgetOf(1000)), 40001)).toBe(true);
    expect(await tokens.get(budgetOf(1000))).toBe('b');
    expect(bodies[1]).not.toHaveProperty('force_refresh');
    expect(tokens.invalidate('b', 40001)).toBe(true);
    expect(await tokens.get(budgetOf(1000))).toBe('c');
    expect(bodies[2]).toMatchObject({ force_refresh: true });
  });

  test.each([
    ['an errcode', { errcode: 40125, errmsg: 'invalid appsecret' }, 40125],
    ['no access_token', { expires_in: 7200 }, ProjectCode.UNEXPECTED_ANSWER],
    ['no expires_in', { access_token: 'x' }, ProjectCode.UNEXPECTED_ANSWER],
  ])('an answer with %s is refused with a typed error', async (_name, answer, code) => {
    const tokens = stableToken({ appid: 'wxa', secret: 's', baseUrl: 'http://x', fetch: scripted([answer]).fetchImpl });
    await expect(tokens.get(budgetOf(1000))).rejects.toMatchObject({ code });
  });

  test.each([
    ['errcode 0 beside a token: the token', { errcode: 0, errmsg: 'ok', access_token: 'zero', expires_in: 7200 }, 'zero'],
  ])('%s', async (_name, answer, token) => {
    const tokens = stableToken({ appid: 'wxa', secret: 's', baseUrl: 'http://x', fetch: scripted([answer]).fetchImpl });
    expect(await tokens.get(budgetOf(1000))).toBe(token);
  });

  test.each([
    ['an empty access_token', { access_token: '', expires_in: 7200 }],
    ['an expires_in that is text', { access_token: 'x', expires_in: '7200' }],
    ['an access_token that is not text', { access_token: 12345678, expires_in: 7200 }],
    ['an errcode that is not a number, and no token', { errcode: '40125', errmsg: 'invalid appsecret' }],
  ])('%s is no token: -930203, nothing sent', async (_name, answer) => {
    const tokens = stableToken({ appid: 'wxa', secret: 's', baseUrl: 'http://x', fetch: scripted([answer]).fetchImpl });
    await expect(tokens.get(budgetOf(1000))).rejects.toMatchObject({ code: ProjectCode.UNEXPECTED_ANSWER, maybeDelivered: false, detail: expect.stringContaining('without access_token and expires_in') });
  });

  test('a token request that fails on the way stays a network failure, not "no token in the answer"', async () => {
    const refused = (async () => {
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    }) as unknown as Fetch;
    const tokens = stableToken({ appid: 'wxa', secret: 's', baseUrl: 'http://x', fetch: refused });
    await expect(tokens.get(budgetOf(1000))).rejects.toMatchObject({ code: -501001, maybeDelivered: false, cause: { code: 'ECONNREFUSED' } });
    const failing = stableToken({ appid: 'wxa', secret: 's', baseUrl: 'http://x', fetch: (async () => new Response('', { status: 502 })) as unknown as Fetch });
    await expect(failing.get(budgetOf(1000))).rejects.toMatchObject({ code: -501001, cause: { code: 'HTTP 502' } });
  });

  test('a token request answered with no JSON keeps what postJson found as its cause', async () => {
    const tokens = stableToken({ appid: 'wxa', secret: 's', baseUrl: 'http://x', fetch: scripted(['<html>']).fetchImpl });
    await expect(tokens.get(budgetOf(1000))).rejects.toMatchObject({ code: ProjectCode.UNEXPECTED_ANSWER, cause: { code: 'not JSON', message: '<html>' } });
  });

  test('a given token is used as is and cannot be refreshed', async () => {
    const tokens = givenToken('mine');
    expect(await tokens.get(budgetOf(1))).toBe('mine');
    expect(tokens.invalidate('mine')).toBe(false);
  });
});

describe('postJson', () => {
  test('JSON that is not an object is not an answer', async () => {
    await expect(postJson(scripted(['[1,2]']).fetchImpl, 'http://x', {}, within(1000))).rejects.toMatchObject({ code: ProjectCode.UNEXPECTED_ANSWER });
  });

  test('a failure without a socket code is still a network failure, maybe delivered', async () => {
    const failing = (async () => {
      throw new TypeError('fetch failed');
    }) as unknown as Fetch;
    await expect(postJson(failing, 'http://x', {}, within(1000))).rejects.toMatchObject({ code: -501001, maybeDelivered: true });
  });
});

describe('a shared token fetch and each caller\'s budget', () => {
  test('a caller on its last milliseconds does not make the fetch fail for one with time to spare', async () => {
    let requests = 0;
    const slowFetch = (async (_url: string, init: { signal: AbortSignal }) => {
      requests += 1;
      await new Promise((resolve, reject) => {
        const timer = setTimeout(resolve, 300);
        init.signal.addEventListener('abort', () => (clearTimeout(timer), reject(new DOMException('aborted', 'AbortError'))));
      });
      return new Response(JSON.stringify({ access_token: 'shared', expires_in: 7200 }), { status: 200 });
    }) as unknown as Fetch;
    const tokens = stableToken({ appid: 'wxa', secret: 's', baseUrl: 'http://x', fetch: slowFetch });
    const hurried = tokens.get(budgetOf(100));
    const patient = tokens.get(budgetOf(5000));
    await expect(hurried).rejects.toMatchObject({ code: ProjectCode.DEADLINE_EXCEEDED });
    await expect(patient).resolves.toBe('shared');
    expect(requests).toBe(1);
  });
});
