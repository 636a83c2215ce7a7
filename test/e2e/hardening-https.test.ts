/**
 * The HTTPS form against hostile or busy far ends, over real loopback sockets with the client's
 * default transport (Node's http, keep-alive): redirects, oversized, empty and non-JSON answers,
 * and a burst of calls across a token rotation. Nothing leaves 127.0.0.1.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProjectCode } from '../../src/core/codes';
import { DEMO_MINI_PROGRAM_APPID, startEmulator, type Emulator } from '../../src/emulator/gateway';
import { DEMO_APP_SECRET } from '../../src/emulator/https-api';
import { createHttpsClient } from '../../src/https/client';
import { MAX_ANSWER_BYTES } from '../../src/https/http';

jest.setTimeout(60_000);

const PLUGIN = 'wx0123456789abcdef';
const TOKEN_ANSWER = JSON.stringify({ access_token: 'loopback-token', expires_in: 7200 });

interface Seen {
  readonly path: string;
  readonly body: string;
}

/** A loopback server that records every request (path and body) and answers through `handler`. */
async function serve(handler: (request: IncomingMessage, response: ServerResponse) => void) {
  const seen: Seen[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.push({ path: request.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      handler(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { url, seen, close };
}

type Served = Awaited<ReturnType<typeof serve>>;
const open: Served[] = [];
async function started(handler: Parameters<typeof serve>[0]): Promise<Served> {
  const served = await serve(handler);
  open.push(served);
  return served;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((served) => served.close()));
});

const clientOf = (baseUrl: string) => createHttpsClient({ appid: DEMO_MINI_PROGRAM_APPID, secret: DEMO_APP_SECRET, baseUrl });

/** Answers stable_token with a token and everything else through `api`. */
const withToken = (api: (response: ServerResponse) => void) => (request: IncomingMessage, response: ServerResponse) => {
  if (request.url?.startsWith('/cgi-bin/stable_token')) response.end(TOKEN_ANSWER);
  else api(response);
};

describe('redirects are never followed', () => {
  test.each([301, 302, 307, 308])('a %i from the API: -501001, and the Location\'s host never hears of it', async (status) => {
    const elsewhere = await started((_request, response) => response.end('{"errcode":0,"errmsg":"ok"}'));
    const api = await started(withToken((response) => response.writeHead(status, { location: `${elsewhere.url}/wxa/plugin?stolen=1` }).end()));
    const result = await clientOf(api.url).applyPlugin({ pluginAppid: PLUGIN });
    expect(result.errCode).toBe(-501001);
    expect(api.seen.filter((seen) => seen.path.startsWith('/wxa/plugin')).length).toBe(result.attempts);
    expect(elsewhere.seen).toEqual([]);
  });

  test('a 307 from stable_token: the app secret is not re-sent to the Location', async () => {
    const elsewhere = await started((_request, response) => response.end(TOKEN_ANSWER));
    const api = await started((_request, response) => response.writeHead(307, { location: `${elsewhere.url}/cgi-bin/stable_token` }).end());
    const result = await clientOf(api.url).applyPlugin({ pluginAppid: PLUGIN });
    expect(result.errCode).toBe(-501001);
    expect(api.seen.every((seen) => seen.path === '/cgi-bin/stable_token')).toBe(true);
    expect(api.seen[0]!.body).toContain(DEMO_APP_SECRET);
    expect(elsewhere.seen).toEqual([]);
  });
});

describe('answers are read up to MAX_ANSWER_BYTES', () => {
  const SIX_HUNDRED_MB = 600 * 1024 * 1024;

  /**
   * Streams up to 600 MB of JSON-looking bytes as fast as the client takes them, and records how
   * many it managed to write before the client let go.
   */
  function hugeAnswer(written: number[], declareLength: boolean) {
    return (response: ServerResponse) => {
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const index = written.push(0) - 1;
      response.writeHead(200, { 'content-type': 'application/json', ...(declareLength ? { 'content-length': String(SIX_HUNDRED_MB) } : {}) });
      const pump = () => {
        while (sent < SIX_HUNDRED_MB && !response.destroyed) {
          sent += chunk.length;
          written[index] = sent;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
        response.end();
      };
      response.on('close', () => (written[index] = sent));
      pump();
    };
  }

  test.each([
    ['streamed without a length', false],
    ['declared in content-length', true],
  ])('a 600 MB answer %s: -930203 (not retried), and the client stops taking it just past the bound', async (_name, declareLength) => {
    const written: number[] = [];
    const api = await started(withToken(hugeAnswer(written, declareLength)));
    const result = await clientOf(api.url).applyPlugin({ pluginAppid: PLUGIN });
    expect(result).toMatchObject({ errCode: ProjectCode.UNEXPECTED_ANSWER, attempts: 1 });
    expect(written.length).toBe(result.attempts);
    // What the server could push before the client let go: the bound plus the sockets' buffers.
    for (const bytes of written) expect(bytes).toBeLessThan(MAX_ANSWER_BYTES + 32 * 1024 * 1024);
  });
});

describe('an answer without errcode is -930203, and is not retried', () => {
  test.each([
    ['an empty body', ''],
    ['a body that is not JSON', '<html><body>502 Bad Gateway</body></html>'],
  ])('%s', async (_name, text) => {
    const api = await started(withToken((response) => response.end(text)));
    const result = await clientOf(api.url).applyPlugin({ pluginAppid: PLUGIN });
    expect(result).toMatchObject({ errCode: ProjectCode.UNEXPECTED_ANSWER, attempts: 1 });
    expect(api.seen.filter((seen) => seen.path.startsWith('/wxa/plugin'))).toHaveLength(1);
  });

  test('a token answer without a token says nothing was sent, and what to check', async () => {
    const api = await started((_request, response) => response.end('{"expires_in":7200}'));
    const result = await clientOf(api.url).applyPlugin({ pluginAppid: PLUGIN });
    expect(result.errCode).toBe(ProjectCode.UNEXPECTED_ANSWER);
    expect(result.errMsg).toContain('the token request to stable_token answered without access_token and expires_in, so nothing was sent: check WECHAT_APPID and WECHAT_APPSECRET');
    expect(api.seen.map((seen) => seen.path)).toEqual(['/cgi-bin/stable_token']);
  });
});

describe('a burst of calls across a token rotation', () => {
  let emulator: Emulator;
  beforeEach(async () => {
    emulator = await startEmulator();
  });
  afterEach(() => emulator.close());

  const CALLS = 500;
  const BURST_BUDGET_MS = 300_000;

  test.each([
    ['as the burst starts', 'start'],
    ['half-way through the burst', 'half-way'],
  ])('tokens revoked %s: a re-read, no forced refresh, every call answered by WeChat', async (_name, when) => {
    // What is asserted is the outcome, not the speed: each call gets a budget no loaded machine
    // runs out of (500 calls share 2 cores; 10 s was not always enough).
    const client = createHttpsClient({ appid: DEMO_MINI_PROGRAM_APPID, secret: DEMO_APP_SECRET, baseUrl: emulator.url, timeoutMs: BURST_BUDGET_MS });
    expect((await client.applyPlugin({ pluginAppid: PLUGIN })).errCode).toBe(0);
    const before = { ...emulator.https.tokenRequests };
    let settled = 0;
    const burst = Array.from({ length: CALLS }, () =>
      client.applyPlugin({ pluginAppid: PLUGIN }).finally(() => {
        settled += 1;
        if (when === 'half-way' && settled === CALLS / 2) emulator.https.revokeTokens();
      }),
    );
    if (when === 'start') emulator.https.revokeTokens();
    const results = await Promise.all(burst);
    // Already added by the warm-up call: WeChat's answer, not a failure.
    expect(results.filter((result) => result.errCode !== 89237)).toEqual([]);
    expect(emulator.https.tokenRequests.forced - before.forced).toBe(0);
  }, 2 * BURST_BUDGET_MS);
});
