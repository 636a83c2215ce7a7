/**
 * Steering runs as a user does: the built `wxplugin` in child processes, the embedded store, the
 * loopback emulator's third-party platform. `batch runs`, `batch retry --codes --rate`, `batch
 * cancel`, `batch resume --rate`, `--dry-run`, a stop while the authorisers are still being listed,
 * and one authoriser's single call through the platform (`--authorizer`).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authorizerAppid, DEMO_COMPONENT_APPID } from '../../src/emulator/component-world';
import { PROJECT_ROOT } from '../../src/platform/invoke';
import { startEmulator, type Emulator } from '../../src/emulator/gateway';
import { componentEnv, jsonLines, startCli, waitFor } from '../support/batch';
import { runTool } from '../support/run-tool';

jest.setTimeout(600_000);

const AUTHORIZERS = 12;
const PLUGIN = 'wx1111111111111111';
const COUNT_KEYS = ['total', 'succeeded', 'alreadyDone', 'notAuthorised', 'deferred', 'failed', 'pending'];

let work: string;
let emulator: Emulator;
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'wxplugin-steering-'));
  // A quarter did not grant plugin management: 61007.
  emulator = await startEmulator({ https: { component: { authorizers: AUTHORIZERS, withoutPluginManagement: 0.25 } } });
});
afterAll(async () => {
  await emulator?.close();
  rmSync(work, { recursive: true, force: true });
});

const wxplugin = (args: readonly string[], env = componentEnv(emulator.url)) => runTool('wxplugin.js', args, env);
const calls = () => emulator.https.component!.calls();

test('runs, retry --codes --rate, resume --rate, cancel: each as the run says, a success never repeated', async () => {
  const store = join(work, 'steer');
  // The first three plugin calls meet a refusal that is not retried (89236): three failures.
  emulator.faults.add({ kind: 'errcode', errcode: 89236, times: 3 });
  const first = await wxplugin(['batch', 'apply', '--plugin-appid', PLUGIN, '--all', '--rate', '200', '--concurrency', '1', '--store', store, '--json']);
  expect(first.code).toBe(1);
  const summary = jsonLines(first.stdout).pop()!;
  // Whoever met the refusal failed, granted or not; the others succeeded or met 61007.
  expect(summary).toMatchObject({ total: 12, failed: 3 });
  expect(Number(summary.succeeded) + Number(summary.notAuthorised)).toBe(9);
  const runId = summary.run as string;
  const failed = jsonLines(first.stdout).filter((line) => line.outcome === 'failed').map((line) => line.authorizer);
  expect(failed).toHaveLength(3);

  const listed = await wxplugin(['batch', 'runs', '--store', store, '--json']);
  expect(listed.code).toBe(0);
  const [only] = jsonLines(listed.stdout);
  expect(only).toEqual({ run: runId, operation: 'applyPlugin', pluginAppid: PLUGIN, created: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), state: 'finished', rate: 200, total: 12, succeeded: summary.succeeded, alreadyDone: 0, notAuthorised: summary.notAuthorised, deferred: 0, failed: 3, pending: 0, cancelled: 0 });
  for (const key of COUNT_KEYS) expect(typeof only![key]).toBe('number');

  // Only the failures with 89236 are called again, at a new bound kept on the run.
  const before = calls().length;
  const retried = await wxplugin(['batch', 'retry', runId, '--codes', '89236', '--rate', '50', '--store', store, '--json']);
  expect(retried.stderr).toContain(`retrying run ${runId}: the authorisers whose last code is 89236, now at most 50 calls/s`);
  expect(retried.code).toBe(1);
  expect(jsonLines(retried.stdout).pop()).toEqual({ run: runId, total: 12, succeeded: 9, alreadyDone: 0, notAuthorised: 3, deferred: 0, failed: 0 });
  expect(calls().slice(before).map((call) => call.authorizer).sort()).toEqual([...failed].sort());
  const status = await wxplugin(['batch', 'status', '--store', store, '--json']);
  expect(jsonLines(status.stdout)[0]).toMatchObject({ run: runId, rate: 50, state: 'finished', byCode: [{ state: 'succeeded', code: 0, count: 9 }, { state: 'notAuthorised', code: 61007, count: 3 }] });

  const succeeded = jsonLines(retried.stdout).filter((line) => line.outcome === 'succeeded').map((line) => line.authorizer);
  expect(succeeded).toHaveLength(9);

  // Without codes: every one that did not succeed (the three 61007), none that did.
  const middle = calls().length;
  const again = await wxplugin(['batch', 'retry', '--store', store]);
  expect(again.code).toBe(1);
  const recalled = calls().slice(middle).map((call) => call.authorizer);
  expect(recalled).toHaveLength(3);
  for (const appid of succeeded) expect(recalled).not.toContain(appid);
  expect(calls().slice(middle).every((call) => call.errcode === 61007)).toBe(true);

  // A second run, stopped early, then cancelled: shown as such; resume calls none of them, retry calls them.
  const file = join(work, 'granted.txt');
  const granted = Array.from({ length: AUTHORIZERS }, (_, index) => authorizerAppid(index)).filter((appid) => !recalled.includes(appid));
  writeFileSync(file, `${granted.join('\n')}\n`);
  const atStart = calls().length;
  const slow = startCli(['batch', 'unbind', '--plugin-appid', PLUGIN, '--authorizers', file, '--rate', '2', '--concurrency', '1', '--store', store], componentEnv(emulator.url));
  await waitFor(() => calls().length >= atStart + 1 || slow.child.exitCode !== null, 120_000, 'a first call');
  slow.child.kill('SIGINT');
  const stopped = await slow.done;
  expect(stopped.code).toBe(3);
  const second = /run (\d{8}-\d{6}-[0-9a-f]{4})/.exec(stopped.stderr)![1]!;
  const cancelled = await wxplugin(['batch', 'cancel', '--store', store]);
  expect(cancelled.code).toBe(0);
  const left = Number(/(\d+) cancelled now/.exec(cancelled.stdout)?.[1]);
  expect(left).toBeGreaterThan(0);
  expect(cancelled.stdout).toContain(`run ${second}: ${left} cancelled now;`);
  expect(cancelled.stdout).toContain(`${left} cancelled`);
  const both = jsonLines((await wxplugin(['batch', 'runs', '--store', store, '--json'])).stdout);
  expect(both.map((run) => [run.run, run.state, run.cancelled])).toEqual([
    [second, 'cancelled', left],
    [runId, 'finished', 0],
  ]);
  const text = await wxplugin(['batch', 'runs', '--store', store]);
  expect(text.stdout.split('\n')[0]).toMatch(new RegExp(`^${second}  unbindPlugin +${PLUGIN}  \\S+  cancelled .*${left} cancelled$`));

  const beforeResume = calls().length;
  const resumed = await wxplugin(['batch', 'resume', second, '--rate', '100', '--store', store, '--json']);
  expect(resumed.code).toBe(3);
  expect(resumed.stderr).toContain(`${left} cancelled: \`wxplugin batch retry ${second}\` calls them again`);
  expect(calls()).toHaveLength(beforeResume);
  expect(jsonLines((await wxplugin(['batch', 'status', second, '--store', store, '--json'])).stdout)[0]).toMatchObject({ rate: 100, state: 'cancelled', cancelled: left });
  const finished = await wxplugin(['batch', 'retry', second, '--store', store, '--json']);
  expect(finished.code).toBe(0);
  expect(calls()).toHaveLength(beforeResume + left);
  expect(jsonLines(finished.stdout).pop()).toMatchObject({ run: second, total: granted.length, succeeded: granted.length });
});

test('--dry-run: the authorisers that would be called, nothing sent to /wxa/, no run recorded', async () => {
  const store = join(work, 'dry');
  const before = calls().length;
  const all = await wxplugin(['batch', 'apply', '--plugin-appid', PLUGIN, '--all', '--dry-run', '--json', '--store', store]);
  expect(all.code).toBe(0);
  expect(jsonLines(all.stdout)).toEqual(Array.from({ length: AUTHORIZERS }, (_, index) => ({ authorizerAppid: authorizerAppid(index) })));
  expect(all.stderr).toContain(`applyPlugin would be called for ${AUTHORIZERS} authoriser(s); nothing sent, no run recorded`);
  const file = join(work, 'two.txt');
  writeFileSync(file, `${authorizerAppid(3)}\n${authorizerAppid(5)}\n`);
  const some = await wxplugin(['batch', 'update', '--plugin-appid', PLUGIN, '--user-version', '1.0.0', '--authorizers', file, '--dry-run', '--store', store]);
  expect(some).toMatchObject({ code: 0, stdout: `${authorizerAppid(3)}\n${authorizerAppid(5)}\n` });
  expect(calls()).toHaveLength(before);
  const runs = await wxplugin(['batch', 'runs', '--store', store, '--json']);
  expect(runs.stdout).toBe('');
});

test('a stop while the authorisers are still being listed: exit 3 and how to resume, not "0 authorisers" and 0', async () => {
  // A platform that accepts the connection and never answers: the listing waits for its first page.
  const sockets: Socket[] = [];
  const silent: Server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as { port: number }).port;
  try {
    const store = join(work, 'listing');
    const run = startCli(['batch', 'apply', '--plugin-appid', PLUGIN, '--all', '--timeout', '3000', '--store', store], componentEnv(`http://127.0.0.1:${port}`));
    let stderr = '';
    run.child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await waitFor(() => (/run \d{8}-\d{6}-[0-9a-f]{4}/.test(stderr) && sockets.length > 0) || run.child.exitCode !== null, 120_000, 'the listing to start');
    run.child.kill('SIGINT');
    const stopped = await run.done;
    expect(stopped.code).toBe(3);
    const runId = /run (\d{8}-\d{6}-[0-9a-f]{4})/.exec(stopped.stderr)![1];
    expect(stopped.stderr).toContain(`\`wxplugin batch resume ${runId}\` carries on`);
  } finally {
    for (const socket of sockets) socket.destroy();
    silent.close();
  }
});

test('bad steering arguments: exit 2, one line, nothing sent', async () => {
  const store = join(work, 'bad');
  const before = calls().length;
  for (const [args, message] of [
    [['batch', 'apply', '--plugin-appid', PLUGIN, '--all', '--authorizers', join(work, 'two.txt')], /--all and --authorizers FILE are both given: say which authorisers, not both/],
    [['batch', 'retry', '--codes', '61007,abc'], /--codes takes codes separated by commas/],
    [['batch', 'resume', '--rate', '0'], /--rate takes calls per second/],
    [['batch', 'runs', 'extra'], /unexpected argument/],
    [['batch', 'cancel', '--codes', '1'], /unknown option --codes/],
    [['apply', '--plugin-appid', PLUGIN, '--authorizer', 'wxNOPE'], /--authorizer takes the appid of a mini-program/],
    [['dev-list', '--authorizer', authorizerAppid(0)], /unknown option --authorizer/],
  ] as Array<[string[], RegExp]>) {
    const run = await wxplugin([...args, ...(args[0] === 'batch' ? ['--store', store] : [])]);
    expect({ args, code: run.code }).toEqual({ args, code: 2 });
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  }
  expect(calls()).toHaveLength(before);
});

test('runs, cancel, retry and resume on a store that is not there: exit 2, one line, nothing created', async () => {
  for (const command of [['runs'], ['cancel'], ['retry', '--codes', '61007'], ['resume', '--rate', '5']]) {
    const missing = join(work, `typo-${command[0]}`);
    const run = await wxplugin(['batch', ...command, '--store', missing]);
    expect({ command, code: run.code }).toEqual({ command, code: 2 });
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(missing)).toBe(false);
  }
});

test('--authorizer: one authoriser through the platform, the same output and exit codes as a single call', async () => {
  const before = calls().length;
  const applied = await wxplugin(['apply', '--plugin-appid', PLUGIN, '--authorizer', authorizerAppid(0)]);
  expect(applied.code).toBe(0);
  expect(JSON.parse(applied.stdout)).toMatchObject({ errCode: 0, errMsg: 'applyPlugin:ok' });
  const listed = await wxplugin(['list', '--authorizer', authorizerAppid(0), '--json']);
  expect(listed.code).toBe(0);
  expect(JSON.parse(listed.stdout)).toMatchObject({ errCode: 0, pluginList: expect.arrayContaining([expect.objectContaining({ appid: PLUGIN })]) });
  // A second apply: already so (89237), which holds: exit 0.
  expect((await wxplugin(['apply', '--plugin-appid', PLUGIN, '--authorizer', authorizerAppid(0)])).code).toBe(0);
  // 61007: the mini-program did not grant plugin management; exit 1.
  const refused = await wxplugin(['apply', '--plugin-appid', PLUGIN, '--authorizer', authorizerAppid(3)]);
  expect(refused.code).toBe(1);
  expect(JSON.parse(refused.stdout)).toMatchObject({ errCode: 61007 });
  expect(calls().slice(before).map((call) => [call.authorizer, call.errcode])).toEqual([
    [authorizerAppid(0), 0],
    [authorizerAppid(0), 0],
    [authorizerAppid(0), 89237],
    [authorizerAppid(3), 61007],
  ]);
  // No token in what it printed; without the platform's credentials: exit 2, nothing sent.
  expect(applied.stdout + listed.stdout + refused.stdout).not.toMatch(/ctok_|atok_|refreshtoken/);
  const missing = await wxplugin(['unbind', '--plugin-appid', PLUGIN, '--authorizer', authorizerAppid(0)], { WECHAT_API_BASE_URL: emulator.url });
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/WECHAT_COMPONENT_APPID/);
});

test('--authorizer with --token-command: the platform\'s own token, no secret, no token fetched from WeChat', async () => {
  const world = emulator.https.component!.world;
  const ledger = join(work, 'tokens.json');
  writeFileSync(ledger, JSON.stringify({ component: [world.issueComponentToken()], authorizers: { [authorizerAppid(1)]: [world.issueAuthorizerToken(authorizerAppid(1)).accessToken] } }));
  const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(join(PROJECT_ROOT, 'test', 'support', 'token-server.cjs'))} ${JSON.stringify(ledger)}`;
  const fetched = { ...world.requests };
  const before = calls().length;
  const listed = await wxplugin(['list', '--authorizer', authorizerAppid(1), '--token-command', command], { WECHAT_API_BASE_URL: emulator.url, WECHAT_COMPONENT_APPID: DEMO_COMPONENT_APPID });
  expect(listed.code).toBe(0);
  expect(JSON.parse(listed.stdout)).toMatchObject({ errCode: 0, errMsg: 'getPluginList:ok' });
  expect(calls().slice(before).map((call) => call.authorizer)).toEqual([authorizerAppid(1)]);
  expect(world.requests).toEqual(fetched);
  // Without --authorizer the token command has nothing to serve: said so, exit 2.
  const alone = await wxplugin(['list', '--token-command', command]);
  expect(alone.code).toBe(2);
  expect(alone.stderr).toMatch(/--token-command serves calls through the platform: add --authorizer APPID/);
});
