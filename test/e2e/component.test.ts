/**
 * The third-party platform's side over real loopback sockets: the component client against the
 * emulator's component side (tickets, component and authoriser tokens, refresh tokens, set 40,
 * quotas, rate limit, one plugin world per authoriser).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createComponentClient, type ComponentClientOptions } from '../../src/component/client';
import { fileStore } from '../../src/component/file-store';
import { memoryStore, type ComponentStore } from '../../src/component/store';
import { ProjectCode } from '../../src/core/codes';
import type { ComponentApiOptions } from '../../src/emulator/component-api';
import { authorizerAppid, DEMO_COMPONENT_APPID, DEMO_COMPONENT_SECRET, FIRST_TICKET, refreshTokenOf } from '../../src/emulator/component-world';
import { startEmulator, type Emulator } from '../../src/emulator/gateway';
import { OPEN_PLUGIN, SECOND_PLUGIN } from '../support/harness';

jest.setTimeout(30_000);

let emulator: Emulator;
let logs: string[];
const start = async (component: ComponentApiOptions = {}) => {
  emulator = await startEmulator({ https: { component: { authorizers: 20, ...component } } });
};
afterEach(async () => {
  emulator?.https.component?.close();
  await emulator?.close();
});

const side = () => emulator.https.component!;
const client = (overrides: Partial<ComponentClientOptions> = {}) => {
  logs = [];
  return createComponentClient({
    componentAppid: DEMO_COMPONENT_APPID,
    componentSecret: DEMO_COMPONENT_SECRET,
    verifyTicket: FIRST_TICKET,
    baseUrl: emulator.url,
    log: (line) => logs.push(line),
    ...overrides,
  });
};
/** A store that already knows the authorisers' refresh tokens, as after a listing. */
const knownStore = (count = 20): ComponentStore =>
  memoryStore({ refreshTokens: Object.fromEntries(Array.from({ length: count }, (_, index) => [authorizerAppid(index), refreshTokenOf(authorizerAppid(index), 0)])) });

const A0 = authorizerAppid(0);
/** With the default share of 0.1, every tenth authoriser (9, 19, ...) lacks set 40. */
const WITHOUT_SET_40 = authorizerAppid(9);

describe('forAuthorizer: the typed operations for one authoriser', () => {
  test('apply, list and update act on that authoriser\'s own plugins, with its token', async () => {
    await start();
    const store = knownStore();
    const mp = client({ store }).forAuthorizer(A0);
    expect(await mp.applyPlugin({ pluginAppid: SECOND_PLUGIN, reason: '门店插件' })).toEqual({ errCode: 0, errMsg: 'applyPlugin:ok', retryable: false, attempts: 1 });
    expect(await mp.updatePlugin({ pluginAppid: OPEN_PLUGIN, userVersion: '2.2.46' })).toMatchObject({ errCode: 0, errMsg: 'updatePlugin:ok' });
    const list = await mp.getPluginList();
    expect(list.pluginList?.map((plugin) => plugin.appid)).toEqual([OPEN_PLUGIN, SECOND_PLUGIN]);
    // Another authoriser's world is untouched.
    expect(side().world.worldOf(authorizerAppid(1)).applicationsOf(authorizerAppid(1)).map((a) => a.pluginAppid)).toEqual([OPEN_PLUGIN]);
    expect(side().world.worldOf(A0).find(A0, OPEN_PLUGIN)?.version).toBe('2.2.46');
    // One component token and one authoriser token for the three calls.
    expect(side().world.requests).toEqual({ componentToken: 1, authorizerToken: 1 });
    expect(side().calls().map(({ path, action, authorizer, errcode }) => ({ path, action, authorizer, errcode }))).toEqual([
      { path: '/wxa/plugin', action: 'apply', authorizer: A0, errcode: 0 },
      { path: '/wxa/plugin', action: 'update', authorizer: A0, errcode: 0 },
      { path: '/wxa/plugin', action: 'list', authorizer: A0, errcode: 0 },
    ]);
    expect((await store.readAuthorizerToken(A0))?.token).toMatch(/^atok_/);
    for (const line of logs) expect(line).not.toMatch(/atok_|ctok_|refreshtoken@@@|secret/);
  });

  test('an authoriser without plugin management: 61007, with what to do, and not retried', async () => {
    await start();
    const result = await client({ store: knownStore() }).forAuthorizer(WITHOUT_SET_40).applyPlugin({ pluginAppid: OPEN_PLUGIN });
    expect(result).toMatchObject({ errCode: 61007, retryable: false, attempts: 1 });
    expect(result.errMsg).toMatch(/^applyPlugin:fail .*permission set 40/);
  });

  test('a spent daily quota: 45009 until the reset', async () => {
    await start({ dailyQuota: 2 });
    let ticket = FIRST_TICKET;
    const mp = client({ store: knownStore(), verifyTicket: () => ticket }).forAuthorizer(A0);
    expect((await mp.getPluginList()).errCode).toBe(0);
    expect((await mp.getPluginList()).errCode).toBe(0);
    expect((await mp.getPluginList()).errCode).toBe(45009);
    side().world.advance(side().world.nextQuotaReset() - side().world.now());
    // Up to a day later: the tokens and the ticket have expired too; WeChat has pushed a new ticket.
    ticket = side().world.pushTicket();
    expect((await mp.getPluginList()).errCode).toBe(0);
  });

  test('the component\'s rate limit: 45011 past N calls in a second', async () => {
    await start({ rateLimit: 3 });
    const store = knownStore();
    const results = await Promise.all([0, 1, 2, 3, 4].map((index) => client({ store }).forAuthorizer(authorizerAppid(index)).getPluginList()));
    expect(results.map((result) => result.errCode).sort()).toEqual([0, 0, 0, 45011, 45011]);
  });

  test('a refresh token WeChat rotates is the one kept', async () => {
    await start({ rotateRefreshTokens: true, tokenLifetimeSeconds: 7200 });
    const store = knownStore();
    const component = client({ store });
    expect((await component.forAuthorizer(A0).getPluginList()).errCode).toBe(0);
    expect(await store.readRefreshToken(A0)).toBe(refreshTokenOf(A0, 1));
    side().world.expireTokens();
    side().world.advance(10 * 60_000); // past the old refresh token's grace window
    expect((await component.forAuthorizer(A0).getPluginList()).errCode).toBe(0);
    expect(await store.readRefreshToken(A0)).toBe(refreshTokenOf(A0, 2));
  });

  test('an expired authoriser token is refreshed once and the call made once more', async () => {
    await start();
    const store = knownStore();
    const mp = client({ store }).forAuthorizer(A0);
    await mp.getPluginList();
    side().world.expireTokens();
    expect(await mp.getPluginList()).toMatchObject({ errCode: 0, attempts: 1 });
    // The component token expired too: fetched again once, and so was the authoriser's.
    expect(side().world.requests).toEqual({ componentToken: 2, authorizerToken: 2 });
  });

  test('another process\'s newer token in the store is used, not knocked out', async () => {
    await start();
    const store = knownStore();
    const first = client({ store }).forAuthorizer(A0);
    const second = client({ store }).forAuthorizer(A0);
    await first.getPluginList();
    await second.getPluginList();
    expect(side().world.requests.authorizerToken).toBe(1);
  });

  test('61023 for a refresh token the store has since replaced: once more with the stored one', async () => {
    await start();
    const store = knownStore();
    const real = store.readRefreshToken.bind(store);
    let reads = 0;
    // The first read sees a stale token, as if a listing stored the current one right after it.
    store.readRefreshToken = async (appid) => (reads++ === 0 ? 'refreshtoken@@@stale' : real(appid));
    expect(await client({ store }).forAuthorizer(A0).getPluginList()).toMatchObject({ errCode: 0, attempts: 1 });
    expect(side().world.requests.authorizerToken).toBe(2);
  });

  test('61023 with nothing newer stored: reported, with what to do', async () => {
    await start();
    const store = memoryStore({ refreshTokens: { [A0]: 'refreshtoken@@@stale' } });
    const result = await client({ store }).forAuthorizer(A0).getPluginList();
    expect(result).toMatchObject({ errCode: 61023, retryable: false, attempts: 1 });
    expect(side().world.requests.authorizerToken).toBe(1);
    expect(side().calls()).toEqual([]);
  });

  test('no refresh token stored: -930305, nothing sent', async () => {
    await start();
    const result = await client().forAuthorizer(A0).getPluginList();
    expect(result).toMatchObject({ errCode: ProjectCode.NO_REFRESH_TOKEN, retryable: false });
    expect(side().calls()).toEqual([]);
  });

  test.each([
    ['an unknown ticket', { verifyTicket: 'not-a-ticket' }, 61006, /WECHAT_COMPONENT_VERIFY_TICKET/],
    ['a wrong secret', { componentSecret: 'wrong' }, 40125, /check WECHAT_COMPONENT_SECRET/],
    ['another component', { componentAppid: 'wx9999999999999999' }, 61011, /WECHAT_COMPONENT_APPID/],
  ])('%s: the platform\'s fault, with WeChat\'s code and what to fix', async (_name, overrides, wechatCode, fix) => {
    await start();
    const result = await client({ store: knownStore(), ...overrides }).forAuthorizer(A0).applyPlugin({ pluginAppid: OPEN_PLUGIN });
    expect(result).toMatchObject({ errCode: ProjectCode.PLATFORM_CREDENTIALS_REFUSED, retryable: false });
    expect(result.errMsg).toMatch(new RegExp(`\\(${wechatCode}[ )]`));
    expect(result.errMsg).toMatch(fix);
    expect(result.errMsg).not.toMatch(/WECHAT_APPSECRET/);
    expect(side().calls()).toEqual([]);
  });

  test('an expired ticket: 61005; the next pushed one works', async () => {
    await start();
    side().world.expireTickets();
    const store = knownStore();
    const expired = await client({ store }).forAuthorizer(A0).getPluginList();
    expect(expired.errCode).toBe(ProjectCode.PLATFORM_CREDENTIALS_REFUSED);
    expect(expired.errMsg).toContain('(61005 ');
    const ticket = side().world.pushTicket();
    expect((await client({ store, verifyTicket: ticket }).forAuthorizer(A0).getPluginList()).errCode).toBe(0);
  });

  test('bad input is refused before anything is sent', async () => {
    await start();
    const component = client({ store: knownStore() });
    expect((await component.forAuthorizer('WXA0').getPluginList()).errCode).toBe(ProjectCode.INVALID_APPID);
    expect((await component.forAuthorizer(A0).applyPlugin({ pluginAppid: 'nope' })).errCode).toBe(ProjectCode.INVALID_APPID);
    expect((await createComponentClient({ componentAppid: '', componentSecret: 'x', baseUrl: emulator.url }).forAuthorizer(A0).getPluginList()).errCode).toBe(ProjectCode.COMPONENT_CREDENTIALS_MISSING);
    expect(side().world.requests).toEqual({ componentToken: 0, authorizerToken: 0 });
  });
});

describe('listing authorisers', () => {
  test('pages of at most 500, each page\'s refresh tokens stored before it is handed over', async () => {
    await start({ authorizers: 1203 });
    const store = memoryStore();
    const pages = [];
    for await (const page of client({ store }).listAuthorizers()) {
      // Stored already when the page arrives.
      expect(await store.readRefreshToken(page.authorizers.at(-1)!.authorizerAppid)).toBeDefined();
      pages.push({ errCode: page.errCode, offset: page.offset, size: page.authorizers.length, total: page.totalCount });
    }
    expect(pages).toEqual([
      { errCode: 0, offset: 0, size: 500, total: 1203 },
      { errCode: 0, offset: 500, size: 500, total: 1203 },
      { errCode: 0, offset: 1000, size: 203, total: 1203 },
    ]);
    expect(await store.readRefreshToken(authorizerAppid(1202))).toBe(refreshTokenOf(authorizerAppid(1202), 0));
    // One log line per page, without any token.
    expect(logs.map((line) => JSON.parse(line) as Record<string, unknown>).map(({ operation, errCode, offset }) => ({ operation, errCode, offset }))).toEqual([
      { operation: 'getAuthorizerList', errCode: 0, offset: 0 },
      { operation: 'getAuthorizerList', errCode: 0, offset: 500 },
      { operation: 'getAuthorizerList', errCode: 0, offset: 1000 },
    ]);
    for (const line of logs) expect(line).not.toMatch(/refreshtoken|ctok_|secret/);
  });

  test('the listing then lets every authoriser be called, and info tells set 40', async () => {
    await start();
    const component = client();
    for await (const page of component.listAuthorizers({ pageSize: 7 })) expect(page.errCode).toBe(0);
    expect((await component.forAuthorizer(authorizerAppid(19)).getPluginList()).errCode).toBe(61007);
    expect(await component.getAuthorizerInfo(A0)).toMatchObject({ errCode: 0, authorizerAppid: A0, pluginManagement: true, nickName: 'Store 0' });
    expect(await component.getAuthorizerInfo(WITHOUT_SET_40)).toMatchObject({ errCode: 0, pluginManagement: false });
    expect((await component.getAuthorizerInfo(authorizerAppid(999))).errCode).toBe(61003);
  });

  test('WeChat busy (-1) on a page: asked again with backoff, and the listing goes on', async () => {
    await start();
    let busy = 1;
    const flaky: typeof fetch = async (input, init) => {
      if (String(input).includes('api_get_authorizer_list') && busy-- > 0) return new Response(JSON.stringify({ errcode: -1, errmsg: 'system error' }));
      return fetch(input, init);
    };
    const pages = [];
    for await (const page of client({ fetch: flaky }).listAuthorizers()) pages.push(page);
    expect(pages).toHaveLength(1);
    expect(pages[0]).toMatchObject({ errCode: 0, attempts: 2, totalCount: 20 });
  });

  test('a page that fails ends the listing with its code', async () => {
    await start();
    const pages = [];
    for await (const page of client({ componentSecret: 'wrong' }).listAuthorizers()) pages.push(page);
    expect(pages).toHaveLength(1);
    expect(pages[0]).toMatchObject({ errCode: ProjectCode.PLATFORM_CREDENTIALS_REFUSED, authorizers: [] });
    expect(pages[0]!.errMsg).toMatch(/\(40125[ )]/);
  });
});

describe('the file store, shared by two clients', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'component-store-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('tokens fetched by one are used by the other', async () => {
    await start();
    for await (const page of client({ store: fileStore(dir) }).listAuthorizers()) expect(page.errCode).toBe(0);
    expect((await client({ store: fileStore(dir) }).forAuthorizer(A0).getPluginList()).errCode).toBe(0);
    expect((await client({ store: fileStore(dir) }).forAuthorizer(A0).getPluginList()).errCode).toBe(0);
    expect(side().world.requests).toEqual({ componentToken: 1, authorizerToken: 1 });
  });
});

describe('beforeRequest: every request to WeChat waits for its slot (a batch\'s shared rate limit)', () => {
  test('the component token, the authoriser token, each call and each listing page wait once each', async () => {
    await start();
    let waited = 0;
    const paced = client({ store: knownStore(), beforeRequest: async () => void (waited += 1) });
    expect((await paced.forAuthorizer(A0).getPluginList()).errCode).toBe(0);
    expect(side().world.requests).toEqual({ componentToken: 1, authorizerToken: 1 });
    expect(waited).toBe(3);
    expect((await paced.forAuthorizer(A0).getPluginList()).errCode).toBe(0);
    expect(waited).toBe(4);
    for await (const page of paced.listAuthorizers()) expect(page.errCode).toBe(0);
    expect(waited).toBe(5);
    expect(side().calls()).toHaveLength(2);
  });

  test('a slot that comes after the call\'s budget: out of time, and nothing is sent', async () => {
    await start();
    const late = client({ store: knownStore(), timeoutMs: 300, beforeRequest: () => new Promise((resolve) => setTimeout(resolve, 500)) });
    const result = await late.forAuthorizer(A0).applyPlugin({ pluginAppid: OPEN_PLUGIN });
    expect(result).toMatchObject({ errCode: ProjectCode.DEADLINE_EXCEEDED });
    expect(side().world.requests).toEqual({ componentToken: 0, authorizerToken: 0 });
    expect(side().calls()).toEqual([]);
  });
});
