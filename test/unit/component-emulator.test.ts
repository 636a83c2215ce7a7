/**
 * The emulator's component side: its state (component-world.ts) with a fixed clock, and its
 * endpoints over loopback (quota/get, list paging, the call log file).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APPID_PATTERN } from '../../src/core/fields';
import { authorizerAppid, authorizerIndex, ComponentWorld, DEMO_COMPONENT_APPID, DEMO_COMPONENT_SECRET, FIRST_TICKET, refreshTokenOf } from '../../src/emulator/component-world';
import { componentOptionsFrom } from '../../src/emulator/component-cli';
import { startEmulator, type Emulator } from '../../src/emulator/gateway';

/** 2026-01-01 15:59:59 UTC: a second before WeChat's quota reset (midnight in Beijing). */
const BEFORE_RESET = Date.UTC(2026, 0, 1, 15, 59, 59);

describe('the component world', () => {
  test('authoriser appids follow from the index, are appids, and read back', () => {
    for (const index of [0, 1, 255, 99_999, 10_000_000]) {
      expect(authorizerAppid(index)).toMatch(APPID_PATTERN);
      expect(authorizerIndex(authorizerAppid(index))).toBe(index);
    }
    expect(authorizerIndex('wx0123456789abcdef')).toBeUndefined();
  });

  test.each([
    [0, 0],
    [0.1, 100],
    [0.25, 250],
    [1, 1000],
  ])('a share of %s without set 40 is exactly %s of 1000, spread evenly', (share, expected) => {
    const world = new ComponentWorld({ authorizers: 1000, withoutPluginManagement: share });
    const without = Array.from({ length: 1000 }, (_, index) => authorizerAppid(index)).filter((appid) => !world.grantsPluginManagement(appid));
    expect(without).toHaveLength(expected);
    if (share > 0 && share < 1) expect(without[0]).toBe(authorizerAppid(Math.ceil(1 / share) - 1));
    expect(world.grantedSets(authorizerAppid(0)).includes(40)).toBe(share < 1);
  });

  test('1,000,000 authorisers cost nothing until used', () => {
    const world = new ComponentWorld({ authorizers: 1_000_000 });
    expect(world.isAuthorizer(authorizerAppid(999_999))).toBe(true);
    expect(world.isAuthorizer(authorizerAppid(1_000_000))).toBe(false);
    expect((world as unknown as { states: Map<number, unknown> }).states.size).toBe(0);
    world.worldOf(authorizerAppid(5));
    expect((world as unknown as { states: Map<number, unknown> }).states.size).toBe(1);
  });

  test('tickets: valid 12 hours, then 61005; unknown ones 61006; a pushed one is new', () => {
    let now = BEFORE_RESET;
    const world = new ComponentWorld({ now: () => now });
    expect(world.checkTicket(FIRST_TICKET)).toBe(0);
    expect(world.checkTicket('made-up')).toBe(61006);
    now += 12 * 3600_000;
    expect(world.checkTicket(FIRST_TICKET)).toBe(61005);
    expect(world.checkTicket(world.pushTicket())).toBe(0);
  });

  test('a replaced token works for the grace window, then expires', () => {
    const world = new ComponentWorld({ now: () => BEFORE_RESET, graceSeconds: 300 });
    const first = world.issueComponentToken();
    world.issueComponentToken();
    expect(world.isExpired(world.token(first)!)).toBe(false);
    world.advance(300_000);
    expect(world.isExpired(world.token(first)!)).toBe(true);
  });

  test('rotating refresh tokens: the previous one works for the grace window only', () => {
    const world = new ComponentWorld({ now: () => BEFORE_RESET, rotateRefreshTokens: true });
    const appid = authorizerAppid(1);
    expect(world.issueAuthorizerToken(appid).refreshToken).toBe(refreshTokenOf(appid, 1));
    expect(world.acceptsRefreshToken(appid, refreshTokenOf(appid, 0))).toBe(true);
    world.advance(300_000);
    expect(world.acceptsRefreshToken(appid, refreshTokenOf(appid, 0))).toBe(false);
    expect(world.acceptsRefreshToken(appid, refreshTokenOf(appid, 1))).toBe(true);
  });

  test('without rotation the refresh token comes back unchanged', () => {
    const world = new ComponentWorld();
    const appid = authorizerAppid(1);
    expect(world.issueAuthorizerToken(appid).refreshToken).toBe(refreshTokenOf(appid, 0));
    expect(world.issueAuthorizerToken(appid).refreshToken).toBe(refreshTokenOf(appid, 0));
  });

  test('daily quota per authoriser and path, reset at the configured hour', () => {
    const world = new ComponentWorld({ now: () => BEFORE_RESET, dailyQuota: 2 });
    const [a, b] = [authorizerAppid(0), authorizerAppid(1)];
    expect([world.spendQuota(a, '/wxa/plugin'), world.spendQuota(a, '/wxa/plugin'), world.spendQuota(a, '/wxa/plugin')]).toEqual([true, true, false]);
    expect(world.spendQuota(a, '/wxa/devplugin')).toBe(true);
    expect(world.spendQuota(b, '/wxa/plugin')).toBe(true);
    expect(world.quota(a, '/wxa/plugin')).toEqual({ daily_limit: 2, used: 2, remain: 0 });
    expect(world.nextQuotaReset()).toBe(BEFORE_RESET + 1000);
    world.advance(1000);
    expect(world.quota(a, '/wxa/plugin')).toEqual({ daily_limit: 2, used: 0, remain: 2 });
    expect(world.spendQuota(a, '/wxa/plugin')).toBe(true);
  });

  test('the rate limit counts the calls let through in the last second', () => {
    const world = new ComponentWorld({ now: () => BEFORE_RESET, rateLimit: 3 });
    expect([1, 2, 3, 4].map(() => world.admitCall())).toEqual([true, true, true, false]);
    world.advance(999);
    expect(world.admitCall()).toBe(false);
    world.advance(1);
    expect(world.admitCall()).toBe(true);
    expect(new ComponentWorld({ rateLimit: 0 }).admitCall()).toBe(true);
  });
});

describe('the component endpoints', () => {
  let emulator: Emulator;
  let dir: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'component-emulator-'));
    emulator = await startEmulator({ https: { component: { authorizers: 1200, callLog: join(dir, 'calls.jsonl') } } });
  });
  afterEach(async () => {
    emulator.https.component!.close();
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const post = async (path: string, body: unknown) => (await fetch(`${emulator.url}${path}`, { method: 'POST', body: JSON.stringify(body) })).json() as Promise<Record<string, unknown>>;
  const componentToken = async () =>
    (await post('/cgi-bin/component/api_component_token', { component_appid: DEMO_COMPONENT_APPID, component_appsecret: DEMO_COMPONENT_SECRET, component_verify_ticket: FIRST_TICKET })).component_access_token as string;

  test('a list page holds at most 500, whatever count asks; the newer access_token= works too', async () => {
    const token = await componentToken();
    const page = await post(`/cgi-bin/component/api_get_authorizer_list?access_token=${token}`, { component_appid: DEMO_COMPONENT_APPID, offset: 1000, count: 1000 });
    expect(page).toMatchObject({ errcode: 0, total_count: 1200 });
    expect((page.list as unknown[]).length).toBe(200);
    const big = await post(`/cgi-bin/component/api_get_authorizer_list?component_access_token=${token}`, { component_appid: DEMO_COMPONENT_APPID, offset: 0, count: 1000 });
    expect((big.list as unknown[]).length).toBe(500);
    expect(await post('/cgi-bin/component/api_get_authorizer_list?component_access_token=nope', { component_appid: DEMO_COMPONENT_APPID })).toMatchObject({ errcode: 40001 });
  });

  test('quota/get: the authoriser\'s quota for a plugin path; 76003, 76021, 76022 otherwise', async () => {
    const token = await componentToken();
    const appid = authorizerAppid(0);
    const issued = await post(`/cgi-bin/component/api_authorizer_token?component_access_token=${token}`, { component_appid: DEMO_COMPONENT_APPID, authorizer_appid: appid, authorizer_refresh_token: refreshTokenOf(appid, 0) });
    const access = issued.authorizer_access_token as string;
    await post(`/wxa/plugin?access_token=${access}`, { action: 'list' });
    expect(await post(`/cgi-bin/openapi/quota/get?access_token=${access}`, { cgi_path: '/wxa/plugin' })).toEqual({
      errcode: 0,
      errmsg: 'ok',
      quota: { daily_limit: 1000, used: 1, remain: 999 },
      rate_limit: { call_count: 2000, refresh_second: 1 },
      component_rate_limit: { call_count: 2000, refresh_second: 1 },
    });
    expect(await post(`/cgi-bin/openapi/quota/get?access_token=${access}`, { cgi_path: 'wxa/plugin' })).toMatchObject({ errcode: 76003 });
    expect(await post(`/cgi-bin/openapi/quota/get?access_token=${access}`, { cgi_path: '/wxa/nothing' })).toMatchObject({ errcode: 76021 });
    expect(await post(`/cgi-bin/openapi/quota/get?access_token=${token}`, { cgi_path: '/wxa/plugin' })).toMatchObject({ errcode: 76022 });
    expect(await post(`/cgi-bin/openapi/quota/get?access_token=${token}`, { cgi_path: '/cgi-bin/component/api_component_token' })).toMatchObject({ errcode: 0, quota: { used: 1 } });
    expect(await post('/cgi-bin/component/api_authorizer_token?component_access_token=' + token, { component_appid: DEMO_COMPONENT_APPID, authorizer_appid: appid, authorizer_refresh_token: 'stale' })).toMatchObject({ errcode: 61023 });
    // The call log file holds the one plugin call, as a JSON line.
    const lines = readFileSync(join(dir, 'calls.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([{ t: expect.any(Number), path: '/wxa/plugin', action: 'list', authorizer: appid, errcode: 0 }]);
  });
});

describe('npm run emulator\'s component options', () => {
  test('flags become options; only the ones given', () => {
    expect(componentOptionsFrom({ authorizers: '10000', 'without-plugin-management': '0.2', 'rotate-refresh-tokens': true, 'rate-limit': '0', 'call-log': '/tmp/x' })).toEqual({
      authorizers: 10000,
      withoutPluginManagement: 0.2,
      rotateRefreshTokens: true,
      rateLimit: 0,
      callLog: '/tmp/x',
      keepCallsInMemory: false,
    });
  });

  test.each([
    [{ authorizers: '-1' }, /--authorizers takes a whole number/],
    [{ authorizers: '1e3' }, /--authorizers takes a whole number/],
    [{ 'without-plugin-management': '1.5' }, /--without-plugin-management takes a share from 0 to 1/],
    [{ 'without-plugin-management': '' }, /--without-plugin-management takes a share/],
    [{ 'quota-reset-hour': '24' }, /--quota-reset-hour takes a whole number from 0 to 23/],
    [{ 'token-lifetime': '0' }, /--token-lifetime takes a whole number from 1/],
  ])('%j is refused: %s', (values, message) => {
    expect(() => componentOptionsFrom(values)).toThrow(message);
  });
});
