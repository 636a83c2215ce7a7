/**
 * The one SQL connection a batch run uses, whichever PostgreSQL holds it: PGlite embedded in this
 * process (sql-embedded.ts), or a PostgreSQL server named by DATABASE_URL (through `pg`, here),
 * which any number of `wxplugin worker` processes share.
 *
 * Both drivers are loaded only when a batch opens a store: `wxplugin apply`, the cloud functions
 * and a program that only uses createHttpsClient never load them.
 */
import type * as Pg from 'pg';

export interface SqlResult<Row> {
  readonly rows: Row[];
}

export interface SqlDb {
  /** One statement, with `$1`-style parameters. */
  query<Row = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<SqlResult<Row>>;
  close(): Promise<void>;
  /** `embedded` (PGlite: this process alone) or `server` (shared by every worker). */
  readonly kind: 'embedded' | 'server';
}

/** pg-boss's `db` option: it sends every statement, parameterless or not, through `executeSql`. */
export interface PgBossDb {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

export function pgBossDb(db: SqlDb): PgBossDb {
  return { executeSql: (text, values) => db.query(text, values) };
}

export async function openServer(connectionString: string, maxConnections: number): Promise<SqlDb> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Pool } = require('pg') as typeof Pg;
  const pool = new Pool({ connectionString, max: maxConnections, application_name: 'wxplugin' });
  // An idle connection the server drops must not crash the process: the next query reconnects.
  pool.on('error', () => undefined);
  await pool.query('SELECT 1');
  return {
    kind: 'server',
    query: async <Row>(text: string, values?: readonly unknown[]) => {
      const result = await pool.query(text, values ? [...values] : undefined);
      return { rows: result.rows as Row[] };
    },
    close: () => pool.end(),
  };
}
