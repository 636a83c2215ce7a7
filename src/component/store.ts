import { KeyedMutex } from './keyed-mutex';

/**
 * Where a third-party platform keeps what WeChat gave it: the latest component_verify_ticket, the
 * component_access_token, and per authoriser its refresh token and its authorizer_access_token.
 * Several processes (workers on several machines) may share one store; `withLock` is how they
 * agree on who refreshes a token, so that no two fetch one after the other and none knocks out the
 * token another has just fetched (WeChat keeps an old token only a few minutes after a new one).
 *
 * Shipped here: `memoryStore()` (one process) and `fileStore(dir)` (processes on one machine).
 * A PostgreSQL store for many machines implements the same interface.
 */

/** A token, when WeChat says it expires (ms since the epoch, from `expires_in`), and when to replace it. */
export interface StoredToken {
  readonly token: string;
  readonly expiresAt: number;
  /** A margin before expiresAt: from then on the next user fetches a new one. */
  readonly refreshAt: number;
}

export interface ComponentStore {
  readTicket(): Promise<string | undefined>;
  writeTicket(ticket: string): Promise<void>;
  readComponentToken(): Promise<StoredToken | undefined>;
  writeComponentToken(token: StoredToken): Promise<void>;
  readRefreshToken(authorizerAppid: string): Promise<string | undefined>;
  /**
   * Durable once resolved: a refresh token WeChat returned must survive a crash right after, since
   * a lost one loses the mini-program until its owner authorises the platform again.
   */
  writeRefreshToken(authorizerAppid: string, refreshToken: string): Promise<void>;
  /** Many at once (a page of api_get_authorizer_list), durable once resolved. */
  writeRefreshTokens(entries: ReadonlyArray<readonly [authorizerAppid: string, refreshToken: string]>): Promise<void>;
  readAuthorizerToken(authorizerAppid: string): Promise<StoredToken | undefined>;
  writeAuthorizerToken(authorizerAppid: string, token: StoredToken): Promise<void>;
  /**
   * Runs `work` while holding the lock `name` against every process sharing this store (and every
   * caller in this one). Names used: `component`, `authorizer:<appid>`.
   */
  withLock<T>(name: string, work: () => Promise<T>): Promise<T>;
}

/** Names of the locks and records, shared by every store so that they agree. */
export const COMPONENT_LOCK = 'component';
export const authorizerLock = (authorizerAppid: string): string => `authorizer:${authorizerAppid}`;

/** Everything in one process's memory: for tests, scripts and a single long-lived server. */
export function memoryStore(initial: { ticket?: string; refreshTokens?: Readonly<Record<string, string>> } = {}): ComponentStore {
  let ticket = initial.ticket;
  let componentToken: StoredToken | undefined;
  const refreshTokens = new Map<string, string>(Object.entries(initial.refreshTokens ?? {}));
  const accessTokens = new Map<string, StoredToken>();
  const locks = new KeyedMutex();
  return {
    readTicket: async () => ticket,
    writeTicket: async (value) => void (ticket = value),
    readComponentToken: async () => componentToken,
    writeComponentToken: async (value) => void (componentToken = value),
    readRefreshToken: async (appid) => refreshTokens.get(appid),
    writeRefreshToken: async (appid, value) => void refreshTokens.set(appid, value),
    writeRefreshTokens: async (entries) => entries.forEach(([appid, value]) => refreshTokens.set(appid, value)),
    readAuthorizerToken: async (appid) => accessTokens.get(appid),
    writeAuthorizerToken: async (appid, value) => void accessTokens.set(appid, value),
    withLock: (name, work) => locks.run(name, work),
  };
}
