/**
 * Text from a hostile or broken WeChat reaching a terminal: the listing's appids and WeChat's
 * errmsg carry an ANSI escape (ESC[31m), a right-to-left override (U+202E) and a C1 CSI (U+009B).
 * The built `wxplugin` in child processes against a loopback server that answers so; whatever it
 * prints (a table on a terminal, JSON lines, the batch report, stderr) shows them escaped, never raw.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/platform/invoke';
import { componentEnv } from '../support/batch';
import { runTool } from '../support/run-tool';

jest.setTimeout(600_000);

const HOSTILE_APPID = 'wx\u001b[31m\u202e0123456789\u009b2J';
const PLAIN_APPID = 'wx00000000000000aa';
const HOSTILE_ERRMSG = 'api unauthorized \u001b]0;owned\u0007 \u001b[31mred\u202eesrever\u009b2J';
/** What must never reach a terminal raw: C0 (but the line ends), DEL and C1, bidi marks, overrides and isolates. */
// eslint-disable-next-line no-control-regex -- the controls are what is looked for
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

let server: Server;
let url: string;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'hostile-text-'));
  server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0]!;
    request.resume();
    request.on('end', () => {
      const answer: Record<string, unknown> = path.endsWith('/api_component_token')
        ? { component_access_token: 'component-token-value', expires_in: 7200 }
        : path.endsWith('/api_get_authorizer_list')
          ? { errcode: 0, errmsg: 'ok', total_count: 2, list: [{ authorizer_appid: HOSTILE_APPID, refresh_token: 'refresh-one', auth_time: 1_700_000_000 }, { authorizer_appid: PLAIN_APPID, refresh_token: 'refresh-two', auth_time: 1_700_000_000 }] }
          : path.endsWith('/api_authorizer_token')
            ? { authorizer_access_token: 'authorizer-token-value', expires_in: 7200, authorizer_refresh_token: 'refresh-two' }
            : // api_get_authorizer_info and every plugin call: a code the project does not know, so
              // WeChat's own message is shown (redacted), and that message is hostile.
              { errcode: 48999, errmsg: HOSTILE_ERRMSG };
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

const expectEscaped = (text: string) => {
  expect(text).not.toMatch(RAW);
  // Shown, not dropped: a reader sees that something was there, in the appid and in WeChat's message.
  expect(text).toContain('0123456789\\u009b2J');
  expect(text).toContain('red\\u202eesrever\\u009b2J');
};

test('`wxplugin authorizers` JSON lines and stderr', async () => {
  const run = await runTool('wxplugin.js', ['authorizers', '--json'], componentEnv(url));
  expect(run.code).toBe(1);
  expectEscaped(run.stdout);
  expect(run.stderr).not.toMatch(RAW);
  // Escaped as \uXXXX: the same JSON values.
  const rows = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(rows.map((row) => row.authorizerAppid)).toContain(HOSTILE_APPID);
});

test('`wxplugin authorizers` as a table on a terminal', async () => {
  // script(1) gives the command a terminal of its own, so it prints the table a person sees.
  const env = { ...componentEnv(url), TERM: 'dumb' };
  const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(join(PROJECT_ROOT, 'dist', 'wxplugin.js'))} authorizers`;
  const typescript = join(work, 'typescript');
  // Exit 1 (WeChat refused the info calls) is expected; the table is what is checked.
  await new Promise((resolve) => execFile('script', ['-qec', command, typescript], { env, timeout: 60_000 }, resolve));
  const shown = readFileSync(typescript, 'utf8');
  expect(shown).toMatch(/appid +set 40/);
  // script writes its own header line and CR LF line ends; the table's lines are what matter.
  const table = shown.split(/\r?\n/).filter((line) => line.startsWith('wx'));
  expect(table).toHaveLength(2);
  for (const line of table) expect(line).not.toMatch(RAW);
  expect(table.join('\n')).toContain('wx\\u001b[31m\\u202e0123456789\\u009b2J');
});

test('the batch report, text and JSON: appids from the listing and WeChat\'s errmsg', async () => {
  const store = join(work, 'store');
  const run = await runTool('wxplugin.js', ['batch', 'apply', '--plugin-appid', 'wx1111111111111111', '--all', '--rate', '1000', '--store', store], componentEnv(url));
  expect(run.code).toBe(1);
  expectEscaped(run.stdout);
  expect(run.stderr).not.toMatch(RAW);
  const runId = /run (\S+):/.exec(run.stdout)![1]!;
  // The same run's report again, as JSON lines (a finished run resumes to its report).
  const json = await runTool('wxplugin.js', ['batch', 'resume', runId, '--store', store, '--json'], componentEnv(url));
  expect(json.code).toBe(1);
  expectEscaped(json.stdout);
  expect(json.stderr).not.toMatch(RAW);
  expect(json.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { authorizer?: string }).authorizer)).toContain(HOSTILE_APPID);
});
