/**
 * postJson's default way (Node's http with keep-alive agents, src/https/http-request.ts) over real
 * loopback sockets: what fetch gave for free and node:http must do by itself.
 */
import { within } from '../support/within';
import { buildSync } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { ProjectCode } from '../../src/core/codes';
import type { OperationError } from '../../src/core/errors';
import { postJson } from '../../src/https/http';
import { postWithNode } from '../../src/https/http-request';
import { PROJECT_ROOT } from '../../src/platform/invoke';

let server: Server;
let url: string;
let handler: (body: string, respond: (status: number, text: string, headers?: Record<string, string>) => void, raw: { request: IncomingMessage; response: ServerResponse }) => void;
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => handler(body, (status, text, headers = {}) => response.writeHead(status, headers).end(text), { request, response }));
  });
  server.on('connection', (socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/wxa/plugin?access_token=SECRET-TOKEN`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => sockets.clear());

const failure = (promise: Promise<unknown>): Promise<OperationError> =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: OperationError) => error,
  );

describe('postJson over node:http', () => {
  test('sends the body as JSON and reads the answer; calls in a row share one keep-alive connection', async () => {
    const seen: string[] = [];
    handler = (body, respond) => {
      seen.push(body);
      respond(200, '{"errcode":0,"errmsg":"ok"}', { 'content-type': 'application/json' });
    };
    for (let i = 0; i < 5; i += 1) expect(await postJson(undefined, url, { n: i }, within(5000))).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(seen).toEqual([0, 1, 2, 3, 4].map((n) => JSON.stringify({ n })));
    expect(sockets.size).toBe(1);
  });

  test('a redirect is not followed: -501001, and the cause says so without the URL', async () => {
    handler = (_body, respond) => respond(302, '', { location: 'http://127.0.0.1:1/steal' });
    const error = await failure(postJson(undefined, url, { secret: 'app-secret' }, within(5000)));
    expect(error).toMatchObject({ code: -501001, maybeDelivered: true });
    expect(JSON.stringify(error.cause)).toContain('redirect, not followed');
    expect(JSON.stringify(error.cause)).not.toMatch(/SECRET-TOKEN|app-secret|127\.0\.0\.1/);
  });

  test('an answer whose content-length passes the cap is refused before its body is read', async () => {
    // Announces 2 MB and sends 2 bytes: read, it would wait for the rest until the deadline.
    handler = (_body, respond) => respond(200, '{}', { 'content-length': String(2 * 1024 * 1024) });
    await expect(postJson(undefined, url, {}, within(2000))).rejects.toMatchObject({ code: ProjectCode.UNEXPECTED_ANSWER, cause: { code: 'too large' } });
    // No content-length (chunked): refused once the chunks read pass the cap.
    handler = (_body, respond) => respond(200, 'x'.repeat(1024 * 1024 + 1), { 'transfer-encoding': 'chunked' });
    await expect(postJson(undefined, url, {}, within(5000))).rejects.toMatchObject({ code: ProjectCode.UNEXPECTED_ANSWER, cause: { code: 'too large' } });
  });

  test('the caller\'s AbortSignal ends the exchange as a deadline, like the timeout', async () => {
    handler = () => undefined; // never answers
    const controller = new AbortController();
    const pending = failure(postJson(undefined, url, {}, controller.signal));
    setTimeout(() => controller.abort(), 20);
    expect(await pending).toMatchObject({ code: ProjectCode.DEADLINE_EXCEEDED, maybeDelivered: true });
    expect(await failure(postJson(undefined, url, {}, within(20)))).toMatchObject({ code: ProjectCode.DEADLINE_EXCEEDED });
    const aborted = new AbortController();
    aborted.abort();
    expect(await failure(postJson(undefined, url, {}, aborted.signal))).toMatchObject({ code: ProjectCode.DEADLINE_EXCEEDED });
  });

  test('each origin reached as given, its path and query sent as they are: servers on several ports, a base URL with a path, more origins than are remembered', async () => {
    // Origins are parsed once and remembered (at most 32): a wrong key would send one server's calls to another.
    const servers = await Promise.all(
      Array.from({ length: 34 }, async (_unused, index) => {
        const own = createServer((request, response) => {
          request.resume();
          request.on('end', () => response.end(JSON.stringify({ errcode: 0, server: index, path: request.url })));
        });
        await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', resolve));
        return { own, base: `http://127.0.0.1:${(own.address() as AddressInfo).port}` };
      }),
    );
    try {
      for (const round of [0, 1]) {
        for (const [index, { base }] of servers.entries()) {
          const path = index % 2 === 0 ? `/wxa/plugin?access_token=t${round}` : `/proxy/wechat/wxa/plugin?access_token=a%2Fb`;
          expect(await postJson(undefined, `${base}${path}`, {}, within(5000))).toEqual({ errcode: 0, server: index, path });
        }
      }
    } finally {
      for (const { own } of servers) {
        own.closeAllConnections();
        own.close();
      }
    }
  });

  test('a base URL with nothing after its origin is asked at /; https to a server that speaks http, and a protocol neither speaks, fail as the network does', async () => {
    let seenPath: string | undefined;
    const own = createServer((request, response) => {
      seenPath = request.url;
      request.resume();
      request.on('end', () => response.end('{"errcode":0}'));
    });
    await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', resolve));
    const port = (own.address() as AddressInfo).port;
    try {
      expect(await postJson(undefined, `http://127.0.0.1:${port}`, {}, within(5000))).toEqual({ errcode: 0 });
      expect(seenPath).toBe('/');
      expect(await failure(postJson(undefined, `https://127.0.0.1:${port}/wxa/plugin`, {}, within(5000)))).toMatchObject({ code: -501001 });
      expect(await failure(postJson(undefined, `ftp://127.0.0.1:${port}/wxa/plugin`, {}, within(5000)))).toMatchObject({ code: -501001 });
    } finally {
      own.closeAllConnections();
      own.close();
    }
  });

  test('the body goes as JSON with its length in bytes, not chunked', async () => {
    let seen: IncomingMessage['headers'] = {};
    handler = (_body, respond, { request }) => {
      seen = request.headers;
      respond(200, '{"errcode":0}');
    };
    const body = { reason: '地图插件' };
    await postJson(undefined, url, body, within(5000));
    expect(seen['content-type']).toBe('application/json');
    expect(seen['content-length']).toBe(String(Buffer.byteLength(JSON.stringify(body))));
    expect(seen['transfer-encoding']).toBeUndefined();
  });

  test('an answer that never ends is abandoned past the bound: too large at once, not a deadline later', async () => {
    handler = (_body, _respond, { response }) => {
      response.writeHead(200);
      const chunk = 'x'.repeat(64 * 1024);
      const timer = setInterval(() => response.write(chunk), 1);
      response.on('close', () => clearInterval(timer));
    };
    await expect(postJson(undefined, url, {}, within(4000))).rejects.toMatchObject({ code: ProjectCode.UNEXPECTED_ANSWER, cause: { code: 'too large' } });
  });

  test('a connection reset halfway through the answer is a network failure, maybe delivered', async () => {
    handler = (_body, _respond, { response }) => {
      response.writeHead(200, { 'content-length': '100' });
      response.write('{"errcode":');
      setTimeout(() => response.socket?.destroy(), 20);
    };
    expect(await failure(postJson(undefined, url, {}, within(5000)))).toMatchObject({ code: -501001, maybeDelivered: true, cause: { code: 'ECONNRESET' } });
  });

  test('a request whose cutoff has already expired is never created', async () => {
    const onExpire = jest.fn();
    await expect(postWithNode(url, '{}', { expired: true, onExpire })).rejects.toThrow();
    expect(onExpire).not.toHaveBeenCalled();
  });

  test('a refused connection: -501001, ECONNREFUSED, not delivered', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(postJson(undefined, `http://127.0.0.1:${port}/x?access_token=SECRET-TOKEN`, {}, within(5000)));
    expect(error).toMatchObject({ code: -501001, maybeDelivered: false, cause: { code: 'ECONNREFUSED' } });
    expect(JSON.stringify(error.cause)).not.toContain('SECRET-TOKEN');
  });

  test('a kept-alive socket never holds a finished process open', async () => {
    handler = (_body, respond) => respond(200, '{"errcode":0}');
    // http.ts as the library ships it, run in a child: after its call, what keeps its event loop alive.
    const dir = mkdtempSync(join(tmpdir(), 'http-probe-'));
    try {
      buildSync({ entryPoints: [join(PROJECT_ROOT, 'src', 'https', 'http.ts')], outfile: join(dir, 'http.js'), bundle: true, platform: 'node', format: 'cjs', logLevel: 'error' });
      const script = `require(${JSON.stringify(join(dir, 'http.js'))}).postJson(undefined, ${JSON.stringify(url)}, {}, AbortSignal.timeout(5000)).then((answer) => {
        process.stdout.write(JSON.stringify({ answer, keepingAlive: process.getActiveResourcesInfo() }));
        process.exit(0);
      });`;
      const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      await new Promise((resolve) => child.on('close', resolve));
      const { answer, keepingAlive } = JSON.parse(out) as { answer: unknown; keepingAlive: string[] };
      expect(answer).toEqual({ errcode: 0 });
      // The socket is still open (the server keeps it), but unreferenced: nothing of the network keeps the process.
      expect(sockets.size).toBe(1);
      expect(keepingAlive.filter((resource) => /TCP|Socket/i.test(resource))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
