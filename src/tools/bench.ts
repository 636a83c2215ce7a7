/**
 * `npm run bench`: cold start and warm call cost, ours against the API page's sample function with
 * stock wx-server-sdk. Fresh processes, alternating sides, a successful application on the loopback
 * emulator every time. A benchmark, not a test: it prints, it asserts nothing about time.
 */
import { spawn } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startEmulator, type Emulator } from '../emulator/gateway';
import { PluginWorld, type WechatAnswer } from '../emulator/plugin-world';
import { grantedApis, invokeCloudFunction, nodeFromOption, platformEnvironment, PROJECT_ROOT } from '../platform/invoke';

const OURS = join(PROJECT_ROOT, 'cloudfunctions', 'applyPlugin');
const REFERENCE = join(PROJECT_ROOT, 'test', 'fixtures', 'reference-function');
const ADMIN = 'oBenchAdmin_000000000000000001';
const event = { pluginAppid: 'wx0123456789abcdef', reason: 'cold start benchmark' };

/** Every application succeeds: the warm loop applies hundreds of times for the same plugin. */
class ForgetfulWorld extends PluginWorld {
  override apply(miniProgramAppid: string, pluginAppid: unknown, reason: unknown): WechatAnswer {
    const answer = super.apply(miniProgramAppid, pluginAppid, reason);
    this.restore([]);
    return answer;
  }
}

interface ColdSample {
  readonly loadMs: number;
  readonly callMs: number;
  readonly coldMs: number;
  readonly rssMiB: number;
  readonly wallMs: number;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const fmt = (value: number, digits = 1): string => value.toFixed(digits);

async function cold(emulator: Emulator, functionDir: string, node: string | undefined): Promise<ColdSample> {
  const outcome = await invokeCloudFunction({
    functionDir,
    event,
    gatewayUrl: emulator.gatewayUrl,
    caller: { openid: ADMIN, source: 'wx_client' },
    functionEnv: { ADMIN_OPENIDS: ADMIN },
    ...(node ? { node } : {}),
  });
  const report = outcome.report;
  if (report.kind !== 'returned' || (report.result as { errCode?: number }).errCode !== 0) {
    throw new Error(`${functionDir} did not apply: ${JSON.stringify(report)} ${outcome.stderr}`);
  }
  return { loadMs: report.loadMs, callMs: report.callMs, coldMs: report.loadMs + report.callMs, rssMiB: report.maxRssKb / 1024, wallMs: outcome.wallMs };
}

function warm(emulator: Emulator, iterations: number, node: string | undefined): Promise<{ ours: number[]; bare: number[] }> {
  const env = {
    ...platformEnvironment({ functionDir: OURS, event, gatewayUrl: emulator.gatewayUrl, caller: { openid: ADMIN, source: 'wx_client' }, functionEnv: { ADMIN_OPENIDS: ADMIN } }, { id: 'AKIDbench', key: 'bench-key', token: 'bench-token' }),
    BENCH_WARM: JSON.stringify({ functionDir: OURS, iterations, warmup: Math.min(50, iterations) }),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(node ?? process.execPath, [join(PROJECT_ROOT, 'scripts', 'bench-warm.cjs')], { env, cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    child.on('message', (message: { ours: number[]; bare: number[] } | { error: string }) => ('error' in message ? reject(new Error(message.error)) : resolve(message)));
    child.on('error', reject);
  });
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '11' }, 'warm-iterations': { type: 'string', default: '300' }, node: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write('Usage: npm run bench [-- --runs N (default 11, at least 9)] [--warm-iterations N (default 300)] [--node 16|18|PATH]\n');
    return;
  }
  const runs = Math.max(9, Number(values.runs));
  const iterations = Math.max(20, Number(values['warm-iterations']));
  const node = nodeFromOption(values.node);

  const world = new PluginWorld();
  const emulator = await startEmulator({ grantedApis: grantedApis(OURS), world });
  const samples: { ref: ColdSample[]; ours: ColdSample[] } = { ref: [], ours: [] };
  try {
    process.stderr.write(`cold: 1 warm-up pair + ${runs} pairs, fresh process each, alternating order `);
    for (let pair = 0; pair <= runs; pair += 1) {
      const order: Array<'ref' | 'ours'> = pair % 2 === 0 ? ['ref', 'ours'] : ['ours', 'ref'];
      for (const side of order) {
        world.restore([]); // each run is a first application, answered 0
        const sample = await cold(emulator, side === 'ref' ? REFERENCE : OURS, node);
        if (pair > 0) samples[side].push(sample);
      }
      process.stderr.write('.');
    }
    process.stderr.write('\n');
  } finally {
    await emulator.close();
  }

  const warmEmulator = await startEmulator({ grantedApis: grantedApis(OURS), world: new ForgetfulWorld() });
  let warmSamples: { ours: number[]; bare: number[] };
  try {
    process.stderr.write(`warm: ${iterations} calls each in one process, alternating\n`);
    warmSamples = await warm(warmEmulator, iterations, node);
  } finally {
    await warmEmulator.close();
  }

  const metrics: ReadonlyArray<readonly [string, keyof ColdSample, number]> = [
    ['load index.js (ms)', 'loadMs', 1],
    ['first call (ms)', 'callMs', 1],
    ['load + first call (ms)', 'coldMs', 1],
    ['peak RSS (MiB)', 'rssMiB', 1],
    ['process wall time (ms)', 'wallMs', 1],
  ];
  const lines: string[] = [];
  lines.push(`Machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${fmt(totalmem() / 2 ** 30, 0)} GiB, Node ${node ? `at ${node}` : process.version}; ${runs} pairs.`);
  lines.push('');
  lines.push(row(['metric', 'reference (median)', 'ours (median)', 'ours / reference: median of pairs', 'min – max']));
  lines.push(row(['---', '---:', '---:', '---:', '---:']));
  for (const [label, key] of metrics) {
    const ratios = samples.ours.map((sample, index) => sample[key] / samples.ref[index]![key]);
    lines.push(row([label, fmt(median(samples.ref.map((s) => s[key]))), fmt(median(samples.ours.map((s) => s[key]))), fmt(median(ratios), 2), `${fmt(Math.min(...ratios), 2)} – ${fmt(Math.max(...ratios), 2)}`]));
  }
  const warmRatio = median(warmSamples.ours) / median(warmSamples.bare);
  lines.push(row(['warm call (ms): ours vs bare SDK call', fmt(median(warmSamples.bare), 2), fmt(median(warmSamples.ours), 2), fmt(warmRatio, 2), '']));
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`npm run bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
