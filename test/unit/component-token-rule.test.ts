/**
 * The token rule (src/component/token-rule.ts) on a cell whose "WeChat" hands out numbered tokens:
 * callers sharing one store fetch once, a refusal of a token already replaced fetches nothing, and
 * no fetch follows another unless the token in between was refused or due.
 */
import fc from 'fast-check';
import { KeyedMutex } from '../../src/component/keyed-mutex';
import type { StoredToken } from '../../src/component/store';
import { currentToken, isUsable, storedToken, type TokenCell } from '../../src/component/token-rule';

/** A cell over one shared record; `fetch` yields to the event loop so that callers interleave. */
function sharedCell(now: () => number) {
  let stored: StoredToken | undefined;
  const mutex = new KeyedMutex();
  const fetched: string[] = [];
  const cell: TokenCell = {
    read: async () => stored,
    lock: (work) => mutex.run('token', work),
    async fetch() {
      await new Promise((resolve) => setImmediate(resolve));
      const token = `t${fetched.length + 1}`;
      fetched.push(token);
      stored = storedToken(token, 7_200_000, now(), 300_000);
      return stored;
    },
  };
  return { cell, fetched, set: (value: StoredToken | undefined) => (stored = value) };
}

const clock = () => 1_000_000;

test('twenty callers at once on an empty store: one fetch, one token for all', async () => {
  const { cell, fetched } = sharedCell(clock);
  const uses = await Promise.all(Array.from({ length: 20 }, () => currentToken(cell, undefined, clock)));
  expect(fetched).toEqual(['t1']);
  expect(new Set(uses.map((use) => use.token))).toEqual(new Set(['t1']));
  expect(uses.filter((use) => use.fetched)).toHaveLength(1);
});

test('a refusal of a token another caller has already replaced fetches nothing', async () => {
  const { cell, fetched } = sharedCell(clock);
  await currentToken(cell, undefined, clock);
  await currentToken(cell, 't1', clock); // t1 refused: t2 fetched
  expect(await currentToken(cell, 't1', clock)).toEqual({ token: 't2', fetched: false });
  expect(fetched).toEqual(['t1', 't2']);
});

test('ten refusals of the same token at once: one fetch', async () => {
  const { cell, fetched } = sharedCell(clock);
  await currentToken(cell, undefined, clock);
  const uses = await Promise.all(Array.from({ length: 10 }, () => currentToken(cell, 't1', clock)));
  expect(fetched).toEqual(['t1', 't2']);
  expect(uses.every((use) => use.token === 't2')).toBe(true);
});

test('a token past its refresh time is replaced; before it, kept', async () => {
  let now = 0;
  const { cell, fetched } = sharedCell(() => now);
  await currentToken(cell, undefined, () => now);
  now = 7_200_000 - 300_000 - 1;
  expect((await currentToken(cell, undefined, () => now)).token).toBe('t1');
  now += 1;
  expect((await currentToken(cell, undefined, () => now)).token).toBe('t2');
  expect(fetched).toHaveLength(2);
});

test('the refresh margin is at most half a short token\'s life', () => {
  expect(storedToken('x', 60_000, 0, 300_000)).toEqual({ token: 'x', expiresAt: 60_000, refreshAt: 30_000 });
  expect(storedToken('x', 7_200_000, 0, 300_000).refreshAt).toBe(6_900_000);
  expect(isUsable({ token: 'x', expiresAt: 10, refreshAt: 5 }, 'x', 0)).toBe(false);
  expect(isUsable({ token: 'x', expiresAt: 10, refreshAt: 5 }, undefined, 5)).toBe(false);
  expect(isUsable({ token: 'x', expiresAt: 10, refreshAt: 5 }, 'y', 4)).toBe(true);
});

test('property: processes sharing a store never fetch twice in a row without a refusal of the token in between', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(fc.record({ process: fc.nat(3), refuse: fc.boolean() }), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12 }),
      async (rounds) => {
        const { cell, fetched } = sharedCell(clock);
        /** The token each process holds, and which tokens anyone refused (in order). */
        const held = new Map<number, string>();
        const refusedSoFar: string[] = [];
        const refusalsBeforeFetch: Array<Set<string>> = [];
        for (const round of rounds) {
          // One round's steps run at once, as concurrent requests would.
          await Promise.all(
            round.map(async ({ process, refuse }) => {
              const mine = held.get(process);
              const refused = refuse && mine !== undefined ? mine : undefined;
              if (refused) refusedSoFar.push(refused);
              const before = fetched.length;
              const use = await currentToken(cell, refused, clock);
              if (fetched.length > before) refusalsBeforeFetch[fetched.length - 1] = new Set(refusedSoFar);
              held.set(process, use.token);
            }),
          );
        }
        // Every fetch after the first replaced a token somebody had refused.
        for (let index = 1; index < fetched.length; index += 1) expect(refusalsBeforeFetch[index]!.has(fetched[index - 1]!)).toBe(true);
      },
    ),
    { numRuns: 200 },
  );
});
