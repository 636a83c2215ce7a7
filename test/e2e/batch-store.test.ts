/**
 * The batch's store as a user meets it, with the built CLI in child processes on WeChat's Node 22.21
 * and 24.11 builds: a read-only command never creates a store; the embedded store is its owner's
 * alone whatever the umask; a DATABASE_URL that does not speak PostgreSQL in time is one line and
 * exit 2; processes starting together on an empty PostgreSQL database all start; and the commands
 * keep working from this repository on a Node too old for batch runs (they run under Node 22.21).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { authorizerAppid } from '../../src/emulator/component-world';
import { startEmulator, type Emulator } from '../../src/emulator/gateway';
import { PROJECT_ROOT } from '../../src/platform/invoke';
import { componentEnv, jsonLines, startCli, waitFor } from '../support/batch';
import { findPostgresBin, startPostgres, type PostgresServer } from '../support/postgres';
import { runTool, type ToolRun } from '../support/run-tool';
import { describeEachBatchNode } from '../support/wechat-node';

jest.setTimeout(600_000);

const AUTHORIZERS = 12;
const bin = findPostgresBin();

let work: string;
let emulator: Emulator;
let file: string;
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'wxplugin-batch-store-'));
  emulator = await startEmulator({ https: { component: { authorizers: AUTHORIZERS, withoutPluginManagement: 0 } } });
  file = join(work, 'authorizers.txt');
  writeFileSync(file, `${Array.from({ length: AUTHORIZERS }, (_, index) => authorizerAppid(index)).join('\n')}\n`);
});
afterAll(async () => {
  await emulator?.close();
  rmSync(work, { recursive: true, force: true });
});

/** Every entry under `dir` (itself included) whose mode lets anyone but its owner in. */
function openToOthers(dir: string): string[] {
  const found: string[] = [];
  const visit = (path: string) => {
    const stat = statSync(path);
    if ((stat.mode & 0o077) !== 0) found.push(`${path} ${(stat.mode & 0o777).toString(8)}`);
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(dir);
  return found;
}

/** A server on loopback that accepts connections and does `onSocket` with each. */
async function fakeServer(onSocket: (socket: Socket) => void): Promise<{ url: string; server: Server; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `postgres://someone:hunter2@127.0.0.1:${port}/runs`, server, sockets };
}

function expectOneLine(run: ToolRun, code: number, message: RegExp): void {
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code, stderr: expect.stringMatching(message) });
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

describeEachBatchNode('on %s', (nodeName, node) => {
  const slug = nodeName.replace(/\W+/g, '-');
  const cli = (args: readonly string[], env: Record<string, string> = componentEnv(emulator.url)) => runTool('wxplugin.js', args, env, node);

  test('status, resume and worker on a store that is not there: exit 2, one line, nothing created', async () => {
    const typo = join(work, `x-${slug}`, 'typo');
    const before = emulator.https.component!.calls().length;
    for (const args of [['batch', 'status', '--store', typo], ['batch', 'resume', '--store', typo], ['worker', '--store', typo]]) {
      expectOneLine(await cli(args), 2, /there is no batch store in .*typo: check --store/);
      expect(existsSync(join(work, `x-${slug}`))).toBe(false);
    }
    expect(emulator.https.component!.calls()).toHaveLength(before);
  });

  test('the embedded store is its owner\'s alone: folders 0700, files 0600, with umask 000', async () => {
    const store = join(work, `private-${slug}`);
    const env = componentEnv(emulator.url);
    const applied = await new Promise<ToolRun>((resolve, reject) => {
      // umask 000: what PGlite and a careless umask would leave open to everyone.
      const child = spawn('sh', ['-c', 'umask 000; exec "$0" "$@"', node, join(PROJECT_ROOT, 'dist', 'wxplugin.js'), 'batch', 'list', '--authorizers', file, '--store', store, '--json'], { env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect({ code: applied.code, stderr: applied.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(jsonLines(applied.stdout).pop()).toMatchObject({ total: AUTHORIZERS, succeeded: AUTHORIZERS });
    expect(readdirSync(join(store, 'pgdata')).length).toBeGreaterThan(5);
    expect(openToOthers(store)).toEqual([]);
  });

  test('status from another process while a run holds the embedded store: the run\'s live counts, within seconds', async () => {
    const platform = await startEmulator({ https: { component: { authorizers: 200, withoutPluginManagement: 0 } } });
    const store = join(work, `live-${slug}`);
    const env = componentEnv(platform.url);
    try {
      // A slow rate keeps the run holding the store while status asks.
      const running = startCli(['batch', 'apply', '--plugin-appid', 'wx1111111111111111', '--all', '--rate', '20', '--store', store], env, node);
      await waitFor(() => platform.https.component!.calls().length >= 20 || running.child.exitCode !== null, 300_000, '20 calls');
      expect(running.child.exitCode).toBeNull();
      const asked = Date.now();
      const status = await cli(['batch', 'status', '--store', store, '--json'], env);
      const seconds = (Date.now() - asked) / 1000;
      const calls = platform.https.component!.calls().length;
      expect({ code: status.code, stderr: status.stderr }).toEqual({ code: 3, stderr: '' });
      const counts = jsonLines(status.stdout)[0]!;
      expect(counts).toMatchObject({ total: 200, listed: true, failed: 0 });
      expect(counts.succeeded).toBeGreaterThanOrEqual(20);
      expect(counts.succeeded).toBeLessThanOrEqual(calls);
      expect(counts.pending).toBe(200 - (counts.succeeded as number));
      process.stdout.write(`batch-store: status answered in ${seconds.toFixed(1)} s while the run held the store\n`);
      expect(seconds).toBeLessThan(20);
      running.child.kill('SIGTERM');
      expect((await running.done).code).toBe(3);
    } finally {
      await platform.close();
    }
  });

  describe('a DATABASE_URL that does not speak PostgreSQL in time: one line, exit 2, no address or password shown', () => {
    test.each([
      ['accepts and says nothing', () => undefined],
      ['answers something else', (socket: Socket) => socket.on('data', () => socket.write('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'))],
      ['closes at once', (socket: Socket) => socket.destroy()],
    ])('a server that %s', async (_name, behave) => {
      const fake = await fakeServer(behave);
      try {
        const started = Date.now();
        const run = await cli(['batch', 'status'], { ...componentEnv(emulator.url), DATABASE_URL: fake.url });
        const seconds = (Date.now() - started) / 1000;
        expectOneLine(run, 2, /^wxplugin batch status: the batch store could not be opened \(.+\): check the store/);
        expect(run.stderr).not.toMatch(/hunter2|127\.0\.0\.1/);
        // Within the connection timeout (10 s) and the start of a process, on a loaded machine.
        expect(seconds).toBeLessThan(30);
        expect(fake.sockets.length).toBeGreaterThan(0);
      } finally {
        for (const socket of fake.sockets) socket.destroy();
        fake.server.close();
      }
    });
  });

  if (bin) {
    describe('an empty PostgreSQL database', () => {
      let server: PostgresServer;
      beforeAll(async () => {
        server = await startPostgres(bin);
      }, 120_000);
      afterAll(() => server?.stop());

      test('a run and two workers starting together all start, round after round; status on a database without runs: exit 2, nothing made', async () => {
        for (let round = 0; round < 3; round += 1) {
          const name = `fresh_${slug.replace(/-/g, '_')}_${round}`.toLowerCase();
          const admin = new Client({ connectionString: server.url });
          await admin.connect();
          await admin.query(`CREATE DATABASE ${name}`);
          await admin.end();
          const env = componentEnv(emulator.url, { DATABASE_URL: server.url.replace(/\/postgres$/, `/${name}`) });
          if (round === 0) {
            expectOneLine(await cli(['batch', 'status'], env), 2, /the database holds no batch store/);
            const probe = new Client({ connectionString: env.DATABASE_URL });
            await probe.connect();
            const { rows } = await probe.query("SELECT nspname FROM pg_namespace WHERE nspname IN ('pgboss', 'wxplugin_batch')");
            await probe.end();
            expect(rows).toEqual([]);
          }
          const together = [startCli(['batch', 'list', '--authorizers', file, '--json'], env, node), startCli(['worker', '--exit-when-idle'], env, node), startCli(['worker', '--exit-when-idle'], env, node)];
          const ended = await Promise.all(together.map((one) => one.done));
          expect(ended.map((run) => [run.code, run.stderr.match(/duplicate key|already exists|fail/g) ?? []])).toEqual([
            [0, []],
            [0, []],
            [0, []],
          ]);
          expect(jsonLines(ended[0]!.stdout).pop()).toMatchObject({ total: AUTHORIZERS, succeeded: AUTHORIZERS });
        }
      });
    });
  }
});

test('from this repository on a Node older than 22.12 (jest\'s own, here), the batch commands run under WeChat\'s Node 22.21', async () => {
  const store = join(work, 'old-node-store');
  const run = await runTool('wxplugin.js', ['batch', 'list', '--authorizers', file, '--store', store, '--json'], componentEnv(emulator.url));
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
  expect(jsonLines(run.stdout).pop()).toMatchObject({ total: AUTHORIZERS, succeeded: AUTHORIZERS });
  // Exit codes carry through: a store not there is 2.
  expectOneLine(await runTool('wxplugin.js', ['batch', 'status', '--store', join(work, 'nowhere')], componentEnv(emulator.url)), 2, /there is no batch store/);
});
