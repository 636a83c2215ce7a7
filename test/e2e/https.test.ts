/**
 * The HTTPS form against the emulator's stand-in for api.weixin.qq.com, over real loopback
 * sockets with the client's default transport (Node's http): the library, then the command line as a user runs it.
 */
import { ProjectCode } from '../../src/core/codes';
import { DEMO_MINI_PROGRAM_APPID, startEmulator, type Emulator } from '../../src/emulator/gateway';
import { DEMO_APP_SECRET } from '../../src/emulator/https-api';
import { DEMO_PLUGINS, PluginWorld } from '../../src/emulator/plugin-world';
import { createHttpsClient, type HttpsClientOptions } from '../../src/https/client';
import { CLOSED_PLUGIN, OPEN_PLUGIN, SECOND_PLUGIN, UNKNOWN_PLUGIN } from '../support/harness';
import { runTool } from '../support/run-tool';

jest.setTimeout(30_000);

let emulator: Emulator;
let logs: string[];
beforeEach(async () => {
  emulator = await startEmulator();
  logs = [];
});
afterEach(() => emulator.close());

const credentials = (): HttpsClientOptions => ({ appid: DEMO_MINI_PROGRAM_APPID, secret: DEMO_APP_SECRET, baseUrl: emulator.url, log: (line) => logs.push(line) });
const request = { pluginAppid: OPEN_PLUGIN, reason: '用于展示门店地图' };

function expectNoSecrets(...texts: string[]) {
  for (const text of texts) {
    expect(text).not.toContain(DEMO_APP_SECRET);
    expect(text).not.toMatch(/emu_[0-9a-f]{8}/);
  }
}

describe('the HTTPS library', () => {
  test('with an access token: applies, and WeChat receives exactly the request', async () => {
    const client = createHttpsClient({ accessToken: emulator.https.issueToken(), baseUrl: emulator.url });
    expect(await client.applyPlugin(request)).toEqual({ errCode: 0, errMsg: 'applyPlugin:ok', retryable: false, attempts: 1 });
    expect(emulator.calls).toEqual([
      { surface: 'https', apiName: 'wxa/plugin', fields: { action: 'apply', plugin_appid: OPEN_PLUGIN, reason: request.reason }, signed: true },
    ]);
    expect(emulator.world.applicationsOf(DEMO_MINI_PROGRAM_APPID)).toHaveLength(1);
  });

  test('with appid and secret: one stable_token request, cached across calls', async () => {
    const client = createHttpsClient(credentials());
    expect((await client.applyPlugin(request)).errCode).toBe(0);
    expect((await client.applyPlugin({ pluginAppid: SECOND_PLUGIN })).errCode).toBe(0);
    expect(emulator.https.tokenRequests).toEqual({ count: 1, forced: 0 });
    expect(emulator.calls[1]!.fields).toEqual({ action: 'apply', plugin_appid: SECOND_PLUGIN });
    expectNoSecrets(...logs);
  });

  test.each([
    ['expired (42001)', () => emulator.https.expireTokens()],
    ['revoked (40001)', () => emulator.https.revokeTokens()],
  ])('a token that has %s is re-read once (a plain request, nothing forced), and the call sent again', async (_name, spoil) => {
    const client = createHttpsClient(credentials());
    await client.applyPlugin({ pluginAppid: SECOND_PLUGIN });
    spoil();
    expect(await client.applyPlugin(request)).toMatchObject({ errCode: 0, attempts: 1 });
    expect(emulator.https.tokenRequests).toEqual({ count: 2, forced: 0 });
  });

  test('a given token that has expired cannot be refreshed: 42001, with what to do', async () => {
    const client = createHttpsClient({ accessToken: emulator.https.issueToken(), baseUrl: emulator.url });
    emulator.https.expireTokens();
    const result = await client.applyPlugin(request);
    expect(result).toMatchObject({ errCode: 42001, retryable: false, attempts: 1 });
    expect(result.errMsg).toContain('get a new access token');
  });

  test('an unknown token: 40001', async () => {
    const client = createHttpsClient({ accessToken: 'not-a-token', baseUrl: emulator.url });
    expect((await client.applyPlugin(request)).errCode).toBe(40001);
  });

  test.each([
    ['a wrong secret', { secret: 'wrong' }, 40125],
    ['a wrong appid', { appid: 'wx9999999999999999' }, 40013],
  ])('%s: WeChat\'s code, and no application is attempted', async (_name, override, errCode) => {
    const result = await createHttpsClient({ ...credentials(), ...override }).applyPlugin(request);
    expect(result).toMatchObject({ errCode, retryable: false });
    expect(emulator.calls).toEqual([]);
  });

  test.each([
    ['89236 (closed)', { pluginAppid: CLOSED_PLUGIN }, 89236],
    ['89239 (unknown)', { pluginAppid: UNKNOWN_PLUGIN }, 89239],
  ])('WeChat answers %s, passed through, not retried', async (_name, input, errCode) => {
    expect(await createHttpsClient(credentials()).applyPlugin(input)).toMatchObject({ errCode, attempts: 1, retryable: false });
  });

  test('89237 and 89238 come from the model of WeChat\'s state', async () => {
    await emulator.close();
    emulator = await startEmulator({ world: new PluginWorld({ plugins: DEMO_PLUGINS, limit: 1 }) });
    const client = createHttpsClient(credentials());
    expect((await client.applyPlugin(request)).errCode).toBe(0);
    expect((await client.applyPlugin(request)).errCode).toBe(89237);
    expect((await client.applyPlugin({ pluginAppid: SECOND_PLUGIN })).errCode).toBe(89238);
  });

  test.each([89240, 89241, 89242, 89243, 89044])('errcode %i passes through', async (errcode) => {
    emulator.faults.add({ kind: 'errcode', errcode, times: Infinity });
    expect(await createHttpsClient(credentials()).applyPlugin(request)).toMatchObject({ errCode: errcode, attempts: 1 });
  });

  test('-1, then success', async () => {
    emulator.faults.add({ kind: 'errcode', errcode: -1 });
    expect(await createHttpsClient(credentials()).applyPlugin(request)).toMatchObject({ errCode: 0, attempts: 2 });
  });

  test.each([
    ['HTTP 502', { kind: 'http-status', status: 502, times: Infinity } as const, -501001, 3],
    // Not WeChat's answer at all: nobody can say whether it acted, so it is not retried blindly.
    ['a body that is not JSON', { kind: 'not-json', contentType: 'text/plain', times: Infinity } as const, ProjectCode.UNEXPECTED_ANSWER, 1],
    ['an empty body', { kind: 'empty', times: Infinity } as const, ProjectCode.UNEXPECTED_ANSWER, 1],
    ['JSON without errcode', { kind: 'gateway-json', code: 'SYS_ERR', times: Infinity } as const, ProjectCode.UNEXPECTED_ANSWER, 1],
    ['a dropped connection', { kind: 'drop', times: Infinity } as const, -501001, 3],
  ])('%s is normalised like the cloud path', async (_name, fault, errCode, attempts) => {
    emulator.faults.add(fault);
    const result = await createHttpsClient(credentials()).applyPlugin(request);
    expect(result).toMatchObject({ errCode, attempts });
    expectNoSecrets(JSON.stringify(result), ...logs);
  });

  test('no answer: DEADLINE_EXCEEDED within the budget, one attempt', async () => {
    emulator.faults.add({ kind: 'silent', times: Infinity });
    const result = await createHttpsClient({ ...credentials(), timeoutMs: 1000 }).applyPlugin(request);
    expect(result).toMatchObject({ errCode: ProjectCode.DEADLINE_EXCEEDED, retryable: true, attempts: 1 });
  });

  test('nobody listening: -501001 after the retries', async () => {
    const client = createHttpsClient({ ...credentials(), accessToken: 'token' });
    await emulator.close();
    expect(await client.applyPlugin(request)).toMatchObject({ errCode: -501001, retryable: true, attempts: 3 });
  });

  test.each([
    ['a malformed appid', { pluginAppid: 'aaaa' }, ProjectCode.INVALID_APPID],
    ['a reason too long', { pluginAppid: OPEN_PLUGIN, reason: 'x'.repeat(501) }, ProjectCode.INVALID_TEXT],
    ['not an object', 'wx0123456789abcdef' as never, ProjectCode.INVALID_EVENT],
  ])('bad input (%s) sends nothing, not even a token request', async (_name, input, errCode) => {
    expect(await createHttpsClient(credentials()).applyPlugin(input)).toMatchObject({ errCode, attempts: 0 });
    expect(emulator.calls).toEqual([]);
    expect(emulator.https.tokenRequests.count).toBe(0);
  });

  test('no credentials: -930301, nothing sent', async () => {
    const result = await createHttpsClient({ baseUrl: emulator.url }).applyPlugin(request);
    expect(result).toMatchObject({ errCode: ProjectCode.HTTPS_CREDENTIALS_MISSING, attempts: 0 });
    expect(result.errMsg).toContain('WECHAT_ACCESS_TOKEN');
    expect(emulator.calls).toEqual([]);
  });
});

describe('npm run apply (wxplugin apply)', () => {
  const cli = (args: string[], env: Record<string, string>) => runTool('wxplugin.js', ['apply', ...args], env);
  const env = () => ({ WECHAT_API_BASE_URL: emulator.url, WECHAT_APPID: DEMO_MINI_PROGRAM_APPID, WECHAT_APPSECRET: DEMO_APP_SECRET });

  test('applies and exits 0, printing the result as JSON', async () => {
    const { code, stdout, stderr } = await cli(['--plugin-appid', OPEN_PLUGIN, '--reason', 'from the CLI'], env());
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ errCode: 0, errMsg: 'applyPlugin:ok', retryable: false, attempts: 1 });
    expect(emulator.calls[0]!.fields).toEqual({ action: 'apply', plugin_appid: OPEN_PLUGIN, reason: 'from the CLI' });
    expectNoSecrets(stdout, stderr);
  });

  test('with WECHAT_ACCESS_TOKEN', async () => {
    const token = emulator.https.issueToken();
    const { code, stdout, stderr } = await cli(['--plugin-appid', OPEN_PLUGIN, '--verbose'], { WECHAT_API_BASE_URL: emulator.url, WECHAT_ACCESS_TOKEN: token });
    expect(code).toBe(0);
    expect(JSON.parse(stderr.trim())).toMatchObject({ operation: 'applyPlugin', errCode: 0, source: 'https' });
    expect(`${stdout}${stderr}`).not.toContain(token);
  });

  test('89237 (already added or pending) is the requested state: exit 0', async () => {
    expect((await cli(['--plugin-appid', OPEN_PLUGIN], env())).code).toBe(0);
    const again = await cli(['--plugin-appid', OPEN_PLUGIN], env());
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).errCode).toBe(89237);
  });

  test.each([
    ['ftp://example.invalid', /WECHAT_API_BASE_URL uses ftp, not http or https/],
    ['http://user:pass@127.0.0.1:1', /WECHAT_API_BASE_URL carries credentials/],
    ['http://127.0.0.1:1/?x=1', /WECHAT_API_BASE_URL carries a query/],
    ['http://127.0.0.1:1/#top', /WECHAT_API_BASE_URL carries a fragment/],
    ['not a url', /WECHAT_API_BASE_URL is not a URL/],
  ])('WECHAT_API_BASE_URL=%s: exit 2 naming the variable, nothing sent', async (url, message) => {
    const { code, stdout, stderr } = await cli(['--plugin-appid', OPEN_PLUGIN], { ...env(), WECHAT_API_BASE_URL: url });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(emulator.https.tokenRequests.count).toBe(0);
  });

  test('a base URL with a path prefix keeps it', async () => {
    const { code, stdout } = await cli(['--plugin-appid', OPEN_PLUGIN], { ...env(), WECHAT_API_BASE_URL: `${emulator.url}/prefix/` });
    // The emulator serves no /prefix/cgi-bin/stable_token: the prefix was kept (404 -> -501001).
    expect(code).toBe(1);
    expect(JSON.parse(stdout).errCode).toBe(-501001);
  });

  test('whitespace-only credentials count as unset', async () => {
    const { code, stderr } = await cli(['--plugin-appid', OPEN_PLUGIN], { WECHAT_API_BASE_URL: emulator.url, WECHAT_ACCESS_TOKEN: '  ', WECHAT_APPID: ' ', WECHAT_APPSECRET: '' });
    expect(code).toBe(2);
    expect(stderr).toContain('no credentials');
  });

  test('a WeChat refusal exits 1 with the result', async () => {
    const { code, stdout } = await cli(['--plugin-appid', CLOSED_PLUGIN], env());
    expect(code).toBe(1);
    expect(JSON.parse(stdout).errCode).toBe(89236);
  });

  test('missing credentials: exit 2, nothing sent, and one line naming what to set', async () => {
    const { code, stdout, stderr } = await cli(['--plugin-appid', OPEN_PLUGIN], { WECHAT_API_BASE_URL: emulator.url, WECHAT_APPID: DEMO_MINI_PROGRAM_APPID });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('WECHAT_APPID is set but WECHAT_APPSECRET is not');
    expect(emulator.calls).toEqual([]);
    expect(emulator.https.tokenRequests.count).toBe(0);
  });

  test('an invalid appid is a bad argument: exit 2, one line naming the flag, nothing sent', async () => {
    const { code, stdout, stderr } = await cli(['--plugin-appid', 'WX0123'], env());
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^wxplugin apply: --plugin-appid must be "wx" followed by 16 lowercase hex digits/);
    expect(emulator.calls).toEqual([]);
  });

  test.each([
    ['no --plugin-appid', [], /--plugin-appid is required/],
    ['an unknown option', ['--plugin-appid', OPEN_PLUGIN, '--bogus'], /^wxplugin apply: unknown option --bogus \(see/],
    ['a bad timeout', ['--plugin-appid', OPEN_PLUGIN, '--timeout', 'soon'], /--timeout takes a whole number of milliseconds from 100 to 600000/],
    ['a timeout no request fits in', ['--plugin-appid', OPEN_PLUGIN, '--timeout', '99'], /--timeout takes/],
    ['a timeout Node cannot wait for', ['--plugin-appid', OPEN_PLUGIN, '--timeout', '99999999999'], /--timeout takes/],
    ['a negative timeout', ['--plugin-appid', OPEN_PLUGIN, '--timeout', '-5'], /--timeout takes .*got "-5"/],
    ['a --flag=value with a bad value', ['--plugin-appid=WX', '--timeout=1000'], /--plugin-appid must be/],
    ['a value missing', ['--plugin-appid'], /--plugin-appid needs a value/],
    ['a stray positional argument', ['--plugin-appid', OPEN_PLUGIN, 'x'], /unexpected argument/],
  ])('bad arguments (%s): exit 2, a message, nothing sent', async (_name, args, message) => {
    const { code, stdout, stderr } = await cli(args, env());
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(emulator.calls).toEqual([]);
  });

  test('--help', async () => {
    const { code, stdout } = await cli(['--help'], {});
    expect(code).toBe(0);
    expect(stdout).toContain('WECHAT_APPSECRET');
  });
});
