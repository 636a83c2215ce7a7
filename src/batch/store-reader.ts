/**
 * Live reads of an embedded store another process owns. PGlite serves one process, so the owner
 * answers reads for the others: it listens on `reader.sock` in the store folder (the folder is 0700
 * and the socket 0600, so only the store's own user reaches it), takes one SELECT per line of JSON,
 * runs it on its own connection between its own statements, and answers its rows. A second
 * process's `batch status` (or a program's status, items, runs) then sees the run's counts as they
 * are, while the run goes on.
 *
 * Only single SELECT statements are served: the readers' queries are the batch's own (runs.ts),
 * and nothing a reader sends can write to the owner's store or change its session.
 */
import { chmodSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PRIVATE_FILE_MODE } from './private-files';
import type { SqlDb } from './sql';

export const READER_SOCKET = 'reader.sock';

/** How long a reader waits for the owner's answer to one statement (the owner is busy, not gone). */
export const READ_TIMEOUT_MS = 30_000;

interface ReadRequest {
  readonly id: number;
  readonly text: string;
  readonly values?: readonly unknown[];
}

/** One SELECT, no second statement. */
export const isSingleSelect = (text: string): boolean => /^\s*SELECT\b/i.test(text) && !text.includes(';');

/** The owner's side: serves reads of `db` on DIR/reader.sock until closed. */
export async function serveReads(dir: string, db: SqlDb): Promise<Server> {
  const path = join(dir, READER_SOCKET);
  // A socket file left by a killed owner: this process owns the store now (dir-lock.ts), so it is ours to replace.
  rmSync(path, { force: true });
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    createInterface({ input: socket }).on('line', (line) => {
      let request: ReadRequest;
      try {
        request = JSON.parse(line) as ReadRequest;
      } catch {
        socket.destroy();
        return;
      }
      const answer = (body: object) => socket.write(`${JSON.stringify({ id: request.id, ...body })}\n`);
      if (typeof request.text !== 'string' || !isSingleSelect(request.text)) {
        answer({ error: 'only one SELECT statement is served to readers' });
        return;
      }
      db.query(request.text, Array.isArray(request.values) ? request.values : undefined).then(
        (result) => answer({ rows: result.rows }),
        (error: unknown) => answer({ error: error instanceof Error ? error.message : String(error) }),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(path, PRIVATE_FILE_MODE);
  server.unref();
  const close = server.close.bind(server);
  server.close = (callback) => {
    for (const socket of sockets) socket.destroy();
    rmSync(path, { force: true });
    return close(callback);
  };
  return server;
}

/** A reader's side: the owner's store as a SqlDb that can only read. Rejects when no owner answers. */
export async function connectReader(dir: string): Promise<SqlDb> {
  const socket = createConnection(join(dir, READER_SOCKET));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  let nextId = 1;
  const waiting = new Map<number, { resolve: (rows: unknown[]) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  const fail = (error: Error) => {
    for (const entry of waiting.values()) {
      clearTimeout(entry.timer);
      entry.reject(error);
    }
    waiting.clear();
  };
  // Once the owner is gone, every read fails at once: a read sent after the close would otherwise
  // wait out READ_TIMEOUT_MS for an answer nobody can give.
  let gone: Error | undefined;
  socket.on('close', () => {
    gone = new Error('the process that owns the store stopped answering (it ended or was stopped)');
    fail(gone);
  });
  createInterface({ input: socket }).on('line', (line) => {
    const answer = JSON.parse(line) as { id: number; rows?: unknown[]; error?: string };
    const entry = waiting.get(answer.id);
    if (!entry) return;
    waiting.delete(answer.id);
    clearTimeout(entry.timer);
    if (answer.error !== undefined) entry.reject(new Error(answer.error));
    else entry.resolve(answer.rows ?? []);
  });
  return {
    kind: 'embedded',
    boss: { executeSql: () => Promise.reject(new Error('the store is read through its owner: pg-boss is not open here')) },
    exclusive: (_key, work) => work(),
    query<Row>(text: string, values?: readonly unknown[]) {
      if (!isSingleSelect(text)) return Promise.reject(new Error('the store is in use by another process: only reads are possible here'));
      if (gone) return Promise.reject(gone);
      const id = nextId++;
      return new Promise<{ rows: Row[] }>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`the process that owns the store did not answer a read within ${READ_TIMEOUT_MS / 1000} s`));
        }, READ_TIMEOUT_MS);
        waiting.set(id, { resolve: (rows) => resolve({ rows: rows as Row[] }), reject, timer });
        socket.write(`${JSON.stringify({ id, text, values })}\n`);
      });
    },
    async close() {
      socket.destroy();
    },
  };
}
