/**
 * The worker's heartbeat: while a call outlasts the job timeout (it waits for its slot, or for
 * WeChat), the worker keeps its authoriser's claim alive, often enough that a missed beat or two
 * never lets the claim lapse (another worker would then call the same authoriser). Fake timers, a
 * recording store: nothing real is waited for.
 */
import type { Job, PgBoss } from 'pg-boss';
import type { BatchComponent, OperationOutcome } from '../../src/batch/component';
import type { RunRecord } from '../../src/batch/runs';
import type { SqlDb } from '../../src/batch/sql';
import { workRun } from '../../src/batch/worker';

const JOB_TIMEOUT_S = 30;
const APPID = 'wxa000000000000000';

const run: RunRecord = { id: 'run-1', component: 'wxc0de000000000001', operation: 'applyPlugin', request: { pluginAppid: 'wx1111111111111111' }, source: 'given', rate: 10, jobTimeout: JOB_TIMEOUT_S, listed: true, createdAt: new Date(0) };

afterEach(() => jest.useRealTimers());

test('a call lasting three job timeouts: the claim is renewed at least every third of the job timeout, from the start', async () => {
  jest.useFakeTimers({ now: 0 });
  const renewals: number[] = [];
  const db: SqlDb = {
    kind: 'server',
    boss: { executeSql: () => Promise.resolve({ rows: [] }) },
    exclusive: (_key, work) => work(),
    close: () => Promise.resolve(),
    query: (<Row>(text: string) => {
      if (/^\s*UPDATE \S+\.item SET claimed_until/.test(text) && /claimed_until IS NOT NULL/.test(text)) renewals.push(Date.now());
      const rows = /RETURNING appid, tries/.test(text) ? [{ appid: APPID, tries: 0 }] : [];
      return Promise.resolve({ rows: rows as Row[] });
    }) as SqlDb['query'],
  };
  let fetched = false;
  const boss = {
    fetch: () => {
      const jobs = fetched ? [] : [{ id: 'job-1', name: 'q', data: { appid: APPID } } as unknown as Job<{ appid: string }>];
      fetched = true;
      return Promise.resolve(jobs);
    },
    insert: () => Promise.resolve([]),
    complete: () => Promise.resolve({}),
  } as unknown as PgBoss;
  const callMs = 3 * JOB_TIMEOUT_S * 1000;
  let ended = 0;
  const component: BatchComponent = {
    forAuthorizer: () => ({
      applyPlugin: () =>
        new Promise<OperationOutcome>((resolve) =>
          setTimeout(() => {
            ended = Date.now();
            resolve({ errCode: 0, errMsg: 'applyPlugin:ok', retryable: false, attempts: 1 });
          }, callMs),
        ),
    }),
    listAuthorizers: () => (async function* () {})(),
  };
  const working = workRun({ db, boss, run, component, alreadyHolds: [], concurrency: 1, shouldStop: () => false });
  await jest.advanceTimersByTimeAsync(callMs + 1000);
  expect(await working).toBe(1);
  expect(ended).toBe(callMs);
  // From the claim (at 0) to the call's end, no gap longer than a third of the job timeout.
  const beats = [0, ...renewals.filter((at) => at <= ended), ended];
  const longestGap = Math.max(...beats.slice(1).map((at, index) => at - beats[index]!));
  expect(longestGap).toBeLessThanOrEqual((JOB_TIMEOUT_S * 1000) / 3);
  // Two missed beats still leave the claim alive.
  expect(3 * longestGap).toBeLessThanOrEqual(JOB_TIMEOUT_S * 1000);
});
