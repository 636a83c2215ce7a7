/**
 * The committed cloudfunctions/applyPlugin/index.js, run in a fresh process as the cloud runs it,
 * with the real wx-server-sdk inside, talking protobuf over a real loopback socket to the emulator.
 */
import { ProjectCode } from '../../src/core/codes';
import { DEMO_MINI_PROGRAM_APPID, startEmulator } from '../../src/emulator/gateway';
import { PluginWorld, DEMO_PLUGINS } from '../../src/emulator/plugin-world';
import { ADMIN, apply, asAdmin, CLOSED_PLUGIN, OPEN_PLUGIN, SECOND_PLUGIN, STRANGER, UNKNOWN_PLUGIN, withEmulator } from '../support/harness';

jest.setTimeout(30_000);

const event = { pluginAppid: OPEN_PLUGIN, reason: '用于展示门店地图' };

describe('the straight path', () => {
  test('an administrator applies: errCode 0, and WeChat receives exactly what was asked', () =>
    withEmulator(async (emulator) => {
      const { result, log, report } = await apply(emulator, { event });

      expect(result).toEqual({ errCode: 0, errMsg: 'applyPlugin:ok', retryable: false, attempts: 1 });
      // The SDK services a cloud call does not use stay in deferred.js, unread.
      expect(report.kind === 'returned' && [...report.loadedFiles].sort()).toEqual(['bundle.js', 'index.js']);
      expect(emulator.calls).toEqual([
        expect.objectContaining({
          surface: 'cloud',
          apiName: 'pluginManager.applyPlugin',
          fields: { action: 'apply', plugin_appid: OPEN_PLUGIN, reason: event.reason },
          signed: true,
        }),
      ]);
      expect(emulator.world.applicationsOf(DEMO_MINI_PROGRAM_APPID)).toHaveLength(1);
      expect(log).toMatchObject({ level: 'info', operation: 'applyPlugin', errCode: 0, attempts: 1, pluginAppid: OPEN_PLUGIN, source: 'wx_client', openid: 'oAdm…01' });
      expect(typeof log.requestId).toBe('string');
    }));

  test('without a reason, none is sent', () =>
    withEmulator(async (emulator) => {
      const { result } = await apply(emulator, { event: { pluginAppid: OPEN_PLUGIN } });
      expect(result.errCode).toBe(0);
      expect(emulator.calls[0]!.fields).toEqual({ action: 'apply', plugin_appid: OPEN_PLUGIN });
    }));

  test('a call without an OPENID (the HTTP API says wx_http) is refused by default, with nothing sent', () =>
    withEmulator(async (emulator) => {
      const { result } = await apply(emulator, { event, caller: { source: 'wx_http' }, functionEnv: {} });
      expect(result).toMatchObject({ errCode: ProjectCode.ADMIN_NOT_CONFIGURED, attempts: 0 });
      expect(emulator.calls).toEqual([]);
    }));

  test('TRUSTED_SOURCES=wx_http lets exactly that origin through without an OPENID', () =>
    withEmulator(async (emulator) => {
      const trusted = { ADMIN_OPENIDS: ADMIN, TRUSTED_SOURCES: 'wx_http' };
      expect((await apply(emulator, { event, caller: { source: 'wx_http' }, functionEnv: trusted })).result.errCode).toBe(0);
      expect((await apply(emulator, { event: { pluginAppid: SECOND_PLUGIN }, caller: { source: 'wx_trigger' }, functionEnv: trusted })).result.errCode).toBe(ProjectCode.NOT_ADMIN);
    }));

  test('an all-digit OPENID is compared as the platform wrote it, through the real SDK: 0012345 is not the administrator 12345', () =>
    withEmulator(async (emulator) => {
      const { result } = await apply(emulator, { event, caller: { openid: '0012345' }, functionEnv: { ADMIN_OPENIDS: '12345' } });
      expect(result).toMatchObject({ errCode: ProjectCode.NOT_ADMIN, attempts: 0, openid: '0012345' });
      expect((await apply(emulator, { event, caller: { openid: '0012345' }, functionEnv: { ADMIN_OPENIDS: '0012345' } })).result.errCode).toBe(0);
    }));

  test('TRUSTED_SOURCES=wx_client refuses every call with -930105, saying to remove it', () =>
    withEmulator(async (emulator) => {
      const { result } = await apply(emulator, { event, functionEnv: { ADMIN_OPENIDS: ADMIN, TRUSTED_SOURCES: 'wx_client' } });
      expect(result).toMatchObject({ errCode: ProjectCode.CONFIG_REFUSED, attempts: 0 });
      expect(result.errMsg).toMatch(/TRUSTED_SOURCES lists the SOURCE of the mini-program's own calls.*remove that entry/);
      expect(emulator.calls).toEqual([]);
    }));
});

describe("WeChat's answers pass through unchanged and are never retried", () => {
  test('89236: the plugin does not accept applications', () =>
    withEmulator(async (emulator) => {
      const { result } = await apply(emulator, { event: { pluginAppid: CLOSED_PLUGIN } });
      expect(result).toMatchObject({ errCode: 89236, retryable: false, attempts: 1 });
      expect(result.errMsg).toContain('该插件不能申请');
    }));

  test('89237: applying twice', () =>
    withEmulator(async (emulator) => {
      await apply(emulator, { event });
      const { result } = await apply(emulator, { event });
      expect(result).toMatchObject({ errCode: 89237, retryable: false, attempts: 1 });
      expect(result.errMsg).toContain('already added');
      expect(result.errMsg).not.toContain('earlier attempt');
    }));

  test('89238: the limit is reached', () =>
    withEmulator(
      async (emulator) => {
        expect((await apply(emulator, { event })).result.errCode).toBe(0);
        const { result } = await apply(emulator, { event: { pluginAppid: SECOND_PLUGIN } });
        expect(result).toMatchObject({ errCode: 89238, attempts: 1 });
      },
      { world: new PluginWorld({ plugins: DEMO_PLUGINS, limit: 1 }) },
    ));

  test('89239: the plugin does not exist', () =>
    withEmulator(async (emulator) => {
      const { result } = await apply(emulator, { event: { pluginAppid: UNKNOWN_PLUGIN } });
      expect(result).toMatchObject({ errCode: 89239, attempts: 1 });
      expect(result.errMsg).toContain('check the plugin appid');
    }));

  test.each([89240, 89241, 89242, 89243, 89044, 40097])('errcode %i', (errcode) =>
    withEmulator(async (emulator) => {
      emulator.faults.add({ kind: 'errcode', errcode, times: Infinity });
      const { result } = await apply(emulator, { event });
      expect(result).toMatchObject({ errCode: errcode, retryable: false, attempts: 1 });
    }));
});

describe('transient failures are retried within the time budget', () => {
  test('-1 once, then success', () =>
    withEmulator(async (emulator) => {
      emulator.faults.add({ kind: 'errcode', errcode: -1 });
      const { result, log } = await apply(emulator, { event });
      expect(result).toEqual({ errCode: 0, errMsg: 'applyPlugin:ok', retryable: false, attempts: 2 });
      expect(emulator.calls).toHaveLength(2);
      expect(log.attempts).toBe(2);
    }));

  test('-1 every time: three attempts, then -1, marked retryable', () =>
    withEmulator(async (emulator) => {
      emulator.faults.add({ kind: 'errcode', errcode: -1, times: Infinity });
      const { result } = await apply(emulator, { event });
      expect(result).toMatchObject({ errCode: -1, retryable: true, attempts: 3 });
      expect(result.errMsg).toContain('系统错误');
    }));

  test('HTTP 502: retried; the gateway URL never reaches the caller', () =>
    withEmulator(async (emulator) => {
      emulator.faults.add({ kind: 'http-status', status: 502, times: Infinity });
      const { result } = await apply(emulator, { event });
      expect(result).toMatchObject({ errCode: -501001, retryable: true, attempts: 3 });
    }));

  test('a dropped connection, then success', () =>
    withEmulator(async (emulator) => {
      emulator.faults.add({ kind: 'drop' });
      const { result } = await apply(emulator, { event });
      expect(result).toMatchObject({ errCode: 0, attempts: 2 });
    }));

  test('an answer lost after WeChat applied: the retry meets 89237, and says why', () =>
    withEmulator(async (emulator) => {
      emulator.faults.add({ kind: 'drop', afterApplying: true });
      const { result } = await apply(emulator, { event });
      expect(result).toMatchObject({ errCode: 89237, attempts: 2 });
      expect(result.errMsg).toContain('an earlier attempt in this call may have been the one that applied');
    }));

  test('a slow answer inside the budget is waited for', () =>
    withEmulator(async (emulator) => {
      emulator.faults.add({ kind: 'slow', delayMs: 1200 });
      const { result } = await apply(emulator, { event });
      expect(result).toMatchObject({ errCode: 0, attempts: 1 });
    }));
});

describe('gateway faults end in the one shape', () => {
  test.each([
    ['a gateway JSON error (application/json; charset=utf-8)', { kind: 'gateway-json', code: 'SYS_ERR', charset: true, times: Infinity } as const, -501001, 3],
    ['a gateway JSON error (application/json)', { kind: 'gateway-json', code: 'INVALID_PARAM', charset: false, times: Infinity } as const, -501007, 1],
    ['garbage bytes', { kind: 'garbage', times: Infinity } as const, -601001, 3],
    ['JSON labelled as JSON that is not JSON', { kind: 'not-json', contentType: 'application/json', times: Infinity } as const, ProjectCode.UNEXPECTED_ANSWER, 1],
    ['an empty 200 body', { kind: 'empty', times: Infinity } as const, ProjectCode.UNEXPECTED_ANSWER, 1],
    ['text/plain that is not JSON', { kind: 'not-json', contentType: 'text/plain', times: Infinity } as const, ProjectCode.UNEXPECTED_ANSWER, 1],
    ['a protobuf errorCode -604103', { kind: 'pb-error', errorCode: -604103, times: Infinity } as const, -604103, 3],
  ])('%s', (_name, fault, errCode, attempts) =>
    withEmulator(async (emulator) => {
      emulator.faults.add(fault);
      const { result } = await apply(emulator, { event });
      expect(result).toMatchObject({ errCode, attempts });
    }));

  test('no permission in config.json: -604101, and errMsg says how to fix it', () =>
    withEmulator(
      async (emulator) => {
        const { result } = await apply(emulator, { event });
        expect(result).toMatchObject({ errCode: -604101, retryable: false, attempts: 1 });
        expect(result.errMsg).toBe(
          'applyPlugin:fail this cloud function has no permission to call pluginManager.applyPlugin: add "pluginManager.applyPlugin" to permissions.openapi in the function\'s own config.json and upload it again; a change can take about 10 minutes to apply',
        );
      },
      { grantedApis: [] },
    ));

  test('the gateway is down (connection refused): retried, then -501001', async () => {
    const emulator = await startEmulator();
    await emulator.close();
    const { result } = await apply(emulator, { event });
    expect(result).toMatchObject({ errCode: -501001, retryable: true, attempts: 3 });
  });
});

describe('a silent gateway: the answer still comes before the platform kills the function', () => {
  test.each([3000, 1000])('time_limit_in_ms %i', (timeLimitMs) =>
    withEmulator(async (emulator) => {
      emulator.faults.add({ kind: 'silent', times: Infinity });
      const outcome = await apply(emulator, { event, timeLimitMs });
      expect(outcome.result).toMatchObject({ errCode: ProjectCode.DEADLINE_EXCEEDED, retryable: true, attempts: 1 });
      expect(outcome.result.errMsg).toContain('raise the timeout');
      expect(emulator.calls).toHaveLength(1);
    }));
});

describe('refused calls send nothing to WeChat', () => {
  test.each([
    ['no pluginAppid', {}, ProjectCode.INVALID_APPID],
    ['a malformed pluginAppid', { pluginAppid: 'aaaa' }, ProjectCode.INVALID_APPID],
    ['a reason of the wrong type', { pluginAppid: OPEN_PLUGIN, reason: 42 }, ProjectCode.INVALID_TEXT],
    ['another action', { pluginAppid: OPEN_PLUGIN, action: 'unbind' }, ProjectCode.INVALID_ACTION],
    ['an event that is not an object', 'wx0123456789abcdef', ProjectCode.INVALID_EVENT],
  ])('%s', (_name, badEvent, errCode) =>
    withEmulator(async (emulator) => {
      const { result } = await apply(emulator, { event: badEvent });
      expect(result).toMatchObject({ errCode, retryable: false, attempts: 0 });
      expect(emulator.calls).toEqual([]);
    }));

  test('a user who is not an administrator', () =>
    withEmulator(async (emulator) => {
      const { result, log } = await apply(emulator, { event, caller: { openid: STRANGER, source: 'wx_client' } });
      expect(result).toMatchObject({ errCode: ProjectCode.NOT_ADMIN, attempts: 0, openid: STRANGER });
      expect(log.openid).toBe('oStr…02');
      expect(emulator.calls).toEqual([]);
    }));

  test('an OPENID forged in the event is ignored', () =>
    withEmulator(async (emulator) => {
      const { result } = await apply(emulator, { event: { ...event, userInfo: { openId: ADMIN } }, caller: { openid: STRANGER, source: 'wx_client' } });
      expect(result.errCode).toBe(ProjectCode.NOT_ADMIN);
      expect(emulator.calls).toEqual([]);
    }));

  test('ADMIN_OPENIDS not configured', () =>
    withEmulator(async (emulator) => {
      const { result } = await apply(emulator, { event, caller: asAdmin.caller, functionEnv: {} });
      expect(result).toMatchObject({ errCode: ProjectCode.ADMIN_NOT_CONFIGURED, attempts: 0, openid: ADMIN });
      expect(result.errMsg).toContain('ADMIN_OPENIDS');
      expect(emulator.calls).toEqual([]);
    }));
});

describe('missing platform credentials (a local run)', () => {
  test('the process survives the SDK defect and answers in the one shape', () =>
    withEmulator(async (emulator) => {
      const { result } = await apply(emulator, { event, platformCredentials: false });
      expect(result).toMatchObject({ errCode: ProjectCode.CREDENTIALS_MISSING, retryable: false, attempts: 1 });
      expect(emulator.calls).toEqual([expect.objectContaining({ signed: false })]);
    }));

  test('a deployment that authorises by other means (a WeChat cloud token) still succeeds', () =>
    withEmulator(async (emulator) => {
      const { result } = await apply(emulator, {
        event,
        platformCredentials: false,
        platformEnv: { TCB_CONTEXT_KEYS: 'WX_API_TOKEN', WX_API_TOKEN: 'wx-cloud-api-token-for-this-invocation' },
      });
      expect(result).toMatchObject({ errCode: 0, attempts: 1 });
    }));
});
