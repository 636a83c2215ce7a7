/**
 * "A refresh token is never lost", as a property: random sequences of calls by two clients sharing
 * one store, against the emulator rotating refresh tokens on every api_authorizer_token, with token
 * expiries, time passing, and crashes injected between WeChat's answer and the store (a write that
 * fails). The stored refresh token is always one WeChat accepts; a call whose refresh token could
 * not be stored is never made; and one more call afterwards leaves the store holding WeChat's
 * current refresh token.
 */
import fc from 'fast-check';
import { createComponentClient, type ComponentClient } from '../../src/component/client';
import { memoryStore, type ComponentStore } from '../../src/component/store';
import { ProjectCode } from '../../src/core/codes';
import { authorizerAppid, DEMO_COMPONENT_APPID, DEMO_COMPONENT_SECRET, FIRST_TICKET, refreshTokenOf } from '../../src/emulator/component-world';
import { startEmulator, type Emulator } from '../../src/emulator/gateway';

jest.setTimeout(120_000);

type Crash = 'none' | 'refresh' | 'access';
type Step = { kind: 'call'; client: number; authorizer: number; crash: Crash } | { kind: 'expire' } | { kind: 'advance'; ms: number };

/** A store whose next write of one kind fails, as a crash between WeChat's answer and the disk would. */
function crashable(store: ComponentStore) {
  let next: Crash = 'none';
  const failed: Crash[] = [];
  const crash = (kind: Crash) => {
    if (next !== kind) return;
    next = 'none';
    failed.push(kind);
    throw new Error('crashed before the write');
  };
  const wrapped: ComponentStore = {
    ...store,
    writeRefreshToken: async (appid, token) => {
      crash('refresh');
      return store.writeRefreshToken(appid, token);
    },
    writeAuthorizerToken: async (appid, token) => {
      crash('access');
      return store.writeAuthorizerToken(appid, token);
    },
  };
  return { store: wrapped, arm: (kind: Crash) => (next = kind), failed };
}

const AUTHORIZERS = [0, 1, 2].map(authorizerAppid);

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('call' as const), client: fc.nat(1), authorizer: fc.nat(2), crash: fc.constantFrom<Crash>('none', 'none', 'refresh', 'access') }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'expire' as const }) },
  // At most 12 steps of 20 s: within the 300 s a replaced refresh token keeps working.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 20_000 }) }) },
);

let emulator: Emulator;
afterEach(async () => {
  emulator?.https.component?.close();
  await emulator?.close();
});

test('property: the refresh token WeChat returned is the one kept, through rotation and crashes', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
      emulator?.https.component?.close();
      await emulator?.close();
      emulator = await startEmulator({ https: { component: { authorizers: 3, withoutPluginManagement: 0, rotateRefreshTokens: true } } });
      const world = emulator.https.component!.world;
      const base = memoryStore({ refreshTokens: Object.fromEntries(AUTHORIZERS.map((appid) => [appid, refreshTokenOf(appid, 0)])) });
      const shared = crashable(base);
      const clients: ComponentClient[] = [0, 1].map(() =>
        createComponentClient({ componentAppid: DEMO_COMPONENT_APPID, componentSecret: DEMO_COMPONENT_SECRET, verifyTicket: FIRST_TICKET, baseUrl: emulator.url, store: shared.store, now: () => world.now() }),
      );
      /** An authoriser whose last refresh token was lost to a crash gets no second crash before a success. */
      const crashedLast = new Set<string>();
      for (const current of steps) {
        if (current.kind === 'expire') world.expireTokens();
        else if (current.kind === 'advance') world.advance(current.ms);
        else {
          const appid = AUTHORIZERS[current.authorizer]!;
          const crash = crashedLast.has(appid) && current.crash === 'refresh' ? 'none' : current.crash;
          shared.arm(crash);
          const callsBefore = emulator.https.component!.calls().length;
          const failuresBefore = shared.failed.length;
          const result = await clients[current.client]!.forAuthorizer(appid).getPluginList();
          shared.arm('none');
          const crashed = shared.failed.length > failuresBefore;
          const newCalls = emulator.https.component!.calls().slice(callsBefore);
          if (crashed) {
            // Store before use: no token whose refresh token is not kept was used. (A call with
            // the previous token, which WeChat refused as expired, may have come first.)
            expect(result.errCode).toBe(ProjectCode.TOKEN_STORE_FAILED);
            expect(newCalls.filter((call) => call.errcode !== 42001)).toEqual([]);
            if (shared.failed.at(-1) === 'refresh') crashedLast.add(appid);
          } else {
            expect(result.errCode).toBe(0);
            expect(await base.readRefreshToken(appid)).toBe(world.refreshToken(appid));
            crashedLast.delete(appid);
          }
        }
        // Whatever happened, WeChat still accepts the refresh token the store holds.
        for (const appid of AUTHORIZERS) expect(world.acceptsRefreshToken(appid, await base.readRefreshToken(appid))).toBe(true);
      }
      for (const appid of AUTHORIZERS) {
        expect((await clients[0]!.forAuthorizer(appid).getPluginList()).errCode).toBe(0);
        expect(await base.readRefreshToken(appid)).toBe(world.refreshToken(appid));
      }
    }),
    { numRuns: 40 },
  );
});
