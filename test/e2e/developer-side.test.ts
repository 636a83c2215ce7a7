/**
 * The plugin developer's side (/wxa/devplugin) against the emulator's stand-in for
 * api.weixin.qq.com, with the plugin's own credentials: first the HTTPS client's four methods, then
 * the `wxplugin` command line as a user runs it (its dev-* commands, and the mini-program commands).
 * Both sides read and change one PluginWorld, so what one side does the other sees.
 */
import { OPERATIONS } from '../../src/core/operations';
import { ProjectCode } from '../../src/core/codes';
import { DEMO_MINI_PROGRAM_APPID, startEmulator, type Emulator } from '../../src/emulator/gateway';
import { DEMO_APP_SECRET, demoPluginSecret } from '../../src/emulator/https-api';
import { createHttpsClient, type HttpsClient } from '../../src/https/client';
import { CLOSED_PLUGIN, manage, OPEN_PLUGIN, SECOND_PLUGIN } from '../support/harness';
import { runTool, type ToolRun } from '../support/run-tool';

jest.setTimeout(60_000);

/** The plugin whose developer acts here, and the one mini-program the world describes. */
const PLUGIN = OPEN_PLUGIN;
const APPLICANT = DEMO_MINI_PROGRAM_APPID;
const REASON = '用于展示门店地图';
const NEVER_APPLIED = 'wxfeedfacefeedface';

/** The Demo Store's profile, as the developer's list shows it (camelCased). */
const APPLICANT_PROFILE = {
  appid: APPLICANT,
  nickname: 'Demo Store',
  headimgurl: 'https://mmbiz.qpic.cn/demo/store.png',
  categories: [{ first: '工具', second: '信息查询' }],
  applyUrl: 'https://mmbiz.qpic.cn/demo/store-code.png',
};

let emulator: Emulator;
beforeEach(async () => {
  emulator = await startEmulator();
});
afterEach(() => emulator.close());

/** The plugin developer's client: the plugin's own appid and secret. */
const developer = (plugin = PLUGIN): HttpsClient => createHttpsClient({ appid: plugin, secret: demoPluginSecret(plugin), baseUrl: emulator.url });
/** The mini-program's client. */
const miniProgram = (): HttpsClient => createHttpsClient({ appid: APPLICANT, secret: DEMO_APP_SECRET, baseUrl: emulator.url });

/** `n` distinct applicant appids: wx0000000000000001, ... */
const applicants = (n: number): string[] => Array.from({ length: n }, (_, index) => `wx${(index + 1).toString(16).padStart(16, '0')}`);

/** Applications made straight into the world, oldest first. */
function applied(appids: readonly string[], plugin = PLUGIN): void {
  for (const appid of appids) emulator.world.add({ miniProgramAppid: appid, pluginAppid: plugin, reason: `reason of ${appid}`, status: 'applying' });
}

const statusOf = (appid: string, plugin = PLUGIN) => emulator.world.find(appid, plugin)?.status;
const devCalls = () => emulator.calls.filter((call) => call.apiName === 'wxa/devplugin');

describe('the HTTPS client, with the plugin\'s credentials', () => {
  test('dev-list: exactly WeChat\'s body (page and num as numbers), and camelCased entries', async () => {
    const before = Math.floor(Date.now() / 1000);
    expect((await miniProgram().applyPlugin({ pluginAppid: PLUGIN, reason: REASON })).errCode).toBe(0);
    const result = await developer().getPluginDevApplyList({ page: 1, num: 10 });

    expect(result).toEqual({
      errCode: 0,
      errMsg: 'getPluginDevApplyList:ok',
      retryable: false,
      attempts: 1,
      applyList: [{ ...APPLICANT_PROFILE, status: 1, createTime: expect.stringMatching(/^\d{10}$/), reason: REASON }],
    });
    const createTime = Number(result.applyList![0]!.createTime);
    expect(createTime).toBeGreaterThanOrEqual(before);
    expect(createTime).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    expect(emulator.calls.at(-1)).toEqual({ surface: 'https', apiName: 'wxa/devplugin', fields: { action: 'dev_apply_list', page: 1, num: 10 }, signed: true });
  });

  test('dev-list with no request: page 1, num 20; with no applications: an empty list', async () => {
    const result = await developer().getPluginDevApplyList();
    expect(result).toEqual({ errCode: 0, errMsg: 'getPluginDevApplyList:ok', retryable: false, attempts: 1, applyList: [] });
    expect(emulator.calls).toEqual([{ surface: 'https', apiName: 'wxa/devplugin', fields: { action: 'dev_apply_list', page: 1, num: 20 }, signed: true }]);
  });

  test('the token says whose list: each plugin sees only the applications made to it', async () => {
    const [a, b] = applicants(2) as [string, string];
    applied([a], PLUGIN);
    applied([b], SECOND_PLUGIN);
    expect((await developer(PLUGIN).getPluginDevApplyList()).applyList?.map((entry) => entry.appid)).toEqual([a]);
    expect((await developer(SECOND_PLUGIN).getPluginDevApplyList()).applyList?.map((entry) => entry.appid)).toEqual([b]);
    // Another plugin's applicant is not in this plugin's list.
    expect(await developer(SECOND_PLUGIN).agreeDevPluginApplication({ appid: a })).toMatchObject({ errCode: 89242, attempts: 1 });
    expect(statusOf(a)).toBe('applying');
  });

  test('dev-agree: exactly WeChat\'s body; the application is approved, at the plugin\'s newest version', async () => {
    applied([APPLICANT]);
    expect(await developer().agreeDevPluginApplication({ appid: APPLICANT })).toEqual({ errCode: 0, errMsg: 'agreeDevPluginApplication:ok', retryable: false, attempts: 1 });
    expect(emulator.calls.at(-1)).toEqual({ surface: 'https', apiName: 'wxa/devplugin', fields: { action: 'dev_agree', appid: APPLICANT }, signed: true });
    expect(emulator.world.find(APPLICANT, PLUGIN)).toMatchObject({ status: 'approved', version: '2.2.46' });
  });

  test('dev-refuse: exactly WeChat\'s body, the reason included; the application is refused', async () => {
    applied([APPLICANT]);
    const reason = '暂不支持该类目';
    expect(await developer().refuseDevPluginApplication({ appid: APPLICANT, reason })).toEqual({ errCode: 0, errMsg: 'refuseDevPluginApplication:ok', retryable: false, attempts: 1 });
    expect(emulator.calls.at(-1)).toEqual({ surface: 'https', apiName: 'wxa/devplugin', fields: { action: 'dev_refuse', appid: APPLICANT, reason }, signed: true });
    expect(emulator.world.find(APPLICANT, PLUGIN)).toMatchObject({ status: 'refused', refusal: reason });
  });

  test('dev-delete of a refused application: exactly WeChat\'s body; it leaves both lists', async () => {
    applied([APPLICANT]);
    emulator.world.decide(APPLICANT, PLUGIN, 'refused');
    expect(await developer().deleteDevPluginApplication({ appid: APPLICANT })).toEqual({ errCode: 0, errMsg: 'deleteDevPluginApplication:ok', retryable: false, attempts: 1 });
    expect(emulator.calls.at(-1)).toEqual({ surface: 'https', apiName: 'wxa/devplugin', fields: { action: 'dev_delete', appid: APPLICANT }, signed: true });
    expect(statusOf(APPLICANT)).toBeUndefined();
    expect((await developer().getPluginDevApplyList()).applyList).toEqual([]);
  });

  test('one token for every call of a client', async () => {
    applied(applicants(2));
    const client = developer();
    await client.getPluginDevApplyList();
    await client.agreeDevPluginApplication({ appid: applicants(1)[0]! });
    await client.refuseDevPluginApplication({ appid: applicants(2)[1]!, reason: 'no' });
    expect(emulator.https.tokenRequests).toEqual({ count: 1, forced: 0 });
  });
});

describe('codes that come from the state of the application', () => {
  const message = (code: number) => ({ 89240: /only pending applications can be approved or refused/, 89241: /only refused or expired applications can be deleted/, 89242: /the appid is not in the application list/, 89243: /pending applications cannot be deleted/ })[code as 89240]!;

  test.each([
    ['agree', 'approved'],
    ['agree', 'refused'],
    ['refuse', 'approved'],
    ['refuse', 'refused'],
  ] as const)('89240: %s of an application that is %s; it stays so', async (decision, status) => {
    applied([APPLICANT]);
    emulator.world.decide(APPLICANT, PLUGIN, status);
    const client = developer();
    const result = decision === 'agree' ? await client.agreeDevPluginApplication({ appid: APPLICANT }) : await client.refuseDevPluginApplication({ appid: APPLICANT, reason: 'no' });
    expect(result).toMatchObject({ errCode: 89240, retryable: false, attempts: 1 });
    expect(result.errMsg).toMatch(message(89240));
    expect(result.errMsg).toContain('只有“待确认”的申请可操作通过/拒绝');
    expect(statusOf(APPLICANT)).toBe(status);
  });

  test('89241: delete of an approved application; it stays', async () => {
    applied([APPLICANT]);
    emulator.world.decide(APPLICANT, PLUGIN, 'approved');
    const result = await developer().deleteDevPluginApplication({ appid: APPLICANT });
    expect(result).toMatchObject({ errCode: 89241, retryable: false, attempts: 1 });
    expect(result.errMsg).toMatch(message(89241));
    expect(statusOf(APPLICANT)).toBe('approved');
  });

  test('89243: delete of a pending application; it stays', async () => {
    applied([APPLICANT]);
    const result = await developer().deleteDevPluginApplication({ appid: APPLICANT });
    expect(result).toMatchObject({ errCode: 89243, retryable: false, attempts: 1 });
    expect(result.errMsg).toMatch(message(89243));
    expect(statusOf(APPLICANT)).toBe('applying');
  });

  test.each(['agree', 'refuse', 'delete'] as const)('89242: %s of an appid that never applied', async (decision) => {
    applied([APPLICANT]);
    const client = developer();
    const result =
      decision === 'agree'
        ? await client.agreeDevPluginApplication({ appid: NEVER_APPLIED })
        : decision === 'refuse'
          ? await client.refuseDevPluginApplication({ appid: NEVER_APPLIED, reason: 'no' })
          : await client.deleteDevPluginApplication({ appid: NEVER_APPLIED });
    expect(result).toMatchObject({ errCode: 89242, retryable: false, attempts: 1 });
    expect(result.errMsg).toMatch(message(89242));
    expect(statusOf(APPLICANT)).toBe('applying');
  });

  test('an agree whose answer was lost after WeChat approved: the retry meets 89240, and errMsg says why', async () => {
    applied([APPLICANT]);
    emulator.faults.add({ kind: 'drop', afterApplying: true });
    const result = await developer().agreeDevPluginApplication({ appid: APPLICANT });
    expect(result).toMatchObject({ errCode: 89240, attempts: 2 });
    expect(result.errMsg).toContain('an earlier attempt in this call may have been the one that approved it');
    expect(statusOf(APPLICANT)).toBe('approved');
  });

  test('a delete whose answer was lost after WeChat deleted: the retry meets 89242, and errMsg says why', async () => {
    applied([APPLICANT]);
    emulator.world.decide(APPLICANT, PLUGIN, 'refused');
    emulator.faults.add({ kind: 'drop', afterApplying: true });
    const result = await developer().deleteDevPluginApplication({ appid: APPLICANT });
    expect(result).toMatchObject({ errCode: 89242, attempts: 2 });
    expect(result.errMsg).toContain('an earlier attempt in this call may have been the one that deleted it');
  });

  test('-1 once on dev-list, then the list', async () => {
    applied([APPLICANT]);
    emulator.faults.add({ kind: 'errcode', errcode: -1 });
    const result = await developer().getPluginDevApplyList();
    expect(result).toMatchObject({ errCode: 0, attempts: 2 });
    expect(result.applyList).toHaveLength(1);
  });
});

describe('expiry: a pending application past world.expiryMs', () => {
  test('is status 4 in both lists, can no longer be approved, and can then be deleted', async () => {
    applied([APPLICANT]);
    emulator.world.advance(emulator.world.expiryMs - 60_000);
    expect((await developer().getPluginDevApplyList()).applyList).toEqual([expect.objectContaining({ appid: APPLICANT, status: 1 })]);

    emulator.world.advance(60_000);
    expect((await developer().getPluginDevApplyList()).applyList).toEqual([expect.objectContaining({ appid: APPLICANT, status: 4 })]);
    // The mini-program's own list (through the committed pluginManager function) says the same.
    const listed = await manage(emulator, { event: { action: 'list' } });
    expect(listed.result.pluginList).toEqual([expect.objectContaining({ appid: PLUGIN, status: 4 })]);

    expect((await developer().agreeDevPluginApplication({ appid: APPLICANT })).errCode).toBe(89240);
    expect((await developer().deleteDevPluginApplication({ appid: APPLICANT })).errCode).toBe(0);
    expect((await developer().getPluginDevApplyList()).applyList).toEqual([]);
    expect(statusOf(APPLICANT)).toBeUndefined();
  });

  test('an expired application does not hold a place: the mini-program may apply again, pending anew', async () => {
    applied([APPLICANT]);
    emulator.world.advance(emulator.world.expiryMs + 1);
    expect(statusOf(APPLICANT)).toBe('expired');
    expect((await miniProgram().applyPlugin({ pluginAppid: PLUGIN })).errCode).toBe(0);
    expect((await developer().getPluginDevApplyList()).applyList).toEqual([expect.objectContaining({ appid: APPLICANT, status: 1 })]);
  });
});

describe('paging', () => {
  test('newest first, num at a time; a page past the end is empty', async () => {
    const appids = applicants(5);
    applied(appids);
    const client = developer();
    const page = async (n: number, num = 2) => {
      const result = await client.getPluginDevApplyList({ page: n, num });
      expect(result).toMatchObject({ errCode: 0, attempts: 1 });
      return result.applyList?.map((entry) => entry.appid);
    };
    expect(await page(1)).toEqual([appids[4], appids[3]]);
    expect(await page(2)).toEqual([appids[2], appids[1]]);
    expect(await page(3)).toEqual([appids[0]]);
    expect(await page(4)).toEqual([]);
    expect(await page(100_000, 100)).toEqual([]);
    expect(await page(1, 100)).toEqual([...appids].reverse());
    expect(devCalls().map((call) => [call.fields.page, call.fields.num])).toEqual([[1, 2], [2, 2], [3, 2], [4, 2], [100_000, 100], [1, 100]]);
  });
});

describe('bad input sends nothing, not even a token request', () => {
  const cases: ReadonlyArray<readonly [string, (client: HttpsClient) => Promise<{ errCode: number; attempts: number; errMsg: string }>, number, RegExp]> = [
    ['agree without appid', (c) => c.agreeDevPluginApplication({} as never), ProjectCode.INVALID_APPID, /^agreeDevPluginApplication:fail appid is required/],
    ['agree with "WX0"', (c) => c.agreeDevPluginApplication({ appid: 'WX0' }), ProjectCode.INVALID_APPID, /appid must be "wx" followed by 16 lowercase hex digits/],
    ['agree with capitals', (c) => c.agreeDevPluginApplication({ appid: APPLICANT.toUpperCase() }), ProjectCode.INVALID_APPID, /check for capitals or spaces/],
    ['delete with a number', (c) => c.deleteDevPluginApplication({ appid: 42 as never }), ProjectCode.INVALID_APPID, /^deleteDevPluginApplication:fail appid must be a string/],
    ['refuse with a bad appid', (c) => c.refuseDevPluginApplication({ appid: 'wx123', reason: 'no' }), ProjectCode.INVALID_APPID, /^refuseDevPluginApplication:fail appid/],
    ['refuse with an empty reason', (c) => c.refuseDevPluginApplication({ appid: APPLICANT, reason: '' }), ProjectCode.INVALID_TEXT, /reason must not be empty/],
    ['refuse with a blank reason', (c) => c.refuseDevPluginApplication({ appid: APPLICANT, reason: '   ' }), ProjectCode.INVALID_TEXT, /reason must not be empty/],
    ['refuse without a reason', (c) => c.refuseDevPluginApplication({ appid: APPLICANT } as never), ProjectCode.INVALID_TEXT, /reason is required/],
    ['refuse with a reason too long', (c) => c.refuseDevPluginApplication({ appid: APPLICANT, reason: '拒'.repeat(501) }), ProjectCode.INVALID_TEXT, /at most 500/],
    ['dev-list with num 0', (c) => c.getPluginDevApplyList({ num: 0 }), ProjectCode.INVALID_NUMBER, /num must be a whole number from 1 to 100, got 0/],
    ['dev-list with num 101', (c) => c.getPluginDevApplyList({ num: 101 }), ProjectCode.INVALID_NUMBER, /num must be a whole number from 1 to 100, got 101/],
    ['dev-list with num 1.5', (c) => c.getPluginDevApplyList({ num: 1.5 }), ProjectCode.INVALID_NUMBER, /num must be/],
    ['dev-list with num "5"', (c) => c.getPluginDevApplyList({ num: '5' as never }), ProjectCode.INVALID_NUMBER, /num must be a whole number from 1 to 100, got "5"/],
    ['dev-list with page 0', (c) => c.getPluginDevApplyList({ page: 0 }), ProjectCode.INVALID_NUMBER, /page must be a whole number from 1/],
    ['dev-list with page -1', (c) => c.getPluginDevApplyList({ page: -1 }), ProjectCode.INVALID_NUMBER, /page must be/],
    ['dev-list that is not an object', (c) => c.getPluginDevApplyList('page 1' as never), ProjectCode.INVALID_EVENT, /^getPluginDevApplyList:fail /],
  ];

  test.each(cases)('%s', async (_name, call, errCode, errMsg) => {
    applied([APPLICANT]);
    const result = await call(developer());
    expect(result).toMatchObject({ errCode, retryable: false, attempts: 0 });
    expect(result.errMsg).toMatch(errMsg);
    expect(emulator.calls).toEqual([]);
    expect(emulator.https.tokenRequests.count).toBe(0);
    expect(statusOf(APPLICANT)).toBe('applying');
  });
});

// ---------------------------------------------------------------------------------------------
// The command line.

function wxplugin(args: readonly string[], env: Readonly<Record<string, string>>): Promise<ToolRun> {
  return runTool('wxplugin.js', args, env);
}

const pluginEnv = (plugin = PLUGIN) => ({ WECHAT_API_BASE_URL: emulator.url, WECHAT_APPID: plugin, WECHAT_APPSECRET: demoPluginSecret(plugin) });
const miniProgramEnv = () => ({ WECHAT_API_BASE_URL: emulator.url, WECHAT_APPID: APPLICANT, WECHAT_APPSECRET: DEMO_APP_SECRET });

/** Exit status and the JSON result it printed (stdout is not a terminal here). */
async function json(args: readonly string[], env: Readonly<Record<string, string>>): Promise<{ code: number | null; result: Record<string, unknown>; stderr: string }> {
  const run = await wxplugin(args, env);
  let result: Record<string, unknown>;
  try {
    result = JSON.parse(run.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`wxplugin ${args.join(' ')} printed no JSON (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
  return { code: run.code, result, stderr: run.stderr };
}

function expectNoSecrets(...texts: string[]) {
  for (const text of texts) {
    expect(text).not.toContain(demoPluginSecret(PLUGIN));
    expect(text).not.toContain(DEMO_APP_SECRET);
    expect(text).not.toMatch(/emu_[0-9a-f]{8}/);
  }
}

describe('wxplugin: the developer\'s commands', () => {
  test('dev-list: exit 0, the result as JSON with camelCased entries', async () => {
    expect((await miniProgram().applyPlugin({ pluginAppid: PLUGIN, reason: REASON })).errCode).toBe(0);
    const { code, result, stderr } = await json(['dev-list'], pluginEnv());
    expect(code).toBe(0);
    expect(result).toEqual({
      errCode: 0,
      errMsg: 'getPluginDevApplyList:ok',
      retryable: false,
      attempts: 1,
      applyList: [{ ...APPLICANT_PROFILE, status: 1, createTime: expect.stringMatching(/^\d{10}$/), reason: REASON }],
    });
    expect(devCalls()).toEqual([{ surface: 'https', apiName: 'wxa/devplugin', fields: { action: 'dev_apply_list', page: 1, num: 20 }, signed: true }]);
    expectNoSecrets(JSON.stringify(result), stderr);
  });

  test('dev-list --page 2 --num 1: the numbers reach WeChat as numbers', async () => {
    applied(applicants(3));
    const { code, result } = await json(['dev-list', '--page', '2', '--num', '1'], pluginEnv());
    expect(code).toBe(0);
    expect((result.applyList as Array<{ appid: string }>).map((entry) => entry.appid)).toEqual([applicants(3)[1]]);
    expect(devCalls()[0]!.fields).toEqual({ action: 'dev_apply_list', page: 2, num: 1 });
  });

  test('dev-agree --appid: exit 0, approved', async () => {
    applied([APPLICANT]);
    const { code, result } = await json(['dev-agree', '--appid', APPLICANT], pluginEnv());
    expect(code).toBe(0);
    expect(result).toEqual({ errCode: 0, errMsg: 'agreeDevPluginApplication:ok', retryable: false, attempts: 1 });
    expect(devCalls()[0]!.fields).toEqual({ action: 'dev_agree', appid: APPLICANT });
    expect(statusOf(APPLICANT)).toBe('approved');
  });

  test('dev-refuse --reason: exit 0, refused with that reason (even one starting with "-")', async () => {
    applied([APPLICANT]);
    const reason = '-- 类目不符，见说明';
    const { code, result } = await json(['dev-refuse', '--appid', APPLICANT, '--reason', reason], pluginEnv());
    expect(code).toBe(0);
    expect(result.errCode).toBe(0);
    expect(devCalls()[0]!.fields).toEqual({ action: 'dev_refuse', appid: APPLICANT, reason });
    expect(emulator.world.find(APPLICANT, PLUGIN)).toMatchObject({ status: 'refused', refusal: reason });
  });

  test('dev-delete: exit 0 for a refused one; exit 1 (89243) for a pending one', async () => {
    const [refused, pending] = applicants(2) as [string, string];
    applied([refused, pending]);
    emulator.world.decide(refused, PLUGIN, 'refused');
    const deleted = await json(['dev-delete', '--appid', refused], pluginEnv());
    expect(deleted.code).toBe(0);
    expect(deleted.result.errCode).toBe(0);
    expect(statusOf(refused)).toBeUndefined();

    const kept = await json(['dev-delete', '--appid', pending], pluginEnv());
    expect(kept.code).toBe(1);
    expect(kept.result).toMatchObject({ errCode: 89243, attempts: 1 });
    expect(statusOf(pending)).toBe('applying');
  });

  test('a WeChat refusal exits 1 with the result: 89242 for an appid that never applied', async () => {
    const { code, result } = await json(['dev-agree', '--appid', NEVER_APPLIED], pluginEnv());
    expect(code).toBe(1);
    expect(result).toMatchObject({ errCode: 89242, retryable: false, attempts: 1 });
    expect(result.errMsg).toMatch(/^agreeDevPluginApplication:fail /);
  });

  test('a wrong secret exits 1 with WeChat\'s 40125, and nothing reaches /wxa/devplugin', async () => {
    const { code, result, stderr } = await json(['dev-list'], { ...pluginEnv(), WECHAT_APPSECRET: 'not-the-secret' });
    expect(code).toBe(1);
    expect(result).toMatchObject({ errCode: 40125, retryable: false });
    expect(devCalls()).toEqual([]);
    expect(`${JSON.stringify(result)}${stderr}`).not.toContain('not-the-secret');
  });

  test('dev-list --all --num 3 over several pages, until an empty one (a short page may be a cap WeChat does not document)', async () => {
    const appids = applicants(7);
    applied(appids);
    const { code, result } = await json(['dev-list', '--all', '--num', '3'], pluginEnv());
    expect(code).toBe(0);
    expect(result).toMatchObject({ errCode: 0, errMsg: 'getPluginDevApplyList:ok', attempts: 4, pages: 4 });
    expect((result.applyList as Array<{ appid: string }>).map((entry) => entry.appid)).toEqual([...appids].reverse());
    expect(devCalls().map((call) => call.fields)).toEqual([1, 2, 3, 4].map((page) => ({ action: 'dev_apply_list', page, num: 3 })));
    expect(emulator.https.tokenRequests.count).toBe(1);
  });

  test('dev-list --all when the last page is full: one more, empty, page ends it', async () => {
    const appids = applicants(6);
    applied(appids);
    const { code, result } = await json(['dev-list', '--all', '--num', '3'], pluginEnv());
    expect(code).toBe(0);
    expect(result).toMatchObject({ errCode: 0, pages: 3, attempts: 3 });
    expect(result.applyList).toHaveLength(6);
    expect(devCalls().map((call) => call.fields.page)).toEqual([1, 2, 3]);
  });

  test('dev-list --all without --num: pages of 100', async () => {
    const appids = applicants(150);
    applied(appids);
    const { code, result } = await json(['dev-list', '--all'], pluginEnv());
    expect(code).toBe(0);
    expect(result).toMatchObject({ errCode: 0, pages: 3 });
    expect((result.applyList as Array<{ appid: string }>).map((entry) => entry.appid)).toEqual([...appids].reverse());
    expect(devCalls().map((call) => call.fields)).toEqual([
      { action: 'dev_apply_list', page: 1, num: 100 },
      { action: 'dev_apply_list', page: 2, num: 100 },
      { action: 'dev_apply_list', page: 3, num: 100 },
    ]);
  });

  test('dev-list --all stops after 50 pages, whatever happens, and says the list may go on', async () => {
    applied(applicants(51));
    const { code, result } = await json(['dev-list', '--all', '--num', '1'], pluginEnv());
    expect(code).toBe(0);
    expect(result).toMatchObject({ errCode: 0, pages: 50, attempts: 50, truncated: true });
    expect(result.applyList).toHaveLength(50);
    expect(devCalls()).toHaveLength(50);
  });

  test('dev-list --all stops at the first failure and exits 1', async () => {
    applied(applicants(5));
    emulator.faults.add({ kind: 'errcode', errcode: 89242 });
    const { code, result } = await json(['dev-list', '--all', '--num', '2'], pluginEnv());
    expect(code).toBe(1);
    expect(result).toMatchObject({ errCode: 89242 });
    expect(result).not.toHaveProperty('applyList');
    expect(devCalls()).toHaveLength(1);
  });

  describe('bad arguments or configuration: exit 2, one line on stderr, nothing sent', () => {
    test.each([
      ['--appid WX0', ['dev-agree', '--appid', 'WX0'], /^wxplugin dev-agree: --appid must be "wx" followed by 16 lowercase hex digits/],
      ['no --appid', ['dev-agree'], /^wxplugin dev-agree: --appid is required/],
      ['--num -1', ['dev-list', '--num', '-1'], /^wxplugin dev-list: --num must be a whole number from 1 to 100, got "-1"/],
      ['--num=0', ['dev-list', '--num=0'], /^wxplugin dev-list: --num must be a whole number from 1 to 100, got 0/],
      ['--num 101', ['dev-list', '--num', '101'], /--num must be a whole number from 1 to 100, got 101/],
      ['--num 1e3', ['dev-list', '--num', '1e3'], /--num must be a whole number/],
      ['--page 0', ['dev-list', '--page', '0'], /^wxplugin dev-list: --page must be a whole number from 1/],
      ['--all --num 0', ['dev-list', '--all', '--num', '0'], /--num must be/],
      ['an unknown option', ['dev-list', '--bogus'], /^wxplugin dev-list: unknown option --bogus/],
      ['an option of another command', ['dev-agree', '--appid', APPLICANT, '--reason', 'x'], /unknown option --reason/],
      ['--all on another command', ['dev-agree', '--appid', APPLICANT, '--all'], /unknown option --all/],
      ['a positional argument', ['dev-agree', APPLICANT], /unexpected argument/],
      ['dev-refuse without --reason', ['dev-refuse', '--appid', APPLICANT], /^wxplugin dev-refuse: --reason is required/],
      ['dev-refuse with a blank --reason', ['dev-refuse', '--appid', APPLICANT, '--reason', '  '], /--reason must not be empty/],
      ['--reason with no value', ['dev-refuse', '--appid', APPLICANT, '--reason'], /--reason needs a value/],
      ['a bad --timeout', ['dev-list', '--timeout', 'soon'], /--timeout takes/],
      ['an unknown command', ['dev-approve', '--appid', APPLICANT], /^wxplugin: unknown command "dev-approve"/],
    ])('%s', async (_name, args, message) => {
      applied([APPLICANT]);
      const { code, stdout, stderr } = await wxplugin(args, pluginEnv());
      expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
      expect(stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(message);
      expect(stderr).toContain('--help');
      expect(emulator.calls).toEqual([]);
      expect(emulator.https.tokenRequests.count).toBe(0);
      expect(statusOf(APPLICANT)).toBe('applying');
    });

    test.each([
      ['WECHAT_API_BASE_URL=ftp://x', () => ({ ...pluginEnv(), WECHAT_API_BASE_URL: 'ftp://x' }), /WECHAT_API_BASE_URL uses ftp, not http or https/],
      ['WECHAT_API_BASE_URL with ?q', () => ({ ...pluginEnv(), WECHAT_API_BASE_URL: `${emulator.url}?q=1` }), /WECHAT_API_BASE_URL carries a query/],
      ['WECHAT_API_BASE_URL with user:pass@', () => ({ ...pluginEnv(), WECHAT_API_BASE_URL: emulator.url.replace('://', '://user:pass@') }), /WECHAT_API_BASE_URL carries credentials/],
      ['WECHAT_API_BASE_URL with a fragment', () => ({ ...pluginEnv(), WECHAT_API_BASE_URL: `${emulator.url}#x` }), /WECHAT_API_BASE_URL carries a fragment/],
      ['WECHAT_API_BASE_URL not a URL', () => ({ ...pluginEnv(), WECHAT_API_BASE_URL: 'api.weixin.qq.com' }), /WECHAT_API_BASE_URL is not a URL/],
      ['only WECHAT_APPID', () => ({ WECHAT_API_BASE_URL: emulator.url, WECHAT_APPID: PLUGIN }), /WECHAT_APPID is set but WECHAT_APPSECRET is not/],
      ['only WECHAT_APPSECRET', () => ({ WECHAT_API_BASE_URL: emulator.url, WECHAT_APPSECRET: demoPluginSecret(PLUGIN) }), /WECHAT_APPSECRET is set but WECHAT_APPID is not/],
      ['no credentials at all', () => ({ WECHAT_API_BASE_URL: emulator.url }), /no credentials: set WECHAT_ACCESS_TOKEN, or WECHAT_APPID and WECHAT_APPSECRET/],
      ['blank credentials', () => ({ WECHAT_API_BASE_URL: emulator.url, WECHAT_APPID: ' ', WECHAT_APPSECRET: ' ' }), /no credentials/],
    ])('%s', async (_name, env, message) => {
      const { code, stdout, stderr } = await wxplugin(['dev-agree', '--appid', APPLICANT], env());
      expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
      expect(stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(message);
      expect(stderr).not.toContain('pass@');
      expectNoSecrets(stderr);
      expect(emulator.calls).toEqual([]);
      expect(emulator.https.tokenRequests.count).toBe(0);
    });
  });

  describe('--help', () => {
    test('for the tool: every command, exit 0, nothing sent', async () => {
      const { code, stdout, stderr } = await wxplugin(['--help'], pluginEnv());
      expect(code).toBe(0);
      expect(stderr).toBe('');
      for (const command of OPERATIONS.map((operation) => operation.action)) expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
      expect(stdout).toContain('WECHAT_APPSECRET');
      expect(stdout).toContain("For dev-* commands the account is the plugin's own");
      expect(emulator.calls).toEqual([]);
    });

    test('no command at all: the help, exit 2', async () => {
      const { code, stdout } = await wxplugin([], pluginEnv());
      expect(code).toBe(2);
      expect(stdout).toContain('Usage: wxplugin <command> [options]');
    });

    test('for dev-refuse: its options, --reason required', async () => {
      const { code, stdout } = await wxplugin(['dev-refuse', '--help'], {});
      expect(code).toBe(0);
      expect(stdout).toContain('Usage: wxplugin dev-refuse [options]');
      expect(stdout).toMatch(/--appid ID .*\(required\)/);
      expect(stdout).toMatch(/--reason TEXT .*\(required[,)]/);
      expect(stdout).toContain('POST /wxa/devplugin');
    });

    test('for dev-list (-h): --page, --num with their defaults, and --all', async () => {
      const { code, stdout } = await wxplugin(['dev-list', '-h'], {});
      expect(code).toBe(0);
      expect(stdout).toMatch(/--page N .*\(default 1\)/);
      expect(stdout).toMatch(/--num N .*1 to 100.*\(default 20\)/);
      expect(stdout).toMatch(/--all /);
    });

    test('--help wins over bad arguments and missing credentials', async () => {
      const { code, stdout } = await wxplugin(['dev-agree', '--appid', 'WX0', '--help'], {});
      expect(code).toBe(0);
      expect(stdout).toContain('dev-agree');
    });
  });
});

describe('wxplugin: the mini-program\'s commands', () => {
  test('apply: exit 0; applying again meets 89237 (already holds), also exit 0', async () => {
    const first = await json(['apply', '--plugin-appid', PLUGIN, '--reason', REASON], miniProgramEnv());
    expect(first.code).toBe(0);
    expect(first.result).toEqual({ errCode: 0, errMsg: 'applyPlugin:ok', retryable: false, attempts: 1 });
    expect(emulator.calls[0]).toEqual({ surface: 'https', apiName: 'wxa/plugin', fields: { action: 'apply', plugin_appid: PLUGIN, reason: REASON }, signed: true });

    const again = await json(['apply', '--plugin-appid', PLUGIN], miniProgramEnv());
    expect(again.code).toBe(0);
    expect(again.result).toMatchObject({ errCode: 89237, attempts: 1 });
    expect(emulator.world.applicationsOf(APPLICANT)).toHaveLength(1);
  });

  test('apply to a closed plugin: exit 1 (89236)', async () => {
    const { code, result } = await json(['apply', '--plugin-appid', CLOSED_PLUGIN], miniProgramEnv());
    expect(code).toBe(1);
    expect(result.errCode).toBe(89236);
  });

  test('list: exit 0, pluginList as JSON', async () => {
    applied([APPLICANT]);
    const { code, result } = await json(['list'], miniProgramEnv());
    expect(code).toBe(0);
    expect(result).toEqual({
      errCode: 0,
      errMsg: 'getPluginList:ok',
      retryable: false,
      attempts: 1,
      pluginList: [{ appid: PLUGIN, status: 1, nickname: 'Demo Maps', headimgurl: 'https://mmbiz.qpic.cn/demo/maps.png' }],
    });
    expect(emulator.calls.at(-1)).toEqual({ surface: 'https', apiName: 'wxa/plugin', fields: { action: 'list' }, signed: true });
  });

  test('update: exit 1 (89244) while not approved, exit 0 once approved, exit 2 for "v2"', async () => {
    applied([APPLICANT]);
    const early = await json(['update', '--plugin-appid', PLUGIN, '--user-version', '1.2.0'], miniProgramEnv());
    expect(early.code).toBe(1);
    expect(early.result.errCode).toBe(89244);

    emulator.world.decide(APPLICANT, PLUGIN, 'approved');
    const updated = await json(['update', '--plugin-appid', PLUGIN, '--user-version', '1.2.0'], miniProgramEnv());
    expect(updated.code).toBe(0);
    expect(updated.result).toEqual({ errCode: 0, errMsg: 'updatePlugin:ok', retryable: false, attempts: 1 });
    expect(emulator.calls.at(-1)!.fields).toEqual({ action: 'update', plugin_appid: PLUGIN, user_version: '1.2.0' });
    expect(emulator.world.find(APPLICANT, PLUGIN)?.version).toBe('1.2.0');

    const calls = emulator.calls.length;
    const bad = await wxplugin(['update', '--plugin-appid', PLUGIN, '--user-version', 'v2'], miniProgramEnv());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^wxplugin update: --user-version must be a version of digits and dots/);
    expect(emulator.calls).toHaveLength(calls);
  });

  test('unbind: exit 0, then exit 1 (89244) when there is nothing left to remove', async () => {
    applied([APPLICANT]);
    emulator.world.decide(APPLICANT, PLUGIN, 'approved');
    const removed = await json(['unbind', '--plugin-appid', PLUGIN], miniProgramEnv());
    expect(removed.code).toBe(0);
    expect(removed.result).toEqual({ errCode: 0, errMsg: 'unbindPlugin:ok', retryable: false, attempts: 1 });
    expect(statusOf(APPLICANT)).toBeUndefined();

    const again = await json(['unbind', '--plugin-appid', PLUGIN], miniProgramEnv());
    expect(again.code).toBe(1);
    expect(again.result.errCode).toBe(89244);
  });
});
