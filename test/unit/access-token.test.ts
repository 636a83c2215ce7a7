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
    expect(await tokens.get(1000)).toBe('first');
    now = 7200_000 - 300_001;
    expect(await tokens.get(1000)).toBe('first');
    now = 7200_000 - 300_000;
    expect(await tokens.get(1000)).toBe('second');
    expect(bodies).toEqual([
      { grant_type: 'client_credential', appid: 'wxa', secret: 's' },
      { grant_type: 'client_credential', appid: 'wxa', secret: 's' },
    ]);
  });

  test('a short-lived token is refreshed at half its life at the latest', async () => {
    let now = 0;
    const { fetchImpl } = scripted([{ access_token: 'a', expires_in: 60 }, { access_token: 'b', expires_in: 60 }]);
    const tokens = stableToken({ appid: 'wxa', secret: 's', baseUrl: 'http://x', fetch: fetchImpl, now: () => now });
    await tokens.get(1000);
    now = 30_000;
    expect(await tokens.get(1000)).toBe('b');
  });

  test('callers arriving together share one request', async () => {
    const { fetchImpl, bodies } = scripted([{ access_token: 'shared', expires_in: 7200 }]);
    const tokens = stableToken({ appid: 'wxa', secret: 's', baseUrl: 'http://x', fetch: fetchImpl });
    expect(await Promise.all([tokens.get(1000), tokens.get(1000), tokens.get(1000)])).toEqual(['shared', 'shared', 'shared']);
    expect(bodies).toHaveLength(1);
  });

  test('after a refusal the next request re-reads (a plain request); only a re-read token refused again is forced', async () => {
    const { fetchImpl, bodies } = scripted([{ access_token: 'a', expires_in: 7200 }, { access_token: 'a', expires_in: 7200 }, { access_token: 'c', expires_in: 7200 }]);
    const tokens = stableToken({ appid: 'wxa', secret: 's', baseUrl: 'http://x', fetch: fetchImpl });
    expect(tokens.invalidate(await tokens.get(1000), 40001)).toBe(true);
    expect(await tokens.get(1000)).toBe('a');
    expect(bodies[1]).not.toHaveProperty('force_refresh');
    expect(tokens.invalidate('a', 40001)).toBe(true);
    expect(await tokens.get(1000)).toBe('c');
    expect(bodies[2]).toMatchObject({ force_refresh: true });
  });

  test.each([
    ['an errcode', { errcode: 40125, errmsg: 'invalid appsecret' }, 40125],
    ['no access_token', { expires_in: 7200 }, ProjectCode.UNEXPECTED_ANSWER],
    ['no expires_in', { access_token: 'x' }, ProjectCode.UNEXPECTED_ANSWER],
  ])('an answer with %s is refused with a typed error', async (_name, answer, code) => {
    const tokens = stableToken({ appid: 'wxa', secret: 's', baseUrl: 'http://x', fetch: scripted([answer]).fetchImpl });
    await expect(tokens.get(1000)).rejects.toMatchObject({ code });
  });

  test('a given token is used as is and cannot be refreshed', async () => {
    const tokens = givenToken('mine');
    expect(await tokens.get(1)).toBe('mine');
    expect(tokens.invalidate('mine')).toBe(false);
  });
});

describe('postJson', () => {
  test('JSON that is not an object is not an answer', async () => {
    await expect(postJson(scripted(['[1,2]']).fetchImpl, 'http://x', {}, 1000)).rejects.toMatchObject({ code: ProjectCode.UNEXPECTED_ANSWER });
  });

  test('a failure without a socket code is still a network failure, maybe delivered', async () => {
    const failing = (async () => {
      throw new TypeError('fetch failed');
    }) as unknown as Fetch;
    await expect(postJson(failing, 'http://x', {}, 1000)).rejects.toMatchObject({ code: -501001, maybeDelivered: true });
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
    const hurried = tokens.get(100);
    const patient = tokens.get(5000);
    await expect(hurried).rejects.toMatchObject({ code: ProjectCode.DEADLINE_EXCEEDED });
    await expect(patient).resolves.toBe('shared');
    expect(requests).toBe(1);
  });
});
