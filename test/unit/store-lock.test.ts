/**
 * The embedded store's folder has exactly one owner (src/batch/dir-lock.ts): claimers racing in
 * separate processes, an owner killed but never reaped (a zombie, which `kill(pid, 0)` still finds),
 * an owner's pid reused. Real processes; the claim child is bundled from test/support/claim-child.ts.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { claimStore, type ClaimKind } from '../../src/batch/dir-lock';
import { OperationError } from '../../src/core/errors';
import { PROJECT_ROOT } from '../../src/platform/invoke';

jest.setTimeout(120_000);

let work: string;
let bundle: string;
let bundleDir: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'wxplugin-lock-'));
  // Inside the project, so that the bundle finds proper-lockfile in node_modules.
  mkdirSync(join(PROJECT_ROOT, 'dist'), { recursive: true });
  bundleDir = mkdtempSync(join(PROJECT_ROOT, 'dist', 'claim-child-'));
  bundle = join(bundleDir, 'claim-child.js');
  buildSync({ entryPoints: [join(PROJECT_ROOT, 'test/support/claim-child.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node18', outfile: bundle, packages: 'external', logLevel: 'error' });
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(bundleDir, { recursive: true, force: true });
});

interface Claimer {
  readonly child: ChildProcess;
  /** `won PID`, `busy` or `error ...`: its first line. */
  readonly said: Promise<string>;
}

function claimer(dir: string, kind: ClaimKind): Claimer {
  const child = spawn(process.execPath, [bundle, dir, kind], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const said = new Promise<string>((resolve) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.on('close', () => resolve(out.split('\n')[0]!));
  });
  return { child, said };
}

const exited = (child: ChildProcess) => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.on('close', resolve)));

/** The kernel's claim is this platform's own (more rounds); the heartbeat lock is what other platforms get. */
const ROUNDS = { kernel: 6, heartbeat: 3 } as const;

describe.each(['kernel', 'heartbeat'] as const)('the %s claim', (kind) => {
  test('many processes claiming one folder at once: exactly one wins, in every round', async () => {
    for (let round = 0; round < ROUNDS[kind]; round += 1) {
      const dir = join(work, `${kind}-race-${round}`);
      const claimers = Array.from({ length: 8 }, () => claimer(dir, kind));
      try {
        const said = await Promise.all(claimers.map((one) => one.said));
        expect(said.filter((line) => line.startsWith('won'))).toHaveLength(1);
        expect(said.filter((line) => line === 'busy')).toHaveLength(7);
        // The winner's pid is in owner.pid, written whole, for its owner alone.
        const winner = said.find((line) => line.startsWith('won'))!.split(' ')[1];
        expect(readFileSync(join(dir, 'owner.pid'), 'utf8')).toBe(winner);
        expect(statSync(join(dir, 'owner.pid')).mode & 0o777).toBe(0o600);
        // The others are told who holds it.
        const refused = await claimStore(dir, kind).catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(OperationError);
        expect((refused as OperationError).code).toBe(-930306);
        expect((refused as Error).message).toMatch(new RegExp(`in use by process ${winner}`));
      } finally {
        for (const one of claimers) one.child.stdin!.end();
        await Promise.all(claimers.map((one) => exited(one.child)));
      }
      // Released: owner.pid gone, the folder free again.
      expect(existsSync(join(dir, 'owner.pid'))).toBe(false);
      const again = await claimStore(dir, kind);
      await again.release();
    }
  });

  test('an owner.pid naming a live process decides nothing: only the claim does', async () => {
    const dir = join(work, `${kind}-pidfile`);
    mkdirSync(dir, { recursive: true });
    // The parent of this process is alive: the old pid-file lock refused on it.
    writeFileSync(join(dir, 'owner.pid'), String(process.ppid));
    const claim = await claimStore(dir, kind);
    expect(readFileSync(join(dir, 'owner.pid'), 'utf8')).toBe(String(process.pid));
    await claim.release();
  });
});

describe('the kernel claim and an owner killed but never reaped', () => {
  test('a zombie owner (kill(pid, 0) still succeeds on it) does not hold the store', async () => {
    const dir = join(work, 'zombie');
    // A parent that starts the owner and never waits for it: the owner, once killed, stays a zombie.
    const script = ['import subprocess, sys, time', 'child = subprocess.Popen([sys.argv[1], sys.argv[2], sys.argv[3], "kernel"], stdin=subprocess.PIPE, stdout=sys.stdout)', 'print("child", child.pid, flush=True)', 'time.sleep(600)'].join('\n');
    const parent = spawn('python3', ['-c', script, process.execPath, bundle, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    parent.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    try {
      while (!/won \d+/.test(out)) await new Promise((resolve) => setTimeout(resolve, 50));
      const owner = Number(/won (\d+)/.exec(out)![1]);
      await expect(claimStore(dir, 'kernel')).rejects.toThrow(new RegExp(`in use by process ${owner}`));
      process.kill(owner, 'SIGKILL');
      // Unreaped: still a process as far as kill(pid, 0) knows, in state Z.
      for (let tries = 0; !/State:\s+Z/.test(readFileSync(`/proc/${owner}/status`, 'utf8')); tries += 1) {
        expect(tries).toBeLessThan(100);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(() => process.kill(owner, 0)).not.toThrow();
      expect(readFileSync(join(dir, 'owner.pid'), 'utf8')).toBe(String(owner));
      // The kernel frees its claim with its files: the store is free. The leader can read as Z a
      // moment before its last thread has closed them, so the claim is asked again for a while.
      let claim: Awaited<ReturnType<typeof claimStore>> | undefined;
      for (let tries = 0; claim === undefined; tries += 1) {
        claim = await claimStore(dir, 'kernel').catch((error: unknown) => {
          if (tries >= 100) throw error;
          return undefined;
        });
        if (claim === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(readFileSync(join(dir, 'owner.pid'), 'utf8')).toBe(String(process.pid));
      await claim.release();
    } finally {
      parent.kill('SIGKILL');
      await exited(parent);
    }
  });

  test('one folder by two paths is one store; two folders are two', async () => {
    const dir = join(work, 'two-paths');
    const first = await claimStore(dir, 'kernel');
    try {
      await expect(claimStore(`${dir}/./`, 'kernel')).rejects.toThrow(/is in use by process/);
      execFileSync('ln', ['-s', dir, join(work, 'link')]);
      await expect(claimStore(join(work, 'link'), 'kernel')).rejects.toThrow(/is in use by process/);
      const other = await claimStore(join(work, 'other'), 'kernel');
      await other.release();
    } finally {
      await first.release();
    }
  });
});
