/**
 * A program using `openBatch`, driven from jest over the wire (batch-wire.ts): run by
 * remote-batch.ts in a child process on a Node that batch runs need (22.12 or later).
 *
 * A `fetch` option given from jest is a watcher `(url, phase)`, called before each request and
 * after its answer (phase 'before' / 'after'); the request itself is made here with Node's fetch.
 */
import { openBatch } from '../../src/batch/api';
import type { Batch, BatchOptions } from '../../src/batch/api-types';
import { claim, createRun, enqueuePage, queueOf, readRun } from '../../src/batch/runs';
import { openStore, releaseOrphans } from '../../src/batch/store';
import { Wire } from './batch-wire';

type Watcher = (url: string, phase: 'before' | 'after') => Promise<unknown>;

const batches = new Map<number, Batch>();
let nextHandle = 1;

/** Scripts over the engine's own parts, for what a program cannot reach through openBatch. */
const scripts: Record<string, (...args: never[]) => Promise<unknown>> = {
  /** An embedded store opened after a kill: what releaseOrphans hands back (run on a server store standing in for it). */
  async orphans(databaseUrl: string, componentAppid: string, pluginAppid: string, appids: string[]) {
    const store = await openStore({ databaseUrl, dir: '' });
    try {
      const run = { id: 'run-orphans', component: componentAppid, operation: 'applyPlugin', request: { pluginAppid }, source: 'given' as const, rate: 10, jobTimeout: 60 };
      await createRun(store.db, store.boss, run);
      const record = (await readRun(store.db, run.id))!;
      await enqueuePage(store.db, store.boss, record, appids);
      const fetched = await store.boss.fetch<{ appid: string }>(queueOf(run.id), { batchSize: appids.length });
      const claimedBefore = [...(await claim(store.db, record, [appids[0]!])).keys()];
      await releaseOrphans(store.db, store.boss);
      const items = (await store.db.query<{ appid: string; claimed_until: unknown }>('SELECT appid, claimed_until FROM wxplugin_batch.item ORDER BY appid')).rows;
      const jobStates = (await store.db.query<{ state: string }>('SELECT state FROM pgboss.job WHERE name = $1', [queueOf(run.id)])).rows.map((row) => row.state);
      const claimedAfter = [...(await claim(store.db, record, [appids[0]!])).keys()];
      return { fetched: fetched.length, claimedBefore, items, jobStates, claimedAfter };
    } finally {
      await store.close();
    }
  },
};

function withWatcher(options: BatchOptions & { fetch?: unknown }): BatchOptions {
  if (typeof options !== 'object' || options === null || typeof options.fetch !== 'function') return options;
  const watch = options.fetch as unknown as Watcher;
  const watched = async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    await watch(String(input), 'before');
    const response = await fetch(input, init);
    await watch(String(input), 'after');
    return response;
  };
  return { ...options, fetch: watched as unknown as BatchOptions['fetch'] };
}

new Wire(process.stdout, process.stdin, async (target, method, args) => {
  if (target === null) {
    if (method === 'openBatch') {
      const handle = nextHandle++;
      batches.set(handle, openBatch(withWatcher(args[0] as BatchOptions)));
      return handle;
    }
    return scripts[method]!(...(args as never[]));
  }
  const batch = batches.get(target)! as unknown as Record<string, (...rest: unknown[]) => unknown>;
  const answer = batch[method]!(...args);
  if (answer && typeof answer === 'object' && Symbol.asyncIterator in answer) {
    // A paged answer (items): every page, in order.
    const pages: unknown[] = [];
    for await (const page of answer as AsyncIterable<unknown>) pages.push(page);
    return pages;
  }
  return answer;
});
