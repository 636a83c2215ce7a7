/**
 * The platform's own tokens and the platform's own faults, as a platform's operator meets them:
 * the built `wxplugin` in child processes against the loopback emulator, a test token server behind
 * `--token-command` (test/support/token-server.cjs, handing out tokens the emulator issued), and
 * the emulator's own counts proving what reached WeChat's token endpoints.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authorizerAppid, DEMO_COMPONENT_APPID, type ComponentWorld } from '../../src/emulator/component-world';
import { startEmulator, type Emulator } from '../../src/emulator/gateway';
import { ProjectCode } from '../../src/core/codes';
import { PROJECT_ROOT } from '../../src/platform/invoke';
import { componentEnv, jsonLines } from '../support/batch';
import { runTool } from '../support/run-tool';

jest.setTimeout(300_000);

const AUTHORIZERS = 40;
const OPEN_PLUGIN = 'wx1111111111111111';
const SERVER = join(PROJECT_ROOT, 'test', 'support', 'token-server.cjs');

let work: string;
let emulator: Emulator;
let world: ComponentWorld;
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'wxplugin-platform-tokens-'));
  emulator = await startEmulator({ https: { component: { authorizers: AUTHORIZERS, withoutPluginManagement: 0 } } });
  world = emulator.https.component!.world;
});
afterAll(async () => {
  await emulator.close();
  rmSync(work, { recursive: true, force: true });
});

/** Only the appid: no secret, no ticket. */
const appidOnly = (extra: Record<string, string> = {}): Record<string, string> => ({ PATH: process.env.PATH ?? '', WECHAT_API_BASE_URL: emulator.url, WECHAT_COMPONENT_APPID: DEMO_COMPONENT_APPID, ...extra });

interface Ledger {
  mode?: string;
  leak?: string;
  component: string[];
  authorizers: Record<string, string[]>;
}

/** A ledger of tokens the emulator issued (each authoriser two: the second for a refusal), and the command serving it. */
function tokenServer(name: string, shape: (ledger: Ledger) => void = () => undefined): { command: string; ledger: Ledger; file: string; calls: () => Array<{ words: string; refused: string | null }> } {
  const ledger: Ledger = { component: [world.issueComponentToken()], authorizers: {} };
  for (let index = 0; index < AUTHORIZERS; index += 1) {
    const appid = authorizerAppid(index);
    ledger.authorizers[appid] = [world.issueAuthorizerToken(appid).accessToken, world.issueAuthorizerToken(appid).accessToken];
  }
  shape(ledger);
  const file = join(work, `${name}.json`);
  writeFileSync(file, JSON.stringify(ledger));
  const calls = () => {
    try {
      return jsonLines(readFileSync(`${file}.calls`, 'utf8')) as Array<{ words: string; refused: string | null }>;
    } catch {
      return [];
    }
  };
  return { command: `${JSON.stringify(process.execPath)} ${JSON.stringify(SERVER)} ${JSON.stringify(file)}`, ledger, file, calls };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((entry) => join(dir, entry))
    .filter((path) => statSync(path).isFile());
}

const expire = (token: string) => (world.token(token)!.expiresAt = 0);

describe('beside the platform\'s token server', () => {
  test('batch apply --all: every token from the command, none from WeChat\'s token endpoints, none stored; a refused token is asked again with WXPLUGIN_REFUSED_TOKEN, a second refusal fails with WeChat\'s code', async () => {
    const server = tokenServer('batch');
    const refusedOnce = authorizerAppid(3);
    const refusedTwice = authorizerAppid(7);
    // authoriser 3: its first token expired, the second good; authoriser 7: only an expired one to give.
    expire(server.ledger.authorizers[refusedOnce]![0]!);
    server.ledger.authorizers[refusedTwice] = [server.ledger.authorizers[refusedTwice]![0]!];
    expire(server.ledger.authorizers[refusedTwice]![0]!);
    writeFileSync(server.file, JSON.stringify(server.ledger));
    const before = { ...world.requests };
    const store = join(work, 'store-batch');

    const run = await runTool('wxplugin.js', ['batch', 'apply', '--plugin-appid', OPEN_PLUGIN, '--all', '--token-command', server.command, '--store', store, '--json'], appidOnly());
    expect(world.requests).toEqual(before);
    const lines = jsonLines(run.stdout);
    const summary = lines.pop()!;
    expect(summary).toMatchObject({ total: AUTHORIZERS, succeeded: AUTHORIZERS - 1, failed: 1 });
    expect(lines.find((line) => line.authorizer === refusedTwice)).toMatchObject({ outcome: 'failed', errCode: 42001 });
    expect(lines.find((line) => line.authorizer === refusedOnce)).toMatchObject({ outcome: 'succeeded' });
    expect(run.code).toBe(1);

    const calls = server.calls();
    expect(calls.filter((call) => call.words === 'component')).toEqual([{ words: 'component', refused: null }]);
    expect(calls.filter((call) => call.words === `authorizer ${refusedOnce}`)).toEqual([
      { words: `authorizer ${refusedOnce}`, refused: null },
      { words: `authorizer ${refusedOnce}`, refused: server.ledger.authorizers[refusedOnce]![0] },
    ]);
    expect(calls.filter((call) => call.words === `authorizer ${refusedTwice}`)).toHaveLength(2);
    // Once per authoriser otherwise: kept in memory, not asked again.
    expect(calls).toHaveLength(1 + AUTHORIZERS + 2);

    // Never written to the store (nor anywhere under it).
    const tokens = [...server.ledger.component, ...Object.values(server.ledger.authorizers).flat()];
    for (const file of filesUnder(store)) {
      const content = readFileSync(file).toString('latin1');
      expect(tokens.filter((token) => content.includes(token))).toEqual([]);
    }
    expect(tokens.filter((token) => run.stdout.includes(token) || run.stderr.includes(token))).toEqual([]);
  });

  test('wxplugin authorizers with WXPLUGIN_TOKEN_COMMAND: listed and read with the command\'s component token, no token endpoint asked', async () => {
    const server = tokenServer('authorizers');
    const before = { ...world.requests };
    const run = await runTool('wxplugin.js', ['authorizers', '--json', '--rate', '500'], appidOnly({ WXPLUGIN_TOKEN_COMMAND: server.command }));
    expect(run.code).toBe(0);
    expect(jsonLines(run.stdout).pop()).toMatchObject({ total: AUTHORIZERS, pluginManagement: AUTHORIZERS, failed: 0 });
    expect(world.requests).toEqual(before);
    expect(server.calls()).toEqual([{ words: 'component', refused: null }]);
  });

  test.each([
    ['exits 1', 'exit', /exited with status 1/],
    ['prints no JSON', 'garbage', /printed no JSON object/],
    ['prints no access_token', 'no-token', /printed no access_token/],
  ])('a token command that %s stops the run: exit 1, one line, nothing recorded, nothing it printed echoed; resume after the fix finishes it', async (_name, mode, how) => {
    const server = tokenServer(`failing-${mode}`, (ledger) => {
      ledger.mode = mode;
      ledger.leak = `leak${mode}0123456789`;
    });
    const store = join(work, `store-failing-${mode}`);
    const file = join(work, 'all.txt');
    writeFileSync(file, `${Array.from({ length: AUTHORIZERS }, (_, index) => authorizerAppid(index)).join('\n')}\n`);
    const calledBefore = emulator.https.component!.calls().length;

    const started = Date.now();
    const run = await runTool('wxplugin.js', ['batch', 'apply', '--plugin-appid', OPEN_PLUGIN, '--authorizers', file, '--token-command', server.command, '--store', store], appidOnly());
    expect(run.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(run.stderr).toMatch(how);
    expect(run.stderr).toMatch(/the token command/);
    expect(run.stderr.split('\n').filter((line) => line.includes('token command'))).toHaveLength(1);
    expect(`${run.stdout}${run.stderr}`).not.toContain(server.ledger.leak);
    expect(server.calls().length).toBeLessThanOrEqual(3);
    expect(emulator.https.component!.calls().length).toBe(calledBefore);

    const status = await runTool('wxplugin.js', ['batch', 'status', '--store', store, '--json'], appidOnly());
    expect(jsonLines(status.stdout)[0]).toMatchObject({ total: AUTHORIZERS, succeeded: 0, failed: 0, notAuthorised: 0, pending: AUTHORIZERS });

    const fixed = tokenServer(`fixed-${mode}`);
    const resumed = await runTool('wxplugin.js', ['batch', 'resume', '--token-command', fixed.command, '--store', store, '--json'], appidOnly());
    expect(resumed.stderr).not.toMatch(/token command/);
    expect(jsonLines(resumed.stdout).pop()).toMatchObject({ total: AUTHORIZERS, succeeded: expect.any(Number), failed: 0 });
    expect(resumed.code).toBe(0);
  });
});

describe('the platform\'s own faults stop the run, not the mini-programs', () => {
  test('a wrong WECHAT_COMPONENT_SECRET: at most 3 requests for the component token, exit 1 with one line naming it, nothing recorded; resume with the right secret finishes the run', async () => {
    const store = join(work, 'store-wrong-secret');
    const file = join(work, 'all-secret.txt');
    writeFileSync(file, `${Array.from({ length: AUTHORIZERS }, (_, index) => authorizerAppid(index)).join('\n')}\n`);
    const before = world.requests.componentToken;
    const started = Date.now();
    const run = await runTool('wxplugin.js', ['batch', 'apply', '--plugin-appid', OPEN_PLUGIN, '--authorizers', file, '--store', store], componentEnv(emulator.url, { WECHAT_COMPONENT_SECRET: 'not-the-secret' }));
    expect(run.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(world.requests.componentToken - before).toBeLessThanOrEqual(3);
    const lines = run.stderr.trim().split('\n').filter((line) => /WECHAT_COMPONENT_SECRET/.test(line));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/40125/);
    expect(run.stderr).not.toMatch(/WECHAT_APPSECRET/);
    expect(run.stderr).not.toContain('not-the-secret');

    const status = await runTool('wxplugin.js', ['batch', 'status', '--store', store, '--json'], componentEnv(emulator.url));
    expect(jsonLines(status.stdout)[0]).toMatchObject({ total: AUTHORIZERS, failed: 0, pending: AUTHORIZERS });

    const resumed = await runTool('wxplugin.js', ['batch', 'resume', '--store', store, '--json'], componentEnv(emulator.url));
    expect(jsonLines(resumed.stdout).pop()).toMatchObject({ total: AUTHORIZERS, failed: 0, notAuthorised: 0 });
    expect(resumed.code).toBe(0);
  });

  test('an expired verify ticket with --all: the listing stops at once naming WECHAT_COMPONENT_VERIFY_TICKET, exit 1', async () => {
    const run = await runTool('wxplugin.js', ['batch', 'apply', '--plugin-appid', OPEN_PLUGIN, '--all', '--store', join(work, 'store-ticket')], componentEnv(emulator.url, { WECHAT_COMPONENT_VERIFY_TICKET: 'ticket@@@never-pushed' }));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/61006/);
    expect(run.stderr).toMatch(/WECHAT_COMPONENT_VERIFY_TICKET/);
  });

  test('WECHAT_COMPONENT_VERIFY_TICKET=@/missing/file: exit 2, one line naming the file, nothing created', async () => {
    const missing = join(work, 'no-such-dir', 'ticket.txt');
    const store = join(work, 'store-missing-ticket');
    for (const args of [['batch', 'apply', '--plugin-appid', OPEN_PLUGIN, '--all', '--store', store], ['authorizers']]) {
      const run = await runTool('wxplugin.js', args, componentEnv(emulator.url, { WECHAT_COMPONENT_VERIFY_TICKET: `@${missing}` }));
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toContain(missing);
      expect(run.stderr).not.toMatch(/-930306|token store/);
    }
    expect(() => statSync(store)).toThrow();
  });
});

test('the project codes used here are in the catalogue', () => {
  expect(ProjectCode.TOKEN_COMMAND_FAILED).toBe(-930312);
});

test('45011, the platform\'s rate limit: the run slows down and says so, and no authoriser fails because of it', async () => {
  const limited = await startEmulator({ https: { component: { authorizers: 12, withoutPluginManagement: 0, rateLimit: 4 } } });
  try {
    const run = await runTool('wxplugin.js', ['batch', 'list', '--all', '--rate', '40', '--concurrency', '8', '--json', '--store', join(work, 'store-45011')], componentEnv(limited.url));
    const refusals = limited.https.component!.calls().filter((call) => call.errcode === 45011).length;
    expect(refusals).toBeGreaterThan(0);
    expect(jsonLines(run.stdout).pop()).toMatchObject({ total: 12, succeeded: 12, failed: 0 });
    expect(run.stderr).toMatch(/45011 \(the platform's rate limit\): this process slows down to \d+(\.\d+)? calls\/s/);
    expect(run.code).toBe(0);
  } finally {
    await limited.close();
  }
});
