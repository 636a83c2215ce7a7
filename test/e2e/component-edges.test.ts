/**
 * The component side's less travelled paths, over loopback: WeChat's refusals of malformed token
 * requests, faults on authoriser calls and what the call log says of them, the mini-program's own
 * token beside a component, and the client's answers to odd token answers and missing tickets.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createComponentClient, type ComponentClientOptions } from '../../src/component/client';
import { fileStore } from '../../src/component/file-store';
import { memoryStore } from '../../src/component/store';
import { ProjectCode } from '../../src/core/codes';
import { componentBanner } from '../../src/emulator/component-cli';
import { CallLog } from '../../src/emulator/component-call-log';
import type { ComponentApiOptions } from '../../src/emulator/component-api';
import { authorizerAppid, DEMO_COMPONENT_APPID, DEMO_COMPONENT_SECRET, FIRST_TICKET, refreshTokenOf } from '../../src/emulator/component-world';
import { DEMO_MINI_PROGRAM_APPID, startEmulator, type Emulator } from '../../src/emulator/gateway';
import { DEMO_APP_SECRET } from '../../src/emulator/https-api';
import { createHttpsClient } from '../../src/https/client';
import { OPEN_PLUGIN, SECOND_PLUGIN } from '../support/harness';

jest.setTimeout(30_000);

let emulator: Emulator;
const start = async (component: ComponentApiOptions = {}) => {
  emulator = await startEmulator({ https: { component: { authorizers: 5, ...component } } });
};
afterEach(async () => {
  emulator.https.component!.close();
  await emulator.close();
});
const side = () => emulator.https.component!;
const A0 = authorizerAppid(0);

const raw = async (path: string, body: unknown) =>
  (await fetch(`${emulator.url}${path}`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) })).json() as Promise<Record<string, unknown>>;
const credentials = { component_appid: DEMO_COMPONENT_APPID, component_appsecret: DEMO_COMPONENT_SECRET, component_verify_ticket: FIRST_TICKET };
const componentToken = async () => (await raw('/cgi-bin/component/api_component_token', credentials)).component_access_token as string;
const authorizerToken = async (appid = A0) =>
  (await raw(`/cgi-bin/component/api_authorizer_token?component_access_token=${await componentToken()}`, { component_appid: DEMO_COMPONENT_APPID, authorizer_appid: appid, authorizer_refresh_token: refreshTokenOf(appid, 0) }))
    .authorizer_access_token as string;
const client = (overrides: Partial<ComponentClientOptions> = {}) =>
  createComponentClient({
    componentAppid: DEMO_COMPONENT_APPID,
    componentSecret: DEMO_COMPONENT_SECRET,
    verifyTicket: FIRST_TICKET,
    baseUrl: emulator.url,
    store: memoryStore({ refreshTokens: { [A0]: refreshTokenOf(A0, 0) } }),
    ...overrides,
  });

describe('WeChat\'s refusals of malformed requests', () => {
  test('the component token request', async () => {
    await start();
    expect(await raw('/cgi-bin/component/api_component_token', { ...credentials, component_appid: '' })).toMatchObject({ errcode: 41018 });
    expect(await raw('/cgi-bin/component/api_component_token', { ...credentials, component_appsecret: '' })).toMatchObject({ errcode: 41004 });
    expect(await raw('/cgi-bin/component/api_component_token', { ...credentials, component_verify_ticket: 7 })).toMatchObject({ errcode: 61006 });
    expect(await raw('/cgi-bin/component/api_component_token', 'not json')).toMatchObject({ errcode: 47001 });
  });

  test('the component APIs', async () => {
    await start();
    const token = await componentToken();
    const list = (query: string, body: unknown) => raw(`/cgi-bin/component/api_get_authorizer_list${query}`, body);
    expect(await list('', { component_appid: DEMO_COMPONENT_APPID })).toMatchObject({ errcode: 41001 });
    expect(await list(`?component_access_token=${await authorizerToken()}`, { component_appid: DEMO_COMPONENT_APPID })).toMatchObject({ errcode: 40001 });
    expect(await list(`?component_access_token=${token}`, 'not json')).toMatchObject({ errcode: 47001 });
    expect(await list(`?component_access_token=${token}`, { component_appid: 'wx9999999999999999' })).toMatchObject({ errcode: 61011 });
    expect(await raw(`/cgi-bin/component/api_authorizer_token?component_access_token=${token}`, { component_appid: DEMO_COMPONENT_APPID, authorizer_appid: 5 })).toMatchObject({ errcode: 61003 });
    // A count that is not a number asks for one.
    expect(((await list(`?component_access_token=${token}`, { component_appid: DEMO_COMPONENT_APPID, count: 'x' })).list as unknown[]).length).toBe(1);
    expect(await raw(`/cgi-bin/openapi/quota/get?access_token=${token}`, { cgi_path: '/cgi-bin/component/api_get_authorizer_list' })).toMatchObject({ errcode: 0, quota: { used: 0 } });
    side().world.expireTokens();
    expect(await list(`?component_access_token=${token}`, { component_appid: DEMO_COMPONENT_APPID })).toMatchObject({ errcode: 42001 });
  });

  test('plugin calls and quota/get with an authoriser token', async () => {
    await start();
    const token = await authorizerToken();
    expect(await raw(`/wxa/plugin?access_token=${token}`, 'not json')).toMatchObject({ errcode: 47001 });
    expect(await raw(`/wxa/plugin?access_token=${token}`, { action: 'fly' })).toMatchObject({ errcode: 40097 });
    side().world.expireTokens();
    expect(await raw(`/wxa/plugin?access_token=${token}`, { action: 'list' })).toMatchObject({ errcode: 42001 });
    expect(await raw(`/cgi-bin/openapi/quota/get?access_token=${token}`, { cgi_path: '/wxa/plugin' })).toMatchObject({ errcode: 42001 });
    // A token the component never issued is not the component's to answer.
    expect((await fetch(`${emulator.url}/cgi-bin/openapi/quota/get?access_token=nope`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect(side().calls().map((call) => [call.action, call.errcode])).toEqual([
      [null, 47001],
      ['fly', 40097],
      ['list', 42001],
    ]);
  });
});

describe('faults on authoriser calls, as the call log records them', () => {
  test('WeChat busy once: retried, and both calls logged', async () => {
    await start();
    emulator.faults.add({ kind: 'errcode', errcode: -1 });
    expect(await client().forAuthorizer(A0).getPluginList()).toMatchObject({ errCode: 0, attempts: 2 });
    expect(side().calls().map((call) => call.errcode)).toEqual([-1, 0]);
  });

  test('an answer lost after WeChat applied: logged as applied, then 89237 with the note', async () => {
    await start();
    emulator.faults.add({ kind: 'drop', afterApplying: true });
    const result = await client().forAuthorizer(A0).applyPlugin({ pluginAppid: SECOND_PLUGIN });
    expect(result).toMatchObject({ errCode: 89237, attempts: 2 });
    expect(result.errMsg).toContain('an earlier attempt in this call may have been the one that applied');
    expect(side().calls().map((call) => call.errcode)).toEqual([0, 89237]);
  });

  test('a 502 or a dropped connection: logged with errcode null', async () => {
    await start();
    emulator.faults.add({ kind: 'http-status', status: 502 });
    emulator.faults.add({ kind: 'drop' });
    expect((await client({ timeoutMs: 3000 }).forAuthorizer(A0).getPluginList()).errCode).toBe(0);
    expect(side().calls().map((call) => call.errcode)).toEqual([null, null, 0]);
  });
});

test('the mini-program\'s own token still works beside a component', async () => {
  await start();
  const own = createHttpsClient({ appid: DEMO_MINI_PROGRAM_APPID, secret: DEMO_APP_SECRET, baseUrl: emulator.url });
  expect((await own.applyPlugin({ pluginAppid: OPEN_PLUGIN })).errCode).toBe(0);
  expect(side().calls()).toEqual([]);
});

test('authorisers can start with a plugin still applying', async () => {
  await start({ startWith: [{ pluginAppid: OPEN_PLUGIN, status: 'applying' }] });
  const list = await client().forAuthorizer(A0).getPluginList();
  expect(list.pluginList).toEqual([expect.objectContaining({ appid: OPEN_PLUGIN, status: 1 })]);
});

describe('the client\'s side', () => {
  test('a token answer without the token: -930203, and nothing is sent', async () => {
    await start();
    const hollow: typeof fetch = async (input, init) => (String(input).includes('api_component_token') ? new Response('{"errcode":0}') : fetch(input, init));
    const result = await client({ fetch: hollow }).forAuthorizer(A0).getPluginList();
    expect(result).toMatchObject({ errCode: ProjectCode.UNEXPECTED_ANSWER, retryable: false });
    expect(result.errMsg).toContain('answered without component_access_token and expires_in, so nothing was sent');
    expect(side().calls()).toEqual([]);
  });

  test('no ticket anywhere: -930304; a ticket stored with setVerifyTicket is then used', async () => {
    await start();
    const store = memoryStore({ refreshTokens: { [A0]: refreshTokenOf(A0, 0) } });
    const platform = client({ verifyTicket: undefined, store });
    const missing = await platform.forAuthorizer(A0).getPluginList();
    expect(missing).toMatchObject({ errCode: ProjectCode.COMPONENT_CREDENTIALS_MISSING });
    expect(missing.errMsg).toContain('no component_verify_ticket');
    expect(await platform.setVerifyTicket('  ')).toMatchObject({ errCode: ProjectCode.COMPONENT_CREDENTIALS_MISSING, attempts: 0 });
    expect(await platform.setVerifyTicket(FIRST_TICKET)).toEqual({ errCode: 0, errMsg: 'setVerifyTicket:ok', retryable: false, attempts: 0 });
    expect((await platform.forAuthorizer(A0).getPluginList()).errCode).toBe(0);
  });

  test('a store that cannot be written: -930306 from setVerifyTicket and from a listing', async () => {
    await start();
    const dir = mkdtempSync(join(tmpdir(), 'component-edges-'));
    try {
      mkdirSync(join(dir, 'ticket')); // a folder where the ticket file should go
      mkdirSync(join(dir, 'authorizers', `${A0}.refresh`), { recursive: true });
      const platform = client({ store: fileStore(dir) });
      expect((await platform.setVerifyTicket(FIRST_TICKET)).errCode).toBe(ProjectCode.TOKEN_STORE_FAILED);
      const pages = [];
      for await (const page of platform.listAuthorizers()) pages.push(page);
      expect(pages).toEqual([expect.objectContaining({ errCode: ProjectCode.TOKEN_STORE_FAILED, authorizers: [] })]);
      // Reading a refresh token that is a folder fails the same way, and nothing is sent.
      expect((await platform.forAuthorizer(A0).getPluginList()).errCode).toBe(ProjectCode.TOKEN_STORE_FAILED);
      expect(side().calls()).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('answers without the documented fields: a listing without total_count fails (never "no authorisers"); info without func_info has no set 40', async () => {
    await start();
    const bare: typeof fetch = async (input, init) =>
      /api_get_authorizer_(list|info)/.test(String(input)) ? new Response('{"errcode":0,"list":[{"auth_time":1}]}') : fetch(input, init);
    const platform = client({ fetch: bare });
    const pages = [];
    for await (const page of platform.listAuthorizers()) pages.push(page);
    expect(pages).toEqual([expect.objectContaining({ errCode: ProjectCode.UNEXPECTED_ANSWER, authorizers: [] })]);
    expect(pages[0]!.errMsg).toMatch(/api_get_authorizer_list answered a total_count that is not a whole number/);
    expect(await platform.getAuthorizerInfo(A0)).toMatchObject({ errCode: 0, authorizerAppid: A0, funcInfo: [], pluginManagement: false });
    expect(await platform.getAuthorizerInfo(A0)).not.toHaveProperty('nickName');
  });

  test('the secret alone missing is named', async () => {
    await start();
    const result = await client({ componentSecret: ' ' }).getAuthorizerInfo(A0);
    expect(result).toMatchObject({ errCode: ProjectCode.COMPONENT_CREDENTIALS_MISSING, attempts: 0 });
    expect(result.errMsg).toContain("the third-party platform's secret is missing");
  });

  test('bad listing bounds and a bad appid for info: refused, nothing sent', async () => {
    await start();
    const platform = client();
    for (const bounds of [{ pageSize: 501 }, { pageSize: 0 }, { offset: -1 }, { offset: 1.5 }]) {
      const pages = [];
      for await (const page of platform.listAuthorizers(bounds)) pages.push(page);
      expect(pages).toEqual([expect.objectContaining({ errCode: ProjectCode.INVALID_NUMBER, attempts: 0 })]);
    }
    expect(await platform.getAuthorizerInfo('nope')).toMatchObject({ errCode: ProjectCode.INVALID_APPID, attempts: 0 });
    expect(side().world.requests.componentToken).toBe(0);
  });
});

test('the call log without memory writes the file only; closing twice is harmless', () => {
  const dir = mkdtempSync(join(tmpdir(), 'call-log-'));
  try {
    const log = new CallLog(join(dir, 'calls.jsonl'), false);
    log.add({ t: 1, path: '/wxa/plugin', action: 'list', authorizer: A0, errcode: 0 });
    log.close();
    log.close();
    expect(log.all()).toEqual([]);
    expect(JSON.parse(readFileSync(join(dir, 'calls.jsonl'), 'utf8'))).toMatchObject({ authorizer: A0 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('npm run emulator prints how to reach the component', () => {
  expect(componentBanner('http://127.0.0.1:1', { authorizers: 7 }).join('\n')).toMatch(/7 authoriser\(s\)[\s\S]*WECHAT_COMPONENT_APPID=wxc0de000000000001[\s\S]*WECHAT_COMPONENT_VERIFY_TICKET=ticket@@@emulator-0001/);
});
