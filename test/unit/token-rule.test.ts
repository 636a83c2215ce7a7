import { budgetOf } from '../../src/core/deadline';
/**
 * The token rule (src/https/token-rule.ts) against a model of one account's token endpoint: one
 * current token, which a plain request answers and a forced request replaces. `rotate` is another
 * server forcing a refresh; `expire` is the current token running out (a plain request then
 * answers the next one).
 */
import { FORCE_INTERVAL_MS, tokenRule, TOKEN_EXPIRED, type Issued } from '../../src/https/token-rule';

const INVALID = 40001;

function account() {
  let generation = 0;
  let expired = false;
  const asked: Array<'plain' | 'force'> = [];
  let failing = false;
  const fetch = async (force: boolean): Promise<Issued> => {
    asked.push(force ? 'force' : 'plain');
    if (failing) throw new Error('network down');
    if (force || expired) generation += 1;
    expired = false;
    return { token: `t${generation}`, lifetimeMs: 7_200_000 };
  };
  return {
    fetch,
    asked,
    forced: () => asked.filter((kind) => kind === 'force').length,
    rotate: () => void (generation += 1),
    expire: () => void (expired = true),
    fail: (value: boolean) => void (failing = value),
  };
}

function setUp() {
  let now = 1_000_000;
  const wechat = account();
  const tokens = tokenRule({ fetch: wechat.fetch, now: () => now });
  return { wechat, tokens, advance: (ms: number) => void (now += ms) };
}

describe('the token rule: a refusal re-reads before anything is forced', () => {
  test('a token replaced elsewhere: one plain re-read answers the current one, nothing forced', async () => {
    const { wechat, tokens } = setUp();
    const old = await tokens.get(budgetOf(1000));
    wechat.rotate();
    expect(tokens.invalidate(old, INVALID)).toBe(true);
    expect(await tokens.get(budgetOf(1000))).toBe('t1');
    expect(wechat.asked).toEqual(['plain', 'plain']);
  });

  test('an expiry (42001) is a plain re-read, even of a token just fetched: never forced', async () => {
    const { wechat, tokens } = setUp();
    for (let round = 1; round <= 3; round += 1) {
      const held = await tokens.get(budgetOf(1000));
      wechat.expire();
      expect(tokens.invalidate(held, TOKEN_EXPIRED)).toBe(true);
      expect(await tokens.get(budgetOf(1000))).toBe(`t${round}`);
    }
    expect(wechat.forced()).toBe(0);
  });

  test('only a token fetched in answer to a refusal, and still refused, is force-refreshed', async () => {
    const { wechat, tokens } = setUp();
    const first = await tokens.get(budgetOf(1000));
    expect(tokens.invalidate(first, INVALID)).toBe(true);
    const reread = await tokens.get(budgetOf(1000));
    expect(reread).toBe(first); // WeChat says it is current
    expect(wechat.forced()).toBe(0);
    expect(tokens.invalidate(reread, INVALID)).toBe(true);
    expect(await tokens.get(budgetOf(1000))).toBe('t1');
    expect(wechat.asked).toEqual(['plain', 'plain', 'force']);
  });

  test('a token fetched because the cached one was due answers no refusal, even after earlier ones: its refusal re-reads, nothing forced', async () => {
    const { wechat, tokens, advance } = setUp();
    // An earlier refusal, answered by its re-read.
    expect(tokens.invalidate(await tokens.get(budgetOf(1000)), INVALID)).toBe(true);
    await tokens.get(budgetOf(1000));
    advance(7_200_000); // past the refresh point: the next get fetches again, plainly
    const due = await tokens.get(budgetOf(1000));
    expect(tokens.invalidate(due, INVALID)).toBe(true);
    await tokens.get(budgetOf(1000));
    expect(wechat.asked).toEqual(['plain', 'plain', 'plain', 'plain']);
  });

  test('a token fetched long ago is not fresh: its refusal re-reads', async () => {
    const { wechat, tokens, advance } = setUp();
    tokens.invalidate(await tokens.get(budgetOf(1000)), INVALID);
    const fresh = await tokens.get(budgetOf(1000));
    advance(FORCE_INTERVAL_MS + 1);
    tokens.invalidate(fresh, INVALID);
    await tokens.get(budgetOf(1000));
    expect(wechat.forced()).toBe(0);
  });

  test('at most one forced refresh per process per 30 s; then the refusal is the answer, until the interval has passed', async () => {
    const { wechat, tokens, advance } = setUp();
    const refuseTwice = async () => {
      tokens.invalidate(await tokens.get(budgetOf(1000)), INVALID);
      return tokens.invalidate(await tokens.get(budgetOf(1000)), INVALID);
    };
    expect(await refuseTwice()).toBe(true); // forced
    const forcedToken = await tokens.get(budgetOf(1000));
    expect(tokens.invalidate(forcedToken, INVALID)).toBe(false);
    expect(await tokens.get(budgetOf(1000))).toBe(forcedToken);
    expect(wechat.forced()).toBe(1);
    advance(FORCE_INTERVAL_MS);
    expect(await refuseTwice()).toBe(true);
    expect(await tokens.get(budgetOf(1000))).toBe('t2');
    expect(wechat.forced()).toBe(2);
  });

  test('concurrent refusals of one token share one re-read, then one forced refresh', async () => {
    const { wechat, tokens } = setUp();
    const first = await tokens.get(budgetOf(1000));
    expect(Array.from({ length: 50 }, () => tokens.invalidate(first, INVALID)).every(Boolean)).toBe(true);
    const reread = await Promise.all(Array.from({ length: 50 }, () => tokens.get(budgetOf(1000))));
    expect(new Set(reread)).toEqual(new Set([first]));
    expect(Array.from({ length: 50 }, () => tokens.invalidate(first, INVALID)).every(Boolean)).toBe(true);
    expect(new Set(await Promise.all(Array.from({ length: 50 }, () => tokens.get(budgetOf(1000)))))).toEqual(new Set(['t1']));
    expect(wechat.asked).toEqual(['plain', 'plain', 'force']);
  });

  test('a late refusal of a token already replaced costs nothing', async () => {
    const { wechat, tokens } = setUp();
    const old = await tokens.get(budgetOf(1000));
    wechat.rotate();
    tokens.invalidate(old, INVALID);
    const current = await tokens.get(budgetOf(1000));
    expect(tokens.invalidate(old, INVALID)).toBe(true);
    expect(await tokens.get(budgetOf(1000))).toBe(current);
    expect(wechat.asked).toHaveLength(2);
  });

  test('a refusal while a plain fetch is under way makes that fetch the re-read', async () => {
    const { wechat, tokens, advance } = setUp();
    const old = await tokens.get(budgetOf(1000));
    advance(7_200_000); // due for a plain fetch, which answers the same stable token
    const refreshing = tokens.get(budgetOf(1000));
    tokens.invalidate(old, INVALID);
    expect(await refreshing).toBe(old);
    // Fetched after the refusal and still refused: now it may be forced.
    tokens.invalidate(old, INVALID);
    expect(await tokens.get(budgetOf(1000))).toBe('t1');
    expect(wechat.asked).toEqual(['plain', 'plain', 'force']);
  });

  test('a forced refresh that failed is asked for again on the next get', async () => {
    const { wechat, tokens } = setUp();
    tokens.invalidate(await tokens.get(budgetOf(1000)), INVALID);
    tokens.invalidate(await tokens.get(budgetOf(1000)), INVALID);
    wechat.fail(true);
    await expect(tokens.get(budgetOf(1000))).rejects.toThrow('network down');
    wechat.fail(false);
    expect(await tokens.get(budgetOf(1000))).toBe('t1');
    expect(wechat.asked).toEqual(['plain', 'plain', 'force', 'force']);
  });
});
