import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { sleep } from '../core/deadline';
import { KeyedMutex } from './keyed-mutex';
import type { ComponentStore, StoredToken } from './store';

/**
 * A ComponentStore in a folder, shared by the processes of one machine:
 *
 *   DIR/ticket                      the latest component_verify_ticket
 *   DIR/component-token.json        { token, expiresAt, refreshAt }
 *   DIR/authorizers/APPID.refresh   the authoriser's refresh token
 *   DIR/authorizers/APPID.json      its access token { token, expiresAt, refreshAt }
 *   DIR/locks/NAME.lock             held while a token is refreshed
 *
 * Every write goes to a temporary file that is flushed to disk and then renamed over the old one,
 * so a reader (or a crash) sees the old value or the new one, never half of either. Locks are files
 * created exclusively; a lock older than `staleLockMs` is taken to be a crashed holder's.
 *
 * Hand-written rather than a locking library because the package ships without dependencies.
 */
export interface FileStoreOptions {
  /** A lock file older than this belongs to a process that died holding it (default 60 s). */
  readonly staleLockMs?: number;
  /** How long to wait for a lock before giving up (default 30 s). */
  readonly lockWaitMs?: number;
}

/** Appids and lock names become file names: anything but letters, digits, `_` and `-` is replaced. */
const fileName = (name: string): string => name.replace(/[^A-Za-z0-9_-]/g, '_');

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function readToken(file: string): Promise<StoredToken | undefined> {
  const text = await readText(file);
  if (text === undefined) return undefined;
  const value = JSON.parse(text) as Partial<StoredToken>;
  const valid = typeof value.token === 'string' && typeof value.expiresAt === 'number' && typeof value.refreshAt === 'number';
  return valid ? { token: value.token!, expiresAt: value.expiresAt!, refreshAt: value.refreshAt! } : undefined;
}

/** Write, flush, rename: durable and atomic. */
async function writeAtomic(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
}

export function fileStore(dir: string, options: FileStoreOptions = {}): ComponentStore {
  const staleLockMs = options.staleLockMs ?? 60_000;
  const lockWaitMs = options.lockWaitMs ?? 30_000;
  const authorizers = join(dir, 'authorizers');
  const locksDir = join(dir, 'locks');
  const inProcess = new KeyedMutex();
  let ready: Promise<unknown> | undefined;
  const prepared = () => (ready ??= Promise.all([mkdir(authorizers, { recursive: true, mode: 0o700 }), mkdir(locksDir, { recursive: true, mode: 0o700 })]));
  const write = async (file: string, text: string) => {
    await prepared();
    await writeAtomic(file, text);
  };
  const refreshFile = (appid: string) => join(authorizers, `${fileName(appid)}.refresh`);
  const tokenFile = (appid: string) => join(authorizers, `${fileName(appid)}.json`);

  /** Takes the lock file, waiting for its holder; takes over a lock its holder left behind. */
  async function acquire(file: string): Promise<void> {
    await prepared();
    const giveUpAt = Date.now() + lockWaitMs;
    for (;;) {
      try {
        const handle = await open(file, 'wx', 0o600);
        await handle.writeFile(`${process.pid}\n`);
        await handle.close();
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const age = await stat(file).then(
        (info) => Date.now() - info.mtimeMs,
        () => 0,
      );
      if (age > staleLockMs) await unlink(file).catch(() => undefined);
      else if (Date.now() > giveUpAt) throw new Error(`the lock ${file} is still held after ${lockWaitMs} ms`);
      else await sleep(10 + Math.random() * 40);
    }
  }

  return {
    readTicket: async () => (await readText(join(dir, 'ticket')))?.trim() || undefined,
    writeTicket: (ticket) => write(join(dir, 'ticket'), ticket),
    readComponentToken: () => readToken(join(dir, 'component-token.json')),
    writeComponentToken: (token) => write(join(dir, 'component-token.json'), JSON.stringify(token)),
    readRefreshToken: async (appid) => (await readText(refreshFile(appid)))?.trim() || undefined,
    writeRefreshToken: (appid, refreshToken) => write(refreshFile(appid), refreshToken),
    async writeRefreshTokens(entries) {
      for (const [appid, refreshToken] of entries) await write(refreshFile(appid), refreshToken);
    },
    readAuthorizerToken: (appid) => readToken(tokenFile(appid)),
    writeAuthorizerToken: (appid, token) => write(tokenFile(appid), JSON.stringify(token)),
    withLock: (name, work) =>
      // One waiter per process at a time, so the file lock is only contended between processes.
      inProcess.run(name, async () => {
        const file = join(locksDir, `${fileName(name)}.lock`);
        await acquire(file);
        try {
          return await work();
        } finally {
          await unlink(file).catch(() => undefined);
        }
      }),
  };
}
