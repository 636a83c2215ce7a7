import type { StoredToken } from './store';

/**
 * The one rule for every token a third-party platform holds (the component's, each authoriser's):
 *
 * 1. A stored token is used until its `refreshAt`, unless WeChat has refused it.
 * 2. Otherwise, under the store's lock, the store is read again first: another process may have
 *    refreshed already, and its token is then used as is. Only when the store still holds nothing
 *    usable is a new token fetched (and stored before anyone uses it).
 *
 * So two processes never fetch one after the other (the second finds the first's token), and a
 * refusal of a token that has since been replaced does not throw the new one away: a refresh is
 * only ever forced over the very token that was refused.
 */
export interface TokenCell {
  read(): Promise<StoredToken | undefined>;
  /** Fetches a new token and stores it (with anything that came with it) before resolving. */
  fetch(): Promise<StoredToken>;
  /** Runs `work` under the lock every process sharing the store agrees on for this token. */
  lock<T>(work: () => Promise<T>): Promise<T>;
}

export interface StoredTokenUse {
  readonly token: string;
  /** Fetched by this call (not read from the store): a refusal of it is reported, not retried. */
  readonly fetched: boolean;
}

export function isUsable(stored: StoredToken | undefined, refused: string | undefined, now: number): stored is StoredToken {
  return stored !== undefined && stored.token !== refused && now < stored.refreshAt;
}

/** The token to use now, by the rule above. `refused`: the token WeChat last refused, if any. */
export async function currentToken(cell: TokenCell, refused: string | undefined, now: () => number): Promise<StoredTokenUse> {
  const stored = await cell.read();
  if (isUsable(stored, refused, now())) return { token: stored.token, fetched: false };
  return cell.lock(async () => {
    const again = await cell.read();
    if (isUsable(again, refused, now())) return { token: again.token, fetched: false };
    return { token: (await cell.fetch()).token, fetched: true };
  });
}

/**
 * When to replace a token WeChat issued for `lifetimeMs`: `marginMs` before it expires, but never
 * past half its life (a short-lived token would otherwise be due at once).
 */
export function storedToken(token: string, lifetimeMs: number, issuedAt: number, marginMs: number): StoredToken {
  return { token, expiresAt: issuedAt + lifetimeMs, refreshAt: issuedAt + lifetimeMs - Math.min(marginMs, lifetimeMs / 2) };
}
