/**
 * Batch runs on the embedded store (PGlite in the CLI's own process), as a user runs them: the
 * built `wxplugin` in child processes against the loopback emulator's third-party platform with
 * 10,000 authorisers, real sockets, real pg-boss. The run is SIGKILLed mid-way and resumed; then
 * every authoriser that granted plugin management has exactly one successful call in the
 * emulator's log, no refresh token is lost (the emulator hands out a new one each time), and the
 * rate bound holds in every one-second window of the log.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authorizerAppid } from '../../src/emulator/component-world';
import { startEmulator, type Emulator } from '../../src/emulator/gateway';
import { busiestWindow, checkApplyReport, RATE_WINDOW_MS, checkOnceEach, componentEnv, jsonLines, lostRefreshTokens, readEmbeddedRefreshTokens, startCli, waitFor } from '../support/batch';
import { runTool } from '../support/run-tool';
import { describeEachBatchNode, INSTALLED_WECHAT_NODES } from '../support/wechat-node';
import { PROJECT_ROOT } from '../../src/platform/invoke';
import { RERUN_MARK as NO_RERUN } from '../../src/tools/batch-node';

jest.setTimeout(1_800_000);

const AUTHORIZERS = 10_000;
const RATE = 300;
const OPEN_PLUGIN = 'wx1111111111111111';

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'wxplugin-batch-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describeEachBatchNode('on %s', (nodeName, node) => {
const cli = (args: readonly string[], env: Record<string, string>) => runTool('wxplugin.js', args, env, node);
const slug = nodeName.replace(/\W+/g, '-');

describe('10,000 authorisers on the embedded store, killed mid-run and resumed', () => {
  let emulator: Emulator;
  const store = () => join(work, `store-10k-${slug}`);
  beforeAll(async () => {
    emulator = await startEmulator({ https: { component: { authorizers: AUTHORIZERS, withoutPluginManagement: 0.1, rotateRefreshTokens: true } } });
  });
  afterAll(() => emulator.close());

  test('every authoriser done once, the killed run resumed without redoing what was recorded', async () => {
    const component = emulator.https.component!;
    const env = componentEnv(emulator.url);
    const first = startCli(['batch', 'apply', '--plugin-appid', OPEN_PLUGIN, '--all', '--rate', String(RATE), '--store', store()], env, node);
    await waitFor(() => component.calls().length >= 3000 || first.child.exitCode !== null, 1_200_000, '3000 calls');
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.code).toBeNull();
    const atKill = component.calls().length;
    expect(atKill).toBeLessThan(AUTHORIZERS);

    const resumed = await cli(['batch', 'resume', '--store', store(), '--json'], env);
    // 10 % of the authorisers did not grant plugin management: refused, so exit 1.
    expect(resumed.code).toBe(1);
    const { lines, summary } = checkApplyReport(resumed.stdout, AUTHORIZERS);
    expect(lines.find((line) => line.authorizer === authorizerAppid(9))).toMatchObject({ outcome: 'notAuthorised', errCode: 61007 });

    // The call log: one success per authoriser with set 40; what was redone after the kill is a
    // call whose record the kill lost, and it met "already added", never a second success.
    const { wrong, redone } = checkOnceEach(component, AUTHORIZERS);
    expect(wrong).toEqual([]);
    process.stdout.write(`batch-embedded: killed after ${atKill} calls; ${redone} authoriser(s) called again after resume, 0 duplicate successes\n`);
    // Only calls in flight or unrecorded at the kill are made again: at most the concurrency (128).
    expect(redone).toBeLessThanOrEqual(128);
    expect(summary.alreadyDone).toBeLessThanOrEqual(redone);

    // The rate bound, over windows the limiter's margin covers under load (see busiestWindow).
    expect(busiestWindow(component.calls().map((call) => call.t), RATE_WINDOW_MS)).toBeLessThanOrEqual((RATE * RATE_WINDOW_MS) / 1000);

    // No refresh token lost: the store holds, for every authoriser, the one WeChat holds now.
    // (Read in a child process: PGlite loads its WebAssembly with a dynamic import, which jest's VM refuses.)
    const rows = await readEmbeddedRefreshTokens(join(store(), 'pgdata'));
    expect(rows).toHaveLength(AUTHORIZERS);
    expect(lostRefreshTokens(rows, component, AUTHORIZERS)).toEqual([]);

    // And the run, asked about later, says the same.
    const status = await cli(['batch', 'status', '--store', store(), '--json'], env);
    expect(status.code).toBe(1);
    expect(jsonLines(status.stdout)[0]).toMatchObject({ total: AUTHORIZERS, succeeded: summary.succeeded, alreadyDone: summary.alreadyDone, notAuthorised: 1000, pending: 0, listed: true, jobs: 0 });
  });
});

describe('a small platform: a file of authorisers, the daily quota, bad arguments', () => {
  let emulator: Emulator;
  const store = () => join(work, `store-small-${slug}`);
  const file = () => join(work, 'authorizers.txt');
  beforeAll(async () => {
    emulator = await startEmulator({ https: { component: { authorizers: 20, withoutPluginManagement: 0, dailyQuota: 1 } } });
    writeFileSync(file(), ['# the first twelve', ...Array.from({ length: 12 }, (_, index) => authorizerAppid(index)), ''].join('\n'));
  });
  afterAll(() => emulator.close());

  test('bad arguments: exit 2, one line, nothing sent', async () => {
    const env = componentEnv(emulator.url);
    const cases: Array<[string[], RegExp]> = [
      [['batch', 'apply', '--plugin-appid', OPEN_PLUGIN], /--all, or --authorizers FILE/],
      [['batch', 'apply', '--plugin-appid', OPEN_PLUGIN, '--all', '--authorizers', file()], /say which authorisers, not both/],
      [['batch', 'apply', '--all'], /--plugin-appid is required/],
      [['batch', 'update', '--plugin-appid', OPEN_PLUGIN, '--all'], /--user-version is required/],
      [['batch', 'apply', '--plugin-appid', OPEN_PLUGIN, '--all', '--rate', 'fast'], /--rate takes calls per second/],
      [['batch', 'apply', '--plugin-appid', OPEN_PLUGIN, '--authorizers', join(work, 'missing.txt')], /--authorizers names no readable file/],
      [['batch', 'frobnicate'], /unknown batch command "frobnicate"/],
      [['batch', 'apply', '--plugin-appid', OPEN_PLUGIN, '--all', '--bogus'], /unknown option --bogus/],
    ];
    for (const [args, message] of cases) {
      const run = await cli([...args, '--store', store()], env);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).toMatch(message);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stdout).toBe('');
    }
    const badLine = join(work, 'bad.txt');
    writeFileSync(badLine, `${authorizerAppid(1)}\nWXA0000000000000002\n`);
    const run = await cli(['batch', 'apply', '--plugin-appid', OPEN_PLUGIN, '--authorizers', badLine, '--store', store()], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/line 2 is not an appid/);
    const noCredentials = await cli(['batch', 'apply', '--plugin-appid', OPEN_PLUGIN, '--all', '--store', store()], { PATH: process.env.PATH ?? '' });
    expect(noCredentials.code).toBe(2);
    expect(noCredentials.stderr).toMatch(/WECHAT_COMPONENT_APPID/);
    expect(emulator.https.component!.calls()).toEqual([]);
  });

  // WeChat's Node builds older than 22.12 (16.13, 18.15, 20.19), where npm installed them (runtimes.test.ts reports any missing),
  // with the re-run under Node 22.21 off, as for a package installed from npm (which has no such build).
  const OLDER_NODES = INSTALLED_WECHAT_NODES.filter(([name]) => /\b(1[68]|20)\.\d+\.\d+/.test(name));
  if (OLDER_NODES.length && nodeName.includes('22.21')) test.each(OLDER_NODES)('on %s (older than Node 22.12) the batch commands say they need Node 22.12: exit 2, nothing opened or sent', async (_name, old) => {
    for (const args of [['batch', 'status', '--store', join(work, 'old-node')], ['worker']]) {
      const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(old, [join(PROJECT_ROOT, 'dist', 'wxplugin.js'), ...args], { env: componentEnv(emulator.url, { [NO_RERUN]: '1' }) });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('close', (code) => resolve({ code, stderr }));
      });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/needs? Node\.js 22\.12\.0 or later.*this is (Node\.js |v)(1[68]|20)\./);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(join(work, 'old-node'))).toBe(false);
    }
    expect(emulator.https.component!.calls()).toEqual([]);
  });

  test('--authorizers FILE, then 45009 defers every job to after the reset: exit 3, status says until when', async () => {
    const env = componentEnv(emulator.url);
    const applied = await cli(['batch', 'apply', '--plugin-appid', OPEN_PLUGIN, '--authorizers', file(), '--store', store(), '--json'], env);
    expect(applied.stderr).not.toMatch(/secret|ctok_|atok_|refreshtoken/);
    expect(applied.code).toBe(0);
    const lines = jsonLines(applied.stdout);
    expect(lines.pop()).toEqual({ run: expect.any(String), total: 12, succeeded: 12, alreadyDone: 0, notAuthorised: 0, deferred: 0, failed: 0 });
    expect(lines.map((line) => line.outcome)).toEqual(Array(12).fill('succeeded'));
    expect(new Set(emulator.https.component!.calls().map((call) => call.authorizer)).size).toBe(12);

    // Each authoriser's one call a day is spent: the unbinds are deferred, not failed.
    const unbound = await cli(['batch', 'unbind', '--plugin-appid', OPEN_PLUGIN, '--authorizers', file(), '--store', store()], env);
    expect(unbound.code).toBe(3);
    expect(unbound.stdout).toMatch(/12 authorisers: 0 succeeded, 0 already so, 0 not authorised \(61007\), 12 deferred, 0 failed/);
    expect(unbound.stderr).toMatch(/12 deferred by their daily quota \(45009\) until \d{4}-\d\d-\d\dT16:05:00.000Z: run `wxplugin batch resume \S+` after then/);
    const status = await cli(['batch', 'status', '--store', store(), '--json'], env);
    expect(status.code).toBe(3);
    expect(jsonLines(status.stdout)[0]).toMatchObject({ total: 12, deferred: 12, pending: 0, operation: 'unbindPlugin', deferredUntil: expect.stringMatching(/T16:05:00.000Z$/) });
    // A resume now has nothing due: it calls nothing and stops again with exit 3.
    const before = emulator.https.component!.calls().length;
    const resumed = await cli(['batch', 'resume', '--store', store()], env);
    expect(resumed.code).toBe(3);
    expect(emulator.https.component!.calls().length).toBe(before);
  });
});
});
