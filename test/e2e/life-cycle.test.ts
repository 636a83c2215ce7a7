/**
 * One plugin's whole life across both sides and both transports, on one emulated WeChat: the
 * mini-program through the committed cloudfunctions/pluginManager (real wx-server-sdk, child
 * process, cloud gateway), the plugin developer through the `wxplugin` command line (child process,
 * HTTPS API, the plugin's own credentials). Neither side touches the world directly: each sees only
 * what the other did through WeChat. Then `npm start`'s own life cycle, as a user runs it.
 */
import { DEMO_MINI_PROGRAM_APPID, type Emulator } from '../../src/emulator/gateway';
import { demoPluginSecret } from '../../src/emulator/https-api';
import { manage, OPEN_PLUGIN, withEmulator } from '../support/harness';
import { runTool } from '../support/run-tool';

jest.setTimeout(60_000);

const node = runTool;

const PLUGIN = OPEN_PLUGIN;
const MINI_PROGRAM = DEMO_MINI_PROGRAM_APPID;
const PLUGIN_ENTRY = { appid: PLUGIN, nickname: 'Demo Maps', headimgurl: 'https://mmbiz.qpic.cn/demo/maps.png' };

test('apply, refuse, delete, apply again, agree, update, unbind: each side sees what the other did', () =>
  withEmulator(async (emulator: Emulator) => {
    /** The plugin developer at a terminal (stdout not a TTY, so JSON): exit status and result. */
    const developer = async (...args: string[]) => {
      const run = await node('wxplugin.js', args, { WECHAT_API_BASE_URL: emulator.url, WECHAT_APPID: PLUGIN, WECHAT_APPSECRET: demoPluginSecret(PLUGIN) });
      expect(run.stdout).not.toContain(demoPluginSecret(PLUGIN));
      let result: Record<string, unknown>;
      try {
        result = JSON.parse(run.stdout) as Record<string, unknown>;
      } catch {
        throw new Error(`wxplugin ${args.join(' ')} printed no JSON (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
      }
      return { code: run.code, result };
    };
    /** The mini-program's administrator, through the committed function. */
    const mini = async (event: Record<string, unknown>) => (await manage(emulator, { event })).result;
    const pluginList = async () => {
      const result = await mini({ action: 'list' });
      expect(result).toMatchObject({ errCode: 0, errMsg: 'getPluginList:ok' });
      return result.pluginList;
    };
    const applyList = async () => {
      const { code, result } = await developer('dev-list');
      expect(code).toBe(0);
      expect(result).toMatchObject({ errCode: 0, errMsg: 'getPluginDevApplyList:ok' });
      return result.applyList as Array<Record<string, unknown>>;
    };

    // 1. The mini-program applies; the developer's list shows it pending, with its reason.
    const reason = '用于展示门店地图';
    expect(await mini({ action: 'apply', pluginAppid: PLUGIN, reason })).toEqual({ errCode: 0, errMsg: 'applyPlugin:ok', retryable: false, attempts: 1 });
    expect(await applyList()).toEqual([expect.objectContaining({ appid: MINI_PROGRAM, status: 1, nickname: 'Demo Store', reason, createTime: expect.stringMatching(/^\d+$/) })]);
    expect(await pluginList()).toEqual([{ ...PLUGIN_ENTRY, status: 1 }]);

    // 2. The developer refuses, saying why; the mini-program's list shows it refused.
    const refused = await developer('dev-refuse', '--appid', MINI_PROGRAM, '--reason', '暂不支持该类目');
    expect(refused).toEqual({ code: 0, result: { errCode: 0, errMsg: 'refuseDevPluginApplication:ok', retryable: false, attempts: 1 } });
    expect(await pluginList()).toEqual([{ ...PLUGIN_ENTRY, status: 3 }]);
    // Refused is final for the developer: it cannot be approved now.
    expect(await developer('dev-agree', '--appid', MINI_PROGRAM)).toMatchObject({ code: 1, result: { errCode: 89240 } });

    // 3. The developer deletes it; it leaves both lists.
    expect(await developer('dev-delete', '--appid', MINI_PROGRAM)).toMatchObject({ code: 0, result: { errCode: 0, errMsg: 'deleteDevPluginApplication:ok' } });
    expect(await applyList()).toEqual([]);
    expect(await pluginList()).toEqual([]);

    // 4. The mini-program applies again; the developer approves; its list shows it approved.
    expect((await mini({ action: 'apply', pluginAppid: PLUGIN, reason: 'second try' })).errCode).toBe(0);
    expect(await applyList()).toEqual([expect.objectContaining({ appid: MINI_PROGRAM, status: 1, reason: 'second try' })]);
    expect(await developer('dev-agree', '--appid', MINI_PROGRAM)).toEqual({ code: 0, result: { errCode: 0, errMsg: 'agreeDevPluginApplication:ok', retryable: false, attempts: 1 } });
    expect(await pluginList()).toEqual([{ ...PLUGIN_ENTRY, status: 2 }]);
    expect(await applyList()).toEqual([expect.objectContaining({ appid: MINI_PROGRAM, status: 2 })]);

    // 5. It updates to another version, then unbinds; its list is empty.
    expect(await mini({ action: 'update', pluginAppid: PLUGIN, userVersion: '2.2.46' })).toEqual({ errCode: 0, errMsg: 'updatePlugin:ok', retryable: false, attempts: 1 });
    expect(await mini({ action: 'update', pluginAppid: PLUGIN, userVersion: '1.2.0' })).toMatchObject({ errCode: 0 });
    expect(emulator.world.find(MINI_PROGRAM, PLUGIN)?.version).toBe('1.2.0');
    expect(await mini({ action: 'unbind', pluginAppid: PLUGIN })).toEqual({ errCode: 0, errMsg: 'unbindPlugin:ok', retryable: false, attempts: 1 });
    expect(await pluginList()).toEqual([]);
    expect(await applyList()).toEqual([]);

    // What WeChat received, in order, on which surface: nothing else was sent.
    expect(emulator.calls.map((call) => `${call.surface} ${call.apiName} ${String(call.fields.action)}`)).toEqual([
      'cloud pluginManager.applyPlugin apply',
      'https wxa/devplugin dev_apply_list',
      'cloud pluginManager.getPluginList list',
      'https wxa/devplugin dev_refuse',
      'cloud pluginManager.getPluginList list',
      'https wxa/devplugin dev_agree',
      'https wxa/devplugin dev_delete',
      'https wxa/devplugin dev_apply_list',
      'cloud pluginManager.getPluginList list',
      'cloud pluginManager.applyPlugin apply',
      'https wxa/devplugin dev_apply_list',
      'https wxa/devplugin dev_agree',
      'cloud pluginManager.getPluginList list',
      'https wxa/devplugin dev_apply_list',
      'cloud pluginManager.applyPlugin update',
      'cloud pluginManager.applyPlugin update',
      'cloud pluginManager.unbindPlugin unbind',
      'cloud pluginManager.getPluginList list',
      'https wxa/devplugin dev_apply_list',
    ]);
    expect(emulator.calls.every((call) => call.signed)).toBe(true);
  }));

test('npm start\'s life cycle (--json): one JSON result per step, ending with an empty pluginList, exit 0', async () => {
  const { code, stdout, stderr } = await node('start.js', ['--json']);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  const lines = stdout.trimEnd().split('\n');
  const results = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(results.map((result) => result.errMsg)).toEqual([
    'applyPlugin:ok',
    'getPluginList:ok',
    'agreeDevPluginApplication:ok',
    'getPluginList:ok',
    'updatePlugin:ok',
    'unbindPlugin:ok',
    'getPluginList:ok',
  ]);
  for (const result of results) {
    expect(result).toMatchObject({ errCode: 0, retryable: false, attempts: 1 });
    expect(result.errMsg).toMatch(/^\w+:ok$/);
  }
  expect(results.map((result) => result.errMsg)).toEqual(
    expect.arrayContaining(['applyPlugin:ok', 'getPluginList:ok', 'updatePlugin:ok', 'unbindPlugin:ok']),
  );
  expect(results[0]!.errMsg).toBe('applyPlugin:ok');
  // The lists along the way: applying, then approved (by the emulated developer), then nothing.
  const lists = results.filter((result) => 'pluginList' in result).map((result) => result.pluginList);
  expect(lists).toEqual([[{ ...PLUGIN_ENTRY, status: 1 }], [{ ...PLUGIN_ENTRY, status: 2 }], []]);
  expect(results.at(-1)).toEqual({ errCode: 0, errMsg: 'getPluginList:ok', retryable: false, attempts: 1, pluginList: [] });
});
