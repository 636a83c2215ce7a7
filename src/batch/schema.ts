import type { SqlDb } from './sql';

/**
 * The batch tables, beside pg-boss's own schema (`pgboss`). pg-boss runs the jobs; these record what
 * each authoriser's job ended with, so that a job that runs twice (a worker killed after the call,
 * before pg-boss heard of it) finds its authoriser finished and calls nothing.
 */
export const SCHEMA = 'wxplugin_batch';

/**
 * One statement string, in one transaction. Processes starting together on one server take turns
 * on it under store.ts's schema lock (a session lock, which covers pg-boss's schema too).
 */
const CREATE = `
BEGIN;
CREATE SCHEMA IF NOT EXISTS ${SCHEMA};
CREATE TABLE IF NOT EXISTS ${SCHEMA}.run (
  id text PRIMARY KEY,
  component text NOT NULL,
  operation text NOT NULL,
  request jsonb NOT NULL,
  source text NOT NULL,
  source_file text,
  rate double precision NOT NULL,
  job_timeout integer NOT NULL,
  listed boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS ${SCHEMA}.item (
  run text NOT NULL,
  appid text NOT NULL,
  state text NOT NULL DEFAULT 'pending',
  code integer,
  message text,
  data jsonb,
  tries integer NOT NULL DEFAULT 0,
  not_before timestamptz,
  claimed_until timestamptz,
  finished_at timestamptz,
  PRIMARY KEY (run, appid)
);
CREATE INDEX IF NOT EXISTS item_run_state ON ${SCHEMA}.item (run, state);
CREATE TABLE IF NOT EXISTS ${SCHEMA}.rate (
  key text PRIMARY KEY,
  next_at double precision NOT NULL
);
CREATE TABLE IF NOT EXISTS ${SCHEMA}.lock (
  name text PRIMARY KEY,
  holder text NOT NULL,
  until timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS ${SCHEMA}.token (
  component text NOT NULL,
  kind text NOT NULL,
  name text NOT NULL,
  value text NOT NULL,
  PRIMARY KEY (component, kind, name)
);
COMMIT;`;

export async function createSchema(db: SqlDb): Promise<void> {
  await db.query(CREATE);
}
