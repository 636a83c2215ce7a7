/**
 * Opening a batch store: the SQL connection, the batch tables and pg-boss on the same database.
 * Embedded (PGlite, in DIR/pgdata, this process alone) unless a DATABASE_URL is given.
 */
import { join } from 'node:path';
import type PgBoss from 'pg-boss';
import { lockDir } from './dir-lock';
import { createSchema, SCHEMA } from './schema';
import { openServer, pgBossDb, type SqlDb } from './sql';
import { openEmbedded } from './sql-embedded';

export interface BatchStore {
  readonly db: SqlDb;
  readonly boss: PgBoss;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** A PostgreSQL connection string; without it, the embedded store in `dir`. */
  readonly databaseUrl?: string;
  readonly dir: string;
  /** How often pg-boss looks for jobs whose worker died (their expiry passed). */
  readonly maintenanceSeconds?: number;
}

export const BOSS_SCHEMA = 'pgboss';

/**
 * On the embedded store nobody else can be working: a job still marked active, and a claim on an
 * authoriser, belonged to a process that was killed. Handing them back now (the job as a failure,
 * which pg-boss retries) saves waiting for their expiry.
 */
export async function releaseOrphans(db: SqlDb, boss: PgBoss): Promise<void> {
  await db.query(`UPDATE ${SCHEMA}.item SET claimed_until = NULL WHERE claimed_until IS NOT NULL`, []);
  const { rows } = await db.query<{ name: string; ids: string[] }>(`SELECT name, array_agg(id::text) AS ids FROM ${BOSS_SCHEMA}.job WHERE state = 'active' GROUP BY name`, [] as unknown[]);
  for (const row of rows) await boss.fail(row.name, row.ids);
}

export async function openStore(options: StoreOptions): Promise<BatchStore> {
  const unlock = options.databaseUrl ? () => undefined : lockDir(options.dir);
  let db: SqlDb | undefined;
  try {
    db = options.databaseUrl ? await openServer(options.databaseUrl, 8) : await openEmbedded(join(options.dir, 'pgdata'));
    await createSchema(db);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const PgBossClass = require('pg-boss') as typeof PgBoss;
    const boss = new PgBossClass({
      db: pgBossDb(db),
      schema: BOSS_SCHEMA,
      schedule: false,
      supervise: true,
      maintenanceIntervalSeconds: options.maintenanceSeconds ?? 5,
    } as PgBoss.ConstructorOptions);
    boss.on('error', () => undefined);
    await boss.start();
    if (db.kind === 'embedded') await releaseOrphans(db, boss);
    const opened = db;
    return {
      db: opened,
      boss,
      async close() {
        await boss.stop({ graceful: false, wait: true, close: false }).catch(() => undefined);
        await opened.close();
        unlock();
      },
    };
  } catch (error) {
    await db?.close().catch(() => undefined);
    unlock();
    throw error;
  }
}
