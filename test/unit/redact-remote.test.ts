/**
 * Redaction, second pass: host names under any top-level label, the client's
 * own secret and tokens whatever their length, and the log line's free fields bounded.
 */
import { formatLogLine, maskOpenid, MAX_LOGGED_TEXT, type LogLine } from '../../src/core/log';
import { redact } from '../../src/core/redact';
import { createHttpsClient } from '../../src/https/client';
import type { Fetch } from '../../src/https/http';

const env = {};

test.each([
  ['gw.tcb.svc.cluster', 'connect to gw.tcb.svc.cluster failed'],
  ['a cluster-local name with a port', 'upstream tcb-gw.ns1.svc.cluster.local:8080 reset'],
  ['an internal zone', 'via api-proxy.corp.example-internal'],
  ['a host at the end of a sentence', 'could not reach gw.tcb.svc.cluster.'],
])('removes a host-like name whatever its top-level label: %s', (_name, text) => {
  const out = redact(text, env);
  expect(out).toContain('<host>');
  expect(out).not.toMatch(/tcb|cluster|corp|proxy/);
});

test.each([
  'openapi.pluginManager.applyPlugin:fail system error',
  'version 2.2.46 is not offered',
  'see index.js and wx.cloud',
  'errcode: 40001, hints: [ok]',
])('keeps ordinary words, API names and versions readable: %s', (text) => {
  expect(redact(text, env)).toBe(text);
});

describe('the HTTPS client never shows its own credentials, whatever their length', () => {
  /** WeChat answering an unknown code whose errmsg echoes the request. */
  function echoing(): Fetch {
    return (async (url: string, init: { body: string }) => {
      if (url.includes('stable_token')) return new Response(JSON.stringify({ access_token: 'tok_short7', expires_in: 7200 }));
      const token = new URL(url).searchParams.get('access_token');
      return new Response(JSON.stringify({ errcode: 12345, errmsg: `bad request with token ${token} body ${init.body}` }));
    }) as unknown as Fetch;
  }

  test('a short app secret echoed by the token request', async () => {
    const fetchImpl = (async () => new Response(JSON.stringify({ errcode: 99999, errmsg: 'secret sh0rtS3cret is not valid' }))) as unknown as Fetch;
    const lines: string[] = [];
    const result = await createHttpsClient({ appid: 'wxa11ce00000000d3e', secret: 'sh0rtS3cret', baseUrl: 'http://127.0.0.1:1', fetch: fetchImpl, log: (line) => lines.push(line) }).getPluginList();
    expect(result.errCode).toBe(99999);
    expect(JSON.stringify(result) + lines.join('')).not.toContain('sh0rtS3cret');
  });

  test('a short fetched token echoed by the API', async () => {
    const lines: string[] = [];
    const result = await createHttpsClient({ appid: 'wxa11ce00000000d3e', secret: 'another-secret', baseUrl: 'http://127.0.0.1:1', fetch: echoing(), log: (line) => lines.push(line) }).getPluginList();
    expect(result.errCode).toBe(12345);
    expect(result.errMsg).toContain('bad request with token');
    expect(JSON.stringify(result) + lines.join('')).not.toContain('tok_short7');
  });

  test('a short given token echoed by the API', async () => {
    const result = await createHttpsClient({ accessToken: 'given42', baseUrl: 'http://127.0.0.1:1', fetch: echoing() }).getPluginList();
    expect(result.errCode).toBe(12345);
    expect(result.errMsg).not.toContain('given42');
  });
});

describe('the log line: free fields bounded and redacted', () => {
  const line = (over: Partial<LogLine>): Record<string, unknown> =>
    JSON.parse(formatLogLine({ level: 'warn', operation: 'applyPlugin', action: 'apply', requestId: null, errCode: 0, attempts: 1, durationMs: 1, source: null, openid: null, fields: {}, cause: null, ...over })) as Record<string, unknown>;

  test('an ordinary SOURCE and request id are kept as they are', () => {
    expect(line({ source: 'wx_client,scf', requestId: '8d6f0b7e-1f2a-4c3b-9d8e-0a1b2c3d4e5f' })).toMatchObject({ source: 'wx_client,scf', requestId: '8d6f0b7e-1f2a-4c3b-9d8e-0a1b2c3d4e5f' });
  });

  test('a 100 KB SOURCE makes a short line', () => {
    const logged = formatLogLine({ level: 'warn', operation: 'applyPlugin', action: 'apply', requestId: 'r'.repeat(100_000), errCode: 0, attempts: 1, durationMs: 1, source: 'wx_client '.repeat(10_000), openid: null, fields: {}, cause: null });
    expect(logged.length).toBeLessThan(600);
    const parsed = JSON.parse(logged) as { source: string; requestId: string };
    expect(parsed.source.length).toBeLessThanOrEqual(MAX_LOGGED_TEXT);
    expect(parsed.requestId.length).toBeLessThanOrEqual(MAX_LOGGED_TEXT);
  });

  test('a host or a URL in SOURCE or the request id is redacted', () => {
    const parsed = line({ source: 'wx_client,http://gw.tcb.svc.cluster/x', requestId: 'req at gw.tcb.svc.cluster' });
    expect(JSON.stringify(parsed)).not.toMatch(/tcb|cluster/);
  });

  test('an operation\'s field never overwrites a fixed key, nor the cause', () => {
    const parsed = line({ level: 'error', errCode: -1, source: 'wx_client', cause: null, fields: { level: 'info', errCode: 0, source: 'forged', cause: 'forged', pluginAppid: 'wx0123456789abcdef' } });
    expect(parsed).toMatchObject({ level: 'error', errCode: -1, source: 'wx_client', pluginAppid: 'wx0123456789abcdef' });
    expect(parsed.cause).toBeNull();
    expect(line({ cause: 'boom', fields: { cause: 'forged' } }).cause).toBe('boom');
  });
});

describe('the OPENID in the log line', () => {
  test.each([
    [undefined, null],
    [null, null],
    ['', null],
    ['o', '***'],
    ['oAbCdEfG', '***'],
    ['oAbCdEfGh', 'oAbC…Gh'],
    ['oAbCdEfGhIjKlMnOpQrStUvWxYz', 'oAbC…Yz'],
  ])('%p is logged as %p (8 characters or fewer are hidden whole)', (openid, logged) => {
    expect(maskOpenid(openid)).toBe(logged);
  });
});
