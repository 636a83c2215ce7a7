/**
 * The component's tokens in the batch store's database, so that every worker of a run, on any
 * machine, shares one verify ticket, one component token and one set of authoriser tokens. Each
 * write is one committed statement, durable once it resolves: a refresh token WeChat returned
 * survives a crash right after (the rule ComponentStore states).
 *
 * Locks: callers in this process queue on a KeyedMutex; processes agree through a row in the lock
 * table held for a lease, so a holder that is killed blocks the others for one lease at most.
 */
import { randomUUID } from 'node:crypto';
import { KeyedMutex } from '../component/keyed-mutex';
import { Coalescer } from './coalesce';
import type { ComponentStore, StoredToken } from '../component/store';
import { SCHEMA } from './schema';
import type { SqlDb } from './sql';

/** Longer than any one token fetch (bounded by a call's budget). */
export const LOCK_LEASE_SECONDS = 30;
const LOCK_POLL_MS = 25;

const TICKET = 'ticket';
const COMPONENT_TOKEN = 'componentToken';
const REFRESH = 'refresh';
const ACCESS = 'access';

function parseToken(value: string | undefined): StoredToken | undefined {
  if (value === undefined) return undefined;
  const token = JSON.parse(value) as Partial<StoredToken>;
  return typeof token.token === 'string' && typeof token.expiresAt === 'number' && typeof token.refreshAt === 'number' ? (token as StoredToken) : undefined;
}

const WRITE_LINGER_MS = 2;

/** Recently read or written values kept in memory (embedded store only), at most this many. */
export const CACHE_ENTRIES = 2000;

/**
 * A small write-through cache of recent values, by key. Only for the embedded store: there this
 * process is the database's only user, so nothing can change a row behind the cache's back. It
 * remembers absent values too (an authoriser's first token read, then the same read under its lock).
 */
class RecentValues {
  private readonly values = new Map<string, string | undefined>();

  get(key: string): { value: string | undefined } | undefined {
    return this.values.has(key) ? { value: this.values.get(key) } : undefined;
  }

  set(key: string, value: string | undefined): void {
    this.values.delete(key);
    this.values.set(key, value);
    // Map keeps insertion order: the first key is the least recently set.
    if (this.values.size > CACHE_ENTRIES) this.values.delete(this.values.keys().next().value!);
  }
}

export interface SqlComponentStore extends ComponentStore {
  /**
   * Reads the tokens of these authorisers in one statement, ahead of their calls (embedded store:
   * into the cache, so each call then reads nothing). Does nothing on a server store.
   */
  prime(authorizerAppids: readonly string[]): Promise<void>;
}

export function sqlComponentStore(db: SqlDb, componentAppid: string): SqlComponentStore {
  const holder = randomUUID();
  const local = new KeyedMutex();
  const cache = db.kind === 'embedded' ? new RecentValues() : undefined;
  const read = async (kind: string, name: string): Promise<string | undefined> => {
    const cached = cache?.get(`${kind}\0${name}`);
    if (cached) return cached.value;
    const { rows } = await db.query<{ value: string }>(`SELECT value FROM ${SCHEMA}.token WHERE component = $1 AND kind = $2 AND name = $3`, [componentAppid, kind, name]);
    cache?.set(`${kind}\0${name}`, rows[0]?.value);
    return rows[0]?.value;
  };
  // Concurrent writes share statements; each caller's promise still resolves only once its own
  // value is committed. The last value for a key in one statement wins, as it would one by one.
  const writer = new Coalescer<readonly [kind: string, name: string, value: string]>(async (rows) => {
    const last = new Map(rows.map((row) => [`${row[0]}\0${row[1]}`, row]));
    const unique = [...last.values()];
    await db.query(
      `INSERT INTO ${SCHEMA}.token (component, kind, name, value)
       SELECT $1, e.kind, e.name, e.value FROM unnest($2::text[], $3::text[], $4::text[]) AS e(kind, name, value)
       ON CONFLICT (component, kind, name) DO UPDATE SET value = EXCLUDED.value`,
      [componentAppid, unique.map((row) => row[0]), unique.map((row) => row[1]), unique.map((row) => row[2])],
    );
    // Written to the database first: the cache never holds a value the database might not.
    for (const [kind, name, value] of unique) cache?.set(`${kind}\0${name}`, value);
  }, WRITE_LINGER_MS);
  const writeMany = async (kind: string, entries: ReadonlyArray<readonly [string, string]>): Promise<void> => {
    await Promise.all(entries.map(([name, value]) => writer.add([kind, name, value])));
  };
  const write = (kind: string, name: string, value: string) => writeMany(kind, [[name, value]]);

  async function acquire(name: string): Promise<void> {
    for (;;) {
      const { rows } = await db.query(
        `INSERT INTO ${SCHEMA}.lock (name, holder, until) VALUES ($1, $2, clock_timestamp() + make_interval(secs => $3))
         ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, until = EXCLUDED.until WHERE ${SCHEMA}.lock.until < clock_timestamp()
         RETURNING holder`,
        [`${componentAppid}:${name}`, holder, LOCK_LEASE_SECONDS],
      );
      if (rows.length) return;
      await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
    }
  }
  const release = (name: string) => db.query(`DELETE FROM ${SCHEMA}.lock WHERE name = $1 AND holder = $2`, [`${componentAppid}:${name}`, holder]);

  return {
    async prime(appids) {
      if (!cache || appids.length === 0) return;
      const { rows } = await db.query<{ kind: string; name: string; value: string }>(
        `SELECT kind, name, value FROM ${SCHEMA}.token WHERE component = $1 AND kind IN ($2, $3) AND name = ANY($4::text[])`,
        [componentAppid, REFRESH, ACCESS, appids],
      );
      const found = new Map(rows.map((row) => [`${row.kind}\0${row.name}`, row.value]));
      for (const appid of appids) {
        for (const kind of [REFRESH, ACCESS]) cache.set(`${kind}\0${appid}`, found.get(`${kind}\0${appid}`));
      }
    },
    readTicket: () => read(TICKET, ''),
    writeTicket: (ticket) => write(TICKET, '', ticket),
    readComponentToken: async () => parseToken(await read(COMPONENT_TOKEN, '')),
    writeComponentToken: (token) => write(COMPONENT_TOKEN, '', JSON.stringify(token)),
    readRefreshToken: (appid) => read(REFRESH, appid),
    writeRefreshToken: (appid, refreshToken) => write(REFRESH, appid, refreshToken),
    writeRefreshTokens: (entries) => writeMany(REFRESH, entries),
    readAuthorizerToken: async (appid) => parseToken(await read(ACCESS, appid)),
    writeAuthorizerToken: (appid, token) => write(ACCESS, appid, JSON.stringify(token)),
    withLock: (name, work) =>
      local.run(name, async () => {
        // The embedded store has one process: the in-process queue is the whole lock.
        if (db.kind === 'embedded') return work();
        await acquire(name);
        try {
          return await work();
        } finally {
          await release(name).catch(() => undefined);
        }
      }),
  };
}
