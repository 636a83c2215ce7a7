/**
 * Steering runs from a program (openBatch): the list of runs, retry (all that did not succeed, or
 * chosen codes), cancel, resume with a new rate, counts by code, and paged, filtered items with a
 * cursor. openBatch runs in a child process on WeChat's Node 22.21 and 24.11 builds (batch runs
 * need Node 22.12; test/support/remote-batch.ts), driven from jest with the callbacks and signals
 * here; a real PostgreSQL server started by the suite, real pg-boss, the loopback emulator in jest.
 *
 * Where PostgreSQL's binaries are missing, the tests that need a store say so and pass (CI=true:
 * they fail); the option checks, which open nothing, run everywhere.
 */
import { Client } from 'pg';
import type { Batch, BatchItem, BatchItemQuery, BatchOptions, BatchRunInfo } from '../../src/batch/api-types';
import { ProjectCode } from '../../src/core/codes';
import { authorizerAppid, DEMO_COMPONENT_APPID, DEMO_COMPONENT_SECRET, FIRST_TICKET } from '../../src/emulator/component-world';
import { startEmulator, type Emulator } from '../../src/emulator/gateway';
import { findPostgresBin, postgresMissing, startPostgres, type PostgresServer } from '../support/postgres';
import { removeHostBundle, startBatchHost, type BatchHost } from '../support/remote-batch';
import { describeEachBatchNode } from '../support/wechat-node';

jest.setTimeout(180_000);

const PLUGIN = 'wx1111111111111111';
const bin = findPostgresBin();
const ZERO = { total: 0, succeeded: 0, alreadyDone: 0, notAuthorised: 0, deferred: 0, failed: 0, pending: 0, cancelled: 0 };

afterAll(() => removeHostBundle());

describeEachBatchNode('on %s', (_nodeName, node) => {
let host: BatchHost;
beforeAll(() => {
  host = startBatchHost(node);
});
afterAll(() => host.stop());
const openBatch = (options: BatchOptions): Batch => host.openBatch(options);

describe('steering options: a project code, nothing opened', () => {
  let batch: Batch;
  beforeAll(() => {
    batch = openBatch({ componentAppid: DEMO_COMPONENT_APPID, componentSecret: DEMO_COMPONENT_SECRET, store: { databaseUrl: 'postgres://nobody@127.0.0.1:1/none' } });
  });
  afterAll(() => batch.close());

  test.each<[string, () => Promise<{ errCode: number; errMsg: string; attempts: number }>, RegExp]>([
    ['retry with codes that are not numbers', () => batch.retry(undefined, { codes: ['61007'] as unknown as number[] }), /the option codes takes the codes to call again/],
    ['retry with no codes', () => batch.retry(undefined, { codes: [] }), /the option codes takes/],
    ['resume with a rate of 0', () => batch.resume(undefined, { rate: 0 }), /the option rate takes calls per second/],
    ['retry with a rate too high', () => batch.retry(undefined, { rate: 1e9 }), /the option rate takes calls per second/],
    ['cancel with a run id that is a number', () => batch.cancel(7 as unknown as string), /the run id must be the text/],
    ['itemsPage with an unknown state', () => batch.itemsPage('r', { outcome: 'lost' as never }), /the option outcome must be one of .*cancelled/],
    ['itemsPage with a misspelt option', () => batch.itemsPage('r', { pagesize: 3 } as unknown as BatchItemQuery), /itemsPage has no option "pagesize": did you mean "pageSize"\?/],
    ['itemsPage with a cursor it never gave', () => batch.itemsPage('r', { cursor: 'not-a-cursor' }), /the option cursor is not one itemsPage answered/],
    ['itemsPage with a page too big', () => batch.itemsPage('r', { pageSize: 10_001 }), /pageSize takes a whole number from 1 to 10000/],
  ])('%s', async (_name, call, message) => {
    const result = await call();
    expect(result).toMatchObject({ errCode: ProjectCode.BATCH_OPTIONS_INVALID, attempts: 0 });
    expect(result.errMsg).toMatch(message);
  });

  test.each<[string, () => Promise<{ errCode: number; errMsg: string; attempts: number }>, RegExp]>([
    ['start with rat', () => batch.start({ operation: 'applyPlugin', request: { pluginAppid: PLUGIN }, authorizers: 'all', rat: 5 } as never), /^batch\.start:fail start has no option "rat": did you mean "rate"\? it takes operation, request/],
    ['start with concurency', () => batch.start({ operation: 'applyPlugin', request: { pluginAppid: PLUGIN }, authorizers: 'all', concurency: 4 } as never), /start has no option "concurency": did you mean "concurrency"\?/],
    ['resume with rat', () => batch.resume(undefined, { rat: 5 } as never), /resume has no option "rat": did you mean "rate"\?/],
    ['retry with code', () => batch.retry(undefined, { code: [61007] } as never), /retry has no option "code": did you mean "codes"\?/],
    ['work with exitWhenIdel', () => batch.work({ exitWhenIdel: true } as never), /work has no option "exitWhenIdel": did you mean "exitWhenIdle"\?/],
    ['start with a key that is no name', () => batch.start({ operation: 'applyPlugin', request: { pluginAppid: PLUGIN }, authorizers: 'all', 'sk-secret value': 1 } as never), /start has no option \(not shown\): it takes/],
  ])('%s: refused, with the option meant', async (_name, call, message) => {
    const result = await call();
    expect(result).toMatchObject({ errCode: ProjectCode.BATCH_OPTIONS_INVALID, attempts: 0 });
    expect(result.errMsg).toMatch(message);
    expect(result.errMsg).not.toContain('sk-secret');
  });

  test.each<[string, Record<string, unknown>, RegExp]>([
    ['timeoutMS', { timeoutMS: 5000 }, /openBatch has no option "timeoutMS": did you mean "timeoutMs"\?/],
    ['a store with exisiting', { store: { dir: '/nowhere', exisiting: true } }, /the option store has no option "exisiting": did you mean "existing"\?/],
  ])('openBatch with %s: every call answers it, nothing opened', async (_name, extra, message) => {
    const strict = openBatch({ componentAppid: DEMO_COMPONENT_APPID, componentSecret: DEMO_COMPONENT_SECRET, store: { databaseUrl: 'postgres://nobody@127.0.0.1:1/none' }, ...extra } as never);
    for (const result of [await strict.status(), await strict.runs(), await strict.cancel()]) {
      expect(result).toMatchObject({ errCode: ProjectCode.BATCH_OPTIONS_INVALID, attempts: 0 });
      expect(result.errMsg).toMatch(message);
    }
    await strict.close();
  });

  test('itemsPage refused still answers an empty page', async () => {
    expect((await batch.itemsPage('r', { order: 'oldest' as never })).items).toEqual([]);
  });
});

if (!bin) {
  postgresMissing('batch-steering', 'the steering tests on a store');
} else {
  describe('steering runs on a PostgreSQL server', () => {
    let server: PostgresServer;
    let databases = 0;
    beforeAll(async () => {
      server = await startPostgres(bin);
    }, 120_000);
    afterAll(() => server?.stop());

    let emulator: Emulator | undefined;
    const opened: Batch[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((batch) => batch.close()));
      await emulator?.close();
      emulator = undefined;
    });

    async function setUp(component: { authorizers: number; withoutPluginManagement: number }) {
      emulator = await startEmulator({ https: { component } });
      const name = `steer_${(databases += 1)}`;
      const client = new Client({ connectionString: server.url });
      await client.connect();
      await client.query(`CREATE DATABASE ${name}`);
      await client.end();
      const options: BatchOptions = { componentAppid: DEMO_COMPONENT_APPID, componentSecret: DEMO_COMPONENT_SECRET, verifyTicket: FIRST_TICKET, baseUrl: emulator.url, store: { databaseUrl: server.url.replace(/\/postgres$/, `/${name}`) }, timeoutMs: 5000 };
      const batch = openBatch(options);
      opened.push(batch);
      return { batch, component: emulator.https.component! };
    }

    test('onProgress hears the counts as the drive begins, before any authoriser finishes, so a short run still has a rate', async () => {
    const { batch } = await setUp({ authorizers: 4, withoutPluginManagement: 0 });
    const events: string[] = [];
    const result = await batch.start({
      operation: 'applyPlugin',
      request: { pluginAppid: PLUGIN },
      authorizers: [0, 1, 2, 3].map(authorizerAppid),
      rate: 500,
      concurrency: 1,
      onFinished: () => events.push('finished'),
      onProgress: (counts) => events.push(`progress ${counts.succeeded}`),
    });
    expect(result.counts).toMatchObject({ succeeded: 4 });
    expect(events[0]).toBe('progress 0');
    expect(events.at(-1)).toBe('progress 4');
  });

  test('runs: every run newest first, with its plugin, state and counts', async () => {
      const { batch } = await setUp({ authorizers: 10, withoutPluginManagement: 0.2 });
      expect(await batch.runs()).toMatchObject({ errCode: 0, errMsg: 'batch.runs:ok', runs: [] });
      const first = await batch.start({ operation: 'applyPlugin', request: { pluginAppid: PLUGIN }, authorizers: 'all', rate: 500 });
      const second = await batch.start({ operation: 'getPluginList', authorizers: [authorizerAppid(0), authorizerAppid(1)], rate: 300 });
      const { runs } = await batch.runs();
      expect(runs!.map((run) => run.runId)).toEqual([second.runId, first.runId]);
      expect(runs![1]).toMatchObject({ runId: first.runId, operation: 'applyPlugin', pluginAppid: PLUGIN, state: 'finished', rate: 500, listed: true, counts: { ...ZERO, total: 10, succeeded: 8, notAuthorised: 2 } });
      expect(runs![0]).toMatchObject({ operation: 'getPluginList', state: 'finished', counts: { ...ZERO, total: 2, succeeded: 2 } });
      expect(runs![0]).not.toHaveProperty('pluginAppid');
      expect(runs![0]!.createdAt).toBeInstanceOf(Date);
    });

    test('retry: only the chosen codes called again, then every other that did not succeed; a success never repeated', async () => {
      const { batch, component } = await setUp({ authorizers: 6, withoutPluginManagement: 0.5 });
      // Every plugin call meets a refusal that is not retried (89236): all six fail.
      emulator!.faults.add({ kind: 'errcode', errcode: 89236, times: Infinity });
      const appids = [0, 1, 2, 3, 4, 5].map(authorizerAppid);
      const started = await batch.start({ operation: 'applyPlugin', request: { pluginAppid: PLUGIN }, authorizers: appids, rate: 500 });
      expect(started.counts).toEqual({ ...ZERO, total: 6, failed: 6 });
      expect((await batch.status(started.runId)).byCode).toEqual([{ state: 'failed', code: 89236, count: 6 }]);
      emulator!.faults.clear();

      // Codes that no authoriser has: nothing called.
      let before = component.calls().length;
      expect(await batch.retry(started.runId, { codes: [45011] })).toMatchObject({ errCode: 0, kind: 'finished', counts: { failed: 6 } });
      expect(component.calls()).toHaveLength(before);

      const seenAtStart: Array<{ info: BatchRunInfo; pending: number }> = [];
      const retried = await batch.retry(started.runId, {
        codes: [89236],
        rate: 250,
        // What the store holds when onStart is told: the chosen authorisers back in the queue.
        onStart: (info) => void batch.status(info.runId).then((now) => seenAtStart.push({ info, pending: now.counts!.pending })),
      });
      // Half granted plugin management (set 40): they succeed; the other half meet 61007.
      expect(retried).toMatchObject({ errCode: 0, errMsg: 'batch.retry:ok', runId: started.runId, kind: 'finished', counts: { ...ZERO, total: 6, succeeded: 3, notAuthorised: 3 } });
      expect(component.calls().slice(before).map((call) => call.authorizer).sort()).toEqual([...appids].sort());
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(seenAtStart).toHaveLength(1);
      expect(seenAtStart[0]!.info.rate).toBe(250);
      expect(seenAtStart[0]!.pending).toBeGreaterThan(0);
      expect((await batch.status(started.runId)).run!.rate).toBe(250);
      const status = await batch.status(started.runId);
      expect(status).toMatchObject({ state: 'finished' });
      expect(status.byCode).toEqual([
        { state: 'notAuthorised', code: 61007, count: 3 },
        { state: 'succeeded', code: 0, count: 3 },
      ]);
      const succeeded = (await batch.itemsPage(started.runId!, { outcome: 'succeeded' })).items.map((item) => item.authorizerAppid);
      // A retried authoriser's tries count afresh.
      expect((await batch.itemsPage(started.runId!, { search: succeeded[0]! })).items).toEqual([expect.objectContaining({ authorizerAppid: succeeded[0], state: 'succeeded', tries: 1 })]);

      // Without codes: every one that did not succeed (the three 61007), none that did.
      before = component.calls().length;
      const again = await batch.retry(started.runId);
      expect(again.counts).toEqual({ ...ZERO, total: 6, succeeded: 3, notAuthorised: 3 });
      const recalled = component.calls().slice(before).map((call) => call.authorizer);
      expect(recalled.sort()).toEqual(appids.filter((appid) => !succeeded.includes(appid)).sort());
    });

    test('cancel: what is pending is cancelled, resume leaves it, retry takes it again', async () => {
      const { batch, component } = await setUp({ authorizers: 12, withoutPluginManagement: 0 });
      const controller = new AbortController();
      let finished = 0;
      const stopped = await batch.start({
        operation: 'applyPlugin',
        request: { pluginAppid: PLUGIN },
        authorizers: 'all',
        rate: 8,
        concurrency: 1,
        signal: controller.signal,
        onFinished: () => (finished += 1) === 2 && controller.abort(),
      });
      expect(stopped).toMatchObject({ kind: 'stopped' });
      const left = stopped.counts!.pending;
      expect(left).toBeGreaterThan(0);
      const cancelled = await batch.cancel(stopped.runId);
      expect(cancelled).toMatchObject({ errCode: 0, errMsg: 'batch.cancel:ok', runId: stopped.runId, cancelled: left, counts: { pending: 0, cancelled: left } });
      expect(await batch.status(stopped.runId)).toMatchObject({ state: 'cancelled', byCode: expect.arrayContaining([{ state: 'cancelled', code: null, count: left }]) });
      expect((await batch.runs()).runs![0]).toMatchObject({ runId: stopped.runId, state: 'cancelled' });
      // Cancelling again finds nothing left.
      expect(await batch.cancel(stopped.runId)).toMatchObject({ cancelled: 0 });

      const calls = component.calls().length;
      const resumed = await batch.resume(stopped.runId, { rate: 500 });
      expect(resumed).toMatchObject({ kind: 'finished', counts: { cancelled: left, pending: 0 } });
      expect(component.calls()).toHaveLength(calls);
      expect((await batch.status(stopped.runId)).run!.rate).toBe(500);

      const retried = await batch.retry(stopped.runId);
      expect(retried).toMatchObject({ kind: 'finished', counts: { ...ZERO, total: 12, succeeded: 12 } });
      expect(component.calls()).toHaveLength(calls + left);
    });

    test('itemsPage: filtered, in appid or newest order, a cursor to the next page, the last page without one', async () => {
      const { batch } = await setUp({ authorizers: 9, withoutPluginManagement: 1 / 3 });
      const run = await batch.start({ operation: 'applyPlugin', request: { pluginAppid: PLUGIN }, authorizers: 'all', rate: 500, concurrency: 1 });
      async function every(query: BatchItemQuery): Promise<{ items: BatchItem[]; pages: number[] }> {
        const items: BatchItem[] = [];
        const pages: number[] = [];
        let cursor: string | undefined;
        do {
          const page = await batch.itemsPage(run.runId!, { ...query, ...(cursor ? { cursor } : {}) });
          expect(page).toMatchObject({ errCode: 0, errMsg: 'batch.itemsPage:ok' });
          items.push(...page.items);
          pages.push(page.items.length);
          cursor = page.next;
        } while (cursor);
        return { items, pages };
      }
      const all = await every({ pageSize: 4 });
      expect(all.pages).toEqual([4, 4, 1]);
      expect(all.items.map((item) => item.authorizerAppid)).toEqual(Array.from({ length: 9 }, (_, index) => authorizerAppid(index)).sort());
      expect(all.items.every((item) => item.finishedAt instanceof Date)).toBe(true);

      const newest = await every({ order: 'newest', pageSize: 2 });
      expect(newest.pages).toEqual([2, 2, 2, 2, 1]);
      const times = newest.items.map((item) => item.finishedAt!.getTime());
      expect(times).toEqual([...times].sort((a, b) => b - a));
      expect(new Set(newest.items.map((item) => item.authorizerAppid)).size).toBe(9);

      const refused = await every({ code: 61007, pageSize: 2 });
      expect(refused.items).toHaveLength(3);
      expect(refused.items.every((item) => item.state === 'notAuthorised')).toBe(true);
      expect((await every({ onlyUnsuccessful: true })).items).toEqual(refused.items);
      expect((await every({ outcome: 'succeeded' })).items).toHaveLength(6);
      // The search is a literal part of the appid, never a pattern.
      expect((await every({ search: authorizerAppid(4).slice(-5) })).items.map((item) => item.authorizerAppid)).toEqual([authorizerAppid(4)]);
      expect((await every({ search: '%' })).items).toEqual([]);
      // A cursor of one order is refused for the other.
      const cursor = (await batch.itemsPage(run.runId!, { pageSize: 1 })).next!;
      expect(await batch.itemsPage(run.runId!, { order: 'newest', cursor })).toMatchObject({ errCode: ProjectCode.BATCH_OPTIONS_INVALID, items: [] });
      expect(await batch.itemsPage('20260101-000000-0000')).toMatchObject({ errCode: ProjectCode.BATCH_RUN_NOT_FOUND, items: [] });
    });
  });
}
});
