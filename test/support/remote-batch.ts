/**
 * `openBatch` in a child process on a given Node (batch runs need 22.12 or later; jest runs on the
 * machine's), driven from jest as if in-process: `host.openBatch(options)` answers a Batch whose
 * methods run in the child, while the options' callbacks, signals and iterables stay here. See
 * batch-host.ts (the child) and batch-wire.ts (the wire).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import type { Batch, BatchOptions } from '../../src/batch/api-types';
import { PROJECT_ROOT } from '../../src/platform/invoke';
import { Wire } from './batch-wire';

export interface BatchHost {
  /** As the library's openBatch; a `fetch` option is a watcher `(url, phase: 'before' | 'after')` here (see batch-host.ts). */
  openBatch(options: BatchOptions): Batch;
  /** One of batch-host.ts's scripts. */
  script<T>(name: string, ...args: unknown[]): Promise<T>;
  stop(): Promise<void>;
}

let bundle: string | undefined;
let bundleDir: string | undefined;

/** The host, bundled once per test file (inside the project, so that it finds node_modules). */
function hostBundle(): string {
  if (bundle) return bundle;
  mkdirSync(join(PROJECT_ROOT, 'dist'), { recursive: true });
  bundleDir = mkdtempSync(join(PROJECT_ROOT, 'dist', 'batch-host-'));
  bundle = join(bundleDir, 'batch-host.js');
  buildSync({ entryPoints: [join(PROJECT_ROOT, 'test/support/batch-host.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node22', outfile: bundle, packages: 'external', logLevel: 'error' });
  return bundle;
}

/** Removes the bundle (call in afterAll). */
export function removeHostBundle(): void {
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
  bundle = bundleDir = undefined;
}

export function startBatchHost(node: string): BatchHost {
  const child: ChildProcess = spawn(node, [hostBundle()], { stdio: ['pipe', 'pipe', 'inherit'] });
  const wire = new Wire(child.stdin!, child.stdout!);
  return {
    openBatch(options) {
      const handle = wire.invoke(null, 'openBatch', [options]) as Promise<number>;
      const call = (method: string) => async (...args: unknown[]) => wire.invoke(await handle, method, args);
      return new Proxy({} as Batch, {
        get: (_target, method: string) =>
          method === 'items'
            ? async function* items(...args: unknown[]) {
                yield* (await call('items')(...args)) as unknown[];
              }
            : method === 'then'
              ? undefined
              : call(method),
      });
    },
    script: <T>(name: string, ...args: unknown[]) => wire.invoke(null, name, args) as Promise<T>,
    async stop() {
      child.stdin!.end();
      if (child.exitCode === null) await new Promise((resolve) => child.on('close', resolve));
    },
  };
}
