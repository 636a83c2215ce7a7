/**
 * Batch runs from a program (openBatch), in a child process on WeChat's Node 22.21 and 24.11 builds
 * (batch runs need Node 22.12 or later; jest runs on the machine's Node), driven from jest with the
 * program's callbacks, signals and iterables here (test/support/remote-batch.ts): a real PostgreSQL
 * server started by the suite on loopback, real pg-boss, the loopback emulator in jest's process,
 * real sockets. Runs over every listed authoriser, a file, the program's own list; the
 * daily quota (45009) deferring; 61007 final; -1 retried; a listing that fails; a run stopped by
 * its signal and resumed; a second process's worker; status and paged items; bad options.
 *
 * Where PostgreSQL's binaries are missing, the tests that need a store say so and pass (CI=true:
 * they fail); the option checks, which open nothing, run everywhere.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { checkBatchOptions } from '../../src/batch/api-options';
import { sqlReserve } from '../../src/batch/limiter';
import { createSchema } from '../../src/batch/schema';
import { openServer } from '../../src/batch/sql';
import { CACHE_ENTRIES, sqlComponentStore } from '../../src/batch/sql-store';
import type { Batch, BatchItem, BatchOptions } from '../../src/batch/api-types';
import { ProjectCode } from '../../src/core/codes';
import { authorizerAppid, DEMO_COMPONENT_APPID, DEMO_COMPONENT_SECRET, FIRST_TICKET } from '../../src/emulator/component-world';
import { startEmulator, type Emulator } from '../../src/emulator/gateway';
import type { Fetch } from '../../src/https/http';
import { callsByAuthorizer, checkOnceEach } from '../support/batch';
import { findPostgresBin, postgresMissing, startPostgres, type PostgresServer } from '../support/postgres';
import { removeHostBundle, startBatchHost, type BatchHost } from '../support/remote-batch';
import { describeEachBatchNode } from '../support/wechat-node';

jest.setTimeout(180_000);

const PLUGIN = 'wx1111111111111111';
const bin = findPostgresBin();

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'wxplugin-batch-library-'));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  removeHostBundle();
});

test('on a Node older than 22.12: a clear answer, as the command line gives', () => {
  const good = { componentAppid: DEMO_COMPONENT_APPID, componentSecret: DEMO_COMPONENT_SECRET, store: { databaseUrl: 'postgres://nobody@127.0.0.1:1/none' } };
  for (const version of ['18.15.0', '20.20.2', '22.11.0']) {
    expect(checkBatchOptions(good, version)).toMatchObject({ code: ProjectCode.BATCH_OPTIONS_INVALID, detail: expect.stringContaining(`batch runs need Node.js 22.12.0 or later (their job engine, pg-boss 12, does); this is Node.js ${version}`) });
  }
  expect(checkBatchOptions(good, '22.12.0')).not.toBeInstanceOf(Error);
  expect(checkBatchOptions(good, '24.11.1')).not.toBeInstanceOf(Error);
});

describeEachBatchNode('on %s', (_nodeName, node) => {
let host: BatchHost;
beforeAll(() => {
  host = startBatchHost(node);
});
afterAll(() => host.stop());
const openBatch = (options: BatchOptions): Batch => host.openBatch(options);

/** Every item of a run, through the paged iterator; fails the test on a failed page. */
async function allItems(batch: Batch, runId: string, options: { onlyUnsuccessful?: boolean; pageSize?: number } = {}): Promise<{ items: BatchItem[]; pageSizes: number[] }> {
  const items: BatchItem[] = [];
  const pageSizes: number[] = [];
  for await (const page of batch.items(runId, options)) {
    expect(page.errCode).toBe(0);
    pageSizes.push(page.items.length);
    items.push(...page.items);
  }
  return { items, pageSizes };
}

describe('bad options: a project code, nothing opened or sent', () => {
  let sent = 0;
  const counting: Fetch = (() => {
    sent += 1;
    return Promise.reject(new Error('nothing may be sent'));
  }) as unknown as Fetch;
  const good: BatchOptions = { componentAppid: DEMO_COMPONENT_APPID, componentSecret: DEMO_COMPONENT_SECRET, verifyTicket: FIRST_TICKET, store: { databaseUrl: 'postgres://nobody@127.0.0.1:1/none' }, fetch: counting };
  const start = { operation: 'applyPlugin', request: { pluginAppid: PLUGIN }, authorizers: 'all' } as const;

  test.each<[string, unknown, number, RegExp]>([
    ['not an object', null, ProjectCode.BATCH_OPTIONS_INVALID, /openBatch takes an options object/],
    ['no store', { ...good, store: undefined }, ProjectCode.BATCH_OPTIONS_INVALID, /the option store takes either/],
    ['both stores', { ...good, store: { databaseUrl: 'postgres://x@127.0.0.1/y', dir: tmpdir() } }, ProjectCode.BATCH_OPTIONS_INVALID, /the option store takes either/],
    ['a store URL that is not PostgreSQL', { ...good, store: { databaseUrl: 'mysql://x@127.0.0.1/y' } }, ProjectCode.BATCH_OPTIONS_INVALID, /store\.databaseUrl must be a postgres/],
    ['an empty store folder', { ...good, store: { dir: ' ' } }, ProjectCode.BATCH_OPTIONS_INVALID, /store\.dir must name a folder/],
    ['a secret that is a number', { ...good, componentSecret: 42 }, ProjectCode.BATCH_OPTIONS_INVALID, /componentSecret is a number, not a string/],
    ['a negative timeout', { ...good, timeoutMs: -1 }, ProjectCode.BATCH_OPTIONS_INVALID, /timeoutMs takes milliseconds from 100/],
    ['fetch that is not a function', { ...good, fetch: 'fetch' }, ProjectCode.BATCH_OPTIONS_INVALID, /fetch is not a function/],
    ['a ticket that is a number', { ...good, verifyTicket: 7 }, ProjectCode.BATCH_OPTIONS_INVALID, /verifyTicket takes the ticket/],
    ['a base URL with a query', { ...good, baseUrl: 'https://api.weixin.qq.com/?x=1' }, ProjectCode.INVALID_BASE_URL, /baseUrl/],
  ])('openBatch with %s: every call answers it', async (_name, options, code, message) => {
    const batch = openBatch(options as BatchOptions);
    for (const result of [await batch.start(start), await batch.status(), await batch.resume(), await batch.work()]) {
      expect(result).toMatchObject({ errCode: code, retryable: false, attempts: 0 });
      expect(result.errMsg).toMatch(message);
      expect(result.errMsg).toMatch(/^batch\.\w+:fail /);
    }
    const pages = [];
    for await (const page of batch.items('20261130-000000-0000')) pages.push(page);
    expect(pages).toEqual([expect.objectContaining({ errCode: code, items: [] })]);
    await batch.close();
    expect(sent).toBe(0);
  });

  test('a secret never shows in an answer', async () => {
    const result = await openBatch({ ...good, componentAppid: DEMO_COMPONENT_SECRET }).start(start);
    expect(result).toMatchObject({ errCode: ProjectCode.BATCH_OPTIONS_INVALID, attempts: 0 });
    expect(result.errMsg).toMatch(/componentAppid must be "wx" followed by 16 lowercase hex digits/);
    expect(result.errMsg).not.toContain(DEMO_COMPONENT_SECRET);
  });

  test('without credentials, the calls to WeChat answer so (status and items need only the store)', async () => {
    const batch = openBatch({ ...good, componentSecret: '' });
    for (const result of [await batch.start(start), await batch.resume(), await batch.work()]) {
      expect(result).toMatchObject({ errCode: ProjectCode.COMPONENT_CREDENTIALS_MISSING, attempts: 0 });
      expect(result.errMsg).toMatch(/secret is missing/);
    }
    expect((await openBatch({ ...good, componentAppid: undefined as unknown as string }).start(start)).errMsg).toMatch(/appid is missing/);
  });

  test.each<[string, Record<string, unknown>, number, RegExp]>([
    ['not an object', null as unknown as Record<string, unknown>, ProjectCode.BATCH_OPTIONS_INVALID, /start takes an options object/],
    ['an unknown operation', { ...start, operation: 'getPluginDevApplyList' }, ProjectCode.BATCH_OPTIONS_INVALID, /operation must be one of applyPlugin, getPluginList, unbindPlugin, updatePlugin/],
    ['a request without its appid', { ...start, request: {} }, ProjectCode.INVALID_APPID, /pluginAppid is required/],
    ['a request that is not an object', { ...start, request: 'x' }, ProjectCode.INVALID_EVENT, /request of applyPlugin is not an object/],
    ['update without a version', { ...start, operation: 'updatePlugin' }, ProjectCode.INVALID_VERSION, /userVersion is required/],
    ['a rate of 0', { ...start, rate: 0 }, ProjectCode.BATCH_OPTIONS_INVALID, /rate takes calls per second, from 0\.1 to 100000/],
    ['a rate slower than the slowest (one call every 10 s)', { ...start, rate: 0.0000001 }, ProjectCode.BATCH_OPTIONS_INVALID, /rate takes calls per second, from 0\.1 to 100000/],
    ['a job timeout of 5 s', { ...start, jobTimeout: 5 }, ProjectCode.BATCH_OPTIONS_INVALID, /jobTimeout takes a whole number from 10 to 3600/],
    ['a concurrency of 0.5', { ...start, concurrency: 0.5 }, ProjectCode.BATCH_OPTIONS_INVALID, /concurrency takes a whole number from 1 to 1000/],
    ['a signal that is not one', { ...start, signal: {} }, ProjectCode.BATCH_OPTIONS_INVALID, /signal is not an AbortSignal/],
    ['onFinished that is not a function', { ...start, onFinished: 1 }, ProjectCode.BATCH_OPTIONS_INVALID, /onFinished is not a function/],
    ['authorisers named by a word', { ...start, authorizers: 'every' }, ProjectCode.BATCH_OPTIONS_INVALID, /authorizers takes "all", \{ file \}, or the appids/],
    ['no authoriser', { ...start, authorizers: [] }, ProjectCode.BATCH_OPTIONS_INVALID, /lists no appid/],
    ['an authoriser that is not an appid', { ...start, authorizers: [authorizerAppid(0), 'WXA0'] }, ProjectCode.INVALID_APPID, /authorizers\[1\] is not an appid/],
    ['a file that is not there', { ...start, authorizers: { file: join(tmpdir(), 'no-such-authorizers.txt') } }, ProjectCode.BATCH_OPTIONS_INVALID, /names no readable file/],
    ['a file named by nothing', { ...start, authorizers: { file: '' } }, ProjectCode.BATCH_OPTIONS_INVALID, /authorizers\.file must name a file/],
  ])('start with %s', async (_name, options, code, message) => {
    const result = await openBatch(good).start(options as never);
    expect(result).toMatchObject({ errCode: code, attempts: 0 });
    expect(result.errMsg).toMatch(message);
    expect(sent).toBe(0);
  });

  test('an embedded store\'s folder is fine as an option; the request is still checked first, nothing opened', async () => {
    const folder = join(tmpdir(), 'wxplugin-never-made');
    const result = await openBatch({ ...good, store: { dir: folder } }).start({ ...start, request: { pluginAppid: 'WX0' } });
    expect(result).toMatchObject({ errCode: ProjectCode.INVALID_APPID, attempts: 0 });
    expect(existsSync(folder)).toBe(false);
  });

  test('a file with a line that is not an appid: its line number, nothing sent', async () => {
    const file = join(work, 'bad-line.txt');
    writeFileSync(file, `# two\n${authorizerAppid(0)}\nnot-an-appid\n`);
    const result = await openBatch(good).start({ ...start, authorizers: { file } });
    expect(result).toMatchObject({ errCode: ProjectCode.BATCH_OPTIONS_INVALID, attempts: 0 });
    expect(result.errMsg).toMatch(/line 3 is not an appid/);
  });

  test.each<[string, unknown, RegExp]>([
    ['a run id that is not text', 5, /run id must be the text start\(\) answered/],
    ['a run id that is empty', '', /run id must be the text start\(\) answered/],
    ['authorisers of "all"', 'all', /authorizers of resume takes the appids given to start again/],
  ])('resume with %s', async (_name, value, message) => {
    const args = value === 'all' ? [undefined, { authorizers: value }] : [value, {}];
    const result = await (openBatch(good).resume as (...args: unknown[]) => ReturnType<Batch['resume']>)(...args);
    expect(result.errCode).toBe(ProjectCode.BATCH_OPTIONS_INVALID);
    expect(result.errMsg).toMatch(message);
  });

  test.each<[string, unknown, unknown, RegExp]>([
    ['a page size out of bounds', 'x', { pageSize: 0 }, /pageSize takes a whole number/],
    ['no run id', undefined, {}, /items takes the run id/],
    ['a run id that is not text', 7, {}, /run id must be the text/],
  ])('items with %s', async (_name, runId, options, message) => {
    const pages = [];
    for await (const page of openBatch(good).items(runId as string, options as never)) pages.push(page);
    expect(pages).toEqual([expect.objectContaining({ errCode: ProjectCode.BATCH_OPTIONS_INVALID, errMsg: expect.stringMatching(message), items: [] })]);
  });

  test('a store that cannot be reached: the store code, no address in the answer, nothing sent', async () => {
    const batch = openBatch(good);
    const result = await batch.start(start);
    expect(result).toMatchObject({ errCode: ProjectCode.TOKEN_STORE_FAILED, attempts: 0 });
    expect(result.errMsg).toMatch(/^batch\.start:fail the batch store could not be opened \(.+\): check the store/);
    expect(result.errMsg).not.toMatch(/127\.0\.0\.1|nobody/);
    await batch.close();
    expect(sent).toBe(0);
  });
});

if (!bin) {
  postgresMissing('batch-library', 'the library batch tests on a store');
} else {
  describe('on a PostgreSQL server', () => {
    let server: PostgresServer;
    let databases = 0;
    beforeAll(async () => {
      server = await startPostgres(bin);
    }, 120_000);
    afterAll(() => server?.stop());

    /** A database of its own for each test: runs, tokens and the rate row start empty. */
    async function freshDatabase(): Promise<string> {
      const name = `batch_${(databases += 1)}`;
      const client = new Client({ connectionString: server.url });
      await client.connect();
      await client.query(`CREATE DATABASE ${name}`);
      await client.end();
      return server.url.replace(/\/postgres$/, `/${name}`);
    }

    let emulator: Emulator | undefined;
    const opened: Batch[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((batch) => batch.close()));
      await emulator?.close();
      emulator = undefined;
    });

    async function setUp(component: Parameters<typeof startEmulator>[0] extends infer O ? (O extends { https?: { component?: infer C } } ? C : never) : never, extra: Partial<BatchOptions> = {}) {
      emulator = await startEmulator({ https: { component } });
      const databaseUrl = await freshDatabase();
      const open = (more: Partial<BatchOptions> = {}) => {
        const batch = openBatch({ componentAppid: DEMO_COMPONENT_APPID, componentSecret: DEMO_COMPONENT_SECRET, verifyTicket: FIRST_TICKET, baseUrl: emulator!.url, store: { databaseUrl }, timeoutMs: 5000, ...extra, ...more });
        opened.push(batch);
        return batch;
      };
      return { batch: open(), open, component: emulator.https.component!, databaseUrl };
    }

    test('every listed authoriser: 61007 final, each called once, the report paged', async () => {
      const { batch, component } = await setUp({ authorizers: 30, withoutPluginManagement: 0.1 });
      const finished: BatchItem[] = [];
      const started: string[] = [];
      const progress: number[] = [];
      const result = await batch.start({
        operation: 'applyPlugin',
        request: { pluginAppid: PLUGIN, reason: 'from a program' },
        authorizers: 'all',
        rate: 500,
        onStart: (run) => started.push(`${run.runId} ${run.operation} ${run.source} ${run.listed}`),
        onFinished: (item) => finished.push(item),
        onProgress: (counts) => progress.push(counts.total),
      });
      expect(result).toMatchObject({ errCode: 0, errMsg: 'batch.start:ok', retryable: false, kind: 'finished', runId: expect.stringMatching(/^\d{8}-\d{6}-[0-9a-f]{4}$/) });
      expect(result.counts).toEqual({ total: 30, succeeded: 27, alreadyDone: 0, notAuthorised: 3, deferred: 0, failed: 0, pending: 0, cancelled: 0 });
      expect(result).not.toHaveProperty('deferredUntil');
      expect(started).toEqual([`${result.runId} applyPlugin all false`]);
      expect(finished).toHaveLength(30);
      expect(finished.filter((item) => item.state === 'notAuthorised').every((item) => item.errCode === 61007)).toBe(true);
      // The last progress is the run's end.
      expect(progress.at(-1)).toBe(30);
      expect(checkOnceEach(component, 30).wrong).toEqual([]);
      expect(component.calls()).toHaveLength(30);
      expect(component.calls().every((call) => call.action === 'apply')).toBe(true);

      const status = await batch.status(result.runId);
      expect(status).toMatchObject({ errCode: 0, counts: result.counts, jobs: 0, run: { runId: result.runId, operation: 'applyPlugin', request: { pluginAppid: PLUGIN, reason: 'from a program' }, listed: true, rate: 500, jobTimeout: 60 } });
      // Without an id: the newest run.
      expect((await batch.status()).run?.runId).toBe(result.runId);

      const all = await allItems(batch, result.runId!, { pageSize: 7 });
      expect(all.pageSizes).toEqual([7, 7, 7, 7, 2]);
      expect(all.items.map((item) => item.authorizerAppid)).toEqual(Array.from({ length: 30 }, (_, index) => authorizerAppid(index)).sort());
      const refused = await allItems(batch, result.runId!, { onlyUnsuccessful: true, pageSize: 2 });
      expect(refused.pageSizes).toEqual([2, 1]);
      expect(refused.items).toEqual(
        [authorizerAppid(9), authorizerAppid(19), authorizerAppid(29)].map((appid) => ({ authorizerAppid: appid, state: 'notAuthorised', errCode: 61007, errMsg: expect.stringMatching(/^applyPlugin:fail /), tries: 1 })),
      );
      // Nothing in the answers carries a token or the secret.
      expect(JSON.stringify([result, status, all.items])).not.toMatch(/ctok_|atok_|refreshtoken|demo0component0secret/);
    });

    test('the program\'s own authorisers and a file; list keeps each plugin list; 45009 defers, resume then calls nothing', async () => {
      const { batch, component } = await setUp({ authorizers: 6, withoutPluginManagement: 0, dailyQuota: 1 });
      const listed = await batch.start({ operation: 'getPluginList', authorizers: [authorizerAppid(0), authorizerAppid(1), authorizerAppid(1)] });
      expect(listed).toMatchObject({ errCode: 0, kind: 'finished', counts: { total: 2, succeeded: 2 } });
      const { items } = await allItems(batch, listed.runId!);
      expect(items[0]).toMatchObject({ authorizerAppid: authorizerAppid(0), state: 'succeeded', data: { pluginList: [expect.objectContaining({ appid: expect.any(String) })] } });

      const file = join(work, 'four.txt');
      writeFileSync(file, [2, 3, 4, 5].map(authorizerAppid).join('\n'));
      const applied = await batch.start({ operation: 'applyPlugin', request: { pluginAppid: PLUGIN }, authorizers: { file } });
      expect(applied).toMatchObject({ kind: 'finished', counts: { total: 4, succeeded: 4 } });
      expect((await batch.status(applied.runId)).run).toMatchObject({ source: 'file', listed: true });

      // Each authoriser's one call a day to /wxa/plugin is spent: the unbinds wait for the reset.
      async function* given() {
        for (const index of [2, 3]) yield authorizerAppid(index);
      }
      const unbound = await batch.start({ operation: 'unbindPlugin', request: { pluginAppid: PLUGIN }, authorizers: given() });
      expect(unbound).toMatchObject({ errCode: 0, kind: 'finished', counts: { total: 2, deferred: 2, pending: 0 } });
      expect(unbound.deferredUntil?.toISOString()).toMatch(/T16:05:00\.000Z$/);
      const deferred = await allItems(batch, unbound.runId!, { onlyUnsuccessful: true });
      expect(deferred.items).toEqual([2, 3].map((index) => expect.objectContaining({ authorizerAppid: authorizerAppid(index), state: 'deferred', errCode: 45009, notBefore: unbound.deferredUntil })));
      const before = component.calls().length;
      const resumed = await batch.resume(unbound.runId);
      expect(resumed).toMatchObject({ errCode: 0, errMsg: 'batch.resume:ok', kind: 'finished', counts: { deferred: 2 } });
      expect(component.calls()).toHaveLength(before);
    });

    test('-1 outlasting a call is retried by the job, with backoff: one success in the end', async () => {
      const { batch, component } = await setUp({ authorizers: 2, withoutPluginManagement: 0 });
      // One call's own tries all meet -1 (3); the job's second try succeeds.
      emulator!.faults.add({ kind: 'errcode', errcode: -1, times: 3 });
      const seen: BatchItem[] = [];
      const result = await batch.start({ operation: 'applyPlugin', request: { pluginAppid: PLUGIN }, authorizers: [authorizerAppid(0)], onFinished: (item) => seen.push(item) });
      expect(result).toMatchObject({ kind: 'finished', counts: { total: 1, succeeded: 1, pending: 0 } });
      expect(seen.map((item) => [item.state, item.errCode, item.tries])).toEqual([
        ['pending', -1, 1],
        ['succeeded', 0, 2],
      ]);
      expect(component.calls().map((call) => call.errcode)).toEqual([-1, -1, -1, 0]);
    });

    test('a listing refused for the platform\'s own ticket: platformFault naming the ticket, and resume lists again', async () => {
      const { open, component } = await setUp({ authorizers: 5, withoutPluginManagement: 0 });
      const refused = await open({ verifyTicket: 'not-the-ticket' }).start({ operation: 'applyPlugin', request: { pluginAppid: PLUGIN }, authorizers: 'all' });
      expect(refused).toMatchObject({ errCode: ProjectCode.PLATFORM_CREDENTIALS_REFUSED, retryable: false, attempts: 1, kind: 'platformFault', runId: expect.any(String), counts: { total: 0 }, platformFault: { errCode: ProjectCode.PLATFORM_CREDENTIALS_REFUSED } });
      expect(refused.errMsg).toMatch(/^batch\.start:fail WeChat refused the third-party platform's credentials \(61006 .+WECHAT_COMPONENT_VERIFY_TICKET/);
      expect(component.calls()).toEqual([]);
      const resumed = await open().resume(refused.runId);
      expect(resumed).toMatchObject({ errCode: 0, kind: 'finished', runId: refused.runId, counts: { total: 5, succeeded: 5 } });
    });

    test('the program\'s list with a bad appid part way: listingFailed; resume needs the list again, then finishes', async () => {
      const { batch } = await setUp({ authorizers: 3, withoutPluginManagement: 0 });
      async function* sloppy() {
        yield authorizerAppid(0);
        yield 'wx-not-an-appid';
      }
      const first = await batch.start({ operation: 'applyPlugin', request: { pluginAppid: PLUGIN }, authorizers: sloppy() });
      expect(first).toMatchObject({ errCode: ProjectCode.INVALID_APPID, kind: 'listingFailed', listing: { errCode: ProjectCode.INVALID_APPID, errMsg: expect.stringMatching(/authoriser #1 given is not an appid/) } });
      const without = await batch.resume(first.runId);
      expect(without).toMatchObject({ errCode: ProjectCode.BATCH_OPTIONS_INVALID, attempts: 0 });
      expect(without.errMsg).toMatch(/pass them again as authorizers/);
      const again = await batch.resume(first.runId, { authorizers: [0, 1, 2].map(authorizerAppid) });
      expect(again).toMatchObject({ errCode: 0, kind: 'finished', counts: { total: 3, succeeded: 3 } });
      const broken = await batch.start({
        operation: 'applyPlugin',
        request: { pluginAppid: PLUGIN },
        authorizers: {
          [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('the source broke')) }),
        },
      });
      expect(broken).toMatchObject({ errCode: ProjectCode.BATCH_OPTIONS_INVALID, kind: 'listingFailed' });
      expect(broken.listing?.errMsg).toMatch(/could not be read \(the source broke\)/);
    });

    test('stopped by its signal mid-run: every call made is recorded; resume finishes, no authoriser succeeds twice', async () => {
      const count = 120;
      const { batch, component } = await setUp({ authorizers: count, withoutPluginManagement: 0 });
      const controller = new AbortController();
      let finished = 0;
      const stopped = await batch.start({
        operation: 'applyPlugin',
        request: { pluginAppid: PLUGIN },
        authorizers: 'all',
        rate: 60,
        concurrency: 8,
        // A short job timeout: the claims of calls waiting for their slot are kept alive meanwhile.
        jobTimeout: 10,
        signal: controller.signal,
        onFinished: () => {
          finished += 1;
          if (finished === 20) controller.abort();
        },
      });
      expect(stopped).toMatchObject({ errCode: 0, kind: 'stopped' });
      const counts = stopped.counts!;
      expect(counts.pending).toBeGreaterThan(0);
      // What the emulator saw is what the store holds: no call lost, none unrecorded.
      const successes = component.calls().filter((call) => call.errcode === 0).length;
      expect(counts.succeeded).toBe(successes);
      expect(finished).toBe(successes);

      const resumed = await batch.resume(stopped.runId, { concurrency: 8 });
      expect(resumed).toMatchObject({ kind: 'finished', counts: { total: count, succeeded: count, pending: 0 } });
      const { wrong, redone } = checkOnceEach(component, count);
      expect({ wrong, redone }).toEqual({ wrong: [], redone: 0 });
    });

    test('a second process\'s worker: work() finishes a stopped run, then stops when idle or on its signal', async () => {
      const count = 40;
      const { batch, open, component } = await setUp({ authorizers: count, withoutPluginManagement: 0 });
      const controller = new AbortController();
      const stopped = await batch.start({
        operation: 'applyPlugin',
        request: { pluginAppid: PLUGIN },
        authorizers: Array.from({ length: count }, (_, index) => authorizerAppid(index)),
        rate: 40,
        concurrency: 4,
        signal: controller.signal,
        onFinished: () => controller.abort(),
      });
      expect(stopped.kind).toBe('stopped');
      await batch.close();
      expect((await batch.status()).errMsg).toMatch(/this batch is closed/);

      const worker = open();
      const finished: string[] = [];
      const worked = await worker.work({ exitWhenIdle: true, onFinished: (item) => finished.push(item.authorizerAppid) });
      expect(worked).toMatchObject({ errCode: 0, errMsg: 'batch.work:ok', stopped: false, taken: expect.any(Number) });
      expect(finished.length).toBe(count - stopped.counts!.succeeded);
      expect((await worker.status(stopped.runId)).counts).toMatchObject({ succeeded: count, pending: 0 });
      expect([...callsByAuthorizer(component.calls()).values()].every((entry) => entry.successes === 1)).toBe(true);

      // Nothing left: without exitWhenIdle it waits for work until its signal.
      const idle = new AbortController();
      setTimeout(() => idle.abort(), 300);
      expect(await worker.work({ signal: idle.signal })).toMatchObject({ errCode: 0, taken: 0, stopped: true });
    });

    test('opening an embedded store after a kill hands back what the dead process held: its claims, its active jobs', async () => {
      const databaseUrl = await freshDatabase();
      const seen = await host.script<{ fetched: number; claimedBefore: string[]; items: unknown[]; jobStates: string[]; claimedAfter: string[] }>('orphans', databaseUrl, DEMO_COMPONENT_APPID, PLUGIN, [authorizerAppid(0), authorizerAppid(1)]);
      expect(seen.fetched).toBe(2);
      expect(seen.claimedBefore).toEqual([authorizerAppid(0)]);
      expect(seen.items).toEqual([{ appid: authorizerAppid(0), claimed_until: null }, { appid: authorizerAppid(1), claimed_until: null }]);
      // Ended, not retried: pg-boss retries nothing (the batch owns its retries); the run's driver
      // gives the authorisers, still pending, a job again, and the claim is free to take.
      expect(seen.jobStates).toEqual(['failed', 'failed']);
      expect(seen.claimedAfter).toEqual([authorizerAppid(0)]);
    });

    test('the token store as the embedded store uses it: values kept in memory (recent ones), read ahead a page at a time', async () => {
      const databaseUrl = await freshDatabase();
      // The batch's own tables, without pg-boss (which needs Node 22.12; these parts do not).
      const store = { db: await openServer(databaseUrl, 4), close: () => store.db.close() };
      await createSchema(store.db);
      try {
        // The embedded store is this process's alone, so it may remember what it read and wrote.
        const db = { ...store.db, query: store.db.query.bind(store.db), kind: 'embedded' as const };
        const tokens = sqlComponentStore(db, DEMO_COMPONENT_APPID);
        const behindItsBack = (appid: string, value: string) => store.db.query("UPDATE wxplugin_batch.token SET value = $2 WHERE kind = 'refresh' AND name = $1", [appid, value]);
        const many = Array.from({ length: CACHE_ENTRIES + 1 }, (_, index) => [`wx${index.toString(16).padStart(16, '0')}`, `refresh-${index}`] as const);
        await tokens.writeRefreshTokens(many);
        await behindItsBack(many[0]![0], 'changed-0');
        await behindItsBack(many[CACHE_ENTRIES]![0], 'changed-last');
        // The oldest fell out of memory and is read again; the newest is remembered.
        expect(await tokens.readRefreshToken(many[0]![0])).toBe('changed-0');
        expect(await tokens.readRefreshToken(many[CACHE_ENTRIES]![0])).toBe(`refresh-${CACHE_ENTRIES}`);

        const fresh = sqlComponentStore(db, DEMO_COMPONENT_APPID);
        await fresh.prime([many[1]![0], 'wx00000000000fffff']);
        await behindItsBack(many[1]![0], 'changed-1');
        expect(await fresh.readRefreshToken(many[1]![0])).toBe('refresh-1');
        // Absent ones are remembered as absent too.
        expect(await fresh.readRefreshToken('wx00000000000fffff')).toBeUndefined();
        await fresh.prime([]);
        // One process: its own queue is the whole lock.
        expect(await fresh.withLock('component', async () => 'held')).toBe('held');
        expect(await fresh.readTicket()).toBeUndefined();
        // A platform whose rate row was never made cannot be given slots: said, not hung.
        await expect(sqlReserve(store.db, 'component:nobody', 10)(1)).rejects.toThrow(/no rate row for component:nobody/);
        // A server store reads ahead nothing: every read goes to the database.
        const server = sqlComponentStore(store.db, DEMO_COMPONENT_APPID);
        await server.prime([many[2]![0]]);
        await behindItsBack(many[2]![0], 'changed-2');
        expect(await server.readRefreshToken(many[2]![0])).toBe('changed-2');
        // Two processes (two holders) take turns on a lock through the database.
        const order: string[] = [];
        const other = sqlComponentStore(store.db, DEMO_COMPONENT_APPID);
        let release!: () => void;
        const first = server.withLock('component', async () => {
          order.push('first in');
          await new Promise<void>((resolve) => (release = resolve));
          order.push('first out');
        });
        while (order.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
        const second = other.withLock('component', async () => void order.push('second in'));
        await new Promise((resolve) => setTimeout(resolve, 100));
        release();
        await Promise.all([first, second]);
        expect(order).toEqual(['first in', 'first out', 'second in']);
      } finally {
        await store.close();
      }
    });

    test('the store failing mid-run: a warning, then an answer, never a throw; resume redoes the unrecorded call, which meets "already added"', async () => {
      const { open, component, databaseUrl } = await setUp({ authorizers: 2, withoutPluginManagement: 0 });
      const admin = new Client({ connectionString: databaseUrl });
      await admin.connect();
      try {
        let broken = false;
        // The program's own fetch: every request goes through it. Once WeChat has answered the
        // first plugin call, the table its outcome goes to is taken away.
        // (A watcher of each request, the host's stand-in for a program's fetch: see batch-host.ts.)
        const breaking = (async (url: string, phase: 'before' | 'after') => {
          if (phase === 'after' && !broken && url.includes('/wxa/plugin')) {
            broken = true;
            await admin.query('ALTER TABLE wxplugin_batch.item RENAME TO item_away');
          }
        }) as unknown as Fetch;
        const warnings: string[] = [];
        const batch = open({ fetch: breaking, verifyTicket: () => FIRST_TICKET });
        const result = await batch.start({ operation: 'applyPlugin', request: { pluginAppid: PLUGIN }, authorizers: [authorizerAppid(0)], jobTimeout: 10, onWarning: (message) => warnings.push(message) });
        expect(result).toMatchObject({ errCode: ProjectCode.TOKEN_STORE_FAILED, attempts: 1 });
        expect(result.errMsg).toMatch(/^batch\.start:fail the batch store failed \(.*item.*\): check the store/);
        expect(warnings).toEqual([expect.stringMatching(/^the store failed while recording \(the job will run again\): .*item/)]);
        const { rows } = await admin.query<{ id: string }>('SELECT id FROM wxplugin_batch.run');
        const pages = [];
        for await (const page of batch.items(rows[0]!.id)) pages.push(page);
        expect(pages).toEqual([expect.objectContaining({ errCode: ProjectCode.TOKEN_STORE_FAILED, attempts: 1, items: [] })]);
        expect(component.calls().map((call) => call.errcode)).toEqual([0]);

        await admin.query('ALTER TABLE wxplugin_batch.item_away RENAME TO item');
        // The claim of the call lost with the store lapses after the job timeout; the job is handed out again.
        const resumed = await open().resume();
        expect(resumed).toMatchObject({ errCode: 0, kind: 'finished', runId: rows[0]!.id, counts: { total: 1, succeeded: 0, alreadyDone: 1 } });
        expect(component.calls().map((call) => call.errcode)).toEqual([0, 89237]);
      } finally {
        await admin.end();
      }
    });

    test('a file gone before the run was all enqueued: resume says so (listingFailed), nothing thrown; an empty platform finishes at once', async () => {
      const { batch } = await setUp({ authorizers: 0, withoutPluginManagement: 0 });
      const nobody = await batch.start({ operation: 'applyPlugin', request: { pluginAppid: PLUGIN }, authorizers: 'all' });
      expect(nobody).toMatchObject({ errCode: 0, kind: 'finished', counts: { total: 0, pending: 0 } });

      const file = join(work, 'moved.txt');
      writeFileSync(file, `${authorizerAppid(0)}\n`);
      // Stopped before its first page is enqueued (its signal aborted from the start): the run is not listed yet.
      const stopped = await batch.start({ operation: 'applyPlugin', request: { pluginAppid: PLUGIN }, authorizers: { file }, signal: AbortSignal.abort() });
      expect(stopped).toMatchObject({ errCode: 0, kind: 'stopped', counts: { total: 0 } });
      expect((await batch.status(stopped.runId)).run).toMatchObject({ source: 'file', listed: false });
      rmSync(file);
      const resumed = await batch.resume(stopped.runId);
      expect(resumed).toMatchObject({ errCode: ProjectCode.BATCH_OPTIONS_INVALID, kind: 'listingFailed', runId: stopped.runId });
      expect(resumed.listing?.errMsg).toMatch(/^authorizers:fail the run's file of authorisers could not be read \(.+\): put it back/);
    });

    test('a read-only database: the store cannot be made, said as the store code', async () => {
      const databaseUrl = await freshDatabase();
      const batch = openBatch({ componentAppid: DEMO_COMPONENT_APPID, componentSecret: DEMO_COMPONENT_SECRET, store: { databaseUrl: `${databaseUrl}?options=-c%20default_transaction_read_only%3Don` } });
      opened.push(batch);
      const result = await batch.status();
      expect(result).toMatchObject({ errCode: ProjectCode.TOKEN_STORE_FAILED, attempts: 0 });
      expect(result.errMsg).toMatch(/could not be opened \(.*read-only/);
    });

    test('runs that are not there, or another platform\'s', async () => {
      const { batch, open } = await setUp({ authorizers: 1, withoutPluginManagement: 0 });
      expect(await batch.status()).toMatchObject({ errCode: ProjectCode.BATCH_RUN_NOT_FOUND, errMsg: expect.stringMatching(/this store holds no run yet/) });
      const run = await batch.start({ operation: 'applyPlugin', request: { pluginAppid: PLUGIN }, authorizers: [authorizerAppid(0)] });
      expect(await batch.resume('20000101-000000-0000')).toMatchObject({ errCode: ProjectCode.BATCH_RUN_NOT_FOUND, errMsg: expect.stringMatching(/no run "20000101-000000-0000" in this store/) });
      const pages = [];
      for await (const page of batch.items('20000101-000000-0000')) pages.push(page);
      expect(pages).toEqual([expect.objectContaining({ errCode: ProjectCode.BATCH_RUN_NOT_FOUND, items: [] })]);
      const other = await open({ componentAppid: 'wxc0de0000000000ff' }).resume(run.runId);
      expect(other).toMatchObject({ errCode: ProjectCode.BATCH_OPTIONS_INVALID, errMsg: expect.stringMatching(/belongs to the platform wxc0de000000000001/) });
      // Reading needs no credentials.
      expect(await open({ componentSecret: '' }).status(run.runId)).toMatchObject({ errCode: 0, counts: { succeeded: 1 } });
    });
  });
}
});
