/**
 * Steering runs from a program (openBatch): the list of runs, retry (all that did not succeed, or
 * chosen codes), cancel, resume with a new rate, counts by code, and paged, filtered items with a
 * cursor. In jest's own process on a real PostgreSQL server started by the suite (PGlite cannot
 * start inside jest's VM), real pg-boss, the loopback emulator in-process.
 *
 * Where PostgreSQL's binaries are missing, the tests that need a store say so and pass (CI=true:
 * they fail); the option checks, which open nothing, run everywhere.
 */
import { Client } from 'pg';
import { openBatch } from '../../src/batch/api';
import type { Batch, BatchItem, BatchItemQuery, BatchOptions, BatchRunInfo } from '../../src/batch/api-types';
import { ProjectCode } from '../../src/core/codes';
import { authorizerAppid, DEMO_COMPONENT_APPID, DEMO_COMPONENT_SECRET, FIRST_TICKET } from '../../src/emulator/component-world';
import { startEmulator, type Emulator } from '../../src/emulator/gateway';
import { findPostgresBin, postgresMissing, startPostgres, type PostgresServer } from '../support/postgres';

jest.setTimeout(180_000);

const PLUGIN = 'wx1111111111111111';
const bin = findPostgresBin();
const ZERO = { total: 0, succeeded: 0, alreadyDone: 0, notAuthorised: 0, deferred: 0, failed: 0, pending: 0, cancelled: 0 };

describe('steering options: a project code, nothing opened', () => {
  const batch = openBatch({ componentAppid: DEMO_COMPONENT_APPID, componentSecret: DEMO_COMPONENT_SECRET, store: { databaseUrl: 'postgres://nobody@127.0.0.1:1/none' } });
  afterAll(() => batch.close());

  test.each<[string, () => Promise<{ errCode: number; errMsg: string; attempts: number }>, RegExp]>([
    ['retry with codes that are not numbers', () => batch.retry(undefined, { codes: ['61007'] as unknown as number[] }), /the option codes takes the codes to call again/],
    ['retry with no codes', () => batch.retry(undefined, { codes: [] }), /the option codes takes/],
    ['resume with a rate of 0', () => batch.resume(undefined, { rate: 0 }), /the option rate takes calls per second/],
    ['retry with a rate too high', () => batch.retry(undefined, { rate: 1e9 }), /the option rate takes calls per second/],
    ['cancel with a run id that is a number', () => batch.cancel(7 as unknown as string), /the run id must be the text/],
    ['itemsPage with an unknown state', () => batch.itemsPage('r', { outcome: 'lost' as never }), /the option outcome must be one of .*cancelled/],
    ['itemsPage with a misspelt option', () => batch.itemsPage('r', { pagesize: 3 } as unknown as BatchItemQuery), /itemsPage has no option "pagesize"/],
    ['itemsPage with a cursor it never gave', () => batch.itemsPage('r', { cursor: 'not-a-cursor' }), /the option cursor is not one itemsPage answered/],
    ['itemsPage with a page too big', () => batch.itemsPage('r', { pageSize: 10_001 }), /pageSize takes a whole number from 1 to 10000/],
  ])('%s', async (_name, call, message) => {
    const result = await call();
    expect(result).toMatchObject({ errCode: ProjectCode.BATCH_OPTIONS_INVALID, attempts: 0 });
    expect(result.errMsg).toMatch(message);
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

    const callsTo = (component: { calls(): ReadonlyArray<{ authorizer: string }> }) => component.calls().map((call) => call.authorizer);

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
      // The first two plugin calls meet a refusal that is not retried: those two authorisers fail.
      emulator!.faults.add({ kind: 'errcode', errcode: 89236, times: 2 });
      const started = await batch.start({ operation: 'applyPlugin', request: { pluginAppid: PLUGIN }, authorizers: [0, 1, 2, 3, 4, 5].map(authorizerAppid), rate: 500, concurrency: 1 });
      expect(started.counts).toEqual({ ...ZERO, total: 6, succeeded: 1, notAuthorised: 3, failed: 2 });
      const status = await batch.status(started.runId);
      expect(status).toMatchObject({ state: 'finished' });
      expect(status.byCode).toEqual([
        { state: 'notAuthorised', code: 61007, count: 3 },
        { state: 'failed', code: 89236, count: 2 },
        { state: 'succeeded', code: 0, count: 1 },
      ]);
      const failed = (await batch.itemsPage(started.runId!, { outcome: 'failed' })).items.map((item) => item.authorizerAppid);
      const succeeded = (await batch.itemsPage(started.runId!, { outcome: 'succeeded' })).items.map((item) => item.authorizerAppid);

      const before = component.calls().length;
      const seenAtStart: Array<{ info: BatchRunInfo; pending: number }> = [];
      const retried = await batch.retry(started.runId, {
        codes: [89236],
        rate: 250,
        // What the store holds when onStart is told: the chosen authorisers back in the queue.
        onStart: (info) => void batch.status(info.runId).then((now) => seenAtStart.push({ info, pending: now.counts!.pending })),
      });
      expect(retried).toMatchObject({ errCode: 0, errMsg: 'batch.retry:ok', runId: started.runId, kind: 'finished', counts: { ...ZERO, total: 6, succeeded: 3, notAuthorised: 3 } });
      expect(callsTo(component).slice(before).sort()).toEqual([...failed].sort());
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(seenAtStart).toHaveLength(1);
      expect(seenAtStart[0]!.info.rate).toBe(250);
      expect((await batch.status(started.runId)).run!.rate).toBe(250);
      // A retried authoriser's tries count afresh.
      expect((await batch.itemsPage(started.runId!, { search: failed[0]! })).items).toEqual([expect.objectContaining({ authorizerAppid: failed[0], state: 'succeeded', tries: 1 })]);

      const middle = component.calls().length;
      const again = await batch.retry(started.runId);
      expect(again.counts).toEqual({ ...ZERO, total: 6, succeeded: 3, notAuthorised: 3 });
      const recalled = callsTo(component).slice(middle);
      expect(recalled).toHaveLength(3);
      for (const appid of [...succeeded, ...failed]) expect(recalled).not.toContain(appid);
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
