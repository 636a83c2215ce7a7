/**
 * `npm run bench:dashboard`: what the dashboard costs on a big run. A store with one run of 100,000
 * authorisers, seeded straight into the embedded store (a real run of that size takes minutes):
 * the page's weight, the time to the first paint and to the run's counts on the page in Chromium,
 * and the API's answer time for a page of the run's items. Prints; asserts nothing.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { authorizerAppid, DEMO_COMPONENT_APPID, DEMO_COMPONENT_SECRET, FIRST_TICKET } from '../emulator/component-world';
import { startEmulator } from '../emulator/gateway';
import { launchChromium } from './chromium';

const ROOT = resolve(__dirname, '..');
const AUTHORIZERS = 100_000;
const RUN = '20261207-000000-bench';

function node(args: readonly string[], env: Record<string, string> = {}): { lines: string[]; done: Promise<number | null>; kill(signal: NodeJS.Signals): void } {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
  return { lines, done: new Promise((done) => child.on('close', done)), kill: (signal) => child.kill(signal) };
}

/** The run's 100,000 items: mostly succeeded, some refused (61007), failed (-1, 45011) and deferred (45009), finished a millisecond apart. */
const SEED = (dataDir: string) => `const { PGlite } = require('@electric-sql/pglite');
(async () => {
  const db = await PGlite.create(${JSON.stringify(dataDir)});
  await db.query("INSERT INTO wxplugin_batch.run (id, component, operation, request, source, rate, job_timeout, listed) VALUES ('${RUN}', '${DEMO_COMPONENT_APPID}', 'applyPlugin', '{\\"pluginAppid\\":\\"wx1111111111111111\\"}', 'all', 20, 60, true)");
  await db.query(\`INSERT INTO wxplugin_batch.item (run, appid, state, code, message, tries, not_before, finished_at)
    SELECT '${RUN}', 'wxa0' || lpad(to_hex(i), 14, '0'),
      CASE WHEN i % 10 = 9 THEN 'notAuthorised' WHEN i % 100 = 4 THEN 'failed' WHEN i % 100 = 6 THEN 'deferred' WHEN i % 500 = 2 THEN 'failed' ELSE 'succeeded' END,
      CASE WHEN i % 10 = 9 THEN 61007 WHEN i % 100 = 4 THEN -1 WHEN i % 100 = 6 THEN 45009 WHEN i % 500 = 2 THEN 45011 ELSE 0 END,
      CASE WHEN i % 10 = 9 THEN 'applyPlugin:fail api is unauthorized to component' WHEN i % 100 = 4 THEN 'applyPlugin:fail system error' WHEN i % 100 = 6 THEN 'applyPlugin:fail reach max api daily quota limit' WHEN i % 500 = 2 THEN 'applyPlugin:fail minute quota' ELSE 'applyPlugin:ok' END,
      1,
      CASE WHEN i % 100 = 6 THEN now() + interval '10 hours' END,
      CASE WHEN i % 100 = 6 THEN NULL ELSE now() - make_interval(secs => (${AUTHORIZERS} - i) / 1000.0) END
    FROM generate_series(0, ${AUTHORIZERS - 1}) AS i\`);
  await db.close();
})().catch((error) => { console.error(error); process.exit(1); });`;

function timed(url: string, token: string): Promise<{ ms: number; bytes: number; status: number }> {
  const started = process.hrtime.bigint();
  return new Promise((done, fail) => {
    request(url, { headers: { Authorization: `Bearer ${token}` } }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => (bytes += chunk.length));
      response.on('end', () => done({ ms: Number(process.hrtime.bigint() - started) / 1e6, bytes, status: response.statusCode ?? 0 }));
    })
      .on('error', fail)
      .end();
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'wxplugin-bench-dashboard-'));
  const store = join(work, 'store');
  const emulator = await startEmulator({ https: { component: { authorizers: 1 } } });
  const env = { WECHAT_API_BASE_URL: emulator.url, WECHAT_COMPONENT_APPID: DEMO_COMPONENT_APPID, WECHAT_COMPONENT_SECRET: DEMO_COMPONENT_SECRET, WECHAT_COMPONENT_VERIFY_TICKET: FIRST_TICKET };
  const open = await launchChromium();
  let dashboard: ReturnType<typeof node> | undefined;
  try {
    // A real store first (its schema and pg-boss's), from a run of one authoriser; then the big run beside it.
    const file = join(work, 'one.txt');
    writeFileSync(file, `${authorizerAppid(0)}\n`);
    await node([join(ROOT, 'dist', 'wxplugin.js'), 'batch', 'apply', '--plugin-appid', 'wx1111111111111111', '--authorizers', file, '--store', store], env).done;
    let started = Date.now();
    if ((await node(['-e', SEED(join(store, 'pgdata'))]).done) !== 0) throw new Error('seeding the store failed');
    process.stdout.write(`seeded ${AUTHORIZERS} authorisers in ${Date.now() - started} ms\n`);

    dashboard = node([join(ROOT, 'dist', 'wxplugin.js'), 'dashboard', '--store', store, '--port', '0'], env);
    while (dashboard.lines.length === 0) await new Promise((done) => setTimeout(done, 100));
    const address = new URL(dashboard.lines[0]!);
    const token = address.searchParams.get('token')!;
    const page = await open.context.newPage();
    await page.goto(address.href);
    await page.waitForSelector('tbody tr');

    let weight = 0;
    for (const name of ['', 'assets/app.js', 'assets/ui.js', 'assets/runs.js', 'assets/run.js', 'assets/style.css']) weight += (await timed(`${address.origin}/${name}`, token)).bytes;
    process.stdout.write(`page weight: ${weight} bytes (the HTML shell, four ES modules, one style sheet; served uncompressed)\n`);

    for (let round = 0; round < 3; round += 1) {
      started = Date.now();
      await page.goto(`${address.origin}/runs/${RUN}`);
      const paint = await page.evaluate(() => (globalThis as unknown as { performance: { getEntriesByName(name: string): Array<{ startTime: number }> } }).performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null);
      await page.waitForSelector('table.codes tbody tr', { timeout: 120_000 });
      const counts = Date.now() - started;
      await page.waitForSelector('table.items tbody tr', { timeout: 120_000 });
      process.stdout.write(`run page of ${AUTHORIZERS}: first contentful paint ${paint === null ? '?' : Math.round(paint)} ms; counts by code shown ${counts} ms; first 100 unsuccessful shown ${Date.now() - started} ms after navigation\n`);
    }

    const base = `${address.origin}/api/runs/${RUN}`;
    for (const [what, path] of [
      ['the run (counts, by code)', ''],
      ['items: unsuccessful, newest first, 100', '/items?unsuccessful=1&order=newest&pageSize=100'],
      ['items: code 61007, newest first, 100', '/items?unsuccessful=1&order=newest&code=61007&pageSize=100'],
      ['items: search "wxa00000000001", 100', '/items?unsuccessful=1&order=newest&search=wxa00000000001&pageSize=100'],
      ['items: every one, appid order, 1000', '/items?pageSize=1000'],
    ] as const) {
      const times: number[] = [];
      for (let round = 0; round < 7; round += 1) times.push((await timed(`${base}${path}`, token)).ms);
      process.stdout.write(`GET ${what}: median ${median(times).toFixed(1)} ms (of 7: ${times.map((ms) => ms.toFixed(0)).join(', ')})\n`);
    }
    started = Date.now();
    const csv = await timed(`${base}/items.csv?unsuccessful=1`, token);
    process.stdout.write(`GET items.csv (every unsuccessful, ${csv.bytes} bytes): ${Date.now() - started} ms\n`);
  } finally {
    await open.close();
    dashboard?.kill('SIGTERM');
    await dashboard?.done;
    await emulator.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:dashboard: ${(error as Error).message}\n`);
  process.exit(1);
});
