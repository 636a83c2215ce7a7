/**
 * The embedded store's connection: PGlite, PostgreSQL compiled to WebAssembly, in this process, on
 * disk under the store folder (nothing to install; one process at a time, see dir-lock.ts). Loaded
 * only when an embedded store is opened. Not collected for coverage: PGlite loads its WebAssembly
 * with a dynamic import that jest's VM refuses; the batch suites run it in child processes.
 */
import type * as Pglite from '@electric-sql/pglite';
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
function pgliteSql(pglite: PgliteLike): SqlDb {
  // PGlite is one connection: statements from concurrent callers are queued by PGlite itself.
  return {
    kind: 'embedded',
    async query<Row>(text: string, values?: readonly unknown[]) {
      if (!values || values.length === 0) {
        const results = await pglite.exec(text);
        return { rows: (results[results.length - 1]?.rows ?? []) as Row[] };
      }
      return pglite.query<Row>(text, [...values], { rowMode: 'object' });
    },
    close: () => pglite.close(),
  };
}

export async function openEmbedded(dataDir: string): Promise<SqlDb> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PGlite } = require('@electric-sql/pglite') as typeof Pglite;
  const pglite = await PGlite.create(dataDir);
  return pgliteSql(pglite as unknown as PgliteLike);
}

