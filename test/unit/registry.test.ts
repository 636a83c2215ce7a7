import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { camelCaseKeys } from '../../src/core/case';
import { ProjectCode } from '../../src/core/codes';
import { OperationError } from '../../src/core/errors';
import { flagOf, parseFields } from '../../src/core/fields';
import { routeKeyOf, wireBodyOf, type AnyOperation } from '../../src/core/operation';
import { HANDLERS } from '../../src/emulator/handlers';
import { CLOUD_FUNCTIONS, MINI_PROGRAM_OPERATIONS, OPERATIONS, permissionsOf } from '../../src/core/operations';
import { PROJECT_ROOT } from '../../src/platform/invoke';

function codeOf(run: () => unknown): number | 'ok' {
  try {
    run();
    return 'ok';
  } catch (error) {
    if (error instanceof OperationError) return error.code;
    throw error;
  }
}

const byName = (name: string): AnyOperation => OPERATIONS.find((operation) => operation.name === name)!;
const parse = (name: string, event: Record<string, unknown>) => parseFields(byName(name).fields, event);

describe('the registry', () => {
  test('names and actions are each unique; wire routes may be shared, and each has the emulator\'s handler', () => {
    for (const key of ['name', 'action'] as const) expect(new Set(OPERATIONS.map((operation) => operation[key])).size).toBe(OPERATIONS.length);
    for (const operation of OPERATIONS) expect(typeof HANDLERS[routeKeyOf(operation.route)]).toBe('function');
  });

  test.each(Object.keys(CLOUD_FUNCTIONS))('cloudfunctions/%s/config.json grants exactly what the registry says', (name) => {
    const committed = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cloudfunctions', name, 'config.json'), 'utf8'));
    expect(committed).toEqual({ permissions: { openapi: permissionsOf(CLOUD_FUNCTIONS[name as keyof typeof CLOUD_FUNCTIONS]) } });
  });

  test('every folder under cloudfunctions/ is a function of the registry', () => {
    expect(readdirSync(join(PROJECT_ROOT, 'cloudfunctions')).sort()).toEqual(Object.keys(CLOUD_FUNCTIONS).sort());
  });

  test('applyPlugin, the least-privilege function, grants only applying', () => {
    expect(permissionsOf(CLOUD_FUNCTIONS.applyPlugin)).toEqual(['pluginManager.applyPlugin']);
  });

  test('pluginManager serves every mini-program operation and grants each one\'s cloud APIs (older and newer names), and no developer-side API', () => {
    expect(CLOUD_FUNCTIONS.pluginManager.operations).toEqual(MINI_PROGRAM_OPERATIONS);
    const apis = MINI_PROGRAM_OPERATIONS.flatMap((operation) => [operation.cloudApi, operation.cloudApiFallback]).filter((api) => api !== undefined);
    expect(permissionsOf(CLOUD_FUNCTIONS.pluginManager).sort()).toEqual([...new Set(apis)].sort());
    expect(permissionsOf(CLOUD_FUNCTIONS.pluginManager)).toEqual(expect.arrayContaining(['pluginManager.applyPlugin', 'pluginManager.getPluginList', 'pluginManager.unbindPlugin']));
  });

  test.each(OPERATIONS.map((operation) => [operation.name, operation] as const))('%s: its example is a valid request, and its paging (if any) names integer fields', (_name, operation) => {
    expect(() => parseFields(operation.fields, operation.example as Record<string, unknown>)).not.toThrow();
    if (operation.paging) {
      expect(operation.fields[operation.paging.pageField as keyof typeof operation.fields]).toMatchObject({ kind: 'integer' });
      expect(operation.fields[operation.paging.sizeField as keyof typeof operation.fields]).toMatchObject({ kind: 'integer' });
    }
  });

  test('flags are the fields in kebab case', () => {
    expect(flagOf('pluginAppid')).toBe('plugin-appid');
    expect(flagOf('userVersion')).toBe('user-version');
    expect(flagOf('num')).toBe('num');
  });
});

describe('a route is a value the operation owns', () => {
  const onItsOwnPath = { ...MINI_PROGRAM_OPERATIONS[1], route: { path: '/wxa/getpluginopenpid' }, toWire: () => ({ code: 'c' }) } as AnyOperation;

  test('a route without an action: the body carries none, and its key is the path alone', () => {
    expect(wireBodyOf(onItsOwnPath, {})).toStrictEqual({ code: 'c' });
    expect(routeKeyOf(onItsOwnPath.route)).toBe('/wxa/getpluginopenpid');
  });

  test('a route with an action: the body carries it first, and its key is path and action', () => {
    expect(Object.keys(wireBodyOf(MINI_PROGRAM_OPERATIONS[0], parseFields(MINI_PROGRAM_OPERATIONS[0].fields, { pluginAppid: 'wx0123456789abcdef' })))[0]).toBe('action');
    expect(routeKeyOf(MINI_PROGRAM_OPERATIONS[0].route)).toBe('/wxa/plugin apply');
  });
});

describe('routing by action (pluginManager)', () => {
  const route = CLOUD_FUNCTIONS.pluginManager;
  test.each([
    ['missing', {}, /action is required: pass one of "apply", "list", "unbind", "update"/],
    ['unknown', { action: 'delete' }, /action "delete" is not one of this function's/],
    ['a developer action', { action: 'dev-agree' }, /not one of this function's/],
    ['not a string', { action: 3 }, /action a number is not one/],
  ])('%s: INVALID_ACTION', (_name, event, message) => {
    expect(codeOf(() => route.select(event))).toBe(ProjectCode.INVALID_ACTION);
    expect(() => route.select(event)).toThrow(message);
  });

  test('chooses by action', () => {
    expect(route.select({ action: 'update', pluginAppid: 'x' }).operation.name).toBe('updatePlugin');
  });
});

describe('fields of the other operations', () => {
  test.each([
    ['2.2.46', 'ok'],
    ['1', 'ok'],
    ['10.0.0.1', 'ok'],
    ['v2', ProjectCode.INVALID_VERSION],
    ['2..3', ProjectCode.INVALID_VERSION],
    ['2.3.', ProjectCode.INVALID_VERSION],
    ['', ProjectCode.INVALID_VERSION],
    ['1.'.repeat(20) + '1', ProjectCode.INVALID_VERSION],
  ])('userVersion %p', (userVersion, expected) => {
    expect(codeOf(() => parse('updatePlugin', { pluginAppid: 'wx0123456789abcdef', userVersion }))).toBe(expected);
  });

  test('update sends WeChat\'s action and user_version', () => {
    const params = parse('updatePlugin', { pluginAppid: 'wx0123456789abcdef', userVersion: '2.2.46' });
    expect(wireBodyOf(byName('updatePlugin'), params)).toEqual({ action: 'update', plugin_appid: 'wx0123456789abcdef', user_version: '2.2.46' });
  });

  test('userVersion is required', () => {
    expect(() => parse('updatePlugin', { pluginAppid: 'wx0123456789abcdef' })).toThrow(/userVersion is required/);
  });

  test('dev-list pages default to page 1 of 20, and are sent as numbers', () => {
    const params = parse('getPluginDevApplyList', {});
    expect(wireBodyOf(byName('getPluginDevApplyList'), params)).toEqual({ action: 'dev_apply_list', page: 1, num: 20 });
  });

  test.each([
    [{ page: 0 }, /page must be a whole number from 1/],
    [{ num: 0 }, /num must be a whole number from 1 to 100, got 0/],
    [{ num: 101 }, /got 101/],
    [{ num: 2.5 }, /got 2.5/],
    [{ num: '20' }, /got "20"/],
    [{ page: null }, /got null/],
  ])('dev-list refuses %p with INVALID_NUMBER', (event, message) => {
    expect(codeOf(() => parse('getPluginDevApplyList', event))).toBe(ProjectCode.INVALID_NUMBER);
    expect(() => parse('getPluginDevApplyList', event)).toThrow(message);
  });

  test.each([undefined, '', '   '])('dev-refuse needs a reason (%p)', (reason) => {
    expect(codeOf(() => parse('refuseDevPluginApplication', { appid: 'wx0123456789abcdef', reason }))).toBe(ProjectCode.INVALID_TEXT);
  });

  test.each(['agreeDevPluginApplication', 'refuseDevPluginApplication', 'deleteDevPluginApplication'])('%s sends the applicant\'s appid', (name) => {
    const params = parse(name, { appid: 'wx00000000000000aa', reason: 'not for now' });
    expect(wireBodyOf(byName(name), params)).toMatchObject({ appid: 'wx00000000000000aa' });
  });

  test('dev-list bounds are inclusive: page 1, num 1 and num 100 are sent', () => {
    expect(wireBodyOf(byName('getPluginDevApplyList'), parse('getPluginDevApplyList', { page: 1, num: 1 }))).toEqual({ action: 'dev_apply_list', page: 1, num: 1 });
    expect(wireBodyOf(byName('getPluginDevApplyList'), parse('getPluginDevApplyList', { num: 100 }))).toEqual({ action: 'dev_apply_list', page: 1, num: 100 });
  });

  test.each([
    [Number.NaN, 'got NaN'],
    [Number.POSITIVE_INFINITY, 'got Infinity'],
    [true, 'got a boolean'],
    [{}, 'got an object'],
    ['x'.repeat(21), 'got a string of 21 characters'],
    ['x'.repeat(20), `got "${'x'.repeat(20)}"`],
  ])('a refused number %p is shown as the caller wrote it, and long text is not echoed', (num, shown) => {
    expect(() => parse('getPluginDevApplyList', { num })).toThrow(new RegExp(`^num must be a whole number from 1 to 100, ${shown}$`));
  });

  test('unbind sends WeChat\'s action and the plugin\'s appid, nothing else', () => {
    const params = parse('unbindPlugin', { pluginAppid: 'wx0123456789abcdef', reason: 'ignored' });
    expect(wireBodyOf(byName('unbindPlugin'), params)).toStrictEqual({ action: 'unbind', plugin_appid: 'wx0123456789abcdef' });
  });

  test.each(['', '   '])('a required text given as %p is refused as empty, saying what to write', (reason) => {
    expect(() => parse('refuseDevPluginApplication', { appid: 'wx0123456789abcdef', reason })).toThrow(/^reason must not be empty: say in a few words why$/);
  });

  test('an empty appid is a bad appid, not a missing one', () => {
    expect(() => parse('unbindPlugin', { pluginAppid: '' })).toThrow(/^pluginAppid must be "wx" followed by 16 lowercase hex digits, got an empty string$/);
  });

  test('the capitals-or-spaces hint is worked out for appids of up to 64 characters only', () => {
    const padded = (length: number) => `WX0123456789ABCDEF${' '.repeat(length - 18)}`;
    expect(() => parse('unbindPlugin', { pluginAppid: padded(64) })).toThrow(/check for capitals or spaces/);
    expect(() => parse('unbindPlugin', { pluginAppid: padded(65) })).not.toThrow(/check for capitals or spaces/);
    expect(codeOf(() => parse('unbindPlugin', { pluginAppid: padded(65) }))).toBe(ProjectCode.INVALID_APPID);
  });

  test('a version is at most 32 characters', () => {
    const version = (length: number) => `${'1.'.repeat((length - 2) / 2)}10`;
    expect(codeOf(() => parse('updatePlugin', { pluginAppid: 'wx0123456789abcdef', userVersion: version(32) }))).toBe('ok');
    expect(codeOf(() => parse('updatePlugin', { pluginAppid: 'wx0123456789abcdef', userVersion: `1${version(32)}` }))).toBe(ProjectCode.INVALID_VERSION);
  });

  test('a command-line integer is read only from plain digits', () => {
    const field = byName('getPluginDevApplyList').fields.num!;
    expect(field.fromText('12')).toBe(12);
    for (const text of ['-1', '1e3', '0x10', ' 5', '']) expect(field.fromText(text)).toBe(text);
  });
});

describe('reading WeChat\'s answers', () => {
  test('the plugin list is camelCased, keeping fields this project does not know', () => {
    const data = byName('getPluginList').readAnswer({ plugin_list: [{ appid: 'wx1', status: 2, nickname: 'n', headimgurl: 'h', user_version: '1.0', extra_info: { some_key: 1 } }], next_cursor: 'x' }, {} as never);
    expect(data).toEqual({ pluginList: [{ appid: 'wx1', status: 2, nickname: 'n', headimgurl: 'h', userVersion: '1.0', extraInfo: { someKey: 1 } }], nextCursor: 'x' });
  });

  test('no plugin_list means none', () => {
    expect(byName('getPluginList').readAnswer({}, {} as never)).toEqual({ pluginList: [] });
  });

  test('a plugin_list that is not a list is an unexpected answer', () => {
    expect(codeOf(() => byName('getPluginList').readAnswer({ plugin_list: 'x' }, {} as never))).toBe(ProjectCode.UNEXPECTED_ANSWER);
    expect(codeOf(() => byName('getPluginDevApplyList').readAnswer({ apply_list: {} }, {} as never))).toBe(ProjectCode.UNEXPECTED_ANSWER);
  });

  test('the developer\'s list keeps create_time as WeChat sends it (a string); absent text fields read as empty', () => {
    const data = byName('getPluginDevApplyList').readAnswer({ apply_list: [{ appid: 'wx1', status: 1, create_time: '1536305096', apply_url: 'u', categories: [{ first: 'a', second: 'b' }] }] }, {} as never);
    expect(data).toEqual({ applyList: [{ appid: 'wx1', status: 1, nickname: '', headimgurl: '', reason: '', createTime: '1536305096', applyUrl: 'u', categories: [{ first: 'a', second: 'b' }] }] });
  });

  test('plugin_list: null is not WeChat\'s answer (not an empty success)', () => {
    expect(codeOf(() => byName('getPluginList').readAnswer({ plugin_list: null }, {} as never))).toBe(ProjectCode.UNEXPECTED_ANSWER);
    expect(codeOf(() => byName('getPluginDevApplyList').readAnswer({ apply_list: null }, {} as never))).toBe(ProjectCode.UNEXPECTED_ANSWER);
  });

  const GOOD = { appid: 'wx1', status: 2, nickname: 'n', headimgurl: 'h' };
  test.each([
    ['null', null],
    ['a number', 7],
    ['a string', 'wx1'],
    ['a list', [GOOD]],
    ['no appid', { ...GOOD, appid: undefined }],
    ['a numeric appid', { ...GOOD, appid: 12345 }],
    ['status 99', { ...GOOD, status: 99 }],
    ['status "2"', { ...GOOD, status: '2' }],
    ['status 0', { ...GOOD, status: 0 }],
    ['a numeric nickname', { ...GOOD, nickname: 5 }],
    ['a null headimgurl', { ...GOOD, headimgurl: null }],
  ])('a plugin_list item that is %s is left out and counted; the others stay', (_name, bad) => {
    const data = byName('getPluginList').readAnswer({ plugin_list: [GOOD, bad, { ...GOOD, appid: 'wx2' }] }, {} as never);
    expect(data).toEqual({ pluginList: [GOOD, { ...GOOD, appid: 'wx2' }], droppedItems: 1 });
  });

  test.each([
    ['categories not a list', { categories: 'a' }],
    ['a category without second', { categories: [{ first: 'a' }] }],
    ['create_time a number', { create_time: 1536305096 }],
    ['reason an object', { reason: {} }],
  ])('an apply_list item with %s is left out and counted', (_name, bad) => {
    const data = byName('getPluginDevApplyList').readAnswer({ apply_list: [{ appid: 'wx1', status: 1, ...bad }] }, {} as never) as Record<string, unknown>;
    expect(data).toEqual({ applyList: [], droppedItems: 1 });
  });

  test('an apply_list item without categories reads as having none', () => {
    const data = byName('getPluginDevApplyList').readAnswer({ apply_list: [{ appid: 'wx1', status: 1 }] }, {} as never) as { applyList: Array<Record<string, unknown>> };
    expect(data.applyList[0]!.categories).toEqual([]);
  });

  test.each([
    ['a null category', [null]],
    ['a category without first', [{ second: 'b' }]],
    ['one bad category among good ones', [{ first: 'a', second: 'b' }, { first: 'a' }]],
  ])('an apply_list item with %s is left out and counted', (_name, categories) => {
    const data = byName('getPluginDevApplyList').readAnswer({ apply_list: [{ appid: 'wx1', status: 1, categories }] }, {} as never);
    expect(data).toEqual({ applyList: [], droppedItems: 1 });
  });

  test.each([
    [null, 'plugin_list is null, not a list'],
    ['x', 'plugin_list is a string, not a list'],
    [{}, 'plugin_list is an object, not a list'],
  ])('a plugin_list of %p is named in the refusal', (list, message) => {
    expect(() => byName('getPluginList').readAnswer({ plugin_list: list }, {} as never)).toThrow(message);
  });

  test('every status WeChat documents (1-4) is kept', () => {
    const list = [1, 2, 3, 4].map((status) => ({ ...GOOD, status }));
    expect(byName('getPluginList').readAnswer({ plugin_list: list }, {} as never)).toEqual({ pluginList: list });
  });

  test('write operations add nothing, whatever else the answer holds', () => {
    expect(byName('unbindPlugin').readAnswer({ anything: 1 }, {} as never)).toEqual({});
  });

  test('camelCase as wx-server-sdk converts: underscores before lowercase letters only, through arrays', () => {
    expect(camelCaseKeys({ a_b_c: [{ d_e: 1 }, [{ f_g: 2 }], 3], H_i: 1, j__k: 2, l_9: 3 })).toEqual({ aBC: [{ dE: 1 }, [{ fG: 2 }], 3], HI: 1, j_K: 2, l_9: 3 });
  });
});
