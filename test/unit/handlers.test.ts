import { describeCode } from '../../src/core/codes';
import { answer, handlerFor, HANDLERS } from '../../src/emulator/handlers';
import { DEMO_MINI_PROGRAM_APPID as MP, PluginWorld } from '../../src/emulator/plugin-world';

const PLUGIN = 'wx0123456789abcdef';
const OTHER_MP = 'wx00000000000000aa';

function worldWith(...applicants: string[]): PluginWorld {
  const world = new PluginWorld({ now: () => 1_700_000_000_000 });
  for (const applicant of applicants) HANDLERS['/wxa/plugin apply'](world, applicant, { action: 'apply', plugin_appid: PLUGIN, reason: `from ${applicant}` });
  return world;
}

describe("the developer's decisions, from the state", () => {
  test.each([
    ['agree', '/wxa/devplugin dev_agree'],
    ['refuse', '/wxa/devplugin dev_refuse'],
  ] as const)('%s: 89242 for an appid that never applied or is not a string, 89240 once decided', (_name, handler) => {
    const world = worldWith(MP);
    expect(HANDLERS[handler](world, PLUGIN, { appid: OTHER_MP, reason: 'r' }).errcode).toBe(89242);
    expect(HANDLERS[handler](world, PLUGIN, { appid: 42, reason: 'r' }).errcode).toBe(89242);
    expect(HANDLERS[handler](world, PLUGIN, { appid: MP, reason: 'r' }).errcode).toBe(0);
    expect(HANDLERS[handler](world, PLUGIN, { appid: MP, reason: 'r' }).errcode).toBe(89240);
  });

  test('delete: 89243 while pending, 89241 once approved, 0 once refused (and gone from both lists)', () => {
    const world = worldWith(MP, OTHER_MP);
    expect(HANDLERS['/wxa/devplugin dev_delete'](world, PLUGIN, { appid: MP }).errcode).toBe(89243);
    HANDLERS['/wxa/devplugin dev_agree'](world, PLUGIN, { appid: MP });
    expect(HANDLERS['/wxa/devplugin dev_delete'](world, PLUGIN, { appid: MP }).errcode).toBe(89241);
    HANDLERS['/wxa/devplugin dev_refuse'](world, PLUGIN, { appid: OTHER_MP, reason: 'no' });
    expect(HANDLERS['/wxa/devplugin dev_delete'](world, PLUGIN, { appid: OTHER_MP }).errcode).toBe(0);
    expect(HANDLERS['/wxa/devplugin dev_delete'](world, PLUGIN, { appid: 7 }).errcode).toBe(89242);
    expect(world.applicationsOf(OTHER_MP)).toEqual([]);
    expect(HANDLERS['/wxa/plugin list'](world, MP, {})).toMatchObject({ plugin_list: [{ appid: PLUGIN, status: 2 }] });
  });

  test('an applicant without a profile is still described, and a refusal keeps its reason', () => {
    const world = worldWith(OTHER_MP);
    HANDLERS['/wxa/devplugin dev_refuse'](world, PLUGIN, { appid: OTHER_MP, reason: 'not now' });
    expect(world.find(OTHER_MP, PLUGIN)).toMatchObject({ status: 'refused', refusal: 'not now' });
    const page = HANDLERS['/wxa/devplugin dev_apply_list'](world, PLUGIN, { page: 1, num: 20 });
    expect(page.apply_list).toEqual([
      { appid: OTHER_MP, status: 3, nickname: 'Mini-program 00aa', headimgurl: expect.stringMatching(/^https:/), categories: [], create_time: '1700000000', apply_url: expect.stringContaining(OTHER_MP), reason: `from ${OTHER_MP}` },
    ]);
  });

  test('pending applications expire after expiryMs, in both lists', () => {
    const world = worldWith(MP);
    world.advance(world.expiryMs - 1);
    expect(HANDLERS['/wxa/plugin list'](world, MP, {}).plugin_list).toMatchObject([{ status: 1 }]);
    world.advance(1);
    expect(HANDLERS['/wxa/plugin list'](world, MP, {}).plugin_list).toMatchObject([{ status: 4 }]);
    expect(HANDLERS['/wxa/devplugin dev_apply_list'](world, PLUGIN, { page: 1, num: 1 }).apply_list).toMatchObject([{ status: 4 }]);
    expect(HANDLERS['/wxa/devplugin dev_agree'](world, PLUGIN, { appid: MP }).errcode).toBe(89240);
  });

  test('pages as WeChat would: newest first, an empty page past the end', () => {
    const world = new PluginWorld();
    for (let i = 0; i < 5; i += 1) {
      HANDLERS['/wxa/plugin apply'](world, `wx00000000000000${String(i).padStart(2, '0')}`, { action: 'apply', plugin_appid: PLUGIN });
      world.advance(1000);
    }
    const appids = (page: number) => (HANDLERS['/wxa/devplugin dev_apply_list'](world, PLUGIN, { page, num: 2 }).apply_list as Array<{ appid: string }>).map((entry) => entry.appid.slice(-2));
    expect([appids(1), appids(2), appids(3), appids(4)]).toEqual([['04', '03'], ['02', '01'], ['00'], []]);
  });
});

describe("the mini-program's side", () => {
  test('a plugin no longer in the catalogue is listed with empty names', () => {
    const world = new PluginWorld({ plugins: [] });
    world.restore([{ miniProgramAppid: MP, pluginAppid: PLUGIN, reason: undefined, status: 'approved', createdAt: 0 }]);
    expect(HANDLERS['/wxa/plugin list'](world, MP, {}).plugin_list).toEqual([{ appid: PLUGIN, status: 2, nickname: '', headimgurl: '' }]);
  });

  test('update: 89244 when not added or not approved, 89257 for a version not offered, then the version changes', () => {
    const world = worldWith(MP);
    expect(HANDLERS['/wxa/plugin update'](world, MP, { plugin_appid: 'wx1111111111111111', user_version: '1.0.0' }).errcode).toBe(89244);
    expect(HANDLERS['/wxa/plugin update'](world, MP, { plugin_appid: PLUGIN, user_version: '1.0.0' }).errcode).toBe(89244);
    world.decide(MP, PLUGIN, 'approved');
    expect(world.find(MP, PLUGIN)!.version).toBe('2.2.46');
    expect(HANDLERS['/wxa/plugin update'](world, MP, { plugin_appid: PLUGIN, user_version: '9.9.9' }).errcode).toBe(89257);
    expect(HANDLERS['/wxa/plugin update'](world, MP, { plugin_appid: PLUGIN, user_version: '1.2.0' }).errcode).toBe(0);
    expect(world.find(MP, PLUGIN)!.version).toBe('1.2.0');
  });

  test('update with a mini-program\'s own token while the world models 89256: refused, nothing changed; an authoriser token works', () => {
    const world = worldWith(MP);
    world.decide(MP, PLUGIN, 'approved');
    world.updateNeedsComponent = true;
    expect(HANDLERS['/wxa/plugin update'](world, MP, { plugin_appid: PLUGIN, user_version: '1.2.0' })).toEqual({ errcode: 89256, errmsg: 'no component info' });
    expect(HANDLERS['/wxa/plugin update'](world, MP, { plugin_appid: PLUGIN, user_version: '1.2.0' }, 'own').errcode).toBe(89256);
    expect(world.find(MP, PLUGIN)!.version).toBe('2.2.46');
    expect(HANDLERS['/wxa/plugin update'](world, MP, { plugin_appid: PLUGIN, user_version: '1.2.0' }, 'authorizer').errcode).toBe(0);
    expect(world.find(MP, PLUGIN)!.version).toBe('1.2.0');
  });

  test('unbind: 89244 for a plugin not added, then removed', () => {
    const world = worldWith(MP);
    expect(HANDLERS['/wxa/plugin unbind'](world, MP, { plugin_appid: 'wx1111111111111111' }).errcode).toBe(89244);
    expect(HANDLERS['/wxa/plugin unbind'](world, MP, { plugin_appid: PLUGIN }).errcode).toBe(0);
    expect(world.applicationsOf(MP)).toEqual([]);
  });
});

describe('routing by the registry', () => {
  test.each([
    [{ cloudApi: 'pluginManager.applyPlugin' }, { action: 'update' }, true, '/wxa/plugin update'],
    // The newer page's name carries every /wxa/plugin action: one handler per wire route.
    [{ cloudApi: 'pluginManager.applyPlugin' }, { action: 'list' }, true, '/wxa/plugin list'],
    [{ cloudApi: 'pluginManager.applyPlugin' }, { action: 'bind' }, true, undefined],
    [{ cloudApi: 'pluginManager.getPluginList' }, { action: 'list' }, true, '/wxa/plugin list'],
    [{ cloudApi: 'pluginManager.nope' }, { action: 'list' }, false, undefined],
    [{ httpsPath: '/wxa/devplugin' }, { action: 'dev_delete' }, true, '/wxa/devplugin dev_delete'],
    [{ httpsPath: '/wxa/plugin' }, { action: 'dev_delete' }, true, undefined],
    [{ httpsPath: '/wxa/other' }, { action: 'list' }, false, undefined],
  ])('%p %p', (by, fields, known, name) => {
    const found = handlerFor(by, fields);
    expect(found.known).toBe(known);
    expect(found.handler).toBe(name === undefined ? undefined : HANDLERS[name as keyof typeof HANDLERS]);
  });

  test('a code without a message of its own', () => {
    expect(answer(12345)).toEqual({ errcode: 12345, errmsg: 'unknown' });
  });
});

describe('the emulator\'s errmsg texts are the catalogue\'s', () => {
  test.each([89237, 89244, 40097, 40001, 47001])('%i: WeChat\'s own where the catalogue records it, its description otherwise', (code) => {
    const entry = describeCode(code)!;
    expect(answer(code).errmsg).toBe(entry.errmsg ?? entry.what);
  });

  test('a code the catalogue does not know reads "unknown"', () => {
    expect(answer(12345).errmsg).toBe('unknown');
  });
});
