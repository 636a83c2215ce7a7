/**
 * Answers WeChat never sends, met end to end: the built `wxplugin` in child processes against the
 * loopback emulator answering the listing (or a plugin call) as a broken upstream would. A listing
 * of the wrong shape is a failed listing (exit 1), never "no authorisers"; an appid from the listing
 * that is not one is recorded as such and never called; an errcode outside WeChat's range on a
 * plugin call ends that authoriser as failed instead of running it again forever.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProjectCode } from '../../src/core/codes';
import { authorizerAppid } from '../../src/emulator/component-world';
import { startEmulator, type Emulator } from '../../src/emulator/gateway';
import { componentEnv, jsonLines } from '../support/batch';
import { runTool } from '../support/run-tool';

jest.setTimeout(300_000);

const OPEN_PLUGIN = 'wx1111111111111111';
let work: string;
let emulator: Emulator | undefined;
/** What api_get_authorizer_list answers instead of WeChat's page, when set. */
let listing: ((normal: () => Record<string, unknown>) => unknown) | undefined;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'wxplugin-hostile-'));
  emulator = await startEmulator({
    https: { component: { authorizers: 4, withoutPluginManagement: 0, componentAnswer: (api, _fields, normal) => (api === 'api_get_authorizer_list' && listing ? listing(normal) : undefined) } },
  });
});
afterAll(async () => {
  await emulator?.close();
  rmSync(work, { recursive: true, force: true });
});
afterEach(() => (listing = undefined));

describe('a listing answer of the wrong shape is a failed listing, exit 1', () => {
  test.each([['{}', {}], ['{"errcode":"0"}', { errcode: '0' }], ['{"errcode":"40001"}', { errcode: '40001' }]])('wxplugin authorizers, listing answering %s', async (_shown, answer) => {
    listing = () => answer;
    const run = await runTool('wxplugin.js', ['authorizers', '--json'], componentEnv(emulator!.url));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/api_get_authorizer_list answered|not a whole number/);
    expect(jsonLines(run.stdout).pop()).toMatchObject({ total: 0, errCode: ProjectCode.UNEXPECTED_ANSWER });
  });

  test('batch apply --all, listing answering {"errcode":"0"}: exit 1, the listing failed', async () => {
    listing = () => ({ errcode: '0' });
    const run = await runTool('wxplugin.js', ['batch', 'apply', '--plugin-appid', OPEN_PLUGIN, '--all', '--store', join(work, 'store-shape')], componentEnv(emulator!.url));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/listing the authorisers failed/);
  });
});

test('a listing that repeats its page with total_count 1e12 ends as failed within a few requests: exit 1', async () => {
  let pages = 0;
  let first: Record<string, unknown> | undefined;
  listing = (normal) => {
    pages += 1;
    first ??= normal();
    return { ...first, total_count: 1e12 };
  };
  const run = await runTool('wxplugin.js', ['authorizers', '--json'], componentEnv(emulator!.url));
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/repeated the page at offset 0/);
  expect(pages).toBe(2);
});

test('an appid from the listing that is not one: recorded as failed -930002, never called; the others done', async () => {
  const bad = 'wx-not\u001b[31m-an-appid';
  listing = (normal) => {
    const page = normal() as { list: Array<Record<string, unknown>> };
    page.list[1] = { ...page.list[1], authorizer_appid: bad };
    return page;
  };
  const component = emulator!.https.component!;
  const before = component.calls().length;
  const run = await runTool('wxplugin.js', ['batch', 'apply', '--plugin-appid', OPEN_PLUGIN, '--all', '--json', '--store', join(work, 'store-appid')], componentEnv(emulator!.url));
  const lines = jsonLines(run.stdout);
  const summary = lines.pop()!;
  expect(summary).toMatchObject({ total: 4, failed: 1 });
  expect(lines.find((line) => line.outcome === 'failed')).toMatchObject({ errCode: ProjectCode.INVALID_APPID });
  expect(run.code).toBe(1);
  const called = component.calls().slice(before).map((call) => call.authorizer);
  expect(called.sort()).toEqual([0, 2, 3].map(authorizerAppid));
});

test('{"errcode":2147483648} on a plugin call: that authoriser ends failed with -930203 at once, never stored as WeChat\'s code', async () => {
  emulator!.faults.add({ kind: 'errcode', errcode: 2147483648, times: 1 });
  const started = Date.now();
  const run = await runTool('wxplugin.js', ['batch', 'apply', '--plugin-appid', 'wx2222222222222222', '--all', '--json', '--concurrency', '1', '--store', join(work, 'store-int4')], componentEnv(emulator!.url));
  const lines = jsonLines(run.stdout);
  expect(lines.pop()).toMatchObject({ total: 4, failed: 1 });
  expect(lines.filter((line) => line.outcome === 'failed')).toEqual([expect.objectContaining({ errCode: ProjectCode.UNEXPECTED_ANSWER })]);
  expect(run.code).toBe(1);
  expect(Date.now() - started).toBeLessThan(120_000);
});

test('an outcome the store cannot hold (a NUL in WeChat\'s errmsg): recorded as failed with the reason, not run again forever', async () => {
  emulator!.faults.add({ kind: 'errcode', errcode: 99999, errmsg: 'odd\u0000answer', times: 1 });
  const component = emulator!.https.component!;
  const before = component.calls().length;
  const run = await runTool('wxplugin.js', ['batch', 'list', '--all', '--json', '--concurrency', '1', '--store', join(work, 'store-nul')], componentEnv(emulator!.url));
  const lines = jsonLines(run.stdout);
  expect(lines.pop()).toMatchObject({ total: 4, succeeded: 3, failed: 1 });
  const failed = lines.filter((line) => line.outcome === 'failed');
  expect(failed).toEqual([expect.objectContaining({ errCode: ProjectCode.TOKEN_STORE_FAILED })]);
  expect(String(failed[0]!.errMsg)).toMatch(/the outcome \(99999\) could not be recorded/);
  expect(run.code).toBe(1);
  // Called once each: the one whose outcome could not be recorded was not called again.
  expect(component.calls().length - before).toBe(4);
});
