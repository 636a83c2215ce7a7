/**
 * `wxplugin dashboard` in a real browser: the built CLI in child processes (batch runs, then the
 * dashboard on their embedded store), the loopback emulator's third-party platform, and Debian's
 * Chromium driven by playwright-core. As a platform's operator uses it: open the printed address,
 * read a finished run, filter it to 61007, retry after the owners grant set 40 (by keyboard only),
 * watch a resumed run move; and as an attacker would try it: a POST from another origin.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describeCode, ProjectCode } from '../../src/core/codes';
import { authorizerAppid, DEMO_COMPONENT_SECRET, FIRST_TICKET } from '../../src/emulator/component-world';
import { startEmulator, type Emulator } from '../../src/emulator/gateway';
import { CHROMIUM, launchChromium, type OpenBrowser } from '../../src/tools/chromium';
import { componentEnv, jsonLines, startCli, waitFor } from '../support/batch';
import { startDashboard, type RunningDashboard } from '../support/dashboard';
import { runTool } from '../support/run-tool';

jest.setTimeout(600_000);

// The page's globals, as the functions given to page.evaluate use them (they run in the browser).
interface PageElement {
  readonly textContent: string | null;
  readonly value?: number;
  getAttribute(name: string): string | null;
}
interface PageForm {
  method: string;
  action: string;
  submit(): void;
}
declare const document: {
  readonly activeElement: PageElement | null;
  readonly cookie: string;
  readonly body: { append(node: PageForm): void };
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  createElement(tag: 'form'): PageForm;
};
declare const window: Record<string, unknown>;

const AUTHORIZERS = 40;
/** One in four has not granted plugin management: 10 answer 61007. */
const WITHOUT = 0.25;
const PLUGIN = 'wx1111111111111111';
const LIVE_PLUGIN = 'wx2222222222222222';
const COUNT_KEYS = ['total', 'succeeded', 'alreadyDone', 'notAuthorised', 'deferred', 'failed', 'pending'] as const;

if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium), as .ci/run does`);

let work: string;
let emulator: Emulator;
let dashboard: RunningDashboard;
let open: OpenBrowser;
let finishedRun: string;
let liveRun: string;
let statusBefore: Record<string, unknown>;

const store = () => join(work, 'store');
const env = () => componentEnv(emulator.url);

/** The page's text with every number read as one: "1,234" → 1234. */
const numberIn = (text: string | null) => Number((text ?? '').replace(/[^\d]/g, ''));

async function apiRun(runId: string): Promise<Record<string, number | string>> {
  const answer = await open.context.request.get(`${dashboard.origin}/api/runs/${runId}`, { headers: { Authorization: `Bearer ${dashboard.token}` } });
  expect(answer.status()).toBe(200);
  return answer.json() as Promise<Record<string, number | string>>;
}

/** Presses Tab until the focused element is the one described (at most 80 times); fails otherwise. */
async function tabTo(page: Page, name: string): Promise<void> {
  for (let press = 0; press < 80; press += 1) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const element = document.activeElement;
      return element ? element.getAttribute('aria-label') ?? element.textContent?.trim() ?? '' : '';
    });
    if (focused === name) return;
  }
  throw new Error(`Tab never reached "${name}"`);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'wxplugin-dashboard-'));
  emulator = await startEmulator({ https: { component: { authorizers: AUTHORIZERS, withoutPluginManagement: WITHOUT } } });
  const finished = await runTool('wxplugin.js', ['batch', 'apply', '--plugin-appid', PLUGIN, '--all', '--store', store(), '--json'], env());
  expect(finished.code).toBe(1);
  finishedRun = String(jsonLines(finished.stdout).pop()!.run);
  const status = await runTool('wxplugin.js', ['batch', 'status', finishedRun, '--store', store(), '--json'], env());
  statusBefore = jsonLines(status.stdout)[0]!;
  expect(statusBefore).toMatchObject({ total: AUTHORIZERS, notAuthorised: AUTHORIZERS * WITHOUT });

  // A run stopped early (Ctrl-C) at a slow rate: most of it still pending, for the live part.
  const component = emulator.https.component!;
  const before = component.calls().length;
  const live = startCli(['batch', 'apply', '--plugin-appid', LIVE_PLUGIN, '--all', '--rate', '2', '--store', store()], env());
  let stderr = '';
  live.child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await waitFor(() => component.calls().length >= before + 5 || live.child.exitCode !== null, 120_000, 'five calls of the slow run');
  live.child.kill('SIGINT');
  const stopped = await live.done;
  // 3 (work left), or 1 when an authoriser without set 40 was among those called.
  expect([1, 3]).toContain(stopped.code);
  liveRun = /run (\d{8}-\d{6}-[0-9a-f]{4})/.exec(stderr)![1]!;
  const left = jsonLines((await runTool('wxplugin.js', ['batch', 'status', liveRun, '--store', store(), '--json'], env())).stdout)[0]!;
  expect(left.pending).toBeGreaterThan(AUTHORIZERS / 2);

  dashboard = await startDashboard(store(), emulator.url);
  open = await launchChromium();
});

afterAll(async () => {
  await open?.close();
  if (dashboard) {
    const ended = await dashboard.stop();
    // SIGTERM: the dashboard stops, exit 0, and it printed one line in all.
    expect(ended.code).toBe(0);
    expect(ended.stdout.trim().split('\n')).toEqual([dashboard.address]);
  }
  await emulator?.close();
  rmSync(work, { recursive: true, force: true });
});

test('the printed address: one line with a 256-bit token; opened, the token leaves the address bar and the history', async () => {
  expect(dashboard.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{43}$/);
  const page = await open.context.newPage();
  await page.goto(dashboard.address);
  await page.waitForSelector(`tr[data-run="${finishedRun}"]`);
  expect(page.url()).toBe(`${dashboard.origin}/`);
  // Replaced, not pushed: going back leaves the dashboard (the tab's blank start), never to the address with the token.
  await page.goBack();
  expect(page.url()).toBe('about:blank');
  await page.goForward();
  expect(page.url()).toBe(`${dashboard.origin}/`);
  // The session cookie is HttpOnly: the page's own scripts cannot read it.
  expect(await page.evaluate(() => document.cookie)).toBe('');
  await page.close();
});

test('the runs page: both runs, newest first; the finished run\'s counts are those of `batch status --json`', async () => {
  const page = await open.context.newPage();
  await page.goto(`${dashboard.origin}/`);
  const row = `tr[data-run="${finishedRun}"]`;
  await page.waitForSelector(row);
  expect(await page.$$eval('tbody tr', (rows) => rows.map((tr) => tr.getAttribute('data-run')))).toEqual([liveRun, finishedRun]);
  for (const key of COUNT_KEYS.filter((name) => name !== 'total')) {
    expect({ key, shown: numberIn(await page.textContent(`${row} [data-field=${key}]`)) }).toEqual({ key, shown: statusBefore[key] ?? 0 });
  }
  expect(await page.textContent(`${row} [data-field=state]`)).toBe('finished');
  expect(await page.textContent(`${row} td:nth-child(3)`)).toBe(PLUGIN);
  expect(await page.getAttribute(`${row} progress`, 'value')).toBe(String(AUTHORIZERS));
  // Nothing secret in the page or the API: no secret, ticket, refresh token or access token.
  const texts = [await page.content(), ...(await Promise.all([`/api/runs`, `/api/runs/${finishedRun}`, `/api/runs/${finishedRun}/items?pageSize=1000`].map(async (path) => (await open.context.request.get(`${dashboard.origin}${path}`)).text())))];
  for (const text of texts) expect(text).not.toMatch(new RegExp(`${DEMO_COMPONENT_SECRET}|${FIRST_TICKET}|ctok_|atok_|refreshtoken`));
  await page.close();
});

test('a run: its outcomes by code with the catalogue\'s meaning and what to do; the list filtered to 61007; every control named', async () => {
  const page = await open.context.newPage();
  await page.goto(`${dashboard.origin}/runs/${liveRun}`);
  const refused = page.locator('table.codes tr[data-code="61007"]');
  await refused.waitFor();
  expect(await refused.locator('td').nth(2).textContent()).toBe(describeCode(61007)!.what);
  expect(await refused.locator('td').nth(3).textContent()).toBe(describeCode(61007)!.todo);
  // Unfiltered, the list holds those not called yet too; filtered, only 61007.
  await page.waitForSelector('table.items tbody tr');
  const codes = () => page.$$eval('table.items tbody tr td:nth-child(3)', (cells) => [...new Set(cells.map((cell) => cell.textContent))]);
  expect((await codes()).sort()).toEqual(['61007', '—']);
  await page.selectOption('#item-code', '61007');
  await page.waitForFunction(() => Array.from(document.querySelectorAll('table.items tbody tr td:nth-child(3)')).every((cell) => cell.textContent === '61007'));
  const shown = await page.$$eval('table.items tbody tr', (rows) => rows.length);
  expect(shown).toBe(Number((await apiRun(liveRun)).notAuthorised));
  expect(await page.getAttribute('a[download]', 'href')).toBe(`/api/runs/${liveRun}/items.csv?unsuccessful=1&order=newest&code=61007`);
  // Every control has a name a screen reader reads out.
  const unnamed = await page.$$eval('button, input, select, a, progress', (controls) =>
    controls.filter((control) => !((control.getAttribute('aria-label') ?? '') || ((control as unknown as { labels?: ArrayLike<PageElement> }).labels?.[0]?.textContent ?? '') || (control.textContent ?? '').trim())).map((control) => control.outerHTML),
  );
  expect(unnamed).toEqual([]);
  await page.close();
});

test('a POST from a page of another origin: 403, nothing done', async () => {
  const evil: Server = createServer((_request, response) => response.end('<!doctype html><title>another site</title>'));
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  const page = await open.context.newPage();
  try {
    await page.goto(`http://127.0.0.1:${(evil.address() as { port: number }).port}/`);
    const before = await apiRun(liveRun);
    const target = `${dashboard.origin}/api/runs/${liveRun}/cancel`;
    // Same site (127.0.0.1), another origin: the browser sends the session cookie, and the Origin
    // header says where the page is. A script's plain-text POST needs no preflight, so it reaches
    // the dashboard (its answer is not the script's to read)...
    const fetched = await page.evaluate((url) => fetch(url, { method: 'POST', credentials: 'include', headers: { 'Content-Type': 'text/plain' }, body: '{}' }).then(() => 'read', () => 'not readable'), target);
    expect(fetched).toBe('not readable');
    // ...and a form posted to it navigates there, with the cookie: 403.
    const [answer] = await Promise.all([
      page.waitForResponse(target),
      page.evaluate((url) => {
        const form = document.createElement('form');
        form.method = 'POST';
        form.action = url;
        document.body.append(form);
        form.submit();
      }, target),
    ]);
    expect(answer.status()).toBe(403);
    expect(await answer.json()).toMatchObject({ errCode: ProjectCode.DASHBOARD_FOREIGN_ORIGIN });
    const after = await apiRun(liveRun);
    expect({ cancelled: after.cancelled, pending: after.pending }).toEqual({ cancelled: 0, pending: before.pending });
  } finally {
    await page.close();
    evil.closeAllConnections();
    await new Promise((resolve) => evil.close(resolve));
  }
});

test('retry by keyboard only, after the owners grant set 40: the refused authorisers succeed, the counts change on the page', async () => {
  const component = emulator.https.component!;
  const refused = [...Array(AUTHORIZERS).keys()].map(authorizerAppid).filter((appid) => !component.world.grantsPluginManagement(appid));
  expect(refused).toHaveLength(AUTHORIZERS * WITHOUT);
  for (const appid of refused) component.world.grantPluginManagement(appid);
  const page = await open.context.newPage();
  await page.goto(`${dashboard.origin}/runs/${finishedRun}`);
  await page.waitForSelector('table.codes tr[data-code="61007"]');
  await tabTo(page, 'Select code 61007 for retry');
  await page.keyboard.press('Space');
  await tabTo(page, 'Retry the selected codes');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('[data-outcome=notAuthorised] .count')?.textContent === '0', undefined, { timeout: 120_000 });
  await page.waitForFunction((total) => document.querySelector('[data-outcome=succeeded] .count')?.textContent === String(total), AUTHORIZERS, { timeout: 120_000 });
  const after = await apiRun(finishedRun);
  expect(after).toMatchObject({ total: AUTHORIZERS, succeeded: AUTHORIZERS, notAuthorised: 0, failed: 0, pending: 0 });
  // Each refused authoriser called once more, and succeeded; none that had succeeded was called again.
  const again = component.calls().filter((call) => call.action === 'apply' && refused.includes(call.authorizer) && call.errcode === 0);
  expect(again).toHaveLength(refused.length);
  await page.close();
});

test('resume with a rate from the page: the run moves on the page without a reload', async () => {
  const page = await open.context.newPage();
  await page.goto(`${dashboard.origin}/runs/${liveRun}`);
  await page.waitForSelector('.progress-slot progress');
  await page.evaluate(() => (window.notReloaded = true));
  const value = () => page.$eval('.progress-slot progress', (bar) => Number((bar as unknown as PageElement).value));
  const first = await value();
  expect(first).toBeLessThan(AUTHORIZERS);
  await page.fill('#resume-rate', '6');
  await page.getByRole('button', { name: 'Resume', exact: true }).click();
  await page.waitForFunction((start) => Number(document.querySelector('.progress-slot progress')?.value) > start, first, { timeout: 120_000 });
  const second = await value();
  await page.waitForFunction((start) => Number(document.querySelector('.progress-slot progress')?.value) > start, second, { timeout: 120_000 });
  expect(await page.evaluate(() => window.notReloaded)).toBe(true);
  await page.waitForFunction((total) => Number(document.querySelector('.progress-slot progress')?.value) === total, AUTHORIZERS, { timeout: 300_000 });
  expect(await apiRun(liveRun)).toMatchObject({ total: AUTHORIZERS, pending: 0, rate: 6 });
  await page.close();
});

test('a run another process holds: the dashboard reads it live through that process, and carries on when it ends', async () => {
  const held = join(work, 'held');
  const component = emulator.https.component!;
  const before = component.calls().length;
  const run = startCli(['batch', 'apply', '--plugin-appid', 'wx3333333333333333', '--all', '--rate', '4', '--store', held], env());
  let stderr = '';
  run.child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await waitFor(() => component.calls().length >= before + 3 || run.child.exitCode !== null, 120_000, 'the held run\'s first calls');
  const second = await startDashboard(held, emulator.url);
  try {
    const runId = /run (\d{8}-\d{6}-[0-9a-f]{4})/.exec(stderr)![1]!;
    const page = await open.context.newPage();
    await page.goto(second.address);
    const bar = `tr[data-run="${runId}"] progress`;
    await page.waitForSelector(bar);
    const value = () => page.$eval(bar, (element) => Number((element as unknown as PageElement).value));
    const first = await value();
    expect(first).toBeLessThan(AUTHORIZERS);
    // It moves on the page while the other process works the run.
    await page.waitForFunction(([selector, start]) => Number(document.querySelector(String(selector))?.value) > Number(start), [bar, first] as const, { timeout: 120_000 });
    expect(run.child.exitCode).toBeNull();
    run.child.kill('SIGINT');
    await run.done;
    // The owner is gone: the dashboard opens the store itself and goes on answering (a read sent
    // to the gone owner first waits out the library's read timeout, 30 s).
    const reply = await open.context.request.get(`${second.origin}/api/runs/${runId}`, { headers: { Authorization: `Bearer ${second.token}` }, timeout: 180_000 });
    expect(reply.status()).toBe(200);
    expect(await reply.json()).toMatchObject({ run: runId, total: AUTHORIZERS });
    // And its page still follows the run: no error shown.
    await page.waitForTimeout(3000);
    expect(await page.$$('.error')).toEqual([]);
    await page.close();
  } finally {
    const ended = await second.stop();
    expect(ended.code).toBe(0);
  }
});
