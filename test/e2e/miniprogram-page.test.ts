/**
 * @jest-environment jsdom
 *
 * The admin page as a person uses it: miniprogram-simulate renders miniprogram/pages/plugins with
 * WeChat's own WXML compiler, and its wx.cloud.callFunction runs the committed
 * cloudfunctions/pluginManager/index.js in a fresh process, as the cloud does, against the
 * emulator. The tests type, tap and confirm, and read what the page shows.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { DEMO_MINI_PROGRAM_APPID, startEmulator, type Emulator } from '../../src/emulator/gateway';
import { grantedApis, invokeCloudFunction, PROJECT_ROOT } from '../../src/platform/invoke';
import { DEMO_PLUGINS, type PluginListing } from '../../src/emulator/plugin-world';

jest.setTimeout(60_000);

const ADMIN = 'oAdmin_page_000000000000001';
const STRANGER = 'oStranger_page_0000000000002';
/** Two plugins the emulator's world offers, both open to applications. */
const [PLUGIN, SECOND] = DEMO_PLUGINS.filter((plugin) => plugin.acceptsApplications) as [PluginListing, PluginListing];
const OPEN_PLUGIN = PLUGIN.appid;
const OLDER_VERSION = PLUGIN.versions[0]!; // approval sets the newest

// miniprogram-simulate's own typings pull WeChat's globals into the whole test program; the few
// calls used here are typed locally instead.
interface SimNode {
  readonly dom: { readonly textContent: string | null };
  querySelector(selector: string): SimNode | undefined;
  querySelectorAll(selector: string): SimNode[];
  dispatchEvent(name: string, options?: { detail?: unknown }): void;
}
interface Page extends SimNode {
  attach(parent: unknown): void;
  detach(): void;
}
const simulate = jest.requireActual<{ load(path: string, tagName: string, options: { rootPath: string }): string; render(id: string): Page; sleep(ms: number): Promise<void> }>('miniprogram-simulate');
const { document } = globalThis as unknown as { document: { createElement(tag: string): unknown } };

interface Wx {
  cloud: { callFunction(options: { name: string; data?: object }): Promise<{ result: unknown; errMsg: string }> };
  showModal(options: { content: string }): Promise<{ confirm: boolean; cancel: boolean }>;
  setClipboardData(options: { data: string }): Promise<{ errMsg: string }>;
}
const wx = (globalThis as unknown as { wx: Wx }).wx;

/** DevTools compiles the page's TypeScript itself; the test does the same, file by file, into a copy. */
function compileMiniprogram(): string {
  const source = join(PROJECT_ROOT, 'miniprogram');
  const out = mkdtempSync(join(tmpdir(), 'miniprogram-'));
  cpSync(source, out, { recursive: true, filter: (path) => !path.endsWith('.ts') });
  const { config } = ts.readConfigFile(join(source, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, source);
  const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)]));
  for (const file of walk(source).filter((path) => path.endsWith('.ts'))) {
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: { ...options, noEmit: false }, fileName: file });
    writeFileSync(join(out, relative(source, file).replace(/\.ts$/, '.js')), outputText);
  }
  return out;
}

const FUNCTIONS = join(PROJECT_ROOT, 'cloudfunctions');
let emulator: Emulator;
let compiled: string;
/** Who is using the phone: the OPENID the platform puts in the function's context. */
let openid = ADMIN;
const modals: string[] = [];
let confirmModal = true;
const clipboard: string[] = [];
/** Every call the page made, as `function.action`, the moment it made it. */
const requested: string[] = [];
/** When set, the platform fails before any function runs, as wx.cloud.callFunction then rejects. */
let platformDown = false;
/** When set, the platform answers this result instead of running the function (a hostile answer). */
let answerInstead: unknown;

beforeAll(async () => {
  compiled = compileMiniprogram();
  emulator = await startEmulator({ grantedApis: grantedApis(join(FUNCTIONS, 'pluginManager')) });
  // The client side of wx.cloud.callFunction: the data travels as JSON (the client adds userInfo),
  // the platform runs the function, and a function that did not return is the platform's -404011.
  wx.cloud = {
    async callFunction({ name, data = {} }) {
      requested.push(`${name}.${(data as { action?: string }).action ?? ''}`);
      if (platformDown) throw { errCode: -501001, errMsg: 'cloud.callFunction:fail -501001 resource system error' };
      if (answerInstead !== undefined) return { result: JSON.parse(JSON.stringify(answerInstead)) as unknown, errMsg: 'cloud.callFunction:ok' };
      const event = { ...JSON.parse(JSON.stringify(data)), userInfo: { appId: DEMO_MINI_PROGRAM_APPID, openId: openid } };
      const { report, stderr } = await invokeCloudFunction({
        functionDir: join(FUNCTIONS, name),
        event,
        gatewayUrl: emulator.gatewayUrl,
        caller: { openid, source: 'wx_client' },
        functionEnv: { ADMIN_OPENIDS: ADMIN },
      });
      if (report.kind !== 'returned') throw { errCode: -404011, errMsg: `cloud.callFunction:fail ${report.kind} ${stderr}` };
      // Parsed here, in the page's realm, as the client parses the platform's JSON answer: the IPC
      // copy's arrays come from another realm, which the page's framework would not see as arrays.
      return { result: JSON.parse(JSON.stringify(report.result)) as unknown, errMsg: 'cloud.callFunction:ok' };
    },
  };
  // The person's answers to the dialogs: the tests decide whether they tap Unbind or Cancel.
  wx.showModal = async ({ content }) => {
    modals.push(content);
    return { confirm: confirmModal, cancel: !confirmModal };
  };
  wx.setClipboardData = async ({ data }) => {
    clipboard.push(data);
    return { errMsg: 'setClipboardData:ok' };
  };
});

afterAll(async () => {
  await emulator?.close();
  if (compiled) rmSync(compiled, { recursive: true, force: true });
});

let page: Page | undefined;
afterEach(() => page?.detach());

/**
 * Loaded once: simulate runs the page's JS through require, and jest's module registry keeps a
 * module it has run, so a second load would not call Component() again. Each render is a new page.
 */
let pageId: string | undefined;
function open(): Page {
  pageId ??= simulate.load(join(compiled, 'pages', 'plugins', 'index'), 'plugins-page', { rootPath: compiled });
  page = simulate.render(pageId);
  page.attach(document.createElement('parent-wrapper'));
  return page;
}

const text = (node: SimNode | undefined): string => (node?.dom.textContent ?? '').replace(/\s+/g, ' ').trim();

/** Waits for what a person would wait for: the page to show something. */
async function until(what: string, shown: () => boolean, ms = 20_000): Promise<void> {
  for (const end = Date.now() + ms; !shown(); await simulate.sleep(25)) {
    if (Date.now() > end) throw new Error(`the page never showed ${what}; it shows: ${text(page)}`);
  }
}
const loaded = (p: Page) => until('the end of loading', () => p.querySelector('#loading') === undefined);

function type(p: Page, selector: string, value: string): void {
  p.querySelector(selector)!.dispatchEvent('input', { detail: { value } });
}
/** Each listed plugin as the person reads it: name, appid, status in words. */
function rows(p: Page): string[][] {
  const [names, appids, statuses] = ['.plugin .name', '.plugin .appid', '.plugin .status'].map((selector) => p.querySelectorAll(selector).map(text));
  return names!.map((name, index) => [name, appids![index]!, statuses![index]!]);
}

// One emulator world for the whole file: the tests follow one administrator's session in order
// (apply, apply again, update, unbind), then a stranger's visit.
describe('an administrator', () => {
  beforeEach(() => {
    openid = ADMIN;
  });

  test('sees the page load, applies with a reason, and sees the plugin as "applying"', async () => {
    const p = open();
    expect(text(p.querySelector('#loading'))).toBe('Loading…');
    await until('the empty list', () => p.querySelector('#empty') !== undefined);
    expect(text(p.querySelector('#empty'))).toContain('No plugins yet');

    type(p, '#apply-appid', OPEN_PLUGIN);
    type(p, '#apply-reason', 'maps for the store page');
    p.querySelector('#apply')!.dispatchEvent('tap');
    await until('a plugin row', () => rows(p).length === 1);

    expect(rows(p)).toEqual([[PLUGIN.nickname, OPEN_PLUGIN, 'applying']]);
    expect(text(p.querySelector('.plugin .unbind'))).toBe('Unbind');
    expect(text(p.querySelector('#notice'))).toContain(`Applied for ${OPEN_PLUGIN}`);
    expect(p.querySelector('#error')).toBeUndefined();
    // What reached WeChat went through the real function, in WeChat's own field names.
    expect(emulator.calls.filter((call) => call.apiName === 'pluginManager.applyPlugin').at(-1)!.fields).toEqual({ action: 'apply', plugin_appid: OPEN_PLUGIN, reason: 'maps for the store page' });
  });

  test('applying again is "already added or pending", not an error', async () => {
    const p = open();
    await until('the list', () => rows(p).length === 1);
    type(p, '#apply-appid', OPEN_PLUGIN);
    p.querySelector('#apply')!.dispatchEvent('tap');
    await until('a notice', () => p.querySelector('#notice') !== undefined);
    expect(text(p.querySelector('#notice'))).toBe(`${OPEN_PLUGIN} is already added or its application is pending: nothing more to do.`);
    expect(p.querySelector('#error')).toBeUndefined();
  });

  test('a bad appid shows the function\'s errMsg', async () => {
    const p = open();
    await loaded(p);
    type(p, '#apply-appid', 'WX0123');
    p.querySelector('#apply')!.dispatchEvent('tap');
    await until('an error', () => p.querySelector('#error') !== undefined);
    expect(text(p.querySelector('#error'))).toMatch(/^applyPlugin:fail pluginAppid must be "wx" followed by 16 lowercase hex digits/);
  });

  test('moves an approved plugin to another version', async () => {
    emulator.world.decide(DEMO_MINI_PROGRAM_APPID, OPEN_PLUGIN, 'approved');
    const p = open();
    await until('the approved plugin', () => rows(p)[0]?.[2] === 'approved');
    p.querySelector('.choose-update')!.dispatchEvent('tap');
    type(p, '#update-version', OLDER_VERSION);
    p.querySelector('#update')!.dispatchEvent('tap');
    await until('a notice', () => p.querySelector('#notice') !== undefined);
    expect(text(p.querySelector('#notice'))).toBe(`${OPEN_PLUGIN} now uses version ${OLDER_VERSION}.`);
    expect(emulator.world.find(DEMO_MINI_PROGRAM_APPID, OPEN_PLUGIN)?.version).toBe(OLDER_VERSION);
  });

  test('unbinds only after confirming', async () => {
    const p = open();
    await until('the list', () => rows(p).length === 1);
    await loaded(p);

    confirmModal = false;
    p.querySelector('.unbind')!.dispatchEvent('tap');
    await until('the dialog', () => modals.length === 1);
    // The page would call the function in the same tick the dialog answers; give it a few.
    await simulate.sleep(100);
    expect(modals[0]).toContain(`${PLUGIN.nickname} (${OPEN_PLUGIN})`);
    expect(requested).not.toContain('pluginManager.unbind');
    expect(rows(p)).toHaveLength(1);

    confirmModal = true;
    p.querySelector('.unbind')!.dispatchEvent('tap');
    await until('the empty list', () => p.querySelector('#empty') !== undefined);
    expect(text(p.querySelector('#notice'))).toBe(`Unbound ${OPEN_PLUGIN}.`);
    expect(emulator.calls.some((call) => call.apiName === 'pluginManager.unbindPlugin')).toBe(true);
  });
});

describe('failures outside the function', () => {
  afterEach(() => {
    platformDown = false;
    answerInstead = undefined;
  });

  test('a failed refresh clears the rows it can no longer vouch for', async () => {
    openid = ADMIN;
    emulator.world.add({ miniProgramAppid: DEMO_MINI_PROGRAM_APPID, pluginAppid: SECOND.appid, status: 'applying', reason: '' });
    const p = open();
    await until('a plugin row', () => rows(p).length === 1);
    platformDown = true;
    p.querySelector('#refresh')!.dispatchEvent('tap');
    await until('an error', () => p.querySelector('#error') !== undefined);
    await loaded(p);
    expect(rows(p)).toEqual([]);
    emulator.world.remove(DEMO_MINI_PROGRAM_APPID, SECOND.appid);
  });

  test('a list with a null item, a number and odd fields shows what it can and never crashes', async () => {
    openid = ADMIN;
    answerInstead = { errCode: 0, errMsg: 'getPluginList:ok', retryable: false, attempts: 1, pluginList: [null, 42, { appid: OPEN_PLUGIN, status: 99, nickname: null }, { appid: SECOND.appid, status: 1, nickname: 'Second' }] };
    const p = open();
    await until('the rows', () => rows(p).length === 2);
    expect(rows(p)).toEqual([[OPEN_PLUGIN, OPEN_PLUGIN, 'status 99'], ['Second', SECOND.appid, 'applying']]);
    expect(p.querySelector('#error')).toBeUndefined();
  });

  test('a platform failure shows its errMsg, like any other', async () => {
    openid = ADMIN;
    platformDown = true;
    const p = open();
    await until('an error', () => p.querySelector('#error') !== undefined);
    expect(text(p.querySelector('#error'))).toBe('cloud.callFunction:fail -501001 resource system error');
    expect(p.querySelector('#loading')).toBeUndefined();
  });
});

describe('the applyPlugin function, for mini-programs granted nothing else', () => {
  test('the service calls it with the same typed request', async () => {
    openid = ADMIN;
    const service = jest.requireActual<{ applyPlugin(request: { pluginAppid: string }): Promise<{ errCode: number; errMsg: string }> }>(join(compiled, 'services', 'plugins'));
    await expect(service.applyPlugin({ pluginAppid: SECOND.appid })).resolves.toMatchObject({ errCode: 0, errMsg: 'applyPlugin:ok' });
    expect(emulator.world.find(DEMO_MINI_PROGRAM_APPID, SECOND.appid)?.status).toBe('applying');
  });
});

describe('someone who is not an administrator', () => {
  test('sees the refusal, their own OPENID with a copy button, and how to become one', async () => {
    openid = STRANGER;
    const p = open();
    await until('the refusal', () => p.querySelector('#refused') !== undefined);

    expect(text(p.querySelector('#openid'))).toBe(STRANGER);
    expect(text(p.querySelector('#refused'))).toContain('add the OPENID to ADMIN_OPENIDS');
    expect(text(p.querySelector('#error'))).toMatch(/^getPluginList:fail only administrators may do this/);
    expect(p.querySelector('#empty')).toBeUndefined();

    p.querySelector('#copy-openid')!.dispatchEvent('tap');
    await until('the copy', () => clipboard.length === 1);
    expect(clipboard).toEqual([STRANGER]);
  });
});
