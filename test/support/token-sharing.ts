/**
 * Several real server processes sharing one appid against the emulator, after the account's token
 * expired: how many calls fail and how many forced refreshes they spend. Used by
 * test/e2e/token-sharing.test.ts (N = 2, 5) and scripts/token-sharing.mjs (any N).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { buildSync } from 'esbuild';
import { DEMO_MINI_PROGRAM_APPID, startEmulator } from '../../src/emulator/gateway';
import { DEMO_APP_SECRET } from '../../src/emulator/https-api';

export interface SharingFigures {
  readonly servers: number;
  readonly calls: number;
  /** Calls that did not answer errCode 0. */
  readonly failures: number;
  readonly forcedRefreshes: number;
  readonly tokenRequests: number;
}

const TOKEN_LIFETIME_S = 7200;

/** One server process: `call()` resolves with its result's errCode. */
function server(script: string, env: Record<string, string>) {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [script], { env: { PATH: process.env.PATH ?? '', ...env } });
  const waiting: Array<(code: number) => void> = [];
  createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.((JSON.parse(line) as { errCode: number }).errCode));
  return {
    call: () => new Promise<number>((resolve) => {
      waiting.push(resolve);
      child.stdin.write('call\n');
    }),
    stop: () => new Promise<void>((resolve) => {
      child.once('close', () => resolve());
      child.stdin.end();
      child.kill();
    }),
  };
}

/**
 * Starts `servers` processes, lets each make one call (all then hold the same token), expires the
 * token on the emulator's clock, then: one burst of one call per server at once, and `rounds`
 * rounds of calls taking turns. Forced refreshes invalidate older tokens at once here (no grace
 * window), the harshest case.
 */
export async function measureSharedAppid(servers: number, rounds = 3): Promise<SharingFigures> {
  const work = mkdtempSync(join(tmpdir(), 'wxplugin-sharing-'));
  const script = join(work, 'server.js');
  buildSync({ entryPoints: [join(__dirname, 'token-server-child.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node18', outfile: script, logLevel: 'error' });
  const emulator = await startEmulator({ https: { tokenLifetimeSeconds: TOKEN_LIFETIME_S, forcedRefreshGraceMs: 0 } });
  const env = { WECHAT_APPID: DEMO_MINI_PROGRAM_APPID, WECHAT_APPSECRET: DEMO_APP_SECRET, WECHAT_API_BASE_URL: emulator.url };
  const running = Array.from({ length: servers }, () => server(script, env));
  try {
    // Warm: every server holds the account's one token. Taking turns, so that they share it.
    for (const one of running) if ((await one.call()) !== 0) throw new Error('a server could not make its first call');
    const before = { ...emulator.https.tokenRequests };
    emulator.https.advanceClock(TOKEN_LIFETIME_S * 1000);
    const codes = await Promise.all(running.map((one) => one.call()));
    for (let round = 0; round < rounds; round += 1) for (const one of running) codes.push(await one.call());
    return {
      servers,
      calls: codes.length,
      failures: codes.filter((code) => code !== 0).length,
      forcedRefreshes: emulator.https.tokenRequests.forced - before.forced,
      tokenRequests: emulator.https.tokenRequests.count - before.count,
    };
  } finally {
    await Promise.all(running.map((one) => one.stop()));
    await emulator.close();
    rmSync(work, { recursive: true, force: true });
  }
}
