/**
 * WeChat as it answers today and answers that are not WeChat's, end to end: the committed pluginManager bundle with the real wx-server-sdk
 * inside, in a child process, against the loopback emulator; and the HTTPS client over a socket.
 */
import { createHttpsClient } from '../../src/https/client';
import { DEMO_APP_SECRET } from '../../src/emulator/https-api';
import { DEMO_MINI_PROGRAM_APPID, type Emulator } from '../../src/emulator/gateway';
import { MAX_SDK_ANSWER_BYTES } from '../../src/cloud/sdk-transport';
import { manage, OPEN_PLUGIN, withEmulator } from '../support/harness';

// Each test runs the function in a child process, some several times: generous on a loaded machine.
jest.setTimeout(60_000);

const listEvent = { action: 'list' };

function approved(emulator: Emulator): void {
  emulator.world.add({ miniProgramAppid: DEMO_MINI_PROGRAM_APPID, pluginAppid: OPEN_PLUGIN, reason: undefined, status: 'applying' });
  emulator.world.decide(DEMO_MINI_PROGRAM_APPID, OPEN_PLUGIN, 'approved');
}

const httpsClient = (emulator: Emulator) => createHttpsClient({ appid: DEMO_MINI_PROGRAM_APPID, secret: DEMO_APP_SECRET, baseUrl: emulator.url });

describe('cloud-call names that survive either page: a gateway that accepts only pluginManager.applyPlugin', () => {
  test.each([
    ['does not grant the older name (-604101)', { grantedApis: ['pluginManager.applyPlugin'] }, -604101],
    ['no longer knows the older name (-604100)', { retiredApis: ['pluginManager.getPluginList', 'pluginManager.unbindPlugin'] }, -604100],
  ])('list when the gateway %s: the same call once more through applyPlugin, the result names it, the log says so', (_name, options, refusal) =>
    withEmulator(async (emulator) => {
      approved(emulator);
      const { result, log } = await manage(emulator, { event: listEvent });
      expect(result).toMatchObject({ errCode: 0, errMsg: 'getPluginList:ok', attempts: 2, cloudApi: 'pluginManager.applyPlugin' });
      expect(result.pluginList).toEqual([expect.objectContaining({ appid: OPEN_PLUGIN, status: 2 })]);
      expect(emulator.calls.map((call) => [call.apiName, call.fields.action])).toEqual([
        ['pluginManager.getPluginList', 'list'],
        ['pluginManager.applyPlugin', 'list'],
      ]);
      expect(log).toMatchObject({ errCode: 0, attempts: 2, cloudApi: 'pluginManager.applyPlugin', refusedCloudApi: `pluginManager.getPluginList ${refusal}` });
    }, options),
  );

  test('unbind through the newer name removes the plugin', () =>
    withEmulator(async (emulator) => {
      approved(emulator);
      const { result } = await manage(emulator, { event: { action: 'unbind', pluginAppid: OPEN_PLUGIN } });
      expect(result).toMatchObject({ errCode: 0, cloudApi: 'pluginManager.applyPlugin', attempts: 2 });
      expect(emulator.world.applicationsOf(DEMO_MINI_PROGRAM_APPID)).toEqual([]);
    }, { grantedApis: ['pluginManager.applyPlugin'] }));

  test('a gateway that grants neither: -604101 naming the newer name, tried once each, never retried', () =>
    withEmulator(async (emulator) => {
      const { result } = await manage(emulator, { event: listEvent });
      expect(result).toMatchObject({ errCode: -604101, retryable: false, attempts: 2, cloudApi: 'pluginManager.applyPlugin' });
      expect(result.errMsg).toContain('pluginManager.applyPlugin');
    }, { grantedApis: [] }));

  test('a gateway that accepts the older name: one call, no cloudApi in the result', () =>
    withEmulator(async (emulator) => {
      const { result } = await manage(emulator, { event: listEvent });
      expect(result).toEqual({ errCode: 0, errMsg: 'getPluginList:ok', retryable: false, attempts: 1, pluginList: [] });
    }));
});

describe('89256 for update with a mini-program\'s own token, when the emulator models it', () => {
  test('the cloud call and the HTTPS form both answer 89256, the version unchanged; not retried', () =>
    withEmulator(async (emulator) => {
      approved(emulator);
      const { result } = await manage(emulator, { event: { action: 'update', pluginAppid: OPEN_PLUGIN, userVersion: '1.2.0' } });
      expect(result).toMatchObject({ errCode: 89256, retryable: false, attempts: 1 });
      expect(result.errMsg).toMatch(/^updatePlugin:fail .*third-party platform's authorizer_access_token/);
      const overHttps = await httpsClient(emulator).updatePlugin({ pluginAppid: OPEN_PLUGIN, userVersion: '1.2.0' });
      expect(overHttps).toMatchObject({ errCode: 89256, attempts: 1 });
      expect(emulator.world.find(DEMO_MINI_PROGRAM_APPID, OPEN_PLUGIN)!.version).toBe('2.2.46');
      // apply, list and unbind still work with the same token.
      expect((await manage(emulator, { event: listEvent })).result.errCode).toBe(0);
    }, { updateNeedsComponent: true }));
});

describe('answers that are not WeChat\'s, read the same by both transports', () => {
  test.each([
    ['errcode "0"', '{"errcode":"0","errmsg":"ok"}'],
    ['errcode 0.5', '{"errcode":0.5,"errmsg":"x"}'],
    ['errcode true', '{"errcode":true,"errmsg":"x"}'],
    ['errcode 1e400', '{"errcode":1e400,"errmsg":"x"}'],
    ['errcode -930101', '{"errcode":-930101,"errmsg":"x"}'],
    ['plugin_list null', '{"errcode":0,"errmsg":"ok","plugin_list":null}'],
  ])('%s: -930203 through the real SDK and over HTTPS, one attempt each', (_name, body) =>
    withEmulator(async (emulator) => {
      emulator.faults.add({ kind: 'json', body, times: 2 });
      const { result } = await manage(emulator, { event: listEvent });
      expect(result).toMatchObject({ errCode: -930203, retryable: false, attempts: 1 });
      const overHttps = await httpsClient(emulator).getPluginList();
      expect(overHttps).toMatchObject({ errCode: -930203, attempts: 1 });
    }));

  test('list items in no documented shape are left out and counted, through the real SDK', () =>
    withEmulator(async (emulator) => {
      const good = { appid: OPEN_PLUGIN, status: 2, nickname: 'n', headimgurl: 'h' };
      emulator.faults.add({ kind: 'json', body: JSON.stringify({ errcode: 0, errmsg: 'ok', plugin_list: [good, null, 7, { ...good, status: 99 }, { ...good, nickname: 5 }] }) });
      const { result } = await manage(emulator, { event: listEvent });
      expect(result).toMatchObject({ errCode: 0, pluginList: [good], droppedItems: 4 });
    }));

  // A limit long enough for the emulator to encode and send 100 MB on a loaded machine: what is
  // asserted is the cut and the memory, not the speed.
  test('a 100 MB answer: cut at the cap, -930203, and the function stays far under its 256 MB', () =>
    withEmulator(async (emulator) => {
      emulator.faults.add({ kind: 'huge', bytes: 100 * 1024 * 1024, times: Infinity });
      const outcome = await manage(emulator, { event: listEvent, timeLimitMs: 30_000 });
      expect(outcome.result).toMatchObject({ errCode: -930203, retryable: false, attempts: 1 });
      expect(outcome.result.errMsg).toContain(`larger than ${MAX_SDK_ANSWER_BYTES} bytes`);
      if (outcome.report.kind !== 'returned') throw new Error('not returned');
      expect(outcome.report.maxRssKb).toBeLessThan(200 * 1024);
    }));
});
