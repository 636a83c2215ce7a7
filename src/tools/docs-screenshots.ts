/**
 * `npm run docs:screenshots`: the dashboard's pictures in docs/ (dashboard-runs.png, dashboard-run.png),
 * made the way a user sees them: the loopback emulator's platform with 300 authorisers, two batch runs
 * of the built `wxplugin` (one finished, one stopped and then resumed from the dashboard so it moves),
 * `wxplugin dashboard` on their store, and Debian's Chromium. Nothing leaves 127.0.0.1.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEMO_COMPONENT_APPID, DEMO_COMPONENT_SECRET, FIRST_TICKET } from '../emulator/component-world';
import { startEmulator } from '../emulator/gateway';
import { launchChromium } from './chromium';

const ROOT = resolve(__dirname, '..');
const WXPLUGIN = join(ROOT, 'dist', 'wxplugin.js');

interface Child {
  readonly lines: string[];
  readonly stderr: string[];
  readonly done: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

function wxplugin(args: readonly string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, [WXPLUGIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
  const lines: string[] = [];
  const stderr: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  return { lines, stderr, done: new Promise((done) => child.on('close', done)), kill: (signal) => child.kill(signal) };
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function until(condition: () => boolean, what: string, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'wxplugin-screenshots-'));
  const emulator = await startEmulator({ https: { component: { authorizers: 300, withoutPluginManagement: 0.1 } } });
  const env = { WECHAT_API_BASE_URL: emulator.url, WECHAT_COMPONENT_APPID: DEMO_COMPONENT_APPID, WECHAT_COMPONENT_SECRET: DEMO_COMPONENT_SECRET, WECHAT_COMPONENT_VERIFY_TICKET: FIRST_TICKET };
  const store = join(work, 'store');
  let dashboard: Child | undefined;
  const browser = await launchChromium();
  try {
    process.stderr.write('docs:screenshots: a finished run over 300 authorisers...\n');
    await wxplugin(['batch', 'apply', '--plugin-appid', 'wx1111111111111111', '--all', '--store', store], env).done;
    process.stderr.write('docs:screenshots: a second run, stopped early...\n');
    const component = emulator.https.component!;
    const before = component.calls().length;
    const second = wxplugin(['batch', 'update', '--plugin-appid', 'wx0123456789abcdef', '--user-version', '1.2.0', '--all', '--rate', '20', '--store', store], env);
    await until(() => component.calls().length >= before + 90, 'the second run\'s first calls');
    second.kill('SIGINT');
    await second.done;
    const runId = /run (\d{8}-\d{6}-[0-9a-f]{4})/.exec(second.stderr.join(''))![1]!;

    dashboard = wxplugin(['dashboard', '--store', store, '--port', '0'], env);
    await until(() => dashboard!.lines.length > 0, 'the dashboard\'s address');
    const address = new URL(dashboard.lines[0]!);
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1440, height: 1000 });
    await page.goto(address.href);
    // The stopped run, resumed from its page at 12 calls/s: it moves while the pictures are taken.
    await page.goto(`${address.origin}/runs/${runId}`);
    await page.waitForSelector('table.codes tbody tr');
    await page.fill('#resume-rate', '12');
    await page.getByRole('button', { name: 'Resume', exact: true }).click();
    await sleep(6000);
    await page.goto(`${address.origin}/`);
    await page.waitForSelector('tbody tr');
    await sleep(3000);
    await page.screenshot({ path: join(ROOT, 'docs', 'dashboard-runs.png'), clip: { x: 0, y: 0, width: 1440, height: 400 } });
    await page.goto(`${address.origin}/runs/${runId}`);
    await page.waitForSelector('table.items tbody tr');
    await sleep(3000);
    await page.setViewportSize({ width: 1440, height: 1250 });
    await page.screenshot({ path: join(ROOT, 'docs', 'dashboard-run.png') });
    process.stderr.write('docs:screenshots: wrote docs/dashboard-runs.png and docs/dashboard-run.png\n');
  } finally {
    await browser.close();
    dashboard?.kill('SIGTERM');
    await dashboard?.done;
    await emulator.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`docs:screenshots: ${(error as Error).message}\n`);
  process.exit(1);
});
