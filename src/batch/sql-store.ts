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

export function sqlComponentStore(db: SqlDb, componentAppid: string): ComponentStore {
  const holder = randomUUID();
  const local = new KeyedMutex();
  const read = async (kind: string, name: string): Promise<string | undefined> => {
    const { rows } = await db.query<{ value: string }>(`SELECT value FROM ${SCHEMA}.token WHERE component = $1 AND kind = $2 AND name = $3`, [componentAppid, kind, name]);
    return rows[0]?.value;
  };
  const writeMany = async (kind: string, entries: ReadonlyArray<readonly [string, string]>): Promise<void> => {
    if (entries.length === 0) return;
    await db.query(
      `INSERT INTO ${SCHEMA}.token (component, kind, name, value)
       SELECT $1, $2, e.name, e.value FROM unnest($3::text[], $4::text[]) AS e(name, value)
       ON CONFLICT (component, kind, name) DO UPDATE SET value = EXCLUDED.value`,
      [componentAppid, kind, entries.map(([name]) => name), entries.map(([, value]) => value)],
    );
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
