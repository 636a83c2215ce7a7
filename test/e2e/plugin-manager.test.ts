/**
 * The committed cloudfunctions/pluginManager/index.js (the mini-program's whole side, chosen by
 * `action`), run in a fresh process as the cloud runs it, with the real wx-server-sdk inside,
 * talking protobuf over a real loopback socket to the emulator. `manage()` checks what holds for
 * every run (the one shape, one log line, no leaks); the tests here check what each action answers,
 * what reached WeChat, and what did not.
 */
import { ProjectCode } from '../../src/core/codes';
import { DEMO_MINI_PROGRAM_APPID, startEmulator, type Emulator } from '../../src/emulator/gateway';
import { grantedApis } from '../../src/platform/invoke';
import { ADMIN, apply, CLOSED_PLUGIN, FUNCTION_DIR, manage, OPEN_PLUGIN, PLUGIN_MANAGER_DIR, SECOND_PLUGIN, STRANGER, UNKNOWN_PLUGIN, withEmulator } from '../support/harness';

jest.setTimeout(60_000);

const REASON = '用于展示门店地图';
const applyEvent = { action: 'apply', pluginAppid: OPEN_PLUGIN, reason: REASON };
const listEvent = { action: 'list' };
const unbindEvent = { action: 'unbind', pluginAppid: OPEN_PLUGIN };

/** The demo plugin's listing as both lists show it. */
const OPEN_PLUGIN_ENTRY = { appid: OPEN_PLUGIN, nickname: 'Demo Maps', headimgurl: 'https://mmbiz.qpic.cn/demo/maps.png' };

/** What the world holds for the demo mini-program and a plugin, as [status, version]. */
function stateOf(emulator: Emulator, plugin = OPEN_PLUGIN): [string, string | undefined] | undefined {
  const found = emulator.world.find(DEMO_MINI_PROGRAM_APPID, plugin);
  return found && [found.status, found.version];
}

/** An application already made and approved, without going through the function. */
function approved(emulator: Emulator, plugin = OPEN_PLUGIN): void {
  emulator.world.add({ miniProgramAppid: DEMO_MINI_PROGRAM_APPID, pluginAppid: plugin, reason: undefined, status: 'applying' });
  emulator.world.decide(DEMO_MINI_PROGRAM_APPID, plugin, 'approved');
}

describe('each action answers as the table says', () => {
  test('apply: 0, and WeChat receives pluginManager.applyPlugin with action "apply"', () =>
    withEmulator(async (emulator) => {
      const { result, log } = await manage(emulator, { event: applyEvent });
      expect(result).toEqual({ errCode: 0, errMsg: 'applyPlugin:ok', retryable: false, attempts: 1 });
      expect(emulator.calls).toEqual([
        expect.objectContaining({ surface: 'cloud', apiName: 'pluginManager.applyPlugin', fields: { action: 'apply', plugin_appid: OPEN_PLUGIN, reason: REASON }, signed: true }),
      ]);
      expect(stateOf(emulator)).toEqual(['applying', undefined]);
      expect(log).toMatchObject({ level: 'info', operation: 'applyPlugin', action: 'apply', errCode: 0, pluginAppid: OPEN_PLUGIN });
      // Free text never reaches the log line.
      expect(JSON.stringify(log)).not.toContain(REASON);
    }));

  test('apply twice: 89237 from the second, nothing added', () =>
    withEmulator(async (emulator) => {
      expect((await manage(emulator, { event: applyEvent })).result.errCode).toBe(0);
      const { result } = await manage(emulator, { event: applyEvent });
      expect(result).toMatchObject({ errCode: 89237, retryable: false, attempts: 1 });
      expect(result.errMsg).toMatch(/^applyPlugin:fail .*already added/);
      expect(emulator.world.applicationsOf(DEMO_MINI_PROGRAM_APPID)).toHaveLength(1);
    }));

  test('apply to a closed or unknown plugin: WeChat\'s 89236 and 89239', () =>
    withEmulator(async (emulator) => {
      expect((await manage(emulator, { event: { action: 'apply', pluginAppid: CLOSED_PLUGIN } })).result).toMatchObject({ errCode: 89236, attempts: 1 });
      expect((await manage(emulator, { event: { action: 'apply', pluginAppid: UNKNOWN_PLUGIN } })).result).toMatchObject({ errCode: 89239, attempts: 1 });
      expect(emulator.world.applicationsOf(DEMO_MINI_PROGRAM_APPID)).toEqual([]);
    }));

  test('list with no plugins: pluginList [], and WeChat receives pluginManager.getPluginList with action "list"', () =>
    withEmulator(async (emulator) => {
      const { result, log } = await manage(emulator, { event: listEvent });
      expect(result).toEqual({ errCode: 0, errMsg: 'getPluginList:ok', retryable: false, attempts: 1, pluginList: [] });
      expect(emulator.calls).toEqual([expect.objectContaining({ surface: 'cloud', apiName: 'pluginManager.getPluginList', fields: { action: 'list' }, signed: true })]);
      expect(log).toMatchObject({ operation: 'getPluginList', action: 'list', errCode: 0 });
    }));

  test('list after apply: the plugin with status 1 (applying), then 2 once approved, 3 once refused', () =>
    withEmulator(async (emulator) => {
      await manage(emulator, { event: applyEvent });
      const { result } = await manage(emulator, { event: listEvent });
      expect(result).toEqual({ errCode: 0, errMsg: 'getPluginList:ok', retryable: false, attempts: 1, pluginList: [{ ...OPEN_PLUGIN_ENTRY, status: 1 }] });

      emulator.world.decide(DEMO_MINI_PROGRAM_APPID, OPEN_PLUGIN, 'approved');
      expect((await manage(emulator, { event: listEvent })).result.pluginList).toEqual([{ ...OPEN_PLUGIN_ENTRY, status: 2 }]);

      emulator.world.decide(DEMO_MINI_PROGRAM_APPID, OPEN_PLUGIN, 'refused');
      expect((await manage(emulator, { event: listEvent })).result.pluginList).toEqual([{ ...OPEN_PLUGIN_ENTRY, status: 3 }]);
    }));

  test('list shows every plugin, oldest first', () =>
    withEmulator(async (emulator) => {
      await manage(emulator, { event: applyEvent });
      await manage(emulator, { event: { action: 'apply', pluginAppid: SECOND_PLUGIN } });
      const { result } = await manage(emulator, { event: listEvent });
      expect((result.pluginList as Array<{ appid: string }>).map((entry) => entry.appid)).toEqual([OPEN_PLUGIN, SECOND_PLUGIN]);
    }));

  test('unbind: 0, the plugin is gone, and WeChat receives pluginManager.unbindPlugin with action "unbind"', () =>
    withEmulator(async (emulator) => {
      approved(emulator);
      const { result, log } = await manage(emulator, { event: unbindEvent });
      expect(result).toEqual({ errCode: 0, errMsg: 'unbindPlugin:ok', retryable: false, attempts: 1 });
      expect(emulator.calls).toEqual([
        expect.objectContaining({ surface: 'cloud', apiName: 'pluginManager.unbindPlugin', fields: { action: 'unbind', plugin_appid: OPEN_PLUGIN }, signed: true }),
      ]);
      expect(stateOf(emulator)).toBeUndefined();
      expect(log).toMatchObject({ operation: 'unbindPlugin', action: 'unbind', pluginAppid: OPEN_PLUGIN });
      expect((await manage(emulator, { event: listEvent })).result.pluginList).toEqual([]);
    }));

  test('unbind of a plugin the mini-program does not have: 89244 (reported), not retried', () =>
    withEmulator(async (emulator) => {
      const { result } = await manage(emulator, { event: unbindEvent });
      expect(result).toMatchObject({ errCode: 89244, retryable: false, attempts: 1 });
      expect(result.errMsg).toMatch(/^unbindPlugin:fail /);
      expect(result.errMsg).not.toContain('earlier attempt');
    }));

  test('update of an approved plugin: 0, the world\'s version changes, and WeChat receives applyPlugin with action "update" and user_version', () =>
    withEmulator(async (emulator) => {
      approved(emulator);
      expect(stateOf(emulator)).toEqual(['approved', '2.2.46']);
      const { result, log } = await manage(emulator, { event: { action: 'update', pluginAppid: OPEN_PLUGIN, userVersion: '1.2.0' } });
      expect(result).toEqual({ errCode: 0, errMsg: 'updatePlugin:ok', retryable: false, attempts: 1 });
      expect(stateOf(emulator)).toEqual(['approved', '1.2.0']);
      expect(emulator.calls).toEqual([
        expect.objectContaining({ surface: 'cloud', apiName: 'pluginManager.applyPlugin', fields: { action: 'update', plugin_appid: OPEN_PLUGIN, user_version: '1.2.0' }, signed: true }),
      ]);
      expect(log).toMatchObject({ operation: 'updatePlugin', action: 'update', pluginAppid: OPEN_PLUGIN, userVersion: '1.2.0' });

      // And back to the newest.
      expect((await manage(emulator, { event: { action: 'update', pluginAppid: OPEN_PLUGIN, userVersion: '2.2.46' } })).result.errCode).toBe(0);
      expect(stateOf(emulator)).toEqual(['approved', '2.2.46']);
    }));

  test.each([
    ['not added', (_emulator: Emulator) => undefined],
    ['applied for but not approved', (emulator: Emulator) => void emulator.world.add({ miniProgramAppid: DEMO_MINI_PROGRAM_APPID, pluginAppid: OPEN_PLUGIN, reason: undefined, status: 'applying' })],
    ['refused', (emulator: Emulator) => {
      emulator.world.add({ miniProgramAppid: DEMO_MINI_PROGRAM_APPID, pluginAppid: OPEN_PLUGIN, reason: undefined, status: 'applying' });
      emulator.world.decide(DEMO_MINI_PROGRAM_APPID, OPEN_PLUGIN, 'refused');
    }],
  ])('update of a plugin %s: 89244, nothing changed', (_name, arrange) =>
    withEmulator(async (emulator) => {
      arrange(emulator);
      const before = stateOf(emulator);
      const { result } = await manage(emulator, { event: { action: 'update', pluginAppid: OPEN_PLUGIN, userVersion: '1.2.0' } });
      expect(result).toMatchObject({ errCode: 89244, retryable: false, attempts: 1 });
      expect(result.errMsg).toMatch(/^updatePlugin:fail /);
      expect(stateOf(emulator)).toEqual(before);
      expect(emulator.calls).toHaveLength(1);
    }));

  test('update to a version the plugin does not offer: 89257 (reported), the version unchanged', () =>
    withEmulator(async (emulator) => {
      approved(emulator);
      const { result } = await manage(emulator, { event: { action: 'update', pluginAppid: OPEN_PLUGIN, userVersion: '9.9.9' } });
      expect(result).toMatchObject({ errCode: 89257, retryable: false, attempts: 1 });
      expect(stateOf(emulator)).toEqual(['approved', '2.2.46']);
    }));
});

describe('refused before anything is sent', () => {
  test.each([
    ['no action', { pluginAppid: OPEN_PLUGIN }, /^pluginManager:fail action is required: pass one of "apply", "list", "unbind", "update"$/],
    ['an unknown action', { action: 'delete', pluginAppid: OPEN_PLUGIN }, /^pluginManager:fail action "delete" is not one of this function's/],
    ['a developer action (not served by a cloud function)', { action: 'dev-agree', appid: DEMO_MINI_PROGRAM_APPID }, /^pluginManager:fail action "dev-agree" is not one/],
    ['WeChat\'s own action name', { action: 'dev_apply_list' }, /^pluginManager:fail action "dev_apply_list" is not one/],
    ['an action of the wrong type', { action: 1 }, /^pluginManager:fail action .* is not one of this function's/],
  ])('%s: -930004, named after the function', (_name, event, errMsg) =>
    withEmulator(async (emulator) => {
      const { result, log } = await manage(emulator, { event });
      expect(result).toMatchObject({ errCode: ProjectCode.INVALID_ACTION, retryable: false, attempts: 0 });
      expect(result.errMsg).toMatch(errMsg);
      expect(log).toMatchObject({ operation: 'pluginManager', action: null, errCode: ProjectCode.INVALID_ACTION, attempts: 0 });
      expect(emulator.calls).toEqual([]);
    }));

  test.each([
    ['apply without pluginAppid', { action: 'apply' }, ProjectCode.INVALID_APPID, 'applyPlugin'],
    ['apply with capitals in pluginAppid', { action: 'apply', pluginAppid: 'WX0123456789ABCDEF' }, ProjectCode.INVALID_APPID, 'applyPlugin'],
    ['apply with a reason that is not text', { action: 'apply', pluginAppid: OPEN_PLUGIN, reason: 42 }, ProjectCode.INVALID_TEXT, 'applyPlugin'],
    ['apply with a reason too long', { action: 'apply', pluginAppid: OPEN_PLUGIN, reason: '长'.repeat(501) }, ProjectCode.INVALID_TEXT, 'applyPlugin'],
    ['unbind without pluginAppid', { action: 'unbind' }, ProjectCode.INVALID_APPID, 'unbindPlugin'],
    ['unbind with a short pluginAppid', { action: 'unbind', pluginAppid: 'wx0123' }, ProjectCode.INVALID_APPID, 'unbindPlugin'],
    ['update with a bad pluginAppid', { action: 'update', pluginAppid: 'wx0123456789abcdeg', userVersion: '1.2.0' }, ProjectCode.INVALID_APPID, 'updatePlugin'],
    ['update without userVersion', { action: 'update', pluginAppid: OPEN_PLUGIN }, ProjectCode.INVALID_VERSION, 'updatePlugin'],
    ['update with userVersion "v2"', { action: 'update', pluginAppid: OPEN_PLUGIN, userVersion: 'v2' }, ProjectCode.INVALID_VERSION, 'updatePlugin'],
    ['update with userVersion "2..3"', { action: 'update', pluginAppid: OPEN_PLUGIN, userVersion: '2..3' }, ProjectCode.INVALID_VERSION, 'updatePlugin'],
    ['update with userVersion "1.2."', { action: 'update', pluginAppid: OPEN_PLUGIN, userVersion: '1.2.' }, ProjectCode.INVALID_VERSION, 'updatePlugin'],
    ['update with a number for userVersion', { action: 'update', pluginAppid: OPEN_PLUGIN, userVersion: 2 }, ProjectCode.INVALID_VERSION, 'updatePlugin'],
  ])('%s', (_name, event, errCode, name) =>
    withEmulator(async (emulator) => {
      approved(emulator);
      const { result } = await manage(emulator, { event });
      expect(result).toMatchObject({ errCode, retryable: false, attempts: 0 });
      expect(result.errMsg).toMatch(new RegExp(`^${name}:fail \\S`));
      expect(emulator.calls).toEqual([]);
      expect(stateOf(emulator)).toEqual(['approved', '2.2.46']);
    }));

  test('userVersion "v2": errMsg names the field and the shape it takes', () =>
    withEmulator(async (emulator) => {
      const { result } = await manage(emulator, { event: { action: 'update', pluginAppid: OPEN_PLUGIN, userVersion: 'v2' } });
      expect(result.errMsg).toContain('userVersion must be a version of digits and dots such as "2.2.46"');
    }));

  test.each([
    ['list', listEvent],
    ['unbind', unbindEvent],
    ['update', { action: 'update', pluginAppid: OPEN_PLUGIN, userVersion: '1.2.0' }],
    ['apply', applyEvent],
  ])('%s by a user who is not an administrator: -930102, their own openid returned, nothing sent', (_action, event) =>
    withEmulator(async (emulator) => {
      approved(emulator, SECOND_PLUGIN);
      const { result } = await manage(emulator, { event, caller: { openid: STRANGER, source: 'wx_client' } });
      expect(result).toMatchObject({ errCode: ProjectCode.NOT_ADMIN, retryable: false, attempts: 0, openid: STRANGER });
      expect(result.errMsg).toContain('ADMIN_OPENIDS');
      expect(result).not.toHaveProperty('pluginList');
      expect(emulator.calls).toEqual([]);
      expect(emulator.world.applicationsOf(DEMO_MINI_PROGRAM_APPID)).toHaveLength(1);
    }));

  test('with no administrators configured, list is refused (-930101), nothing sent', () =>
    withEmulator(async (emulator) => {
      const { result } = await manage(emulator, { event: listEvent, caller: { openid: ADMIN, source: 'wx_client' }, functionEnv: {} });
      expect(result).toMatchObject({ errCode: ProjectCode.ADMIN_NOT_CONFIGURED, attempts: 0, openid: ADMIN });
      expect(emulator.calls).toEqual([]);
    }));

  test('bad input is reported before the caller is checked (no openid handed out for a malformed event)', () =>
    withEmulator(async (emulator) => {
      const { result } = await manage(emulator, { event: { action: 'nope' }, caller: { openid: STRANGER, source: 'wx_client' } });
      expect(result).toMatchObject({ errCode: ProjectCode.INVALID_ACTION, attempts: 0 });
      expect(result).not.toHaveProperty('openid');
      expect(emulator.calls).toEqual([]);
    }));
});

describe('a config.json that does not grant an API', () => {
  const allButList = () => [...grantedApis(FUNCTION_DIR), ...grantedApis(PLUGIN_MANAGER_DIR)].filter((api) => api !== 'pluginManager.getPluginList');

  test('the committed config.json grants exactly the three cloud APIs', () => {
    expect(grantedApis(PLUGIN_MANAGER_DIR).sort()).toEqual(['pluginManager.applyPlugin', 'pluginManager.getPluginList', 'pluginManager.unbindPlugin']);
    expect(grantedApis(FUNCTION_DIR)).toEqual(['pluginManager.applyPlugin']);
  });

  test('without pluginManager.getPluginList: list goes through pluginManager.applyPlugin (the newer page\'s name) and says so; apply still works', () =>
    withEmulator(
      async (emulator) => {
        const { result } = await manage(emulator, { event: listEvent });
        expect(result).toMatchObject({ errCode: 0, retryable: false, attempts: 2, cloudApi: 'pluginManager.applyPlugin', pluginList: [] });
        expect(emulator.calls.map((call) => [call.apiName, call.fields.action])).toEqual([
          ['pluginManager.getPluginList', 'list'],
          ['pluginManager.applyPlugin', 'list'],
        ]);
        expect((await manage(emulator, { event: applyEvent })).result.errCode).toBe(0);
      },
      { grantedApis: allButList() },
    ));

  test('without pluginManager.getPluginList nor pluginManager.applyPlugin: -604101 naming the last name tried', () =>
    withEmulator(
      async (emulator) => {
        const { result } = await manage(emulator, { event: listEvent });
        expect(result).toMatchObject({ errCode: -604101, retryable: false, attempts: 2, cloudApi: 'pluginManager.applyPlugin' });
        expect(result.errMsg).toBe(
          'getPluginList:fail this cloud function has no permission to call pluginManager.applyPlugin: add "pluginManager.applyPlugin" to permissions.openapi in the function\'s own config.json and upload it again; a change can take about 10 minutes to apply',
        );
      },
      { grantedApis: ['pluginManager.unbindPlugin'] },
    ));

  test('without pluginManager.unbindPlugin: unbind goes through pluginManager.applyPlugin, and the plugin is removed', () =>
    withEmulator(
      async (emulator) => {
        approved(emulator);
        const { result } = await manage(emulator, { event: unbindEvent });
        expect(result).toMatchObject({ errCode: 0, attempts: 2, cloudApi: 'pluginManager.applyPlugin' });
        expect(stateOf(emulator)).toBeUndefined();
      },
      { grantedApis: ['pluginManager.applyPlugin', 'pluginManager.getPluginList'] },
    ));

  test('update needs pluginManager.applyPlugin (WeChat has no name of its own for it)', () =>
    withEmulator(
      async (emulator) => {
        approved(emulator);
        const { result } = await manage(emulator, { event: { action: 'update', pluginAppid: OPEN_PLUGIN, userVersion: '1.2.0' } });
        expect(result).toMatchObject({ errCode: -604101, attempts: 1 });
        expect(result.errMsg).toContain('pluginManager.applyPlugin');
        expect(stateOf(emulator)).toEqual(['approved', '2.2.46']);
      },
      { grantedApis: ['pluginManager.getPluginList', 'pluginManager.unbindPlugin'] },
    ));
});

describe('the faults applyPlugin survives, on list and unbind', () => {
  const arranged = (emulator: Emulator) => approved(emulator);
  const cases = [
    ['list', listEvent, 'getPluginList'],
    ['unbind', unbindEvent, 'unbindPlugin'],
  ] as const;

  test.each(cases)('%s: -1 once, then success on the second attempt', (action, event) =>
    withEmulator(async (emulator) => {
      arranged(emulator);
      emulator.faults.add({ kind: 'errcode', errcode: -1 });
      const { result, log } = await manage(emulator, { event });
      expect(result).toMatchObject({ errCode: 0, retryable: false, attempts: 2 });
      expect(emulator.calls.map((call) => call.fault)).toEqual(['errcode', undefined]);
      expect(log.attempts).toBe(2);
      if (action === 'list') expect(result.pluginList).toEqual([{ ...OPEN_PLUGIN_ENTRY, status: 2 }]);
      else expect(stateOf(emulator)).toBeUndefined();
    }));

  test.each(cases)('%s: -1 every time: three attempts, then -1, retryable', (_action, event) =>
    withEmulator(async (emulator) => {
      arranged(emulator);
      emulator.faults.add({ kind: 'errcode', errcode: -1, times: Infinity });
      const { result } = await manage(emulator, { event });
      expect(result).toMatchObject({ errCode: -1, retryable: true, attempts: 3 });
      expect(result).not.toHaveProperty('pluginList');
      expect(stateOf(emulator)).toEqual(['approved', '2.2.46']);
    }));

  test.each(cases)('%s: a silent gateway: -930201 before a 1000 ms limit kills the function', (_action, event, name) =>
    withEmulator(async (emulator) => {
      arranged(emulator);
      emulator.faults.add({ kind: 'silent', times: Infinity });
      const { result, report } = await manage(emulator, { event, timeLimitMs: 1000 });
      expect(result).toMatchObject({ errCode: ProjectCode.DEADLINE_EXCEEDED, retryable: true, attempts: 1 });
      expect(result.errMsg).toMatch(new RegExp(`^${name}:fail .*raise the timeout`));
      expect(report.kind === 'returned' && report.callMs).toBeLessThan(1000);
      expect(emulator.calls).toHaveLength(1);
    }));

  test.each(cases)('%s: garbage bytes: -601001 after three attempts', (_action, event) =>
    withEmulator(async (emulator) => {
      arranged(emulator);
      emulator.faults.add({ kind: 'garbage', times: Infinity });
      const { result } = await manage(emulator, { event });
      expect(result).toMatchObject({ errCode: -601001, retryable: true, attempts: 3 });
    }));

  test.each(cases)('%s: an empty body: -930203, not retried, and errMsg says what to do', (action, event) =>
    withEmulator(async (emulator) => {
      arranged(emulator);
      emulator.faults.add({ kind: 'empty', times: Infinity });
      const { result } = await manage(emulator, { event });
      expect(result).toMatchObject({ errCode: ProjectCode.UNEXPECTED_ANSWER, retryable: false, attempts: 1 });
      expect(result.errMsg).toContain(action === 'list' ? 'nothing was changed: list again' : 'the plugin may or may not have been removed: list the plugins before trying again');
    }));

  test.each(cases)('%s: a dropped connection, then success', (action, event) =>
    withEmulator(async (emulator) => {
      arranged(emulator);
      emulator.faults.add({ kind: 'drop' });
      const { result } = await manage(emulator, { event });
      expect(result).toMatchObject({ errCode: 0, attempts: 2 });
      if (action === 'list') expect(result.pluginList).toEqual([{ ...OPEN_PLUGIN_ENTRY, status: 2 }]);
      else expect(stateOf(emulator)).toBeUndefined();
    }));

  test.each(cases)('%s: the gateway is down (connection refused): retried, then -501001', async (_action, event) => {
    const emulator = await startEmulator();
    await emulator.close();
    const { result } = await manage(emulator, { event });
    expect(result).toMatchObject({ errCode: -501001, retryable: true, attempts: 3 });
  });

  test('unbind whose answer was lost after WeChat removed the plugin: the retry meets 89244, and errMsg says why', () =>
    withEmulator(async (emulator) => {
      arranged(emulator);
      emulator.faults.add({ kind: 'drop', afterApplying: true });
      const { result } = await manage(emulator, { event: unbindEvent });
      expect(result).toMatchObject({ errCode: 89244, attempts: 2 });
      expect(result.errMsg).toContain('an earlier attempt in this call may have been the one that removed it');
      expect(stateOf(emulator)).toBeUndefined();
    }));
});

describe('cloudfunctions/applyPlugin keeps its contract', () => {
  test.each(['list', 'unbind', 'update'])('action "%s": -930004, nothing sent', (action) =>
    withEmulator(async (emulator) => {
      const { result } = await apply(emulator, { event: { action, pluginAppid: OPEN_PLUGIN, userVersion: '1.2.0' } });
      expect(result).toMatchObject({ errCode: ProjectCode.INVALID_ACTION, retryable: false, attempts: 0 });
      expect(result.errMsg).toBe(`applyPlugin:fail action must be "apply" or left out, got "${action}"`);
      expect(emulator.calls).toEqual([]);
    }));

  test('action "apply" or none: it applies', () =>
    withEmulator(async (emulator) => {
      expect((await apply(emulator, { event: { action: 'apply', pluginAppid: OPEN_PLUGIN } })).result.errCode).toBe(0);
      expect((await apply(emulator, { event: { pluginAppid: SECOND_PLUGIN } })).result.errCode).toBe(0);
      expect(emulator.calls.map((call) => call.apiName)).toEqual(['pluginManager.applyPlugin', 'pluginManager.applyPlugin']);
    }));
});
