/**
 * `npm run bench:batch`: batch runs on the embedded store against the loopback emulator, measured.
 * Prints figures, asserts nothing.
 *
 * 1. Throughput: N authorisers (default 100,000) with --rate high enough not to bind: authorisers
 *    per second, and the CLI process's resident memory when 10,000 were done and at the end, with
 *    its peak (it must stay flat: the run streams, it never holds every authoriser).
 * 2. The rate bound: M authorisers (default 3,000) at --rate R (default 100): requests per second to
 *    WeChat sustained, as a share of R (plugin calls and token fetches, as the limiter counts them),
 *    and the busiest one-second window of plugin calls.
 *
 *   node dist/bench-batch.js [--authorizers N] [--bound-authorizers M] [--rate R] [--skip-throughput] [--skip-bound]
 *
 * The emulator runs in this process; the CLI in a child process, as a user runs it. Memory is read
 * from /proc (Linux); elsewhere it is reported as unavailable.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEMO_COMPONENT_APPID, DEMO_COMPONENT_SECRET, FIRST_TICKET } from '../emulator/component-world';
import { startEmulator } from '../emulator/gateway';
import { batchNodeBinary } from './batch-node';

const { values } = parseArgs({
  options: {
    authorizers: { type: 'string', default: '100000' },
    'bound-authorizers': { type: 'string', default: '3000' },
    rate: { type: 'string', default: '100' },
    'skip-throughput': { type: 'boolean', default: false },
    'skip-bound': { type: 'boolean', default: false },
  },
  strict: true,
});

function rssMiB(pid: number): number | undefined {
  const file = `/proc/${pid}/status`;
  if (!existsSync(file)) return undefined;
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(file, 'utf8'));
  return match ? Number(match[1]) / 1024 : undefined;
}

function peakMiB(pid: number): number | undefined {
  const file = `/proc/${pid}/status`;
  if (!existsSync(file)) return undefined;
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(file, 'utf8'));
  return match ? Number(match[1]) / 1024 : undefined;
}

interface Progress {
  readonly at: number;
  readonly done: number;
  readonly rss: number | undefined;
}

async function runBatch(count: number, rate: number, concurrency: number | undefined) {
  const emulator = await startEmulator({ https: { component: { authorizers: count, withoutPluginManagement: 0.1, rateLimit: 0, dailyQuota: 1_000_000 } } });
  const store = mkdtempSync(join(tmpdir(), 'wxplugin-bench-batch-'));
  const args = ['batch', 'apply', '--plugin-appid', 'wx1111111111111111', '--all', '--rate', String(rate), '--store', store, ...(concurrency ? ['--concurrency', String(concurrency)] : [])];
  const started = Date.now();
  const child = spawn(batchNodeBinary(), [join(__dirname, 'wxplugin.js'), ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      WECHAT_API_BASE_URL: emulator.url,
      WECHAT_COMPONENT_APPID: DEMO_COMPONENT_APPID,
      WECHAT_COMPONENT_SECRET: DEMO_COMPONENT_SECRET,
      WECHAT_COMPONENT_VERIFY_TICKET: FIRST_TICKET,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const samples: Progress[] = [];
  let peak: number | undefined;
  let buffered = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const progress = line.startsWith('{"progress"') ? (JSON.parse(line) as { progress: { done: number } }).progress : undefined;
      if (progress) samples.push({ at: Date.now(), done: progress.done, rss: rssMiB(child.pid!) });
    }
  });
  // The kernel's own high-water mark, read while the process is still there.
  const watch = setInterval(() => (peak = peakMiB(child.pid!) ?? peak), 500);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(watch);
  const ended = Date.now();
  const component = emulator.https.component!;
  const calls = component.calls();
  const requests = calls.length + component.world.requests.authorizerToken + component.world.requests.componentToken + Math.ceil(count / 500);
  await emulator.close();
  rmSync(store, { recursive: true, force: true });
  return { code, started, ended, samples, peak, calls, requests };
}

const f1 = (value: number | undefined) => (value === undefined ? 'n/a' : value.toFixed(1));

async function throughput(count: number): Promise<void> {
  process.stdout.write(`Throughput: ${count} authorisers, --rate 100000 (not binding), --concurrency 128, embedded store\n`);
  const run = await runBatch(count, 100_000, 128);
  const first = run.samples.find((sample) => sample.done > 0);
  const last = run.samples.at(-1);
  const at10k = run.samples.find((sample) => sample.done >= 10_000);
  const working = first && last && last.at > first.at ? (last.done - first.done) / ((last.at - first.at) / 1000) : undefined;
  const plugins = run.calls;
  const span = plugins.length > 1 ? (plugins.at(-1)!.t - plugins[0]!.t) / 1000 : undefined;
  process.stdout.write(
    [
      `  exit ${run.code}, ${((run.ended - run.started) / 1000).toFixed(1)} s in all (store creation and pg-boss's schema included)`,
      `  authorisers/s while working: ${f1(working)}; plugin calls/s over the run: ${f1(span ? plugins.length / span : undefined)}`,
      `  RSS at 10,000 done: ${f1(at10k?.rss)} MiB; at the end (${last?.done ?? 0} done): ${f1(last?.rss)} MiB; peak: ${f1(run.peak)} MiB`,
      '',
    ].join('\n'),
  );
}

async function bound(count: number, rate: number): Promise<void> {
  process.stdout.write(`Rate bound: ${count} authorisers at --rate ${rate}, embedded store\n`);
  const run = await runBatch(count, rate, undefined);
  const times = run.calls.map((call) => call.t);
  const span = (times.at(-1)! - times[0]!) / 1000;
  const sustained = run.requests / span;
  let busiest = 0;
  for (let start = 0, end = 0; end < times.length; end += 1) {
    while (times[end]! - times[start]! >= 1000) start += 1;
    busiest = Math.max(busiest, end - start + 1);
  }
  process.stdout.write(
    [
      `  exit ${run.code}; ${run.requests} requests to WeChat (${run.calls.length} plugin calls, the rest token fetches and list pages) in ${span.toFixed(1)} s`,
      `  sustained ${sustained.toFixed(1)} requests/s = ${((sustained / rate) * 100).toFixed(1)} % of the bound; busiest one-second window of plugin calls: ${busiest}`,
      '',
    ].join('\n'),
  );
}

async function main(): Promise<void> {
  if (!values['skip-throughput']) await throughput(Number(values.authorizers));
  if (!values['skip-bound']) await bound(Number(values['bound-authorizers']), Number(values.rate));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench-batch: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
