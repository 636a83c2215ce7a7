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
  /** The same database as pg-boss's `db` option wants it: each driver's own results, which pg-boss unwraps. */
  readonly boss: PgBossDb;
  /**
   * Runs `work` while this process holds the database-wide lock `key`, on a connection of its own
   * (a session lock, so statements `work` sends on other connections are covered too). Processes
   * starting together on one server take turns; the embedded store has one process, so it just runs.
   */
  exclusive<T>(key: number, work: () => Promise<T>): Promise<T>;
}

/** pg-boss's `db` option: it sends every statement, parameterless or not, through `executeSql`. */
export interface PgBossDb {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * The bounds on a `DATABASE_URL` server, so that one that accepts and says nothing, speaks
 * something else, or stops answering mid-way is an answer within seconds, never a hang.
 */
export const SERVER_TIMEOUTS = {
  /** To connect, the server's greeting and authentication included. */
  connectMs: 10_000,
  /** One statement, on the server (statement_timeout) and, should the server not answer at all, on this side. */
  statementMs: 60_000,
  /** A transaction left open (a worker stuck between its statements) is ended by the server. */
  idleInTransactionMs: 60_000,
  /** An unused pooled connection is closed. */
  idleMs: 30_000,
} as const;

/** What this side waits beyond the server's own statement_timeout before it gives up on an answer. */
const CLIENT_SLACK_MS = 5_000;

export async function openServer(connectionString: string, maxConnections: number, timeouts: typeof SERVER_TIMEOUTS = SERVER_TIMEOUTS): Promise<SqlDb> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Pool } = require('pg') as typeof Pg;
  const pool = new Pool({
    connectionString,
    max: maxConnections,
    application_name: 'wxplugin',
    connectionTimeoutMillis: timeouts.connectMs,
    idleTimeoutMillis: timeouts.idleMs,
    statement_timeout: timeouts.statementMs,
    idle_in_transaction_session_timeout: timeouts.idleInTransactionMs,
    // A server that stops answering mid-statement: the server's own timeout cannot fire then.
    query_timeout: timeouts.statementMs + CLIENT_SLACK_MS,
  });
  // An idle connection the server drops must not crash the process: the next query reconnects.
  pool.on('error', () => undefined);
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  return {
    kind: 'server',
    query: async <Row>(text: string, values?: readonly unknown[]) => {
      const result = await pool.query(text, values ? [...values] : undefined);
      return { rows: result.rows as Row[] };
    },
    boss: { executeSql: (text, values) => pool.query(text, values) as unknown as Promise<{ rows: unknown[] }> },
    async exclusive(key, work) {
      const client = await pool.connect();
      try {
        await client.query('SELECT pg_advisory_lock($1)', [key]);
        try {
          return await work();
        } finally {
          await client.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => undefined);
        }
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
