/**
 * A graceful stop, as a user gets one: `wxplugin batch apply` (the built CLI, a child process, the
 * embedded store) is sent SIGTERM mid-run. It stops taking jobs, lets the calls in flight finish
 * and records them, prints how to resume, and exits 3. Every call the emulator answered is then in
 * the store, so `batch resume` finishes the run without calling any authoriser twice. On WeChat's
 * Node 22.21 and 24.11 builds, and from jest's own (older) Node, where `wxplugin` runs itself again
 * under Node 22.21 and passes the signal on. Then a SIGKILL, and two `batch resume` at once: the
 * store has one owner, the other is refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator/gateway';
import { checkOnceEach, componentEnv, jsonLines, startCli, waitFor } from '../support/batch';
import { runTool } from '../support/run-tool';
import { BATCH_WECHAT_NODES, reportMissingWechatNodes } from '../support/wechat-node';

jest.setTimeout(600_000);

const AUTHORIZERS = 300;
const OPEN_PLUGIN = 'wx1111111111111111';

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'wxplugin-batch-stop-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const NODES: ReadonlyArray<readonly [string, string]> = [
  ...BATCH_WECHAT_NODES.flatMap((node) => (node.path ? [[node.name, node.path] as const] : [])),
  [`jest's own Node ${process.version}, run again under Node 22.21`, process.execPath],
];
reportMissingWechatNodes(BATCH_WECHAT_NODES);

describe.each(NODES)('on %s', (nodeName, node) => {
  let emulator: Emulator;
  const store = (name: string) => join(work, `${name}-${nodeName.replace(/\W+/g, '-')}`);
  beforeEach(async () => {
    emulator = await startEmulator({ https: { component: { authorizers: AUTHORIZERS, withoutPluginManagement: 0 } } });
  });
  afterEach(() => emulator?.close());

  test('SIGTERM mid-run: exit 3 after the calls in flight, each recorded; resume finishes with no authoriser called twice', async () => {
    const component = emulator.https.component!;
    const env = componentEnv(emulator.url);
    // A slow rate keeps the run going long enough to be stopped in the middle.
    const batch = startCli(['batch', 'apply', '--plugin-appid', OPEN_PLUGIN, '--all', '--rate', '40', '--concurrency', '8', '--store', store('term')], env, node);
    await waitFor(() => component.calls().length >= 30 || batch.child.exitCode !== null, 300_000, '30 calls');
    expect(batch.child.exitCode).toBeNull();
    batch.child.kill('SIGTERM');
    const stopped = await batch.done;

    expect(stopped.code).toBe(3);
    const runId = /run (\d{8}-\d{6}-[0-9a-f]{4})/.exec(stopped.stderr)?.[1];
    expect(runId).toBeDefined();
    expect(stopped.stderr).toContain(`stopping after the calls in flight; \`wxplugin batch resume ${runId}\` carries on`);
    expect(stopped.stderr).toMatch(/\d+ not finished: `wxplugin batch resume \S+` carries on/);
    const made = component.calls().length;
    expect(made).toBeLessThan(AUTHORIZERS);

    // The store against the emulator's log: every call it answered is recorded, none more.
    const status = await runTool('wxplugin.js', ['batch', 'status', runId!, '--store', store('term'), '--json'], env, node);
    expect(status.code).toBe(3);
    const counts = jsonLines(status.stdout)[0]!;
    expect(counts).toMatchObject({ run: runId, total: AUTHORIZERS, succeeded: made, failed: 0, jobs: expect.any(Number) });
    expect(counts.pending).toBe(AUTHORIZERS - made);
    expect(component.calls().every((call) => call.errcode === 0)).toBe(true);

    const resumed = await runTool('wxplugin.js', ['batch', 'resume', '--store', store('term'), '--json'], env, node);
    expect(resumed.code).toBe(0);
    expect(jsonLines(resumed.stdout).pop()).toEqual({ run: runId, total: AUTHORIZERS, succeeded: AUTHORIZERS, alreadyDone: 0, notAuthorised: 0, deferred: 0, failed: 0 });
    // Each authoriser called once, successfully: nothing done before the stop was done again.
    expect(checkOnceEach(component, AUTHORIZERS)).toEqual({ wrong: [], redone: 0 });
  });

  if (node !== process.execPath) {
    test('SIGKILL mid-run, then two `batch resume` at once: one owns the store and finishes, the other is refused (exit 2)', async () => {
      const component = emulator.https.component!;
      const env = componentEnv(emulator.url);
      const batch = startCli(['batch', 'apply', '--plugin-appid', OPEN_PLUGIN, '--all', '--rate', '40', '--concurrency', '8', '--store', store('kill')], env, node);
      await waitFor(() => component.calls().length >= 30 || batch.child.exitCode !== null, 300_000, '30 calls');
      batch.child.kill('SIGKILL');
      expect((await batch.done).code).toBeNull();
      const both = await Promise.all([0, 1].map(() => runTool('wxplugin.js', ['batch', 'resume', '--store', store('kill'), '--json'], env, node)));
      const codes = both.map((run) => run.code).sort();
      expect(codes).toEqual([0, 2]);
      const refused = both.find((run) => run.code === 2)!;
      expect(refused.stderr).toMatch(/^wxplugin batch resume: the store .* is in use by process \d+: the embedded store serves one process at a time/);
      expect(refused.stderr.trim().split('\n')).toHaveLength(1);
      const finished = both.find((run) => run.code === 0)!;
      expect(jsonLines(finished.stdout).pop()).toMatchObject({ total: AUTHORIZERS, failed: 0 });
      // One success each: a call the kill left unrecorded met "already added" when made again.
      expect(checkOnceEach(component, AUTHORIZERS).wrong).toEqual([]);
    });
  }
});
