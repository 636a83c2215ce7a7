/**
 * `wxplugin` as a user runs it (dist/wxplugin.js in a child process), against loopback servers:
 * help and argument mistakes, `--timeout` for the whole command, `--all` from any page, and no
 * lingering after the answer is printed.
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ProjectCode } from '../../src/core/codes';
import { PROJECT_ROOT } from '../../src/platform/invoke';
import { runTool } from '../support/run-tool';

jest.setTimeout(60_000);

const PLUGIN_CREDENTIALS = { WECHAT_APPID: 'wx0123456789abcdef', WECHAT_APPSECRET: 'demo0plugin0secret0cdef' };

/** A loopback WeChat: stable_token answers through `token`, /wxa/devplugin through `page`. */
async function serve(token: (response: ServerResponse) => void, page: (body: Record<string, unknown>, response: ServerResponse) => void) {
  const pages: number[] = [];
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (request.url?.startsWith('/cgi-bin/stable_token')) return token(response);
      const fields = JSON.parse(body) as Record<string, unknown>;
      pages.push(fields.page as number);
      page(fields, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    pages,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const giveToken = (response: ServerResponse) => response.end(JSON.stringify({ access_token: 'loopback-token', expires_in: 7200 }));
/** A far end that answers every page with one application, whatever the page number. */
const neverEmpty = (fields: Record<string, unknown>, response: ServerResponse) =>
  response.end(JSON.stringify({ errcode: 0, errmsg: 'ok', apply_list: [{ appid: 'wxa11ce00000000d3e', status: 1, nickname: `page ${String(fields.page)}`, create_time: '1536305096', reason: 'r' }] }));

describe('help and argument mistakes', () => {
  test('`wxplugin help` is the tool\'s help, `wxplugin help <command>` the command\'s', async () => {
    const help = await runTool('wxplugin.js', ['help']);
    expect(help).toMatchObject({ code: 0 });
    expect(help.stdout).toContain('Usage: wxplugin <command>');
    const apply = await runTool('wxplugin.js', ['help', 'apply']);
    expect(apply).toMatchObject({ code: 0 });
    expect(apply.stdout).toContain('Usage: wxplugin apply');
  });

  test('every help line keeps its flag and its text apart, and says (required) once', async () => {
    for (const command of ['apply', 'update', 'dev-refuse', 'dev-list']) {
      const { stdout } = await runTool('wxplugin.js', [command, '--help']);
      for (const line of stdout.split('\n').filter((text) => text.startsWith('  --'))) {
        expect([line, /^ {2}--[\w-]+(?: [A-Z]+)? {2,}\S/.test(line)]).toEqual([line, true]);
        expect([line, line.split('(required').length - 1 <= 1]).toEqual([line, true]);
      }
    }
  });

  test('a flag given twice: exit 2, one line, nothing sent', async () => {
    const run = await runTool('wxplugin.js', ['apply', '--plugin-appid', 'wx0123456789abcdef', '--reason', 'a', '--reason=b'], PLUGIN_CREDENTIALS);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual(['wxplugin apply: --reason is given twice: give it once (see `wxplugin apply --help`)']);
  });

  test.each([
    ['as a stray argument', ['apply', '--plugin-appid', 'wx0123456789abcdef', 'S3cretTypedHere']],
    ['as the command', ['S3cretTypedHere']],
  ])('a secret typed %s is not echoed', async (_name, args) => {
    const run = await runTool('wxplugin.js', args, PLUGIN_CREDENTIALS);
    expect(run.code).toBe(2);
    expect(run.stderr).not.toContain('S3cretTypedHere');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('bounds', () => {
  let server: Awaited<ReturnType<typeof serve>> | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  test('dev-list --all from the largest page keeps what it read: exit 0, truncated, nothing discarded', async () => {
    server = await serve(giveToken, neverEmpty);
    const run = await runTool('wxplugin.js', ['dev-list', '--all', '--page', '99999'], { ...PLUGIN_CREDENTIALS, WECHAT_API_BASE_URL: server.url });
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { errCode: number; applyList: Array<{ nickname: string }>; truncated?: boolean; pages: number };
    expect(result).toMatchObject({ errCode: 0, truncated: true, pages: 2 });
    expect(result.applyList.map((row) => row.nickname)).toEqual(['page 99999', 'page 100000']);
    expect(server.pages).toEqual([99999, 100000]);
  });

  test('--timeout bounds the whole command, every page of --all included; the pages read are kept', async () => {
    // Each page takes 150 ms; 50 pages would take 7.5 s, far past the command's 1 s.
    server = await serve(giveToken, (fields, response) => void setTimeout(() => neverEmpty(fields, response), 150));
    const run = await runTool('wxplugin.js', ['dev-list', '--all', '--timeout', '1000'], { ...PLUGIN_CREDENTIALS, WECHAT_API_BASE_URL: server.url });
    const result = JSON.parse(run.stdout) as { errCode: number; applyList?: unknown[]; truncated?: boolean };
    expect(run.code).toBe(1);
    expect(result.errCode).toBe(ProjectCode.DEADLINE_EXCEEDED);
    expect(server.pages.length).toBeLessThan(50);
    if (server.pages.length > 1) expect(result).toMatchObject({ truncated: true, applyList: expect.any(Array) });
  });

  test('a token endpoint that never answers: the process ends as soon as the answer is printed', async () => {
    server = await serve(() => undefined, neverEmpty);
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'dist', 'wxplugin.js'), 'list', '--timeout', '300'], {
      env: { PATH: process.env.PATH ?? '', WECHAT_APPID: 'wxa11ce00000000d3e', WECHAT_APPSECRET: 'x', WECHAT_API_BASE_URL: server.url },
    });
    let printedAt = 0;
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      printedAt ||= Date.now();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const lingered = Date.now() - printedAt;
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ errCode: ProjectCode.DEADLINE_EXCEEDED });
    // The token fetch it gave up on has a budget of its own (2 s): it no longer keeps the process.
    expect(lingered).toBeLessThan(1500);
  });
});
