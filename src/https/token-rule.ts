import { budgetOf, withinDeadline, type Budget } from '../core/deadline';

/**
 * When to fetch a token, and when a fetch may force WeChat to issue a new one.
 *
 * WeChat keeps one current token per account. A forced refresh issues a new one and revokes the
 * token every other process of the account holds, and WeChat allows few of them a day (about 20,
 * meant for leaked tokens). So a refusal never forces a refresh by itself:
 *
 * - a refusal (40001, 40014) or an expiry (42001) first RE-READS: a plain fetch, which answers the
 *   account's current token, whoever fetched it;
 * - only a token fetched in answer to a refusal ("fresh") that WeChat still refuses may be
 *   force-refreshed, and at most once per FORCE_INTERVAL_MS in this process; past that, the
 *   refusal is the answer;
 * - an expiry never needs a forced refresh: a plain fetch of an expired token issues a new one.
 *
 * Refusals of one token share one fetch, and a refusal of a token already replaced costs nothing.
 * The rule knows nothing of HTTP: `fetch` is the account's token request (stable_token here, a
 * component's or an authoriser's token elsewhere).
 */
export interface TokenSource {
  /** A token to use now, fetched if need be, within the call's budget. */
  get(budget: Budget): Promise<string>;
  /**
   * WeChat answered `code` to a request carrying `token`. True: `get` now answers a token worth
   * trying once more. False: there is none (the refusal is the answer).
   */
  invalidate(token: string, code?: number): boolean;
}

export interface Issued {
  readonly token: string;
  /** WeChat's `expires_in`, in milliseconds. */
  readonly lifetimeMs: number;
}

export interface TokenRuleOptions {
  /**
   * One token request, ended when `signal` aborts; `force` asks WeChat to issue a new token even if
   * the current one is valid.
   */
  readonly fetch: (force: boolean, signal: AbortSignal) => Promise<Issued>;
  /** Fetch again this long before `expires_in` runs out (at most half the lifetime). Default 5 min. */
  readonly refreshMarginMs?: number | undefined;
  readonly now?: (() => number) | undefined;
}

/** WeChat's code for an expired token: a plain fetch answers a new one. */
export const TOKEN_EXPIRED = 42001;
/** At most one forced refresh per process in this long. */
export const FORCE_INTERVAL_MS = 30_000;
/** A token fetched in answer to a refusal counts as fresh this long. */
export const FRESH_MS = 30_000;
/** The least time a shared token fetch is given, whoever started it. */
export const TOKEN_FETCH_MIN_MS = 2000;

interface Cached {
  readonly token: string;
  readonly refreshAt: number;
  /** Until when a refusal of this token may force a refresh (fetched in answer to a refusal). */
  readonly freshUntil: number;
}

export function tokenRule(options: TokenRuleOptions): TokenSource {
  const now = options.now ?? Date.now;
  const margin = options.refreshMarginMs ?? 5 * 60_000;
  let cached: Cached | undefined;
  let pending: Promise<string> | undefined;
  /** Whether the next fetch asks WeChat to issue a new token. */
  let forceNext = false;
  /** Refusals taken, and how many of them a fetch has answered: a fetch answers every refusal taken before it ended. */
  let refusals = 0;
  let answered = 0;
  let lastForcedAt = Number.NEGATIVE_INFINITY;

  /**
   * One fetch, shared by every caller waiting for a token, with a budget of its own (the one timer
   * here, and only while a fetch is under way): at least TOKEN_FETCH_MIN_MS, so that a call on its
   * last milliseconds cannot make the fetch fail for a caller with time to spare. Each caller
   * waits for it only within its own budget (`get`). What was asked for (re-read, forced) stays
   * asked for until a fetch succeeds.
   */
  async function fetchToken(remainingMs: number): Promise<string> {
    const own = budgetOf(Math.max(remainingMs, TOKEN_FETCH_MIN_MS));
    const issued = await options.fetch(forceNext, own.signal).finally(own.end);
    // A fetch under way when a refusal arrived answers it too: it was sent no earlier than the
    // refused request was answered, so it reads the current token. A failed fetch answers none.
    const answersRefusal = refusals > answered;
    answered = refusals;
    forceNext = false;
    const at = now();
    cached = {
      token: issued.token,
      refreshAt: at + issued.lifetimeMs - Math.min(margin, issued.lifetimeMs / 2),
      freshUntil: answersRefusal ? at + FRESH_MS : Number.NEGATIVE_INFINITY,
    };
    return issued.token;
  }

  return {
    async get(budget) {
      if (cached && now() < cached.refreshAt) return cached.token;
      // Callers arriving together share one fetch; each waits within its own budget.
      pending ??= fetchToken(budget.remaining()).finally(() => (pending = undefined));
      return withinDeadline(pending, budget.signal);
    },
    invalidate(token, code) {
      // Already replaced, or a fetch answering an earlier refusal is under way: try what get gives.
      if (cached === undefined || cached.token !== token) return true;
      const at = now();
      const fresh = at < cached.freshUntil;
      if (code !== TOKEN_EXPIRED && fresh) {
        // WeChat refuses the very token it just said is current: only a forced refresh helps, and
        // this process spends at most one per interval.
        if (at - lastForcedAt < FORCE_INTERVAL_MS) return false;
        lastForcedAt = at;
        forceNext = true;
      }
      // Otherwise the next fetch is a plain one: a re-read.
      refusals += 1;
      cached = undefined;
      return true;
    },
  };
}
