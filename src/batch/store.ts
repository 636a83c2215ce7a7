/**
 * Opening a batch store: the SQL connection, the batch tables and pg-boss on the same database.
 * Embedded (PGlite, in DIR/pgdata, this process alone) unless a DATABASE_URL is given.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { PgBoss } from 'pg-boss';
import type * as PgBossModule from 'pg-boss';
import type { Server } from 'node:net';
import { ProjectCode } from '../core/codes';
import { OperationError } from '../core/errors';
import { claimStore, type StoreClaim } from './dir-lock';
import { connectReader, serveReads } from './store-reader';
import { createSchema, SCHEMA } from './schema';
import { openServer, type SqlDb } from './sql';
import { openEmbedded } from './sql-embedded';

export type { PgBoss };

export interface BatchStore {
  readonly db: SqlDb;
  readonly boss: PgBoss;
  /** Read through the process that owns the embedded store (store-reader.ts): reads only, no pg-boss. */
  readonly readOnly: boolean;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** A PostgreSQL connection string; without it, the embedded store in `dir`. */
  readonly databaseUrl?: string;
  readonly dir: string;
  /** Open only a store that is already there: a missing one is refused (an OperationError, -930308), and nothing is created. */
  readonly existing?: boolean;
  /** How often pg-boss looks for jobs whose worker died (their expiry passed). */
  readonly maintenanceSeconds?: number;
  /** An embedded store another process owns is read through that process (reads only) instead of refused. */
  readonly readThroughOwner?: boolean;
}

/** pg-boss in a store read through its owner: any use is a mistake said plainly, never a hang. */
const NO_BOSS = new Proxy({} as PgBoss, {
  get() {
    throw new OperationError(ProjectCode.TOKEN_STORE_FAILED, { detail: 'the store is in use by another process and is only read here' });
  },
});

async function readThroughOwner(dir: string, busy: OperationError): Promise<BatchStore> {
  const db = await connectReader(dir).catch(() => {
    throw busy;
  });
  return { db, boss: NO_BOSS, readOnly: true, close: () => db.close() };
}

export const BOSS_SCHEMA = 'pgboss';

/**
 * The lock processes starting together on one server take turns on while they make the schemas
 * (pg-boss's and the batch's): without it, two that both find no schema both create it, and one
 * fails on the catalogue's unique index (`pg_namespace_nspname_index`, or pg-boss's own types).
 */
export const SCHEMA_LOCK_KEY = 7310417;

/** The store asked to exist is not there (a typo in --store, or a database without the batch's tables). */
const missing = (detail: string): OperationError => new OperationError(ProjectCode.BATCH_RUN_NOT_FOUND, { detail });

/**
 * On the embedded store nobody else can be working: a job still marked active, and a claim on an
 * authoriser, belonged to a process that was killed. Their jobs end now (pg-boss retries nothing:
 * the batch owns its retries, see runs.ts), and the run's driver gives every authoriser still
 * pending a job again (requeuePending); the claims are released so that job may call at once.
 */
export async function releaseOrphans(db: SqlDb, boss: PgBoss): Promise<void> {
  await db.query(`UPDATE ${SCHEMA}.item SET claimed_until = NULL WHERE claimed_until IS NOT NULL`, []);
  const { rows } = await db.query<{ name: string; ids: string[] }>(`SELECT name, array_agg(id::text) AS ids FROM ${BOSS_SCHEMA}.job WHERE state = 'active' GROUP BY name`, [] as unknown[]);
  for (const row of rows) await boss.fail(row.name, row.ids);
}

/** Whether the batch's tables are in this database (a store some batch already made). */
async function hasBatchTables(db: SqlDb): Promise<boolean> {
  const { rows } = await db.query<{ found: string | null }>(`SELECT to_regclass($1) AS found`, [`${SCHEMA}.run`]);
  return typeof rows[0]?.found === 'string';
}

export async function openStore(options: StoreOptions): Promise<BatchStore> {
  const dataDir = join(options.dir, 'pgdata');
  if (!options.databaseUrl && options.existing && !existsSync(join(dataDir, 'PG_VERSION'))) {
    throw missing(`there is no batch store in ${options.dir}: check --store (or store.dir), or start a run there first`);
  }
  let claim: StoreClaim | undefined;
  try {
    claim = options.databaseUrl ? undefined : await claimStore(options.dir);
  } catch (error) {
    // The only OperationError a claim throws is its refusal: another process holds the store.
    if (error instanceof OperationError && options.readThroughOwner) return readThroughOwner(options.dir, error);
    throw error;
  }
  let readers: Server | undefined;
  const unlock = async () => {
    readers?.close();
    await claim?.release();
  };
  let db: SqlDb | undefined;
  try {
    db = options.databaseUrl ? await openServer(options.databaseUrl, 8) : await openEmbedded(dataDir);
    const opened = db;
    if (options.existing && !(await hasBatchTables(opened))) throw missing('the database holds no batch store (no run was ever started there): check DATABASE_URL, or start a run there first');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { PgBoss: PgBossClass } = require('pg-boss') as typeof PgBossModule;
    const seconds = options.maintenanceSeconds ?? 5;
    const boss = new PgBossClass({
      db: opened.boss,
      schema: BOSS_SCHEMA,
      ...(opened.kind === 'embedded' ? { backend: 'pglite' as const } : {}),
      schedule: false,
      supervise: true,
      // Expired jobs (their worker died) are looked for this often.
      superviseIntervalSeconds: seconds,
      maintenanceIntervalSeconds: seconds,
      // Nothing here reads pg-boss's instance registry; it would be one more write every beat.
      registerInstance: false,
    });
    boss.on('error', () => undefined);
    await opened.exclusive(SCHEMA_LOCK_KEY, async () => {
      await createSchema(opened);
      await boss.start();
    });
    if (opened.kind === 'embedded') {
      await releaseOrphans(opened, boss);
      readers = await serveReads(options.dir, opened);
    }
    return {
      db: opened,
      boss,
      readOnly: false,
      async close() {
        await boss.stop({ graceful: false, close: false }).catch(() => undefined);
        await opened.close();
        await unlock();
      },
    };
  } catch (error) {
    await db?.close().catch(() => undefined);
    await unlock();
    throw error;
  }
}
