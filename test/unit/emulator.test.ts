/**
 * The emulator itself, driven over a real loopback socket the way wx-server-sdk drives it
 * (multipart with a protobuf requestData). The end-to-end suite drives it with the real SDK.
 */
import { startEmulator, type Emulator } from '../../src/emulator/gateway';
import { FaultQueue, NAMED_FAULTS } from '../../src/emulator/faults';
import { DEMO_PLUGINS, PluginWorld } from '../../src/emulator/plugin-world';
import { decodeOpenApiResponse, encodeOpenApiRequest } from '../../src/emulator/wire';
import { HANDLERS } from '../../src/emulator/handlers';

const MINI_PROGRAM = 'wxa11ce00000000d3e';
const SIGNED = 'TC3-HMAC-SHA256 Credential=AKIDtest/2026-11-28/tcb/tc3_request, Signature=abc';

async function openApi(emulator: Emulator, fields: Record<string, unknown>, options: { apiName?: string; action?: string; authorization?: string; cloudToken?: string } = {}) {
  const form = new FormData();
  form.append('action', options.action ?? 'wx.openApi');
  form.append('apiName', options.apiName ?? 'pluginManager.applyPlugin');
  form.append('requestData', new Blob([encodeOpenApiRequest(fields)]));
  form.append('envName', 'env-1');
  form.append('wxCloudApiToken', options.cloudToken ?? '');
  const response = await fetch(emulator.gatewayUrl, { method: 'POST', body: form, headers: { authorization: options.authorization ?? SIGNED } });
  const body = Buffer.from(await response.arrayBuffer());
  const type = response.headers.get('content-type') ?? '';
  if (type.startsWith('application/octet-stream') && body.length > 0) {
    const decoded = decodeOpenApiResponse(body);
    const json = decoded.respData.length ? JSON.parse(Buffer.from(decoded.respData).toString()) : undefined;
    return { status: response.status, type, errorCode: decoded.errorCode, json };
  }
  return { status: response.status, type, text: body.toString() };
}

let emulator: Emulator;
afterEach(async () => emulator?.close());

describe('the gateway emulator', () => {
  test('applies, records the decoded wire, and answers with protobuf around WeChat JSON', async () => {
    emulator = await startEmulator();
    const answer = await openApi(emulator, { action: 'apply', plugin_appid: 'wx0123456789abcdef', reason: '门店地图' });
    expect(answer).toMatchObject({ status: 200, type: 'application/octet-stream', errorCode: 0, json: { errcode: 0, errmsg: 'ok' } });
    expect(emulator.calls).toEqual([
      { surface: 'cloud', apiName: 'pluginManager.applyPlugin', fields: { action: 'apply', plugin_appid: 'wx0123456789abcdef', reason: '门店地图' }, signed: true, envName: 'env-1' },
    ]);
    expect(emulator.world.applicationsOf(MINI_PROGRAM)).toEqual([
      { miniProgramAppid: MINI_PROGRAM, pluginAppid: 'wx0123456789abcdef', reason: '门店地图', status: 'applying', createdAt: expect.any(Number) },
    ]);
  });

  test('binds to loopback only', async () => {
    emulator = await startEmulator();
    expect(new URL(emulator.url).hostname).toBe('127.0.0.1');
  });

  test('an unsigned request without a cloud token is refused by the gateway, not by WeChat', async () => {
    emulator = await startEmulator();
    const answer = await openApi(emulator, { action: 'apply', plugin_appid: 'wx0123456789abcdef' }, { authorization: 'TC3-HMAC-SHA256 Credential=undefined/2026/tcb' });
    expect(answer).toMatchObject({ type: 'application/json; charset=utf-8' });
    expect(JSON.parse(answer.text!)).toMatchObject({ code: 'SIGN_PARAM_INVALID' });
    expect(emulator.calls[0]!.signed).toBe(false);
    expect(emulator.world.applicationsOf(MINI_PROGRAM)).toEqual([]);
  });

  test('an unsigned request with a WeChat cloud token is accepted', async () => {
    emulator = await startEmulator();
    const answer = await openApi(emulator, { action: 'apply', plugin_appid: 'wx0123456789abcdef' }, { authorization: '', cloudToken: 'token' });
    expect(answer.json).toEqual({ errcode: 0, errmsg: 'ok' });
  });

  test('an API the function was not granted answers -604101; an unknown API -604100', async () => {
    emulator = await startEmulator({ grantedApis: [] });
    expect((await openApi(emulator, { action: 'apply', plugin_appid: 'wx0123456789abcdef' })).errorCode).toBe(-604101);
    expect((await openApi(emulator, {}, { apiName: 'pluginManager.noSuchThing' })).errorCode).toBe(-604100);
  });

  test('a wrong action inside the API is WeChat\'s invalid-args answer', async () => {
    emulator = await startEmulator();
    expect((await openApi(emulator, { action: 'bind', plugin_appid: 'wx0123456789abcdef' })).json).toMatchObject({ errcode: 40097 });
  });

  test('a gateway action other than wx.openApi is a gateway error', async () => {
    emulator = await startEmulator();
    expect(JSON.parse((await openApi(emulator, {}, { action: 'functions.invokeFunction' })).text!)).toMatchObject({ code: 'INVALID_PARAM' });
  });

  test('unknown paths answer 404', async () => {
    emulator = await startEmulator();
    const response = await fetch(`${emulator.url}/nowhere`);
    expect(response.status).toBe(404);
  });

  test('a body that is not multipart gets a 500 that says why, and the emulator keeps serving', async () => {
    emulator = await startEmulator();
    const response = await fetch(emulator.gatewayUrl, { method: 'POST', body: 'not multipart', headers: { 'content-type': 'text/plain' } });
    expect(response.status).toBe(500);
    expect(((await response.json()) as { errmsg: string }).errmsg).toMatch(/emulator error/);
    expect((await openApi(emulator, { action: 'apply', plugin_appid: 'wx0123456789abcdef' })).json).toMatchObject({ errcode: 0 });
  });

  test('faults are consumed in order, `times` at a time', async () => {
    emulator = await startEmulator();
    emulator.faults.add({ kind: 'errcode', errcode: -1, times: 2 });
    emulator.faults.add({ kind: 'pb-error', errorCode: -604103 });
    const codes = [];
    for (let i = 0; i < 4; i += 1) {
      const answer = await openApi(emulator, { action: 'apply', plugin_appid: 'wx0123456789abcdef' });
      codes.push(answer.json?.errcode ?? answer.errorCode);
    }
    expect(codes).toEqual([-1, -1, -604103, 0]);
    expect(emulator.calls.map((call) => call.fault)).toEqual(['errcode', 'errcode', 'pb-error', undefined]);
  });

  test('a dropped connection after applying still changes the world', async () => {
    emulator = await startEmulator();
    emulator.faults.add({ kind: 'drop', afterApplying: true });
    await expect(openApi(emulator, { action: 'apply', plugin_appid: 'wx0123456789abcdef' })).rejects.toThrow();
    expect(emulator.world.applicationsOf(MINI_PROGRAM)).toHaveLength(1);
  });

  test('a silent fault holds the connection until the emulator closes', async () => {
    emulator = await startEmulator();
    emulator.faults.add({ kind: 'silent' });
    const pending = openApi(emulator, { action: 'apply', plugin_appid: 'wx0123456789abcdef' });
    const raced = await Promise.race([pending.then(() => 'answered', () => 'failed'), new Promise((resolve) => setTimeout(() => resolve('still waiting'), 200))]);
    expect(raced).toBe('still waiting');
    await emulator.close();
    await expect(pending).rejects.toThrow();
  });

  test.each(Object.entries(NAMED_FAULTS))('the named fault %s is a valid fault', (_name, fault) => {
    const queue = new FaultQueue();
    queue.add(fault);
    expect(queue.take()).toBe(fault);
  });

  test('a fault queue can be cleared', () => {
    const queue = new FaultQueue();
    queue.add({ kind: 'garbage', times: Infinity });
    queue.clear();
    expect(queue.take()).toBeUndefined();
  });
});

describe("the model of WeChat's plugin state", () => {
  test('answers from what has happened', () => {
    const world = new PluginWorld({ plugins: DEMO_PLUGINS, limit: 2 });
    expect(HANDLERS['/wxa/plugin apply'](world, MINI_PROGRAM, { action: 'apply', plugin_appid: 'wx0123456789abcdef', reason: 'r' }).errcode).toBe(0);
    expect(HANDLERS['/wxa/plugin apply'](world, MINI_PROGRAM, { action: 'apply', plugin_appid: 'wx0123456789abcdef', reason: 'r' }).errcode).toBe(89237);
    expect(HANDLERS['/wxa/plugin apply'](world, MINI_PROGRAM, { action: 'apply', plugin_appid: 'wxc105ed0000000000', reason: 'r' }).errcode).toBe(89236);
    expect(HANDLERS['/wxa/plugin apply'](world, MINI_PROGRAM, { action: 'apply', plugin_appid: 'wxffffffffffffffff', reason: 'r' }).errcode).toBe(89239);
    expect(HANDLERS['/wxa/plugin apply'](world, MINI_PROGRAM, { action: 'apply', plugin_appid: 42, reason: 'r' }).errcode).toBe(89239);
    expect(HANDLERS['/wxa/plugin apply'](world, MINI_PROGRAM, { action: 'apply', plugin_appid: 'wx1111111111111111', reason: undefined }).errcode).toBe(0);
    expect(HANDLERS['/wxa/plugin apply'](world, MINI_PROGRAM, { action: 'apply', plugin_appid: 'wx2222222222222222', reason: 'r' }).errcode).toBe(89238);
    // Another mini-program has its own applications and its own limit.
    expect(HANDLERS['/wxa/plugin apply'](world, 'wxbbbbbbbbbbbbbbbb', { action: 'apply', plugin_appid: 'wx2222222222222222', reason: 'r' }).errcode).toBe(0);
  });

  test('a refused application can be made again, and frees its place', () => {
    const world = new PluginWorld({ plugins: DEMO_PLUGINS, limit: 1 });
    HANDLERS['/wxa/plugin apply'](world, MINI_PROGRAM, { action: 'apply', plugin_appid: 'wx0123456789abcdef', reason: 'first' });
    world.decide(MINI_PROGRAM, 'wx0123456789abcdef', 'refused');
    expect(HANDLERS['/wxa/plugin apply'](world, MINI_PROGRAM, { action: 'apply', plugin_appid: 'wx0123456789abcdef', reason: 'second' }).errcode).toBe(0);
    world.decide(MINI_PROGRAM, 'wx0123456789abcdef', 'approved');
    expect(HANDLERS['/wxa/plugin apply'](world, MINI_PROGRAM, { action: 'apply', plugin_appid: 'wx0123456789abcdef', reason: 'third' }).errcode).toBe(89237);
    world.decide(MINI_PROGRAM, 'wxffffffffffffffff', 'approved');
    expect(world.applicationsOf(MINI_PROGRAM).map((application) => [application.reason, application.status])).toEqual([['second', 'approved']]);
  });

  test('state survives a restart only when saved and restored', () => {
    const world = new PluginWorld();
    HANDLERS['/wxa/plugin apply'](world, MINI_PROGRAM, { action: 'apply', plugin_appid: 'wx0123456789abcdef', reason: 'saved' });
    const saved = JSON.parse(JSON.stringify(world.snapshot()));
    expect(new PluginWorld().applicationsOf(MINI_PROGRAM)).toEqual([]);
    const restored = new PluginWorld();
    restored.restore(saved);
    expect(HANDLERS['/wxa/plugin apply'](restored, MINI_PROGRAM, { action: 'apply', plugin_appid: 'wx0123456789abcdef', reason: 'again' }).errcode).toBe(89237);
  });
});

describe('the HTTPS API stand-in', () => {
  async function post(path: string, body: string) {
    const response = await fetch(`${emulator.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    return (await response.json()) as Record<string, unknown>;
  }

  test.each([
    ['a wrong grant_type', '/cgi-bin/stable_token', JSON.stringify({ grant_type: 'password' }), 40002],
    ['a body that is not JSON', '/cgi-bin/stable_token', 'grant_type=client_credential', 40002],
    ['no access_token', '/wxa/plugin', JSON.stringify({ action: 'apply', plugin_appid: 'wx0123456789abcdef' }), 41001],
  ])('answers %s as WeChat does', async (_name, path, body, errcode) => {
    emulator = await startEmulator();
    expect((await post(path, body)).errcode).toBe(errcode);
  });

  test('a valid token with a body that is not JSON, or another action', async () => {
    emulator = await startEmulator();
    const token = emulator.https.issueToken();
    expect((await post(`/wxa/plugin?access_token=${token}`, 'not json')).errcode).toBe(47001);
    expect((await post(`/wxa/plugin?access_token=${token}`, JSON.stringify({ action: 'nonsense' }))).errcode).toBe(40097);
    expect((await post(`/wxa/plugin?access_token=${token}`, '[1]')).errcode).toBe(47001);
  });

  test('only POST is served', async () => {
    emulator = await startEmulator();
    expect((await fetch(`${emulator.url}/wxa/plugin`)).status).toBe(404);
  });
});

describe('a dropped answer to a call the gateway would refuse', () => {
  test('changes nothing: an API the function is not granted, even with afterApplying', async () => {
    const emulator = await startEmulator({ grantedApis: [] });
    try {
      emulator.faults.add({ kind: 'drop', afterApplying: true });
      await openApi(emulator, { action: 'apply', plugin_appid: 'wx0123456789abcdef' }).catch(() => undefined);
      expect(emulator.calls).toHaveLength(1);
      expect(emulator.world.applicationsOf(MINI_PROGRAM)).toEqual([]);
    } finally {
      await emulator.close();
    }
  });
});
