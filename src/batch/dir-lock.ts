import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * PGlite is one process per data folder: a second process opening it would corrupt it. The folder
 * is claimed with a file holding the owner's pid, created exclusively; a file left by a process that
 * no longer exists (killed) is taken over.
 */
export class StoreBusyError extends Error {}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function lockDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'owner.pid');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw new StoreBusyError(`the store ${dir} is in use by process ${owner}: the embedded store serves one process at a time (set DATABASE_URL to share runs between workers)`);
      }
      rmSync(file, { force: true });
    }
  }
  throw new StoreBusyError(`the store ${dir} could not be claimed`);
}
