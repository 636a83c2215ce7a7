/**
 * One deadline, and the rules the mutation run found no unit test for: each test here
 * fails when its rule is broken (the mutation each one kills is named). Time is played by jest's
 * fake clock or an injected one, so nothing depends on the machine's speed.
 */
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { request as httpsRequest } from 'node:https';
import { watchSockets } from '../../src/cloud/socket-release';
import { ProjectCode } from '../../src/core/codes';
import { readConfig } from '../../src/core/config';
import { budgetOf, budgetUntil, safetyMarginMs, type Budget } from '../../src/core/deadline';
import { runOperation, type EngineDeps, type Transport } from '../../src/core/engine';
import { OperationError } from '../../src/core/errors';
import { CLOUD_FUNCTIONS } from '../../src/core/operations';
import { redact } from '../../src/core/redact';
import { DEFAULT_BACKOFF, retryDelay } from '../../src/core/retry';
import { singleOperation } from '../../src/core/route';
import { stableToken } from '../../src/https/access-token';
import { createHttpsClient } from '../../src/https/client';
import type { Fetch } from '../../src/https/http';
import { olderOperation, scriptedTransport, type Step } from '../support/fake-transport';

const ADMIN = 'oAdmin00000000000000000000001';
const caller = { openid: ADMIN, source: 'wx_client' };
const event = { pluginAppid: 'wx0123456789abcdef' };

function deps(transport: Transport): EngineDeps {
  return { transport: () => transport, config: readConfig({ ADMIN_OPENIDS: ADMIN }), log: () => undefined, random: () => 0.5 };
}

describe('the budget', () => {
  test('counts down on its clock and never goes below zero', () => {
    let now = 1000;
    const budget = budgetUntil(1500, () => now);
    expect(budget.remaining()).toBe(500);
    now = 1499;
    expect(budget.remaining()).toBe(1);
    now = 9999;
    expect(budget.remaining()).toBe(0);
    expect(budgetOf(250, () => 100)).toMatchObject({ deadline: 350 });
  });
});

describe('retry eligibility, in one rule', () => {
  // random 0.5: the delay before attempt 2 is three quarters of the nominal 100 ms.
  const half = () => 0.5;
  test('a retry needs its delay AND the least attempt time left (kills "retry without the backoff delay")', () => {
    expect(retryDelay(-1, 1, DEFAULT_BACKOFF.minAttemptMs + 75, DEFAULT_BACKOFF, half)).toBe(75);
    expect(retryDelay(-1, 1, DEFAULT_BACKOFF.minAttemptMs + 74, DEFAULT_BACKOFF, half)).toBeUndefined();
  });

  test('only transient codes, and at most maxAttempts in all', () => {
    expect(retryDelay(89237, 1, 10_000, DEFAULT_BACKOFF, half)).toBeUndefined();
    expect(retryDelay(ProjectCode.DEADLINE_EXCEEDED, 1, 10_000, DEFAULT_BACKOFF, half)).toBeUndefined();
    expect(retryDelay(-501001, DEFAULT_BACKOFF.maxAttempts - 1, 10_000, DEFAULT_BACKOFF, half)).toBe(150);
    expect(retryDelay(-501001, DEFAULT_BACKOFF.maxAttempts, 10_000, DEFAULT_BACKOFF, half)).toBeUndefined();
  });
});

describe('the engine on the budget\'s boundaries', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_700_000_000_000 }));
  afterEach(() => jest.useRealTimers());

  async function run(steps: Step[], timeLimitMs: number, route = CLOUD_FUNCTIONS.applyPlugin, transport = scriptedTransport(steps)) {
    const pending = runOperation(route, { event, caller, timeLimitMs }, deps(transport));
    await jest.runAllTimersAsync();
    return { result: await pending, transport };
  }

  // The budget is the limit less the margin (250 ms at these limits); a retry after -1 waits 75 ms.
  test('budget - delay one short of the least attempt time: no retry', async () => {
    const limit = 300 + 75 - 1 + safetyMarginMs(624);
    expect((await run([-1, 'ok'], limit)).result).toMatchObject({ errCode: -1, attempts: 1, retryable: true });
  });

  test('budget - delay exactly the least attempt time: the retry happens', async () => {
    const limit = 300 + 75 + safetyMarginMs(625);
    expect((await run([-1, 'ok'], limit)).result).toMatchObject({ errCode: 0, attempts: 2 });
  });

  test('a limit no longer than the margin: DEADLINE_EXCEEDED, nothing sent', async () => {
    const { result, transport } = await run(['ok'], safetyMarginMs(250));
    expect(result).toMatchObject({ errCode: ProjectCode.DEADLINE_EXCEEDED, attempts: 0 });
    expect(transport.sent).toEqual([]);
  });

  test('one timer per call: the budget\'s, while the transport works, and none once the call has answered', async () => {
    const timersDuringSend: number[] = [];
    const transport: Transport = {
      send: () => {
        timersDuringSend.push(jest.getTimerCount());
        return Promise.resolve({});
      },
    };
    // Awaited without running the timers: a timer the call left behind would still be counted.
    const result = await runOperation(CLOUD_FUNCTIONS.applyPlugin, { event, caller, timeLimitMs: 3000 }, deps(transport));
    expect(result).toMatchObject({ errCode: 0 });
    expect(timersDuringSend).toEqual([1]);
    expect(jest.getTimerCount()).toBe(0);
  });

  test('every attempt and the transport share one deadline', async () => {
    const deadlines: number[] = [];
    const transport: Transport = {
      send: (_destination, _body, budget: Budget) => {
        deadlines.push(budget.deadline);
        return Promise.reject(new OperationError(-501001, { maybeDelivered: true }));
      },
    };
    await run([], 3000, CLOUD_FUNCTIONS.applyPlugin, transport as never);
    expect(deadlines).toEqual([1_700_000_000_000 + 3000 - safetyMarginMs(3000), 1_700_000_000_000 + 3000 - safetyMarginMs(3000), 1_700_000_000_000 + 3000 - safetyMarginMs(3000)]);
  });

  test('"may have acted" accumulates over attempts: a later never-delivered failure does not erase it (kills "overwritten, not accumulated")', async () => {
    const maybe = new OperationError(-501001, { maybeDelivered: true });
    const never = new OperationError(-501001, { maybeDelivered: false });
    const { result } = await run([maybe, never, 89237], 3000);
    expect(result).toMatchObject({ errCode: 89237, attempts: 3 });
    expect(result.errMsg).toContain('an earlier attempt in this call may have been the one that applied');
  });

  test('no note when no attempt may have acted', async () => {
    const never = new OperationError(-501001, { maybeDelivered: false });
    const { result } = await run([never, 89237], 3000);
    expect(result.errMsg).not.toContain('earlier attempt');
  });
});

describe('the cloud-call fallback, in the engine', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_700_000_000_000 }));
  afterEach(() => jest.useRealTimers());

  const older = olderOperation;

  async function run(steps: Step[]) {
    const transport = scriptedTransport(steps);
    const pending = runOperation(singleOperation(older), { event: {}, caller, timeLimitMs: 3000 }, deps(transport));
    await jest.runAllTimersAsync();
    return { result: await pending, apis: transport.sent.map((sent) => sent.api) };
  }

  test.each([-604100, -604101])('%i for the older name: once through the newer, which the result names', async (code) => {
    expect(await run([code, 'ok'])).toEqual({ result: { errCode: 0, errMsg: 'olderName:ok', retryable: false, attempts: 2, cloudApi: 'pluginManager.newer' }, apis: ['pluginManager.older', 'pluginManager.newer'] });
  });

  test('refused under both names: tried once each, the newer one named in errMsg', async () => {
    const { result, apis } = await run([-604101]);
    expect(apis).toEqual(['pluginManager.older', 'pluginManager.newer']);
    expect(result).toMatchObject({ errCode: -604101, attempts: 2, cloudApi: 'pluginManager.newer' });
    expect(result.errMsg).toContain('no permission to call pluginManager.newer');
  });

  test('any other failure of the older name is not a reason to switch', async () => {
    expect((await run([-604104])).apis).toEqual(['pluginManager.older']);
    expect((await run([89244])).apis).toEqual(['pluginManager.older']);
  });

  test('an operation without a fallback keeps its name', async () => {
    const transport = scriptedTransport([-604101]);
    const pending = runOperation(CLOUD_FUNCTIONS.applyPlugin, { event, caller, timeLimitMs: 3000 }, deps(transport));
    await jest.runAllTimersAsync();
    expect(await pending).toMatchObject({ errCode: -604101, attempts: 1 });
    expect(transport.sent.map((sent) => sent.api)).toEqual(['pluginManager.applyPlugin']);
  });
});

describe('the HTTPS client', () => {
  /** A fetch that records what it was sent and answers each request by its path. */
  function recordingFetch(hang = false) {
    const seen: Array<{ url: string; body: Record<string, unknown>; signal?: AbortSignal }> = [];
    const fetchImpl = ((url: string, init: { body: string; signal?: AbortSignal }) => {
      seen.push({ url, body: JSON.parse(init.body) as Record<string, unknown>, signal: init.signal });
      if (url.includes('/cgi-bin/stable_token')) return Promise.resolve(new Response(JSON.stringify({ access_token: 'tok', expires_in: 7200 }), { status: 200 }));
      if (hang) return new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))));
      return Promise.resolve(new Response('{"errcode":0,"errmsg":"ok"}', { status: 200 }));
    }) as unknown as Fetch;
    return { fetchImpl, seen };
  }

  test('credentials padded with white space are sent trimmed (kills "padded credentials not trimmed")', async () => {
    const { fetchImpl, seen } = recordingFetch();
    const result = await createHttpsClient({ appid: '  wxa11ce00000000d3e \n', secret: ' s3cret\t', baseUrl: ' http://127.0.0.1:9 ', fetch: fetchImpl }).applyPlugin(event);
    expect(result.errCode).toBe(0);
    expect(seen[0]!.body).toMatchObject({ appid: 'wxa11ce00000000d3e', secret: 's3cret' });
    const { fetchImpl: again, seen: seenAgain } = recordingFetch();
    await createHttpsClient({ accessToken: ' tok ', fetch: again, baseUrl: 'http://127.0.0.1:9' }).applyPlugin(event);
    expect(seenAgain[0]!.url).toBe('http://127.0.0.1:9/wxa/plugin?access_token=tok');
  });

  describe('its budget is the whole timeout: nothing kills it, so no margin is kept (kills "losing up to 1 s")', () => {
    beforeEach(() => jest.useFakeTimers({ now: 1_700_000_000_000 }));
    afterEach(() => jest.useRealTimers());

    test.each([2000, 10_000])('timeout %i ms: still waiting 1 ms before it, -930201 at it', async (timeoutMs) => {
      const { fetchImpl } = recordingFetch(true);
      let settled: object | undefined;
      void createHttpsClient({ accessToken: 'tok', baseUrl: 'http://127.0.0.1:9', timeoutMs, fetch: fetchImpl })
        .applyPlugin(event)
        .then((result) => (settled = result));
      await jest.advanceTimersByTimeAsync(timeoutMs - 1);
      expect(settled).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1);
      expect(settled).toMatchObject({ errCode: ProjectCode.DEADLINE_EXCEEDED, attempts: 1 });
    });
  });
});

test('a token shorter-lived than the refresh margin is still reused until half its life (kills "short-lived tokens refetched on every call")', async () => {
  let now = 0;
  let requests = 0;
  const fetchImpl = (async () => {
    requests += 1;
    return new Response(JSON.stringify({ access_token: `t${requests}`, expires_in: 60 }), { status: 200 });
  }) as unknown as Fetch;
  const tokens = stableToken({ appid: 'wxa', secret: 's', baseUrl: 'http://x', fetch: fetchImpl, refreshMarginMs: 300_000, now: () => now });
  expect(await tokens.get(budgetOf(1000))).toBe('t1');
  now = 29_999;
  expect(await tokens.get(budgetOf(1000))).toBe('t1');
  expect(requests).toBe(1);
  now = 30_000;
  expect(await tokens.get(budgetOf(1000))).toBe('t2');
});

test('environment values of 16 characters or more are redacted whatever the variable is called (kills "16-31 character values kept")', () => {
  const env = { PLAIN_SETTING: 'abcdefghijklmnop', LONGER_SETTING: 'abcdefghijklmnopqrstuvwxyz01234', SHORT_SETTING: 'abcdefghijklmno' };
  const text = redact('values: abcdefghijklmnop / abcdefghijklmnopqrstuvwxyz01234 / abcdefghijklmno', env);
  expect(text).not.toContain('abcdefghijklmnop');
  expect(text).not.toContain('abcdefghijklmnopqrstuvwxyz01234');
  expect(text).toContain('abcdefghijklmno');
});

test('sockets of https\'s agent are released too, once https is loaded (kills "https sockets never released")', async () => {
  // A TCP server that accepts and never answers: the TLS handshake hangs with the socket busy in
  // https's global agent, as an https gateway that stopped answering would leave it.
  const open = new Set<Socket>();
  const server: Server = createTcpServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  // Jest hands each suite a copy of process whose moduleLoadList was taken before this file loaded
  // https; Node's own list would name it, as it does here.
  const list = (process as unknown as { moduleLoadList: string[] }).moduleLoadList;
  try {
    list.push('NativeModule https');
    const watch = watchSockets();
    const request = httpsRequest({ host: '127.0.0.1', port, method: 'POST', path: '/admin', rejectUnauthorized: false });
    request.on('error', () => undefined);
    request.end('x');
    await new Promise<void>((resolve) => server.once('connection', () => resolve()));
    expect(watch.release()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(open.size).toBe(0);
  } finally {
    list.splice(list.lastIndexOf('NativeModule https'), 1);
    for (const socket of open) socket.destroy();
    server.close();
  }
});
