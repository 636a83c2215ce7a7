/**
 * Reads through the owner of an embedded store (store-reader.ts), both sides in this process on a
 * real Unix socket in a private folder; the owner's database is a stand-in that answers each
 * SELECT with what it was asked, so what travels the socket is what is checked.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection, type Server } from 'node:net';
import { connectReader, READER_SOCKET, serveReads } from '../../src/batch/store-reader';
import type { SqlDb } from '../../src/batch/sql';

const ownerDb = {
  kind: 'embedded',
  boss: { executeSql: () => Promise.reject(new Error('not here')) },
  exclusive: (_key: number, work: () => Promise<unknown>) => work(),
  query: async (text: string, values?: readonly unknown[]) => ({ rows: [{ text, values: values ?? null }] }),
  close: async () => undefined,
} as unknown as SqlDb;

let dir: string;
let server: Server | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'store-reader-'));
});
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('reads through the owner of the store', () => {
  test('a SELECT is answered with its rows; anything else is refused before it is sent', async () => {
    server = await serveReads(dir, ownerDb);
    expect(statSync(join(dir, READER_SOCKET)).mode & 0o777).toBe(0o600);
    const reader = await connectReader(dir);
    await expect(reader.query('SELECT $1::int AS n', [7])).resolves.toEqual({ rows: [{ text: 'SELECT $1::int AS n', values: [7] }] });
    await expect(reader.query('DELETE FROM batch.run')).rejects.toThrow(/only reads are possible here/);
    await expect(reader.query('SELECT 1; DROP TABLE batch.run')).rejects.toThrow(/only reads are possible here/);
    await reader.close();
  });

  test('once the owner has gone, a read fails at once, saying so (not the read timeout, 30 s later)', async () => {
    server = await serveReads(dir, ownerDb);
    const reader = await connectReader(dir);
    const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    await closed;
    // The reader's socket hears the close a moment after the owner's side ends it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(reader.query('SELECT 1')).rejects.toThrow(/stopped answering/);
    await reader.close();
  });

  test('the owner\'s own failure reaches the reader as the read\'s', async () => {
    server = await serveReads(dir, { ...ownerDb, query: () => Promise.reject(new Error('relation "batch.nope" does not exist')) } as SqlDb);
    const reader = await connectReader(dir);
    await expect(reader.query('SELECT * FROM batch.nope')).rejects.toThrow('relation "batch.nope" does not exist');
    await reader.close();
  });

  test('a read in flight when the owner goes fails, saying so', async () => {
    let started!: () => void;
    const asked = new Promise<void>((resolve) => (started = resolve));
    // An owner that never answers: the read is in flight when the owner closes.
    server = await serveReads(dir, { ...ownerDb, query: () => (started(), new Promise(() => undefined)) } as SqlDb);
    const reader = await connectReader(dir);
    const read = reader.query('SELECT 1');
    await asked;
    server.close();
    server = undefined;
    await expect(read).rejects.toThrow(/stopped answering/);
    await reader.close();
  });

  test('the owner answers nothing but one SELECT per line: another statement is refused, a line that is not JSON ends the connection', async () => {
    server = await serveReads(dir, ownerDb);
    const raw = createConnection(join(dir, READER_SOCKET));
    let heard = '';
    raw.on('data', (chunk: Buffer) => (heard += chunk.toString()));
    const ended = new Promise<void>((resolve) => raw.on('close', () => resolve()));
    raw.write(`${JSON.stringify({ id: 1, text: 'UPDATE batch.run SET rate = 1' })}\n`);
    while (!heard.includes('\n')) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(JSON.parse(heard)).toEqual({ id: 1, error: 'only one SELECT statement is served to readers' });
    raw.write('not json\n');
    await ended;
  });

  test('no owner listening: connecting fails', async () => {
    await expect(connectReader(dir)).rejects.toThrow();
  });
});
