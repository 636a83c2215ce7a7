/**
 * A throw-away PostgreSQL server for the tests: initdb in a temporary folder, started on a free
 * loopback port, stopped and removed after. PostgreSQL's own binaries: on PATH, or where Debian
 * puts them (/usr/lib/postgresql/N/bin). initdb refuses to run as root, so as root everything runs
 * as the `postgres` user (runuser), in a folder given to it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface PostgresServer {
  readonly url: string;
  stop(): void;
}

/** The folder holding initdb and pg_ctl, if this machine has them. */
export function findPostgresBin(): string | undefined {
  const candidates = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    for (const version of readdirSync(debian).sort((a, b) => Number(b) - Number(a))) candidates.push(join(debian, version, 'bin'));
  }
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startPostgres(bin: string): Promise<PostgresServer> {
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'wxplugin-pg-'));
  const data = join(dir, 'data');
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o700);
  }
  const run = (program: string, args: readonly string[]) => {
    const [command, all] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, program), ...args]] : [join(bin, program), [...args]];
    const result = spawnSync(command, all as string[], { encoding: 'utf8', cwd: dir });
    if (result.status !== 0) throw new Error(`${program} failed (${result.status}): ${result.stderr || result.stdout}`);
  };
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=100 -c fsync=off`, 'start']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Where PostgreSQL is missing, the suite is one test saying so: a failure under CI=true (.ci/run
 * installs it), a warning on a developer's machine.
 */
export function postgresMissing(suite: string, what: string): void {
  test(`PostgreSQL is not installed here: ${what} did not run`, () => {
    if (process.env.CI === 'true') throw new Error('initdb and pg_ctl are required when CI=true (PostgreSQL 15; see .ci/run)');
    console.warn(`${suite}: no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin; install PostgreSQL to run it`);
  });
}
