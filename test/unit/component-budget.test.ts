/**
 * The component client's time budget: one per call, made once and passed down to every token wait
 * and POST, so a call holds one timer however many requests it makes, and none once it answered.
 * A fake WeChat behind the client's `fetch` option answers; the timers are counted where they are
 * made (setTimeout, and AbortSignal.timeout, which makes one inside Node).
 */
import { createComponentClient } from '../../src/component/client';
import { memoryStore } from '../../src/component/store';
import type { Fetch } from '../../src/https/http';

const COMPONENT = 'wxc0de000000000001';
const AUTHORIZER = 'wxa00000000000000a';

function fakeWeChat() {
  const signals: AbortSignal[] = [];
  const fetchImpl = (async (url: string, init: { body: string; signal: AbortSignal }) => {
    signals.push(init.signal);
    const path = new URL(url).pathname;
    const body = JSON.parse(init.body) as Record<string, unknown>;
    if (path.endsWith('api_component_token')) return new Response(JSON.stringify({ component_access_token: 'ctok-fake', expires_in: 7200 }));
    if (path.endsWith('api_authorizer_token')) return new Response(JSON.stringify({ authorizer_access_token: 'atok-fake', authorizer_refresh_token: body.authorizer_refresh_token, expires_in: 7200 }));
    return new Response(JSON.stringify({ errcode: 0, errmsg: 'ok', component_rate_limit: { call_count: 10, refresh_second: 1 } }));
  }) as unknown as Fetch;
  return { fetchImpl, signals };
}

describe('one budget per component call', () => {
  afterEach(() => jest.restoreAllMocks());

  test('a call of three requests (component token, authoriser token, the call) makes one timer, however many requests', async () => {
    const wechat = fakeWeChat();
    const client = createComponentClient({
      componentAppid: COMPONENT,
      componentSecret: 'component-secret-1',
      verifyTicket: 'ticket-1',
      baseUrl: 'http://127.0.0.1:9',
      fetch: wechat.fetchImpl,
      store: memoryStore({ refreshTokens: { [AUTHORIZER]: 'refresh-1' } }),
      timeoutMs: 5000,
    });
    const timeouts = jest.spyOn(globalThis, 'setTimeout');
    const signalTimeouts = jest.spyOn(AbortSignal, 'timeout');
    const result = await client.getComponentRateLimit(AUTHORIZER);
    expect(result).toMatchObject({ errCode: 0, callCount: 10 });
    expect(wechat.signals).toHaveLength(3);
    expect(signalTimeouts).not.toHaveBeenCalled();
    // The budget's timer, set to the call's whole time: the only one.
    expect(timeouts.mock.calls.map(([, delay]) => delay)).toEqual([expect.any(Number)]);
    expect(timeouts.mock.calls[0]![1]).toBeGreaterThan(4000);
  });
});
