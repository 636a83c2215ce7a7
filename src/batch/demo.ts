/**
 * `npm start -- --third-party`: the third-party platform's path, short: a loopback emulator with a
 * platform of a few hundred authorisers (one in ten without plugin management), and
 * `wxplugin batch apply --all` run against it as a user runs it, in a child process with a fresh
 * embedded store. Shows the progress and the report, then what the emulator saw.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_COMPONENT_APPID, DEMO_COMPONENT_SECRET, FIRST_TICKET } from '../emulator/component-world';
import { startEmulator } from '../emulator/gateway';
import { batchNodeBinary } from '../tools/batch-node';
import { EXIT_UNFINISHED } from './outcome';

export const DEMO_AUTHORIZERS = 300;
const DEMO_RATE = 200;

/** Resolves with the batch's exit status (1 here: the authorisers without set 40 are refused; 3 when interrupted first). */
export async function thirdPartyDemo(wxplugin: string, json: boolean): Promise<number> {
  const emulator = await startEmulator({ https: { component: { authorizers: DEMO_AUTHORIZERS, withoutPluginManagement: 0.1 } } });
  const store = mkdtempSync(join(tmpdir(), 'wxplugin-start-batch-'));
  const args = ['batch', 'apply', '--plugin-appid', 'wx1111111111111111', '--all', '--rate', String(DEMO_RATE), '--store', store, ...(json ? ['--json'] : [])];
  if (!json) process.stdout.write(`Third-party platform ${DEMO_COMPONENT_APPID} with ${DEMO_AUTHORIZERS} authorisers: wxplugin ${args.join(' ').replace(store, '<temp>')}\n`);
  try {
    let interrupted: NodeJS.Signals | undefined;
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(batchNodeBinary(), [wxplugin, ...args], {
        env: {
          ...process.env,
          WECHAT_API_BASE_URL: emulator.url,
          WECHAT_COMPONENT_APPID: DEMO_COMPONENT_APPID,
          WECHAT_COMPONENT_SECRET: DEMO_COMPONENT_SECRET,
          WECHAT_COMPONENT_VERIFY_TICKET: FIRST_TICKET,
        },
        stdio: ['ignore', 'inherit', 'inherit'],
        // Its own process group: a Ctrl-C reaches it once, forwarded below, not also from the terminal
        // (a second signal would stop it at once, without recording its calls in flight).
        detached: true,
      });
      // Ctrl-C or a kill: the batch is told (it stops after its calls in flight), and this waits for
      // it, so the temporary store is removed below rather than left behind.
      const forward = (signal: NodeJS.Signals) => {
        interrupted = signal;
        child.kill(signal);
      };
      process.on('SIGINT', forward);
      process.on('SIGTERM', forward);
      const release = () => {
        process.off('SIGINT', forward);
        process.off('SIGTERM', forward);
      };
      child.on('error', (error) => {
        release();
        reject(error);
      });
      child.on('close', (status) => {
        release();
        resolve(status ?? 1);
      });
    });
    if (interrupted) return code === 0 ? 0 : EXIT_UNFINISHED;
    const calls = emulator.https.component!.calls();
    if (!json) process.stdout.write(`The emulator saw ${calls.length} plugin calls (${calls.filter((call) => call.errcode === 0).length} answered 0, ${calls.filter((call) => call.errcode === 61007).length} answered 61007); batch exit status ${code}\n`);
    return code;
  } finally {
    await emulator.close();
    rmSync(store, { recursive: true, force: true });
  }
}
