/**
 * createHttpsClient's rules that only the end-to-end suites (or nothing) checked before the
 * mutation run of issue 18: the default base URL, per-call budgets a JavaScript caller gets wrong,
 * the appid-and-secret fallback after a second refusal, what the credentials message tells, and the
 * bound on sends per call. Against a scripted fetch: nothing leaves the process.
 */
import { ProjectCode } from '../../src/core/codes';
import { createHttpsClient, setupProblem, succeeded, type CallOptions } from '../../src/https/client';
import type { AccessTokenSource } from '../../src/https/access-token';
import type { Fetch } from '../../src/https/http';

const json = (value: unknown): Response => new Response(JSON.stringify(value), { status: 200 });

/**
 * WeChat in miniature: stable_token issues `fetched1`, `fetched2`, ...; /wxa/plugin accepts only
 * the tokens currently valid. `revoke()` makes every token so far invalid (as a forced refresh
 * elsewhere would). `hang` leaves API requests unanswered until their signal aborts.
 */
function fakeWeChat(options: { valid?: string[]; hang?: boolean } = {}) {
  const valid = new Set(options.valid ?? []);
  const state = { tokenRequests: 0, urls: [] as string[], sentTokens: [] as string[] };
  const fetchImpl = (async (url: string, init: { body: string; signal?: AbortSignal }) => {
    state.urls.push(url);
    if (url.includes('/cgi-bin/stable_token')) {
      state.tokenRequests += 1;
      const token = `fetched${state.tokenRequests}`;
      valid.add(token);
      return json({ access_token: token, expires_in: 7200 });
    }
    if (options.hang) {
      return new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))));
    }
    const token = new URL(url).searchParams.get('access_token') ?? '';
    state.sentTokens.push(token);
    return json(valid.has(token) ? { errcode: 0, errmsg: 'ok', plugin_list: [] } : { errcode: 40001, errmsg: 'invalid credential' });
  }) as unknown as Fetch;
  return { fetchImpl, state, revoke: () => valid.clear() };
}

const request = { pluginAppid: 'wx0123456789abcdef' };

test('without a baseUrl the client talks to https://api.weixin.qq.com', async () => {
  const wechat = fakeWeChat({ valid: ['tok'] });
  expect((await createHttpsClient({ accessToken: 'tok', fetch: wechat.fetchImpl }).applyPlugin(request)).errCode).toBe(0);
  expect(wechat.state.urls).toEqual(['https://api.weixin.qq.com/wxa/plugin?access_token=tok']);
});

test('succeeded(result) is true for errCode 0 only', () => {
  expect(succeeded({ errCode: 0 })).toBe(true);
  expect([40001, -1, ProjectCode.DEADLINE_EXCEEDED].map((errCode) => succeeded({ errCode }))).toEqual([false, false, false]);
});

describe('per-call options a JavaScript caller got wrong are ignored, the client\'s budget applies', () => {
  test.each([
    ['null', null],
    ['a number', 5000],
    ['a budget of 0 ms', { timeoutMs: 0 }],
    ['a budget in text', { timeoutMs: '5000' }],
  ])('%s: the call is made and answered', async (_name, call) => {
    const wechat = fakeWeChat({ valid: ['tok'] });
    const client = createHttpsClient({ accessToken: 'tok', baseUrl: 'http://127.0.0.1:9', fetch: wechat.fetchImpl });
    expect(await client.getPluginList({}, call as CallOptions)).toMatchObject({ errCode: 0, attempts: 1 });
  });

  describe('on a fake clock', () => {
    beforeEach(() => jest.useFakeTimers({ now: 1_700_000_000_000 }));
    afterEach(() => jest.useRealTimers());

    test.each([
      ['given as text ("5")', '5'],
      ['negative', -1],
    ])('a budget %s is not used: the client\'s 1000 ms end the call', async (_name, timeoutMs) => {
      const wechat = fakeWeChat({ hang: true });
      const client = createHttpsClient({ accessToken: 'tok', baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000, fetch: wechat.fetchImpl });
      let settled: object | undefined;
      void client.getPluginList({}, { timeoutMs } as unknown as CallOptions).then((result) => (settled = result));
      await jest.advanceTimersByTimeAsync(999);
      expect(settled).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1000);
      expect(settled).toMatchObject({ errCode: ProjectCode.DEADLINE_EXCEEDED, attempts: 1 });
    });
  });
});

describe('a given token with an appid and secret beside it', () => {
  test('after falling back to stable_token, a refusal of the fetched token re-reads it: the call still succeeds', async () => {
    const wechat = fakeWeChat({ valid: ['given'] });
    const client = createHttpsClient({ accessToken: 'given', appid: 'wxa11ce00000000d3e', secret: 's3cret', baseUrl: 'http://127.0.0.1:9', fetch: wechat.fetchImpl });
    expect((await client.getPluginList()).errCode).toBe(0);
    wechat.revoke();
    expect(await client.getPluginList()).toMatchObject({ errCode: 0, attempts: 1 });
    expect(wechat.state.tokenRequests).toBe(1);
    wechat.revoke();
    expect(await client.getPluginList()).toMatchObject({ errCode: 0, attempts: 1 });
    expect(wechat.state.tokenRequests).toBe(2);
    expect(wechat.state.sentTokens).toEqual(['given', 'given', 'fetched1', 'fetched1', 'fetched2']);
  });
});

describe('credentials that are not all there', () => {
  test('white space alone counts as not given, for every text option', async () => {
    expect(setupProblem({ accessToken: '  ', appid: ' \t', secret: '\n' })?.detail).toMatch(/^no credentials: /);
    const wechat = fakeWeChat({ valid: ['given'] });
    await createHttpsClient({ accessToken: 'given', baseUrl: '   ', fetch: wechat.fetchImpl }).getPluginList();
    expect(wechat.state.urls[0]).toMatch(/^https:\/\/api\.weixin\.qq\.com\/wxa\/plugin\?/);
  });

  test('a given token with an appid but no secret: a refusal is the answer, and no token is fetched without the secret', async () => {
    const wechat = fakeWeChat();
    const result = await createHttpsClient({ accessToken: 'given', appid: 'wxa11ce00000000d3e', baseUrl: 'http://127.0.0.1:9', fetch: wechat.fetchImpl }).getPluginList();
    expect(result).toMatchObject({ errCode: 40001, attempts: 1 });
    expect(wechat.state.tokenRequests).toBe(0);
    expect(wechat.state.sentTokens).toEqual(['given']);
  });

  test('a token source may be anything with get and invalidate, a function object too', async () => {
    const wechat = fakeWeChat({ valid: ['offered'] });
    const source = Object.assign(() => undefined, { get: () => Promise.resolve('offered'), invalidate: () => false });
    const result = await createHttpsClient({ accessTokenSource: source, baseUrl: 'http://127.0.0.1:9', fetch: wechat.fetchImpl }).getPluginList();
    expect(result).toMatchObject({ errCode: 0 });
  });
});

test('a token source that always offers another token: at most three sends, then the refusal is the answer', async () => {
  const wechat = fakeWeChat();
  let offered = 0;
  const source: AccessTokenSource = { get: () => Promise.resolve(`offered${(offered += 1)}`), invalidate: () => true };
  const result = await createHttpsClient({ accessTokenSource: source, baseUrl: 'http://127.0.0.1:9', fetch: wechat.fetchImpl }).getPluginList();
  expect(result).toMatchObject({ errCode: 40001, attempts: 1 });
  expect(wechat.state.sentTokens).toEqual(['offered1', 'offered2', 'offered3']);
});

describe('an errcode that is not a whole number is no code: -930203, saying what came, and the log says why', () => {
  test.each([
    [0.5, '0.5'],
    ['0', 'a string of 1 character'],
    [null, 'null'],
    // Whole numbers outside WeChat's 32-bit range: a batch could not record them as a code.
    [2147483648, '2147483648'],
    [-2147483649, '-2147483649'],
    [2 ** 64, '18446744073709552000'],
  ])('errcode %p', async (errcode, shown) => {
    const lines: string[] = [];
    const fetchImpl = (async () => json({ errcode, errmsg: 'odd' })) as unknown as Fetch;
    const result = await createHttpsClient({ accessToken: 'tok', baseUrl: 'http://127.0.0.1:9', fetch: fetchImpl, log: (line) => lines.push(line) }).getPluginList();
    expect(result).toMatchObject({ errCode: ProjectCode.UNEXPECTED_ANSWER, attempts: 1 });
    expect(result.errMsg).toMatch(new RegExp(`^getPluginList:fail the answer carried no WeChat result code \\(an errcode that is not a whole number: ${shown.replace('.', '\\.')}\\), so whether WeChat acted on it is unknown: `));
    expect(JSON.parse(lines[0]!)).toMatchObject({ cause: 'bad errcode' });
  });
});

test('an answer without errcode says so: -930203', async () => {
  const fetchImpl = (async () => json({ ok: true })) as unknown as Fetch;
  const result = await createHttpsClient({ accessToken: 'tok', baseUrl: 'http://127.0.0.1:9', fetch: fetchImpl }).getPluginList();
  expect(result).toMatchObject({ errCode: ProjectCode.UNEXPECTED_ANSWER, attempts: 1 });
  expect(result.errMsg).toMatch(/^getPluginList:fail the answer carried no WeChat result code \(a JSON object without errcode\)/);
});

test.each([89237, -1])('WeChat answering %i is no reason to fetch another token: one token request, the code is the answer', async (errcode) => {
  const requests: string[] = [];
  const fetchImpl = (async (url: string) => {
    requests.push(url.includes('stable_token') ? 'token' : 'api');
    return json(url.includes('stable_token') ? { access_token: 'fetched', expires_in: 7200 } : { errcode, errmsg: 'no' });
  }) as unknown as Fetch;
  const client = createHttpsClient({ appid: 'wxa11ce00000000d3e', secret: 's3cret', baseUrl: 'http://127.0.0.1:9', fetch: fetchImpl, timeoutMs: 60_000 });
  expect((await client.applyPlugin(request)).errCode).toBe(errcode);
  expect(requests.filter((what) => what === 'token')).toEqual(['token']);
});

describe('no credentials: what the message tells', () => {
  test('the library names its options and the environment variables the command line reads', async () => {
    const result = await createHttpsClient({ baseUrl: 'http://127.0.0.1:9' }).getPluginList();
    expect(result.errMsg).toBe(
      'getPluginList:fail no credentials: set accessToken, or appid and secret (from the environment: WECHAT_ACCESS_TOKEN, or WECHAT_APPID and WECHAT_APPSECRET)',
    );
  });

  test('the command line, whose names are those variables, does not repeat them', () => {
    const names = { accessToken: 'WECHAT_ACCESS_TOKEN', appid: 'WECHAT_APPID', secret: 'WECHAT_APPSECRET', baseUrl: 'WECHAT_API_BASE_URL' };
    expect(setupProblem({}, names)?.detail).toBe('no credentials: set WECHAT_ACCESS_TOKEN, or WECHAT_APPID and WECHAT_APPSECRET');
    expect(setupProblem({ appid: 'wxa11ce00000000d3e' }, names)?.detail).toBe('WECHAT_APPID is set but WECHAT_APPSECRET is not: set it, or set WECHAT_ACCESS_TOKEN');
    expect(setupProblem({ secret: 's' }, names)?.detail).toBe('WECHAT_APPSECRET is set but WECHAT_APPID is not: set it, or set WECHAT_ACCESS_TOKEN');
    expect(setupProblem({ baseUrl: 'ftp://x' }, names)?.detail).toMatch(/^WECHAT_API_BASE_URL uses ftp/);
  });
});
