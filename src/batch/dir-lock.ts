/**
 * PGlite is one process per data folder: a second process opening it would corrupt it. So a store
 * folder has exactly one owner, and the claim must be decided by something that cannot be fooled by
 * an owner killed but never reaped (a zombie still answers `kill(pid, 0)`), by its pid reused by
 * another process, or by two claimers racing between "create" and "write who I am".
 *
 * On Linux the claim is a socket the kernel holds: a listening Unix socket in the abstract
 * namespace, named after the folder's real path. Binding a name is atomic (one process gets it, the
 * others EADDRINUSE), and the kernel frees it when the owner's files close, which happens when the
 * process dies, reaped or not. Nothing is left behind to take over, so nothing is ever taken over.
 * (The abstract namespace belongs to a network namespace: processes in two containers sharing one
 * volume but not one network namespace do not see each other's claim; docs/third-party.md says so.)
 *
 * Elsewhere (macOS, Windows) it is proper-lockfile's lock: a folder made atomically by mkdir and a
 * heartbeat on its time stamp, taken over only once the heartbeat has stopped for STALE_MS.
 *
 * Either way `owner.pid` beside it says which process holds the store, for messages only: it is
 * written whole (a temporary file renamed into place) after the claim and decides nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { realpathSync, renameSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import type * as Lockfile from 'proper-lockfile';
import { ProjectCode } from '../core/codes';
import { OperationError } from '../core/errors';
import { makePrivateDir, PRIVATE_FILE_MODE } from './private-files';

export interface StoreClaim {
  /** The claim's socket (Linux), kept listening while the store is held. */
  readonly server?: Server;
  release(): Promise<void>;
}

/** The heartbeat lock (not Linux): its time stamp is renewed every STALE_MS / 2; older than this, its owner is gone. */
export const STALE_MS = 20_000;

export type ClaimKind = 'kernel' | 'heartbeat';

const OWNER_FILE = 'owner.pid';

/** The abstract socket name of the folder (its real path, so `./s` and `/abs/s` are one store). */
export function claimName(dir: string): string {
  return `\0wxplugin-store-${createHash('sha256').update(realpathSync(dir)).digest('hex').slice(0, 48)}`;
}

/** The refusal when another process holds the store: the project's one error type, -930306, naming the holder. */
function busy(dir: string): OperationError {
  let owner: string | undefined;
  try {
    owner = readFileSync(join(dir, OWNER_FILE), 'utf8').trim();
  } catch {
    owner = undefined;
  }
  const who = owner && /^\d{1,10}$/.test(owner) ? `process ${owner}` : 'another process';
  return new OperationError(ProjectCode.TOKEN_STORE_FAILED, { detail: `the store ${dir} is in use by ${who}: the embedded store serves one process at a time (set DATABASE_URL to share runs between workers)` });
}

function writeOwner(dir: string): void {
  const temporary = join(dir, `${OWNER_FILE}.${randomBytes(6).toString('hex')}`);
  writeFileSync(temporary, String(process.pid), { mode: PRIVATE_FILE_MODE });
  renameSync(temporary, join(dir, OWNER_FILE));
}

function removeOwner(dir: string): void {
  try {
    if (readFileSync(join(dir, OWNER_FILE), 'utf8').trim() === String(process.pid)) rmSync(join(dir, OWNER_FILE), { force: true });
  } catch {
    // Already gone.
  }
}

async function claimWithSocket(dir: string): Promise<StoreClaim> {
  // Connections are only ever probes (and, later, readers: see store.ts); none keeps the process alive.
  const server = createServer((socket) => socket.destroy());
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(claimName(dir), () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw busy(dir);
    throw error;
  }
  server.unref();
  writeOwner(dir);
  return {
    server,
    async release() {
      removeOwner(dir);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function claimWithHeartbeat(dir: string): Promise<StoreClaim> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lockfile = require('proper-lockfile') as typeof Lockfile;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(dir, {
      lockfilePath: join(dir, 'owner.lock'),
      stale: STALE_MS,
      retries: 0,
      realpath: true,
      // Its time stamp changed behind its back (a pause longer than STALE_MS): another process may
      // now hold the store. Nothing here can undo that; the run's next statement fails or not.
      onCompromised: () => undefined,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') throw busy(dir);
    throw error;
  }
  writeOwner(dir);
  return {
    async release() {
      removeOwner(dir);
      await release().catch(() => undefined);
    },
  };
}

/**
 * Claims the store folder `dir` (created for its owner alone if missing) for this process. Held by
 * another: throws an OperationError (-930306) naming the holder; anything else it throws is the
 * file system's own failure.
 */
export async function claimStore(dir: string, kind: ClaimKind = process.platform === 'linux' ? 'kernel' : 'heartbeat'): Promise<StoreClaim> {
  makePrivateDir(dir);
  return kind === 'kernel' ? claimWithSocket(dir) : claimWithHeartbeat(dir);
}
