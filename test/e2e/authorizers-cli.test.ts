/**
 * `wxplugin authorizers` as a user runs it: the built CLI in a child process against `npm run
 * emulator`'s build, also a child process, over loopback sockets.
 */
import { ProjectCode } from '../../src/core/codes';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_COMPONENT_APPID, DEMO_COMPONENT_SECRET, FIRST_TICKET } from '../../src/emulator/component-world';
import { PROJECT_ROOT } from '../../src/platform/invoke';
import { runTool } from '../support/run-tool';

jest.setTimeout(60_000);

let emulator: ChildProcess;
let url: string;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'authorizers-cli-'));
  emulator = spawn(process.execPath, [join(PROJECT_ROOT, 'dist', 'emulator.js'), '--authorizers', '503', '--without-plugin-management', '0.25', '--call-log', join(dir, 'calls.jsonl')], {
    env: { PATH: process.env.PATH ?? '' },
  });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    emulator.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    emulator.on('exit', (code) => reject(new Error(`the emulator exited with ${code}`)));
  });
});
afterAll(() => {
  emulator.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

const env = (overrides: Record<string, string> = {}) => ({
  WECHAT_API_BASE_URL: url,
  WECHAT_COMPONENT_APPID: DEMO_COMPONENT_APPID,
  WECHAT_COMPONENT_SECRET: DEMO_COMPONENT_SECRET,
  WECHAT_COMPONENT_VERIFY_TICKET: FIRST_TICKET,
  ...overrides,
});

test('lists every authoriser with whether it granted set 40, then a summary; refresh tokens kept on disk, never printed', async () => {
  const store = join(dir, 'store');
  const run = await runTool('wxplugin.js', ['authorizers', '--token-store', store], env());
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(lines).toHaveLength(504);
  expect(lines.at(-1)).toEqual({ total: 503, pluginManagement: 378, withoutPluginManagement: 125, failed: 0, errCode: 0 });
  expect(lines[0]).toMatchObject({ errCode: 0, authorizerAppid: 'wxa000000000000000', pluginManagement: true, nickName: 'Store 0' });
  expect(lines[3]).toMatchObject({ authorizerAppid: 'wxa000000000000003', pluginManagement: false });
  expect(run.stdout).not.toMatch(/refreshtoken|ctok_|atok_|secret/);
  expect(readdirSync(join(store, 'authorizers')).filter((file) => file.endsWith('.refresh'))).toHaveLength(503);
});

test('the ticket from a file (@FILE)', async () => {
  const file = join(dir, 'ticket');
  writeFileSync(file, `${FIRST_TICKET}\n`);
  const run = await runTool('wxplugin.js', ['authorizers', '--json'], env({ WECHAT_COMPONENT_VERIFY_TICKET: `@${file}` }));
  expect(run.code).toBe(0);
  expect(JSON.parse(run.stdout.trim().split('\n').at(-1)!)).toMatchObject({ total: 503, errCode: 0 });
});

test('WeChat refuses the ticket: its code on stderr, exit 1', async () => {
  const run = await runTool('wxplugin.js', ['authorizers'], env({ WECHAT_COMPONENT_VERIFY_TICKET: 'stale' }));
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/^wxplugin authorizers: getAuthorizerList:fail WeChat refused the third-party platform's credentials \(61006 .*WECHAT_COMPONENT_VERIFY_TICKET/);
  expect(JSON.parse(run.stdout.trim())).toMatchObject({ total: 0, errCode: ProjectCode.PLATFORM_CREDENTIALS_REFUSED });
});

test.each([
  ['no secret', { WECHAT_COMPONENT_SECRET: '' }, /WECHAT_COMPONENT_SECRET is not set/],
  ['an empty @', { WECHAT_COMPONENT_VERIFY_TICKET: '@' }, /names no file/],
  ['a bad base URL', { WECHAT_API_BASE_URL: 'ftp://x' }, /WECHAT_API_BASE_URL uses ftp/],
])('%s: one line, exit 2, nothing sent', async (_name, overrides, message) => {
  const run = await runTool('wxplugin.js', ['authorizers'], env(overrides));
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(message);
});

test('an unknown option: exit 2', async () => {
  const run = await runTool('wxplugin.js', ['authorizers', '--all'], env());
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/unknown option --all/);
});
