/**
 * The default transport over TLS, as `wxplugin` runs it in a child process: every other suite talks
 * plain http to loopback, so this is the one place an `https://` base URL is used for real. The
 * certificate (test/fixtures/tls, for 127.0.0.1 only, made for this test and valid until 2126) is
 * trusted the way a user trusts a private CA, with NODE_EXTRA_CA_CERTS; without it the certificate
 * must be refused, never silently accepted.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ProjectCode } from '../../src/core/codes';
import { PROJECT_ROOT } from '../../src/platform/invoke';
import { runTool } from '../support/run-tool';

jest.setTimeout(60_000);

const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures', 'tls');
const CERT = join(FIXTURES, 'loopback-cert.pem');

let server: Server;
let baseUrl: string;
const seen: string[] = [];

beforeAll(async () => {
  server = createServer({ key: readFileSync(join(FIXTURES, 'loopback-key.pem')), cert: readFileSync(CERT) }, (request, response) => {
    request.resume();
    request.on('end', () => {
      seen.push(request.url ?? '');
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ errcode: 0, errmsg: 'ok', plugin_list: [{ appid: 'wx0123456789abcdef', status: 2, nickname: 'over TLS', headimgurl: '' }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen.length = 0;
});

test('with the certificate trusted, the call is made over TLS and answered', async () => {
  const run = await runTool('wxplugin.js', ['list'], { WECHAT_API_BASE_URL: baseUrl, WECHAT_ACCESS_TOKEN: 'tls-token', NODE_EXTRA_CA_CERTS: CERT });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(JSON.parse(run.stdout)).toMatchObject({ errCode: 0, pluginList: [{ appid: 'wx0123456789abcdef', nickname: 'over TLS' }] });
  expect(seen).toEqual(['/wxa/plugin?access_token=tls-token']);
});

test('an untrusted certificate is refused at once: nothing reaches the server, no retry, and errMsg names the check and the way out', async () => {
  const run = await runTool('wxplugin.js', ['list'], { WECHAT_API_BASE_URL: baseUrl, WECHAT_ACCESS_TOKEN: 'tls-token' });
  expect(run.code).toBe(1);
  expect(JSON.parse(run.stdout)).toEqual({
    errCode: ProjectCode.CERTIFICATE_REFUSED,
    errMsg:
      "getPluginList:fail the server's TLS certificate was not trusted, so nothing was sent (DEPTH_ZERO_SELF_SIGNED_CERT): check the base URL (WeChat's is https://api.weixin.qq.com); a server with its own CA needs that CA trusted, with NODE_EXTRA_CA_CERTS=ca.pem",
    retryable: false,
    attempts: 1,
  });
  expect(seen).toEqual([]);
});
