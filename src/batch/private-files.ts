import { chmodSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The embedded store holds tokens in clear: its owner alone may read it, whatever the umask. */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `dir`, and the parents it lacks, for their owner alone. A folder that was already there is
 * left as it is (`--store /tmp` must not close /tmp to everyone else) unless `own` says the folder
 * is the store's own (its pgdata).
 */
export function makePrivateDir(dir: string, own = false): void {
  const first = mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  // mkdir's mode passes through the umask; 0700 is meant whatever the umask.
  if (first !== undefined) {
    for (let created = dir; created.length >= first.length; created = dirname(created)) chmodSync(created, PRIVATE_DIR_MODE);
  } else if (own) chmodSync(dir, PRIVATE_DIR_MODE);
}

/**
 * Sets every folder under `dir` (itself included) to 0700 and every file to 0600. PGlite's file
 * system sets 0666 on each file it creates, ignoring the umask, so this runs after it opens and
 * after it closes; in between, the store's own folder (0700) keeps the others out of what it adds.
 */
export function makeTreePrivate(dir: string): void {
  chmodSync(dir, PRIVATE_DIR_MODE);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) makeTreePrivate(path);
    else if (entry.isFile()) chmodSync(path, PRIVATE_FILE_MODE);
  }
}
