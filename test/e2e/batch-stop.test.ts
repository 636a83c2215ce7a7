/**
 * A graceful stop, as a user gets one: `wxplugin batch apply` (the built CLI, a child process, the
 * embedded store) is sent SIGTERM mid-run. It stops taking jobs, lets the calls in flight finish
 * and records them, prints how to resume, and exits 3. Every call the emulator answered is then in
 * the store, so `batch resume` finishes the run without calling any authoriser twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator/gateway';
import { checkOnceEach, componentEnv, jsonLines, startCli, waitFor } from '../support/batch';
import { runTool } from '../support/run-tool';

jest.setTimeout(600_000);

const AUTHORIZERS = 300;
const OPEN_PLUGIN = 'wx1111111111111111';

let work: string;
let emulator: Emulator;
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'wxplugin-batch-stop-'));
  emulator = await startEmulator({ https: { component: { authorizers: AUTHORIZERS, withoutPluginManagement: 0 } } });
});
afterAll(async () => {
  await emulator?.close();
  rmSync(work, { recursive: true, force: true });
});

test('SIGTERM mid-run: exit 3 after the calls in flight, each recorded; resume finishes with no authoriser called twice', async () => {
  const component = emulator.https.component!;
  const env = componentEnv(emulator.url);
  const store = join(work, 'store');
  // A slow rate keeps the run going long enough to be stopped in the middle.
  const batch = startCli(['batch', 'apply', '--plugin-appid', OPEN_PLUGIN, '--all', '--rate', '40', '--concurrency', '8', '--store', store], env);
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
  const status = await runTool('wxplugin.js', ['batch', 'status', runId!, '--store', store, '--json'], env);
  expect(status.code).toBe(3);
  const counts = jsonLines(status.stdout)[0]!;
  expect(counts).toMatchObject({ run: runId, total: AUTHORIZERS, succeeded: made, failed: 0, jobs: expect.any(Number) });
  expect(counts.pending).toBe(AUTHORIZERS - made);
  expect(component.calls().every((call) => call.errcode === 0)).toBe(true);

  const resumed = await runTool('wxplugin.js', ['batch', 'resume', '--store', store, '--json'], env);
  expect(resumed.code).toBe(0);
  expect(jsonLines(resumed.stdout).pop()).toEqual({ run: runId, total: AUTHORIZERS, succeeded: AUTHORIZERS, alreadyDone: 0, notAuthorised: 0, deferred: 0, failed: 0 });
  // Each authoriser called once, successfully: nothing done before the stop was done again.
  expect(checkOnceEach(component, AUTHORIZERS)).toEqual({ wrong: [], redone: 0 });
});
