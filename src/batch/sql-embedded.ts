/**
 * The embedded store's connection: PGlite, PostgreSQL compiled to WebAssembly, in this process, on
 * disk under the store folder (nothing to install; one process at a time, see dir-lock.ts). Loaded
 * only when an embedded store is opened. Not collected for coverage: PGlite loads its WebAssembly
 * with a dynamic import that jest's VM refuses; the batch suites run it in child processes.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as Pglite from '@electric-sql/pglite';
import type * as PgBossModule from 'pg-boss';
import { makePrivateDir, makeTreePrivate } from './private-files';
import type { SqlDb } from './sql';

interface PgliteLike {
  query<T>(text: string, values?: unknown[], options?: { rowMode?: 'object' | 'array' }): Promise<{ rows: T[] }>;
  exec(text: string): Promise<Array<{ rows: unknown[] }>>;
  close(): Promise<void>;
}


/**
 * PGlite's `query` uses the extended protocol, which refuses several statements in one string
 * ("cannot insert multiple commands into a prepared statement"), and pg-boss's migrations are
 * exactly that, without parameters. So parameterless text goes through `exec` (the simple
 * protocol; its last result is the answer) and the rest through `query`.
 */
function pgliteSql(pglite: PgliteLike, dataDir: string): SqlDb {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { fromPglite } = require('pg-boss') as typeof PgBossModule;
  // PGlite is one connection: statements from concurrent callers are queued by PGlite itself.
  return {
    kind: 'embedded',
    // pg-boss's own adapter (it flattens a multi-statement block's rows, which pg-boss reads).
    boss: fromPglite(pglite),
    // One process owns the store (dir-lock.ts): nobody to take turns with.
    exclusive: (_key, work) => work(),
    async query<Row>(text: string, values?: readonly unknown[]) {
      if (!values || values.length === 0) {
        const results = await pglite.exec(text);
        return { rows: (results[results.length - 1]?.rows ?? []) as Row[] };
      }
      return pglite.query<Row>(text, [...values], { rowMode: 'object' });
    },
    async close() {
      await pglite.close();
      makeTreePrivate(dataDir);
    },
  };
}

/**
 * A new embedded store is created by a short-lived child process: PGlite runs initdb inside its
 * WebAssembly memory, and a process that did so keeps about 0.8 GB it never gives back (measured:
 * 757 MiB after creating a store, 281 MiB after opening the same store in a fresh process). The run
 * itself then only opens the store, and its memory stays that of an opened one.
 */
async function createInChild(dataDir: string): Promise<void> {
  const entry = require.resolve('@electric-sql/pglite');
  const script = `require(${JSON.stringify(entry)}).PGlite.create(process.argv[1]).then((db) => db.close())`;
  const child = spawn(process.execPath, ['-e', script, dataDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  if (code !== 0) {
    const line = stderr.split('\n').find((text) => /error/i.test(text)) ?? stderr.split('\n')[0] ?? '';
    throw new Error(`creating the embedded store failed (${signal ?? `exit ${code}`})${line ? `: ${line.trim()}` : ''}`);
  }
}

export async function openEmbedded(dataDir: string): Promise<SqlDb> {
  makePrivateDir(dataDir, true);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await createInChild(dataDir);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PGlite } = require('@electric-sql/pglite') as typeof Pglite;
  const pglite = await PGlite.create(dataDir);
  makeTreePrivate(dataDir);
  return pgliteSql(pglite as unknown as PgliteLike, dataDir);
}

