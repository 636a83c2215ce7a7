/**
 * Batch runs on a real PostgreSQL server, started by the test on loopback: the run is started with
 * `wxplugin batch apply`, three `wxplugin worker` processes join it, one of them is SIGKILLed
 * mid-run, and the others finish it. Then, as on the embedded store: every authoriser that granted
 * plugin management has exactly one successful call in the emulator's log, no refresh token is
 * lost, and the rate bound holds over every ten-second window, for all the processes together. On
 * WeChat's Node 22.21 and 24.11 builds (batch runs need Node 22.12 or later).
 *
 * Needs PostgreSQL's binaries (initdb, pg_ctl). Where they are missing the test says so and passes;
 * with CI=true it fails instead: CI must run it.
 */
import { Client } from 'pg';
import { startEmulator, type Emulator } from '../../src/emulator/gateway';
import { busiestWindow, checkApplyReport, RATE_WINDOW_MS, checkOnceEach, componentEnv, lostRefreshTokens, startCli, waitFor, type Started } from '../support/batch';
import { findPostgresBin, postgresMissing, startPostgres, type PostgresServer } from '../support/postgres';
import { describeEachBatchNode } from '../support/wechat-node';

jest.setTimeout(1_800_000);

const AUTHORIZERS = 10_000;
const RATE = 400;
const OPEN_PLUGIN = 'wx2222222222222222';
const bin = findPostgresBin();

if (!bin) {
  postgresMissing('batch-postgres', 'the server batch test');
} else {
  describeEachBatchNode('10,000 authorisers on PostgreSQL, three workers, one SIGKILLed, on %s', (_nodeName, node) => {
    let server: PostgresServer;
    let emulator: Emulator;
    beforeAll(async () => {
      server = await startPostgres(bin);
      emulator = await startEmulator({ https: { component: { authorizers: AUTHORIZERS, withoutPluginManagement: 0.1, rotateRefreshTokens: true } } });
    }, 120_000);
    afterAll(async () => {
      await emulator?.close();
      server?.stop();
    });

    test('the run finishes without the killed worker, each authoriser done once', async () => {
      const component = emulator.https.component!;
      const env = componentEnv(emulator.url, { DATABASE_URL: server.url });
      // A short job timeout: the killed worker's jobs go back to the others after 10 s, not 60.
      const batch = startCli(['batch', 'apply', '--plugin-appid', OPEN_PLUGIN, '--all', '--rate', String(RATE), '--job-timeout', '10', '--json'], env, node);
      await waitFor(() => component.calls().length >= 300 || batch.child.exitCode !== null, 300_000, 'the run to start');
      const workers: Started[] = [0, 1, 2].map(() => startCli(['worker', '--exit-when-idle'], env, node));
      await waitFor(() => component.calls().length >= 3000 || batch.child.exitCode !== null, 1_200_000, '3000 calls');
      expect(batch.child.exitCode).toBeNull();
      workers[0]!.child.kill('SIGKILL');
      const killed = await workers[0]!.done;
      expect(killed.code).toBeNull();
      const atKill = component.calls().length;

      const finished = await batch.done;
      const others = await Promise.all(workers.slice(1).map((worker) => worker.done));
      for (const other of others) expect(other.code).toBe(0);
      expect(finished.code).toBe(1);
      const { summary } = checkApplyReport(finished.stdout, AUTHORIZERS);

      const { wrong, redone } = checkOnceEach(component, AUTHORIZERS);
      expect(wrong).toEqual([]);
      process.stdout.write(`batch-postgres: worker killed after ${atKill} calls; ${redone} authoriser(s) called again, 0 duplicate successes\n`);
      expect(summary.alreadyDone).toBeLessThanOrEqual(redone);
      // The rate bound, over windows the limiter's margin covers under load (see busiestWindow).
      expect(busiestWindow(component.calls().map((call) => call.t), RATE_WINDOW_MS)).toBeLessThanOrEqual((RATE * RATE_WINDOW_MS) / 1000);

      const client = new Client({ connectionString: server.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ name: string; value: string }>("SELECT name, value FROM wxplugin_batch.token WHERE kind = 'refresh'");
        expect(lostRefreshTokens(rows, component, AUTHORIZERS)).toEqual([]);
      } finally {
        await client.end();
      }
    });
  });
}
