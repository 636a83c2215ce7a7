import { budgetOf } from '../../src/core/deadline';
import { createCloudFunction } from '../../src/cloud/cloud-function';
import { createSdkTransport } from '../../src/cloud/sdk-transport';
import { createCredentialsDefectGuard } from '../../src/cloud/defect-guard';
import { ProjectCode } from '../../src/core/codes';
import { safetyMarginMs } from '../../src/core/deadline';
import { CLOUD_FUNCTIONS } from '../../src/core/operations';
import { fakeSdk } from '../support/fake-sdk';
import { EventEmitter } from 'node:events';

/** The applyPlugin function's route: its one operation, `action` optional. */
const applyPlugin = CLOUD_FUNCTIONS.applyPlugin;

const ADMIN = 'oAdmin';
const event = { pluginAppid: 'wx0123456789abcdef' };
const env = { ADMIN_OPENIDS: ADMIN };
const ok = () => Promise.resolve({ errCode: 0, errMsg: 'openapi.pluginManager.applyPlugin:ok' });

describe('the cloud function adapter', () => {
  test('calls pluginManager.applyPlugin with the wire body, convertCase off, and inits once with the budget as timeout', async () => {
    const sdk = fakeSdk(ok);
    const main = createCloudFunction(applyPlugin, { sdk, env, log: () => undefined });
    expect(await main(event, { time_limit_in_ms: 5000 })).toMatchObject({ errCode: 0 });
    expect(await main(event, { time_limit_in_ms: 5000 })).toMatchObject({ errCode: 0 });
    // Two invocations with the same limit: one SDK instance, the module's own.
    expect(sdk.calls).toEqual([
      { api: 'pluginManager.applyPlugin', data: { action: 'apply', plugin_appid: event.pluginAppid }, convertCase: false, timeout: sdk.inits[0]!.timeout },
      { api: 'pluginManager.applyPlugin', data: { action: 'apply', plugin_appid: event.pluginAppid }, convertCase: false, timeout: sdk.inits[0]!.timeout },
    ]);
    expect(sdk.inits).toHaveLength(1);
    expect(sdk.instances).toEqual([]);
    expect(sdk.inits[0]!.env).toBe(sdk.DYNAMIC_CURRENT_ENV);
    // The budget at the first send: at most the time limit less the margin.
    expect(sdk.inits[0]!.timeout).toBeLessThanOrEqual(5000 - safetyMarginMs(5000));
    expect(sdk.inits[0]!.timeout).toBeGreaterThan(5000 - safetyMarginMs(5000) - 200);
  });

  test.each([
    [true, true],
    [false, false],
    [undefined, null],
  ] as const)('the log line says whether V8 rejected the code cache index.js offered (%s -> %s)', async (given, logged) => {
    const lines: string[] = [];
    const main = createCloudFunction(applyPlugin, { sdk: fakeSdk(ok), env, log: (line) => lines.push(line), ...(given === undefined ? {} : { cachedDataRejected: given }) });
    await main(event, { time_limit_in_ms: 5000 });
    await main({ pluginAppid: 'bad' }, { time_limit_in_ms: 5000 });
    expect(lines.map((line) => (JSON.parse(line) as { cachedDataRejected?: unknown }).cachedDataRejected)).toEqual([logged, logged]);
  });

  test('identity comes from getWXContext, not from the event', async () => {
    const sdk = fakeSdk(ok, { OPENID: 'oStranger', SOURCE: 'wx_client' });
    const main = createCloudFunction(applyPlugin, { sdk, env, log: () => undefined });
    const result = await main({ ...event, userInfo: { openId: ADMIN } }, {});
    expect(result.errCode).toBe(ProjectCode.NOT_ADMIN);
    expect(sdk.calls).toEqual([]);
    expect(sdk.inits).toEqual([]);
  });

  test('an empty OPENID or SOURCE counts as none', async () => {
    const sdk = fakeSdk(ok, { OPENID: '', SOURCE: '' });
    const lines: string[] = [];
    const main = createCloudFunction(applyPlugin, { sdk, env, log: (line) => lines.push(line) });
    expect((await main(event)).errCode).toBe(ProjectCode.NOT_ADMIN);
    expect(JSON.parse(lines[0]!)).toMatchObject({ openid: null, source: null });
  });

  test('configuration is read once, when the function is created', async () => {
    const sdk = fakeSdk(ok, { OPENID: ADMIN, SOURCE: 'wx_client' });
    const mutable: Record<string, string> = { ADMIN_OPENIDS: ADMIN };
    const main = createCloudFunction(applyPlugin, { sdk, env: mutable, log: () => undefined });
    mutable.ADMIN_OPENIDS = '';
    expect((await main(event)).errCode).toBe(0);
  });

  test.each([
    ['absent', undefined],
    ['not a number', { time_limit_in_ms: '3000' }],
    ['zero', { time_limit_in_ms: 0 }],
    ['negative', { time_limit_in_ms: -5 }],
    ['NaN', { time_limit_in_ms: Number.NaN }],
  ])('a time limit that is %s falls back to 3000 ms', async (_name, context) => {
    const sdk = fakeSdk(ok, { OPENID: ADMIN, SOURCE: 'wx_client' });
    const main = createCloudFunction(applyPlugin, { sdk, env, log: () => undefined });
    await main(event, context as never);
    expect(sdk.inits[0]!.timeout).toBeLessThanOrEqual(3000 - safetyMarginMs(3000));
    expect(sdk.inits[0]!.timeout).toBeGreaterThan(2000);
  });

  test('the request id is logged when the platform gives one', async () => {
    const lines: string[] = [];
    const main = createCloudFunction(applyPlugin, { sdk: fakeSdk(ok, { OPENID: ADMIN, SOURCE: 'wx_client' }), env, log: (line) => lines.push(line) });
    await main(event, { request_id: 'abc-123' });
    await main(event, { request_id: 42 });
    expect(lines.map((line) => JSON.parse(line).requestId)).toEqual(['abc-123', null]);
  });

  test('never throws, even when getWXContext does', async () => {
    const sdk = fakeSdk(ok);
    sdk.getWXContext = () => {
      throw new Error('no context');
    };
    const main = createCloudFunction(applyPlugin, { sdk, env, log: () => undefined });
    expect(await main(event)).toEqual({
      errCode: ProjectCode.INTERNAL,
      errMsg: "applyPlugin:fail the function failed unexpectedly: read the function's log line for this request id and report it",
      retryable: false,
      attempts: 0,
    });
  });

  test('a synchronous throw from the SDK becomes a result', async () => {
    const sdk = fakeSdk(() => {
      throw Object.assign(new Error("Cloud API isn't enabled, please call init first"), { errCode: -1, errMsg: "Cloud API isn't enabled" });
    }, { OPENID: ADMIN, SOURCE: 'wx_client' });
    const main = createCloudFunction(applyPlugin, { sdk, env, log: () => undefined });
    expect(await main(event)).toMatchObject({ errCode: -1, attempts: 3 });
  });
});

describe('the SDK transport', () => {
  const tcbDefect = Object.assign(new Error('missing secretId or secretKey of tencent cloud'), { code: 'INVALID_PARAM' });

  test('a platform failure after the credentials defect fired is CREDENTIALS_MISSING', async () => {
    const target = new EventEmitter() as unknown as NodeJS.Process;
    const sdk = fakeSdk(() => {
      target.emit('unhandledRejection', tcbDefect, Promise.resolve());
      return Promise.reject(Object.assign(new Error('fail'), { errCode: -501001, errMsg: 'fail' }));
    });
    const transport = createSdkTransport(sdk, createCredentialsDefectGuard(target));
    await expect(transport.send({ cloudApi: 'pluginManager.applyPlugin', path: '/wxa/plugin' }, {}, budgetOf(1000))).rejects.toMatchObject({ code: ProjectCode.CREDENTIALS_MISSING });
  });

  test('a WeChat answer after the defect fired is kept: the call was authorised by other means', async () => {
    const target = new EventEmitter() as unknown as NodeJS.Process;
    const sdk = fakeSdk(() => {
      target.emit('unhandledRejection', tcbDefect, Promise.resolve());
      return Promise.reject(Object.assign(new Error('x'), { errCode: 89237, errMsg: 'x' }));
    });
    const transport = createSdkTransport(sdk, createCredentialsDefectGuard(target));
    await expect(transport.send({ cloudApi: 'pluginManager.applyPlugin', path: '/wxa/plugin' }, {}, budgetOf(1000))).rejects.toMatchObject({ code: 89237 });
  });

  test('an unexpected resolution is refused', async () => {
    const transport = createSdkTransport(fakeSdk(() => Promise.resolve({ errCode: 0, errMsg: 'openapi.pluginManager.applyPlugin:ok', result: 'text' })));
    await expect(transport.send({ cloudApi: 'pluginManager.applyPlugin', path: '/wxa/plugin' }, {}, budgetOf(1000))).rejects.toMatchObject({ code: ProjectCode.UNEXPECTED_ANSWER });
  });

  test('the SDK timeout is never below 100 ms', async () => {
    const sdk = fakeSdk(ok);
    await createSdkTransport(sdk).send({ cloudApi: 'pluginManager.applyPlugin', path: '/wxa/plugin' }, {}, budgetOf(3.7));
    expect(sdk.inits[0]!.timeout).toBe(100);
  });
});

describe('defaults', () => {
  test('reads process.env and logs one line to stdout when nothing is injected', async () => {
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    process.env.ADMIN_OPENIDS = 'oFromProcessEnv';
    try {
      const main = createCloudFunction(applyPlugin, { sdk: fakeSdk(ok, { OPENID: 'oFromProcessEnv', SOURCE: 'wx_client' }) });
      expect((await main(event)).errCode).toBe(0);
      expect(write).toHaveBeenCalledTimes(1);
      expect(JSON.parse(String(write.mock.calls[0]![0]))).toMatchObject({ operation: 'applyPlugin', errCode: 0 });
    } finally {
      delete process.env.ADMIN_OPENIDS;
      write.mockRestore();
    }
  });
});

describe('identity from getWXContext', () => {
  /** The platform's variables for one invocation, as SCF sets them (getWXContext reads these). */
  const platform = (openid: string, extra: Record<string, string> = {}) => ({ WX_CONTEXT_KEYS: 'WX_OPENID,WX_APPID', WX_OPENID: openid, WX_APPID: 'wxa11ce00000000d3e', TCB_SOURCE: 'wx_client', ...extra });
  /** What wx-server-sdk's getWXContext makes of them: all-digit values become numbers. */
  const sdkView = (openid: string) => ({ OPENID: (/^-?\d+$/.test(openid) ? parseInt(openid, 10) : openid) as unknown as string, SOURCE: 'wx_client' });

  test('an all-digit OPENID is compared as the platform wrote it: the administrator is let in, the log line written', async () => {
    const sdk = fakeSdk(ok, sdkView('1234567890123'));
    const lines: string[] = [];
    const main = createCloudFunction(applyPlugin, { sdk, env: { ADMIN_OPENIDS: '1234567890123', ...platform('1234567890123') }, log: (line) => lines.push(line) });
    expect(await main(event)).toEqual({ errCode: 0, errMsg: 'applyPlugin:ok', retryable: false, attempts: 1 });
    expect(JSON.parse(lines[0]!)).toMatchObject({ errCode: 0, openid: '1234…23' });
  });

  test.each([
    ['0012345', '12345'],
    ['-0', '0'],
    ['12345678901234567891', '12345678901234567890'],
  ])('an all-digit OPENID %s never passes for the administrator %s, and the refusal reports it as written', async (openid, admin) => {
    const sdk = fakeSdk(ok, sdkView(openid));
    const main = createCloudFunction(applyPlugin, { sdk, env: { ADMIN_OPENIDS: admin, ...platform(openid) }, log: () => undefined });
    expect(await main(event)).toMatchObject({ errCode: ProjectCode.NOT_ADMIN, openid });
    expect(sdk.calls).toEqual([]);
  });

  test('a number from getWXContext without the platform\'s text identifies nobody', async () => {
    const sdk = fakeSdk(ok, sdkView('12345'));
    const main = createCloudFunction(applyPlugin, { sdk, env: { ADMIN_OPENIDS: '12345' }, log: () => undefined });
    expect((await main(event)).errCode).toBe(ProjectCode.NOT_ADMIN);
  });

  test('a SOURCE is read as the platform wrote it (TCB_SOURCE): a near-copy of a trusted value is not trusted', async () => {
    for (const [source, expected] of [['wx_trigger', 0], ['wx_trigger\u00a0', ProjectCode.NOT_ADMIN], ['\ufeffwx_trigger', ProjectCode.NOT_ADMIN], ['wx_trigger\n', ProjectCode.NOT_ADMIN]] as const) {
      const sdk = fakeSdk(ok, { SOURCE: source });
      const main = createCloudFunction(applyPlugin, { sdk, env: { ADMIN_OPENIDS: ADMIN, TRUSTED_SOURCES: 'wx_trigger', WX_CONTEXT_KEYS: '', TCB_SOURCE: source }, log: () => undefined });
      expect([source, (await main(event)).errCode]).toEqual([source, expected]);
    }
  });

  test('a cross-account call (FROM_APPID) is refused and sends nothing', async () => {
    const sdk = fakeSdk(ok, { OPENID: ADMIN, SOURCE: 'wx_client', FROM_APPID: 'wx9999999999999999' });
    const main = createCloudFunction(applyPlugin, { sdk, env, log: () => undefined });
    expect((await main(event)).errCode).toBe(ProjectCode.CROSS_ACCOUNT_REFUSED);
    expect(sdk.calls).toEqual([]);
  });

  test('an HTTP-access event is refused before validation, even from an administrator', async () => {
    const sdk = fakeSdk(ok, { OPENID: ADMIN, SOURCE: 'wx_client' });
    const main = createCloudFunction(CLOUD_FUNCTIONS.pluginManager, { sdk, env, log: () => undefined });
    const result = await main({ httpMethod: 'GET', path: '/', headers: { host: 'x' }, queryStringParameters: {} });
    expect(result).toMatchObject({ errCode: ProjectCode.HTTP_ACCESS_REFUSED, attempts: 0 });
    expect(result.errMsg).toMatch(/^pluginManager:fail this function was called through HTTP access/);
    expect(sdk.calls).toEqual([]);
  });
});

describe('the SDK timeout', () => {
  const sdkTimeout = (timeLimitMs: number): number => Math.ceil((timeLimitMs - safetyMarginMs(timeLimitMs)) / 100) * 100;

  test("follows each invocation's budget in one warm container: a 1 s invocation first does not cut a later 6 s one at 1 s", async () => {
    const sdk = fakeSdk(ok);
    const main = createCloudFunction(applyPlugin, { sdk, env, log: () => undefined });
    for (const limit of [1000, 6000, 1000, 6000]) expect(await main(event, { time_limit_in_ms: limit })).toMatchObject({ errCode: 0 });
    expect(sdk.calls.map((call) => call.timeout)).toEqual([sdkTimeout(1000), sdkTimeout(6000), sdkTimeout(1000), sdkTimeout(6000)]);
    // The module's own instance for the first timeout, one more for the other, both reused after.
    expect(sdk.inits).toEqual([{ env: sdk.DYNAMIC_CURRENT_ENV, timeout: sdkTimeout(1000), keepalive: false }]);
    expect(sdk.instances).toEqual([{ env: sdk.DYNAMIC_CURRENT_ENV, timeout: sdkTimeout(6000), keepalive: false }]);
  });

  test("a retry goes through an SDK whose timeout is the retry's own budget, never above the first attempt's", async () => {
    let answers = 0;
    const sdk = fakeSdk(() => (answers++ === 0 ? Promise.reject({ errCode: -1, errMsg: 'busy' }) : ok()));
    const main = createCloudFunction(applyPlugin, { sdk, env, log: () => undefined });
    expect(await main(event, { time_limit_in_ms: 3000 })).toMatchObject({ errCode: 0, attempts: 2 });
    const [first, retry] = sdk.calls.map((call) => call.timeout!);
    expect(first).toBe(sdkTimeout(3000));
    expect(retry).toBeLessThanOrEqual(first!);
  });

  test('keeps at most a few instances: the least recently used one is dropped and made again when needed', async () => {
    const sdk = fakeSdk(ok);
    const main = createCloudFunction(applyPlugin, { sdk, env, log: () => undefined });
    const limits = [2000, 3000, 4000, 5000, 6000, 2000];
    for (const limit of limits) await main(event, { time_limit_in_ms: limit });
    expect(sdk.calls.map((call) => call.timeout)).toEqual(limits.map(sdkTimeout));
    expect(sdk.instances.map((instance) => instance.timeout)).toEqual([3000, 4000, 5000, 6000, 2000].map(sdkTimeout));
  });
});
