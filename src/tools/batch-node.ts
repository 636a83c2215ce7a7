/**
 * Batch runs need Node 22.12 or later (their job engine, pg-boss 12). In this repository, on a
 * machine whose `node` is older, the commands that run them (`wxplugin batch`, `wxplugin worker`,
 * `npm start -- --third-party`, `npm run bench:batch`) run them under WeChat's Node 22.21 build,
 * which the `prepare` step installs in scripts/wechat-node. Installed from npm, the package has no
 * such build: an old Node is refused in one line, as before.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { nodeTooOld } from '../batch/limits';
import type * as Invoke from '../platform/invoke';

/** The build batch runs use when this Node is too old: WeChat's current maintained runtime. */
export const BATCH_WECHAT_NODE = '22.21.1';

/** Set in a batch re-run under that build, so that it never re-runs itself again (the tests set it to see an installed package's refusal). */
export const RERUN_MARK = 'WXPLUGIN_BATCH_RERUN';

/** The repository's scripts/wechat-node, found from here (src/tools in tests, dist/ when built); none when installed from npm. */
function wechatNodeFolder(from = __dirname): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'scripts', 'wechat-node', 'runtimes.json'))) return join(dir, 'scripts', 'wechat-node');
    if (dirname(dir) === dir) return undefined;
  }
}

/** WeChat's Node 22.21 build for this machine, when the repository has it installed. */
export function wechatBatchNode(): string | undefined {
  const folder = wechatNodeFolder();
  if (!folder) return undefined;
  // The alias rule of scripts/wechat-node/package.json (platform/invoke.ts packageAlias): loaded only here, in the repository.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { findWechatNode } = require('../platform/invoke') as typeof Invoke;
  return findWechatNode(BATCH_WECHAT_NODE).path;
}

/** The node binary to run a batch under: this one when new enough, else the repository's WeChat 22.21 build (else this one, which then refuses). */
export function batchNodeBinary(version = process.versions.node): string {
  return nodeTooOld(version) === undefined ? process.execPath : (wechatBatchNode() ?? process.execPath);
}

/**
 * Runs this same command again under WeChat's Node 22.21 build when this Node cannot run batches
 * and the repository has that build; resolves with the exit status to end with, or undefined to go
 * on here (new enough, or no build: the batch then refuses this Node in one line).
 *
 * The child keeps stdin, stdout and stderr. It runs in a process group of its own so that a Ctrl-C
 * reaches it once (forwarded from here), not twice (a second interrupt means "stop at once"); and
 * since a kill of this process's group then no longer reaches it, it ends itself as soon as this
 * process is gone (its IPC channel closes: see endWithParent).
 */
export function rerunUnderBatchNode(): Promise<number> | undefined {
  if (process.env[RERUN_MARK] === '1' || nodeTooOld(process.versions.node) === undefined) return undefined;
  const node = wechatBatchNode();
  if (!node) return undefined;
  const child = spawn(node, [...process.execArgv, process.argv[1]!, ...process.argv.slice(2)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, [RERUN_MARK]: '1' },
    detached: true,
  });
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const forward = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of signals) process.on(signal, forward);
  return new Promise((resolve) => {
    child.on('error', (error) => {
      process.stderr.write(`wxplugin: could not run Node ${BATCH_WECHAT_NODE} (${error.message}): run the batch with Node ${BATCH_WECHAT_NODE} or later\n`);
      resolve(2);
    });
    child.on('exit', (code, signal) => {
      for (const name of signals) process.off(name, forward);
      if (signal) {
        // Ended by a signal: end the same way, so a caller sees what it would have seen.
        process.kill(process.pid, signal);
        return;
      }
      resolve(code ?? 1);
    });
  });
}

/** In a re-run child: end when the parent that started it is gone (killed with its process group, say). */
export function endWithParent(): void {
  if (process.env[RERUN_MARK] !== '1' || !process.channel) return;
  process.channel.unref();
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
}
