/**
 * The component client against answers WeChat never sends (a broken upstream, an attacker on the
 * path): one errcode rule for every answer, listings that do not add up, items of the wrong shape,
 * and credentials echoed back. A fake WeChat behind the client's `fetch` option answers each.
 */
import { createComponentClient, type ComponentClientOptions } from '../../src/component/client';
import { memoryStore } from '../../src/component/store';
import { ProjectCode } from '../../src/core/codes';
import type { Fetch } from '../../src/https/http';

const COMPONENT = 'wxc0de000000000001';
const A0 = 'wxa00000000000000000'.slice(0, 18);
const A1 = 'wxa0000000000000001'.slice(0, 17) + '1';

/** A fake WeChat: `answer(path, body)` gives the JSON text for each request (tokens answered as WeChat does unless it says otherwise). */
function fakeWeChat(answer: (path: string, body: Record<string, unknown>) => string | undefined) {
  const paths: string[] = [];
  const fetchImpl = (async (url: string, init: { body: string }) => {
    const path = new URL(url).pathname;
    paths.push(path);
    const body = JSON.parse(init.body) as Record<string, unknown>;
    const given = answer(path, body);
    if (given !== undefined) return new Response(given);
    if (path.endsWith('api_component_token')) return new Response(JSON.stringify({ component_access_token: 'ctok-fake', expires_in: 7200 }));
    if (path.endsWith('api_authorizer_token')) return new Response(JSON.stringify({ authorizer_access_token: 'atok-fake', authorizer_refresh_token: body.authorizer_refresh_token, expires_in: 7200 }));
    return new Response(JSON.stringify({ errcode: 0, errmsg: 'ok' }));
  }) as unknown as Fetch;
  return { fetchImpl, paths };
}

const client = (fetchImpl: Fetch, overrides: Partial<ComponentClientOptions> = {}) =>
  createComponentClient({ componentAppid: COMPONENT, componentSecret: 'component-secret-1', verifyTicket: 'ticket-1', baseUrl: 'http://127.0.0.1:9', fetch: fetchImpl, ...overrides });

async function listAll(options: Partial<ComponentClientOptions>, fetchImpl: Fetch) {
  const pages = [];
  for await (const page of client(fetchImpl, options).listAuthorizers({ pageSize: 2 })) pages.push(page);
  return pages;
}

const LIST = '/cgi-bin/component/api_get_authorizer_list';

describe('a listing answer of the wrong shape is a failed listing, never "no authorisers"', () => {
  test.each([
    ['{}', /a total_count that is not a whole number/],
    ['{"errcode":"0","total_count":1,"list":[]}', /an errcode that is not a whole number/],
    ['{"errcode":"40001"}', /an errcode that is not a whole number/],
    ['{"errcode":0.5,"errmsg":"half"}', /not a whole number: 0\.5/],
    ['{"errcode":1e400}', /not a whole number/],
    ['{"errcode":18446744073709551616}', /not a whole number/],
    ['{"errcode":2147483648}', /not a whole number: 2147483648/],
    ['{"errcode":0,"total_count":2,"list":{}}', /a list that is not an array/],
    ['{"errcode":0,"total_count":"2","list":[]}', /a total_count that is not a whole number/],
  ])('%s', async (text, message) => {
    const wechat = fakeWeChat((path) => (path === LIST ? text : undefined));
    const pages = await listAll({}, wechat.fetchImpl);
    expect(pages).toHaveLength(1);
    expect(pages[0]).toMatchObject({ errCode: ProjectCode.UNEXPECTED_ANSWER, authorizers: [] });
    expect(pages[0]!.errMsg).toMatch(message);
  });

  test('the same odd codes from the token endpoint are no WeChat code either', async () => {
    for (const text of ['{"errcode":0.5}', '{"errcode":1e400}', '{"errcode":18446744073709551616}']) {
      const wechat = fakeWeChat((path) => (path.endsWith('api_component_token') ? text : undefined));
      const [page] = await listAll({}, wechat.fetchImpl);
      expect(page).toMatchObject({ errCode: ProjectCode.UNEXPECTED_ANSWER });
      expect(page!.errMsg).not.toMatch(/WeChat answered errcode/);
    }
  });

  test('a null item, or a func_info entry that is null: what the answer was, not "read the function\'s log line"', async () => {
    const wechat = fakeWeChat((path) => {
      if (path === LIST) return JSON.stringify({ errcode: 0, total_count: 2, list: [{ authorizer_appid: A0 }, null] });
      if (path.endsWith('api_get_authorizer_info')) return JSON.stringify({ errcode: 0, authorization_info: { func_info: [{ funcscope_category: { id: 40 } }, null] } });
      return undefined;
    });
    const [page] = await listAll({}, wechat.fetchImpl);
    expect(page).toMatchObject({ errCode: ProjectCode.UNEXPECTED_ANSWER, authorizers: [] });
    expect(page!.errMsg).toMatch(/item #1 of its list as null/);
    const info = await client(wechat.fetchImpl).getAuthorizerInfo(A0);
    expect(info).toMatchObject({ errCode: ProjectCode.UNEXPECTED_ANSWER });
    expect(info.errMsg).toMatch(/func_info entry #1/);
    for (const message of [page!.errMsg, info.errMsg]) expect(message).not.toMatch(/function's log|failed unexpectedly/);
  });
});

describe('pages that do not add up end the listing as failed', () => {
  test('a page that repeats (total_count 1e12): two requests, then LISTING_BROKEN', async () => {
    const wechat = fakeWeChat((path) => (path === LIST ? JSON.stringify({ errcode: 0, total_count: 1e12, list: [{ authorizer_appid: A0 }, { authorizer_appid: A1 }] }) : undefined));
    const pages = await listAll({}, wechat.fetchImpl);
    expect(pages.map((page) => page.errCode)).toEqual([0, ProjectCode.LISTING_BROKEN]);
    expect(pages[1]!.errMsg).toMatch(/the page at offset 2 repeated the page at offset 0/);
    expect(wechat.paths.filter((path) => path === LIST)).toHaveLength(2);
  });

  test('an offset that does not advance: an empty page before total_count is reached', async () => {
    const wechat = fakeWeChat((path, body) => (path === LIST ? JSON.stringify({ errcode: 0, total_count: 5, list: body.offset === 0 ? [{ authorizer_appid: A0 }, { authorizer_appid: A1 }] : [] }) : undefined));
    const pages = await listAll({}, wechat.fetchImpl);
    expect(pages.map((page) => page.errCode)).toEqual([0, ProjectCode.LISTING_BROKEN]);
    expect(pages[1]!.errMsg).toMatch(/empty although total_count is 5/);
  });

  test('more pages than total_count allows: short pages, each new, that never reach the total', async () => {
    let serial = 0;
    const wechat = fakeWeChat((path) => {
      if (path !== LIST) return undefined;
      serial += 1;
      return JSON.stringify({ errcode: 0, total_count: 10, list: [{ authorizer_appid: `wx${serial.toString(16).padStart(16, '0')}` }] });
    });
    const pages = await listAll({}, wechat.fetchImpl);
    // Pages of 2 for a total of 10: 5 pages, one more allowed for a total that grew; the 7th is refused.
    expect(pages.map((page) => page.errCode)).toEqual([0, 0, 0, 0, 0, 0, ProjectCode.LISTING_BROKEN]);
    expect(pages.at(-1)!.errMsg).toMatch(/more pages came than total_count \(10\) allows/);
  });
});

describe('refresh tokens from a listing', () => {
  test('an empty refresh token never overwrites a good one, and is not reported stored', async () => {
    const store = memoryStore({ refreshTokens: { [A0]: 'refresh-good' } });
    const wechat = fakeWeChat((path) => (path === LIST ? JSON.stringify({ errcode: 0, total_count: 2, list: [{ authorizer_appid: A0, refresh_token: '' }, { authorizer_appid: A1, refresh_token: 'refresh-new' }] }) : undefined));
    const [page] = await listAll({ store }, wechat.fetchImpl);
    expect(page!.authorizers.map((authorizer) => [authorizer.authorizerAppid, authorizer.refreshTokenStored])).toEqual([
      [A0, false],
      [A1, true],
    ]);
    expect(await store.readRefreshToken(A0)).toBe('refresh-good');
    expect(await store.readRefreshToken(A1)).toBe('refresh-new');
  });

  test('an appid that is not one is listed as it came, nothing stored under it, and never called', async () => {
    const store = memoryStore();
    const odd = 'wx../../etc\u001b[31m';
    const wechat = fakeWeChat((path) => (path === LIST ? JSON.stringify({ errcode: 0, total_count: 1, list: [{ authorizer_appid: odd, refresh_token: 'refresh-odd' }] }) : undefined));
    const [page] = await listAll({ store }, wechat.fetchImpl);
    expect(page!.authorizers).toEqual([{ authorizerAppid: odd, authTime: 0, refreshTokenStored: false }]);
    expect(await store.readRefreshToken(odd)).toBeUndefined();
    const sent = wechat.paths.length;
    expect(await client(wechat.fetchImpl, { store }).forAuthorizer(odd).getPluginList()).toMatchObject({ errCode: ProjectCode.INVALID_APPID });
    expect(wechat.paths).toHaveLength(sent);
  });
});

describe('every credential the client holds or receives is redacted, whatever its length', () => {
  test('WeChat echoing the secret, the ticket, a token and a refresh token in errmsg: none of them shown or logged', async () => {
    const secret = 'shortsec';
    const ticket = 'tkt-9';
    const echoed: string[] = [];
    const wechat = fakeWeChat((path) => {
      if (path.endsWith('api_component_token')) return JSON.stringify({ component_access_token: 'ctok-short', expires_in: 7200 });
      if (path.endsWith('api_authorizer_token')) return JSON.stringify({ authorizer_access_token: 'atok-short', authorizer_refresh_token: 'rtok-new', expires_in: 7200 });
      const text = `secret ${secret} ticket ${ticket} tokens ctok-short atok-short rtok-old rtok-new`;
      echoed.push(text);
      return JSON.stringify({ errcode: 99999, errmsg: text });
    });
    const lines: string[] = [];
    const platform = client(wechat.fetchImpl, { componentSecret: secret, verifyTicket: ticket, store: memoryStore({ refreshTokens: { [A0]: 'rtok-old' } }), log: (line) => lines.push(line) });
    const results = [await platform.forAuthorizer(A0).getPluginList(), await platform.getAuthorizerInfo(A0)];
    expect(echoed.length).toBeGreaterThan(0);
    for (const result of results) {
      expect(result.errCode).toBe(99999);
      for (const value of [secret, ticket, 'ctok-short', 'atok-short', 'rtok-old', 'rtok-new']) expect(`${result.errMsg} ${lines.join('\n')}`).not.toContain(value);
    }
  });

  test('a component failure logs its cause', async () => {
    const wechat = fakeWeChat((path) => (path === LIST ? 'not json at all' : undefined));
    const lines: string[] = [];
    for await (const page of client(wechat.fetchImpl, { log: (line) => lines.push(line) }).listAuthorizers()) expect(page.errCode).toBe(ProjectCode.UNEXPECTED_ANSWER);
    expect(JSON.parse(lines[0]!)).toMatchObject({ operation: 'getAuthorizerList', errCode: ProjectCode.UNEXPECTED_ANSWER, cause: expect.any(String) });
    expect(JSON.parse(lines[0]!).cause).not.toBe('');
  });
});
