/**
 * createHttpsClient's set-up: base URL rules, credentials precedence and fallback, and time budgets
 * Node cannot wait for. In process, against the emulator on loopback.
 */
import { ProjectCode } from '../../src/core/codes';
import { DEMO_MINI_PROGRAM_APPID, startEmulator, type Emulator } from '../../src/emulator/gateway';
import { DEMO_APP_SECRET } from '../../src/emulator/https-api';
import { parseBaseUrl } from '../../src/https/base-url';
import { stableToken, type AccessTokenSource } from '../../src/https/access-token';
import { createHttpsClient } from '../../src/https/client';

let emulator: Emulator;
beforeEach(async () => {
  emulator = await startEmulator();
});
afterEach(() => emulator.close());

const request = { pluginAppid: 'wx0123456789abcdef' };

describe('the base URL', () => {
  test.each([
    ['ftp://x', /baseUrl uses ftp, not http or https/],
    ['http://u:p@127.0.0.1', /carries credentials/],
    ['http://127.0.0.1/?a=1', /carries a query/],
    ['http://127.0.0.1/?', /carries a query/],
    ['http://127.0.0.1/#', /carries a fragment/],
    ['localhost:80', /uses localhost, not http or https/],
    ['::', /is not a URL/],
  ])('%s is refused: -930302 for every valid call, nothing sent', async (baseUrl, message) => {
    const result = await createHttpsClient({ baseUrl, accessToken: 'token' }).applyPlugin(request);
    expect(result).toMatchObject({ errCode: ProjectCode.INVALID_BASE_URL, attempts: 0 });
    expect(result.errMsg).toMatch(message);
    expect(emulator.calls).toEqual([]);
  });

  test('bad input is still reported first', async () => {
    expect((await createHttpsClient({ baseUrl: 'ftp://x' }).applyPlugin({ pluginAppid: 'no' })).errCode).toBe(ProjectCode.INVALID_APPID);
  });

  test('a path prefix is kept and trailing slashes dropped', () => {
    expect(parseBaseUrl('https://gateway.example/wechat/api//', 'x')).toBe('https://gateway.example/wechat/api');
    expect(parseBaseUrl('http://127.0.0.1:8080', 'x')).toBe('http://127.0.0.1:8080');
  });
});

describe('credentials', () => {
  test('a given token comes first: no token request while it is accepted', async () => {
    const client = createHttpsClient({ accessToken: emulator.https.issueToken(), appid: DEMO_MINI_PROGRAM_APPID, secret: DEMO_APP_SECRET, baseUrl: emulator.url });
    expect((await client.applyPlugin(request)).errCode).toBe(0);
    expect(emulator.https.tokenRequests.count).toBe(0);
  });

  test.each([
    ['revoked (40001)', () => emulator.https.revokeTokens()],
    ['expired (42001)', () => emulator.https.expireTokens()],
  ])('a given token that is %s falls back once to the appid and secret, and the call succeeds', async (_name, spoil) => {
    const client = createHttpsClient({ accessToken: emulator.https.issueToken(), appid: DEMO_MINI_PROGRAM_APPID, secret: DEMO_APP_SECRET, baseUrl: emulator.url });
    spoil();
    expect(await client.applyPlugin(request)).toMatchObject({ errCode: 0, attempts: 1 });
    expect(emulator.https.tokenRequests).toEqual({ count: 1, forced: 0 });
    expect((await client.getPluginList()).pluginList).toHaveLength(1);
    expect(emulator.https.tokenRequests.count).toBe(1);
  });

  test('servers given one shared token source fetch one token between them, and a refusal goes back to it', async () => {
    const shared = stableToken({ appid: DEMO_MINI_PROGRAM_APPID, secret: DEMO_APP_SECRET, baseUrl: emulator.url, fetch });
    const refused: Array<number | undefined> = [];
    const source: AccessTokenSource = { get: (ms) => shared.get(ms), invalidate: (token, code) => (refused.push(code), shared.invalidate(token, code)) };
    const servers = [1, 2, 3].map(() => createHttpsClient({ accessTokenSource: source, baseUrl: emulator.url }));
    for (const server of servers) expect((await server.getPluginList()).errCode).toBe(0);
    expect(emulator.https.tokenRequests.count).toBe(1);
    emulator.https.expireTokens();
    for (const server of servers) expect((await server.getPluginList()).errCode).toBe(0);
    expect(refused).toEqual([42001]);
    expect(emulator.https.tokenRequests).toEqual({ count: 2, forced: 0 });
  });

  test('a token source that fails or throws gives the one shape, never a rejection', async () => {
    const failing: AccessTokenSource = { get: () => Promise.reject(new Error('cache down')), invalidate: () => false };
    const throwing = { get: () => { throw new Error('bug'); }, invalidate: () => false } as unknown as AccessTokenSource;
    for (const accessTokenSource of [failing, throwing]) {
      const result = await createHttpsClient({ accessTokenSource, baseUrl: emulator.url }).getPluginList();
      expect(result).toMatchObject({ errCode: expect.any(Number), attempts: expect.any(Number) });
      expect(result.errCode).not.toBe(0);
    }
    expect(emulator.calls).toEqual([]);
  });

  test('without a secret a refused token is the answer', async () => {
    const client = createHttpsClient({ accessToken: 'not-issued', baseUrl: emulator.url });
    expect(await client.getPluginList()).toMatchObject({ errCode: 40001, attempts: 1 });
  });

  test.each([
    [{ appid: DEMO_MINI_PROGRAM_APPID }, /appid is set but secret is not: set it, or set accessToken/],
    [{ secret: DEMO_APP_SECRET }, /secret is set but appid is not/],
    [{ accessToken: '   ', appid: ' ', secret: '' }, /no credentials: set accessToken, or appid and secret/],
  ])('%p: -930301 naming what is missing, nothing sent', async (credentials, message) => {
    const result = await createHttpsClient({ ...credentials, baseUrl: emulator.url }).getPluginList();
    expect(result).toMatchObject({ errCode: ProjectCode.HTTPS_CREDENTIALS_MISSING, attempts: 0 });
    expect(result.errMsg).toMatch(message);
    expect(emulator.https.tokenRequests.count).toBe(0);
  });
});

describe('options a library user got wrong: never thrown, -930303 saying what to fix, nothing sent', () => {
  test.each([
    ['null', null, /takes an options object/],
    ['a string', 'wxa11ce00000000d3e', /takes an options object/],
    ['a secret that is a number', { appid: DEMO_MINI_PROGRAM_APPID, secret: 123 }, /secret is a number, not a string/],
    ['an appid that is an object', { appid: {}, secret: 'x' }, /appid is an object, not a string/],
    ['a negative timeout', { accessToken: 't', timeoutMs: -5 }, /timeoutMs is not a positive number/],
    ['a NaN timeout', { accessToken: 't', timeoutMs: Number.NaN }, /timeoutMs is not a positive number/],
    ['a timeout given as text', { accessToken: 't', timeoutMs: '5000' }, /timeoutMs is not a positive number/],
    ['a fetch that is not a function', { accessToken: 't', fetch: 'node-fetch' }, /fetch is not a function/],
    ['a token source without invalidate', { accessTokenSource: { get: () => Promise.resolve('t') } }, /accessTokenSource needs/],
  ])('%s', async (_name, options, message) => {
    const client = createHttpsClient({ ...(options as object), baseUrl: emulator.url } as never);
    const raw = createHttpsClient(options as never);
    for (const result of [await client.getPluginList(), await raw.getPluginList()]) {
      expect(result).toMatchObject({ errCode: typeof options === 'object' && options !== null ? ProjectCode.HTTPS_OPTIONS_INVALID : expect.any(Number), attempts: 0 });
    }
    const result = await raw.getPluginList();
    expect(result).toMatchObject({ errCode: ProjectCode.HTTPS_OPTIONS_INVALID, attempts: 0, retryable: false });
    expect(result.errMsg).toMatch(message);
    expect(result.errMsg).not.toContain('123');
    expect(emulator.calls).toEqual([]);
  });

  test('on a Node without fetch (Node 16) the client still works: it sends with node:http', async () => {
    const saved = globalThis.fetch;
    // @ts-expect-error removing fetch, as Node 16 has none
    delete globalThis.fetch;
    try {
      const result = await createHttpsClient({ accessToken: emulator.https.issueToken(), baseUrl: emulator.url }).getPluginList();
      expect(result).toMatchObject({ errCode: 0, attempts: 1 });
    } finally {
      globalThis.fetch = saved;
    }
  });

  // A bad one is ignored: https-client-rules.test.ts, on a fake clock (a 1 ms budget raced against
  // a loopback answer is a race the machine's load decides).
  test('a call\'s own budget replaces the client\'s', async () => {
    const client = createHttpsClient({ accessToken: emulator.https.issueToken(), baseUrl: emulator.url, timeoutMs: 1 });
    expect((await client.getPluginList({}, { timeoutMs: 5000 })).errCode).toBe(0);
  });
});

describe('time', () => {
  test('a budget longer than a Node timer can wait answers normally, without a TimeoutOverflowWarning', async () => {
    const warnings: string[] = [];
    const listener = (warning: Error) => warnings.push(warning.name);
    process.on('warning', listener);
    try {
      const client = createHttpsClient({ accessToken: emulator.https.issueToken(), baseUrl: emulator.url, timeoutMs: 99_999_999_999 });
      expect((await client.applyPlugin(request)).errCode).toBe(0);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', listener);
    }
    expect(warnings).toEqual([]);
  });

  test('the HTTPS client keeps no safety margin: a 300 ms budget still makes the request', async () => {
    const client = createHttpsClient({ accessToken: emulator.https.issueToken(), baseUrl: emulator.url, timeoutMs: 300 });
    expect(await client.applyPlugin(request)).toMatchObject({ errCode: 0, attempts: 1 });
  });
});
